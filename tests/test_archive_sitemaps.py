"""Whole archives over loopback: blogs built as Hugo, Jekyll, Ghost and WordPress serve them come
home through their sitemaps and post pages, whole, dated, tagged, once each, as backlog."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

import sites
from blogtui.config import Config
from blogtui.library import Library
from blogtui.urls import canonical_url
from feedserver import FeedServer, Response


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
    assert f"archive: 20 posts via sitemap, complete, since {blog.posts[-1].published:%Y-%m}" in text
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
