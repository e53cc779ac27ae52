"""The SQLite cache: schema and migrations, feed and post writes, and the queries lists are built from."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..content.text import html_to_text
from ..errors import StoreError
from ..models import Feed, FeedState, ParsedPost, Post, PostRecord, PostRow
from ..query import Compiled, fold_key, fold_tag, index_key, index_key_sql, index_rows
from ..urls import canonical_url
from . import faults
from .batches import batches, insert_rows, marks
from .codec import Codec
from .schema import MIGRATIONS, SCHEMA_VERSION
from .search import SearchPlanner

#: The page size of a new cache (SQLite's default is 4096).
PAGE_SIZE = 8192
#: Free pages a write leaves in the file before it gives them back (``_trim``).
TRIM_PAGES = 64


def _ts(value: datetime | None) -> int:
    return int(value.timestamp()) if value else 0


def _fts_body_size(sizes: bytes) -> int:
    """The body's token count in an FTS5 ``_docsize`` blob (one varint per column: body,
    title, author; schema 13)."""
    values, value = [], 0
    for byte in sizes:  # SQLite's varints: seven bits a byte, most significant first
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            values.append(value)
            value = 0
    return values[0] if values else 0


def _dt(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value, tz=timezone.utc) if value else None


def normalise_tag(name: str) -> str:
    """One spelling per tag: whitespace folded (case is folded by the column's NOCASE collation)."""
    return " ".join(name.split())


def _fold(value: str | bytes | int | float | None) -> str | bytes | int | float | None:
    return fold_tag(value) if isinstance(value, str) else value


def _key(value: str | bytes | int | float | None) -> str | bytes | int | float | None:
    return fold_key(value) if isinstance(value, str) else value


class Store(SearchPlanner):
    """One SQLite connection to ``blogtui.db``. Use one Store per thread."""

    def __init__(self, path: Path | str, *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        #: The cache cannot be written (a read-only medium or mount, a file that may not change):
        #: it is read as it is; a write raises a StoreError saying "read-only" (``faults.py``).
        self.read_only = False
        try:
            if str(path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.read_only = self.path.exists() and not faults.writable(self.path)
            self.db = sqlite3.connect(
                faults.read_only_uri(self.path) if self.read_only else str(path),
                timeout=timeout,
                isolation_level=None,
                check_same_thread=False,
                uri=self.read_only,
            )
            self.db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            if not self.read_only:
                if self.db.execute("PRAGMA page_count").fetchone()[0] == 0:
                    # A new cache: set before any table. 8 KB pages hold the ~850-byte packed post
                    # rows with half the room left over of 4 KB ones (-2 % of the file); it gives
                    # back the pages it stops using (_trim).
                    self.db.execute(f"PRAGMA page_size = {PAGE_SIZE}")
                    self.db.execute("PRAGMA auto_vacuum = INCREMENTAL")
                self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = NORMAL")
            self.db.execute("PRAGMA foreign_keys = ON")
            # 8 MB of pages per connection (each thread has one: the UI's, the list's, the
            # reader's...), the operating system's file cache behind them. At a million posts
            # 32 MB each let a scan fill them all: peak RSS 284 MB against 135 MB, for filter
            # changes 5-10 % faster (tui_bench.py on make_cache.py's 1M cache, 2 runs each).
            self.db.execute("PRAGMA cache_size = -8000")
            self.db.row_factory = sqlite3.Row  # rows are read by column name
            # Tag and feed matching in any script (NOCASE folds only ASCII): see query.fold_tag.
            self.db.create_function("blogtui_fold", 1, _fold, deterministic=True)
            # tag: and feed: in a query: case and accents do not matter (query.fold_key).
            self.db.create_function("blogtui_key", 1, _key, deterministic=True)
            #: The posts' HTML, summary and Markdown are stored packed (storage/codec.py).
            self.codec = Codec(self.db)
            # SQL reads them through blogtui_text(column) (a packed value is a BLOB).
            self.db.create_function("blogtui_text", 1, self.codec.unpack, deterministic=True)
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise faults.store_error(exc, self.path) from None
        except FileExistsError:
            raise StoreError(f"{self.path.parent}: not a directory (the data dir must be one)") from None
        except OSError as exc:
            raise StoreError(f"{path}: {exc.strerror or exc}") from None
        self._lock = threading.RLock()
        self._trim_due = False  # posts were stored: free pages may be given back (_trim)

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self.path}: made by a newer blogtui (schema {version})")
        if self.read_only and version < SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: read-only, and made by an older blogtui (schema {version}): open it once"
                " where it can be written, to upgrade it"
            )
        while version < SCHEMA_VERSION:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                current = self.db.execute("PRAGMA user_version").fetchone()[0]
                if current != version:  # another process migrated meanwhile
                    self.db.execute("ROLLBACK")
                    version = current
                    continue
                MIGRATIONS[version](self.db)
                self.db.execute(f"PRAGMA user_version = {version + 1}")
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            version += 1

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """A write transaction: everything inside lands together or not at all.

        Raises:
            StoreError: SQLite could not write (a full disk, a read-only cache, a damaged file, a
                lock held too long by another process): one line naming the file and the cause.
        """
        with self._lock:
            try:
                self.db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise faults.store_error(exc, self.path) from None
            try:
                yield
                self.db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise faults.store_error(exc, self.path) from None
            except BaseException:
                self._rollback()
                raise
            if self._trim_due:
                self._trim()

    def _rollback(self) -> None:
        # SQLite may have rolled back already (a full disk does, for some statements).
        if self.db.in_transaction:
            try:
                self.db.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    # -- feeds ---------------------------------------------------------------------------------

    def add_feed(self, url: str, now: datetime | None = None) -> int:
        """The id of the feed at ``url``, added if it is new.

        Inside :meth:`transaction` the row joins it (a fetch lands as one); outside, it opens its own.
        """
        row = self.db.execute("SELECT id FROM feeds WHERE url = ?", (url,)).fetchone()
        if row:
            return int(row[0])
        if not self.db.in_transaction:
            with self.transaction():
                return self.add_feed(url, now)
        cur = self.db.execute("INSERT OR IGNORE INTO feeds(url, added_at) VALUES (?, ?)", (url, _ts(now)))
        if cur.rowcount:
            return int(cur.lastrowid or 0)
        return int(self.db.execute("SELECT id FROM feeds WHERE url = ?", (url,)).fetchone()[0])

    _FEED_COLUMNS = """
        SELECT f.id, f.url, f.title, f.site_url, f.etag, f.last_modified, f.fetched_at, f.error,
               f.archive_complete, f.archive_method, f.archive_expected, f.archive_oldest,
               f.archive_note, f.added_at, f.folder, f.name"""
    # The counts are kept in feed_counts (schema 12); first and latest post: a seek each in the
    # (feed_id, published) index.
    _FEEDS_SQL = (
        _FEED_COLUMNS
        + """, coalesce(c.posts, 0) AS posts, coalesce(c.unread, 0) AS unread,
               coalesce(c.backlog, 0) AS backlog,
               (SELECT min(published) FROM posts p WHERE p.feed_id = f.id AND p.undated = 0)
                   AS first_post,
               (SELECT max(published) FROM posts p WHERE p.feed_id = f.id) AS latest_post
        FROM feeds f LEFT JOIN feed_counts c ON c.feed_id = f.id"""
    )

    @staticmethod
    def _feed(row: sqlite3.Row) -> Feed:
        return Feed(
            id=int(row["id"]),
            url=str(row["url"]),
            title=str(row["title"] or ""),
            site_url=str(row["site_url"] or ""),
            etag=row["etag"],
            last_modified=row["last_modified"],
            fetched_at=_dt(row["fetched_at"]),
            error=row["error"],
            archive_complete=bool(row["archive_complete"]),
            posts=int(row["posts"]),
            unread=int(row["unread"]),
            backlog=int(row["backlog"]),
            archive_method=row["archive_method"],
            archive_expected=row["archive_expected"],
            archive_oldest=_dt(row["archive_oldest"]),
            archive_note=row["archive_note"],
            first_post=_dt(row["first_post"] or None),
            latest_post=_dt(row["latest_post"] or None),
            added_at=_dt(row["added_at"]),
            folder=str(row["folder"] or ""),
            name=str(row["name"] or ""),
        )

    def feeds(self) -> list[Feed]:
        """Every feed, by title."""
        rows = self.db.execute(self._FEEDS_SQL + " ORDER BY lower(f.title), f.url").fetchall()
        return [self._feed(r) for r in rows]

    def feed_words(self, feed_id: int | None = None) -> dict[int, int]:
        """Each feed's words (or one feed's): the body words of its posts as the search index
        counted them (FTS5's per-row token counts, so no post's text is read again)."""
        words: dict[int, int] = {}
        sql = (
            "SELECT p.feed_id, d.sz FROM posts p JOIN posts_fts_docsize d"
            f" ON d.id = {index_key_sql('p.published', 'p.id')}"
        )
        if feed_id is not None:
            sql += " WHERE p.feed_id = ?"
        rows = self.db.execute(sql, () if feed_id is None else (feed_id,))
        for feed_id, sizes in rows:
            words[feed_id] = words.get(feed_id, 0) + _fts_body_size(sizes)
        return words

    def feed_months(self, feed_id: int) -> list[tuple[int, int, int]]:
        """A feed's dated posts per month, oldest first: ``(year, month, posts)``."""
        # Every post's month from the dates in posts_by_feed (no row read), less the undated
        # posts' (posts_undated, a partial index: few).
        month = (
            "SELECT CAST(strftime('%Y', published, 'unixepoch') AS INTEGER),"
            " CAST(strftime('%m', published, 'unixepoch') AS INTEGER), count(*)"
        )
        months: dict[tuple[int, int], int] = {}
        for y, m, n in self.db.execute(
            f"{month} FROM posts INDEXED BY posts_by_feed WHERE feed_id = ? GROUP BY 1, 2", (feed_id,)
        ):
            months[int(y), int(m)] = int(n)
        for y, m, n in self.db.execute(
            f"{month} FROM posts INDEXED BY posts_undated WHERE feed_id = ? AND undated = 1 GROUP BY 1, 2",
            (feed_id,),
        ):
            months[int(y), int(m)] -= int(n)
        return [(y, m, n) for (y, m), n in sorted(months.items()) if n > 0]

    def feed(self, url: str) -> Feed | None:
        """The feed stored under ``url``, if any."""
        row = self.db.execute(self._FEEDS_SQL + " WHERE f.url = ?", (url,)).fetchone()
        return self._feed(row) if row else None

    def has_feeds(self) -> bool:
        """Whether any feed is subscribed (cheap: for choosing the first screen)."""
        return self.db.execute("SELECT 1 FROM feeds LIMIT 1").fetchone() is not None

    def feed_states(self) -> list[FeedState]:
        """Every feed's fetch state, by title, read from the feeds table alone (no post counts)."""
        cur = self.db.execute(
            "SELECT id, url, title, etag, last_modified, body_hash, archive_complete, gone, fetched_at"
            " FROM feeds ORDER BY lower(title), url"
        )
        return [
            FeedState(
                i, url, title or "", etag, modified, body_hash, bool(complete), bool(gone), _dt(fetched)
            )
            for i, url, title, etag, modified, body_hash, complete, gone, fetched in cur.fetchall()
        ]

    def feed_urls(self, feed_id: int) -> set[str]:
        """The canonical URLs of a feed's stored posts and of its dropped ones (an archive walk
        skips fetching them)."""
        return {
            r[0]
            for r in self.db.execute(
                "SELECT canonical FROM posts WHERE feed_id = ?1 AND canonical != ''"
                " UNION SELECT canonical FROM dropped_posts WHERE feed_id = ?1 AND canonical != ''",
                (feed_id,),
            )
        }

    def feed_post_urls(self, feed_id: int) -> set[str]:
        """The URLs of a feed's stored posts, as stored."""
        return {
            r[0] for r in self.db.execute("SELECT url FROM posts WHERE feed_id = ? AND url != ''", (feed_id,))
        }

    def skipped_urls(self, feed_id: int) -> set[str]:
        """The canonical URLs of pages an archive crawl found not to be posts."""
        return {
            r[0] for r in self.db.execute("SELECT url FROM archive_skipped WHERE feed_id = ?", (feed_id,))
        }

    def page_times(self, feed_id: int) -> dict[str, datetime]:
        """When the stored copy of each post read from its page last changed (its ``updated``,
        else its publication time), by canonical URL: a sitemap walk reads a page again when
        its ``<lastmod>`` is newer (``Walk.page_times``)."""
        rows = self.db.execute(
            "SELECT canonical, coalesce(updated, published) FROM posts"
            " WHERE feed_id = ? AND from_page = 1 AND canonical != ''",
            (feed_id,),
        )
        return {str(url): datetime.fromtimestamp(int(ts), timezone.utc) for url, ts in rows if ts}

    def add_skipped(self, feed_id: int, pages: Iterable[tuple[str, str]]) -> None:
        """Remember pages found not to be posts, ``(canonical URL, reason)`` (inside a transaction)."""
        self.db.executemany(
            "INSERT OR REPLACE INTO archive_skipped(feed_id, url, reason) VALUES (?, ?, ?)",
            [(feed_id, url, reason[:200]) for url, reason in pages],
        )

    def oldest_post(self, feed_id: int) -> datetime | None:
        """The publication date of a feed's oldest dated post."""
        row = self.db.execute(
            "SELECT min(published) FROM posts WHERE feed_id = ? AND undated = 0", (feed_id,)
        ).fetchone()
        return _dt(row[0]) if row else None

    def post_ids_by_guid(self, feed_id: int, guids: Sequence[str]) -> dict[str, int]:
        """The ids of a feed's posts with these guids (guids not stored are left out)."""
        found: dict[str, int] = {}
        for chunk in batches(guids):
            holes = marks(len(chunk))
            for r in self.db.execute(
                f"SELECT guid, id FROM posts WHERE feed_id = ? AND guid IN ({holes})", (feed_id, *chunk)
            ):
                found[r["guid"]] = int(r["id"])
        return found

    def feed_guids(self, feed_id: int) -> set[str]:
        """The guids of a feed's stored posts, and of those the retention settings dropped."""
        return {
            r[0]
            for r in self.db.execute(
                "SELECT guid FROM posts WHERE feed_id = ?1"
                " UNION SELECT guid FROM dropped_posts WHERE feed_id = ?1",
                (feed_id,),
            )
        }

    def update_feed(self, feed_id: int, **fields: object) -> None:
        """Set columns of a feed (call inside :meth:`transaction` to group with post writes)."""
        allowed = {
            "url", "title", "site_url", "etag", "last_modified", "fetched_at", "error",
            "error_at", "archive_complete", "body_hash", "gone", "archive_method", "archive_expected",
            "archive_oldest", "archive_note", "folder",
        }  # fmt: skip
        bad = set(fields) - allowed
        if bad:
            raise ValueError(f"unknown feed fields: {sorted(bad)}")
        values = [_ts(v) if isinstance(v, datetime) else v for v in fields.values()]
        # The feed's title is kept as feed_title; the shown title gives way to the user's name.
        sets = ", ".join(
            "feed_title = ?1, title = CASE WHEN name != '' THEN name ELSE ?1 END".replace("1", str(i))
            if name == "title"
            else f"{name} = ?{i}"
            for i, name in enumerate(fields, 1)
        )
        self.db.execute(f"UPDATE feeds SET {sets} WHERE id = ?{len(values) + 1}", (*values, feed_id))

    def rename_feed(self, feed_id: int, name: str) -> None:
        """Give a feed the user's own name, kept by refreshes; ``""`` gives it its feed's title again."""
        with self.transaction():
            self.db.execute(
                "UPDATE feeds SET name = ?1, title = CASE WHEN ?1 != '' THEN ?1 ELSE feed_title END"
                " WHERE id = ?2",
                (name, feed_id),
            )

    def feeds_like(self, site_url: str, title: str) -> list[tuple[int, str, str]]:
        """``(id, url, title)`` of the stored feeds with this site and title (the feed's own title,
        or the user's name for it); none when either is empty."""
        if not site_url or not title:
            return []
        rows = self.db.execute(
            "SELECT id, url, title FROM feeds WHERE site_url = ?1 AND (feed_title = ?2 OR title = ?2)",
            (site_url, title),
        )
        return [(int(i), str(url), str(name)) for i, url, name in rows]

    def remove_feed(self, url: str) -> bool:
        """Delete a feed and its posts; False if there was no such feed."""
        row = self.db.execute("SELECT id FROM feeds WHERE url = ?", (url,)).fetchone()
        if not row:
            return False
        with self.transaction():
            for post_id, published, title, author, html in self.db.execute(
                "SELECT id, published, title, author, content_html FROM posts WHERE feed_id = ?",
                (row[0],),
            ).fetchall():
                self._fts_delete(post_id, published, title, author, self.codec.unpack(html))
            self.db.execute("DELETE FROM feeds WHERE id = ?", (row[0],))
            self.db.execute("DELETE FROM tags WHERE id NOT IN (SELECT DISTINCT tag_id FROM post_tags)")
        return True

    # -- retention and vacuum ------------------------------------------------------------------

    def drop_posts(self, *, keep_per_feed: int = 0, read_before: int | None = None, now: int = 0) -> int:
        """Delete posts by the retention settings; returns how many were dropped.

        ``keep_per_feed``: past a feed's newest N posts (by publication, an undated post by when
        it was first seen; 0: all kept); ``read_before``: read posts published before this Unix
        time (undated ones kept). Starred posts and posts carrying a tag of the user's are never
        dropped. The search indexes are given each post's text (contentless tables), and each
        post's guid and canonical URL go to ``dropped_posts``, so a refresh does not bring it back.
        """
        parts, params = [], []
        if keep_per_feed > 0:
            parts.append(
                "SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY feed_id"
                " ORDER BY published DESC, id DESC) AS n FROM posts) WHERE n > ?"
            )
            params.append(keep_per_feed)
        if read_before is not None:
            parts.append("SELECT id FROM posts WHERE read = 1 AND undated = 0 AND published < ?")
            params.append(read_before)
        if not parts:
            return 0
        sql = (
            "SELECT p.id, p.feed_id, p.guid, p.canonical, p.published, p.title, p.author, p.content_html"
            " FROM posts p"
            f" WHERE p.id IN ({' UNION '.join(parts)}) AND p.starred = 0"
            " AND NOT EXISTS (SELECT 1 FROM post_tags t WHERE t.post_id = p.id AND t.user = 1)"
        )
        with self.transaction():
            rows = self.db.execute(sql, params).fetchall()
            for row in rows:
                self._fts_delete(
                    row["id"], row["published"], row["title"], row["author"],
                    self.codec.unpack(row["content_html"]),
                )  # fmt: skip
            self.db.executemany(
                "INSERT OR IGNORE INTO dropped_posts(feed_id, guid, canonical, dropped_at)"
                " VALUES (?, ?, ?, ?)",
                [(r["feed_id"], r["guid"], r["canonical"] or "", now) for r in rows],
            )
            self.db.executemany("DELETE FROM posts WHERE id = ?", [(r["id"],) for r in rows])
            self.db.executemany("DELETE FROM state WHERE key = ?", [(f"reading:{r['id']}",) for r in rows])
            if rows:
                self.db.execute("DELETE FROM tags WHERE id NOT IN (SELECT DISTINCT tag_id FROM post_tags)")
        return len(rows)

    def file_bytes(self) -> int:
        """The cache's size on disk: the file and its WAL."""
        return sum(
            Path(f"{self.path}{suffix}").stat().st_size
            for suffix in ("", "-wal")
            if Path(f"{self.path}{suffix}").exists()
        )

    def vacuum(self) -> None:
        """Rebuild the cache compactly: the search indexes' segments merged (FTS5 ``optimize``),
        the file rewritten without free pages (``VACUUM``), the WAL folded back and emptied.

        It waits for another process's write as every write does (``lock_timeout``).

        Raises:
            StoreError: the cache is read-only, or SQLite could not write it (one line).
        """
        if self.read_only:
            error = StoreError(
                f"{self.path}: read-only (the file, its folder or the disk cannot be written): not vacuumed"
            )
            error.kind = "read-only"
            raise error
        with self._lock:
            tables = {
                r[0]
                for r in self.db.execute(
                    "SELECT name FROM sqlite_master WHERE name IN ('posts_fts', 'posts_cjk')"
                )
            }
            with self.transaction():
                for table in sorted(tables):
                    self.db.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")
            try:
                self.db.execute("PRAGMA auto_vacuum = INCREMENTAL")  # takes effect with VACUUM
                self.db.execute("VACUUM")
                self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error as exc:
                raise faults.store_error(exc, self.path, doing="not vacuumed") from None

    # -- posts: writes -------------------------------------------------------------------------

    def _fts_delete(self, post_id: int, published: int, title: str, author: str, html: str) -> None:
        # A contentless FTS5 table forgets its text: a delete must repeat what was inserted, at
        # the key it was inserted at (the date it had then).
        key = index_key(published, post_id)
        for table, row in zip(("posts_fts", "posts_cjk"), index_rows(title, author, html_to_text(html))):
            if row is not None:
                self.db.execute(
                    f"INSERT INTO {table}({table}, rowid, title, author, body) VALUES ('delete', ?, ?, ?, ?)",
                    (key, *row),
                )

    def _fts_insert(self, posts: Iterable[tuple[int, int, str, str, str]]) -> None:
        """Index posts given as ``(id, published, title, author, text)``: words in posts_fts, CJK
        text in posts_cjk, each row keyed by the post's date (:func:`~blogtui.query.index_key`)."""
        # By key: FTS5 writes its pending rows out as a segment of their own whenever a rowid is
        # not above the last one (a feed lists its newest first: ids up, date buckets down, a
        # segment a post, and the merges after them).
        keyed = sorted(
            (index_key(published, post_id), title, author, text)
            for post_id, published, title, author, text in posts
        )
        words, cjk = [], []
        for key, title, author, text in keyed:
            fts_row, cjk_row = index_rows(title, author, text)
            words.append((key, *fts_row))
            if cjk_row is not None:
                cjk.append((key, *cjk_row))
        self.db.executemany("INSERT INTO posts_fts(rowid, title, author, body) VALUES (?, ?, ?, ?)", words)
        if cjk:
            self.db.executemany("INSERT INTO posts_cjk(rowid, title, author, body) VALUES (?, ?, ?, ?)", cjk)

    def _tag_ids(self, names: Iterable[str], cache: dict[str, int]) -> list[int]:
        ids = []
        for raw in names:
            name = normalise_tag(raw)
            if not name:
                continue
            key = fold_tag(name)
            tag_id = cache.get(key)
            if tag_id is None:
                tag_id = self._tag_id(name)
                cache[key] = tag_id
            if tag_id not in ids:
                ids.append(tag_id)
        return ids

    def _tag_id(self, name: str) -> int:
        """The id of the tag spelt ``name`` in any case (created if new); call inside a transaction."""
        row = self.db.execute("SELECT id FROM tags WHERE name = ?", (name,)).fetchone()
        if row is None and not name.isascii():  # NOCASE misses "Über" = "über": compare folded
            row = self.db.execute(
                "SELECT id FROM tags WHERE blogtui_fold(name) = ? ORDER BY id LIMIT 1", (fold_tag(name),)
            ).fetchone()
        if row is None:
            return int(self.db.execute("INSERT INTO tags(name) VALUES (?)", (name,)).lastrowid or 0)
        return int(row[0])

    def _stored(self, row: sqlite3.Row) -> tuple[Any, ...]:
        """A stored post as upsert_posts compares it: ``(id, url, title, author, published, summary,
        content_html, summary_only, undated)``, its text unpacked."""
        return (
            row["id"], row["url"], row["title"], row["author"], row["published"],
            self.codec.unpack(row["summary"]), self.codec.unpack(row["content_html"]),
            row["summary_only"], row["undated"],
        )  # fmt: skip

    def upsert_posts(
        self,
        feed_id: int,
        posts: Iterable[ParsedPost],
        *,
        backlog: bool = False,
        now: datetime | None = None,
    ) -> int:
        """Insert new posts and update changed ones, keeping read/starred; returns how many are new.

        A post whose guid is new but whose URL is a stored post's (:func:`urls.canonical_url`) is
        that post: a feed item or API row takes it over (its guid and content win over a page
        read by a crawl, ``from_page``), a page of a post held from the feed is dropped. New
        posts arrive unread, or as ``backlog`` (recovered from the archive: out of Unread). A post
        without a date is dated ``now`` (default: the time), when first seen, and marked
        ``undated``; a later fetch that dates it replaces that date.

        Call inside :meth:`transaction` so that a feed's fetch lands as one (outside one, it opens
        its own). Stored posts are looked up in batches and new ones inserted many rows a statement
        (posts and tags: ``insert_rows``; the search index with ``executemany``), so a new feed
        costs a few statements, not a few per post.
        """
        if not self.db.in_transaction:
            with self.transaction():
                return self.upsert_posts(feed_id, posts, backlog=backlog, now=now)
        db = self.db
        posts = list(posts)
        folder = db.execute("SELECT folder FROM feeds WHERE id = ?", (feed_id,)).fetchone()
        if folder is not None and folder["folder"]:
            # The feed's folder tags its posts, as the feed's own tags do (kept on every refresh).
            parts = tuple(p for p in str(folder["folder"]).split("/") if p.strip())
            posts = [replace(p, tags=(*p.tags, *parts)) for p in posts]
        cache: dict[str, int] = {}
        # guid -> (id, url, title, author, published, summary, content_html, summary_only, undated)
        stored: dict[str, tuple[Any, ...]] = {}
        page_rows: set[int] = set()  # ids of stored posts read from their pages
        columns = "id, url, title, author, published, summary, content_html, summary_only, undated"
        seen = int(now.timestamp()) if now else int(time.time())
        pack = self.codec.pack
        self.codec.refresh()
        guids = list({p.guid for p in posts})
        for chunk in batches(guids):
            holes = marks(len(chunk))
            for row in db.execute(
                f"SELECT guid, {columns}, from_page FROM posts WHERE feed_id = ? AND guid IN ({holes})",
                (feed_id, *chunk),
            ):
                stored[row["guid"]] = self._stored(row)
                if row["from_page"]:
                    page_rows.add(row["id"])
        posts = self._dropped_out(feed_id, posts, stored)
        posts = self._merge_by_url(feed_id, posts, stored, page_rows, columns)
        fresh: dict[str, ParsedPost] = {}
        later: list[ParsedPost] = []
        for post in posts:
            if post.guid in stored:
                later.append(post)
            elif post.guid in fresh:
                later.append(post)  # the same guid twice: insert the first, update with the second
            else:
                fresh[post.guid] = post
        if fresh:
            # The cache's first dictionary, once it has enough posts (these counted and trained on).
            self.codec.maybe_train([p.content_html for p in fresh.values()])
            next_id = int(db.execute("SELECT coalesce(max(id), 0) FROM posts").fetchone()[0]) + 1
            ids = {guid: next_id + n for n, guid in enumerate(fresh)}
            insert_rows(
                db,
                "INSERT INTO posts(id, feed_id, guid, url, title, author, published, updated,"
                " summary, content_html, summary_only, backlog, canonical, from_page, undated)",
                [
                    (
                        ids[p.guid], feed_id, p.guid, p.url, p.title, p.author, _ts(p.published) or seen,
                        _ts(p.updated) or None, pack(p.summary), pack(p.content_html), int(p.summary_only),
                        int(backlog), canonical_url(p.url) if p.url else "", int(p.from_page),
                        int(not _ts(p.published)),
                    )
                    for p in fresh.values()
                ],
            )  # fmt: skip
            self._fts_insert(
                (ids[p.guid], _ts(p.published) or seen, p.title, p.author, p.text) for p in fresh.values()
            )
            insert_rows(
                db,
                "INSERT OR IGNORE INTO post_tags(post_id, tag_id)",
                [(ids[p.guid], t) for p in fresh.values() for t in self._tag_ids(p.tags, cache)],
            )
            for guid, p in fresh.items():
                stored[guid] = (
                    ids[guid], p.url, p.title, p.author, _ts(p.published) or seen, p.summary,
                    p.content_html, int(p.summary_only), int(not _ts(p.published)),
                )  # fmt: skip
        for post in later:
            row = stored[post.guid]
            post_id, url, title, author, old_published, summary, html, summary_only, was_undated = row
            # Still undated: it keeps the date it was given (when first seen, or the feed's before).
            published = _ts(post.published) or old_published
            undated = was_undated if not _ts(post.published) else 0
            if post.from_page and post_id not in page_rows:
                continue  # the feed's (or an API's) content of this post wins over its page
            if post.from_page and _ts(post.updated):
                # A page read again for its newer <lastmod>: that time is kept even when the text
                # is the same, or every later walk would read the page once more.
                db.execute(
                    "UPDATE posts SET updated = ?1 WHERE id = ?2 AND coalesce(updated, 0) < ?1",
                    (_ts(post.updated), post_id),
                )
            if post_id in page_rows and not post.from_page and post.summary_only:
                # The feed carries only a summary of a post whose page was read: keep the article.
                post = replace(
                    post, summary=post.content_html, content_html=html, text=html_to_text(html),
                    summary_only=False,
                )  # fmt: skip
                page_rows.discard(post_id)
                db.execute("UPDATE posts SET from_page = 0 WHERE id = ?", (post_id,))
            elif post_id in page_rows and not post.from_page:
                page_rows.discard(post_id)
                db.execute("UPDATE posts SET from_page = 0 WHERE id = ?", (post_id,))
            if post.summary_only and not summary_only and summary == post.content_html:
                # Still only the summary, and we hold the article fetched for it: keep the article.
                post = replace(
                    post, summary=summary, content_html=html, text=html_to_text(html), summary_only=False
                )
            if (url, title, author, old_published, summary, html, summary_only, was_undated) != (
                post.url, post.title, post.author, published, post.summary, post.content_html,
                int(post.summary_only), undated,
            ):  # fmt: skip
                if (old_published, title, author, html) != (
                    published, post.title, post.author, post.content_html,
                ):  # fmt: skip
                    # The index's rows are keyed by date: a new date moves them (query.index_key).
                    self._fts_delete(post_id, old_published, title, author, html)
                    self._fts_insert([(post_id, published, post.title, post.author, post.text)])
                db.execute(
                    "UPDATE posts SET url = ?, title = ?, author = ?, published = ?, updated = ?,"
                    " summary = ?, content_html = ?, summary_only = ?, canonical = ?, undated = ?,"
                    " content_md = CASE WHEN ? THEN content_md ELSE NULL END"
                    " WHERE id = ?",
                    (
                        post.url, post.title, post.author, published, _ts(post.updated) or None,
                        pack(post.summary), pack(post.content_html), int(post.summary_only),
                        canonical_url(post.url) if post.url else "", undated,
                        int(html == post.content_html), post_id,
                    ),
                )  # fmt: skip
            tag_ids = self._tag_ids(post.tags, cache)
            old = {
                r[0]
                for r in db.execute(
                    "SELECT tag_id FROM post_tags WHERE post_id = ? AND user = 0",
                    (post_id,),
                )
            }
            if old != set(tag_ids):
                db.execute("DELETE FROM post_tags WHERE post_id = ? AND user = 0", (post_id,))
                db.executemany(
                    "INSERT OR IGNORE INTO post_tags(post_id, tag_id) VALUES (?, ?)",
                    [(post_id, t) for t in tag_ids],
                )
            stored[post.guid] = (post_id, post.url, post.title, post.author, published, post.summary,
                                 post.content_html, int(post.summary_only), undated)  # fmt: skip
        if fresh:
            self._trim_due = True
        return len(fresh)

    def _trim(self) -> None:
        """Give the file's free pages back once they are more than :data:`TRIM_PAGES`, after a
        transaction that stored posts: the search index's segment merges free pages when it
        commits, and the first dictionary's repacking frees room (a cache made before schema 11
        is converted by ``vacuum``). A failure is left for the next write to meet."""
        self._trim_due = False
        try:
            free = int(self.db.execute("PRAGMA freelist_count").fetchone()[0])
            if free <= TRIM_PAGES or self.db.execute("PRAGMA auto_vacuum").fetchone()[0] != 2:
                return
            busy = self.db.execute("PRAGMA busy_timeout").fetchone()[0]
            self.db.execute("PRAGMA busy_timeout = 0")  # another process writing: trim another time
            try:
                # execute() steps a PRAGMA once, and each step of this one frees one page (a
                # statement a page: 8,000 for 10,000 posts); a script is stepped to its end.
                self.db.executescript(f"BEGIN IMMEDIATE; PRAGMA incremental_vacuum({free}); COMMIT;")
            finally:
                self.db.execute(f"PRAGMA busy_timeout = {int(busy)}")
        except sqlite3.Error:
            self._rollback()

    def _dropped_out(
        self, feed_id: int, posts: list[ParsedPost], stored: dict[str, tuple[Any, ...]]
    ) -> list[ParsedPost]:
        """The posts less those the retention settings dropped (by guid or canonical URL)."""
        if not self.db.execute("SELECT 1 FROM dropped_posts WHERE feed_id = ?", (feed_id,)).fetchone():
            return posts
        new = [p for p in posts if p.guid not in stored]
        gone: set[str] = set()
        urls: set[str] = set()
        for chunk in batches(new):
            guids = [p.guid for p in chunk]
            canon = [c for c in (canonical_url(p.url) if p.url else "" for p in chunk) if c]
            gone.update(
                r[0]
                for r in self.db.execute(
                    "SELECT guid FROM dropped_posts WHERE feed_id = ? AND guid IN"
                    f" ({', '.join('?' * len(guids))})",
                    (feed_id, *guids),
                )
            )
            if canon:
                urls.update(
                    r[0]
                    for r in self.db.execute(
                        "SELECT canonical FROM dropped_posts WHERE feed_id = ? AND canonical IN"
                        f" ({', '.join('?' * len(canon))})",
                        (feed_id, *canon),
                    )
                )
        return [
            p
            for p in posts
            if p.guid in stored or not (p.guid in gone or (p.url and canonical_url(p.url) in urls))
        ]

    def _merge_by_url(
        self,
        feed_id: int,
        posts: list[ParsedPost],
        stored: dict[str, tuple[Any, ...]],
        page_rows: set[int],
        columns: str,
    ) -> list[ParsedPost]:
        """``posts`` with those whose guid is new but whose URL is a stored post's made that post:
        a feed item or API row gives the stored post its guid; a page of a post held from a feed
        or API is dropped; a page of a page takes the stored guid (upsert_posts)."""
        keys = {canonical_url(p.url) for p in posts if p.guid not in stored and p.url}
        if not keys:
            return posts
        by_key: dict[str, sqlite3.Row] = {}
        wanted = list(keys)
        for chunk in batches(wanted):
            holes = marks(len(chunk))
            for row in self.db.execute(
                f"SELECT canonical, guid, {columns}, from_page FROM posts"
                f" WHERE feed_id = ? AND canonical IN ({holes})",
                (feed_id, *chunk),
            ):
                by_key.setdefault(row["canonical"], row)
        merged: list[ParsedPost] = []
        for post in posts:
            row = by_key.get(canonical_url(post.url)) if post.guid not in stored and post.url else None
            if row is None:
                merged.append(post)
                continue
            if post.from_page and not row["from_page"]:
                continue  # the feed's (or an API's) content of this post wins over its page
            if row["from_page"]:
                page_rows.add(row["id"])
            if post.from_page:
                post = replace(post, guid=row["guid"])
            elif row["guid"] != post.guid:
                self.db.execute("UPDATE OR IGNORE posts SET guid = ? WHERE id = ?", (post.guid, row["id"]))
            stored[post.guid] = self._stored(row)
            merged.append(post)
        return merged

    def set_content_md(self, post_id: int, markdown: str) -> None:
        """Cache a post's Markdown (filled the first time the post is shown)."""
        with self._lock:
            self.db.execute(
                "UPDATE posts SET content_md = ? WHERE id = ?", (self.codec.pack(markdown), post_id)
            )

    def set_content_html(self, post_id: int, html: str, text: str, markdown: str) -> None:
        """Replace a post's body (e.g. with its full article) and re-index it."""
        row = self.db.execute(
            "SELECT title, author, content_html, published FROM posts WHERE id = ?", (post_id,)
        ).fetchone()
        if not row:
            return
        with self.transaction():
            self._fts_delete(post_id, row[3], row[0], row[1], self.codec.unpack(row[2]))
            self._fts_insert([(post_id, row[3], row[0], row[1], text)])
            # The feed's summary stays in ``summary`` (a summary-only post held it as its content).
            self.db.execute(
                "UPDATE posts SET summary = CASE WHEN summary_only THEN content_html ELSE summary END,"
                " summary_only = 0, content_html = ?, content_md = ? WHERE id = ?",
                (self.codec.pack(html), self.codec.pack(markdown), post_id),
            )

    def mark(
        self,
        post_ids: Sequence[int],
        *,
        read: bool | None = None,
        starred: bool | None = None,
    ) -> int:
        """Set read and/or starred on posts; returns how many exist."""
        sets = []
        if read is not None:
            sets.append(f"read = {int(read)}, backlog = 0")  # an opened backlog post is a post like any
        if starred is not None:
            sets.append(f"starred = {int(starred)}")
        if not sets or not post_ids:
            return 0
        changed = 0
        with self.transaction():
            for chunk in batches(post_ids):
                holes = marks(len(chunk))
                cur = self.db.execute(f"UPDATE posts SET {', '.join(sets)} WHERE id IN ({holes})", chunk)
                changed += cur.rowcount
        return changed

    def mark_where(self, compiled: Compiled, *, read: bool) -> int:
        """Mark every post matching a compiled query read or unread."""
        with self.transaction():
            cur = self.db.execute(
                "UPDATE posts SET read = ?, backlog = 0"
                f" WHERE (read != ? OR backlog = 1) AND {compiled.where}",
                (int(read), int(read), *compiled.params),
            )
        return cur.rowcount

    def existing_ids(self, post_ids: Sequence[int]) -> set[int]:
        """Which of these post ids exist."""
        found: set[int] = set()
        for chunk in batches(post_ids):
            holes = marks(len(chunk))
            found.update(r[0] for r in self.db.execute(f"SELECT id FROM posts WHERE id IN ({holes})", chunk))
        return found

    # -- posts: reads --------------------------------------------------------------------------

    def post(self, post_id: int) -> Post | None:
        """One post with its content and tags."""
        row = self.db.execute(
            "SELECT p.id, p.feed_id, p.guid, p.url, p.title, p.author, p.published, p.updated,"
            " p.summary, p.content_html, p.content_md, p.read, p.starred, p.summary_only,"
            " f.url AS feed_url, f.title AS feed_title"
            " FROM posts p JOIN feeds f ON f.id = p.feed_id WHERE p.id = ?",
            (post_id,),
        ).fetchone()
        if not row:
            return None
        unpack = self.codec.unpack
        return Post(
            id=row["id"], feed_id=row["feed_id"], guid=row["guid"], url=row["url"], title=row["title"],
            author=row["author"], published=_dt(row["published"]), updated=_dt(row["updated"]),
            summary=unpack(row["summary"]), content_html=unpack(row["content_html"]),
            content_md=unpack(row["content_md"]),
            read=bool(row["read"]), starred=bool(row["starred"]), summary_only=bool(row["summary_only"]),
            tags=tuple(self.post_tags(post_id)), feed_url=row["feed_url"],
            feed_title=row["feed_title"] or row["feed_url"],
        )  # fmt: skip

    def post_url(self, post_id: int) -> str | None:
        """A post's link ('' if it has none), or None if there is no such post."""
        row = self.db.execute("SELECT url FROM posts WHERE id = ?", (post_id,)).fetchone()
        return None if row is None else str(row[0])

    def post_tags(self, post_id: int, *, user: bool | None = None) -> list[str]:
        """Names of a post's tags (``user``: only the user's own, or only the feed's)."""
        sql = "SELECT t.name FROM post_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.post_id = ?"
        params: tuple[object, ...] = (post_id,)
        if user is not None:
            sql += " AND pt.user = ?"
            params += (int(user),)
        return [r[0] for r in self.db.execute(sql + " ORDER BY t.name COLLATE NOCASE", params)]

    def post_rows(self, post_ids: Sequence[int]) -> list[PostRow]:
        """Light rows for a list, in the order of ``post_ids`` (missing ids are skipped)."""
        if not post_ids:
            return []
        by_id: dict[int, PostRow] = {}
        for chunk in batches(post_ids):
            holes = marks(len(chunk))
            for r in self.db.execute(
                "SELECT p.id, p.title, coalesce(nullif(f.title, ''), f.url), p.published, p.read,"
                f" p.starred FROM posts p JOIN feeds f ON f.id = p.feed_id WHERE p.id IN ({holes})",
                chunk,
            ):
                by_id[r[0]] = PostRow(r[0], r[1], r[2], _dt(r[3]), bool(r[4]), bool(r[5]))
        return [by_id[i] for i in post_ids if i in by_id]

    def post_records(self, post_ids: Sequence[int], *, full: bool = False) -> list[PostRecord]:
        """Posts as exported, in the order of ``post_ids`` (missing ids are skipped).

        ``full`` adds what a backup needs: guid, updated, summary, HTML, and the user's own tags
        apart (``user_tags``; ``tags`` has every tag).
        """
        out: list[PostRecord] = []
        extra = ", p.guid, p.updated, p.summary, p.content_html, p.summary_only" if full else ""
        for chunk in batches(post_ids):
            holes = marks(len(chunk))
            tags: dict[int, list[str]] = {}
            mine: dict[int, list[str]] = {}
            for r in self.db.execute(
                "SELECT pt.post_id, pt.user, t.name FROM post_tags pt JOIN tags t ON t.id = pt.tag_id"
                f" WHERE pt.post_id IN ({holes}) ORDER BY t.name COLLATE NOCASE",
                chunk,
            ):
                tags.setdefault(r["post_id"], []).append(r["name"])
                if full and r["user"]:
                    mine.setdefault(r["post_id"], []).append(r["name"])
            rows = {
                r["id"]: r
                for r in self.db.execute(
                    "SELECT p.id, f.url AS feed_url, f.title AS feed_title, p.title, p.url, p.author,"
                    f" p.published, p.read, p.starred, p.backlog{extra}"
                    f" FROM posts p JOIN feeds f ON f.id = p.feed_id WHERE p.id IN ({holes})",
                    chunk,
                )
            }
            for post_id in chunk:
                r = rows.get(post_id)
                if r is None:
                    continue
                record = PostRecord(
                    id=r["id"], feed_url=r["feed_url"], feed_title=r["feed_title"], title=r["title"],
                    url=r["url"], author=r["author"], published=_dt(r["published"]), read=bool(r["read"]),
                    starred=bool(r["starred"]), tags=tuple(tags.get(post_id, ())),
                    backlog=bool(r["backlog"]),
                )  # fmt: skip
                if full:
                    record = replace(
                        record, guid=r["guid"], updated=_dt(r["updated"]),
                        summary=self.codec.unpack(r["summary"]),
                        content_html=self.codec.unpack(r["content_html"]),
                        summary_only=bool(r["summary_only"]),
                        user_tags=tuple(mine.get(post_id, ())),
                    )  # fmt: skip
                out.append(record)
        return out

    # -- app state -----------------------------------------------------------------------------

    def get_state(self, key: str, default: str | None = None) -> str | None:
        """A remembered value (last filter, last post, ...)."""
        row = self.db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_state(self, key: str, value: str | None) -> None:
        """Remember a value across restarts (``None`` forgets it)."""
        with self._lock:
            if value is None:
                self.db.execute("DELETE FROM state WHERE key = ?", (key,))
            else:
                self.db.execute(
                    "INSERT INTO state(key, value) VALUES (?, ?)"
                    " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )

    # -- saved views and the user's own tags ---------------------------------------------------

    # Names match in any case: NOCASE folds ASCII, and a casefold pass catches the rest.

    def views(self) -> list[tuple[str, str]]:
        """Saved views as ``(name, query)``, by name."""
        rows = self.db.execute("SELECT name, query FROM views").fetchall()
        return sorted(((r["name"], r["query"]) for r in rows), key=lambda r: (r[0].casefold(), r[0]))

    def _view_names(self, name: str) -> list[str]:
        """The stored names that are ``name`` in any case."""
        key = name.casefold()
        return [n for n, _ in self.views() if n.casefold() == key]

    def view_query(self, name: str) -> str | None:
        """The query saved under ``name`` (in any case), or None."""
        row = self.db.execute("SELECT query FROM views WHERE name = ?", (name,)).fetchone()
        if row is not None:
            return str(row["query"])
        key = name.casefold()
        return next((q for n, q in self.views() if n.casefold() == key), None)

    def save_view(self, name: str, query: str) -> None:
        """Save ``query`` under ``name``, replacing a view of that name in any case."""
        with self.transaction():
            for old in self._view_names(name):
                self.db.execute("DELETE FROM views WHERE name = ?", (old,))
            self.db.execute("INSERT OR REPLACE INTO views(name, query) VALUES (?, ?)", (name, query))

    def delete_view(self, name: str) -> bool:
        """Forget the view ``name`` (any case); False if there was none."""
        with self.transaction():
            deleted = 0
            for old in self._view_names(name):
                deleted += self.db.execute("DELETE FROM views WHERE name = ?", (old,)).rowcount
        return bool(deleted)

    def add_user_tag(self, post_id: int, name: str) -> str | None:
        """Put the user's own tag on a post (kept across refreshes); returns the tag's stored
        spelling (an existing tag in another case wins), or None if there is no such post.

        A tag the post already has from its feed stays the feed's: marking it the user's would
        move it out of the feed's tags, and taking it off again would lose it.
        """
        name = normalise_tag(name)
        if not name:
            raise ValueError("a tag needs a name")
        with self.transaction():
            if self.db.execute("SELECT 1 FROM posts WHERE id = ?", (post_id,)).fetchone() is None:
                return None
            tag_id = self._tag_id(name)
            self.db.execute(
                "INSERT INTO post_tags(post_id, tag_id, user) VALUES (?, ?, 1)"
                " ON CONFLICT(post_id, tag_id) DO NOTHING",
                (post_id, tag_id),
            )
            return str(self.db.execute("SELECT name FROM tags WHERE id = ?", (tag_id,)).fetchone()[0])

    def remove_user_tag(self, post_id: int, name: str) -> bool:
        """Take the user's tag ``name`` (any case) off a post; False if the post had no such user tag."""
        name = normalise_tag(name)
        with self.transaction():
            cur = self.db.execute(
                "DELETE FROM post_tags WHERE post_id = ? AND user = 1 AND tag_id IN"
                " (SELECT id FROM tags WHERE name = ? OR blogtui_fold(name) = ?)",
                (post_id, name, fold_tag(name)),
            )
            if cur.rowcount:
                self.db.execute("DELETE FROM tags WHERE id NOT IN (SELECT DISTINCT tag_id FROM post_tags)")
        return bool(cur.rowcount)
