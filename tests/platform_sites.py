"""Loopback blogs served the way each platform serves them, with known totals.

Each builder registers routes on a :class:`~feedserver.FeedServer` and knows its posts, so a test
can compare what an archive source brought home with what the blog holds. Post ``n`` (1 = oldest)
was published on day ``n`` after 2020-01-01; feeds and APIs list the newest first.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from html import escape
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

from blogtui.fetching.archive.base import Site, Source, Walk
from blogtui.fetching.http import fetch
from blogtui.models import FetchResult, ParsedFeed, ParsedPost
from blogtui.parsing.feed import parse_feed
from feedserver import FeedServer, Request, Response

if TYPE_CHECKING:
    import httpx

EPOCH = datetime(2020, 1, 1, 10, 0, tzinfo=timezone.utc)


def day(n: int) -> datetime:
    """When post ``n`` was published."""
    return EPOCH + timedelta(days=n)


def query(request: Request) -> dict[str, str]:
    """The request's query parameters (a bare ``_embed`` reads as ``""``)."""
    return dict(parse_qsl(urlsplit(request.path).query, keep_blank_values=True))


def number(value: str | None, default: int) -> int:
    """A query parameter as a number, as a lenient server reads it."""
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def json_response(doc: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(doc).encode(), status, headers or {}, content_type="application/json")


def newest_first(total: int) -> list[int]:
    return list(range(total, 0, -1))


# -- driving a source ------------------------------------------------------------------------------


class LoopbackGetter:
    """The refresher's Getter as a test needs it: blogtui's own fetch, every URL asked logged."""

    def __init__(self, client: httpx.AsyncClient, max_bytes: int = 25 * 1024 * 1024) -> None:
        self.client = client
        self.max_bytes = max_bytes
        self.asked: list[str] = []

    async def __call__(self, url: str, *, crawl: bool = False) -> FetchResult:
        self.asked.append(url)
        return await fetch(self.client, url, timeout=10.0, max_bytes=self.max_bytes)


async def parse(body: bytes, url: str) -> ParsedFeed:
    """The refresher's parser, off the event loop."""
    return await asyncio.to_thread(parse_feed, body, url)


async def site_for(get: LoopbackGetter, feed_url: str, home_url: str | None = None) -> Site:
    """What the refresher knows of a blog before its archive walk: the feed's first page (and home)."""
    first = await get(feed_url)
    feed = await parse(first.body, first.final_url or feed_url)
    home = (await get(home_url)).body if home_url else None
    return Site(
        feed_url=first.final_url or feed_url,
        site_url=feed.site_url,
        feed=feed,
        feed_body=first.body,
        home=home,
    )


async def walk_all(
    source: Source, site: Site, get: LoopbackGetter, state: Walk | None = None
) -> tuple[list[ParsedPost], Walk]:
    """Every post a source yields, and the walk's state at the end."""
    state = state if state is not None else Walk()
    posts: list[ParsedPost] = []
    async for batch in source.walk(site, get, parse, state):
        assert batch.posts, "a source yields no empty batch"
        posts.extend(batch.posts)
    return posts, state


# -- WordPress -----------------------------------------------------------------------------------


