"""The ``sitemap`` source: a blog's sitemaps list its posts' URLs; the post pages are read one by one.

Sitemaps are found from ``robots.txt``'s ``Sitemap:`` lines (they always win); when it names
none, at the names the blog's platform serves (:func:`probe_urls`), the first that answers with
a sitemap being it. Every name is asked for under the blog's home first, then at the host's root
when the home is below it (a Hugo section's feed links the section; the sitemap is the site's):

- WordPress (:func:`paging.is_wordpress`): ``wp-sitemap.xml`` (core since 5.5), then
  ``sitemap_index.xml`` (Yoast SEO, Rank Math; both turn core's off), then ``sitemap.xml``
  (core redirects it to ``wp-sitemap.xml`` when installed at the root; All in One SEO serves it);
- Ghost, Blogger, Hugo, Jekyll (their generator): ``sitemap.xml`` (Ghost's and Blogger's an index
  of ``sitemap-posts.xml`` / ``?page=N``; Hugo's and jekyll-sitemap's at the site's base);
- Astro (its generator): ``sitemap-index.xml`` (@astrojs/sitemap), then ``sitemap.xml``;
- any other blog, :data:`GENERIC`: at the host's root ``sitemap.xml``, ``sitemap_index.xml``,
  ``sitemap-index.xml``, ``sitemap.xml.gz``, ``sitemap_index.xml.gz``; under a home below the
  root only ``sitemap.xml`` (:data:`GENERIC_BELOW_ROOT`), the name the generators that write a
  sitemap at a base path use; the others are server-wide set-ups, kept at the root. A sitemap
  under ``/blog/`` may list only ``/blog/`` pages (sitemaps.org, "Sitemap file location").

The root's names are asked once per host and run (the getter keeps the answers "not there"),
so a host of many blogs below its root costs robots.txt, the root's names, and one name a blog
for an unknown platform.

Indexes are followed, their post sub-sitemaps first (the others only when none says it holds
posts). Each document is parsed by ultimate-sitemap-parser (``usp``: expat with DOCTYPE and
entities refused, so no XML bomb); this module bounds the rest: a document's size once
decompressed (a gzip bomb), the sitemaps of one walk, the URLs taken (a million-URL sitemap),
indexes that loop, and hosts (only the blog's own).

Each URL that may be a post (:func:`pages.listing_reason`) and is not stored yet is fetched as
a crawl (robots.txt ``Disallow`` applies) and read by :func:`pages.read_post`; posts are yielded
in batches, pages found not to be posts are yielded as skipped so a re-walk does not fetch them
again. A stored page is read again when its ``<lastmod>`` is newer than the stored copy
(``Walk.page_times``), after the new ones; a post read from a page takes the page's ``<lastmod>``
as its ``updated`` time (when later than the page's own), so the next walk knows it has it. A
sitemap whose every URL carries one ``<lastmod>`` (the time it was generated) tells nothing of
any page: it is not used. The URLs that may be posts, less the pages found not to be posts, are
the archive's expected size (``Walk.expected``: "412 of 450 posts").
"""

from __future__ import annotations

import asyncio
import logging
import re
import zlib
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

from ...errors import FetchError
from ...models import FetchResult, ParsedPost
from ...urls import canonical_url, same_site
from . import pages
from .base import Batch, Getter, Parse, Site, Walk
from .paging import feed_generators, is_blogger, is_wordpress

