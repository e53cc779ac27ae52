"""Archive sources that page through the feed itself: RFC 5005 / ``rel="next"`` chains, Blogger's
``start-index``, Bear Blog's ``?page=N`` and WordPress's ``?paged=N``.

Every source here continues from the feed's first page (``Site.feed``, already stored by the
refresher): it yields only posts that neither that page nor the store (``Walk.known_guids`` /
``Walk.known_urls``) holds, one :class:`~.base.Batch` per fetched page.

The page limit (config ``max_archive_pages``) is the constructor's ``max_pages``, also a plain
attribute the refresher may set; it counts the feed's first page, as the old walk did, so
``max_pages=3`` fetches at most two more documents.

A re-walk of an archive that was complete before stops at the first page holding nothing new and
stays complete; the refresher says so by setting ``was_complete`` on the :class:`~.base.Walk`
(read with ``getattr`` until ``Walk`` has the field).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ...errors import FetchError, NotAFeedError
from ...models import FetchResult, ParsedFeed, ParsedPost
from .base import Batch, Getter, Parse, Site, Source, Walk

#: The default for ``max_pages`` (config ``max_archive_pages``'s default).
DEFAULT_MAX_PAGES = 500
#: Blogger's largest ``max-results``.
BLOGGER_PAGE = 150

_STATUS_RE = re.compile(r"^HTTP (\d{3})\b")
_TOTAL_RE = re.compile(rb"<(?:[\w-]+:)?totalResults>\s*(\d{1,9})\s*</(?:[\w-]+:)?totalResults>")
_GENERATOR_RE = re.compile(r"<generator\b[^>]{0,300}>([^<]{0,200})</generator>|<generator\b([^>]{0,300})/>")
_META_GENERATOR_RE = re.compile(r"<meta\b[^>]{0,200}\bname=[\"']?generator\b[^>]{0,300}>")
_WP_PATH_RE = re.compile(r"/feed(?:/(?:rss2?|atom|rdf|rss-?2\.0))?/?$")


# -- who made the blog -------------------------------------------------------------------------


def feed_generators(site: Site) -> list[str]:
    """The lower-cased generator declarations of the feed's head and the home page's meta tags."""
    head = site.feed_body[:4096].decode("utf-8", errors="replace").lower()
    found = [(text or attrs).strip() for text, attrs in _GENERATOR_RE.findall(head)]
    home = (site.home or b"")[:65536].decode("utf-8", errors="replace").lower()
    found += [m.group(0) for m in _META_GENERATOR_RE.finditer(home)]
    return [g for g in found if g]


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _path(url: str) -> str:
    try:
        return urlsplit(url).path
    except ValueError:
        return ""


def is_json_feed(site: Site) -> bool:
    """Whether the feed is a JSON document (JSON Feed, RSS-in-JSON)."""
    return site.feed_body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")


def is_blogger(site: Site) -> bool:
    """Blogger: a ``blogspot``/``blogger.com`` feed, its ``/feeds/posts/`` path or its generator."""
    host = _host(site.feed_url)
    if host.endswith((".blogspot.com", "blogger.com")) or "/feeds/posts/" in _path(site.feed_url):
        return not is_json_feed(site)
    return any("blogger" in g for g in feed_generators(site))


def is_bear(site: Site) -> bool:
    """Bear Blog: a ``bearblog.dev`` host, or its "Powered by Bear" footer / links on the page."""
    if _host(site.feed_url).endswith(".bearblog.dev"):
        return True
    fingerprint = site.fingerprint()
    return "bearblog.dev" in fingerprint or "ʕ•ᴥ•ʔ" in fingerprint


def is_wordpress(site: Site, *, strong: bool = False) -> bool:
    """WordPress, by its generator, its ``wp-json`` / ``wp-content`` links or its ``/feed/`` path.

    The path counts only for an XML feed that names no other generator and no other platform
    (Substack, Bear Blog and WriteFreely serve ``/feed`` too), and not when ``strong`` signs
    (generator, links) are asked for.
    """
    generators = feed_generators(site)
    if any("wordpress" in g for g in generators):
        return True
    fingerprint = site.fingerprint()
    if any(sign in fingerprint for sign in ("api.w.org", "/wp-json/", "/wp-content/", "/wp-includes/")):
        return True
    if strong or generators or is_json_feed(site) or is_blogger(site) or is_bear(site):
        return False
    if any(sign in fingerprint for sign in ("substack", "write freely", "writefreely", "ghost.org")):
        return False
    try:
        parts = urlsplit(site.feed_url)
    except ValueError:
        return False
    if parts.scheme not in ("http", "https"):
        return False
    query = dict(parse_qsl(parts.query))
    return bool(_WP_PATH_RE.search(parts.path)) or query.get("feed", "") in ("rss2", "rss", "atom", "rdf")


# -- what all feed-paging sources share ---------------------------------------------------------


def with_query(url: str, params: dict[str, str]) -> str:
    """``url`` with the query parameters ``params`` set, its other parameters kept."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query.extend(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def http_status(exc: BaseException) -> int | None:
    """The HTTP status a :class:`FetchError` names ("HTTP 404 Not Found"), if it names one."""
    match = _STATUS_RE.match(str(exc))
    return int(match.group(1)) if match else None


