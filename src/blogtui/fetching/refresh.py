"""Filling the cache from the network: subscribe and refresh runs, archive backfill, discovery, parse pool."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..errors import FetchError, NotAFeedError, StoreError
from ..models import INCOMPLETE_NOTE, NOT_SAVED, FeedOutcome, FetchResult, ParsedFeed, ParsedPost, Progress
from ..parsing.feed import parse_feed
from ..urls import same_site
from . import discovery
from . import http as fetching
from .archive.base import Site, Source, Walk
from .archive.sitemaps import SitemapSource

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    import httpx

    from ..config import Config
    from ..storage.store import Store

ProgressCallback = Callable[[Progress], None]

#: Feeds per run from which parsing moves to a pool of processes (feedparser holds the GIL);
#: an archive walk (``add``) pays for it from two feeds on.
POOL_MIN_FEEDS = 4
POOL_MIN_FEEDS_ARCHIVE = 2
#: Documents smaller than this are parsed in a thread: shipping them to a process costs more.
POOL_MIN_BYTES = 32 * 1024
#: Connections open to one host at once.
PER_HOST = 2
#: The note on a feed whose archive no source could walk.
FEED_ONLY_NOTE = "no sitemap, no paging found"
#: Longest ``Retry-After`` an archive walk waits out (seconds), and its total of such waits.
MAX_CRAWL_RETRY_AFTER = 60.0
MAX_CRAWL_WAITING = 180.0
#: Longest robots.txt ``Crawl-delay`` honoured (seconds).
MAX_CRAWL_DELAY = 30.0


@dataclass
class Job:
    """One feed being fetched: where it is stored and what it was asked to do."""

    location: str
    feed_id: int | None = None
    title: str = ""
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    archive: bool = False
    #: Whether the archive was complete before this run (a re-walk that reaches known pages keeps it).
    was_complete: bool = False
    #: A web page may be given instead of a feed (``add``); a refresh expects the feed itself.
    discover: bool = False
    new: bool = False
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    #: The blog's home page when the user named it (discovery fetched it): its host is the blog's.
    home: FetchResult | None = None


class Refresher:
    """Runs fetches into the cache; all writes happen on the thread that calls :meth:`run`.

    Args:
        connect: this thread's connection to the cache (called on the thread that writes).
        config: limits and defaults (jobs, timeout, max_feed_bytes, max_archive_pages).
        clock: the current time, UTC (tests freeze it).
    """

    def __init__(self, connect: Callable[[], Store], config: Config, clock: Callable[[], datetime]) -> None:
        self._connect = connect
        self.config = config
        self.clock = clock
        self._pool: ProcessPoolExecutor | None = None
        #: Called with each fetched document's URL during a run (progress for archive walks).
        self._on_page: Callable[[str], None] | None = None
        #: Called as an archive walk learns how many pages it has left (progress: of pages known).
        self._on_walk: Callable[[Job, Walk], None] | None = None
        #: The feeds subscribed when the run started (a new one like them is refused).
        self._before: set[int] = set()
        #: Answers that are the same for every feed of a run, kept for the run: robots.txt
        #: documents, and the URLs that are not there (404, 410: the usual sitemap paths of a
        #: host whose feeds are walked one after another). See ``_Getter.shared``.
        self._shared: dict[str, FetchResult | FetchError] = {}
        self._shared_locks: dict[str, asyncio.Lock] = {}

    @property
    def store(self) -> Store:
        """The calling thread's connection (the event loop's thread does every write)."""
        return self._connect()

    # -- building the work ---------------------------------------------------------------------

    def subscribe_jobs(self, locations: Sequence[str], archive: bool) -> list[Job]:
        """One job per location; a location that is not a URL or path gets a job with its error."""
        jobs: list[Job] = []
        for location in locations:
            try:
                url = fetching.normalise_location(location)
            except FetchError as exc:
                jobs.append(Job(location=location, error=str(exc)))
                continue
            stored = self.store.feed(url)
            jobs.append(
                Job(
                    location=url,
                    feed_id=stored.id if stored else None,
                    title=stored.title if stored else "",
                    archive=archive and self.config.feed_settings(url).archive,
                    was_complete=bool(stored and stored.archive_complete),
                    discover=True,
                    new=stored is None,
                    # The same URL again is no second subscription: the feed is fetched again
                    # (its archive walk resumed), and the summary must not read as a new one.
                    notes=[f"{_already(stored.title, stored.url)}: fetched again"] if stored else [],
                )
            )
        return jobs

    def refresh_jobs(self, feed_ids: Sequence[int] | None, archive: bool) -> list[Job]:
        """Jobs for the named feeds, or for every feed that is not gone (410) when none are named.

        Reads only the feeds table: the work is proportional to the feeds, not to the posts.
        """
        states = self.store.feed_states()
        if feed_ids is None:
            chosen = [s for s in states if not s.gone]
        else:
            by_id = {s.id: s for s in states}
            chosen = [by_id[i] for i in feed_ids if i in by_id]
        return [
            Job(
                location=s.url,
                feed_id=s.id,
                title=s.title,
                etag=None if archive else s.etag,
                last_modified=None if archive else s.last_modified,
                body_hash=None if archive else s.body_hash,
                # A feed never fetched (``import --no-fetch``) gets its archive on its first refresh.
                # A feed whose archive walking is off (``[feeds."URL"] archive = false``) never walks.
                archive=(archive or s.fetched_at is None) and self.config.feed_settings(s.url).archive,
                was_complete=s.archive_complete,
            )
            for s in chosen
        ]

    # -- running -------------------------------------------------------------------------------

    def run(
        self,
        todo: list[Job],
        jobs: int | None = None,
        timeout: float | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> list[FeedOutcome]:
        """Fetch every job, ``jobs`` feeds at once; returns one outcome per job, in order."""
        outcomes: list[FeedOutcome | None] = [
            FeedOutcome(url=j.location, error=j.error) if j.error else None for j in todo
        ]
        pending = [j for j in todo if not j.error]
        if any(j.new for j in pending):
            self._before = {s.id for s in self.store.feed_states()}
        if pending:
            count = max(1, jobs or self.config.jobs)
            deadline = timeout or self.config.timeout
            results = iter(_run_coroutine(lambda: self._run_async(pending, count, deadline, on_progress)))
            outcomes = [o if o is not None else next(results) for o in outcomes]
        return [o for o in outcomes if o is not None]

    async def _run_async(
        self,
        todo: list[Job],
        jobs: int,
        timeout: float,
        on_progress: ProgressCallback | None,
    ) -> list[FeedOutcome]:
        gate = asyncio.Semaphore(jobs)
        hosts: dict[str, asyncio.Semaphore] = {}
        done = 0
        total = len(todo)
        new_total = 0
        pages = 0

        left: dict[int, int] = {}  # per job: pages its archive walk knows it has left
        known_left = 0

        def report(url: str, message: str = "") -> None:
            nonlocal on_progress
            if on_progress:
                try:
                    on_progress(Progress(done, total, url, new_total, message, pages, pages + known_left))
                except Exception:  # noqa: BLE001 - a broken display must not lose the fetch
                    on_progress = None

        def page(url: str) -> None:
            nonlocal pages
            pages += 1
            report(url, "page")

        self._on_page = page

        def walked(job: Job, walk: Walk) -> None:
            nonlocal known_left
            left[id(job)] = max(0, (walk.pages_known or 0) - walk.pages_done) if walk.pages_known else 0
            known_left = sum(left.values())  # the next page event says it

        self._on_walk = walked

        async def one(job: Job) -> FeedOutcome:
            nonlocal done, new_total
            async with gate:
                report(job.location, "fetching")
                try:
                    outcome = await self._update(client, job, timeout, hosts)
                except fetching.FeedGoneError as exc:
                    outcome = self._fail(job, str(exc), gone=True)
                except (FetchError, NotAFeedError) as exc:
                    outcome = self._fail(job, str(exc))
                except StoreError as exc:  # a full disk, a read-only cache: nothing more can be written
                    outcome = FeedOutcome(url=job.location, title=job.title, error=f"{NOT_SAVED}{exc}")
                except Exception as exc:  # noqa: BLE001 - one feed's bug must not stop the others
                    outcome = self._fail(job, f"internal error: {type(exc).__name__}: {exc}")
            done += 1
            new_total += outcome.new_posts
            report(outcome.url, outcome.error or "")
            return outcome

        archive = any(j.archive for j in todo)
        self._pool = _parse_pool(total, archive)
        try:
            async with fetching.make_client(jobs, timeout, self.config) as client:
                client.headers["User-Agent"] = self.config.user_agent or fetching.USER_AGENT
                report("")
                return list(await asyncio.gather(*(one(j) for j in todo)))
        finally:
            self._on_page = None
            self._on_walk = None
            self._shared.clear()
            self._shared_locks.clear()
            if self._pool is not None:
                self._pool.shutdown(cancel_futures=True)
                self._pool = None

    async def _parse(self, body: bytes, url: str) -> ParsedFeed:
        """Parse a document off the event loop: in the process pool when it pays, else a thread."""
        if self._pool is not None and len(body) >= POOL_MIN_BYTES:
            from concurrent.futures.process import BrokenProcessPool

            loop = asyncio.get_running_loop()
            try:
                return await loop.run_in_executor(self._pool, parse_feed, body, url)
            except BrokenProcessPool:
                self._pool = None
        return await asyncio.to_thread(parse_feed, body, url)

    def _fail(self, job: Job, error: str, *, gone: bool = False) -> FeedOutcome:
        error = " ".join(error.split())  # one line, whatever the cause carried
        if job.feed_id is not None:
            try:
                with self.store.transaction():
                    self.store.update_feed(job.feed_id, error=error, error_at=self.clock(), gone=int(gone))
            except Exception as exc:  # noqa: BLE001 - the fetch error is still reported
                error += f" (and the error could not be stored: {exc})"
        return FeedOutcome(url=job.location, title=job.title, error=error, notes=tuple(job.notes))

    async def _get(
        self,
        client: httpx.AsyncClient,
        url: str,
        timeout: float,
        hosts: dict[str, asyncio.Semaphore],
        etag: str | None = None,
        last_modified: str | None = None,
        *,
        max_bytes: int | None = None,
        hold: float = 0.0,
        trusted: bool = False,
    ) -> FetchResult:
        """Fetch within the host's connection limit; ``hold``: seconds the connection's slot stays
        taken after the fetch (the delay between a crawl's pages); ``trusted``: the URL is the
        user's, or a link in a local document they named (only then may it be ``file:``)."""
        host = urlsplit(url).netloc
        gate = hosts.setdefault(host, asyncio.Semaphore(PER_HOST))
        async with gate:
            try:
                result = await fetching.fetch(
                    client,
                    url,
                    etag=etag,
                    last_modified=last_modified,
                    timeout=timeout,
                    max_bytes=max_bytes or self.config.max_feed_bytes,
                    trusted=trusted,
                )
            finally:
                if hold > 0:
                    await asyncio.sleep(hold)
        if self._on_page is not None:
            self._on_page(url)
        return result

    async def _update(
        self,
        client: httpx.AsyncClient,
        job: Job,
        timeout: float,
        hosts: dict[str, asyncio.Semaphore],
    ) -> FeedOutcome:
        url = job.location
        # The job's URL is the user's (named now, or subscribed before): it may be a local file.
        first = await self._get(client, url, timeout, hosts, job.etag, job.last_modified, trusted=True)
        now = self.clock()
        moved = first.final_url if first.permanent_redirect and first.final_url else None
        if first.not_modified and job.feed_id is not None:
            return self._unchanged(job, first, moved, now)
        parsed: ParsedFeed | None = None
        if discovery.looks_like_html(first):
            if not job.discover:
                raise NotAFeedError("not a feed: the server sent a web page")
            job.home = first
            first, parsed = await self._discover(client, first, timeout, hosts, job)
            url = first.url
            moved = None
            stored = self.store.feed(url)
            if stored is not None and job.new:
                raise FetchError(_already(stored.title, stored.url))
            job.archive = job.archive and self.config.feed_settings(url).archive
        body_hash = hashlib.sha1(first.body).hexdigest()
        if job.body_hash and body_hash == job.body_hash and job.feed_id is not None:
            return self._unchanged(job, first, moved, now)
        if parsed is None:
            parsed = await self._parse(first.body, first.final_url or url)
        if not parsed.posts and parsed.bozo:
            raise NotAFeedError(f"not a feed ({parsed.bozo})")
        if job.new:
            self._refuse_second(first, url, parsed)
        if parsed.bozo:  # read in part: truncated or ill-formed (parsing/feed.py read_in_part)
            job.notes.append(f"read {len(parsed.posts)} of ? items: {parsed.bozo}")
        if not job.archive:
            return self._save(job, moved or url, first, [parsed], job.was_complete, body_hash, now)
        # The feed's own posts land first, unread; the archive's then arrive in batches, as backlog.
        head = self._save(job, moved or url, first, [parsed], job.was_complete, body_hash, now, backfill=True)
        return await self._backfill(client, job, head, first, parsed, timeout, hosts)

    def _refuse_second(self, first: FetchResult, url: str, parsed: ParsedFeed) -> None:
        """A new subscription that is a feed already subscribed is refused: the same URL once its
        redirects are followed, or the same site with the same title."""
        final = first.final_url or url
        stored = self.store.feed(final) if final != url else None
        if stored is not None:
            raise FetchError(_already(stored.title, stored.url))
        # Feeds subscribed before this run only: one run may add two feeds of one site and title.
        for feed_id, feed_url, title in self.store.feeds_like(parsed.site_url, parsed.title):
            if feed_id in self._before:
                raise FetchError(_already(title, feed_url))

    def _unchanged(self, job: Job, first: FetchResult, moved: str | None, now: datetime) -> FeedOutcome:
        """A 304, or the same bytes as last time: nothing to parse, only the feed's state to note."""
        assert job.feed_id is not None
        store = self.store
        fields: dict[str, object] = dict(
            fetched_at=now, error=None, error_at=None, gone=0, etag=first.etag,
            last_modified=first.last_modified,
        )  # fmt: skip
        url = job.location
        with store.transaction():
            if moved and moved != url and store.feed(moved) is None:
                fields["url"] = url = moved
                job.notes.append(f"moved permanently to {moved}")
            store.update_feed(job.feed_id, **fields)
        return FeedOutcome(
            url=url,
            title=job.title,
            not_modified=True,
            archive_complete=job.was_complete,
            notes=tuple(job.notes),
        )

    async def _discover(
        self,
        client: httpx.AsyncClient,
        page: FetchResult,
        timeout: float,
        hosts: dict[str, asyncio.Semaphore],
        job: Job,
    ) -> tuple[FetchResult, ParsedFeed]:
        """The feed a web page leads to: its ``<link rel=alternate>`` feeds, then the usual paths."""
        page_url = page.final_url or page.url
        declared = discovery.discover_links(page.body, page_url)
        guessed = [u for u in discovery.guess_urls(page_url) if u not in declared]
        for candidate in [*declared, *guessed]:
            try:
                local = not fetching.is_remote(page_url)  # a local page the user named
                result = await self._get(client, candidate, timeout, hosts, trusted=local)
            except FetchError:
                continue
            if discovery.looks_like_html(result):
                continue
            try:
                parsed = await self._parse(result.body, result.final_url or candidate)
            except NotAFeedError:
                continue
            if not parsed.posts and parsed.bozo:
                continue
            chosen = result.final_url or candidate
            how = "declared by the page" if candidate in declared else "found at a usual feed path"
            job.notes.append(f"using feed {chosen} ({how})")
            return replace(result, url=chosen, final_url=chosen, permanent_redirect=False), parsed
        if declared:
            raise NotAFeedError(f"none of the feeds the page names could be read (first: {declared[0]})")
        raise NotAFeedError("a web page that names no feed (no <link rel=alternate>, no usual feed path)")

    async def _walk_archive(
        self,
        client: httpx.AsyncClient,
        job: Job,
        first: FetchResult,
        parsed: ParsedFeed,
        timeout: float,
        hosts: dict[str, asyncio.Semaphore],
    ) -> tuple[list[ParsedFeed], bool, str]:
        """Follow RFC 5005 / rel=next pages, else WordPress ``?paged=N`` (only for a feed that looks
        like WordPress); returns pages, completeness and the method (``archive_method``).

        Stands in for the paging sources (``archive/paging.py``) while that module is absent.

        Stops at the end of the chain, a 404 past WordPress's last page, a page that only repeats
        this walk's posts, a page already stored when the archive was complete before (a re-walk),
        a loop, an error, or ``max_archive_pages``.
        """
        pages = [parsed]
        known = self._known_guids(job.feed_id)
        seen = {p.guid for p in parsed.posts}
        first_url = first.final_url or first.url
        visited = {first.url, first_url}
        limit = max(1, self.config.max_archive_pages)
        next_url = parsed.next_url or parsed.prev_archive_url
        wordpress = next_url is None and fetching.is_remote(first_url) and _looks_like_wordpress(first)
        how = "wordpress-paged" if wordpress else "feed-pages"
        page_number = 1
        fetched = 1
        while fetched < limit:
            if wordpress:
                page_number += 1
                next_url = _with_page(first_url, page_number)
            if not next_url:
                # Complete when an archive chain was followed to its end (not when there was none).
                return pages, fetched > 1, how
            if next_url in visited:
                job.notes.append(f"archive pages loop back to {next_url}")
                return pages, False, how
            visited.add(next_url)
            try:
                result = await self._get(
                    client, next_url, timeout, hosts, trusted=not fetching.is_remote(first_url)
                )
            except FetchError as exc:
                if wordpress and "HTTP 404" in str(exc) and page_number > 2:
                    return pages, True, how
                if not wordpress:
                    job.notes.append(f"archive page {next_url}: {exc}")
                return pages, False, how
            fetched += 1
            try:
                page = await self._parse(result.body, result.final_url or next_url)
            except NotAFeedError as exc:
                if not wordpress:
                    job.notes.append(f"archive page {next_url}: {exc}")
                return pages, False, how
            guids = [p.guid for p in page.posts]
            if all(g in seen for g in guids):
                # Nothing but this walk's posts again: a WordPress blog past its last page, or a
                # server that ignores the page parameter.
                return pages, wordpress and page_number > 2, how
            fresh = [p for p in page.posts if p.guid not in seen and p.guid not in known]
            seen.update(guids)
            if not fresh and job.was_complete:
                return pages, True, how  # the rest was walked before
            if fresh:
                pages.append(replace(page, posts=tuple(fresh)))
            if not wordpress:
                next_url = page.next_url or page.prev_archive_url
        job.notes.append(f"stopped after {limit} archive pages (max_archive_pages)")
        return pages, False, how

    async def _backfill(
        self,
        client: httpx.AsyncClient,
        job: Job,
        head: FeedOutcome,
        first: FetchResult,
        parsed: ParsedFeed,
        timeout: float,
        hosts: dict[str, asyncio.Semaphore],
    ) -> FeedOutcome:
        """Walk the blog's archive with each source that applies, cheapest first, until one brings
        it home whole; each batch is stored in its own transaction (as backlog), so a walk that is
        killed keeps what it fetched and the next one fetches only what is missing."""
        assert job.feed_id is not None
        feed_id = job.feed_id
        store = self.store
        feed_url = first.final_url or head.url
        own = {urlsplit(feed_url).netloc}
        if job.home is not None:
            own.add(urlsplit(job.home.final_url or job.home.url).netloc)
        site_url = parsed.site_url
        if not site_url or not any(same_site(site_url, h) for h in own) or not fetching.is_remote(site_url):
            # A site link on a host the user never named is not followed: the feed's own host is read.
            site_url = (job.home.final_url or job.home.url) if job.home is not None else ""
        site = Site(
            feed_url=feed_url,
            site_url=site_url,
            feed=parsed,
            feed_body=first.body,
            home=job.home.body if job.home is not None else None,
        )
        get = _Getter(self, client, timeout, hosts, own, local=feed_url.startswith("file:"))
        every = archive_sources(self.config)
        new = head.new_posts
        pages = 1
        method: str | None = None
        complete = False
        expected: int | None = None
        note: str | None = None
        best = 0
        if not _has_paging(every) and fetching.is_remote(feed_url):
            walked, complete, how = await self._walk_archive(client, job, first, parsed, timeout, hosts)
            found = sum(self._store_batch(feed_id, p.posts, ()) for p in walked[1:])
            new += found
            pages += len(walked) - 1
            if complete or found:
                method, best = how, found
            if not complete and found:
                note = "the feed's older pages end early"
        for source in every:
            if complete:
                break
            try:
                if not source.applies(site):
                    continue
            except Exception:  # noqa: BLE001 - a source that cannot judge the blog does not apply
                continue
            walk = Walk(
                known_urls=self._known_urls(feed_id),
                known_guids=self._known_guids(feed_id),
                skip_urls=store.skipped_urls(feed_id),
                was_complete=job.was_complete,
                page_times=store.page_times(feed_id),
            )
            found = 0
            try:
                async for batch in source.walk(site, get, self._parse, walk):
                    found += self._store_batch(feed_id, batch.posts, batch.skipped)
                    if self._on_walk is not None:
                        self._on_walk(job, walk)
            except Exception as exc:  # noqa: BLE001 - one source's bug must not lose the others' posts
                walk.complete = False
                walk.note = f"{source.method}: internal error: {type(exc).__name__}: {exc}"
            walk.pages_known = walk.pages_done
            if self._on_walk is not None:
                self._on_walk(job, walk)
            new += found
            pages += walk.pages_done
            job.notes.extend(n for n in walk.notes if n not in job.notes)
            if walk.complete:
                method, complete, expected, note = source.method, True, walk.expected, None
                break
            if found > best:
                method, best, expected = source.method, found, walk.expected
                note = walk.note or note
            elif walk.complete is False and walk.note and note is None:
                note = walk.note  # a source that tried and found nothing says why
        if method is None and not complete and note is None:
            note = FEED_ONLY_NOTE
        if complete is False and job.was_complete and method is None:
            complete = True  # nothing walked this time: what was complete stays so
        with store.transaction():
            store.update_feed(
                feed_id,
                archive_complete=int(complete),
                archive_method=method,
                archive_expected=expected,
                archive_oldest=store.oldest_post(feed_id),
                archive_note=None if complete else note,
            )
        if not complete and not any("archive" in n for n in job.notes):
            job.notes.append(f"archive may be incomplete ({note})" if note else INCOMPLETE_NOTE)
        return replace(head, new_posts=new, pages=pages, archive_complete=complete, notes=tuple(job.notes))

    def _store_batch(
        self, feed_id: int, posts: Sequence[ParsedPost], skipped: Sequence[tuple[str, str]]
    ) -> int:
        """Store one batch of archive posts (as backlog) and the pages found not to be posts."""
        store = self.store
        with store.transaction():
            new = store.upsert_posts(feed_id, posts, backlog=True) if posts else 0
            if skipped:
                store.add_skipped(feed_id, skipped)
        return new

    def _known_urls(self, feed_id: int) -> set[str]:
        """Canonical URLs of the feed's posts, and their URLs as stored (sources compare either)."""
        return self.store.feed_urls(feed_id) | self.store.feed_post_urls(feed_id)

    def _known_guids(self, feed_id: int | None) -> set[str]:
        return set() if feed_id is None else self.store.feed_guids(feed_id)

    def _save(
        self,
        job: Job,
        url: str,
        first: FetchResult,
        pages: list[ParsedFeed],
        complete: bool,
        body_hash: str,
        now: datetime,
        *,
        backfill: bool = False,
    ) -> FeedOutcome:
        """Write the feed and every page's posts in one transaction (``backfill``: the first page
        of a walk that follows; its archive fields and notes come at the walk's end)."""
        store = self.store
        head = pages[0]
        with store.transaction():
            feed_id = job.feed_id if job.feed_id is not None else store.add_feed(url, now)
            job.feed_id = feed_id
            new = 0
            for page in pages:
                new += store.upsert_posts(feed_id, page.posts)
            fields: dict[str, object] = dict(
                title=head.title,
                site_url=head.site_url,
                etag=first.etag,
                last_modified=first.last_modified,
                fetched_at=now,
                error=None,
                gone=0,
                error_at=None,
                body_hash=body_hash,
            )
            if job.archive and not backfill:
                fields["archive_complete"] = int(complete)
            if url != job.location and not job.new and store.feed(url) is None:
                fields["url"] = url
                job.notes.append(f"moved permanently to {url}")
            store.update_feed(feed_id, **fields)
        if job.archive and not backfill and not complete and not any("archive" in n for n in job.notes):
            job.notes.append(INCOMPLETE_NOTE)
        return FeedOutcome(
            url=url,
            title=head.title,
            new_posts=new,
            pages=len(pages),
            archive_complete=complete if job.archive else job.was_complete,
            notes=tuple(job.notes),
        )


def _already(title: str, url: str) -> str:
    return f"already subscribed as “{title or url}” ({url})" if title else f"already subscribed as {url}"


def archive_sources(config: Config) -> list[Source]:
    """Every archive source, cheapest for the site first: platform APIs (whole posts, a hundred
    a request), feed paging (a page of posts a request), then sitemaps (a request per post).

    The API and paging modules are looked up when they exist; without paging, the refresher's
    own walk of the feed's pages (``Refresher._walk_archive``) stands in for it.
    """
    import importlib

    sources: list[Source] = []
    for name in ("platforms", "paging"):
        try:
            module = importlib.import_module(f"{__package__}.archive.{name}")
        except ImportError:
            continue
        make = getattr(module, "make_sources", None)
        if callable(make):
            try:
                sources.extend(make(config.max_archive_pages))
                continue
            except TypeError:
                pass
        sources.extend(getattr(module, "SOURCES", []))
    sources.append(SitemapSource(config.max_archive_posts))
    return sources


def _looks_like_wordpress(first: FetchResult) -> bool:
    """A feed that looks like WordPress's: its generator, a ``wp-json``/``wp-content`` link, a
    ``/feed/`` path (only then is ``?paged=2`` worth a request)."""
    head = first.body[:4096].lower()
    if b"wordpress" in head or b"wp-json" in head or b"wp-content" in head:
        return True
    path = urlsplit(first.final_url or first.url).path
    return path.rstrip("/").endswith("/feed") or "feed=" in urlsplit(first.final_url or first.url).query


def _has_paging(sources: Sequence[Source]) -> bool:
    return any(s.method in ("feed-pages", "wordpress-paged") for s in sources)


class _Getter:
    """The polite GET handed to archive sources (:class:`~.archive.base.Getter`).

    http and https only, and only the blog's own hosts (the feed's; the home page's when the user
    named it). A crawl (post pages) honours robots.txt (``Disallow`` for blogtui, and a longer
    ``Crawl-delay``), holds each of the host's two connections for ``page_delay`` after a page,
    reads at most :data:`pages.MAX_PAGE_BYTES`, and waits out a 429/503 ``Retry-After`` within
    :data:`MAX_CRAWL_RETRY_AFTER` (at most :data:`MAX_CRAWL_WAITING` in all) before going on.
    """

    def __init__(
        self,
        refresher: Refresher,
        client: httpx.AsyncClient,
        timeout: float,
        hosts: dict[str, asyncio.Semaphore],
        own: set[str],
        local: bool = False,
    ) -> None:
        self.refresher = refresher
        self.client = client
        self.timeout = timeout
        self.hosts = hosts
        self.own = own
        self.robots: dict[str, Any] = {}
        #: robots.txt documents and absent URLs, shared by every walk of the run (one request
        #: for a host's /robots.txt or /sitemap.xml, however many of its feeds are walked).
        self.robots_docs = refresher._shared
        self.locks = refresher._shared_locks
        self.waited = 0.0
        self.agent = "blogtui"  # robots.txt groups name the crawler, not its version
        #: A local feed's pages may be local files too; a remote document's links never are.
        self.local = local

    def allowed(self, url: str) -> str | None:
        """Why ``url`` may not be fetched, or None."""
        try:
            parts = urlsplit(url)
        except ValueError:
            return "not a URL"
        if parts.scheme == "file" and self.local:
            return None
        if parts.scheme not in ("http", "https"):
            return f"not an http(s) link ({parts.scheme or 'relative'}:): refused"
        if not any(same_site(url, host) for host in self.own):
            return f"on another host ({parts.netloc}): refused"
        return None

    async def __call__(self, url: str, *, crawl: bool = False) -> FetchResult:
        from .archive.pages import MAX_PAGE_BYTES

        problem = self.allowed(url)
        if problem:
            raise FetchError(problem)
        parts = urlsplit(url)
        if parts.path == "/robots.txt" and not parts.query:
            return await self._robots_doc(url)
        hold = 0.0
        max_bytes = None
        if crawl:
            robots = await self._robots(f"{parts.scheme}://{parts.netloc}/robots.txt")
            if robots is not None:
                if not robots.can_fetch(url, self.agent):
                    raise FetchError("disallowed by robots.txt")
                asked = robots.crawl_delay(self.agent)
                hold = max(self.refresher.config.page_delay, min(float(asked or 0), MAX_CRAWL_DELAY))
            else:
                hold = self.refresher.config.page_delay
            max_bytes = min(MAX_PAGE_BYTES, self.refresher.config.max_feed_bytes)
        if crawl:
            return await self._polite(url, max_bytes, hold, crawl)
        # One request at a time for a URL another walk of the run may ask for too (a host's
        # /sitemap.xml): the second asks only if the first did not find it missing.
        async with self.locks.setdefault(f"get:{url}", asyncio.Lock()):
            gone = self.robots_docs.get(url)
            if isinstance(gone, FetchError):
                raise type(gone)(str(gone))  # not there for another feed of this run
            return await self._polite(url, max_bytes, hold, crawl)

    async def _polite(self, url: str, max_bytes: int | None, hold: float, crawl: bool) -> FetchResult:
        """The GET itself, waiting out 429/503 ``Retry-After`` within the crawl's bounds."""
        for _ in range(3):
            try:
                result = await self.refresher._get(
                    self.client,
                    url,
                    self.timeout,
                    self.hosts,
                    max_bytes=max_bytes,
                    hold=hold,
                    trusted=self.local,
                )
            except FetchError as exc:
                if not crawl and _ABSENT_RE.match(str(exc)):
                    self.robots_docs[url] = exc
                wait = _asked_wait(str(exc))
                if wait is None or self.waited + wait > MAX_CRAWL_WAITING:
                    raise
                self.waited += wait
                await asyncio.sleep(wait)
                continue
            final = result.final_url or url
            problem = self.allowed(final)
            if problem:
                raise FetchError(f"redirected: {problem}")
            return result
        raise FetchError("the server kept asking to retry later (HTTP 429/503)")

    async def _robots_doc(self, url: str) -> FetchResult:
        lock = self.locks.setdefault(url, asyncio.Lock())
        async with lock:
            if url not in self.robots_docs:
                try:
                    self.robots_docs[url] = await self.refresher._get(
                        self.client, url, self.timeout, self.hosts, max_bytes=512 * 1024
                    )
                except FetchError as exc:
                    self.robots_docs[url] = exc
        found = self.robots_docs[url]
        if isinstance(found, FetchError):
            raise FetchError(str(found))
        return found

    async def _robots(self, url: str) -> Any:
        """The host's robots.txt rules (protego), or None when it has none."""
        if url in self.robots:
            return self.robots[url]
        try:
            doc = await self._robots_doc(url)
        except FetchError:
            doc = None
        rules = None
        if doc is not None and not discovery.looks_like_html(doc):
            from protego import Protego

            try:
                rules = Protego.parse(doc.body.decode("utf-8", "replace"))
            except Exception:  # noqa: BLE001 - unreadable rules forbid nothing
                rules = None
        self.robots[url] = rules
        return rules


#: A fetch error that means the URL is not there (kept for the run: another feed's walk asking
#: for the same URL gets the same answer without a request).
_ABSENT_RE = re.compile(r"HTTP (?:404|410)\b")


def _asked_wait(message: str) -> float | None:
    """Seconds a 429/503 asked to wait ("retry after N"), when within the crawl's bound."""
    match = re.search(r"retry after ([^)]+)\)", message)
    if not match or not ("HTTP 429" in message or "HTTP 503" in message):
        return None
    asked = match.group(1).strip()
    if asked.isdigit():
        seconds = float(asked)
    else:
        from datetime import timezone
        from email.utils import parsedate_to_datetime

        try:
            seconds = (parsedate_to_datetime(asked) - datetime.now(timezone.utc)).total_seconds()
        except (TypeError, ValueError):
            return None
    return max(0.0, seconds) if seconds <= MAX_CRAWL_RETRY_AFTER else None


#: ``BLOGTUI_PARSE_POOL``: ``auto`` (the default: when cores are idle), ``on`` or ``off``.
POOL_ENV = "BLOGTUI_PARSE_POOL"


def _parse_pool(feeds: int, archive: bool) -> ProcessPoolExecutor | None:
    """A pool of parser processes, one per core (at most 4), for big runs, from any thread.

    Parsing in processes costs CPU (a fork server, documents and posts pickled both ways, about
    0.4 s per 10,000 posts) and pays it back in wall time only while other cores are idle: on
    a busy machine the workers wait for the same cores as blogtui, and the run is slower than
    in threads (benchmarks/RESULTS.md). So a pool is made only when the machine leaves at least
    one core idle besides blogtui's (:func:`idle_cores`); ``BLOGTUI_PARSE_POOL=on`` or ``off``
    decides instead.

    The workers are not forked from this process, which holds the cache open, and die with it
    however it ends (``kill -9`` included): see ``parse_pool.py``.
    """
    if feeds < (POOL_MIN_FEEDS_ARCHIVE if archive else POOL_MIN_FEEDS):
        return None
    choice = os.environ.get(POOL_ENV, "auto").strip().lower()
    if choice == "off":
        return None
    cores = os.cpu_count() or 1
    if cores < 2 or (choice != "on" and idle_cores(cores) < 2):
        return None  # one core, or none idle besides the one blogtui runs on
    # Imported here: multiprocessing is 20 ms of every add and refresh that makes no pool.
    from . import parse_pool

    return parse_pool.make_pool(min(cores, 4))


def idle_cores(cores: int) -> int:
    """Cores not busy with other work, blogtui's own included: the cores less the processes
    running now (``/proc/loadavg``'s fourth field, less this process; a CPU hog shows there at
    once). Not the 1-minute load average: it still counts for a minute work that has ended (the
    run before this one), and kept the pool from ever running in a benchmark that runs another
    reader just before (idle, 100 x 100: 4.92 s with the pool against 5.73 s without); where
    ``/proc`` cannot be read, the load average stands in."""
    try:
        with open("/proc/loadavg", encoding="ascii") as stats:
            fields = stats.read().split()
        busy = float(int(fields[3].split("/")[0]) - 1)  # less this process
    except (OSError, ValueError, IndexError):
        try:
            busy = os.getloadavg()[0]
        except OSError:
            return cores
    return max(0, int(cores - busy + 0.5))


def _run_coroutine(make: Callable[[], Any]) -> Any:
    """Run a coroutine to completion, in a helper thread when this thread already runs a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


def _with_page(url: str, number: int) -> str:
    """``url`` with WordPress's ``paged`` parameter set to ``number``."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "paged"]
    query.append(("paged", str(number)))
    return urlunsplit(parts._replace(query=urlencode(query)))