#: The sitemap names of a platform not recognised, tried in order at the host's root when
#: robots.txt names none.
GENERIC = ("sitemap.xml", "sitemap_index.xml", "sitemap-index.xml", "sitemap.xml.gz", "sitemap_index.xml.gz")
#: The same under a blog's home below the host's root: the name static generators write at a
#: base path (Hugo, jekyll-sitemap, Zola, MkDocs, ...).
GENERIC_BELOW_ROOT = ("sitemap.xml",)
#: What WordPress serves: core's index, Yoast's and Rank Math's, the ``sitemap.xml`` core
#: redirects from (at the root) and All in One SEO serves.
WORDPRESS = ("wp-sitemap.xml", "sitemap_index.xml", "sitemap.xml")
#: Ghost, Blogger, Hugo, Jekyll: ``sitemap.xml`` (an index for Ghost and large Blogger blogs).
SITEMAP_XML = ("sitemap.xml",)
#: Astro's @astrojs/sitemap: ``sitemap-index.xml`` over ``sitemap-0.xml``...
ASTRO = ("sitemap-index.xml", "sitemap.xml")
#: Generator names (lower-cased, as :func:`paging.feed_generators` gives them) whose platform
#: serves :data:`SITEMAP_XML`.
_SITEMAP_XML_GENERATORS = ("ghost", "blogger", "hugo", "jekyll")
#: A sitemap document is read up to this size once decompressed (the protocol allows 50 MB;
#: a blog's runs to a few hundred KB): past it, the rest is left and the feed gets a note.
MAX_SITEMAP_BYTES = 8 * 1024 * 1024
#: Sitemap documents (indexes included) fetched in one walk.
MAX_SITEMAPS = 100
#: Index depth followed (an index of indexes of sitemaps is depth 2).
MAX_DEPTH = 4
#: URLs taken from a blog's sitemaps in one walk.
MAX_URLS = 100_000
#: Posts stored per transaction.
BATCH = 20
#: Pages fetched and read at once (the getter holds each host to its connection limit).
WORKERS = 3
#: This many post pages refused in a row with 403 is a bot wall: the walk stops.
BOT_WALL = 3
#: This many failed page fetches in a row (timeouts, 5xx) ends the walk: the site is down.
MAX_FAILURES_IN_A_ROW = 10
#: A sitemap of at least this many URLs that all carry one ``<lastmod>`` says when it was made,
#: not when each page changed: its lastmods are not used.
SAME_LASTMOD_MIN = 10
#: What a crawl says of a page robots.txt keeps it from (no judgement of whether it is a post).
DISALLOWED = "disallowed by robots.txt"

_POSTS_RE = re.compile(r"post", re.IGNORECASE)
_NOT_POSTS_RE = re.compile(
    r"posts-page|page-sitemap|sitemap-pages|[-_/]pages?[-_.]|tag|categor|taxonom|author|user|attachment|"
    r"product|image|video|news-sitemap|archive|misc",
    re.IGNORECASE,
)

log = logging.getLogger(__name__)


class SitemapSource:
    """Posts listed by the blog's sitemaps, read from their pages."""

    method = "sitemap"

    def __init__(self, max_pages: int = 20_000) -> None:
        #: Post pages fetched at most in one walk (config ``max_archive_posts``).
        self.max_pages = max_pages

    def applies(self, site: Site) -> bool:
        """Any blog served over HTTP(S) may have sitemaps."""
        return urlsplit(site.site_url or site.feed_url).scheme in ("http", "https")

    async def walk(self, site: Site, get: Getter, parse: Parse, state: Walk) -> AsyncIterator[Batch]:
        """Find the sitemaps, list their post URLs, and yield the posts read from those not stored."""
        logging.getLogger("usp").setLevel(logging.CRITICAL)
        home = _home(site)
        hosts = {urlsplit(u).netloc for u in (home, site.feed_url) if urlsplit(u).netloc}
        finder = _Finder(get, hosts, state, site)
        urls = await finder.urls(home)
        if not finder.found:
            if finder.problems:  # sitemaps there, but none could be read
                state.complete = False
                state.note = "; ".join(finder.problems)
                state.notes.extend(f"sitemap: {p}" for p in finder.problems)
            else:
                state.note = state.note or "no sitemap"
            return
        known = state.known_urls
        stamps = [m for _, m in urls if m is not None]
        usable = not (
            len(urls) >= SAME_LASTMOD_MIN
            and len(stamps) == len(urls)
            and len({_seconds(m) for m in stamps}) == 1
        )
        if not usable:
            state.notes.append("sitemap: every page has the same <lastmod>: not used to find changed pages")
        todo: list[str] = []
        again: list[str] = []
        lastmods: dict[str, datetime] = {}
        listed = 0
        maybe_posts = 0  # listed, less the pages found before not to be posts
        for url, lastmod in urls:
            if pages.listing_reason(url, home):
                continue
            listed += 1
            key = canonical_url(url)
            if key in state.skip_urls:
                continue
            maybe_posts += 1
            if usable and lastmod is not None:
                lastmods[url] = lastmod
            if key in known or url in known:
                stored = state.page_times.get(key)
                if (
                    usable
                    and lastmod is not None
                    and stored is not None
                    and _seconds(lastmod) > _seconds(stored)
                ):
                    again.append(url)
                continue
            todo.append(url)
        left_out = max(0, len(todo) - self.max_pages)
        todo = todo[: self.max_pages]
        again = again[: max(0, self.max_pages - len(todo))]
        state.pages_known = (state.pages_known or 0) + len(todo) + len(again)
        crawl = _Crawl(get, state, lastmods)
        async for batch in crawl.run(todo):
            yield batch
        changed = _Crawl(get, state, lastmods, again=True)
        if again and not crawl.stopped:
            state.notes.append(f"sitemap: {len(again)} stored pages changed since (<lastmod>): read again")
            async for batch in changed.run(again):
                yield batch
        if changed.failed:
            state.notes.append(f"sitemap: {len(changed.failed)} changed pages could not be read again")
        problems = list(finder.problems)
        if crawl.failed:
            counts = Counter(crawl.failed.values())
            shown = ", ".join(f"{cause} x{n}" for cause, n in counts.most_common(3))
            problems.append(f"{len(crawl.failed)} post pages could not be read ({shown})")
        if crawl.stopped or changed.stopped:
            problems.append(crawl.stopped or changed.stopped or "")
        if left_out:
            problems.append(f"{left_out} more post pages not fetched (max_archive_posts)")
        state.notes.extend(f"sitemap: {p}" for p in problems)
        if problems:
            state.complete = False
            state.note = "; ".join(problems)
        else:
            state.complete = True
        # How big the archive is: the sitemap's post URLs, less the pages found not to be posts.
        state.expected = None if finder.cut else max(0, maybe_posts - crawl.not_posts) or None
        if not listed:
            state.complete = False
            state.note = "the sitemap lists no post pages"