def finish(state: Walk, complete: bool, note: str | None = None) -> None:
    """Record the walk's outcome: complete, or not and why."""
    state.complete = complete
    state.note = None if complete else note


def was_complete(state: Walk) -> bool:
    """Whether the archive was complete before this walk (``Walk.was_complete`` when it exists)."""
    return bool(getattr(state, "was_complete", False))


class PageError(Exception):
    """A page could not be fetched or read; ``note`` says so in a few words."""

    def __init__(self, url: str, cause: str, status: int | None = None) -> None:
        super().__init__(cause)
        self.url = url
        self.cause = cause
        self.status = status

    @property
    def note(self) -> str:
        return f"archive page {self.url}: {self.cause}"


async def get_feed_page(get: Getter, parse: Parse, url: str, state: Walk) -> tuple[FetchResult, ParsedFeed]:
    """Fetch and parse one feed page; raises :class:`PageError` with the cause."""
    try:
        result = await get(url)
    except FetchError as exc:
        raise PageError(url, str(exc), http_status(exc)) from None
    state.pages_done += 1
    try:
        page = await parse(result.body, result.final_url or url)
    except NotAFeedError as exc:
        raise PageError(url, str(exc)) from None
    if not page.posts and page.bozo:
        raise PageError(url, f"not a feed ({page.bozo})")
    return result, page


@dataclass
class Seen:
    """The posts of one walk: the feed's first page, every page since, and what is stored."""

    guids: set[str] = field(default_factory=set)
    known_guids: set[str] = field(default_factory=set)
    known_urls: set[str] = field(default_factory=set)

    @classmethod
    def start(cls, site: Site, state: Walk) -> Seen:
        return cls({p.guid for p in site.feed.posts}, state.known_guids, state.known_urls)

    def repeats(self, posts: Iterable[ParsedPost]) -> bool:
        """Whether every post was already seen in this walk (a server ignoring the page parameter)."""
        return all(p.guid in self.guids for p in posts)

    def take(self, posts: Iterable[ParsedPost]) -> list[ParsedPost]:
        """The posts neither this walk nor the store holds; all of them count as seen from now on."""
        fresh = [
            p
            for p in posts
            if p.guid not in self.guids
            and p.guid not in self.known_guids
            and not is_known_url(p.url, self.known_urls)
        ]
        self.guids.update(p.guid for p in posts)
        return fresh


def url_key(url: str) -> str:
    """The spelling ``Walk.known_urls`` holds: ``blogtui.urls.canonical_url`` (the integration's
    module), or the URL itself before that module exists."""
    try:
        from ...urls import canonical_url
    except ImportError:  # pragma: no cover - the integration brings the module
        return url
    return canonical_url(url)