class WordPressSite:
    """A WordPress blog: ``/feed/`` (RSS 2.0, ``?paged=N``), ``/`` and ``/wp-json/wp/v2/posts``.

    Args:
        paged: the feed honours ``?paged=N`` (False: a cache answers the first page to any query).
        rest: ``"ok"``; ``"401"`` (a plugin restricting the API: a JSON 401, inside the envelope
            when one is asked for); ``"403"`` (the web server blocks ``/wp-json/``).
        generator: the feed names WordPress as its generator.
    """

    PER_FEED = 10

    def __init__(
        self,
        server: FeedServer,
        total: int,
        *,
        paged: bool = True,
        rest: str = "ok",
        generator: bool = True,
    ) -> None:
        self.server = server
        self.total = total
        self.paged = paged
        self.rest = rest
        self.generator = generator
        server.add("/feed/", self._feed)
        server.add("/", self._home)
        server.add("/wp-json/wp/v2/posts", self._posts)
        self.feed_url = server.url("/feed/")
        self.home_url = server.url("/")

    def link(self, n: int) -> str:
        return self.server.url(f"/2020/{day(n):%m}/post-{n}/")

    def guid(self, n: int) -> str:
        return self.server.url(f"/?p={n}")

    def title(self, n: int) -> str:
        return f"Post {n} – part {n % 3}"

    def tags(self, n: int) -> tuple[str, ...]:
        return ("News & Views", f"tag-{n % 4}")

    def _feed(self, request: Request) -> Response:
        page = number(query(request).get("paged"), 1) if self.paged else 1
        numbers = newest_first(self.total)[(page - 1) * self.PER_FEED : page * self.PER_FEED]
        if not numbers:
            return Response(b"<html>Page not found</html>", 404, content_type="text/html")
        items = "".join(
            f"<item><title>{escape(self.title(n))}</title><link>{self.link(n)}</link>"
            f"<pubDate>{format_datetime(day(n), usegmt=True)}</pubDate>"
            "<dc:creator><![CDATA[Ann Author]]></dc:creator>"
            + "".join(f"<category><![CDATA[{t}]]></category>" for t in self.tags(n))
            + f'<guid isPermaLink="false">{escape(self.guid(n))}</guid>'
            f"<description><![CDATA[Excerpt {n} [&#8230;]]]></description>"
            f"<content:encoded><![CDATA[<p>Body of post {n}.</p>]]></content:encoded></item>"
            for n in numbers
        )
        generator = "<generator>https://wordpress.org/?v=6.4.2</generator>" if self.generator else ""
        body = (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">'
            f"<channel><title>A WordPress blog</title>"
            f'<atom:link href="{self.feed_url}" rel="self" type="application/rss+xml" />'
            f"<link>{self.home_url}</link><description>Words</description>{generator}{items}"
            "</channel></rss>"
        )
        return Response(body.encode(), content_type="application/rss+xml; charset=UTF-8")

    def _home(self, request: Request) -> Response:
        api = self.server.url("/wp-json/")
        body = (
            "<!DOCTYPE html><html><head><title>A WordPress blog</title>"
            f'<link rel="https://api.w.org/" href="{api}" />'
            f'<link rel="alternate" type="application/rss+xml" href="{self.feed_url}" />'
            "</head><body><p>Hello</p></body></html>"
        )
        return Response(body.encode(), content_type="text/html; charset=UTF-8")

    def row(self, n: int, embed: bool) -> dict[str, object]:
        stamp = day(n).strftime("%Y-%m-%dT%H:%M:%S")
        row: dict[str, object] = {
            "id": n,
            "date": stamp,
            "date_gmt": stamp,
            "guid": {"rendered": self.guid(n)},
            "modified": stamp,
            "modified_gmt": stamp,
            "slug": f"post-{n}",
            "status": "publish",
            "type": "post",
            "link": self.link(n),
            "title": {"rendered": escape(self.title(n)).replace("–", "&#8211;")},
            "content": {"rendered": f"<p>Body of post {n}.</p>\n", "protected": False},
            "excerpt": {"rendered": f"<p>Excerpt {n} [&hellip;]</p>\n", "protected": False},
            "author": 1,
            "categories": [1],
            "tags": [10 + n % 4],
        }
        if embed:
            row["_embedded"] = {
                "author": [{"id": 1, "name": "Ann Author", "slug": "ann"}],
                "wp:term": [
                    [{"id": 1, "name": "News &amp; Views", "taxonomy": "category"}],
                    [{"id": 10 + n % 4, "name": f"tag-{n % 4}", "taxonomy": "post_tag"}],
                ],
            }
        return row

    def _posts(self, request: Request) -> Response:
        params = query(request)
        envelope = "_envelope" in params
        if self.rest == "403":
            return Response(b"<html><h1>403 Forbidden</h1></html>", 403, content_type="text/html")
        if self.rest == "401":
            error = {
                "code": "rest_login_required",
                "message": "REST API restricted to authenticated users.",
                "data": {"status": 401},
            }
            return self._answer(error, 401, {}, envelope)
        per_page = number(params.get("per_page"), 10)
        if not 1 <= per_page <= 100:
            error = {"code": "rest_invalid_param", "message": "Invalid parameter(s): per_page"}
            return self._answer(error, 400, {}, envelope)
        page = number(params.get("page"), 1)
        pages = -(-self.total // per_page)
        headers = {"X-WP-Total": str(self.total), "X-WP-TotalPages": str(pages)}
        if page > max(1, pages):
            error = {
                "code": "rest_post_invalid_page_number",
                "message": "The page number requested is larger than the number of pages available.",
                "data": {"status": 400},
            }
            return self._answer(error, 400, headers, envelope)
        numbers = newest_first(self.total)[(page - 1) * per_page : page * per_page]
        rows = [self.row(n, "_embed" in params) for n in numbers]
        return self._answer(rows, 200, headers, envelope)

    def _answer(self, doc: object, status: int, headers: dict[str, str], envelope: bool) -> Response:
        if envelope:  # WordPress's _envelope: the status and headers in the body, HTTP 200
            return json_response({"body": doc, "status": status, "headers": headers})
        return json_response(doc, status, headers)


# -- Blogger -------------------------------------------------------------------------------------


class BloggerSite:
    """A Blogger blog: ``/feeds/posts/default`` in Atom, 25 entries unless ``max-results`` (at
    most 150) says otherwise, ``start-index`` from 1, ``openSearch:totalResults`` and ``rel=next``."""

    def __init__(self, server: FeedServer, total: int, *, ignores_start: bool = False) -> None:
        self.server = server
        self.total = total
        self.ignores_start = ignores_start
        server.add("/feeds/posts/default", self._feed)
        self.feed_url = server.url("/feeds/posts/default")

    def link(self, n: int) -> str:
        return self.server.url(f"/2020/{day(n):%m}/post-{n}.html")

    def guid(self, n: int) -> str:
        return f"tag:blogger.com,1999:blog-4242.post-{n}"

    def _feed(self, request: Request) -> Response:
        params = query(request)
        start = 1 if self.ignores_start else max(1, number(params.get("start-index"), 1))
        size = min(150, max(1, number(params.get("max-results"), 25)))
        numbers = newest_first(self.total)[start - 1 : start - 1 + size]
        entries = "".join(
            f"<entry><id>{self.guid(n)}</id><published>{day(n).isoformat()}</published>"
            f"<updated>{day(n).isoformat()}</updated>"
            f"<category scheme='http://www.blogger.com/atom/ns#' term='label-{n % 5}'/>"
            f"<title type='text'>Post {n}</title>"
            f"<content type='html'>&lt;p&gt;Body of post {n}.&lt;/p&gt;</content>"
            f"<link rel='alternate' type='text/html' href='{self.link(n)}' title='Post {n}'/>"
            "<author><name>Ann Author</name></author></entry>"
            for n in numbers
        )
        following = ""
        if start - 1 + size < self.total:
            href = f"{self.feed_url}?start-index={start + size}&amp;max-results={size}"
            following = f"<link rel='next' type='application/atom+xml' href='{href}'/>"
        body = (
            "<?xml version='1.0' encoding='UTF-8'?>"
            "<feed xmlns='http://www.w3.org/2005/Atom' "
            "xmlns:openSearch='http://a9.com/-/spec/opensearchrss/1.0/' "
            "xmlns:blogger='http://schemas.google.com/blogger/2008'>"
            "<id>tag:blogger.com,1999:blog-4242</id><updated>2024-01-01T00:00:00Z</updated>"
            "<title type='text'>A Blogger blog</title>"
            f"<link rel='http://schemas.google.com/g/2005#feed' type='application/atom+xml' "
            f"href='{self.feed_url}'/>"
            f"<link rel='alternate' type='text/html' href='{self.server.url('/')}'/>{following}"
            "<author><name>Ann Author</name></author>"
            "<generator version='7.00' uri='http://www.blogger.com'>Blogger</generator>"
            f"<openSearch:totalResults>{self.total}</openSearch:totalResults>"
            f"<openSearch:startIndex>{start}</openSearch:startIndex>"
            f"<openSearch:itemsPerPage>{size}</openSearch:itemsPerPage>{entries}</feed>"
        )
        return Response(body.encode(), content_type="application/atom+xml; charset=UTF-8")


# -- Bear Blog -----------------------------------------------------------------------------------


class BearSite:
    """A Bear Blog: ``/feed/`` in Atom from python-feedgen (the latest 10, oldest first), ``/``
    with the "Powered by Bear" footer. ``paged``: the feed honours ``?page=N`` (an empty feed past
    the last page); otherwise it answers the same 10 posts to any query, as Bear's cache does."""

    PER_FEED = 10

    def __init__(self, server: FeedServer, total: int, *, paged: bool = True) -> None:
        self.server = server
        self.total = total
        self.paged = paged
        server.add("/feed/", self._feed)
        server.add("/", self._home)
        self.feed_url = server.url("/feed/")
        self.home_url = server.url("/")

    def link(self, n: int) -> str:
        return self.server.url(f"/post-{n}/")

    def _feed(self, request: Request) -> Response:
        page = number(query(request).get("page"), 1) if self.paged else 1
        numbers = newest_first(self.total)[(page - 1) * self.PER_FEED : page * self.PER_FEED]
        entries = "".join(
            f"<entry><id>{self.link(n)}</id><title>Post {n}</title>"
            f"<updated>{day(n).isoformat()}</updated>"
            "<author><name>bear</name><email>hidden</email></author>"
            f'<content type="html">&lt;p&gt;Body of post {n}.&lt;/p&gt;</content>'
            f'<link href="{self.link(n)}" rel="alternate"/><category term="tag-{n % 2}"/>'
            f"<published>{day(n).isoformat()}</published></entry>"
            for n in sorted(numbers)
        )
        body = (
            "<?xml version='1.0' encoding='UTF-8'?>\n"
            '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">'
            f"<id>{self.server.base}</id><title>A Bear blog</title>"
            "<updated>2024-01-01T00:00:00+00:00</updated>"
            "<author><name>bear</name><email>hidden</email></author>"
            f'<link href="{self.home_url}" rel="alternate"/>'
            f'<link href="{self.server.url("/atom/")}" rel="self"/>'
            '<generator uri="https://lkiesow.github.io/python-feedgen" version="1.0.0">'
            "python-feedgen</generator><subtitle>Words</subtitle>"
            f"{entries}</feed>"
        )
        return Response(body.encode(), content_type="application/atom+xml")

    def _home(self, request: Request) -> Response:
        body = (
            '<!DOCTYPE html><html lang="en"><head><title>A Bear blog</title>'
            f'<link rel="alternate" type="application/atom+xml" href="{self.feed_url}">'
            "</head><body><main><p>Hello</p></main><footer>"
            'Powered by <a href="https://bearblog.dev">Bear ʕ•ᴥ•ʔ</a></footer></body></html>'
        )
        return Response(body.encode(), content_type="text/html; charset=utf-8")


# -- static sites --------------------------------------------------------------------------------


def hugo_feed(base: str, total: int, shown: int = 10) -> bytes:
    """Hugo's RSS template: the latest ``shown`` posts of ``total``, a Hugo generator."""
    items = "".join(
        f"<item><title>Post {n}</title><link>{base}/posts/post-{n}/</link>"
        f"<pubDate>{format_datetime(day(n), usegmt=True)}</pubDate><guid>{base}/posts/post-{n}/</guid>"
        f"<description>&lt;p&gt;Body of post {n}.&lt;/p&gt;</description></item>"
        for n in newest_first(total)[:shown]
    )
    return (
        '<?xml version="1.0" encoding="utf-8" standalone="yes"?>'
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
        f"<title>A Hugo site</title><link>{base}/</link><description>Recent content</description>"
        "<generator>Hugo -- gohugo.io</generator><language>en-us</language>"
        f'<atom:link href="{base}/index.xml" rel="self" type="application/rss+xml" />'
        f"{items}</channel></rss>"
    ).encode()


def jekyll_feed(base: str, total: int, shown: int = 10) -> bytes:
    """jekyll-feed's Atom: the latest ``shown`` posts of ``total``, a Jekyll generator."""
    entries = "".join(
        f'<entry><title type="html">Post {n}</title>'
        f'<link href="{base}/{day(n):%Y/%m/%d}/post-{n}.html" rel="alternate" type="text/html" />'
        f"<published>{day(n).isoformat()}</published><updated>{day(n).isoformat()}</updated>"
        f"<id>{base}/{day(n):%Y/%m/%d}/post-{n}</id>"
        f'<content type="html">&lt;p&gt;Body of post {n}.&lt;/p&gt;</content></entry>'
        for n in newest_first(total)[:shown]
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" >'
        '<generator uri="https://jekyllrb.com/" version="4.3.2">Jekyll</generator>'
        f'<link href="{base}/feed.xml" rel="self" type="application/atom+xml" />'
        f'<link href="{base}/" rel="alternate" type="text/html" />'
        f"<updated>2024-01-01T00:00:00+00:00</updated><id>{base}/feed.xml</id>"
        f'<title type="html">A Jekyll site</title>{entries}</feed>'
    ).encode()


def json_feed(base: str, total: int, shown: int = 10) -> bytes:
    """A JSON Feed 1.1 of the latest ``shown`` posts."""
    items = [
        {
            "id": f"{base}/p/{n}",
            "url": f"{base}/p/{n}",
            "title": f"Post {n}",
            "content_html": f"<p>Body of post {n}.</p>",
            "date_published": day(n).isoformat(),
        }
        for n in newest_first(total)[:shown]
    ]
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": "A JSON blog", "items": items}
    return json.dumps(doc).encode()


# -- WriteFreely ---------------------------------------------------------------------------------


class WriteFreelySite:
    """A WriteFreely instance (multi-user): ``/{alias}/`` and ``/{alias}/feed/`` (RSS from gorilla
    feeds), ``/api/collections/{alias}/posts?page=N`` (10 a page, ``{"code":200,"data":...}``,
    bodies in Markdown unless ``body=html`` and ``html_bodies``: older instances ignore it),
    ``total_posts`` counting ``pinned`` posts too (WriteFreely's API leaves pinned posts out)."""

    PER_PAGE = 10

    def __init__(
        self, server: FeedServer, total: int, alias: str = "ann", *, pinned: int = 0, html_bodies: bool = True
    ) -> None:
        self.server = server
        self.total = total
        self.alias = alias
        self.pinned = pinned
        self.html_bodies = html_bodies
        server.add(f"/{alias}/feed/", self._feed)
        server.add(f"/{alias}/", self._home)
        server.add(f"/api/collections/{alias}/posts", self._posts)
        self.feed_url = server.url(f"/{alias}/feed/")
        self.home_url = server.url(f"/{alias}/")

    def link(self, n: int) -> str:
        return self.server.url(f"/{self.alias}/post-{n}")

    def listed(self) -> list[int]:
        return newest_first(self.total)[: self.total - self.pinned]

    def _feed(self, request: Request) -> Response:
        items = "".join(
            f"<item><title>Post {n}</title><link>{self.link(n)}</link>"
            f"<description><![CDATA[Body of post {n}.]]></description>"
            f"<content:encoded><![CDATA[<p>Body of post <em>{n}</em>.</p>]]></content:encoded>"
            f"<author>{self.alias}</author><guid>{self.link(n)}</guid>"
            f"<pubDate>{format_datetime(day(n), usegmt=True)}</pubDate></item>"
            for n in self.listed()[: self.PER_PAGE]
        )
        body = (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
            f"<title>Ann writes</title><link>{self.home_url}</link><description></description>"
            f"{items}</channel></rss>"
        )
        return Response(body.encode(), content_type="application/rss+xml")

    def _home(self, request: Request) -> Response:
        body = (
            "<!DOCTYPE HTML><html><head><title>Ann writes</title>"
            f'<link rel="canonical" href="{self.home_url}">'
            f'<link rel="alternate" type="application/rss+xml" href="{self.home_url}feed/" />'
            '<meta name="generator" content="Write Freely"></head><body id="collection">'
            '<footer>powered by <a href="https://writefreely.org">write freely</a></footer>'
            f'<script>var url = "/api/collections/{self.alias}/pin";</script></body></html>'
        )
        return Response(body.encode(), content_type="text/html; charset=utf-8")

    def _posts(self, request: Request) -> Response:
        params = query(request)
        page = max(1, number(params.get("page"), 1))
        numbers = self.listed()[(page - 1) * self.PER_PAGE : page * self.PER_PAGE]
        html = params.get("body") == "html" and self.html_bodies
        posts = [
            {
                "id": f"id{n:08d}",
                "slug": f"post-{n}",
                "appearance": "norm",
                "language": "en",
                "rtl": False,
                "created": day(n).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "updated": day(n).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "title": f"Post {n}",
                "body": f"<p>Body of post <em>{n}</em>.</p>\n" if html else f"Body of post *{n}*.",
                "tags": [f"tag{n % 3}"],
                "views": n,
            }
            for n in numbers
        ]
        data = {
            "alias": self.alias,
            "title": "Ann writes",
            "description": "",
            "style_sheet": "",
            "public": True,
            "views": 1,
            "url": self.home_url,
            "total_posts": self.total,
            "posts": posts,
        }
        return json_response({"code": 200, "data": data})


# -- Substack ------------------------------------------------------------------------------------


class SubstackSite:
    """A Substack publication: ``/feed`` (RSS, ``<generator>Substack</generator>``, the latest
    20), ``/api/v1/archive?sort=new&offset=N&limit=M`` (at most 50 rows, no ``body_html``) and
    ``/api/v1/posts/{slug}`` (the whole post). Every ``paid``-th post is for paying subscribers."""

    def __init__(self, server: FeedServer, total: int, *, paid: int = 0) -> None:
        self.server = server
        self.total = total
        self.paid = paid
        server.add("/feed", self._feed)
        server.add("/api/v1/archive", self._archive)
        self.feed_url = server.url("/feed")
        for n in range(1, total + 1):
            server.add(f"/api/v1/posts/post-{n}", self._post)

    def link(self, n: int) -> str:
        return self.server.url(f"/p/post-{n}")

    def is_paid(self, n: int) -> bool:
        return bool(self.paid) and n % self.paid == 0

    def _feed(self, request: Request) -> Response:
        items = "".join(
            f"<item><title><![CDATA[Post {n}]]></title><description><![CDATA[Sub {n}]]></description>"
            f'<link>{self.link(n)}</link><guid isPermaLink="false">{self.link(n)}</guid>'
            f"<dc:creator><![CDATA[Ann Author]]></dc:creator>"
            f"<pubDate>{format_datetime(day(n), usegmt=True)}</pubDate>"
            f"<content:encoded><![CDATA[<p>Body of post {n}.</p>]]></content:encoded></item>"
            for n in newest_first(self.total)[:20]
        )
        body = (
            '<?xml version="1.0" encoding="UTF-8"?><rss xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:atom="http://www.w3.org/2005/Atom" version="2.0"><channel>'
            f"<title><![CDATA[Ann's letter]]></title><link>{self.server.base}</link>"
            "<generator>Substack</generator>"
            f'<atom:link href="{self.feed_url}" rel="self" type="application/rss+xml"/>'
            f"{items}</channel></rss>"
        )
        return Response(body.encode(), content_type="application/rss+xml; charset=utf-8")

    def row(self, n: int) -> dict[str, object]:
        return {
            "id": 1000 + n,
            "publication_id": 42,
            "title": f"Post {n}",
            "social_title": None,
            "subtitle": f"Sub {n}",
            "slug": f"post-{n}",
            "post_date": day(n).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "audience": "only_paid" if self.is_paid(n) else "everyone",
            "type": "newsletter",
            "canonical_url": self.link(n),
            "description": f"Sub {n}",
            "truncated_body_text": f"Body of post {n}.",
            "wordcount": 4,
            "postTags": [{"id": "t1", "name": "Essays", "slug": "essays"}],
            "publishedBylines": [{"id": 7, "name": "Ann Author", "handle": "ann"}],
        }

    def _archive(self, request: Request) -> Response:
        params = query(request)
        offset = max(0, number(params.get("offset"), 0))
        limit = min(50, max(1, number(params.get("limit"), 12)))
        rows = [self.row(n) for n in newest_first(self.total)[offset : offset + limit]]
        return json_response(rows)

    def _post(self, request: Request) -> Response:
        slug = urlsplit(request.path).path.rsplit("/", 1)[-1]
        n = number(slug.removeprefix("post-"), 0)
        if not 1 <= n <= self.total:
            return json_response({"error": "Post not found"}, 404)
        row = self.row(n)
        row["body_html"] = f'<div class="body markup"><p>Body of post {n}.</p></div>' + (
            '<div class="paywall"></div>' if self.is_paid(n) else ""
        )
        return json_response(row)


# -- dev.to --------------------------------------------------------------------------------------


class DevToSite:
    """dev.to (Forem): ``/feed/{user}`` (RSS, the latest 10), ``/api/articles?username=&page=&
    per_page=`` (at most 1000 a page, ``tag_list`` an array, no ``body_html``) and
    ``/api/articles/{id}`` (``body_html``; there ``tag_list`` is a string and ``tags`` the array)."""

    def __init__(self, server: FeedServer, total: int, user: str = "ann") -> None:
        self.server = server
        self.total = total
        self.user = user
        server.add(f"/feed/{user}", self._feed)
        server.add("/api/articles", self._articles)
        for n in range(1, total + 1):
            server.add(f"/api/articles/{5000 + n}", self._article)
        self.feed_url = server.url(f"/feed/{user}")

    def link(self, n: int) -> str:
        return self.server.url(f"/{self.user}/post-{n}-a{n}")

    def tags(self, n: int) -> list[str]:
        return ["python", f"t{n % 3}"]

    def _feed(self, request: Request) -> Response:
        items = "".join(
            f"<item><title>Post {n}</title><dc:creator>Ann Author</dc:creator>"
            f"<pubDate>{format_datetime(day(n), usegmt=True)}</pubDate>"
            f"<link>{self.link(n)}</link><guid>{self.link(n)}</guid>"
            f"<description>&lt;p&gt;Body of post {n}.&lt;/p&gt;</description>"
            + "".join(f"<category>{t}</category>" for t in self.tags(n))
            + "</item>"
            for n in newest_first(self.total)[:10]
        )
        body = (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
            "<title>DEV Community: Ann Author</title><author>Ann Author</author>"
            f"<description>The latest articles on DEV Community by Ann Author (@{self.user}).</description>"
            f"<link>{self.server.url('/' + self.user)}</link><language>en</language>"
            f"{items}</channel></rss>"
        )
        return Response(body.encode(), content_type="application/rss+xml; charset=utf-8")

    def row(self, n: int) -> dict[str, object]:
        return {
            "type_of": "article",
            "id": 5000 + n,
            "title": f"Post {n}",
            "description": f"Body of post {n}.",
            "readable_publish_date": f"{day(n):%b %d}",
            "slug": f"post-{n}-a{n}",
            "path": f"/{self.user}/post-{n}-a{n}",
            "url": self.link(n),
            "comments_count": 0,
            "public_reactions_count": n,
            "published_timestamp": day(n).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "canonical_url": self.link(n),
            "published_at": day(n).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "edited_at": None,
            "tag_list": self.tags(n),
            "tags": ", ".join(self.tags(n)),
            "user": {"name": "Ann Author", "username": self.user},
        }

    def _articles(self, request: Request) -> Response:
        params = query(request)
        if params.get("username") != self.user:
            return json_response([])
        page = max(1, number(params.get("page"), 1))
        per_page = min(1000, max(1, number(params.get("per_page"), 30)))
        numbers = newest_first(self.total)[(page - 1) * per_page : page * per_page]
        return json_response([self.row(n) for n in numbers])

    def _article(self, request: Request) -> Response:
        n = number(urlsplit(request.path).path.rsplit("/", 1)[-1], 0) - 5000
        row = self.row(n)
        row["tag_list"], row["tags"] = row["tags"], row["tag_list"]
        row["body_html"] = f"<p>Body of post {n}.</p>\n\n"
        row["body_markdown"] = f"Body of post {n}."
        return json_response(row)