class _Finder:
    """Finds and reads the blog's sitemaps into a list of page URLs, within the bounds."""

    def __init__(self, get: Getter, hosts: set[str], state: Walk, site: Site) -> None:
        self.get = get
        self.site = site
        self.hosts = hosts
        self.state = state
        self.found = False
        self.fetched = 0
        self.problems: list[str] = []
        self.refused: Counter[str] = Counter()
        #: More URLs than MAX_URLS: the list is a first part (its size says nothing of the archive).
        self.cut = False

    def own(self, url: str) -> bool:
        return any(same_site(url, h) for h in self.hosts)

    async def urls(self, home: str) -> list[tuple[str, datetime | None]]:
        """The pages the sitemaps list, each with its ``<lastmod>`` (None when it has none)."""
        roots = await self.declared(home)
        if not roots:
            roots = probe_urls(self.site, home)
            first_only = True
        else:
            first_only = False
        out: dict[str, tuple[str, datetime | None]] = {}
        seen: set[str] = set()
        for root in dict.fromkeys(roots):
            before = len(out)
            await self.read(root, 0, seen, out, quiet=first_only)
            if first_only and self.found and len(out) > before:
                break  # the usual paths name one sitemap several ways: the first that works is it
        if self.refused:
            hosts = ", ".join(h for h, _ in self.refused.most_common(3))
            self.problems.append(f"{sum(self.refused.values())} links on other hosts refused ({hosts})")
        return list(out.values())

    async def declared(self, home: str) -> list[str]:
        from protego import Protego

        try:
            result = await self.get(_origin(home) + "/robots.txt")
        except FetchError:
            return []
        self.state.pages_done += 1
        try:
            robots = Protego.parse(result.body[: 512 * 1024].decode("utf-8", "replace"))
            listed = [str(u).strip() for u in robots.sitemaps]
        except Exception:  # noqa: BLE001 - an unreadable robots.txt names no sitemap
            return []
        own = []
        for url in listed:
            if urlsplit(url).scheme not in ("http", "https"):
                continue
            if self.own(url):
                own.append(url)
            else:
                self.refused[urlsplit(url).netloc] += 1
        return own

    async def read(
        self,
        url: str,
        depth: int,
        seen: set[str],
        out: dict[str, tuple[str, datetime | None]],
        *,
        quiet: bool,
    ) -> None:
        key = canonical_url(url)
        if key in seen:
            self.problems.append(f"sitemap index loops back to {url}")
            return
        seen.add(key)
        if depth > MAX_DEPTH:
            self.problems.append(f"sitemap indexes nested deeper than {MAX_DEPTH} ({url})")
            return
        if self.fetched >= MAX_SITEMAPS:
            if not any("more than" in p and "sitemaps" in p for p in self.problems):
                self.problems.append(f"more than {MAX_SITEMAPS} sitemaps: the rest not read")
            return
        self.fetched += 1
        try:
            result = await self.get(url)
        except FetchError as exc:
            if not quiet:
                self.problems.append(f"{url}: {exc}")
            return
        self.state.pages_done += 1
        final = result.final_url or url
        if not self.own(final):
            self.refused[urlsplit(final).netloc] += 1
            return
        text, cut = _document(result)
        if text is None:
            if not quiet:
                self.problems.append(f"{url}: not a sitemap (bad gzip)")
            return
        if cut:
            self.problems.append(
                f"{url}: larger than {MAX_SITEMAP_BYTES // (1024 * 1024)} MB uncompressed;"
                " read its first part"
            )
        parsed = await asyncio.to_thread(_parse, text)
        # At a usual path, a web page (a soft 404) is expected; an XML document there is meant
        # to be a sitemap, and one that cannot be read is worth a note.
        xml = text.lstrip()[:5] == "<?xml" or "<urlset" in text[:2048] or "<sitemapindex" in text[:2048]
        if parsed is None or (parsed[0] is None and not parsed[1]):
            if not quiet or xml:
                why = " (DOCTYPE and entities are refused)" if "<!DOCTYPE" in text[:4096].upper() else ""
                self.problems.append(f"{url}: not a sitemap{why}")
            return
        subs, listed = parsed
        self.found = True
        for page, lastmod in listed:
            if len(out) >= MAX_URLS:
                self.problems.append(f"the sitemaps list more than {MAX_URLS} URLs: the rest not read")
                self.cut = True
                return
            if urlsplit(page).scheme not in ("http", "https"):
                continue
            if not self.own(page):
                self.refused[urlsplit(page).netloc] += 1
                continue
            out.setdefault(canonical_url(page), (page, lastmod))
        for sub in _post_sitemaps(subs or []):
            if len(out) >= MAX_URLS:
                return
            if urlsplit(sub).scheme not in ("http", "https"):
                continue
            if not self.own(sub):
                self.refused[urlsplit(sub).netloc] += 1
                continue
            await self.read(sub, depth + 1, seen, out, quiet=False)


