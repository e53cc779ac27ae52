"""Bad input for an archive crawl: sitemap bombs (XML and gzip), a million-URL sitemap, index loops,
other hosts, pages that are not HTML or are 25 MB, robots.txt, 429 and 403. Each ends as a note on
the feed, bounded in time, with the posts already found kept."""

from __future__ import annotations

import gzip
import time
from pathlib import Path

import sites
from blogtui.config import Config
from blogtui.library import Library
from feedserver import FeedServer, Response


def lib(data_dir: Path, **config: object) -> Library:
    return Library(data_dir, Config(page_delay=0.0, **config))  # type: ignore[arg-type]


def blog_with(server: FeedServer, total: int = 12, feed_limit: int = 5) -> sites.Blog:
    """A blog whose post pages exist but whose feed carries only the newest, and no sitemap yet."""
    blog = sites.hugo_like_pages(server, total)
    base = server.base
    items = [
        f"<item><title>{p.title}</title><link>{base}{blog.post_paths[p.slug]}</link>"
        f"<guid>{base}{blog.post_paths[p.slug]}</guid>"
        f"<pubDate>{p.published:%a, %d %b %Y %H:%M:%S +0000}</pubDate><description>x</description></item>"
        for p in blog.posts[:feed_limit]
    ]
    server.add("/feed.xml", sites._rss("Bad input blog", base, items))
    blog.feed_path = "/feed.xml"
    return blog


def post_urls(blog: sites.Blog) -> list[str]:
    return [blog.url(p) for p in blog.posts]


def test_xml_bomb_is_refused(server: FeedServer, data_dir: Path) -> None:
    blog = blog_with(server)
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(f'<!ENTITY lol{i} "{"&lol{};".format(i - 1 if i > 1 else "") * 10}">' for i in range(1, 10))
        + ']><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&lol9;</loc></url></urlset>'
    )
    server.add("/sitemap.xml", laughs.encode())
    library = lib(data_dir)
    started = time.monotonic()
    [outcome] = library.subscribe([blog.feed])
    assert time.monotonic() - started < 20
    assert outcome.error is None and not outcome.archive_complete
    [feed] = library.feeds()
    assert feed.posts == 5 and "sitemap.xml: not a sitemap" in (feed.archive_note or "")
    library.close()


def test_gzip_bomb_is_read_only_to_its_bound(server: FeedServer, data_dir: Path) -> None:
    blog = blog_with(server, total=8)
    urls = "".join(f"<url><loc>{u}</loc></url>" for u in post_urls(blog))
    head = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}'
    bomb = gzip.compress(head.encode() + b" " * (200 * 1024 * 1024), compresslevel=1)
    assert len(bomb) < 1024 * 1024  # 200 MB once inflated
    server.add(
        "/robots.txt", Response(f"Sitemap: {server.url('/s.xml.gz')}\n".encode(), content_type="text/plain")
    )
    server.add("/s.xml.gz", Response(bomb, content_type="application/gzip"))
    library = lib(data_dir)
    started = time.monotonic()
    [outcome] = library.subscribe([blog.feed])
    assert time.monotonic() - started < 30
    assert outcome.error is None
    [feed] = library.feeds()
    # What the bound let through was read: every post is home, and the note says the rest was left.
    assert feed.posts == 8 and not feed.archive_complete
    assert "larger than 8 MB uncompressed" in (feed.archive_note or "")
    library.close()


def test_million_url_sitemap_is_bounded(server: FeedServer, data_dir: Path) -> None:
    blog = blog_with(server, total=6, feed_limit=2)
    real = "".join(f"<url><loc>{u}</loc></url>" for u in post_urls(blog))
    fake = "".join(f"<url><loc>{server.base}/p/{n}/</loc></url>" for n in range(1_000_000))
    doc = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{real}{fake}</urlset>'
    server.add(
        "/sitemap.xml.gz",
        Response(gzip.compress(doc.encode(), compresslevel=1), content_type="application/gzip"),
    )
    server.add("/p/", Response(b"<html><body>gone</body></html>", 404, content_type="text/html"))
    library = lib(data_dir, max_archive_posts=10)
    started = time.monotonic()
    [outcome] = library.subscribe([blog.feed])
    assert time.monotonic() - started < 60
    assert outcome.error is None
    [feed] = library.feeds()
    assert feed.posts == 6 and not feed.archive_complete
    note = feed.archive_note or ""
    assert "uncompressed" in note and "not fetched (max_archive_posts)" in note
    # At most max_archive_posts post pages were asked for.
    assert len([r for r in server.requests if r.path.startswith(("/p/", "/posts/"))]) <= 10
    library.close()


