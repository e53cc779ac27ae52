"""The one façade the CLI and the TUI call: subscribe, refresh, query, read, mark, export."""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TextIO
from urllib.parse import urlsplit

from .config import DB_NAME, Config, FeedSettings, read_before, save_feed_setting
from .content.markdown import html_to_markdown
from .content.sanitize import clean_line, clean_text, safe_link
from .content.text import html_to_text, without_title
from .errors import FetchError, InteropError, LibraryError, QueryError, StoreError
from .models import (
    INCOMPLETE_NOTE,
    NOT_SAVED,
    SORT_ORDERS,
    Feed,
    FeedOutcome,
    FetchResult,
    Post,
    PostRow,
    Tag,
)
from .output import post_backup_json, post_json
from .query import READING_KEY, Compiled, Query, compile_query, is_view_name, parse
from .storage import doctor, faults, window
from .storage.batches import batches
from .storage.images import CachedImage, ImageCache
from .storage.schema import needs_upgrade
from .storage.schema import reporting as upgrade_progress
from .storage.store import Store
from .storage.window import IdSequence as PostWindow
from .storage.window import as_window

if TYPE_CHECKING:  # the fetcher, the image fetcher and the backup readers load when first used
    from .fetching.images import ImageRef, ImageReport, Prepared
    from .fetching.refresh import ProgressCallback, Refresher
    from .interop import ImportReport, Outline, RestoreReport


class Vacuumed(NamedTuple):
    """What ``Library.vacuum`` did: the cache's bytes before and after, and the posts dropped."""

    before: int
    after: int
    dropped: int


__all__ = [
    "INCOMPLETE_NOTE",
    "NOT_SAVED",
    "SORT_ORDERS",
    "Library",
    "LibraryError",
    "PostWindow",
    "as_window",
    "describe_store_error",
]