class _Crawl:
    """Fetches post pages two at a time (the getter keeps to the host's limits) and reads them."""

    def __init__(
        self, get: Getter, state: Walk, lastmods: dict[str, datetime] | None = None, *, again: bool = False
    ) -> None:
        self.get = get
        self.state = state
        #: Each page's ``<lastmod>``: a post read from it is at least as new (its ``updated``).
        self.lastmods = lastmods or {}
        #: Pages stored before, read again because they changed: one that is no post (now) or
        #: cannot be read keeps its stored post and is not remembered as skipped.
        self.again = again
        self.failed: dict[str, str] = {}
        self.stopped: str | None = None
        self.forbidden = 0
        self.failures_in_a_row = 0
        #: Pages read and found not to be posts.
        self.not_posts = 0

    async def one(self, url: str) -> tuple[str, ParsedPost | str | None]:
        """A post, the reason the page is not one (a string), or None when the fetch failed."""
        try:
            result = await self.get(url, crawl=True)
        except FetchError as exc:
            cause = str(exc)
            if "robots.txt" in cause:
                return url, DISALLOWED
            self.failed[url] = cause
            if "HTTP 403" in cause:
                self.forbidden += 1
            else:
                self.forbidden = 0
            self.failures_in_a_row += 1
            # Decided here, by the worker that saw it, before any worker takes another URL (the
            # loop reading the results may be a few pages behind on a busy machine).
            if self.stopped is None and self.forbidden >= BOT_WALL:
                self.stopped = "the site refuses post pages with HTTP 403 Forbidden (a bot wall)"
            elif self.stopped is None and self.failures_in_a_row >= MAX_FAILURES_IN_A_ROW:
                self.stopped = f"{MAX_FAILURES_IN_A_ROW} post pages failed in a row: stopped"
            return url, None
        self.forbidden = 0
        self.failures_in_a_row = 0
        self.state.pages_done += 1
        final = result.final_url or url
        try:
            post = await asyncio.to_thread(pages.read_post, result.body, final, result.content_type)
        except pages.NotAPost as exc:
            return url, str(exc)
        lastmod = self.lastmods.get(url)
        if lastmod is not None and (post.updated is None or _seconds(post.updated) < _seconds(lastmod)):
            post = replace(post, updated=lastmod)
        return url, post

    async def run(self, todo: list[str]) -> AsyncIterator[Batch]:
        """Yield the posts of ``todo`` in batches, as they come (a walk stopped early keeps them)."""
        pending = iter(todo)
        results: asyncio.Queue[tuple[str, ParsedPost | str | None] | None] = asyncio.Queue()

        async def worker() -> None:
            # One more worker than the host's connections: a page is read while the next is fetched.
            for url in pending:  # a shared iterator: each URL goes to one worker
                if self.stopped:
                    break
                results.put_nowait(await self.one(url))
            results.put_nowait(None)

        workers = [asyncio.create_task(worker()) for _ in range(WORKERS)]
        posts: list[ParsedPost] = []
        skipped: list[tuple[str, str]] = []
        finished = 0
        try:
            while finished < len(workers):
                item = await results.get()
                if item is None:
                    finished += 1
                    continue
                url, got = item
                if isinstance(got, ParsedPost):
                    posts.append(got)
                elif isinstance(got, str) and not self.again:
                    skipped.append((canonical_url(url), got))
                    self.not_posts += got != DISALLOWED
                if len(posts) >= BATCH or len(skipped) >= 4 * BATCH:
                    yield Batch(tuple(posts), tuple(skipped))
                    posts, skipped = [], []
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
        if posts or skipped:
            yield Batch(tuple(posts), tuple(skipped))


