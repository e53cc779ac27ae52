"""The cache's schema: numbered migrations from an empty file to the current version."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from ..content.text import html_to_text
from ..query import bucket_dates, date_bucket, has_cjk, index_key, index_rows


def _script(db: sqlite3.Connection, script: str) -> None:
    # executescript() would COMMIT the migration's transaction half-way; run statement by statement.
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _v1(db: sqlite3.Connection) -> None:
    _script(
        db,
        """
        CREATE TABLE feeds(
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL DEFAULT '',
            site_url TEXT NOT NULL DEFAULT '',
            etag TEXT,
            last_modified TEXT,
            fetched_at INTEGER,
            error TEXT,
            error_at INTEGER,
            archive_complete INTEGER NOT NULL DEFAULT 0,
            body_hash TEXT,
            gone INTEGER NOT NULL DEFAULT 0,
            added_at INTEGER
        );
        CREATE TABLE posts(
            id INTEGER PRIMARY KEY,
            feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
            guid TEXT NOT NULL,
            url TEXT NOT NULL DEFAULT '',
            title TEXT NOT NULL DEFAULT '',
            author TEXT NOT NULL DEFAULT '',
            published INTEGER NOT NULL DEFAULT 0,
            updated INTEGER,
            summary TEXT NOT NULL DEFAULT '',
            content_md TEXT,
            content_html TEXT NOT NULL DEFAULT '',
            read INTEGER NOT NULL DEFAULT 0,
            starred INTEGER NOT NULL DEFAULT 0,
            UNIQUE(feed_id, guid)
        );
        CREATE INDEX posts_by_date ON posts(published DESC, id DESC);
        CREATE INDEX posts_by_feed ON posts(feed_id, published DESC);
        CREATE TABLE tags(
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE
        );
        CREATE TABLE post_tags(
            post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
            tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
            user INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY(post_id, tag_id)
        ) WITHOUT ROWID;
        CREATE INDEX post_tags_by_tag ON post_tags(tag_id, post_id);
        CREATE VIRTUAL TABLE posts_fts USING fts5(
            body, title, author, content='', tokenize='unicode61 remove_diacritics 2'
        );
        CREATE TABLE state(key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """,
    )


def _v2(db: sqlite3.Connection) -> None:
    # Covering indexes for the sidebar's counts (per feed, unread, starred): one index scan each
    # instead of a walk over every post row, which matters at 50,000 posts.
    _script(
        db,
        """
        CREATE INDEX posts_by_feed_state ON posts(feed_id, read);
        CREATE INDEX posts_by_state ON posts(read, starred)
        """,
    )


#: Prefix indexes of posts_fts: a 2-letter word being typed (``me*``) reads one doclist instead
#: of merging every word it begins. 3+ letters are fast without one; a 1-letter word being
#: typed is not searched (see query.MIN_PREFIX). Each prefix length adds ~15 % to the database.
#: The body is the first column, as in posts_cjk (CJK_SCHEMA): FTS5 writes a two-byte column
#: mark before a token's positions in any other column, per token and post (migration 13).
FTS_PREFIX = "2"
FTS_SCHEMA = (
    "CREATE VIRTUAL TABLE posts_fts USING fts5(body, title, author, content='',"
    f" tokenize='unicode61 remove_diacritics 2', prefix='{FTS_PREFIX}')"
)


def _v3(db: sqlite3.Connection) -> None:
    # Search at 50,000 posts. Post rows are wide (their HTML is inline), so a filter that reads
    # read/starred/feed_id from the row, or an id lookup per match, walks most of the file:
    # two slim covering indexes keep list queries off the rows (by date, and by id for the
    # search index's matches). The FTS table gains a prefix index, which needs a rebuild: the
    # text is what _fts_delete repeats (html_to_text of the stored HTML). ~7 s at 50,000 posts.
    _script(
        db,
        """
        DROP INDEX posts_by_date;
        CREATE INDEX posts_by_date_state ON posts(published DESC, id DESC, feed_id, read, starred);
        CREATE INDEX posts_by_id ON posts(id, published, feed_id, read, starred);
        DROP TABLE posts_fts
        """,
    )
    db.execute(FTS_SCHEMA)
    rows = db.execute("SELECT id, title, author, content_html FROM posts")
    while batch := rows.fetchmany(2000):
        db.executemany(
            "INSERT INTO posts_fts(rowid, title, author, body) VALUES (?, ?, ?, ?)",
            [(i, t, a, html_to_text(h, scripts=False)) for i, t, a, h in batch],  # as of schema 10
        )


#: Numbered migrations: MIGRATIONS[n] brings the schema from version n to n + 1.
def _v4(db: sqlite3.Connection) -> None:
    # "Summary only" becomes a column: before, a post holding only the feed's summary was marked
    # by storing it twice (``summary`` = ``content_html``). Saved views get a table of their own
    # (they were ``state`` rows keyed ``view:NAME``, found by scanning a key range).
    _script(
        db,
        """
        ALTER TABLE posts ADD COLUMN summary_only INTEGER NOT NULL DEFAULT 0;
        UPDATE posts SET summary_only = 1, summary = ''
            WHERE summary != '' AND trim(summary) = trim(content_html);
        CREATE TABLE views(name TEXT PRIMARY KEY COLLATE NOCASE, query TEXT NOT NULL);
        INSERT OR IGNORE INTO views(name, query)
            SELECT substr(key, 6), value FROM state WHERE substr(key, 1, 5) = 'view:' ORDER BY key;
        DELETE FROM state WHERE substr(key, 1, 5) = 'view:'
        """,
    )


def _v5(db: sqlite3.Connection) -> None:
    # Whole archives (sitemaps, platform APIs, post pages). Posts recovered from a blog's archive
    # arrive as ``backlog``: out of Unread until opened. ``canonical`` is the post's URL spelt one
    # way (urls.canonical_url): a feed item, an API row and a page of the same post are one post;
    # ``from_page`` marks a post read from its page (a feed's content of it wins over it).
    # Feeds keep how their archive was found and why it is incomplete. ``archive_skipped`` holds
    # the pages a crawl found not to be posts, so a re-walk does not fetch them again. The
    # covering indexes gain ``backlog`` (``is:unread`` and the counts read it).
    _script(
        db,
        """
        ALTER TABLE posts ADD COLUMN backlog INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE posts ADD COLUMN canonical TEXT NOT NULL DEFAULT '';
        ALTER TABLE posts ADD COLUMN from_page INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE feeds ADD COLUMN archive_method TEXT;
        ALTER TABLE feeds ADD COLUMN archive_expected INTEGER;
        ALTER TABLE feeds ADD COLUMN archive_oldest INTEGER;
        ALTER TABLE feeds ADD COLUMN archive_note TEXT;
        CREATE TABLE archive_skipped(
            feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
            url TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            PRIMARY KEY(feed_id, url)
        ) WITHOUT ROWID;
        DROP INDEX posts_by_state;
        CREATE INDEX posts_by_state ON posts(read, backlog, starred);
        DROP INDEX posts_by_feed_state;
        CREATE INDEX posts_by_feed_state ON posts(feed_id, read, backlog);
        DROP INDEX posts_by_date_state;
        CREATE INDEX posts_by_date_state ON posts(published DESC, id DESC, feed_id, read, starred, backlog);
        DROP INDEX posts_by_id;
        CREATE INDEX posts_by_id ON posts(id, published, feed_id, read, starred, backlog)
        """,
    )
    from ..urls import canonical_url

    rows = db.execute("SELECT id, url FROM posts WHERE url != ''").fetchall()
    db.executemany("UPDATE posts SET canonical = ? WHERE id = ?", [(canonical_url(u), i) for i, u in rows])
    db.execute("CREATE INDEX posts_by_canonical ON posts(feed_id, canonical)")


def _v6(db: sqlite3.Connection) -> None:
    # Images kept with the archive (storage/images.py): one row per image URL a post names, with
    # the content-addressed file that holds it (``hash``) or why it was refused (``error``).
    # ``used_at`` orders the eviction past the size cap (least recently read first).
    _script(
        db,
        """
        CREATE TABLE images(
            url TEXT PRIMARY KEY,
            hash TEXT,
            mime TEXT NOT NULL DEFAULT '',
            bytes INTEGER NOT NULL DEFAULT 0,
            width INTEGER NOT NULL DEFAULT 0,
            height INTEGER NOT NULL DEFAULT 0,
            fetched_at INTEGER NOT NULL DEFAULT 0,
            used_at INTEGER NOT NULL DEFAULT 0,
            error TEXT
        );
        CREATE INDEX images_by_use ON images(used_at) WHERE hash IS NOT NULL;
        CREATE INDEX images_by_hash ON images(hash) WHERE hash IS NOT NULL
        """,
    )


#: posts_cjk: the Chinese, Japanese and Korean text of posts, one token per character (runs kept
#: apart; see query.index_rows), so that a run of the query is found as a phrase anywhere in a
#: run, from one character on. A trigram index cannot search 1-2 characters and was 2.8x as
#: large; bigrams 1.8x as large for 0.6x the lookup time (benchmarks/cjk_bench.py --compare).
#: Posts without CJK text have no row. The body is the first column: FTS5 writes a token's
#: positions in any other column after a two-byte column mark, for every token of every post,
#: which made a quarter of the index (the title and author hold few characters; migration 13).
CJK_SCHEMA = "CREATE VIRTUAL TABLE posts_cjk USING fts5(body, title, author, content='', tokenize='ascii')"


def _v7(db: sqlite3.Connection) -> None:
    # Search in CJK text. posts_fts held a run of CJK as one token (a sentence, often), so a word
    # inside it could not be found: posts holding CJK leave posts_fts (delete repeats what was
    # inserted) and come back with their runs blanked, the runs going to posts_cjk. Posts
    # without CJK (the HTML says so without converting it) are not touched.
    db.execute(CJK_SCHEMA)
    rows = db.execute("SELECT id, title, author, content_html FROM posts")
    while batch := rows.fetchmany(2000):
        for post_id, title, author, html in batch:
            # The text holds CJK only if the HTML does, or a numeric character reference (no named
            # entity is a CJK character): most posts are passed over without converting them.
            if "&#" not in html and not has_cjk(f"{title}\n{author}\n{html}"):
                continue
            text = html_to_text(html, scripts=False)  # the search text before schema 11
            words, runs = index_rows(title, author, text)
            if runs is None:
                continue
            db.execute(
                "INSERT INTO posts_fts(posts_fts, rowid, title, author, body) VALUES ('delete', ?, ?, ?, ?)",
                (post_id, title, author, text),
            )
            db.execute(
                "INSERT INTO posts_fts(rowid, title, author, body) VALUES (?, ?, ?, ?)", (post_id, *words)
            )
            db.execute(
                "INSERT INTO posts_cjk(rowid, title, author, body) VALUES (?, ?, ?, ?)", (post_id, *runs)
            )


def _v8(db: sqlite3.Connection) -> None:
    # A feed's folder (from an OPML file's nesting, "Tech/Python"): its parts tag the feed's posts
    # and become folders again on export.
    db.execute("ALTER TABLE feeds ADD COLUMN folder TEXT NOT NULL DEFAULT ''")


def _v9(db: sqlite3.Connection) -> None:
    # The user's own name for a feed ("" when none) and the feed's own title: a refresh writes the
    # feed's into feed_title, and into title only when there is no name (a renamed feed keeps it).
    db.execute("ALTER TABLE feeds ADD COLUMN name TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE feeds ADD COLUMN feed_title TEXT NOT NULL DEFAULT ''")
    db.execute("UPDATE feeds SET feed_title = coalesce(title, '')")


def _v10(db: sqlite3.Connection) -> None:
    # Posts dropped by the retention settings (blogtui vacuum): their guids and canonical URLs, so
    # that a refresh or an archive walk does not bring them back as new.
    db.execute(
        """
        CREATE TABLE dropped_posts(
            feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
            guid TEXT NOT NULL,
            canonical TEXT NOT NULL DEFAULT '',
            dropped_at INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY(feed_id, guid)
        ) WITHOUT ROWID
        """
    )
    db.execute("CREATE INDEX dropped_by_url ON dropped_posts(feed_id, canonical) WHERE canonical != ''")


def _reindex_scripts(db: sqlite3.Connection) -> None:
    # Schema 11's search text reads superscripts and subscripts as the reader shows them ("N²",
    # "H₂O", "x^(n+1)"); schema 10 ran them into the word before ("N2"). The index is contentless:
    # a later delete repeats the text from the HTML, so the posts holding them are indexed anew
    # now, taken out with the text they went in with.
    rows = db.execute(
        "SELECT id, title, author, content_html FROM posts WHERE content_html LIKE '%<su%'"
    ).fetchall()
    for post_id, title, author, html in rows:
        old = index_rows(title, author, html_to_text(html, scripts=False))
        new = index_rows(title, author, html_to_text(html))
        if old == new:
            continue
        for table, before, after in zip(("posts_fts", "posts_cjk"), old, new):
            if before is not None:
                db.execute(
                    f"INSERT INTO {table}({table}, rowid, title, author, body) VALUES ('delete', ?, ?, ?, ?)",
                    (post_id, *before),
                )
            if after is not None:
                db.execute(
                    f"INSERT INTO {table}(rowid, title, author, body) VALUES (?, ?, ?, ?)", (post_id, *after)
                )


def _v11(db: sqlite3.Connection) -> None:
    # A smaller cache (issue 15). Where the bytes went at 10,000 posts of the bench corpus (dbstat,
    # 55.5 MB): post rows 37.5 MB, of which the HTML 21.1 MB and the summaries 1.5 MB, the rest
    # mostly the room a page cannot use once a 2-3 KB row fills half of it; posts_fts 14.6 MB; the
    # indexes 2.7 MB. The HTML, summary and Markdown become zstd frames with a dictionary trained
    # on the cache's posts (storage/codec.py: 3.8x), packed in place (~2 s at 50,000 posts).
    from .codec import TRAIN_AT, Codec

    _reindex_scripts(db)
    db.execute("CREATE TABLE codec_dicts(id INTEGER PRIMARY KEY, data BLOB NOT NULL)")
    codec = Codec(db)
    if int(db.execute("SELECT count(*) FROM posts").fetchone()[0]) >= TRAIN_AT:
        codec.train()
    codec.repack()
    # Sort by title (issue 13): the order's own covering index, so the list reads it in order with
    # the state filters, instead of sorting every post (370 ms at 50,000 posts).
    db.execute(
        "CREATE INDEX posts_by_title ON posts(title COLLATE NOCASE, published DESC, id DESC,"
        " feed_id, read, starred, backlog)"
    )
    # Undated posts are dated when first seen (``undated`` = 1: ``published`` is that time), not
    # sunk below every dated post; those stored undated take their feed's subscription time.
    db.execute("ALTER TABLE posts ADD COLUMN undated INTEGER NOT NULL DEFAULT 0")
    db.execute(
        "UPDATE posts SET undated = 1, published = coalesce((SELECT nullif(f.added_at, 0) FROM feeds f"
        " WHERE f.id = posts.feed_id), CAST(strftime('%s', 'now') AS INTEGER)) WHERE published = 0"
    )


#: The sidebar's counts, kept by triggers as posts and their tags are written (schema 12): the
#: counts of a million posts were a grouped scan of an index each (0.2-2 s) on every refresh of
#: the sidebar; they are now a read of one row per feed or tag. What counts as unread, backlog
#: and starred is the query language's ``is:`` (query.py). A post's tags are taken off before the
#: post goes (``posts_counted_going``), so that each tag's unread count is told the post's state.
#: The tables COUNT_TRIGGERS keep (derived: ``recount`` works them out again).
COUNT_TABLES = ("feed_counts", "tag_counts")
#: A post going (OLD) and coming (NEW), in its feed's counts: a post changed is both.
_FEED_GONE = """\
        UPDATE feed_counts SET posts = posts - 1, unread = unread - (OLD.read = 0 AND OLD.backlog = 0),
            backlog = backlog - (OLD.read = 0 AND OLD.backlog = 1), starred = starred - (OLD.starred = 1)
            WHERE feed_id = OLD.feed_id;
"""
_FEED_NEW = """\
        INSERT INTO feed_counts(feed_id, posts, unread, backlog, starred)
            VALUES (NEW.feed_id, 1, NEW.read = 0 AND NEW.backlog = 0, NEW.read = 0 AND NEW.backlog = 1,
                    NEW.starred = 1)
            ON CONFLICT(feed_id) DO UPDATE SET posts = posts + 1, unread = unread + excluded.unread,
                backlog = backlog + excluded.backlog, starred = starred + excluded.starred;
"""
#: A post_tags row going (OLD) and coming (NEW), in its tag's counts: a row moved is both.
_TAG_GONE = """\
        UPDATE tag_counts SET posts = posts - 1,
            unread = unread - coalesce((SELECT read = 0 AND backlog = 0 FROM posts WHERE id = OLD.post_id), 0)
            WHERE tag_id = OLD.tag_id;
"""
_TAG_NEW = """\
        INSERT INTO tag_counts(tag_id, posts, unread)
            VALUES (NEW.tag_id, 1,
                    coalesce((SELECT read = 0 AND backlog = 0 FROM posts WHERE id = NEW.post_id), 0))
            ON CONFLICT(tag_id) DO UPDATE SET posts = posts + 1, unread = unread + excluded.unread;
"""
COUNT_TRIGGERS = f"""
    CREATE TRIGGER posts_counted_new AFTER INSERT ON posts BEGIN
{_FEED_NEW}    END;
    CREATE TRIGGER posts_counted_going BEFORE DELETE ON posts BEGIN
        DELETE FROM post_tags WHERE post_id = OLD.id;
    END;
    CREATE TRIGGER posts_counted_gone AFTER DELETE ON posts BEGIN
{_FEED_GONE}    END;
    CREATE TRIGGER posts_counted_changed AFTER UPDATE OF feed_id, read, backlog, starred ON posts
        WHEN OLD.feed_id IS NOT NEW.feed_id OR OLD.read IS NOT NEW.read OR OLD.backlog IS NOT NEW.backlog
            OR OLD.starred IS NOT NEW.starred BEGIN
{_FEED_GONE}{_FEED_NEW}        UPDATE tag_counts SET unread = unread - (OLD.read = 0 AND OLD.backlog = 0)
                + (NEW.read = 0 AND NEW.backlog = 0)
            WHERE (OLD.read = 0 AND OLD.backlog = 0) != (NEW.read = 0 AND NEW.backlog = 0)
            AND tag_id IN (SELECT tag_id FROM post_tags WHERE post_id = NEW.id);
    END;
    CREATE TRIGGER feeds_counted_gone AFTER DELETE ON feeds BEGIN
        DELETE FROM feed_counts WHERE feed_id = OLD.id;
    END;
    CREATE TRIGGER post_tags_counted_new AFTER INSERT ON post_tags BEGIN
{_TAG_NEW}    END;
    CREATE TRIGGER post_tags_counted_gone AFTER DELETE ON post_tags BEGIN
{_TAG_GONE}    END;
    CREATE TRIGGER post_tags_counted_moved AFTER UPDATE OF post_id, tag_id ON post_tags
        WHEN OLD.post_id IS NOT NEW.post_id OR OLD.tag_id IS NOT NEW.tag_id BEGIN
{_TAG_GONE}{_TAG_NEW}    END;
    CREATE TRIGGER tags_counted_gone AFTER DELETE ON tags BEGIN
        DELETE FROM tag_counts WHERE tag_id = OLD.id;
    END
"""


def _triggers(db: sqlite3.Connection, script: str) -> None:
    # Statements end at "END" (a trigger's body holds semicolons of its own).
    for statement in script.split("END;"):
        statement = statement.strip()
        if statement:
            db.execute(statement if statement.endswith("END") else statement + " END")


def recount(db: sqlite3.Connection) -> None:
    """The count tables worked out anew from the posts and their tags (schema 12's migration, and
    ``blogtui doctor --repair`` after copying what it could read): one pass of a covering index each."""
    db.execute("DELETE FROM feed_counts")
    db.execute(
        "INSERT INTO feed_counts(feed_id, posts, unread, backlog, starred)"
        " SELECT feed_id, count(*), sum(read = 0 AND backlog = 0), sum(read = 0 AND backlog = 1),"
        " sum(starred = 1) FROM posts INDEXED BY posts_by_date_state GROUP BY feed_id"
    )
    db.execute("DELETE FROM tag_counts")
    db.execute(
        "INSERT INTO tag_counts(tag_id, posts, unread)"
        " SELECT pt.tag_id, count(*), sum(p.read = 0 AND p.backlog = 0)"
        " FROM post_tags pt JOIN posts p INDEXED BY posts_by_id ON p.id = pt.post_id GROUP BY pt.tag_id"
    )


def _v12(db: sqlite3.Connection) -> None:
    # A million posts (issue 15). Sort by title inside one feed (issue 13): posts_by_title leads
    # with the title, so a cursor's place in one feed's list counted every title before it in the
    # whole cache (576 ms at 1M); posts_by_feed_title leads with the feed. And the sidebar's counts
    # kept as posts are written (COUNT_TRIGGERS), no longer counted at each refresh.
    db.execute(
        "CREATE INDEX posts_by_feed_title ON posts(feed_id, title COLLATE NOCASE, published DESC, id DESC,"
        " read, starred, backlog)"
    )
    _script(
        db,
        """
        CREATE TABLE feed_counts(
            feed_id INTEGER PRIMARY KEY,
            posts INTEGER NOT NULL DEFAULT 0,
            unread INTEGER NOT NULL DEFAULT 0,
            backlog INTEGER NOT NULL DEFAULT 0,
            starred INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE tag_counts(
            tag_id INTEGER PRIMARY KEY,
            posts INTEGER NOT NULL DEFAULT 0,
            unread INTEGER NOT NULL DEFAULT 0
        )
        """,
    )
    recount(db)
    _triggers(db, COUNT_TRIGGERS)


#: How often a long migration reports how far it is (``reporting``), in seconds.
REPORT_EVERY = 3.0
_PROGRESS: ContextVar[Callable[[int, int], None] | None] = ContextVar("blogtui_upgrade", default=None)


@contextmanager
def reporting(progress: Callable[[int, int], None] | None) -> Iterator[None]:
    """Within it, a long migration calls ``progress(done, total)`` (posts) every few seconds."""
    token = _PROGRESS.set(progress)
    try:
        yield
    finally:
        _PROGRESS.reset(token)


def _v13(db: sqlite3.Connection) -> None:
    # Both search indexes put the body first (FTS_SCHEMA, CJK_SCHEMA): FTS5 writes a two-byte
    # column mark before a token's positions in any column but the first, once per token of
    # each post, and the body was the third: 26 % of posts_cjk, 28 % of posts_fts. Schema 15
    # builds both again (keyed by date) from the current schemas, and every upgrade that runs
    # this one runs it: building them here too would make the longest step of an upgrade twice
    # as long.
    return


def _v14(db: sqlite3.Connection) -> None:
    # A feed's timeline (its card, issue 13) counted posts per month by reading each post's row
    # for ``undated`` (2,000 scattered rows: 48-65 ms with the pages cold at 200,000 posts); now
    # the months come from posts_by_feed, which holds the dates, less the few undated posts,
    # which this partial index lists.
    db.execute(
        "CREATE INDEX IF NOT EXISTS posts_undated ON posts(feed_id, published, undated) WHERE undated = 1"
    )


def _v15(db: sqlite3.Connection) -> None:
    # The search indexes' rows keyed by date (query.index_key, issue 15): FTS5 hands a search's
    # matches over in rowid order, and the rowid was the post's id, so a newest-first page of
    # any search first built the set of all its matches (200 ms for a common word at a million
    # posts) where it can now read them newest first and stop at a page (0.3 ms). Both tables
    # are contentless, so they are built again from each post's HTML, unpacked and turned into
    # text once for both, as Store._fts_delete repeats it. One transaction (Store._migrate): an
    # interrupted upgrade leaves the cache as it was. ~5 min at 1,000,000 posts, 40 MB of RSS;
    # ``reporting`` says how far it is.
    from .codec import Codec

    for table, schema in (("posts_fts", FTS_SCHEMA), ("posts_cjk", CJK_SCHEMA)):
        db.execute(f"DROP TABLE IF EXISTS {table}")
        db.execute(schema)
    unpack = Codec(db).unpack
    progress = _PROGRESS.get()
    total = int(db.execute("SELECT count(*) FROM posts").fetchone()[0]) if progress else 0
    done = shown = 0
    reported = time.monotonic()
    for batch in _by_key(db):
        words, found = [], []
        for post_id, published, title, author, packed in batch:
            key = index_key(published, post_id)
            row, runs = index_rows(title, author, html_to_text(unpack(packed)))
            words.append((key, *row))
            if runs is not None:
                found.append((key, *runs))
        db.executemany("INSERT INTO posts_fts(rowid, title, author, body) VALUES (?, ?, ?, ?)", words)
        db.executemany("INSERT INTO posts_cjk(rowid, title, author, body) VALUES (?, ?, ?, ?)", found)
        done += len(batch)
        if progress and time.monotonic() - reported >= REPORT_EVERY:
            progress(done, total)
            shown, reported = done, time.monotonic()
    if progress and 0 < shown < done:
        progress(done, total)  # all of them: then the merge (~10 % of the time at 1M posts)
    for table in ("posts_fts", "posts_cjk"):
        db.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")
    # The old indexes' pages go back to the file system where the cache gives free pages back
    # (auto_vacuum incremental; else ``blogtui vacuum`` does). Python's sqlite3 steps the
    # pragma once, which frees one page: one call per page (0.1 s at 50,000 posts).
    if db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2:
        for _ in range(int(db.execute("PRAGMA freelist_count").fetchone()[0])):
            db.execute("PRAGMA incremental_vacuum")


def _by_key(db: sqlite3.Connection) -> Iterator[list[Any]]:
    """Every post's ``(id, published, title, author, content_html)`` in batches, in the order of
    their keys in the search indexes (query.index_key): a date bucket at a time from the date
    index, by id within it. FTS5 writes its pending rows out as a segment of their own whenever
    a rowid is not above the last one: read by id, most posts would be one (a feed's posts are
    added newest first), and the upgrade would spend its time merging them."""
    columns = "id, published, title, author, content_html"
    start = db.execute("SELECT min(published) FROM posts").fetchone()[0]
    while start is not None:
        low, high = bucket_dates(date_bucket(int(start)))
        tests = [
            sql for sql, bound in (("published >= ?", low), ("published < ?", high)) if bound is not None
        ]
        where = " AND ".join(tests) or "1"
        bounds = [bound for bound in (low, high) if bound is not None]
        rows = db.execute(f"SELECT {columns} FROM posts WHERE {where} ORDER BY id", bounds)
        while batch := rows.fetchmany(2000):
            yield batch
        if high is None:
            return
        start = db.execute("SELECT min(published) FROM posts WHERE published >= ?", (high,)).fetchone()[0]


#: Numbered migrations: MIGRATIONS[n] brings the schema from version n to n + 1.
MIGRATIONS = [_v1, _v2, _v3, _v4, _v5, _v6, _v7, _v8, _v9, _v10, _v11, _v12, _v13, _v14, _v15]
SCHEMA_VERSION = len(MIGRATIONS)


def needs_upgrade(path: Path) -> bool:
    """Whether the cache at ``path`` exists and was written by an older schema (opening migrates it).

    Read without writing or migrating, so the caller can say so before a long upgrade starts.
    """
    if not path.is_file():
        return False
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
        finally:
            db.close()
    except sqlite3.Error:
        return False  # opening it properly reports what is wrong
    return 0 < version < SCHEMA_VERSION
