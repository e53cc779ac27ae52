"""Feed-paging archive sources over loopback: RFC 5005 chains, WordPress ``?paged``, Blogger, Bear."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import httpx
import pytest

from blogtui.fetching.archive import paging
from blogtui.fetching.archive.base import Site, Walk
from blogtui.fetching.http import make_client
from blogtui.models import ParsedPost
from feedserver import FeedServer, Response
from platform_sites import (
    BearSite,
    BloggerSite,
    LoopbackGetter,
    WordPressSite,
    day,
    hugo_feed,
    jekyll_feed,
    json_feed,
    site_for,
    walk_all,
)


@dataclass
class RewalkState(Walk):
    """A walk of an archive that was complete before (the field the refresher is to add)."""

    was_complete: bool = True


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(2, 10.0) as c:
        yield c


def atom_page(entries: list[int], *, next_href: str | None = None, prev_archive: str | None = None) -> bytes:
    links = f'<link rel="next" href="{next_href}"/>' if next_href else ""
    links += f'<link rel="prev-archive" href="{prev_archive}"/>' if prev_archive else ""
    body = "".join(
        f"<entry><id>urn:a:{n}</id><title>A {n}</title><link href='https://atom.example/{n}'/>"
        f"<updated>2024-02-{n % 28 + 1:02d}T00:00:00Z</updated><content type='html'>x {n}</content></entry>"
        for n in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Paged Atom</title><link rel='alternate' href='https://atom.example/'/>{links}{body}</feed>"
    ).encode()


def chain(server: FeedServer, pages: list[list[int]], rel: str = "next") -> str:
    """Serve ``pages`` at /p1, /p2, ... each linking to the next with ``rel``."""
    for i, entries in enumerate(pages, start=1):
        following = f"/p{i + 1}" if i < len(pages) else None
        if rel == "next":
            server.add(f"/p{i}", atom_page(entries, next_href=following))
        else:
            server.add(f"/p{i}", atom_page(entries, prev_archive=following))
    return server.url("/p1")


def guid_numbers(posts: Sequence[ParsedPost]) -> list[int]:
    return [int(p.guid.rsplit(":", 1)[1]) for p in posts]


def paths(server: FeedServer) -> list[str]:
    return [r.path for r in server.requests]


# -- RFC 5005 and rel="next" -----------------------------------------------------------------------


@pytest.mark.parametrize("rel", ["next", "prev-archive"])
async def test_feed_pages_follow_the_chain_to_its_end(
    server: FeedServer, client: httpx.AsyncClient, rel: str
) -> None:
    url = chain(server, [[9, 8, 7], [6, 5, 4], [3, 2, 1]], rel)
    get = LoopbackGetter(client)
    site = await site_for(get, url)
    source = paging.FeedPages()
    assert source.applies(site)
    posts, state = await walk_all(source, site, get)
    # The first page is the refresher's: the source brings the rest, each post once.
    assert guid_numbers(posts) == [6, 5, 4, 3, 2, 1]
    assert (state.complete, state.note, state.pages_done) == (True, None, 2)


async def test_feed_pages_do_not_apply_without_a_link(server: FeedServer, client: httpx.AsyncClient) -> None:
    get = LoopbackGetter(client)
    site = await site_for(get, server.add("/feed", atom_page([2, 1])))
    assert not paging.FeedPages().applies(site)


async def test_feed_pages_stop_at_a_loop(server: FeedServer, client: httpx.AsyncClient) -> None:
    server.add("/p1", atom_page([4, 3], next_href="/p2"))
    server.add("/p2", atom_page([2, 1], next_href="/p1"))
    get = LoopbackGetter(client)
    posts, state = await walk_all(paging.FeedPages(), await site_for(get, server.url("/p1")), get)
    assert guid_numbers(posts) == [2, 1]
    assert state.complete is False
    assert state.note == f"archive pages loop back to {server.url('/p1')}"


async def test_feed_pages_keep_what_came_before_a_failed_page(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    server.add("/p1", atom_page([6, 5], next_href="/p2"))
    server.add("/p2", atom_page([4, 3], next_href="/p3"))
    server.add("/p3", Response(b"boom", 500, content_type="text/plain"))
    get = LoopbackGetter(client)
    posts, state = await walk_all(paging.FeedPages(), await site_for(get, server.url("/p1")), get)
    assert guid_numbers(posts) == [4, 3]
    assert state.complete is False
    assert state.note == f"archive page {server.url('/p3')}: HTTP 500 Internal Server Error"


async def test_feed_pages_name_a_page_that_is_not_a_feed(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    server.add("/p1", atom_page([2], next_href="/p2"))
    server.add("/p2", Response(b"<html><body>Sorry</body></html>", content_type="text/html"))
    get = LoopbackGetter(client)
    posts, state = await walk_all(paging.FeedPages(), await site_for(get, server.url("/p1")), get)
    assert posts == []
    assert state.complete is False
    assert state.note is not None and state.note.startswith(f"archive page {server.url('/p2')}: not a feed")


async def test_feed_pages_refuse_a_page_too_large(server: FeedServer, client: httpx.AsyncClient) -> None:
    server.add("/p1", atom_page([2], next_href="/p2"))
    server.add("/p2", atom_page(list(range(3, 40000))))
    get = LoopbackGetter(client, max_bytes=1024 * 1024)
    _, state = await walk_all(paging.FeedPages(), await site_for(get, server.url("/p1")), get)
    assert state.complete is False
    assert state.note == f"archive page {server.url('/p2')}: larger than 1 MB"


async def test_feed_pages_stop_at_a_page_that_only_repeats(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    server.add("/p1", atom_page([4, 3], next_href="/p2"))
    server.add("/p2", atom_page([4, 3], next_href="/p3"))
    server.add("/p3", atom_page([2, 1]))
    get = LoopbackGetter(client)
    posts, state = await walk_all(paging.FeedPages(), await site_for(get, server.url("/p1")), get)
    assert posts == [] and not server.hits("/p3")
    assert state.complete is False
    assert state.note == f"archive page {server.url('/p2')} only repeats posts already seen"


async def test_page_limit_stops_the_walk_and_a_second_walk_resumes(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    url = chain(server, [[100 - 2 * n, 99 - 2 * n] for n in range(1, 7)])
    get = LoopbackGetter(client)
    site = await site_for(get, url)
    source = paging.FeedPages(max_pages=3)  # the first page counts, as max_archive_pages did
    first, state = await walk_all(source, site, get)
    assert len(first) == 4 and state.pages_done == 2
    assert (state.complete, state.note) == (False, "stopped after 3 archive pages (max_archive_pages)")
    assert not server.hits("/p4")
    stored = {p.guid for p in [*site.feed.posts, *first]}
    source.max_pages = 500  # the attribute the refresher may set instead of the constructor's
    rest, again = await walk_all(source, site, get, Walk(known_guids=stored))
    assert len(rest) == 6 and not stored & {p.guid for p in rest}
    assert (again.complete, again.note) == (True, None)


async def test_rewalk_of_a_complete_archive_stops_at_the_first_known_page(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    url = chain(server, [[7, 6, 5], [4, 3], [2, 1]])
    get = LoopbackGetter(client)
    site = await site_for(get, url)
    stored = {f"urn:a:{n}" for n in (6, 5, 4, 3, 2, 1)}  # 7 is the new post on the first page
    posts, state = await walk_all(paging.FeedPages(), site, get, RewalkState(known_guids=stored))
    assert posts == [] and state.complete is True
    assert not server.hits("/p3")
    # Without the mark, the same walk goes on to the end (a walk the page limit cut short).
    posts, state = await walk_all(paging.FeedPages(), site, get, Walk(known_guids=stored))
    assert posts == [] and state.complete is True and len(server.hits("/p3")) == 1


async def test_known_urls_are_not_yielded_again(server: FeedServer, client: httpx.AsyncClient) -> None:
    url = chain(server, [[4, 3], [2, 1]])
    get = LoopbackGetter(client)
    posts, state = await walk_all(
        paging.FeedPages(), await site_for(get, url), get, Walk(known_urls={"https://atom.example/2"})
    )
    assert guid_numbers(posts) == [1] and state.complete


# -- WordPress ?paged ----------------------------------------------------------------------------


async def test_wordpress_paged_walks_to_the_404_past_the_last_page(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    blog = WordPressSite(server, total=25, rest="403")
    get = LoopbackGetter(client)
    site = await site_for(get, blog.feed_url)
    source = paging.WordPressPaged()
    assert source.applies(site)
    posts, state = await walk_all(source, site, get)
    assert len(site.feed.posts) + len(posts) == 25
    assert {p.guid for p in [*site.feed.posts, *posts]} == {blog.guid(n) for n in range(1, 26)}
    assert (state.complete, state.note) == (True, None)
    assert [p for p in paths(server) if "paged" in p] == [
        "/feed/?paged=2",
        "/feed/?paged=3",
        "/feed/?paged=4",
    ]


async def test_wordpress_paged_ignored_costs_one_request(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    blog = WordPressSite(server, total=25, paged=False)
    get = LoopbackGetter(client)
    posts, state = await walk_all(paging.WordPressPaged(), await site_for(get, blog.feed_url), get)
    assert posts == []
    assert (state.complete, state.note) == (False, "the server ignores ?paged= (page 2 repeats page 1)")
    assert [p for p in paths(server) if "paged" in p] == ["/feed/?paged=2"]


async def test_wordpress_paged_last_page_repeated_is_the_end(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    from test_fetch_archive import rss_page

    server.routes["/wp/feed/"] = Response(rss_page([6, 5]))
    server.routes["/wp/feed/?paged=2"] = Response(rss_page([4, 3]))
    server.routes["/wp/feed/?paged=3"] = Response(rss_page([4, 3]))
    get = LoopbackGetter(client)
    site = await site_for(get, server.url("/wp/feed/"))
    assert paging.WordPressPaged().applies(site)  # the /feed/ path, no other generator
    posts, state = await walk_all(paging.WordPressPaged(), site, get)
    assert [p.guid for p in posts] == ["rss-4", "rss-3"]
    assert state.complete is True and not server.hits("/wp/feed/?paged=4")


async def test_wordpress_paged_without_page_2_is_incomplete(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    blog = WordPressSite(server, total=8)  # one page: ?paged=2 is a 404
    get = LoopbackGetter(client)
    posts, state = await walk_all(paging.WordPressPaged(), await site_for(get, blog.feed_url), get)
    assert posts == []
    assert (state.complete, state.note) == (False, "the feed has no ?paged=2 (HTTP 404)")


async def test_wordpress_paged_page_limit(server: FeedServer, client: httpx.AsyncClient) -> None:
    blog = WordPressSite(server, total=60)
    get = LoopbackGetter(client)
    posts, state = await walk_all(paging.WordPressPaged(max_pages=4), await site_for(get, blog.feed_url), get)
    assert len(posts) == 30 and state.pages_done == 3
    assert (state.complete, state.note) == (False, "stopped after 4 archive pages (max_archive_pages)")


async def test_wordpress_is_recognised_without_its_generator(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    blog = WordPressSite(server, total=12, generator=False)
    get = LoopbackGetter(client)
    with_home = await site_for(get, blog.feed_url, blog.home_url)
    assert paging.is_wordpress(with_home)  # the home page's wp-json link
    server.add(
        "/news/feed/", hugo_feed(server.base, 12).replace(b"<generator>Hugo -- gohugo.io</generator>", b"")
    )
    bare = await site_for(get, server.url("/news/feed/"))
    assert paging.is_wordpress(bare)  # a /feed/ path and no generator
    assert not paging.is_wordpress(bare, strong=True)  # a path alone: ?paged yes, no REST probe
    assert paging.is_wordpress(with_home, strong=True)


def _site(feed_url: str, body: bytes, home: bytes | None = None) -> Site:
    from blogtui.parsing.feed import parse_feed

    return Site(feed_url=feed_url, site_url="", feed=parse_feed(body, feed_url), feed_body=body, home=home)


def test_feeds_of_other_platforms_are_not_wordpress() -> None:
    base = "https://blog.example"
    assert not paging.is_wordpress(_site(f"{base}/feed/", hugo_feed(base, 3)))  # Hugo at /feed/
    assert not paging.is_wordpress(_site(f"{base}/feed.xml", jekyll_feed(base, 3)))
    assert not paging.is_wordpress(_site(f"{base}/feed/json", json_feed(base, 3)))
    substack = hugo_feed(base, 3).replace(b"Hugo -- gohugo.io", b"Substack")
    assert not paging.is_wordpress(_site(f"{base}/feed", substack))
    wordpress = hugo_feed(base, 3).replace(b"Hugo -- gohugo.io", b"https://wordpress.org/?v=6.5")
    assert paging.is_wordpress(_site(f"{base}/index.xml", wordpress))


@pytest.mark.parametrize("kind", ["hugo", "jekyll", "json"])
async def test_a_static_site_gets_no_paging_probe(
    server: FeedServer, client: httpx.AsyncClient, kind: str
) -> None:
    feeds = {
        "hugo": ("/index.xml", hugo_feed),
        "jekyll": ("/feed.xml", jekyll_feed),
        "json": ("/feed.json", json_feed),
    }
    path, build = feeds[kind]
    server.add(path, build(server.base, 30))
    server.add(
        "/", "<html><head><title>Static</title></head><body>Hi</body></html>", content_type="text/html"
    )
    get = LoopbackGetter(client)
    site = await site_for(get, server.url(path), server.url("/"))
    assert len(site.feed.posts) == 10
    applying = [s.method for s in paging.SOURCES if s.applies(site)]
    assert applying == []
    for source in paging.SOURCES:  # what an integrator trying every applying source would do
        if source.applies(site):
            await walk_all(source, site, get)
    assert paths(server) == [path, "/"]  # no ?paged=2, no ?page=2: nothing but the feed and home


# -- Blogger -------------------------------------------------------------------------------------


async def test_blogger_walks_150_at_a_time_to_the_total(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    blog = BloggerSite(server, total=3 * 150 + 25)
    get = LoopbackGetter(client)
    site = await site_for(get, blog.feed_url)
    assert len(site.feed.posts) == 25 and site.feed.next_url  # the default feed: 25 and rel=next
    source = paging.BloggerPages()
    assert source.applies(site) and paging.SOURCES[0].method == "blogger"
    posts, state = await walk_all(source, site, get)
    guids = [p.guid for p in posts]
    assert len(guids) == len(set(guids)) == 475 - 25  # the first page's 25 are not yielded again
    assert set(guids) | {p.guid for p in site.feed.posts} == {blog.guid(n) for n in range(1, 476)}
    assert (state.complete, state.note, state.expected) == (True, None, 475)
    assert (state.pages_done, state.pages_known) == (4, 4)
    asked = [p for p in paths(server) if "start-index" in p]
    assert asked == [f"/feeds/posts/default?start-index={s}&max-results=150" for s in (1, 151, 301, 451)]
    first = next(p for p in posts if p.guid == blog.guid(1))
    assert (first.url, first.title, first.tags, first.published, first.author) == (
        blog.link(1),
        "Post 1",
        ("label-1",),
        day(1),
        "Ann Author",
    )


async def test_blogger_that_ignores_start_index(server: FeedServer, client: httpx.AsyncClient) -> None:
    blog = BloggerSite(server, total=400, ignores_start=True)
    get = LoopbackGetter(client)
    posts, state = await walk_all(paging.BloggerPages(), await site_for(get, blog.feed_url), get)
    assert len(posts) == 150 - 25  # start-index=1 is honoured by accident; 151 repeats it
    assert state.complete is False and state.expected == 400
    assert state.note is not None and state.note.startswith("the server ignores start-index")


async def test_blogger_is_recognised_by_its_generator_on_a_custom_path() -> None:
    body = (
        b"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><title>t</title>"
        b"<generator version='7.00' uri='http://www.blogger.com'>Blogger</generator></feed>"
    )
    assert paging.is_blogger(_site("https://blog.example/atom.xml", body))
    assert not paging.is_blogger(_site("https://blog.example/atom.xml", jekyll_feed("https://b.example", 2)))


# -- Bear Blog -----------------------------------------------------------------------------------


async def test_bear_pages_walk_to_the_empty_page(server: FeedServer, client: httpx.AsyncClient) -> None:
    blog = BearSite(server, total=35)
    get = LoopbackGetter(client)
    site = await site_for(get, blog.feed_url, blog.home_url)
    source = paging.BearPages()
    assert source.applies(site) and not paging.WordPressPaged().applies(site)
    posts, state = await walk_all(source, site, get)
    assert {p.url for p in [*site.feed.posts, *posts]} == {blog.link(n) for n in range(1, 36)}
    assert len(posts) == 25 and (state.complete, state.note) == (True, None)
    assert [p for p in paths(server) if "page=" in p] == [f"/feed/?page={n}" for n in (2, 3, 4, 5)]
    assert posts[0].tags and posts[0].published is not None


async def test_bear_feed_that_ignores_page_costs_one_request(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    blog = BearSite(server, total=35, paged=False)
    get = LoopbackGetter(client)
    posts, state = await walk_all(paging.BearPages(), await site_for(get, blog.feed_url, blog.home_url), get)
    assert posts == []
    assert (state.complete, state.note) == (False, "the server ignores ?page= (page 2 repeats page 1)")
    assert [p for p in paths(server) if "page=" in p] == ["/feed/?page=2"]


async def test_bear_is_not_recognised_without_its_fingerprint(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    blog = BearSite(server, total=5)
    get = LoopbackGetter(client)
    assert not paging.BearPages().applies(await site_for(get, blog.feed_url))  # no home page: no footer
