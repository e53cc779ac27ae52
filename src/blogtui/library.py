"""The one façade the CLI and the TUI call: subscribe, refresh, query, read, mark, export."""

from __future__ import annotations

import asyncio
import hashlib
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from . import fetch as fetching
from .config import DB_NAME, Config
from .content import clean_text, html_to_markdown, html_to_text, safe_link
from .fetch import FetchError
from .interop import (
    ImportReport,
    InteropError,
    Outline,
    prepare_directory,
    read_opml_file,
    write_json,
    write_markdown_file,
    write_opml,
)

if TYPE_CHECKING:
    import httpx

from .models import Feed, FeedOutcome, FetchResult, ParsedFeed, Post, PostRow, Progress, Tag
from .parse import NotAFeedError, parse_feed
from .query import Compiled, Query, QueryError, compile_query, is_view_name, parse
from .store import Store

ProgressCallback = Callable[[Progress], None]


class LibraryError(Exception):
    """A request the library cannot carry out (unknown feed, bad query, ...)."""


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class _Job:
    """One feed being fetched: where it is stored and what it was asked to do."""

    location: str
    feed_id: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    archive: bool = False
    new: bool = False
    notes: list[str] = field(default_factory=list)


class Library:
    """A reader's library: the cache in ``data_dir`` plus the rules for filling it.

    Every thread gets its own SQLite connection, so the TUI's workers and a CLI refresh in
    another process can all use the same database.
    """

    def __init__(
        self,
        data_dir: Path | str,
        config: Config | None = None,
        *,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.config = config or Config()
        self.clock = clock
        self._local = threading.local()
        self._stores: list[tuple[threading.Thread, Store]] = []
        self._pool: ProcessPoolExecutor | None = None
        self._stores_lock = threading.Lock()
        self.store  # noqa: B018 - open (and migrate) now, so a bad database fails early

    @property
    def db_path(self) -> Path:
        """The SQLite file."""
        return self.data_dir / DB_NAME

    @property
    def store(self) -> Store:
        """This thread's connection to the cache."""
        store = getattr(self._local, "store", None)
        if store is None:
            store = Store(self.db_path)
            self._local.store = store
            with self._stores_lock:
                self._close_orphans()
                self._stores.append((threading.current_thread(), store))
        return store

    def _close_orphans(self) -> None:
        # Worker threads come and go (the TUI starts one per job): close the connections of
        # threads that have ended, so they do not pile up.
        alive = []
        for thread, store in self._stores:
            if thread.is_alive():
                alive.append((thread, store))
            else:
                try:
                    store.close()
                except Exception:  # noqa: BLE001 - a connection that cannot close is dropped anyway
                    pass
        self._stores = alive

    def close(self) -> None:
        """Close every connection this library opened."""
        with self._stores_lock:
            for _thread, store in self._stores:
                try:
                    store.close()
                except Exception:  # noqa: BLE001 - closing from another thread may be refused
                    pass
            self._stores.clear()
        self._local = threading.local()

    # -- subscriptions -------------------------------------------------------------------------

    def feeds(self) -> list[Feed]:
        """Every subscribed feed with its counts."""
        return self.store.feeds()

    def has_feeds(self) -> bool:
        """Whether any feed is subscribed."""
        return self.store.has_feeds()

    def feed(self, url: str) -> Feed | None:
        """The feed stored under ``url`` (a path or file URL is normalised first)."""
        store = self.store
        found = store.feed(url)
        if found is None:
            try:
                found = store.feed(fetching.normalise_location(url))
            except FetchError:
                return None
        return found

    def remove(self, url: str) -> bool:
        """Unsubscribe from a feed and delete its posts."""
        feed = self.feed(url)
        return bool(feed) and self.store.remove_feed(feed.url)  # type: ignore[union-attr]

    def subscribe(
        self,
        locations: Sequence[str],
        *,
        archive: bool = True,
        jobs: int | None = None,
        timeout: float | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> list[FeedOutcome]:
        """Subscribe to feeds (URL, blog home page, ``file://`` URL or path) and fetch them.

        Returns one outcome per location, in order; failures are in ``outcome.error``.
        """
        jobs_list: list[_Job] = []
        outcomes: dict[int, FeedOutcome] = {}
        for index, location in enumerate(locations):
            try:
                url = fetching.normalise_location(location)
            except FetchError as exc:
                outcomes[index] = FeedOutcome(url=location, error=str(exc))
                jobs_list.append(_Job(location=location))
                continue
            stored = self.store.feed(url)
            jobs_list.append(
                _Job(
                    location=url,
                    feed_id=stored.id if stored else None,
                    archive=archive,
                    new=stored is None,
                )
            )
        todo = [i for i in range(len(jobs_list)) if i not in outcomes]
        results = self._run([jobs_list[i] for i in todo], jobs, timeout, on_progress)
        outcomes.update(zip(todo, results))
        return [outcomes[i] for i in range(len(jobs_list))]

    def refresh(
        self,
        locations: Sequence[str] | None = None,
        *,
        archive: bool = False,
        jobs: int | None = None,
        timeout: float | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> list[FeedOutcome]:
        """Fetch subscribed feeds again (all of them when ``locations`` is empty).

        Raises:
            LibraryError: a location names no subscribed feed.
        """
        feeds = self.store.feeds()
        if not locations:
            # A feed that answered 410 Gone is left alone unless asked for by name.
            gone = self.store.gone_feeds()
            feeds = [f for f in feeds if f.url not in gone]
        if locations:
            chosen = []
            for location in locations:
                feed = self.feed(location)
                if feed is None:
                    raise LibraryError(f"{location}: not subscribed (add it first)")
                chosen.append(feed)
            feeds = chosen
        jobs_list = [
            _Job(
                location=f.url,
                feed_id=f.id,
                etag=None if archive else f.etag,
                last_modified=None if archive else f.last_modified,
                body_hash=None if archive else self.store.feed_body_hash(f.id),
                archive=archive,
            )
            for f in feeds
        ]
        return self._run(jobs_list, jobs, timeout, on_progress)

    def _run(
        self,
        jobs_list: list[_Job],
        jobs: int | None,
        timeout: float | None,
        on_progress: ProgressCallback | None,
    ) -> list[FeedOutcome]:
        if not jobs_list:
            return []
        jobs = max(1, jobs or self.config.jobs)
        timeout = timeout or self.config.timeout
        return _run_coroutine(lambda: self._run_async(jobs_list, jobs, timeout, on_progress))

    async def _run_async(
        self,
        jobs_list: list[_Job],
        jobs: int,
        timeout: float,
        on_progress: ProgressCallback | None,
    ) -> list[FeedOutcome]:
        gate = asyncio.Semaphore(jobs)
        hosts: dict[str, asyncio.Semaphore] = {}
        done = 0
        total = len(jobs_list)
        new_total = 0

        async def one(job: _Job) -> FeedOutcome:
            nonlocal done, new_total
            async with gate:
                try:
                    outcome = await self._update(client, job, timeout, hosts)
                except fetching.FeedGoneError as exc:
                    outcome = self._fail(job, str(exc), gone=True)
                except (FetchError, NotAFeedError, LibraryError) as exc:
                    outcome = self._fail(job, str(exc))
                except Exception as exc:  # noqa: BLE001 - one feed's bug must not stop the others
                    outcome = self._fail(job, f"internal error: {type(exc).__name__}: {exc}")
            done += 1
            new_total += outcome.new_posts
            if on_progress:
                on_progress(Progress(done, total, outcome.url, new_total, outcome.error or ""))
            return outcome

        self._pool = _parse_pool(total)
        try:
            async with fetching.make_client(jobs, timeout) as client:
                if on_progress:
                    on_progress(Progress(0, total))
                return list(await asyncio.gather(*(one(j) for j in jobs_list)))
        finally:
            if self._pool is not None:
                self._pool.shutdown(cancel_futures=True)
                self._pool = None

    async def _parse(self, body: bytes, url: str) -> ParsedFeed:
        """Parse a document off the event loop: in the process pool when it pays, else a thread."""
        if self._pool is not None and len(body) >= POOL_MIN_BYTES:
            loop = asyncio.get_running_loop()
            try:
                return await loop.run_in_executor(self._pool, parse_feed, body, url)
            except BrokenProcessPool:
                self._pool = None
        return await asyncio.to_thread(parse_feed, body, url)

    def _fail(self, job: _Job, error: str, *, gone: bool = False) -> FeedOutcome:
        if job.feed_id is not None:
            with self.store.transaction():
                self.store.update_feed(job.feed_id, error=error, error_at=self.clock(), gone=int(gone))
        return FeedOutcome(url=job.location, error=error, notes=tuple(job.notes))

    async def _get(
        self,
        client: httpx.AsyncClient,
        url: str,
        timeout: float,
        hosts: dict[str, asyncio.Semaphore],
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> FetchResult:
        host = urlsplit(url).netloc
        gate = hosts.setdefault(host, asyncio.Semaphore(2))
        async with gate:
            return await fetching.fetch(
                client,
                url,
                etag=etag,
                last_modified=last_modified,
                timeout=timeout,
                max_bytes=self.config.max_feed_bytes,
            )

    async def _update(
        self,
        client: httpx.AsyncClient,
        job: _Job,
        timeout: float,
        hosts: dict[str, asyncio.Semaphore],
    ) -> FeedOutcome:
        url = job.location
        first = await self._get(client, url, timeout, hosts, job.etag, job.last_modified)
        now = self.clock()
        if first.not_modified and job.feed_id is not None:
            with self.store.transaction():
                self.store.update_feed(job.feed_id, fetched_at=now, error=None)
            feed = self.store.feed_by_id(job.feed_id)
            return FeedOutcome(url=url, title=feed.title if feed else "", not_modified=True)
        if fetching.looks_like_html(first):
            first = await self._discover(client, first, timeout, hosts, job)
            url = first.final_url or first.url
            stored = self.store.feed(url)
            if stored is not None and job.new:
                job.feed_id, job.new = stored.id, False
        body_hash = hashlib.sha1(first.body).hexdigest()
        if job.body_hash and body_hash == job.body_hash and job.feed_id is not None:
            with self.store.transaction():
                self.store.update_feed(
                    job.feed_id, fetched_at=now, error=None, etag=first.etag,
                    last_modified=first.last_modified,
                )  # fmt: skip
            feed = self.store.feed_by_id(job.feed_id)
            return FeedOutcome(url=url, title=feed.title if feed else "", not_modified=True)
        parsed = await self._parse(first.body, first.final_url or url)
        if not parsed.posts and parsed.bozo:
            raise NotAFeedError(f"not a feed ({parsed.bozo})")
        pages = [parsed]
        complete = False
        if job.archive:
            pages, complete = await self._walk_archive(client, job, first, parsed, timeout, hosts)
        final_url = url
        if first.permanent_redirect and first.final_url:
            final_url = first.final_url
        return self._save(job, final_url, first, pages, complete, body_hash, now)

    async def _discover(
        self,
        client: httpx.AsyncClient,
        page: FetchResult,
        timeout: float,
        hosts: dict[str, asyncio.Semaphore],
        job: _Job,
    ) -> FetchResult:
        page_url = page.final_url or page.url
        declared = fetching.discover_links(page.body, page_url)
        candidates = declared or fetching.guess_urls(page_url)
        for candidate in candidates:
            try:
                result = await self._get(client, candidate, timeout, hosts)
            except FetchError:
                continue
            if fetching.looks_like_html(result):
                continue
            try:
                await self._parse(result.body, candidate)
            except NotAFeedError:
                continue
            how = "declared by the page" if declared else "found by guessing"
            job.notes.append(f"using feed {result.final_url or candidate} ({how})")
            return replace(result, url=result.final_url or candidate, permanent_redirect=False)
        raise NotAFeedError("a web page that names no feed (no <link rel=alternate>, no usual feed path)")

    async def _walk_archive(
        self,
        client: httpx.AsyncClient,
        job: _Job,
        first: FetchResult,
        parsed: ParsedFeed,
        timeout: float,
        hosts: dict[str, asyncio.Semaphore],
    ) -> tuple[list[ParsedFeed], bool]:
        """Follow RFC 5005 / rel=next pages, else WordPress ``?paged=N``, until nothing new."""
        pages = [parsed]
        known = self._known_guids(job.feed_id)
        seen = {p.guid for p in parsed.posts}
        first_url = first.final_url or first.url
        visited = {first.url, first_url}
        limit = max(1, self.config.max_archive_pages)
        next_url = parsed.next_url or parsed.prev_archive_url
        wordpress = next_url is None and fetching.is_remote(first_url)
        page_number = 1
        while len(pages) < limit:
            if wordpress:
                page_number += 1
                next_url = _with_page(first_url, page_number)
            if not next_url or next_url in visited:
                # Complete when an archive chain was followed to its end (not when there was none).
                return pages, not wordpress and next_url is None and len(pages) > 1
            visited.add(next_url)
            try:
                result = await self._get(client, next_url, timeout, hosts)
            except FetchError as exc:
                if wordpress and "HTTP 404" in str(exc) and page_number > 2:
                    return pages, True
                if not wordpress:
                    job.notes.append(f"archive page {next_url}: {exc}")
                return pages, False
            try:
                page = await self._parse(result.body, result.final_url or next_url)
            except NotAFeedError as exc:
                if not wordpress:
                    job.notes.append(f"archive page {next_url}: {exc}")
                return pages, False
            fresh = [p for p in page.posts if p.guid not in seen and p.guid not in known]
            if not fresh:
                # A WordPress blog past its last page, or an archive we already hold.
                return pages, wordpress and page_number > 2
            seen.update(p.guid for p in page.posts)
            pages.append(replace(page, posts=tuple(fresh)))
            if not wordpress:
                next_url = page.next_url or page.prev_archive_url
        job.notes.append(f"stopped after {limit} archive pages (max_archive_pages)")
        return pages, False

    def _known_guids(self, feed_id: int | None) -> set[str]:
        if feed_id is None:
            return set()
        return {r[0] for r in self.store.db.execute("SELECT guid FROM posts WHERE feed_id = ?", (feed_id,))}

    def _save(
        self,
        job: _Job,
        url: str,
        first: FetchResult,
        pages: list[ParsedFeed],
        complete: bool,
        body_hash: str,
        now: datetime,
    ) -> FeedOutcome:
        store = self.store
        head = pages[0]
        with store.transaction():
            feed_id = job.feed_id
            if feed_id is None:
                existing = store.feed(url)
                feed_id = existing.id if existing else None
            if feed_id is None:
                store.db.execute(
                    "INSERT INTO feeds(url, added_at) VALUES (?, ?)", (url, int(now.timestamp()))
                )
                feed_id = int(store.db.execute("SELECT id FROM feeds WHERE url = ?", (url,)).fetchone()[0])
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
            if job.archive:
                fields["archive_complete"] = int(complete)
            current = store.feed_by_id(feed_id)
            if current and current.url != url and store.feed(url) is None:
                fields["url"] = url
            store.update_feed(feed_id, **fields)
        if job.archive and not complete and not any("archive" in n for n in job.notes):
            job.notes.append("archive may be incomplete (the feed offers no older pages)")
        return FeedOutcome(
            url=url,
            title=head.title,
            new_posts=new,
            pages=len(pages),
            archive_complete=complete,
            notes=tuple(job.notes),
        )

    # -- reading -------------------------------------------------------------------------------

    def compile(self, text: str | Query | None, *, prefix_last: bool = False) -> Compiled:
        """Parse and compile a query, expanding saved views (``@name``).

        Args:
            text: query text (or an already parsed query).
            prefix_last: search as you type: a final word matches the words it begins. Ignored
                when the text ends with a space (the word is finished).

        Raises:
            LibraryError: the query is malformed or names an unknown view (the message names
                the part). While typing, keep the previous results on this error.
        """
        try:
            if isinstance(text, Query):
                query = text
            else:
                prefix_last = prefix_last and not (text or " ")[-1].isspace()
                query = parse(text or "")
            return compile_query(query, prefix_last=prefix_last, views=self.store.view_query)
        except QueryError as exc:
            raise LibraryError(str(exc)) from None

    def post_ids(self, text: str | Compiled | None = None, *, ranked: bool = False) -> list[int]:
        """Ids of the posts a query matches, newest first (best match first if ``ranked``)."""
        compiled = text if isinstance(text, Compiled) else self.compile(text)
        return self.store.post_ids(compiled, ranked=ranked)

    def count(self, text: str | Compiled | None = None) -> int:
        """How many posts a query matches (all posts when no query)."""
        compiled = text if isinstance(text, Compiled) else self.compile(text)
        return self.store.count(compiled)

    def rows(self, post_ids: Sequence[int]) -> list[PostRow]:
        """List rows for these ids, in order."""
        return self.store.post_rows(post_ids)

    def posts_json(
        self, text: str | None = None, limit: int | None = None, *, ranked: bool = False
    ) -> list[dict[str, object]]:
        """Posts as the ``--json`` contract objects, newest first (best match first if ``ranked``)."""
        ids = self.store.post_ids(self.compile(text), limit=limit, ranked=ranked)
        return self.store.posts_for_export(ids)

    def tags(self, text: str | Compiled | None = None) -> list[Tag]:
        """Tags with counts within a query's results (all posts when no query)."""
        compiled = text if isinstance(text, Compiled) or text is None else self.compile(text)
        return self.store.tags(compiled)

    def post(self, post_id: int) -> Post | None:
        """One post, with its Markdown (converted and cached the first time it is asked for)."""
        post = self.store.post(post_id)
        if post is None:
            return None
        if not post.content_md and post.content_html:
            markdown = html_to_markdown(post.content_html, base_url=post.url or post.feed_url)
            self.store.set_content_md(post_id, markdown)
            post = replace(post, content_md=markdown)
        return post

    def fetch_full_article(self, post_id: int, *, timeout: float | None = None) -> Post:
        """Fetch a summary-only post's web page, extract the article and cache it for offline reading.

        The article replaces the post's HTML and Markdown (the feed's summary stays in ``summary``)
        and is re-indexed for search; later refreshes keep it while the feed still sends only the
        summary. Blocks on the network: call it from a worker thread, never the UI's event loop.

        Raises:
            LibraryError: no such post, no web link, the page could not be fetched, or it holds
                no article (the message is one line naming the cause).
        """
        from .article import ArticleError, extract_article

        post = self.store.post(post_id)
        if post is None:
            raise LibraryError(f"post {post_id}: no such post")
        url = safe_link(post.url)
        if url is None or not url.startswith(("http://", "https://")):
            raise LibraryError(f"post {post_id}: no web page to fetch (link: {post.url or 'none'})")
        timeout = timeout or self.config.timeout

        async def get() -> FetchResult:
            async with fetching.make_client(1, timeout) as client:
                return await fetching.fetch(
                    client, url, timeout=timeout, max_bytes=self.config.max_feed_bytes
                )

        try:
            page = asyncio.run(get())
        except FetchError as exc:
            raise LibraryError(f"{url}: {exc}") from None
        page_url = page.final_url or url
        try:
            article = clean_text(extract_article(page.body, page_url, page.content_type))
        except ArticleError as exc:
            raise LibraryError(f"{url}: {exc}") from None
        markdown = html_to_markdown(article, base_url=page_url)
        self.store.set_content_html(post_id, article, html_to_text(article), markdown)
        full = self.post(post_id)
        if full is None:  # removed meanwhile
            raise LibraryError(f"post {post_id}: no such post")
        return full

    def mark_read(self, post_ids: Iterable[int], read: bool = True) -> int:
        """Mark posts read (or unread); returns how many exist."""
        return self.store.mark(list(post_ids), read=read)

    def star(self, post_ids: Iterable[int], starred: bool = True) -> int:
        """Star (or unstar) posts; returns how many exist."""
        return self.store.mark(list(post_ids), starred=starred)

    def mark_all_read(self, text: str | Compiled | None = None) -> int:
        """Mark every post a query matches as read."""
        compiled = text if isinstance(text, Compiled) else self.compile(text)
        return self.store.mark_where(compiled, read=True)

    def missing_posts(self, post_ids: Sequence[int]) -> list[int]:
        """Which of these ids name no post."""
        found = self.store.existing_ids(post_ids)
        return [i for i in post_ids if i not in found]

    def get_state(self, key: str, default: str | None = None) -> str | None:
        """A value remembered across restarts (last filter, last post, ...)."""
        return self.store.get_state(key, default)

    def set_state(self, key: str, value: str | None) -> None:
        """Remember a value across restarts."""
        self.store.set_state(key, value)

    # -- search: saved views, the user's own tags ----------------------------------------------

    def views(self) -> list[tuple[str, str]]:
        """Saved views as ``(name, query)``, by name (the sidebar lists them; ``@name`` uses one)."""
        return self.store.views()

    def view(self, name: str) -> str | None:
        """The query saved as ``name`` (any case), or None."""
        return self.store.view_query(name)

    def save_view(self, name: str, query: str) -> None:
        """Save a query under a name, replacing a view of that name (names match in any case).

        Raises:
            LibraryError: a bad name, a malformed query, or a view that would include itself or
                an unknown view (the message names the part).
        """
        name = name.strip().lstrip("@")
        if not is_view_name(name):
            raise LibraryError(f"{name or '(empty)'}: not a view name (letters, digits, _ . + -, up to 64)")
        query = " ".join(query.split())
        if not query:
            raise LibraryError(f"@{name}: needs a query")

        def lookup(other: str) -> str | None:
            return query if other.casefold() == name.casefold() else self.store.view_query(other)

        try:
            compile_query(parse(query), views=lookup)
            compile_query(parse(f"@{name}"), views=lookup)
        except QueryError as exc:
            raise LibraryError(str(exc)) from None
        self.store.save_view(name, query)

    def delete_view(self, name: str) -> bool:
        """Forget a saved view; False if there is none of that name."""
        return self.store.delete_view(name.strip().lstrip("@"))

    def post_tags(self, post_id: int, *, user: bool | None = None) -> list[str]:
        """A post's tags: all, only the user's own (``user=True``) or only the feed's (``False``)."""
        return self.store.post_tags(post_id, user=user)

    def add_user_tag(self, post_id: int, name: str) -> str:
        """Tag a post yourself (kept across refreshes, shown apart from the feed's tags).

        A tag that exists in another case or spacing is reused (``Python`` = ``python ``).
        Returns the tag's stored name.

        Raises:
            LibraryError: no such post, or an empty name.
        """
        if not " ".join(name.split()):
            raise LibraryError(f"post {post_id}: a tag needs a name")
        stored = self.store.add_user_tag(post_id, clean_text(name))
        if stored is None:
            raise LibraryError(f"post {post_id}: no such post")
        return stored

    def remove_user_tag(self, post_id: int, name: str) -> bool:
        """Take your own tag off a post (a feed's tags stay); False if the post had no such tag."""
        return self.store.remove_user_tag(post_id, name)

    # -- interop: OPML, JSON and Markdown --------------------------------------------------------

    def import_opml(
        self,
        path: Path | str,
        *,
        fetch: bool = True,
        archive: bool = True,
        jobs: int | None = None,
        timeout: float | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> ImportReport:
        """Subscribe to the feeds an OPML file names that are not subscribed yet.

        Each new feed is recorded first (with the OPML's title), then fetched like ``subscribe``
        does, unless ``fetch`` is False; a feed whose fetch fails stays subscribed with its error,
        so a later refresh retries. Feeds already subscribed and repeats in the file are skipped.

        Raises:
            LibraryError: the file is unreadable, not OPML, or unsafe XML (one line, naming it).
        """
        try:
            outlines = read_opml_file(path)
        except InteropError as exc:
            raise LibraryError(str(exc)) from None
        report = ImportReport()
        seen: set[str] = set()
        new: list[Outline] = []
        for outline in outlines:
            url = outline.url
            if url.lower().startswith("feed://"):  # an old convention for "open in a feed reader"
                url = "https://" + url[7:]
            # Only absolute URLs: a bare path in a downloaded OPML must not name a local file.
            if urlsplit(url).scheme.lower() not in ("http", "https", "file"):
                report.skipped.append((outline.url, "not an http, https or file URL"))
                continue
            if url in seen:
                report.duplicates.append(url)
                continue
            seen.add(url)
            if self.store.feed(url) is not None:
                report.already.append(url)
                continue
            new.append(replace(outline, url=url))
        store = self.store
        for outline in new:
            feed_id = store.add_feed(outline.url, self.clock())
            with store.transaction():
                store.update_feed(feed_id, title=outline.title, site_url=outline.site_url)
        if fetch and new:
            report.added = self.subscribe(
                [o.url for o in new], archive=archive, jobs=jobs, timeout=timeout, on_progress=on_progress
            )
        else:
            report.added = [FeedOutcome(url=o.url, title=o.title) for o in new]
        return report

    def export_opml(self) -> str:
        """Every subscription as an OPML 2.0 document."""
        return write_opml(self.feeds(), now=self.clock())

    def export_json(self, out: TextIO, text: str | None = None) -> int:
        """Write feeds, saved views and the posts a query matches (all by default), with their
        state and text, as one JSON document to ``out``; returns how many posts.

        Raises:
            LibraryError: the query is malformed.
        """
        ids = self.post_ids(self.compile(text))
        return write_json(
            out,
            feeds=self.feeds(),
            views=self.views(),
            posts=self.store.posts_for_backup(ids),
            query=text or "",
            now=self.clock(),
        )

    def export_markdown(
        self, directory: Path | str, text: str | None = None, *, on_post: Callable[[Path], None] | None = None
    ) -> int:
        """Write one Markdown file with YAML front matter per post a query matches (all by default)
        into ``directory`` (created if needed); returns how many files.

        Raises:
            LibraryError: a malformed query, or the directory or a file cannot be written.
        """
        ids = self.post_ids(self.compile(text))
        try:
            folder = prepare_directory(directory)
            written = 0
            for post_id in ids:
                post = self.post(post_id)
                if post is None:  # removed meanwhile
                    continue
                path = write_markdown_file(
                    folder, post, self.post_tags(post_id, user=False), self.post_tags(post_id, user=True)
                )
                written += 1
                if on_post:
                    on_post(path)
        except InteropError as exc:
            raise LibraryError(str(exc)) from None
        return written


#: Feeds per run from which parsing moves to a pool of processes (feedparser holds the GIL).
POOL_MIN_FEEDS = 4
#: Documents smaller than this are parsed in a thread: shipping them to a process costs more.
POOL_MIN_BYTES = 32 * 1024


def _parse_pool(feeds: int) -> ProcessPoolExecutor | None:
    """A pool of parser processes, one per core, for big runs started from the main thread.

    Forking is kept to the main thread (the CLI): the TUI runs fetches in worker threads, and a
    fork from a threaded program may copy a lock held by another thread.
    """
    if feeds < POOL_MIN_FEEDS or threading.current_thread() is not threading.main_thread():
        return None
    cores = os.cpu_count() or 1
    if cores < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    return ProcessPoolExecutor(max_workers=min(cores, 4), mp_context=multiprocessing.get_context("fork"))


def _run_coroutine(make: Callable[[], Any]) -> Any:
    """Run a coroutine to completion, in a helper thread when this thread already runs a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


def _with_page(url: str, number: int) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "paged"]
    query.append(("paged", str(number)))
    return urlunsplit(parts._replace(query=urlencode(query)))
