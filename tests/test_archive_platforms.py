"""Platform archive APIs over loopback: WordPress REST, WriteFreely, Substack, dev.to; bad data."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from blogtui.fetching.archive import paging, platforms
from blogtui.fetching.archive.base import Site, Walk
from blogtui.fetching.http import make_client
from blogtui.parsing.feed import parse_feed
from feedserver import FeedServer, Response
from platform_sites import (
    BloggerSite,
    DevToSite,
    LoopbackGetter,
    SubstackSite,
    WordPressSite,
    WriteFreelySite,
    day,
    hugo_feed,
    jekyll_feed,
    json_feed,
    json_response,
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


def paths(server: FeedServer, prefix: str) -> list[str]:
    return [r.path for r in server.requests if r.path.startswith(prefix)]


def applying(site: Site) -> list[str]:
    """The methods of every source that applies, in the order recommended to the refresher."""
    return [s.method for s in [*paging.SOURCES, *platforms.SOURCES] if s.applies(site)]


# -- WordPress REST ------------------------------------------------------------------------------


async def test_wordpress_rest_brings_every_post_when_paged_is_ignored(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    blog = WordPressSite(server, total=250, paged=False)
    get = LoopbackGetter(client)
    site = await site_for(get, blog.feed_url, blog.home_url)
    assert applying(site) == ["wordpress-paged", "wordpress-rest"]
    posts, state = await walk_all(platforms.WordPressRest(), site, get)
    assert (state.complete, state.note, state.expected) == (True, None, 250)
    assert (state.pages_done, state.pages_known) == (3, 3)
    assert [p.url for p in posts] == [blog.link(n) for n in range(250, 0, -1)]
    assert paths(server, "/wp-json/") == [
        f"/wp-json/wp/v2/posts?per_page=100&page={n}&_embed&_envelope" for n in (1, 2, 3)
    ]
    # A REST row is the same post as the feed's item: same guid, link, title, date, author, tags.
    rest = {p.guid: p for p in posts}
    for item in site.feed.posts:
        row = rest[item.guid]
        assert (row.url, row.title, row.published, row.author, row.tags) == (
            item.url,
            item.title,
            item.published,
            item.author,
            item.tags,
        )
        assert row.content_html.strip() == item.content_html and row.text == item.text
        assert not row.summary_only


async def test_wordpress_rest_closed_then_paged_brings_the_archive(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    blog = WordPressSite(server, total=25, rest="401")
    get = LoopbackGetter(client)
    site = await site_for(get, blog.feed_url, blog.home_url)
    posts, state = await walk_all(platforms.WordPressRest(), site, get)
    assert posts == [] and state.complete is False
    url = server.url("/wp-json/wp/v2/posts?per_page=100&page=1&_embed&_envelope")
    assert state.note == f"WordPress REST API closed ({url}: HTTP 401 (rest_login_required))"
    # What the refresher falls back to: ?paged, which this blog honours.
    rest, paged = await walk_all(paging.WordPressPaged(), site, get)
    assert len(site.feed.posts) + len(rest) == 25 and paged.complete is True


async def test_wordpress_rest_blocked_by_the_web_server(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    blog = WordPressSite(server, total=25, rest="403")
    get = LoopbackGetter(client)
    posts, state = await walk_all(
        platforms.WordPressRest(), await site_for(get, blog.feed_url, blog.home_url), get
    )
    assert posts == [] and state.complete is False
    assert state.note is not None and state.note.startswith("WordPress REST API closed (")
    assert state.note.endswith(": HTTP 403 Forbidden)")


async def test_wordpress_rest_page_limit_and_rewalk(server: FeedServer, client: httpx.AsyncClient) -> None:
    blog = WordPressSite(server, total=250)
    get = LoopbackGetter(client)
    site = await site_for(get, blog.feed_url, blog.home_url)
    posts, state = await walk_all(platforms.WordPressRest(max_pages=2), site, get)
    assert len(posts) == 200
    assert (state.complete, state.note) == (False, "stopped after 2 archive pages (max_archive_pages)")
    stored = {p.guid for p in posts}
    rest, again = await walk_all(platforms.WordPressRest(), site, get, Walk(known_guids=stored))
    assert len(rest) == 50 and again.complete is True
    before = len(server.requests)
    everything = stored | {p.guid for p in rest}
    none, rewalk = await walk_all(platforms.WordPressRest(), site, get, RewalkState(known_guids=everything))
    assert none == [] and rewalk.complete is True and len(server.requests) == before + 1


async def test_wordpress_rest_without_a_home_page_and_with_rest_route(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    blog = WordPressSite(server, total=12)
    get = LoopbackGetter(client)
    site = await site_for(get, blog.feed_url)  # no home page: wp-json under the blog's address
    assert platforms.wp_api_root(site) == server.url("/wp-json/")
    posts, state = await walk_all(platforms.WordPressRest(), site, get)
    assert len(posts) == 12 and state.complete
    home = f'<link rel="https://api.w.org/" href="{server.url("/?rest_route=/")}" />'.encode()
    plain = type(site)(site.feed_url, site.site_url, site.feed, site.feed_body, home)
    root = platforms.wp_api_root(plain)
    assert platforms.wp_posts_url(root, 2, 100) == server.url(
        "/?rest_route=/wp/v2/posts&per_page=100&page=2&_embed&_envelope"
    )


def wordpress_with_posts(server: FeedServer, answer: Response | bytes) -> WordPressSite:
    blog = WordPressSite(server, total=3)
    server.add("/wp-json/wp/v2/posts", answer if isinstance(answer, Response) else Response(answer))
    return blog


@pytest.mark.parametrize(
    ("answer", "note"),
    [
        (b"{not json", "bad JSON"),
        (b'{"body": "not a list", "status": 200, "headers": {}}', "not a list of posts"),
        (b'"a string"', "not a list of posts"),
        (b"[" * 100000 + b"]" * 100000, "bad JSON"),
    ],
)
async def test_wordpress_rest_bad_documents_end_with_a_note(
    server: FeedServer, client: httpx.AsyncClient, answer: bytes, note: str
) -> None:
    blog = wordpress_with_posts(server, answer)
    get = LoopbackGetter(client)
    posts, state = await walk_all(platforms.WordPressRest(), await site_for(get, blog.feed_url), get)
    assert posts == [] and state.complete is False
    assert state.note is not None and note in state.note


async def test_wordpress_rest_rows_of_the_wrong_shape(server: FeedServer, client: httpx.AsyncClient) -> None:
    good = WordPressSite(server, total=1).row(1, embed=True)
    rows: list[object] = [
        "a string row",
        None,
        {**good, "id": 2, "link": 42},  # no link: skipped
        {**good, "id": 3, "link": "javascript:alert(1)"},  # not a web link: skipped
        {**good, "id": 4, "status": "draft", "link": server.url("/draft/")},
        {
            **good,
            "id": 5,
            "link": server.url("/odd/"),
            "title": "a bare string",
            "guid": ["not", "an", "object"],
            "date_gmt": 20200101,
            "date": ["2020"],
            "content": {"rendered": ["x"], "protected": "yes"},
            "excerpt": {"rendered": "<p>Only the excerpt</p>"},
            "_embedded": {"author": "Ann", "wp:term": "abc"},
        },
        {**good, "id": 6, "link": server.url("/tags/"), "_embedded": {"wp:term": [["x", {"name": 7}], "y"]}},
        good,
    ]
    blog = wordpress_with_posts(server, json_response(rows, headers={"X-WP-Total": "lots"}))
    get = LoopbackGetter(client)
    posts, state = await walk_all(platforms.WordPressRest(), await site_for(get, blog.feed_url), get)
    assert state.complete is True and state.expected is None
    by_url = {p.url: p for p in posts}
    assert sorted(by_url) == sorted([server.url("/odd/"), server.url("/tags/"), blog.link(1)])
    odd = by_url[server.url("/odd/")]
    assert (odd.title, odd.guid, odd.published, odd.author, odd.tags) == ("", odd.url, None, "", ())
    assert odd.content_html == "<p>Only the excerpt</p>" and odd.summary_only
    assert by_url[server.url("/tags/")].tags == ()


async def test_wordpress_rest_that_ignores_page(server: FeedServer, client: httpx.AsyncClient) -> None:
    blog = WordPressSite(server, total=100)
    rows = [blog.row(n, embed=True) for n in range(100, 0, -1)]
    server.add("/wp-json/wp/v2/posts", json_response(rows))  # the same 100 rows whatever the page
    get = LoopbackGetter(client)
    posts, state = await walk_all(platforms.WordPressRest(), await site_for(get, blog.feed_url), get)
    assert len(posts) == 100 and state.complete is False
    assert state.note is not None and "ignores page=" in state.note


async def test_wordpress_rest_page_too_large(server: FeedServer, client: httpx.AsyncClient) -> None:
    blog = WordPressSite(server, total=3)
    server.add("/wp-json/wp/v2/posts", json_response([{"content": {"rendered": "x" * 3_000_000}}]))
    get = LoopbackGetter(client, max_bytes=1024 * 1024)
    posts, state = await walk_all(platforms.WordPressRest(), await site_for(get, blog.feed_url), get)
    assert posts == [] and state.complete is False
    assert state.note is not None and state.note.endswith(": larger than 1 MB")


# -- WriteFreely ---------------------------------------------------------------------------------


@pytest.mark.parametrize("html_bodies", [True, False])
async def test_writefreely_collection_api(
    server: FeedServer, client: httpx.AsyncClient, html_bodies: bool
) -> None:
    blog = WriteFreelySite(server, total=34, pinned=2, html_bodies=html_bodies)
    get = LoopbackGetter(client)
    site = await site_for(get, blog.feed_url, blog.home_url)
    assert applying(site) == ["api:writefreely"]
    posts, state = await walk_all(platforms.WriteFreelyApi(), site, get)
    assert [p.url for p in posts] == [blog.link(n) for n in blog.listed()]
    assert (state.complete, state.note, state.expected) == (True, None, 34)
    assert paths(server, "/api/") == [f"/api/collections/ann/posts?page={n}&body=html" for n in range(1, 6)]
    feed = {p.url: p for p in site.feed.posts}
    for post in posts:
        if post.url in feed:  # the same post as the feed's item, by its link and its guid
            item = feed[post.url]
            assert (post.guid, post.title, post.published, post.text) == (
                item.guid,
                item.title,
                item.published,
                item.text,
            )
    assert posts[-1].content_html.strip() == "<p>Body of post <em>3</em>.</p>"
    assert posts[-1].tags == ("tag0",)


async def test_writefreely_single_user_alias_from_the_page(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    blog = WriteFreelySite(server, total=3, alias="solo")
    server.add("/feed/", server.routes["/solo/feed/"])
    site = await site_for(LoopbackGetter(client), server.url("/feed/"), blog.home_url)
    assert platforms.writefreely_collection(site) == ("solo", server.url("/"))
    bare = await site_for(LoopbackGetter(client), server.url("/feed/"))
    assert not platforms.WriteFreelyApi().applies(bare)  # no page, no generator: not recognised


async def test_writefreely_error_envelope(server: FeedServer, client: httpx.AsyncClient) -> None:
    blog = WriteFreelySite(server, total=3)
    server.add(
        "/api/collections/ann/posts",
        json_response({"code": 404, "error_msg": "Collection doesn't exist."}, 404),
    )
    get = LoopbackGetter(client)
    posts, state = await walk_all(
        platforms.WriteFreelyApi(), await site_for(get, blog.feed_url, blog.home_url), get
    )
    assert posts == [] and state.complete is False
    assert state.note is not None and state.note.endswith("HTTP 404 Not Found")


# -- Substack ------------------------------------------------------------------------------------


async def test_substack_archive_and_post_bodies(server: FeedServer, client: httpx.AsyncClient) -> None:
    blog = SubstackSite(server, total=60, paid=7)
    get = LoopbackGetter(client)
    site = await site_for(get, blog.feed_url)
    assert applying(site) == ["api:substack"]
    posts, state = await walk_all(platforms.SubstackApi(), site, get)
    assert [p.url for p in posts] == [blog.link(n) for n in range(60, 0, -1)]
    assert (state.complete, state.note, state.notes) == (True, None, [])
    assert paths(server, "/api/v1/archive") == [
        f"/api/v1/archive?sort=new&offset={n}&limit=50" for n in (0, 50)
    ]
    assert len(paths(server, "/api/v1/posts/")) == 60
    post = next(p for p in posts if p.url == blog.link(8))
    assert (post.title, post.author, post.tags, post.published, post.summary_only) == (
        "Post 8",
        "Ann Author",
        ("Essays",),
        day(8),
        False,
    )
    assert "Body of post 8." in post.text
    assert next(p for p in posts if p.url == blog.link(7)).summary_only  # for paying subscribers
    item = next(p for p in site.feed.posts if p.url == blog.link(60))
    assert item.guid == posts[0].guid  # the feed's guid is the post's link, as the row's


async def test_substack_skips_what_is_stored(server: FeedServer, client: httpx.AsyncClient) -> None:
    blog = SubstackSite(server, total=60)
    get = LoopbackGetter(client)
    stored = {blog.link(n) for n in range(1, 51)}
    posts, state = await walk_all(
        platforms.SubstackApi(), await site_for(get, blog.feed_url), get, Walk(known_urls=stored)
    )
    assert [p.url for p in posts] == [blog.link(n) for n in range(60, 50, -1)]
    assert len(paths(server, "/api/v1/posts/")) == 10 and state.complete


async def test_substack_bad_data(server: FeedServer, client: httpx.AsyncClient) -> None:
    blog = SubstackSite(server, total=3)
    row = blog.row(1)
    rows = [
        {**row, "slug": "../../admin", "id": 1},
        {**row, "slug": "ok-1", "id": 2, "postTags": "Essays", "publishedBylines": "Ann", "title": ["x"]},
        {**row, "slug": "ok-2", "id": 3, "type": "thread"},
        7,
    ]
    server.add("/api/v1/archive", json_response(rows))
    server.add("/api/v1/posts/ok-1", Response(b"<html>oops</html>", content_type="text/html"))
    get = LoopbackGetter(client)
    posts, state = await walk_all(platforms.SubstackApi(), await site_for(get, blog.feed_url), get)
    assert [p.url for p in posts] == [blog.link(1)]  # the canonical_url of the one good row
    (post,) = posts
    assert (post.title, post.tags, post.author, post.summary_only) == ("", (), "", True)
    assert "Body of post 1." in post.text  # the truncated body the listing had
    assert state.complete is True
    assert state.notes == ["Substack: 1 posts' bodies could not be fetched (summaries kept)"]
    server.add("/api/v1/archive", json_response({"error": "nope"}))
    posts, state = await walk_all(platforms.SubstackApi(), await site_for(get, blog.feed_url), get)
    assert posts == [] and state.note is not None and state.note.endswith(": not a list of posts")


async def test_substack_that_ignores_offset(server: FeedServer, client: httpx.AsyncClient) -> None:
    blog = SubstackSite(server, total=80)
    rows = [{**blog.row(n), "body_html": f"<p>Body of post {n}.</p>"} for n in range(80, 30, -1)]
    server.add("/api/v1/archive", json_response(rows))  # the same 50 rows whatever the offset
    get = LoopbackGetter(client)
    posts, state = await walk_all(platforms.SubstackApi(), await site_for(get, blog.feed_url), get)
    assert len(posts) == 50 and state.complete is False
    assert state.note is not None and "ignores offset=" in state.note
    assert not paths(server, "/api/v1/posts/")  # rows with their body need no second request


# -- dev.to --------------------------------------------------------------------------------------


async def test_devto_articles_and_bodies(server: FeedServer, client: httpx.AsyncClient) -> None:
    blog = DevToSite(server, total=5)
    get = LoopbackGetter(client)
    site = await site_for(get, blog.feed_url)
    assert applying(site) == ["api:devto"]
    posts, state = await walk_all(platforms.DevToApi(), site, get)
    assert [p.url for p in posts] == [blog.link(n) for n in range(5, 0, -1)]
    assert (state.complete, state.note) == (True, None)
    assert paths(server, "/api/articles?") == ["/api/articles?username=ann&page=1&per_page=1000"]
    assert len(paths(server, "/api/articles/")) == 5
    feed = {p.url: p for p in site.feed.posts}
    for post in posts:
        item = feed[post.url]
        assert (post.guid, post.title, post.published, post.author, post.tags) == (
            item.guid,
            item.title,
            item.published,
            item.author,
            item.tags,
        )
        assert post.content_html.strip() == item.content_html and not post.summary_only


async def test_devto_pages(server: FeedServer, client: httpx.AsyncClient) -> None:
    blog = DevToSite(server, total=25)
    source = platforms.DevToApi()
    source.page_size = 10
    get = LoopbackGetter(client)
    posts, state = await walk_all(source, await site_for(get, blog.feed_url), get)
    assert len({p.url for p in posts}) == 25 and state.complete
    assert len(paths(server, "/api/articles?")) == 3


async def test_devto_wrong_types(server: FeedServer, client: httpx.AsyncClient) -> None:
    blog = DevToSite(server, total=2)
    good = blog.row(2)
    rows = [
        {**good, "id": "7", "tag_list": "abc", "tags": 5, "url": blog.link(9)},
        {**good, "id": True, "url": blog.link(8)},  # a bool is no id: skipped
        {**good, "id": 6, "url": None, "path": None},  # no link: skipped
        good,
    ]
    server.add("/api/articles", json_response(rows))
    get = LoopbackGetter(client)
    posts, state = await walk_all(platforms.DevToApi(), await site_for(get, blog.feed_url), get)
    assert [p.url for p in posts] == [blog.link(9), blog.link(2)]
    assert posts[0].tags == ("abc",)  # a string is a comma-separated list, not letters
    assert posts[0].summary_only  # /api/articles/7 does not exist: the description is kept
    assert state.notes == ["dev.to: 1 articles' bodies could not be fetched (descriptions kept)"]


def _site(feed_url: str, body: bytes) -> Site:
    return Site(feed_url=feed_url, site_url="", feed=parse_feed(body, feed_url), feed_body=body)


def test_devto_is_recognised_by_host_or_forem_feed() -> None:
    plain = hugo_feed("https://b.example", 2)
    assert platforms.devto_user(_site("https://dev.to/feed/ann", plain)) == "ann"
    assert platforms.devto_user(_site("https://dev.to/feed/tag/python", plain)) is None
    assert platforms.devto_user(_site("https://dev.to/feed/latest", plain)) is None
    assert platforms.devto_user(_site("https://b.example/feed/ann", plain)) is None
    forem = plain.replace(b"Recent content", b"The latest articles on Forem by Ann (@ann).")
    assert platforms.devto_user(_site("https://community.example/feed/ann", forem)) == "ann"


# -- which source for which blog ----------------------------------------------------------------


async def test_no_platform_source_applies_to_a_static_site(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    server.add("/index.xml", hugo_feed(server.base, 30))
    server.add("/feed.xml", jekyll_feed(server.base, 30))
    server.add("/feed.json", json_feed(server.base, 30))
    get = LoopbackGetter(client)
    for path in ("/index.xml", "/feed.xml", "/feed.json"):
        assert applying(await site_for(get, server.url(path))) == []


async def test_blogger_gets_no_platform_api(server: FeedServer, client: httpx.AsyncClient) -> None:
    blog = BloggerSite(server, total=30)
    site = await site_for(LoopbackGetter(client), blog.feed_url)
    assert applying(site) == ["blogger", "feed-pages"]


def test_untrusted_json_helpers() -> None:
    assert platforms.names("abc") == [] and platforms.names(["a", {"name": "b"}, {"name": 3}, 4]) == [
        "a",
        "b",
    ]
    assert platforms.tag_tuple(["x" * 500, "A", "a", " "]) == ("x" * platforms.MAX_TAG, "A")
    assert (
        platforms.integer(True) is None and platforms.integer("12") == 12 and platforms.integer(3.5) is None
    )
    assert platforms.web_link("https://b.example/", "/p/1") == "https://b.example/p/1"
    assert platforms.web_link("https://b.example/", "data:text/html,x") == ""
    assert len(platforms.rows(list(range(5000)))) == platforms.MAX_ROWS
    with pytest.raises(platforms.BadData):
        platforms.load_json(b"\xff\xfe{")
    assert platforms.load_json(json.dumps({"a": 1}).encode()) == {"a": 1}


async def test_a_bare_feed_path_gets_the_paged_probe_but_no_rest_probe(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    # The old walk's test feed: RSS at /feed, no generator, no home page.
    from test_fetch_archive import rss_page

    server.add("/feed", rss_page([3, 2, 1]))
    site = await site_for(LoopbackGetter(client), server.url("/feed"))
    assert applying(site) == ["wordpress-paged"]