def test_index_loop_is_noted_and_stops(server: FeedServer, data_dir: Path) -> None:
    blog = blog_with(server)
    server.add(
        "/sitemap_index.xml", sites.sitemap_index([server.url("/a.xml"), server.url("/sitemap_index.xml")])
    )
    server.add("/a.xml", sites.sitemap_index([server.url("/b.xml")]))
    server.add("/b.xml", sites._sitemap(post_urls(blog)))
    server.add("/wp-sitemap.xml", b"not here", status=404)
    server.routes["/b.xml"] = Response(
        sites.sitemap_index([server.url("/a.xml"), server.url("/posts.xml")]), content_type="application/xml"
    )
    server.add("/posts.xml", sites._sitemap(post_urls(blog)))
    library = lib(data_dir)
    [outcome] = library.subscribe([blog.feed])
    assert outcome.error is None
    [feed] = library.feeds()
    assert feed.posts == 12 and "loops back to" in (feed.archive_note or "")
    assert len(server.hits("/a.xml")) == 1 and len(server.hits("/sitemap_index.xml")) == 1
    library.close()


def test_other_hosts_are_refused(server: FeedServer, data_dir: Path) -> None:
    other = FeedServer().start()
    try:
        elsewhere = sites.hugo_like_pages(other, 3)
        blog = blog_with(server, total=7)
        server.add(
            "/robots.txt",
            Response(
                f"Sitemap: {other.url('/sitemap.xml')}\nSitemap: {server.url('/sitemap.xml')}\n".encode(),
                content_type="text/plain",
            ),
        )
        server.add(
            "/sitemap.xml", sites._sitemap(post_urls(blog) + post_urls(elsewhere) + ["file:///etc/passwd"])
        )
        other.add("/sitemap.xml", sites._sitemap(post_urls(elsewhere)))
        library = lib(data_dir)
        [outcome] = library.subscribe([blog.feed])
        assert outcome.error is None
        assert other.requests == []  # neither its sitemap nor its pages were asked for
        [feed] = library.feeds()
        assert feed.posts == 7 and "on other hosts refused" in (feed.archive_note or "")
        library.close()
    finally:
        other.stop()


def test_pages_that_are_not_html_or_too_large(server: FeedServer, data_dir: Path) -> None:
    blog = blog_with(server, total=9)
    server.add("/posts/a-pdf/", Response(b"%PDF-1.4 ...", content_type="application/pdf"))
    server.add(
        "/posts/huge/",
        Response(b"<html><body>" + b"x" * (25 * 1024 * 1024) + b"</body></html>", content_type="text/html"),
    )
    extra = [server.url("/posts/a-pdf/"), server.url("/posts/huge/")]
    server.add("/sitemap.xml", sites._sitemap(post_urls(blog) + extra))
    library = lib(data_dir)
    [outcome] = library.subscribe([blog.feed])
    assert outcome.error is None
    [feed] = library.feeds()
    assert feed.posts == 9 and not feed.archive_complete
    assert "1 post pages could not be read (larger than 5 MB x1)" in (feed.archive_note or "")
    # A re-walk asks again only for the page that failed; the PDF is remembered as no post.
    before = len(server.hits("/posts/a-pdf/"))
    library.refresh(archive=True)
    assert len(server.hits("/posts/a-pdf/")) == before and len(server.hits("/posts/huge/")) == 2
    library.close()


def test_robots_disallow_429_and_bot_wall(server: FeedServer, data_dir: Path) -> None:
    blog = blog_with(server, total=8, feed_limit=2)
    server.add("/posts/secret/", Response(b"<html>secret</html>", content_type="text/html"))
    server.add(
        "/robots.txt",
        Response(
            (
                f"User-agent: blogtui\nDisallow: /posts/secret/\n\nSitemap: {server.url('/sitemap.xml')}\n"
            ).encode(),
            content_type="text/plain",
        ),
    )
    server.add("/sitemap.xml", sites._sitemap([*post_urls(blog), server.url("/posts/secret/")]))
    path = blog.post_paths[blog.posts[3].slug]
    page = server.routes[path]
    asked = 0

    def busy(request):  # type: ignore[no-untyped-def]
        nonlocal asked
        asked += 1
        return Response(b"slow down", 429, {"Retry-After": "1"}, "text/plain") if asked == 1 else page

    server.add(path, busy)
    library = lib(data_dir)
    [outcome] = library.subscribe([blog.feed])
    assert outcome.error is None and outcome.archive_complete
    assert not server.hits("/posts/secret/") and asked == 2
    assert library.feeds()[0].posts == 8
    library.close()


def test_bot_wall_is_named(server: FeedServer, data_dir: Path) -> None:
    blog = blog_with(server, total=30, feed_limit=3)
    for p in blog.posts[3:]:
        server.add(
            blog.post_paths[p.slug], Response(b"<html>Access denied</html>", 403, content_type="text/html")
        )
    server.add("/sitemap.xml", sites._sitemap(post_urls(blog)))
    library = lib(data_dir)
    [outcome] = library.subscribe([blog.feed])
    assert outcome.error is None and not outcome.archive_complete
    [feed] = library.feeds()
    assert feed.posts == 3 and "a bot wall" in (feed.archive_note or "")
    assert len([r for r in server.requests if r.path.startswith("/posts/")]) <= 6  # it stopped soon
    library.close()