def is_known_url(url: str, known_urls: set[str]) -> bool:
    """Whether ``url`` is stored already (compared as given and in its canonical spelling)."""
    return bool(url) and (url in known_urls or url_key(url) in known_urls)


def _limit_note(limit: int) -> str:
    return f"stopped after {limit} archive pages (max_archive_pages)"


# -- the sources ---------------------------------------------------------------------------------


class FeedPages:
    """RFC 5005 paged (``rel="next"``) and archived (``prev-archive``) feeds, followed to the end.

    Applies when the feed's first page links to another page. Complete when the chain ends (a
    page without a link); not complete at a loop, a failed or unreadable page, a page that only
    repeats this walk's posts, or ``max_pages``. A re-walk of a complete archive stops, complete,
    at the first page that holds nothing new.
    """

    method = "feed-pages"

    def __init__(self, max_pages: int = DEFAULT_MAX_PAGES) -> None:
        self.max_pages = max_pages

    def applies(self, site: Site) -> bool:
        return bool(site.feed.next_url or site.feed.prev_archive_url)

    async def walk(self, site: Site, get: Getter, parse: Parse, state: Walk) -> AsyncIterator[Batch]:
        seen = Seen.start(site, state)
        limit = max(1, self.max_pages)
        fetched = 1
        visited = {site.feed_url}
        next_url = site.feed.next_url or site.feed.prev_archive_url
        while True:
            if not next_url:
                finish(state, True)
                return
            if next_url in visited:
                finish(state, False, f"archive pages loop back to {next_url}")
                return
            if fetched >= limit:
                finish(state, False, _limit_note(limit))
                return
            visited.add(next_url)
            try:
                result, page = await get_feed_page(get, parse, next_url, state)
            except PageError as exc:
                finish(state, False, exc.note)
                return
            fetched += 1
            visited.add(result.final_url or next_url)
            if page.posts and seen.repeats(page.posts):
                finish(state, False, f"archive page {next_url} only repeats posts already seen")
                return
            fresh = seen.take(page.posts)
            if page.posts and not fresh and was_complete(state):
                finish(state, True)  # the rest was walked before
                return
            if fresh:
                yield Batch(tuple(fresh))
            next_url = page.next_url or page.prev_archive_url


class NumberedPages:
    """Feed pages asked for by number (``?paged=2``, ``?page=2``, ...) until there are no more.

    Complete at a 404 or an empty page past page 2, or a page past page 2 that only repeats
    posts (WordPress answers its last page again); not complete when page 2 is missing, empty of
    new posts or the first page again (the server ignores the parameter), at any other error, or
    at ``max_pages``.
    """

    method = ""
    #: The query parameter that numbers the pages.
    param = "page"

    def __init__(self, max_pages: int = DEFAULT_MAX_PAGES) -> None:
        self.max_pages = max_pages

    def applies(self, site: Site) -> bool:
        raise NotImplementedError

    async def walk(self, site: Site, get: Getter, parse: Parse, state: Walk) -> AsyncIterator[Batch]:
        seen = Seen.start(site, state)
        limit = max(1, self.max_pages)
        fetched = 1
        number = 1
        while True:
            if fetched >= limit:
                finish(state, False, _limit_note(limit))
                return
            number += 1
            url = with_query(site.feed_url, {self.param: str(number)})
            try:
                _result, page = await get_feed_page(get, parse, url, state)
            except PageError as exc:
                if exc.status == 404 and number > 2:
                    finish(state, True)  # past the last page
                elif exc.status == 404:
                    finish(state, False, f"the feed has no ?{self.param}=2 (HTTP 404)")
                else:
                    finish(state, False, exc.note)
                return
            fetched += 1
            if not page.posts:
                finish(state, True)
                return
            if seen.repeats(page.posts):
                if number > 2:
                    finish(state, True)  # the last page again
                else:
                    finish(state, False, f"the server ignores ?{self.param}= (page 2 repeats page 1)")
                return
            fresh = seen.take(page.posts)
            if not fresh and was_complete(state):
                finish(state, True)
                return
            if fresh:
                yield Batch(tuple(fresh))


