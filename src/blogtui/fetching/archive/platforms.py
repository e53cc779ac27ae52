"""Platform archives that hand over whole posts: WordPress's REST API, WriteFreely's collection
API, Substack's archive API and dev.to's articles API, each a small adapter chosen from the
generator fingerprint of the feed and the home page (:meth:`Site.fingerprint`) and the feed URL.

Every row is untrusted JSON: each field is type-checked and bounded, a row that cannot be read is
skipped, a document that cannot be read ends the walk with a note; no exception escapes for bad
data. Rows become :class:`~blogtui.models.ParsedPost` as feed items do (clean lines and text,
``text`` for the index) with ``url`` the post's canonical link, the key the refresher merges feed
items, API rows and pages by.

The page limit (config ``max_archive_pages``) is the constructor's ``max_pages`` (also a plain
attribute); it counts the API's listing pages, not the per-post requests some APIs need for a body.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, TypeVar
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from ...content.sanitize import clean_line, clean_text
from ...content.text import html_to_text
from ...errors import FetchError
from ...models import FetchResult, ParsedPost
from ...parsing.common import as_html, from_iso, make_guid
from .base import Batch, Getter, Parse, Site, Source, Walk
from .paging import (
    DEFAULT_MAX_PAGES,
    feed_generators,
    finish,
    http_status,
    is_known_url,
    is_wordpress,
    was_complete,
)

T = TypeVar("T")

#: Bounds on what one row may carry into the store.
MAX_TITLE = 1000
MAX_AUTHOR = 200
MAX_TAG = 100
MAX_TAGS = 50
#: Rows read from one listing page at most (the APIs' own maxima: 100, 50, 1000).
MAX_ROWS = 1000

_SLUG_RE = re.compile(r"^[A-Za-z0-9._~-]{1,300}$")
_WF_ALIAS_RE = re.compile(r"/api/collections/([a-z0-9_-]{1,100})/")
_WP_API_LINK_RE = re.compile(r"<link\b[^>]{0,300}rel=[\"']https://api\.w\.org/[\"'][^>]{0,300}>", re.I)
_HREF_RE = re.compile(r"\bhref=[\"']([^\"'<>]{1,500})[\"']", re.I)


# -- reading untrusted JSON --------------------------------------------------------------------


class BadData(Exception):
    """A document that is not what the API sends; the message says what was wrong."""


def load_json(body: bytes) -> Any:
    """Parse a JSON document; raises :class:`BadData` with the cause."""
    try:
        return json.loads(body.decode("utf-8-sig", errors="replace"), strict=False)
    except (ValueError, RecursionError) as exc:
        raise BadData(f"bad JSON ({clean_line(str(exc))[:80]})") from None


def text(value: Any, limit: int = 0) -> str:
    """``value`` if it is a string (cut to ``limit`` characters when given), else ''."""
    if not isinstance(value, str):
        return ""
    return value[:limit] if limit else value


def integer(value: Any) -> int | None:
    """``value`` if it is a whole number (not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 12:
            return int(value.strip())
        return None
    return value


def obj(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def rows(value: Any) -> list[Any]:
    """``value`` if it is a JSON array (at most :data:`MAX_ROWS` items), else an empty one."""
    return value[:MAX_ROWS] if isinstance(value, list) else []


def names(values: Any, key: str = "name") -> list[str]:
    """Tag names from an array of strings or of objects with a ``key``; anything else is dropped.

    A string where an array was expected gives no tags (never one tag per letter).
    """
    out: list[str] = []
    for item in values[: MAX_TAGS * 2] if isinstance(values, list) else []:
        name = item if isinstance(item, str) else text(obj(item).get(key))
        if name:
            out.append(name)
    return out


def tag_tuple(raw: list[str]) -> tuple[str, ...]:
    """Clean, bounded, de-duplicated tag names (first spelling wins, case-insensitively)."""
    seen: dict[str, str] = {}
    for name in raw:
        name = clean_line(html.unescape(name))[:MAX_TAG]
        if name and name.casefold() not in seen:
            seen[name.casefold()] = name
    return tuple(seen.values())[:MAX_TAGS]


def web_link(base: str, value: Any) -> str:
    """An absolute http(s) link from ``value``, else ''."""
    href = clean_line(text(value, 2000))
    if not href:
        return ""
    try:
        url = urljoin(base, href)
        scheme = urlsplit(url).scheme
    except ValueError:
        return ""
    return url if scheme in ("http", "https") else ""


def make_post(
    *,
    url: str,
    title: str,
    content_html: str,
    guid: str = "",
    author: str = "",
    published: datetime | None = None,
    updated: datetime | None = None,
    summary: str = "",
    tags: tuple[str, ...] = (),
    summary_only: bool = False,
) -> ParsedPost:
    """A post as the feed parsers build one."""
    title = clean_line(title)[:MAX_TITLE]
    content = clean_text(content_html)
    return ParsedPost(
        guid=make_guid(guid or url, url, title, published),
        url=url,
        title=title,
        author=clean_line(author)[:MAX_AUTHOR],
        published=published,
        updated=updated,
        summary=clean_text(summary),
        content_html=content,
        text=html_to_text(content),
        tags=tags,
        summary_only=summary_only,
    )


def origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


@dataclass
class _Listing:
    """One listing page read: its posts, how many rows it had and what it said of the whole."""

    posts: list[ParsedPost] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    count: int = 0
    total: int | None = None
    total_pages: int | None = None


class _Walker:
    """What the adapters share: counting pages, the limit, de-duplication and skipping what is stored."""

    def __init__(self, site: Site, state: Walk, max_pages: int) -> None:
        self.site = site
        self.state = state
        self.limit = max(1, max_pages)
        self.fetched = 0
        self.keys: set[str] = set()

    def at_limit(self) -> bool:
        if self.fetched >= self.limit:
            finish(self.state, False, f"stopped after {self.limit} archive pages (max_archive_pages)")
            return True
        return False

    async def get(self, get: Getter, url: str, label: str) -> FetchResult | None:
        """A listing page, or None with the walk ended and noted."""
        try:
            result = await get(url)
        except FetchError as exc:
            finish(self.state, False, f"{label} {url}: {exc}")
            return None
        self.fetched += 1
        self.state.pages_done += 1
        return result

    def repeats(self, keys: list[str]) -> bool:
        """Whether a page's rows were all seen before in this walk (the API ignores its page)."""
        return bool(keys) and all(k in self.keys for k in keys)

    def fresh(self, listing: _Listing) -> list[ParsedPost]:
        self.keys.update(listing.keys)
        return [p for p in listing.posts if not self.known(p)]

    def known(self, post: ParsedPost) -> bool:
        return post.guid in self.state.known_guids or is_known_url(post.url, self.state.known_urls)


async def _decode(result: FetchResult, read: Callable[[Any], T]) -> T | str:
    """Parse a document and read it off the event loop; the cause in words when the data is bad."""

    def work() -> T | str:
        try:
            return read(load_json(result.body))
        except BadData as exc:
            return str(exc)
        except (TypeError, ValueError, KeyError, AttributeError, IndexError, RecursionError) as exc:
            return f"unreadable data ({type(exc).__name__})"

    return await asyncio.to_thread(work)


# -- WordPress REST ----------------------------------------------------------------------------


def wp_api_root(site: Site) -> str:
    """Where the blog's REST API lives: the home page's ``rel="https://api.w.org/"`` link, else
    ``wp-json/`` under the blog's address (the feed's address without its ``/feed/`` part)."""
    home = (site.home or b"")[:65536].decode("utf-8", errors="replace")
    link = _WP_API_LINK_RE.search(home)
    href = _HREF_RE.search(link.group(0)) if link else None
    if href:
        root = web_link(site.site_url or site.feed_url, html.unescape(href.group(1)))
        if root and _host(root) == _host(site.feed_url):
            return root
    base = site.site_url or site.feed.site_url
    if not base or _host(base) != _host(site.feed_url):
        parts = urlsplit(site.feed_url)
        path = re.sub(r"/feed(?:/[a-z0-9-]*)?/?$", "/", parts.path) or "/"
        base = urlunsplit((parts.scheme, parts.netloc, path, "", ""))
    return urljoin(base if base.endswith("/") else base + "/", "wp-json/")


def wp_posts_url(root: str, page: int, per_page: int) -> str:
    """The posts listing under ``root`` (``.../wp-json/`` or ``...?rest_route=/``), with the
    ``_embed`` (authors, terms) and ``_envelope`` (the headers in the body) flags."""
    flags = f"per_page={per_page}&page={page}&_embed&_envelope"
    parts = urlsplit(root)
    if "rest_route=" in parts.query:
        return urlunsplit(parts._replace(query=f"rest_route=/wp/v2/posts&{flags}"))
    return urljoin(root if root.endswith("/") else root + "/", "wp/v2/posts") + "?" + flags


def _wp_rendered(value: Any) -> str:
    return text(obj(value).get("rendered"))


def wp_post(row: Any, base: str) -> ParsedPost | None:
    """One ``wp/v2/posts`` row as a post (None: not a published post with a link)."""
    row = obj(row)
    if text(row.get("status")) not in ("", "publish") or text(row.get("type")) not in ("", "post"):
        return None
    link = web_link(base, row.get("link"))
    if not link:
        return None
    guid = clean_line(html.unescape(_wp_rendered(row.get("guid"))))[:2000]
    title = html_to_text(_wp_rendered(row.get("title"))[:5000])
    content = obj(row.get("content"))
    body = text(content.get("rendered"))
    excerpt = _wp_rendered(row.get("excerpt"))
    protected = content.get("protected") is True
    summary_only = protected or not body.strip()
    if summary_only:
        body, excerpt = excerpt, ""
    embedded = obj(row.get("_embedded"))
    authors = rows(embedded.get("author"))
    author = text(obj(authors[0]).get("name")) if authors else ""
    terms: list[str] = []
    for group in rows(embedded.get("wp:term")):
        terms += [
            text(obj(t).get("name"))
            for t in rows(group)
            if text(obj(t).get("taxonomy")) in ("category", "post_tag")
        ]
    return make_post(
        url=link,
        guid=guid,
        title=title,
        content_html=body,
        summary=excerpt,
        author=html.unescape(author),
        published=from_iso(row.get("date_gmt")) or from_iso(row.get("date")),
        updated=from_iso(row.get("modified_gmt")),
        tags=tag_tuple([t for t in terms if t]),
        summary_only=summary_only and bool(body.strip()),
    )


def _headers(result: FetchResult) -> Mapping[str, str]:
    """The response headers, when the fetch result carries them (a field the refresher may add)."""
    headers = getattr(result, "headers", None)
    return headers if isinstance(headers, Mapping) else {}


def _wp_listing(doc: Any, headers: Mapping[str, str], base: str) -> _Listing | str:
    """A listing's posts and totals, or why it cannot be read (an error the API returned)."""
    status = 200
    if isinstance(doc, dict) and "body" in doc and "status" in doc:  # _envelope
        status = integer(doc.get("status")) or 200
        headers = {str(k): str(v) for k, v in obj(doc.get("headers")).items()}
        doc = doc.get("body")
    lowered = {k.lower(): v for k, v in headers.items()}
    if status >= 400 or isinstance(doc, dict):
        code = text(obj(doc).get("code"), 80)
        return f"HTTP {status}" + (f" ({code})" if code else "")
    if not isinstance(doc, list):
        raise BadData("not a list of posts")
    listing = _Listing(
        count=len(doc),
        total=integer(lowered.get("x-wp-total")),
        total_pages=integer(lowered.get("x-wp-totalpages")),
    )
    for row in rows(doc):
        post = wp_post(row, base)
        if post is not None:
            listing.keys.append(str(integer(obj(row).get("id")) or post.url))
            listing.posts.append(post)
    return listing


class WordPressRest:
    """WordPress's REST API: ``wp/v2/posts?per_page=100&page=N&_embed``, whole posts with their
    author, categories and tags; ``X-WP-Total`` gives ``Walk.expected``, ``X-WP-TotalPages`` the
    pages known (read from the ``_envelope`` body, or the headers when the result carries them).

    Applies to blogs that show WordPress's generator or its ``wp-json`` / ``wp-content`` links
    (:func:`~.paging.is_wordpress` with ``strong``: a bare ``/feed/`` path is left to
    ``wordpress-paged``). Complete at the
    last page (``X-WP-TotalPages``, a short or empty page, or the 400 WordPress answers past it);
    not complete when the API is closed (401/403/404, noted: the refresher falls back to other
    sources), at an error, bad data, a page that repeats the last (the API ignores ``page``) or
    ``max_pages``.
    """

    method = "wordpress-rest"
    per_page = 100

    def __init__(self, max_pages: int = DEFAULT_MAX_PAGES) -> None:
        self.max_pages = max_pages

    def applies(self, site: Site) -> bool:
        return urlsplit(site.feed_url).scheme in ("http", "https") and is_wordpress(site, strong=True)

    async def walk(self, site: Site, get: Getter, parse: Parse, state: Walk) -> AsyncIterator[Batch]:
        walker = _Walker(site, state, self.max_pages)
        root = wp_api_root(site)
        page = 0
        while True:
            page += 1
            if walker.at_limit():
                return
            url = wp_posts_url(root, page, self.per_page)
            try:
                result = await get(url)
            except FetchError as exc:
                status = http_status(exc)
                if status == 400 and page > 1:
                    finish(state, True)  # past the last page
                elif status in (401, 403, 404, 410):
                    finish(state, False, f"WordPress REST API closed ({url}: {exc})")
                else:
                    finish(state, False, f"WordPress REST API {url}: {exc}")
                return
            walker.fetched += 1
            state.pages_done += 1
            listing = await _decode(
                result, partial(_wp_listing, headers=_headers(result), base=result.final_url or url)
            )
            if isinstance(listing, str):
                if page > 1 and listing.startswith("HTTP 400"):
                    finish(state, True)  # past the last page (inside the envelope)
                elif listing.startswith("HTTP "):
                    finish(state, False, f"WordPress REST API closed ({url}: {listing})")
                else:
                    finish(state, False, f"WordPress REST API {url}: {listing}")
                return
            if listing.total is not None:
                state.expected = listing.total
            if listing.total_pages is not None:
                state.pages_known = state.pages_done + max(0, listing.total_pages - page)
            if walker.repeats(listing.keys):
                finish(state, False, f"WordPress REST API ignores page= ({url} repeats posts)")
                return
            fresh = walker.fresh(listing)
            if listing.posts and not fresh and was_complete(state):
                finish(state, True)
                return
            if fresh:
                yield Batch(tuple(fresh))
            last = listing.total_pages if listing.total_pages is not None else None
            if listing.count < self.per_page or (last is not None and page >= last):
                finish(state, True)
                return


# -- WriteFreely -------------------------------------------------------------------------------


def is_writefreely(site: Site) -> bool:
    """WriteFreely: its ``<meta name="generator" content="Write Freely">``, or write.as."""
    if _host(site.feed_url) == "write.as":
        return True
    return any("write freely" in g or "writefreely" in g for g in feed_generators(site))


def writefreely_collection(site: Site) -> tuple[str, str] | None:
    """``(alias, collection URL)``: the alias from the page's ``/api/collections/ALIAS/`` or the
    feed's ``/ALIAS/feed/`` path (a single-user instance says it only on its page)."""
    home = (site.home or b"")[:65536].decode("utf-8", errors="replace").lower()
    match = _WF_ALIAS_RE.search(home)
    path = urlsplit(site.feed_url).path
    segments = [s for s in path.split("/") if s]
    if len(segments) == 2 and segments[1] == "feed":
        alias = segments[0].lower()
        return alias, f"{origin(site.feed_url)}/{quote(segments[0])}/"
    if match and segments == ["feed"]:
        return match.group(1), f"{origin(site.feed_url)}/"
    return None


def _wf_listing(doc: Any, collection: str) -> _Listing:
    doc = obj(doc)
    code = integer(doc.get("code"))
    if code is not None and code >= 400:
        raise BadData(f"error {code}: {text(doc.get('error_msg'), 80)}")
    data = obj(doc.get("data"))
    if "posts" not in data and "total_posts" not in data:
        raise BadData("not a collection's posts")
    base = web_link(collection, data.get("url")) or collection
    if _host(base) != _host(collection):
        base = collection
    base = base if base.endswith("/") else base + "/"
    posts = rows(data.get("posts"))
    listing = _Listing(count=len(posts), total=integer(data.get("total_posts")))
    for row in posts:
        row = obj(row)
        slug = text(row.get("slug"))
        if not _SLUG_RE.match(slug):
            continue
        listing.keys.append(text(row.get("id"), 100) or slug)
        url = base + slug
        body = text(row.get("body"))
        content = body if body.lstrip().startswith("<") else _markdown(body)
        title = text(row.get("title"), MAX_TITLE) or html_to_text(content).split("\n", 1)[0][:80]
        listing.posts.append(
            make_post(
                url=url,
                title=title,
                content_html=content,
                published=from_iso(row.get("created")),
                updated=from_iso(row.get("updated")),
                tags=tag_tuple(names(row.get("tags"))),
            )
        )
    return listing


def _markdown(source: str) -> str:
    """WriteFreely's Markdown as HTML (an instance too old for ``body=html``)."""
    try:
        from markdown_it import MarkdownIt
    except ImportError:  # pragma: no cover - Textual brings markdown-it-py
        return as_html({"value": source, "type": "text/plain"})
    rendered: str = MarkdownIt("commonmark", {"html": True}).render(source)
    return rendered


class WriteFreelyApi:
    """WriteFreely's collection API: ``/api/collections/{alias}/posts?page=N&body=html`` (10 a
    page), ``total_posts`` giving ``Walk.expected``.

    Applies to WriteFreely blogs whose alias is known (:func:`writefreely_collection`). Complete
    at the first empty page or when ``total_posts`` is reached; not complete at an error, bad
    data, a repeated page or ``max_pages``. (Pinned posts are left out of the API's listing but
    counted in ``total_posts``: the empty page, not the total, ends such a walk.)
    """

    method = "api:writefreely"

    def __init__(self, max_pages: int = DEFAULT_MAX_PAGES) -> None:
        self.max_pages = max_pages

    def applies(self, site: Site) -> bool:
        return is_writefreely(site) and writefreely_collection(site) is not None

    async def walk(self, site: Site, get: Getter, parse: Parse, state: Walk) -> AsyncIterator[Batch]:
        found = writefreely_collection(site)
        if found is None:
            finish(state, False, "WriteFreely collection not found")
            return
        alias, collection = found
        walker = _Walker(site, state, self.max_pages)
        page = 0
        seen_rows = 0
        while True:
            page += 1
            if walker.at_limit():
                return
            url = f"{origin(site.feed_url)}/api/collections/{quote(alias)}/posts?page={page}&body=html"
            result = await walker.get(get, url, "WriteFreely API")
            if result is None:
                return
            listing = await _decode(result, lambda doc: _wf_listing(doc, collection))
            if isinstance(listing, str):
                finish(state, False, f"WriteFreely API {url}: {listing}")
                return
            if listing.total is not None:
                state.expected = listing.total
                if page == 1 and listing.count:
                    state.pages_known = -(-listing.total // listing.count) + 1
            if not listing.count:
                finish(state, True)
                return
            if walker.repeats(listing.keys):
                finish(state, False, f"WriteFreely API ignores page= ({url} repeats posts)")
                return
            seen_rows += listing.count
            fresh = walker.fresh(listing)
            if not fresh and was_complete(state):
                finish(state, True)
                return
            if fresh:
                yield Batch(tuple(fresh))
            if listing.total is not None and seen_rows >= listing.total:
                finish(state, True)
                return


# -- Substack ----------------------------------------------------------------------------------


def is_substack(site: Site) -> bool:
    """Substack: a ``substack.com`` feed, its ``<generator>Substack</generator>`` or its CDN."""
    host = _host(site.feed_url)
    if host.endswith(".substack.com"):
        return True
    if any(g == "substack" for g in feed_generators(site)):
        return True
    return "substackcdn.com" in site.fingerprint()


@dataclass
class _Row:
    """One post of a listing: its key (a repeated page shows the same keys), what its own
    document is fetched by (a slug or an id), the post as listed, and whether it holds its body."""

    key: str
    ref: str
    post: ParsedPost
    has_body: bool


def _substack_post(row: Any, base: str) -> _Row | None:
    row = obj(row)
    slug = text(row.get("slug"))
    if not _SLUG_RE.match(slug) or text(row.get("type")) == "thread":
        return None
    url = web_link(base, row.get("canonical_url"))
    if not url or _host(url) != _host(base):
        url = f"{origin(base)}/p/{slug}"
    body = text(row.get("body_html"))
    paid = text(row.get("audience")) in ("only_paid", "founding")
    summary = text(row.get("subtitle")) or text(row.get("description"))
    content = body or as_html(
        {"value": text(row.get("truncated_body_text")) or summary, "type": "text/plain"}
    )
    bylines = rows(row.get("publishedBylines"))
    post = make_post(
        url=url,
        title=text(row.get("title"), MAX_TITLE),
        content_html=content,
        summary=html.escape(summary) if body else "",
        author=text(obj(bylines[0]).get("name")) if bylines else "",
        published=from_iso(row.get("post_date")),
        updated=from_iso(row.get("updated_at")),
        tags=tag_tuple(names(row.get("postTags"))),
        summary_only=paid or not body,
    )
    key = str(integer(row.get("id")) or slug)
    return _Row(key, slug, post, bool(body))


def _read_listing(
    doc: Any, base: str, read: Callable[[Any, str], _Row | None], what: str
) -> tuple[_Listing, list[_Row]]:
    """A listing page (a JSON array of ``what``) as rows; a row that cannot be read is left out."""
    if not isinstance(doc, list):
        raise BadData(f"not a list of {what}")
    listing = _Listing(count=len(doc))
    found: list[_Row] = []
    for row in rows(doc):
        got = read(row, base)
        if got is not None:
            listing.keys.append(got.key)
            found.append(got)
            listing.posts.append(got.post)
    return listing, found


def _substack_listing(doc: Any, base: str) -> tuple[_Listing, list[_Row]]:
    return _read_listing(doc, base, _substack_post, "posts")


class _ListingWithBodies:
    """A platform API that lists posts page by page, and gives a post's body by its own request
    when the listing lacks it (Substack, dev.to). Subclasses say where the pages and bodies are.

    Complete at a short or empty page; not complete at an error or bad data on the listing, a
    repeated page or ``max_pages``. A post whose body cannot be fetched keeps what the listing
    showed (a line in ``Walk.notes`` counts them).
    """

    method = ""
    #: Posts a listing page asks for (a shorter page is the last).
    page_size = 50
    #: Names in notes: the listing ("Substack archive") and the posts ("posts", "articles").
    label = ""
    #: The listing's paging parameter, named when a server ignores it.
    paging = ""
    things = "posts"
    kept = "summaries"

    def __init__(self, max_pages: int = DEFAULT_MAX_PAGES) -> None:
        self.max_pages = max_pages

    def page_url(self, site: Site, base: str, number: int, offset: int) -> str | None:
        """The listing page ``number`` (from 1; ``offset`` posts listed before it), or None."""
        raise NotImplementedError

    def read_listing(self, doc: Any, base: str) -> tuple[_Listing, list[_Row]]:
        """A listing page's rows (raises BadData)."""
        raise NotImplementedError

    def body_url(self, base: str, row: _Row) -> str:
        """Where one post's whole document is."""
        raise NotImplementedError

    def read_body(self, doc: Any, base: str, row: _Row) -> ParsedPost | None:
        """The post with its body from its own document, or None."""
        raise NotImplementedError

    async def walk(self, site: Site, get: Getter, parse: Parse, state: Walk) -> AsyncIterator[Batch]:
        walker = _Walker(site, state, self.max_pages)
        base = origin(site.feed_url)
        number = offset = failed = 0
        try:
            while True:
                number += 1
                if walker.at_limit():
                    return
                url = self.page_url(site, base, number, offset)
                if url is None:
                    finish(state, False, f"{self.label}: no listing to read")
                    return
                result = await walker.get(get, url, self.label)
                if result is None:
                    return
                decoded = await _decode(result, lambda doc: self.read_listing(doc, base))
                if isinstance(decoded, str):
                    finish(state, False, f"{self.label} {url}: {decoded}")
                    return
                listing, found = decoded
                if not listing.count:
                    finish(state, True)
                    return
                if walker.repeats(listing.keys):
                    finish(state, False, f"{self.label} ignores {self.paging} ({url} repeats {self.things})")
                    return
                walker.keys.update(listing.keys)
                fresh = [r for r in found if not walker.known(r.post)]
                if found and not fresh and was_complete(state):
                    finish(state, True)
                    return
                posts: list[ParsedPost] = []
                for row in fresh:
                    post = row.post
                    if not row.has_body:
                        whole = await self._whole(get, base, row, state)
                        failed += whole is None
                        post = whole or post
                    posts.append(post)
                if posts:
                    yield Batch(tuple(posts))
                if listing.count < self.page_size:
                    finish(state, True)
                    return
                offset += listing.count
        finally:
            if failed:
                name = self.label.split()[0]
                state.notes.append(
                    f"{name}: {failed} {self.things}' bodies could not be fetched ({self.kept} kept)"
                )

    async def _whole(self, get: Getter, base: str, row: _Row, state: Walk) -> ParsedPost | None:
        try:
            result = await get(self.body_url(base, row))
        except FetchError:
            return None
        state.pages_done += 1
        decoded = await _decode(result, lambda doc: self.read_body(doc, base, row))
        return decoded if isinstance(decoded, ParsedPost) else None


class SubstackApi(_ListingWithBodies):
    """Substack's ``/api/v1/archive?sort=new&offset=N&limit=50``; a row without its body gets it
    from ``/api/v1/posts/{slug}`` (``body_html``). Paid posts keep what the API shows and are
    marked ``summary_only``. Applies to Substack publications (:func:`is_substack`).
    """

    method = "api:substack"
    page_size = 50
    label = "Substack archive"
    paging = "offset="

    def applies(self, site: Site) -> bool:
        return urlsplit(site.feed_url).scheme in ("http", "https") and is_substack(site)

    def page_url(self, site: Site, base: str, number: int, offset: int) -> str | None:
        return f"{base}/api/v1/archive?sort=new&offset={offset}&limit={self.page_size}"

    def read_listing(self, doc: Any, base: str) -> tuple[_Listing, list[_Row]]:
        return _substack_listing(doc, base)

    def body_url(self, base: str, row: _Row) -> str:
        return f"{base}/api/v1/posts/{quote(row.ref)}"

    def read_body(self, doc: Any, base: str, row: _Row) -> ParsedPost | None:
        read = _substack_post(doc, base)
        return read.post if read is not None and read.has_body else None


# -- dev.to ------------------------------------------------------------------------------------

_DEVTO_FEED_RE = re.compile(r"^/feed/([A-Za-z0-9_]{1,60})/?$")
_DEVTO_NOT_USERS = frozenset({"tag", "latest", "top", "rising"})


def devto_user(site: Site) -> str | None:
    """The dev.to (Forem) user or organisation whose feed this is: ``/feed/NAME`` on dev.to, or a
    Forem feed ("The latest articles on ... by ... (@NAME)") on another host."""
    match = _DEVTO_FEED_RE.match(urlsplit(site.feed_url).path)
    if not match or match.group(1).lower() in _DEVTO_NOT_USERS:
        return None
    if _host(site.feed_url) in ("dev.to", "www.dev.to"):
        return match.group(1)
    head = site.feed_body[:4096].decode("utf-8", errors="replace")
    if re.search(r"The latest articles on .{1,100} by .{1,200}\(@" + re.escape(match.group(1)) + r"\)", head):
        return match.group(1)
    return None


def _devto_tags(row: dict[str, Any]) -> tuple[str, ...]:
    for key in ("tag_list", "tags"):
        value = row.get(key)
        if isinstance(value, list):
            return tag_tuple(names(value))
    for key in ("tag_list", "tags"):
        value = row.get(key)
        if isinstance(value, str):  # "python, web": the article endpoint's spelling
            return tag_tuple([t for t in value[:2000].split(",") if t.strip()])
    return ()


def _devto_post(row: Any, base: str) -> _Row | None:
    row = obj(row)
    ident = integer(row.get("id"))
    url = web_link(base, row.get("url")) or web_link(base, text(row.get("path")))
    if ident is None or not url:
        return None
    body = text(row.get("body_html"))
    description = text(row.get("description"))
    post = make_post(
        url=url,
        title=text(row.get("title"), MAX_TITLE),
        content_html=body or as_html({"value": description, "type": "text/plain"}),
        author=text(obj(row.get("user")).get("name")),
        published=from_iso(row.get("published_at")) or from_iso(row.get("published_timestamp")),
        updated=from_iso(row.get("edited_at")),
        tags=_devto_tags(row),
        summary_only=not body,
    )
    return _Row(str(ident), str(ident), post, bool(body))


def _devto_listing(doc: Any, base: str) -> tuple[_Listing, list[_Row]]:
    return _read_listing(doc, base, _devto_post, "articles")


class DevToApi(_ListingWithBodies):
    """dev.to's ``/api/articles?username=NAME&page=N&per_page=1000``; each article's body from
    ``/api/articles/{id}`` (``body_html``). Applies to a dev.to (or Forem) user's or
    organisation's feed (:func:`devto_user`); an article whose body cannot be fetched keeps its
    description.
    """

    method = "api:devto"
    page_size = 1000
    label = "dev.to API"
    paging = "page="
    things = "articles"
    kept = "descriptions"

    def applies(self, site: Site) -> bool:
        return urlsplit(site.feed_url).scheme in ("http", "https") and devto_user(site) is not None

    def page_url(self, site: Site, base: str, number: int, offset: int) -> str | None:
        user = devto_user(site)
        if user is None:
            return None
        return f"{base}/api/articles?username={quote(user)}&page={number}&per_page={self.page_size}"

    def read_listing(self, doc: Any, base: str) -> tuple[_Listing, list[_Row]]:
        return _devto_listing(doc, base)

    def body_url(self, base: str, row: _Row) -> str:
        return f"{base}/api/articles/{row.ref}"

    def read_body(self, doc: Any, base: str, row: _Row) -> ParsedPost | None:
        read = _devto_post(doc, base)
        return read.post if read is not None and read.has_body and read.ref == row.ref else None


def make_sources(max_pages: int = DEFAULT_MAX_PAGES) -> list[Source]:
    """This module's sources with a page limit, cheapest for the site first."""
    return [DevToApi(max_pages), SubstackApi(max_pages), WriteFreelyApi(max_pages), WordPressRest(max_pages)]


#: The sources with the default page limit (set ``max_pages`` on each, or use :func:`make_sources`).
SOURCES: list[Source] = make_sources()