def describe_store_error(exc: BaseException, data_dir: Path | str) -> StoreError:
    """SQLite's error on the cache in ``data_dir`` as a one-line :class:`StoreError` (its ``kind``
    says which: ``full``, ``read-only``, ``damaged``, ``locked``)."""
    return faults.store_error(exc, Path(data_dir) / DB_NAME)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _order(order: str) -> str:
    if order not in SORT_ORDERS:
        raise LibraryError(f"{order}: not a sort order (use {', '.join(SORT_ORDERS)})")
    return order


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
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        """``progress(done, total)``: how far an upgrade of the cache is, every few seconds."""
        self.data_dir = Path(data_dir)
        self.config = config or Config()
        self.clock = clock
        self._local = threading.local()
        self._stores: list[tuple[threading.Thread, Store]] = []
        self._stores_lock = threading.Lock()
        self._sizes: dict[tuple[str, tuple[object, ...]], int] = {}
        self._image_thread: threading.Thread | None = None
        self._image_stop = threading.Event()
        self._image_report: ImageReport | None = None
        with upgrade_progress(progress):
            self.store  # noqa: B018 - open (and migrate) now, so a bad database fails early

    @staticmethod
    def check_cache(path: Path | str) -> doctor.CheckReport:
        """``blogtui doctor``: SQLite's ``integrity_check`` of the cache file, read-only."""
        return doctor.check(Path(path))

    @staticmethod
    def repair_cache(path: Path | str) -> doctor.RepairReport:
        """``blogtui doctor --repair``: what can be read, copied into a new cache in its place; the
        damaged file kept beside it (open no Library on it meanwhile)."""
        return doctor.repair(Path(path))

    @staticmethod
    def needs_upgrade(data_dir: Path | str) -> bool:
        """Whether opening the cache in ``data_dir`` will upgrade it (a rebuild that takes seconds)."""
        return needs_upgrade(Path(data_dir) / DB_NAME)

    @property
    def db_path(self) -> Path:
        """The SQLite file."""
        return self.data_dir / DB_NAME

    @property
    def store(self) -> Store:
        """This thread's connection to the cache."""
        store = getattr(self._local, "store", None)
        if store is None:
            store = Store(self.db_path, timeout=self.config.lock_timeout)
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
        """Close every connection this library opened (images being fetched stop first)."""
        thread = self._image_thread
        if thread is not None:
            self._image_stop.set()
            thread.join(timeout=1)  # an image in flight is abandoned: quitting never waits on it
        current = threading.current_thread()
        with self._stores_lock:
            for owner, store in self._stores:
                # A connection another thread is still using is not closed under it (SQLite would
                # crash the process): it closes when that thread ends and lets go of it.
                if owner is not current and owner.is_alive():
                    continue
                try:
                    store.close()
                except Exception:  # noqa: BLE001 - a connection that cannot close is dropped anyway
                    pass
            self._stores.clear()
        self._local = threading.local()

    # -- subscriptions -------------------------------------------------------------------------

    def feeds(self, *, words: bool = False) -> list[Feed]:
        """Every subscribed feed with its counts (and its ``words`` when asked: a pass over the
        search index's sizes, ~90 ms at 50,000 posts)."""
        feeds = self.store.feeds()
        if words:
            counted = self.store.feed_words()
            feeds = [replace(f, words=counted.get(f.id, 0)) for f in feeds]
        return feeds

    def feed_months(self, url: str) -> list[tuple[int, int, int]]:
        """A feed's dated posts per month, oldest first, as ``(year, month, posts)`` (its timeline)."""
        feed = self.store.feed(url)
        return self.store.feed_months(feed.id) if feed is not None else []

    def has_feeds(self) -> bool:
        """Whether any feed is subscribed."""
        return self.store.has_feeds()

    def feed(self, url: str, *, words: bool = False) -> Feed | None:
        """The feed stored under ``url`` (a path or file URL is normalised first), with its
        ``words`` counted when asked."""
        store = self.store
        found = store.feed(url)
        if found is None:
            from .fetching import http as fetching  # only to normalise: not on the reader's path

            try:
                found = store.feed(fetching.normalise_location(url))
            except FetchError:
                return None
        if found is not None and words:
            found = replace(found, words=store.feed_words(found.id).get(found.id, 0))
        return found

    def remove(self, url: str) -> bool:
        """Unsubscribe from a feed and delete its posts."""
        feed = self.feed(url)
        return bool(feed) and self.store.remove_feed(feed.url)  # type: ignore[union-attr]

    def rename(self, url: str, name: str) -> Feed:
        """Give a feed your own name, kept by refreshes (``""``: its feed's own title again).

        Raises:
            LibraryError: ``url`` names no subscribed feed.
        """
        feed = self.feed(url)
        if feed is None:
            raise LibraryError(f"{url}: not subscribed (see blogtui feeds)")
        self.store.rename_feed(feed.id, clean_line(name)[:200])
        return self.store.feed(feed.url) or feed

    def feed_settings(self, url: str) -> FeedSettings:
        """A feed's own settings (``[feeds."URL"]`` in config.toml; the defaults without one)."""
        return self.config.feed_settings(url)

    def set_feed_setting(self, url: str, key: str, value: bool) -> FeedSettings:
        """Set one of a feed's own settings (``archive``, ``full_article``): written to its
        ``[feeds."URL"]`` table in config.toml, and used from now on.

        Raises:
            ConfigError: not a feed setting, or config.toml cannot be read or written.
        """
        save_feed_setting(url, key, value)
        settings = replace(self.config.feed_settings(url), **{key: value})
        self.config = replace(self.config, feeds={**self.config.feeds, url: settings})
        return settings

    def vacuum(self) -> Vacuumed:
        """Apply the retention settings (``keep_per_feed``, ``drop_read_before``: never a starred
        post nor one the user tagged), then rebuild the cache compactly (``Store.vacuum``).

        Raises:
            StoreError: the cache is read-only, locked too long by another process, or cannot be
                written (one line).
        """
        store = self.store
        if store.read_only:
            store.vacuum()  # says so
        before = store.file_bytes()
        now = int(self.clock().timestamp())
        dropped = store.drop_posts(
            keep_per_feed=self.config.keep_per_feed,
            read_before=read_before(self.config.drop_read_before, now),
            now=now,
        )
        store.vacuum()
        return Vacuumed(before, store.file_bytes(), dropped)

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

        With ``archive`` the feed's older pages are walked back too (see fetching/refresh.py). Returns one
        outcome per location, in order; failures are in ``outcome.error`` (and stored on the feed
        when it was already subscribed). ``on_progress`` gets a :class:`Progress` event as each
        feed starts and ends.
        """
        refresher = self._refresher()
        mark = self._images().last_post_id()
        outcomes = refresher.run(refresher.subscribe_jobs(locations, archive), jobs, timeout, on_progress)
        self._start_images(mark)
        return outcomes

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

        Only each feed's first page is fetched, conditionally, unless ``archive``. A feed that
        answered 410 Gone is left alone unless named.

        Raises:
            LibraryError: a location names no subscribed feed.
        """
        feed_ids = None
        if locations:
            feed_ids = []
            for location in locations:
                feed = self.feed(location)
                if feed is None:
                    raise LibraryError(f"{location}: not subscribed (add it first)")
                feed_ids.append(feed.id)
        refresher = self._refresher()
        mark = self._images().last_post_id()
        outcomes = refresher.run(refresher.refresh_jobs(feed_ids, archive), jobs, timeout, on_progress)
        self._start_images(mark)
        return outcomes

    def _refresher(self) -> Refresher:
        from .fetching.refresh import Refresher

        if self.read_only:
            raise LibraryError(f"{self.db_path}: read-only (the file, its folder or the disk): not fetched")
        return Refresher(lambda: self.store, self.config, self.clock)

    @property
    def read_only(self) -> bool:
        """The cache cannot be written (a read-only medium, mount or file): reading works, a
        change raises a StoreError saying "read-only"."""
        return self.store.read_only

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

    def post_ids(
        self, text: str | Compiled | None = None, *, ranked: bool = False, order: str = "newest"
    ) -> list[int]:
        """Ids of the posts a query matches, newest first (best match first if ``ranked``, else in
        ``order``: one of :data:`SORT_ORDERS`)."""
        compiled = text if isinstance(text, Compiled) else self.compile(text)
        ids = self.store.post_ids(compiled, ranked=ranked, order=_order(order))
        self._remember_size(compiled, len(ids))
        return ids

    def post_window(
        self, text: str | Compiled | None = None, *, ranked: bool = False, order: str = "newest"
    ) -> PostWindow:
        """The ids of :meth:`post_ids`, in its order, as a list shows them: read a page at a time
        from the cache when there are many (the first screen of a million posts costs one page;
        its length, when the cache does not keep that count, is counted when first asked for:
        ``least_length()`` tells what the first page holds without counting). Read it from any
        thread."""
        compiled = text if isinstance(text, Compiled) else self.compile(text)
        ids = self.store.post_window(
            compiled, ranked=ranked, order=_order(order), store_of=lambda: self.store.db
        )
        known = window.known_length(ids)
        if known is not None:  # a window not counted yet is counted when its length is asked for
            self._remember_size(compiled, known)
        return as_window(ids)

    def count(self, text: str | Compiled | None = None) -> int:
        """How many posts a query matches (all posts when no query)."""
        compiled = text if isinstance(text, Compiled) else self.compile(text)
        size = self.store.count(compiled)
        self._remember_size(compiled, size)
        return size

    def _remember_size(self, compiled: Compiled, size: int) -> None:
        # How many posts a query matched lately (any thread): a hint for tags() within it.
        key = (compiled.where, compiled.params)
        with self._stores_lock:
            self._sizes.pop(key, None)
            self._sizes[key] = size
            while len(self._sizes) > 64:
                del self._sizes[next(iter(self._sizes))]

    def rows(self, post_ids: Sequence[int]) -> list[PostRow]:
        """List rows for these ids, in order, with their backlog mark and an untitled post's
        opening words (``storage/window.py: row_marks``)."""
        return window.row_marks(self.store.db, self.store.post_rows(post_ids))

    def posts_json(
        self,
        text: str | None = None,
        limit: int | None = None,
        *,
        ranked: bool = False,
        order: str = "newest",
    ) -> list[dict[str, object]]:
        """Posts as the ``--json`` contract objects, newest first (best match first if ``ranked``,
        else in ``order``)."""
        ids = self.store.post_ids(self.compile(text), limit=limit, ranked=ranked, order=_order(order))
        return [post_json(record) for record in self.store.post_records(ids)]

    def tags(self, text: str | Compiled | None = None) -> list[Tag]:
        """Tags with counts within a query's results (all posts when no query)."""
        compiled = text if isinstance(text, Compiled) or text is None else self.compile(text)
        if compiled is None:
            return self.store.tags()
        # The list for this query was usually just loaded: its length spares counting the posts
        # again (a stale length only makes the count slower, never wrong).
        with self._stores_lock:
            size = self._sizes.get((compiled.where, compiled.params))
        return self.store.tags(compiled, size_hint=size)

    def post(self, post_id: int) -> Post | None:
        """One post, with its Markdown (converted and cached the first time it is asked for)."""
        post = self.store.post(post_id)
        if post is None:
            return None
        if not post.content_md and post.content_html:
            markdown = html_to_markdown(post.content_html, base_url=post.url or post.feed_url)
            markdown = without_title(markdown, post.title)
            if not self.store.read_only:  # a cache, not worth an error on a read-only medium
                self.store.set_content_md(post_id, markdown)
            post = replace(post, content_md=markdown)
        return post

    def post_url(self, post_id: int) -> str | None:
        """A post's own link as the feed gave it ('' if none), or None if there is no such post."""
        return self.store.post_url(post_id)

    def fetch_full_article(self, post_id: int, *, timeout: float | None = None) -> Post:
        """Fetch a summary-only post's web page, extract the article and cache it for offline reading.

        The article replaces the post's HTML and Markdown (the feed's summary stays in ``summary``)
        and is re-indexed for search; later refreshes keep it while the feed still sends only the
        summary. Blocks on the network: call it from a worker thread, never the UI's event loop.

        Raises:
            LibraryError: no such post, no web link, the page could not be fetched, or it holds
                no article (the message is one line naming the cause).
        """
        from .content.article import extract_article
        from .errors import ArticleError
        from .fetching import http as fetching

        post = self.store.post(post_id)
        if post is None:
            raise LibraryError(f"post {post_id}: no such post")
        url = safe_link(post.url)
        if url is None or not url.startswith(("http://", "https://")):
            raise LibraryError(f"post {post_id}: no web page to fetch (link: {post.url or 'none'})")
        timeout = timeout or self.config.timeout

        async def get() -> FetchResult:
            async with fetching.make_client(1, timeout, self.config) as client:
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
        markdown = without_title(html_to_markdown(article, base_url=page_url), post.title)
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
        """Remember a value across restarts (not on a read-only cache: UI state is not worth an error)."""
        if not self.store.read_only:
            self.store.set_state(key, value)

    def reading_place(self, post_id: int) -> float | None:
        """How far down a half-read post the reader stopped (0 to 1), or None."""
        value = self.store.get_state(f"{READING_KEY}{post_id}")
        try:
            return min(1.0, max(0.0, float(value))) if value is not None else None
        except ValueError:
            return None

    def set_reading_place(self, post_id: int, place: float | None) -> None:
        """Remember how far down a post the reader is (``is:reading``); None: not half read (not
        begun, or finished)."""
        self.set_state(f"{READING_KEY}{post_id}", None if place is None else f"{place:.6f}")

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

    def user_tags(self) -> list[Tag]:
        """The tags you put on posts yourself, with how many posts carry each, by name."""
        return self.store.tags(user=True)

    def remove_user_tag(self, post_id: int, name: str) -> bool:
        """Take your own tag off a post (a feed's tags stay); False if the post had no such tag."""
        return self.store.remove_user_tag(post_id, name)

    # -- images kept with the archive -------------------------------------------------------------

    def _images(self) -> ImageCache:
        return ImageCache(self.store.db, self.data_dir)

    def _start_images(self, after_id: int) -> None:
        """Fetch the images of the posts stored after ``after_id``, in a background thread (the
        text is already stored and readable); :meth:`wait_for_images` waits for it."""
        from .fetching.images import ImageReport

        if self.config.images == "off" or self._images().last_post_id() <= after_id:
            return
        previous = self._image_thread

        def work() -> None:
            if previous is not None:
                previous.join()
            try:
                self._image_report = self.fetch_images(after_id=after_id, stop=self._image_stop)
            except Exception as exc:  # noqa: BLE001 - a background job reports, never raises
                self._image_report = ImageReport(notes=[f"images: {type(exc).__name__}: {exc}"])

        self._image_stop.clear()
        self._image_report = None
        self._image_thread = threading.Thread(target=work, name="blogtui-images", daemon=True)
        self._image_thread.start()

    @property
    def images_pending(self) -> bool:
        """Whether images a subscribe or refresh started are still being fetched."""
        return self._image_thread is not None and self._image_thread.is_alive()

    def wait_for_images(self) -> ImageReport | None:
        """Wait for the images a subscribe or refresh started fetching; what they did (None: none)."""
        thread = self._image_thread
        if thread is None:
            return None
        thread.join()
        self._image_thread = None
        return self._image_report

    def fetch_images(
        self,
        text: str | None = None,
        *,
        after_id: int | None = None,
        stop: threading.Event | None = None,
        on_note: Callable[[str], None] | None = None,
    ) -> ImageReport:
        """Fetch and keep the images of posts (the ``images`` setting says which: each post's
        first, or all) that are not kept yet, newest posts first: those a query matches (all
        by default), or those stored after ``after_id``.

        Politely (at most two at once from one host), bounded in bytes and pixels, re-encoded
        small; past ``image_cache_bytes`` the least recently read images make room (never one
        this run stored: then the run stops). Blocks on the network: call it from a worker.

        Raises:
            LibraryError: a malformed query, or the ``images`` setting is ``off``.
        """
        from .fetching.images import ImageRefused, ImageReport, fetch_images, image_refs

        mode = self.config.images
        if mode == "off":
            raise LibraryError('images = "off" in config.toml: set it to "lead" or "all" to keep images')
        post_ids = self.post_ids(self.compile(text)) if text else None
        cache = self._images()
        report = ImageReport()
        started = int(self.clock().timestamp())
        queued: set[str] = set()

        def fresh(batch: list[str]) -> Iterator[str]:
            known = cache.known(batch)
            for url in dict.fromkeys(batch):
                if url in known or url in queued:
                    report.cached += url in known
                    continue
                queued.add(url)
                yield url

        def urls() -> Iterator[str]:
            batch: list[str] = []
            for _post_id, html, base in cache.posts_with_images(after_id=after_id, post_ids=post_ids):
                refs = image_refs(html, base)
                batch.extend(r.src for r in (refs[:1] if mode == "lead" else refs))
                if len(batch) >= 100:
                    yield from fresh(batch)
                    batch = []
            yield from fresh(batch)

        def keep(url: str, result: Prepared | FetchError) -> bool:
            now = int(self.clock().timestamp())
            if isinstance(result, FetchError):
                note = f"{url}: {result}"
                report.notes.append(note)
                if isinstance(result, ImageRefused):
                    report.refused += 1
                    cache.refuse(url, str(result), now)
                else:
                    report.failed += 1
                if on_note:
                    on_note(note)
                return True
            if not cache.make_room(len(result.data), self.config.image_cache_bytes, before=started):
                report.full = True
                return False
            if cache.add(url, result.data, result.mime, result.width, result.height, now):
                report.bytes += len(result.data)
            report.stored += 1
            return True

        asyncio.run(fetch_images(urls(), keep, timeout=self.config.timeout, stop=stop, config=self.config))
        return report

    def post_images(self, post_id: int, *, touch: bool = True) -> list[tuple[ImageRef, CachedImage | None]]:
        """A post's images in order, each with its cached file (None: not kept); ``touch`` marks
        the kept ones read now (the cache evicts the least recently read first)."""
        post = self.store.post(post_id)
        return [] if post is None else self._images_of(post, touch=touch)

    def _images_of(self, post: Post, *, touch: bool) -> list[tuple[ImageRef, CachedImage | None]]:
        from .fetching.images import image_refs

        refs = image_refs(post.content_html, post.url or post.feed_url)
        now = int(self.clock().timestamp()) if touch else None
        found = self._images().lookup([r.src for r in refs], touch=now)
        return [(ref, found.get(ref.src)) for ref in refs]

    def keep_image(self, url: str, data: bytes) -> None:
        """Keep ``data`` as the image at ``url``, as if fetched from there (sniffed, bounded and
        re-encoded the same way): the demo's pictures, which must show offline.

        Raises:
            LibraryError: ``data`` is not an image blogtui keeps (the cause in a few words).
        """
        from .fetching.images import prepare

        try:
            image = prepare(data)
        except FetchError as exc:
            raise LibraryError(f"{url}: {exc}") from None
        now = int(self.clock().timestamp())
        self._images().add(url, image.data, image.mime, image.width, image.height, now)

    def image_stats(self) -> dict[str, object]:
        """What the image cache holds, as the ``images --json`` object."""
        stats = self._images().stats()
        return {
            "setting": self.config.images,
            "stored": stats.stored,
            "refused": stats.refused,
            "bytes": stats.bytes,
            "cap_bytes": self.config.image_cache_bytes,
            "directory": str(stats.directory),
        }

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
        from .interop import ImportReport, read_opml_file

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
                store.update_feed(
                    feed_id, title=outline.title, site_url=outline.site_url, folder=outline.folder
                )
        if fetch and new:
            report.added = self.subscribe(
                [o.url for o in new], archive=archive, jobs=jobs, timeout=timeout, on_progress=on_progress
            )
        else:
            report.added = [FeedOutcome(url=o.url, title=o.title) for o in new]
        return report

    @staticmethod
    def is_backup(path: Path | str) -> bool:
        """Whether a file to import is a JSON backup (else it is read as OPML)."""
        from .interop import looks_like_json

        return looks_like_json(path)

    def import_backup(self, path: Path | str, *, include_dropped: bool = False) -> RestoreReport:
        """Restore a JSON backup (``export --format json``) into this library, offline.

        Feeds it names are subscribed if they are not yet (fetched at the next refresh); posts not
        stored yet are added with their text; for every post the reader's state is merged, never
        lost: read if it was read on either side, starred likewise, and your own tags added.
        Saved views are added unless a view of that name exists (then it is kept as it is). Posts
        ``blogtui vacuum`` dropped stay out (``RestoreReport.posts_left_out``) unless
        ``include_dropped`` (see :func:`interop.restore_backup`).

        Raises:
            LibraryError: the file is unreadable, not JSON, not a blogtui backup, or newer.
        """
        from .interop import read_backup_file, restore_backup

        try:
            backup = read_backup_file(path)
        except InteropError as exc:
            raise LibraryError(str(exc)) from None
        return restore_backup(self.store, backup, include_dropped=include_dropped, now=self.clock())

    def export_opml(self) -> str:
        """Every subscription as an OPML 2.0 document."""
        from .interop import write_opml

        return write_opml(self.feeds(), now=self.clock())

    def export_json(self, out: TextIO, text: str | None = None) -> int:
        """Write feeds, saved views and the posts a query matches (all by default), with their
        state and text, as one JSON document to ``out``; returns how many posts.

        Raises:
            LibraryError: the query is malformed.
        """
        from .interop import dropped_json, write_json

        ids = self.post_ids(self.compile(text))
        return write_json(
            out,
            feeds=self.feeds(),
            views=self.views(),
            posts=self._backup_posts(ids),
            query=text or "",
            now=self.clock(),
            dropped=dropped_json(self.store),
        )

    def _backup_posts(self, ids: Sequence[int]) -> Iterator[dict[str, object]]:
        # In batches: a 50,000-post backup never sits in memory at once.
        for chunk in batches(ids):
            yield from (post_backup_json(r) for r in self.store.post_records(chunk, full=True))

    def export_epub(
        self, path: Path | str, text: str | None = None, *, on_post: Callable[[int], None] | None = None
    ) -> int:
        """Write the posts a query matches (all by default) as one EPUB 3 book, oldest first: a
        chapter per post, a table of contents by year and month, the kept images embedded, the
        feed's title and its most frequent author as the book's; returns how many chapters.

        Raises:
            LibraryError: a malformed query, or the file cannot be written.
        """
        from collections import Counter

        from .interop_epub import Chapter, EpubImage, write_epub

        ids = self.post_ids(self.compile(text))[::-1]
        feeds: Counter[str] = Counter()
        authors: Counter[str] = Counter()
        for chunk in batches(ids):
            for record in self.store.post_records(chunk):
                feeds[record.feed_title or record.feed_url] += 1
                if record.author:
                    authors[record.author] += 1
        names = [name for name, _ in feeds.most_common()]
        title = names[0] if len(names) == 1 else " · ".join(names[:3]) + (" …" if len(names) > 3 else "")
        if text:
            title = f"{title or 'blogtui'} ({text})"

        def chapters() -> Iterator[Chapter]:
            for post_id in ids:
                post = self.store.post(post_id)
                if post is None:  # removed meanwhile
                    continue
                images = {
                    ref.src: EpubImage(c.path, c.mime) for ref, c in self._images_of(post, touch=True) if c
                }
                yield Chapter(
                    title=post.title,
                    html=post.content_html or post.summary,
                    base_url=post.url or post.feed_url,
                    url=post.url,
                    author=post.author,
                    published=post.published,
                    feed_title=post.feed_title,
                    images=images,
                )
                if on_post:
                    on_post(post_id)

        identifier = "urn:blogtui:" + hashlib.sha1(f"{sorted(feeds)}|{text or ''}".encode()).hexdigest()
        try:
            return write_epub(
                path,
                chapters(),
                title=title or "blogtui",
                author=authors.most_common(1)[0][0] if authors else "",
                identifier=identifier,
            )
        except InteropError as exc:
            raise LibraryError(str(exc)) from None

    def export_markdown(
        self, directory: Path | str, text: str | None = None, *, on_post: Callable[[Path], None] | None = None
    ) -> int:
        """Write one Markdown file with YAML front matter per post a query matches (all by default)
        into ``directory`` (created if needed); returns how many files.

        Raises:
            LibraryError: a malformed query, or the directory or a file cannot be written.
        """
        from .interop import prepare_directory, write_markdown_file

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