def probe_urls(site: Site, home: str | None = None) -> list[str]:
    """The sitemap URLs asked for, in order, when robots.txt names none: the names the blog's
    platform serves under its home, then at the host's root when the home is below it (see the
    module's docstring)."""
    home = home or _home(site)
    root = _origin(home) + "/"
    generators = feed_generators(site)
    names: tuple[str, ...]
    at_root: tuple[str, ...]
    if is_wordpress(site):
        names, at_root = WORDPRESS, WORDPRESS
    elif any("astro" in g for g in generators):
        names, at_root = ASTRO, ASTRO
    elif is_blogger(site) or any(n in g for g in generators for n in _SITEMAP_XML_GENERATORS):
        names, at_root = SITEMAP_XML, SITEMAP_XML
    else:
        names, at_root = (GENERIC if home == root else GENERIC_BELOW_ROOT), GENERIC
    urls = [urljoin(home, n) for n in names]
    if home != root:
        urls += [urljoin(root, n) for n in at_root]
    return list(dict.fromkeys(urls))


def _home(site: Site) -> str:
    """The blog's home page: the feed's site link, else the feed's origin."""
    home = site.site_url if urlsplit(site.site_url).scheme in ("http", "https") else ""
    home = home or _origin(site.feed_url) + "/"
    return home if home.endswith("/") else home + "/"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _document(result: FetchResult) -> tuple[str | None, bool]:
    """The sitemap's text, decompressed within :data:`MAX_SITEMAP_BYTES`; and whether it was cut."""
    body = result.body
    if body[:2] == b"\x1f\x8b":
        inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            data = inflate.decompress(body, MAX_SITEMAP_BYTES + 1)
        except zlib.error:
            return None, False
    else:
        data = body
    cut = len(data) > MAX_SITEMAP_BYTES
    data = data[:MAX_SITEMAP_BYTES]
    return data.decode("utf-8", "replace"), cut


def _parse(text: str) -> tuple[list[str] | None, list[tuple[str, datetime | None]]] | None:
    """A sitemap document as (sub-sitemap URLs for an index, else None; page URLs with their
    ``<lastmod>``, UTC), by usp."""
    from usp.objects.sitemap import AbstractIndexSitemap, AbstractPagesSitemap, InvalidSitemap
    from usp.tree import sitemap_from_str

    if text.lstrip()[:1] != "<":
        return None  # usp would read any text as a plain-text sitemap: only XML ones are taken
    try:
        sitemap = sitemap_from_str(text)
    except Exception:  # noqa: BLE001 - a document usp cannot read is no sitemap
        return None
    if isinstance(sitemap, AbstractIndexSitemap):
        return [s.url for s in sitemap.sub_sitemaps], []
    if isinstance(sitemap, AbstractPagesSitemap):
        return None, [(p.url, _utc(p.last_modified)) for p in sitemap.pages]
    if isinstance(sitemap, InvalidSitemap):
        return None
    return None


def _utc(stamp: datetime | None) -> datetime | None:
    """A ``<lastmod>`` as an aware UTC time (a date alone, or no zone, is read as UTC)."""
    if stamp is None:
        return None
    return stamp.replace(tzinfo=timezone.utc) if stamp.tzinfo is None else stamp.astimezone(timezone.utc)


def _seconds(stamp: datetime) -> int:
    """A time to the second, as stored (a naive one is UTC)."""
    return int((stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)).timestamp())


def _post_sitemaps(urls: list[str]) -> list[str]:
    """An index's sub-sitemaps worth reading: those holding posts when some say so, else all but
    the ones that name pages, tags, categories, authors or media."""
    posts = [u for u in urls if _POSTS_RE.search(_name(u)) and not _NOT_POSTS_RE.search(_name(u))]
    if posts:
        return posts
    return [u for u in urls if not _NOT_POSTS_RE.search(_name(u))]


def _name(url: str) -> str:
    return urlsplit(url).path.rsplit("/", 1)[-1]