class WordPressPaged(NumberedPages):
    """WordPress's ``?paged=N`` feed pages, only for feeds that look like WordPress.

    Applies to an HTTP feed without its own page links that :func:`is_wordpress` recognises (a
    ``wordpress.org`` generator, ``wp-json`` / ``wp-content`` links on the page, or a ``/feed/``
    path with no other platform's generator): static sites and JSON Feeds get no probe.
    """

    method = "wordpress-paged"
    param = "paged"

    def applies(self, site: Site) -> bool:
        if site.feed.next_url or site.feed.prev_archive_url:
            return False
        return urlsplit(site.feed_url).scheme in ("http", "https") and is_wordpress(site)


class BearPages(NumberedPages):
    """Bear Blog's feed pages (``?page=N``), recognised by its host or its "Powered by Bear" footer.

    Bear Blog's feed holds the latest 10 posts; a blog whose feed ignores ``?page`` costs one
    request (page 2 repeats page 1) and ends incomplete, leaving the archive to the sitemap.
    """

    method = "bear"
    param = "page"

    def applies(self, site: Site) -> bool:
        if site.feed.next_url or site.feed.prev_archive_url:
            return False
        return urlsplit(site.feed_url).scheme in ("http", "https") and is_bear(site)


class BloggerPages:
    """Blogger's ``start-index`` / ``max-results`` paging, 150 posts a request.

    ``openSearch:totalResults`` gives ``Walk.expected`` and the pages known. Complete when the
    total is reached or a page comes back empty; not complete at an error, a page that only
    repeats posts (the server ignores ``start-index``) or ``max_pages``.
    """

    method = "blogger"

    def __init__(self, max_pages: int = DEFAULT_MAX_PAGES) -> None:
        self.max_pages = max_pages

    def applies(self, site: Site) -> bool:
        return urlsplit(site.feed_url).scheme in ("http", "https") and is_blogger(site)

    async def walk(self, site: Site, get: Getter, parse: Parse, state: Walk) -> AsyncIterator[Batch]:
        seen = Seen.start(site, state)
        walked: set[str] = set()
        limit = max(1, self.max_pages)
        fetched = 1
        start = 1
        total = _total_results(site.feed_body)
        while True:
            if total is not None:
                state.expected = total
                left = max(0, total - start + 1)
                state.pages_known = state.pages_done + -(-left // BLOGGER_PAGE)
                if start > total:
                    finish(state, True)
                    return
            if fetched >= limit:
                finish(state, False, _limit_note(limit))
                return
            url = with_query(site.feed_url, {"start-index": str(start), "max-results": str(BLOGGER_PAGE)})
            try:
                result, page = await get_feed_page(get, parse, url, state)
            except PageError as exc:
                finish(state, False, exc.note)
                return
            fetched += 1
            total = _total_results(result.body) or total
            if not page.posts:
                finish(state, True)
                return
            if all(p.guid in walked for p in page.posts):
                finish(state, False, f"the server ignores start-index (archive page {url} repeats posts)")
                return
            walked.update(p.guid for p in page.posts)
            fresh = seen.take(page.posts)
            if not fresh and was_complete(state):
                finish(state, True)
                return
            if fresh:
                yield Batch(tuple(fresh))
            start += len(page.posts)
            if total is None and len(page.posts) < BLOGGER_PAGE:
                finish(state, True)
                return


def _total_results(body: bytes) -> int | None:
    """``openSearch:totalResults`` from a Blogger feed's head."""
    match = _TOTAL_RE.search(body[:16384])
    return int(match.group(1)) if match else None


def make_sources(max_pages: int = DEFAULT_MAX_PAGES) -> list[Source]:
    """This module's sources with a page limit, cheapest for the site first."""
    return [
        BloggerPages(max_pages),
        FeedPages(max_pages),
        BearPages(max_pages),
        WordPressPaged(max_pages),
    ]


#: The sources with the default page limit (set ``max_pages`` on each, or use :func:`make_sources`).
SOURCES: list[Source] = make_sources()
