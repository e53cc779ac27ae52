"""Whole archives over loopback: blogs built as Hugo, Jekyll, Ghost and WordPress serve them come
home through their sitemaps and post pages, whole, dated, tagged, once each, as backlog."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import sites
from blogtui.config import Config
from blogtui.fetching.archive.base import Site, Walk
from blogtui.fetching.archive.sitemaps import SitemapSource
from blogtui.fetching.http import make_client
from blogtui.library import Library
from blogtui.models import ParsedFeed, ParsedPost
from blogtui.urls import canonical_url
from feedserver import FeedServer, Response
from platform_sites import LoopbackGetter, walk_all


def lib(data_dir: Path, **config: object) -> Library:
    return Library(data_dir, Config(page_delay=0.0, **config))  # type: ignore[arg-type]


def stored(data_dir: Path) -> list[sqlite3.Row]:
    db = sqlite3.connect(data_dir / "blogtui.db")
    db.row_factory = sqlite3.Row
    try:
        return db.execute("SELECT id, guid, url, title, published, backlog, read FROM posts").fetchall()
    finally:
        db.close()


def assert_whole(
    library: Library, data_dir: Path, blog: sites.Blog, feed_count: int, *, feed_tags: bool = True
) -> None:
    """Every post once, with its title, date and tags (the feed's own posts' tags when the feed
    carries them: Hugo's RSS does not); no page that is not a post; the feed's own posts unread
    and the archive's as backlog."""
    rows = stored(data_dir)
    by_url = {canonical_url(r["url"]): r for r in rows}
    assert len(rows) == len(by_url) == len(blog.posts), sorted(by_url)
    for post in blog.posts:
        row = by_url[canonical_url(blog.url(post))]
        assert row["title"] == post.title
        assert row["published"] == int(post.published.timestamp()), post.slug
        if feed_tags or post not in blog.posts[:feed_count]:
            assert set(library.post_tags(row["id"])) == set(post.tags), post.slug
    for path in blog.not_posts:
        assert canonical_url(blog.server.url(path)) not in by_url
    assert library.count("is:unread") == feed_count
    assert library.count("is:backlog") == len(blog.posts) - feed_count


def test_hugo_comes_home_whole_through_its_sitemap(server: FeedServer, data_dir: Path) -> None:
    blog = sites.hugo(server, total=23, feed_limit=10)
    library = lib(data_dir)
    [outcome] = library.subscribe([blog.home])
    assert outcome.error is None and outcome.archive_complete
    assert_whole(library, data_dir, blog, 10, feed_tags=False)
    [feed] = library.feeds()
    assert (feed.archive_method, feed.archive_complete, feed.archive_note) == ("sitemap", True, None)
    assert feed.archive_oldest == blog.posts[-1].published
    # The listings the sitemap names were never fetched: the URL told what they are.
    assert not server.hits("/tags/python/") and not server.hits("/categories/")
    library.close()


def test_jekyll_feed_and_sitemap_come_home_whole(server: FeedServer, data_dir: Path) -> None:
    blog = sites.jekyll(server, total=14)
    library = lib(data_dir)
    [outcome] = library.subscribe([blog.feed])
    assert outcome.error is None and outcome.archive_complete
    assert_whole(library, data_dir, blog, 10)
    # The feed's ten were not fetched again as pages: only the four older posts were.
    fetched = [p for p in blog.posts if server.hits(blog.post_paths[p.slug])]
    assert fetched == blog.posts[10:]
    library.close()


def test_ghost_opaque_guids_and_sitemap_index(server: FeedServer, data_dir: Path) -> None:
    blog = sites.ghost(server, total=20)
    library = lib(data_dir)
    [outcome] = library.subscribe([blog.home])
    assert outcome.error is None and outcome.archive_complete
    assert_whole(library, data_dir, blog, 15)
    # The index's post sitemap was read; its pages, authors and tags sitemaps were not.
    assert server.hits("/sitemap-posts.xml") and not server.hits("/sitemap-tags.xml")
    assert not server.hits("/sitemap-authors.xml") and not server.hits("/sitemap-pages.xml")
    library.close()


def test_wordpress_paged_ignored_but_wp_sitemap(server: FeedServer, data_dir: Path) -> None:
    blog = sites.wordpress(server, total=25)
    library = lib(data_dir)
    [outcome] = library.subscribe([blog.feed])
    assert outcome.error is None and outcome.archive_complete
    assert_whole(library, data_dir, blog, 10)
    [feed] = library.feeds()
    assert feed.archive_method == "sitemap"
    # The feed's ?p=N guids stayed theirs; pages of the same posts were never stored twice.
    guids = {r["guid"] for r in stored(data_dir)}
    assert sum(g.startswith(server.url("/?p=")) for g in guids) == 10
    library.close()


def test_feed_only_blog_says_so(server: FeedServer, data_dir: Path) -> None:
    blog = sites.feed_only(server, total=6)
    library = lib(data_dir)
    [outcome] = library.subscribe([blog.feed])
    assert outcome.error is None and not outcome.archive_complete
    assert any("no sitemap, no paging found" in n for n in outcome.notes)
    [feed] = library.feeds()
    assert (feed.posts, feed.archive_method, feed.archive_note) == (6, None, "no sitemap, no paging found")
    assert library.count("is:unread") == 6 and library.count("is:backlog") == 0
    # Not WordPress: no ?paged=2 probe.
    assert not [r for r in server.requests if "paged=" in r.path]
    library.close()


def test_feeds_command_says_it_in_words(
    server: FeedServer, data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from blogtui.cli import main

    blog = sites.ghost(server, total=20)
    config = data_dir.parent / "config"
    config.mkdir(exist_ok=True)
    (config / "config.toml").write_text("page_delay = 0\n")
    monkeypatch.setenv("BLOGTUI_CONFIG_DIR", str(config))
    assert main(["--data-dir", str(data_dir), "add", blog.home]) == 0
    capsys.readouterr()
    assert main(["--data-dir", str(data_dir), "feeds"]) == 0
    text = capsys.readouterr().out
    assert f"archive: 20 of 20 posts via sitemap, complete, since {blog.posts[-1].published:%Y-%m}" in text
    assert main(["--data-dir", str(data_dir), "feeds", "--json"]) == 0
    [feed] = json.loads(capsys.readouterr().out)
    assert (feed["archive_method"], feed["archive_complete"], feed["archive_note"]) == ("sitemap", True, None)
    assert feed["archive_oldest"] == blog.posts[-1].published.strftime("%Y-%m-%d")
    assert (feed["unread"], feed["backlog"]) == (15, 5)


def test_opening_a_backlog_post_marks_it_read(server: FeedServer, data_dir: Path) -> None:
    blog = sites.jekyll(server, total=12)
    library = lib(data_dir)
    library.subscribe([blog.feed])
    [first, second] = library.post_ids("is:backlog")
    library.mark_read([first])
    assert library.post_ids("is:backlog") == [second]
    assert first in library.post_ids("is:read") and first not in library.post_ids("is:unread")
    library.mark_read([second], False)  # marked unread: an unread post like any other
    assert second in library.post_ids("is:unread") and library.count("is:backlog") == 0
    library.close()


def test_killed_walk_resumes_without_refetching(server: FeedServer, data_dir: Path) -> None:
    blog = sites.hugo(server, total=40, feed_limit=5)
    served = 0
    pages = {blog.post_paths[p.slug]: server.routes[blog.post_paths[p.slug]] for p in blog.posts}

    def flaky(path: str):  # type: ignore[no-untyped-def]
        def handler(request):  # type: ignore[no-untyped-def]
            nonlocal served
            served += 1
            if served > 12:  # the network goes away after twelve pages
                return Response(b"down", 503, content_type="text/plain")
            return pages[path]

        return handler

    for path in pages:
        server.add(path, flaky(path))
    library = lib(data_dir)
    [first] = library.subscribe([blog.home])
    assert first.error is None and not first.archive_complete
    kept = len(stored(data_dir))
    assert kept >= 5 + 10
    [feed] = library.feeds()
    assert feed.archive_method == "sitemap" and "post pages" in (feed.archive_note or "")
    served = -10_000  # the network is back
    hits_before = {path: len(server.hits(path)) for path in pages}
    [again] = library.refresh(archive=True)
    assert again.error is None and again.archive_complete
    assert_whole(library, data_dir, blog, 5, feed_tags=False)
    for path in pages:
        got = len(server.hits(path)) - hits_before[path]
        assert got <= 1, path
    refetched = [p for p in pages if hits_before[p] and len(server.hits(p)) > hits_before[p]]
    # Only the pages that had failed were asked again; the kept ones were not.
    assert all(len(server.hits(p)) == 2 for p in refetched)
    assert len(refetched) + kept - 5 <= 35
    # A third walk asks for no post page at all.
    total_hits = sum(len(server.hits(p)) for p in pages)
    [third] = library.refresh(archive=True)
    assert third.archive_complete and sum(len(server.hits(p)) for p in pages) == total_hits
    library.close()


def test_plain_refresh_asks_only_the_feed(server: FeedServer, data_dir: Path) -> None:
    blog = sites.ghost(server, total=18)
    library = lib(data_dir)
    library.subscribe([blog.home])
    before = len(server.requests)
    [outcome] = library.refresh()
    assert outcome.error is None
    assert [r.path for r in server.requests[before:]] == ["/rss/"]
    library.close()


def test_import_no_fetch_gets_its_archive_on_first_refresh(
    server: FeedServer, data_dir: Path, tmp_path: Path
) -> None:
    blog = sites.jekyll(server, total=13)
    opml = tmp_path / "subs.opml"
    opml.write_text(
        f'<?xml version="1.0"?><opml version="2.0"><body><outline type="rss" text="J" xmlUrl="{blog.feed}"/>'
        "</body></opml>"
    )
    library = lib(data_dir)
    library.import_opml(opml, fetch=False)
    [outcome] = library.refresh()
    assert outcome.error is None and outcome.archive_complete
    assert_whole(library, data_dir, blog, 10)
    library.close()


# -- how big the archive is, and pages changed since they were read (<lastmod>) ---------------------


def test_the_sitemaps_post_urls_are_the_archives_expected_size(server: FeedServer, data_dir: Path) -> None:
    """Hugo's sitemap lists 23 posts and 6 pages that are not (home, sections, about): the
    archive is 23 posts, on the first walk and on a re-walk (the about page then skipped)."""
    blog = sites.hugo(server, total=23, feed_limit=10)
    library = lib(data_dir)
    library.subscribe([blog.home])
    [feed] = library.feeds()
    assert (feed.posts, feed.archive_expected, feed.archive_complete) == (23, 23, True)
    [again] = library.refresh(archive=True)
    assert again.error is None
    [feed] = library.feeds()
    assert (feed.posts, feed.archive_expected, feed.archive_method) == (23, 23, "sitemap")
    library.close()


def test_an_incomplete_walk_says_how_much_is_missing(server: FeedServer, data_dir: Path) -> None:
    blog = sites.hugo(server, total=30, feed_limit=5)
    library = lib(data_dir, max_archive_posts=10)
    library.subscribe([blog.home])
    [feed] = library.feeds()
    assert not feed.archive_complete and feed.archive_expected == 30 and feed.posts == 15
    from blogtui.output import archive_words

    assert archive_words(feed).startswith("archive: 15 of 30 posts via sitemap, incomplete (")
    library.close()


def _dated_sitemap(server: FeedServer, blog: sites.Blog, lastmods: dict[str, datetime]) -> None:
    urls = "".join(
        f"<url><loc>{server.url(blog.post_paths[p.slug])}</loc>"
        f"<lastmod>{lastmods[p.slug].isoformat()}</lastmod></url>"
        for p in blog.posts
    )
    server.add(
        "/sitemap.xml",
        Response(
            f'<?xml version="1.0" encoding="UTF-8"?>'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'.encode()
        ),
    )


async def _walk(server: FeedServer, state: Walk) -> tuple[list[ParsedPost], Walk, list[str]]:
    async with make_client(2, 10.0) as client:
        get = LoopbackGetter(client)
        site = Site(feed_url=server.url("/feed.xml"), site_url=server.url("/"), feed=ParsedFeed())
        posts, state = await walk_all(SitemapSource(), site, get, state)
        return posts, state, [urlsplit(u).path for u in get.asked]


def _stored(posts: list[ParsedPost]) -> Walk:
    """What the refresher would know once ``posts`` are stored: their URLs and page times."""
    return Walk(
        known_urls={canonical_url(p.url) for p in posts},
        page_times={canonical_url(p.url): p.updated for p in posts if p.updated is not None},
    )


async def test_a_rewalk_reads_again_only_the_pages_whose_lastmod_is_newer(server: FeedServer) -> None:
    blog = sites.hugo_like_pages(server, 12)
    lastmods = {p.slug: p.published + timedelta(days=2, hours=3) for p in blog.posts}
    _dated_sitemap(server, blog, lastmods)
    first, state, _ = await _walk(server, Walk())
    assert len(first) == 12 and state.complete and state.expected == 12
    # A page's <lastmod> later than its own dates is the post's updated time: what is stored.
    assert {canonical_url(p.url): p.updated for p in first} == {
        canonical_url(blog.url(p)): lastmods[p.slug] for p in blog.posts
    }
    # Nothing changed: no post page is asked for.
    again, state, asked = await _walk(server, _stored(first))
    assert again == [] and state.complete and state.expected == 12
    assert not [a for a in asked if a.startswith("/posts/")]
    # One post edited: its page is read again, and only its.
    edited = blog.posts[4]
    lastmods[edited.slug] += timedelta(days=30)
    _dated_sitemap(server, blog, lastmods)
    page = server.routes[blog.post_paths[edited.slug]]
    assert isinstance(page, Response)
    body = page.body.replace(b"Second paragraph", b"Edited paragraph")
    server.add(blog.post_paths[edited.slug], Response(body, content_type=page.content_type))
    changed, state, asked = await _walk(server, _stored(first))
    assert [a for a in asked if a.startswith("/posts/")] == [blog.post_paths[edited.slug]]
    [post] = changed
    assert "Edited paragraph" in post.content_html and post.updated == lastmods[edited.slug]
    assert state.complete and any("1 stored pages changed" in n for n in state.notes)
    # Stored with that time, it is not read a third time.
    stored = _stored(first)
    stored.page_times[canonical_url(post.url)] = post.updated  # type: ignore[assignment]
    third, _, asked = await _walk(server, stored)
    assert third == [] and not [a for a in asked if a.startswith("/posts/")]


async def test_lastmod_is_not_used_when_it_says_nothing_of_the_pages(server: FeedServer) -> None:
    """Every URL with one <lastmod> (when the sitemap was generated), a page stored without a
    page time, and a changed page that is gone now: none is fetched again or lost."""
    blog = sites.hugo_like_pages(server, 12)
    built = datetime(2025, 3, 1, tzinfo=timezone.utc)
    _dated_sitemap(server, blog, {p.slug: built for p in blog.posts})
    first, state, _ = await _walk(server, Walk())
    assert len(first) == 12 and state.complete
    assert any("same <lastmod>" in n for n in state.notes)
    assert all(p.updated is None or p.updated < built for p in first)  # not the generation time
    old = _stored(first)
    old.page_times = {k: datetime(2020, 1, 1, tzinfo=timezone.utc) for k in old.known_urls}
    again, _, asked = await _walk(server, old)
    assert again == [] and not [a for a in asked if a.startswith("/posts/")]
    # Distinct lastmods now, all newer; one page stored without a time; one page gone.
    lastmods = {p.slug: built + timedelta(days=n) for n, p in enumerate(blog.posts)}
    _dated_sitemap(server, blog, lastmods)
    untimed, gone = blog.posts[0], blog.posts[1]
    del old.page_times[canonical_url(blog.url(untimed))]
    server.add(blog.post_paths[gone.slug], Response(b"gone", 404, content_type="text/plain"))
    again, state, asked = await _walk(server, old)
    fetched = {a for a in asked if a.startswith("/posts/")}
    assert blog.post_paths[untimed.slug] not in fetched and len(fetched) == 11
    assert len(again) == 10 and state.complete and state.expected == 12
    assert any("1 changed pages could not be read again" in n for n in state.notes)


def test_refresh_reads_again_only_pages_changed_since_and_only_once(
    server: FeedServer, data_dir: Path
) -> None:
    """End to end: the refresher gives the walk each stored page's time; a page whose <lastmod>
    moved on is read again once (its text the same: the time is still kept), an edited one
    brings its new text home, and an unchanged sitemap asks for no post page."""
    blog = sites.hugo(server, total=15, feed_limit=5)
    lastmods = {p.slug: p.published + timedelta(days=3) for p in blog.posts}
    _dated_sitemap(server, blog, lastmods)
    library = lib(data_dir)
    library.subscribe([blog.home])
    assert library.count("") == 15
    touched, edited = blog.posts[-1], blog.posts[-2]  # two of the archive's (not in the feed)

    def hits(post: sites.Post) -> int:
        return len(server.hits(blog.post_paths[post.slug]))

    before = {p.slug: hits(p) for p in (touched, edited)}
    [outcome] = library.refresh(archive=True)
    assert outcome.error is None and {p.slug: hits(p) for p in (touched, edited)} == before
    lastmods[touched.slug] += timedelta(days=40)
    _dated_sitemap(server, blog, lastmods)
    library.refresh(archive=True)
    assert hits(touched) == before[touched.slug] + 1 and hits(edited) == before[edited.slug]
    library.refresh(archive=True)
    assert hits(touched) == before[touched.slug] + 1  # its new time was kept: not read a third time
    page = server.routes[blog.post_paths[edited.slug]]
    assert isinstance(page, Response)
    server.add(
        blog.post_paths[edited.slug],
        Response(
            page.body.replace(b"</article>", b"<p>An added paragraph.</p></article>"),
            content_type=page.content_type,
        ),
    )
    lastmods[edited.slug] += timedelta(days=50)
    _dated_sitemap(server, blog, lastmods)
    library.refresh(archive=True)
    assert hits(edited) == before[edited.slug] + 1
    [post_id] = library.post_ids('"added paragraph"')
    post = library.post(post_id)
    assert post is not None and post.updated == lastmods[edited.slug]
    assert library.count("") == 15
    library.close()


# -- which sitemap names are asked for (sitemaps.probe_urls) ---------------------------------------


def _below(server: FeedServer, blog: sites.Blog, prefix: str) -> list[str]:
    """The blog's post pages served again under ``prefix`` (a blog below the host's root)."""
    paths = []
    for post in blog.posts:
        path = prefix + blog.post_paths[post.slug]
        server.add(path, server.routes[blog.post_paths[post.slug]])
        paths.append(path)
    return paths


def _feed(server: FeedServer, path: str, home: str, urls: list[str], generator: str = "") -> None:
    gen = f"<generator>{generator}</generator>" if generator else ""
    items = "".join(
        f"<item><title>T{n}</title><link>{u}</link><guid>{u}</guid></item>" for n, u in enumerate(urls)
    )
    server.add(
        path,
        Response(
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>B</title><link>{home}</link>'
            f"<description>d</description>{gen}{items}</channel></rss>".encode(),
            content_type="application/rss+xml",
        ),
    )


async def _walk_feed(server: FeedServer, feed_path: str) -> tuple[list[ParsedPost], Walk, list[str]]:
    async with make_client(2, 10.0) as client:
        get = LoopbackGetter(client)
        first = await get(server.url(feed_path))
        from blogtui.parsing.feed import parse_feed

        feed = parse_feed(first.body, server.url(feed_path))
        site = Site(feed_url=server.url(feed_path), site_url=feed.site_url, feed=feed, feed_body=first.body)
        get.asked.clear()
        posts, state = await walk_all(SitemapSource(), site, get)
        return posts, state, [urlsplit(u).path for u in get.asked]


async def test_wordpress_below_the_root_is_found_by_its_wp_sitemap(server: FeedServer) -> None:
    """WordPress installed in /blog/: core's index is at the install's home, asked for first."""
    blog = sites.hugo_like_pages(server, 6)
    paths = _below(server, blog, "/blog")
    urls = [server.url(p) for p in paths]
    _feed(server, "/blog/feed/", server.url("/blog/"), urls[:2], "https://wordpress.org/?v=6.5.2")
    server.add(
        "/blog/wp-sitemap.xml",
        sites.sitemap_index(
            [server.url("/blog/wp-sitemap-posts-post-1.xml"), server.url("/blog/wp-sitemap-users-1.xml")]
        ),
    )
    server.add("/blog/wp-sitemap-posts-post-1.xml", sites._sitemap(urls))
    server.add("/blog/wp-sitemap-users-1.xml", sites._sitemap([server.url("/blog/author/admin/")]))
    posts, state, asked = await _walk_feed(server, "/blog/feed/")
    assert sorted(canonical_url(p.url) for p in posts) == sorted(canonical_url(u) for u in urls)
    assert state.complete and state.expected == 6
    # robots.txt (none here), then the install's wp-sitemap.xml: nothing else was probed.
    assert asked[:3] == ["/robots.txt", "/blog/wp-sitemap.xml", "/blog/wp-sitemap-posts-post-1.xml"]
    assert not [a for a in asked if a.startswith("/sitemap") or a == "/wp-sitemap.xml"]


async def test_an_unknown_blog_below_the_root_costs_seven_requests_to_find_no_sitemap(
    server: FeedServer,
) -> None:
    """No generator, home /notes/, no sitemap anywhere, robots.txt naming none: robots.txt, one
    name under the home (sitemap.xml) and the five generic names at the root; N = 7. (The root's
    answers are kept for the run: a second blog of the host costs one request more; see
    test_blogs_of_one_host_share_the_roots_answers.)"""
    blog = sites.hugo_like_pages(server, 4)
    paths = _below(server, blog, "/notes")
    _feed(server, "/notes/index.xml", server.url("/notes/"), [server.url(p) for p in paths[:2]])
    posts, state, asked = await _walk_feed(server, "/notes/index.xml")
    assert posts == [] and state.note == "no sitemap"
    assert asked == [
        "/robots.txt",
        "/notes/sitemap.xml",
        "/sitemap.xml",
        "/sitemap_index.xml",
        "/sitemap-index.xml",
        "/sitemap.xml.gz",
        "/sitemap_index.xml.gz",
    ]
    # The one name asked under the home is the one static generators write there: found.
    server.add("/notes/sitemap.xml", sites._sitemap([server.url(p) for p in paths]))
    posts, state, asked = await _walk_feed(server, "/notes/index.xml")
    assert len(posts) == 4 and state.complete
    assert asked[:2] == ["/robots.txt", "/notes/sitemap.xml"]


async def test_robots_txt_sitemap_lines_win_over_the_platforms_names(server: FeedServer) -> None:
    """A WordPress blog whose robots.txt names its sitemap: that one is read, no name is probed
    (wp-sitemap.xml is there too, listing one page only)."""
    blog = sites.hugo_like_pages(server, 5)
    urls = post_urls = [blog.url(p) for p in blog.posts]
    _feed(server, "/feed/", server.url("/"), urls[:1], "https://wordpress.org/?v=6.5.2")
    server.add("/wp-sitemap.xml", sites._sitemap(urls[:1]))
    server.add("/maps/all-posts.xml", sites._sitemap(post_urls))
    server.add(
        "/robots.txt", Response(f"User-agent: *\nSitemap: {server.url('/maps/all-posts.xml')}\n".encode())
    )
    posts, state, asked = await _walk_feed(server, "/feed/")
    assert len(posts) == 5 and state.complete and state.expected == 5
    assert asked[:2] == ["/robots.txt", "/maps/all-posts.xml"]
    assert not [a for a in asked if "sitemap" in a]


def test_blogs_of_one_host_share_the_roots_answers(server: FeedServer, data_dir: Path) -> None:
    """Two unknown blogs below one host's root, added together: the root's five names are asked
    once; each blog adds its one name (sitemap.xml under its home)."""
    blog = sites.hugo_like_pages(server, 3)
    for prefix in ("/a", "/b"):
        paths = _below(server, blog, prefix)
        _feed(server, f"{prefix}/index.xml", server.url(f"{prefix}/"), [server.url(p) for p in paths])
    library = lib(data_dir)
    outcomes = library.subscribe([server.url("/a/index.xml"), server.url("/b/index.xml")])
    assert [o.error for o in outcomes] == [None, None]
    probed = sorted(r.path for r in server.requests if "sitemap" in r.path)
    root = [
        "/sitemap.xml",
        "/sitemap_index.xml",
        "/sitemap-index.xml",
        "/sitemap.xml.gz",
        "/sitemap_index.xml.gz",
    ]
    assert probed == sorted(["/a/sitemap.xml", "/b/sitemap.xml", *root])
    library.close()


def test_probe_urls_by_platform() -> None:
    """The names each recognised platform serves, under its home then at the root."""
    from blogtui.fetching.archive.sitemaps import probe_urls

    def site(feed_url: str, home: str, generator: str = "", page: bytes | None = None) -> Site:
        body = (
            f"<rss><channel><generator>{generator}</generator></channel></rss>".encode()
            if generator
            else b"<rss/>"
        )
        return Site(feed_url=feed_url, site_url=home, feed=ParsedFeed(), feed_body=body, home=page)

    h = "https://example.com"
    assert probe_urls(site(f"{h}/feed/", f"{h}/", "https://wordpress.org/?v=6.5")) == [
        f"{h}/wp-sitemap.xml", f"{h}/sitemap_index.xml", f"{h}/sitemap.xml"
    ]  # fmt: skip
    assert probe_urls(site(f"{h}/rss/", f"{h}/", "Ghost 5.82")) == [f"{h}/sitemap.xml"]
    # Hugo's section feed links the section: its sitemap is the site's, at the root.
    assert probe_urls(site(f"{h}/posts/index.xml", f"{h}/posts/", "Hugo -- gohugo.io")) == [
        f"{h}/posts/sitemap.xml", f"{h}/sitemap.xml"
    ]  # fmt: skip
    astro = site(f"{h}/rss.xml", f"{h}/", page=b'<meta name="generator" content="Astro v4.5.0">')
    assert probe_urls(astro) == [f"{h}/sitemap-index.xml", f"{h}/sitemap.xml"]
    assert probe_urls(site("https://x.blogspot.com/feeds/posts/default", "https://x.blogspot.com/")) == [
        "https://x.blogspot.com/sitemap.xml"
    ]
    assert len(probe_urls(site(f"{h}/index.xml", f"{h}/"))) == 5
