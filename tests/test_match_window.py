"""A search's list read from the index bucket by bucket (storage/window.py's MatchWindow): the
index's rows are keyed by their date's bucket (schema 15), so a page of a search newest (or
oldest) first is read from the few buckets that hold it and sorted by date within them. Every
way a page is read (the first, the next, around a post, by offset, from the end) gives
post_ids's ids in post_ids's order, over posts spread across years with ties on one date."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from blogtui.library import Library
from blogtui.models import ParsedPost
from blogtui.query import BUCKET_BITS, KEY_SHIFT, Compiled, date_bounds, date_bucket, row_tests
from blogtui.storage import feed_window, search, title_window, window
from blogtui.storage.window import Chain, MatchWindow

WORDS = ["archive", "cache", "feed", "parse", "index", "window", "reader", "garden"]


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Library:
    monkeypatch.setattr(search, "WINDOW_MIN", 10)
    monkeypatch.setattr(search, "LOOKUP_LIMIT", 5)  # "tomato"'s 15 posts: a window too
    monkeypatch.setattr(search, "RANK_LIMIT", 40)
    for module in (window, feed_window, title_window):
        monkeypatch.setattr(module, "PAGE", 7)
    monkeypatch.setattr(window, "KEPT_PAGES", 3)
    library = Library(tmp_path / "data")
    rng = random.Random(15)
    base = datetime(2019, 1, 1, tzinfo=timezone.utc)
    for feed in range(3):
        feed_id = library.store.add_feed(f"https://example.invalid/{feed}.xml")
        posts = []
        for n in range(150):
            words = rng.choices(WORDS, k=5)
            if n % 37 == 0:
                words.append("tomato")  # a rare word, its posts buckets apart
            # Four years (~60 buckets); a day in ten holds several posts: the id breaks ties.
            when = base + timedelta(days=rng.randrange(0, 1460, rng.choice([1, 10])))
            posts.append(
                ParsedPost(
                    guid=f"{feed}-{n}", url=f"https://example.invalid/{feed}/{n}", title=" ".join(words[:2]),
                    author="A", published=when, content_html="<p>" + " ".join(words) + "</p>",
                    text=" ".join(words), tags=tuple(rng.sample(["python", "food"], rng.randint(0, 1))),
                )
            )  # fmt: skip
        library.store.upsert_posts(feed_id, posts)
    library.store.db.execute("UPDATE posts SET read = 1 WHERE id % 3 = 0")
    return library


def _windows(ids: object) -> list[MatchWindow]:
    parts = ids._parts if isinstance(ids, Chain) else [ids]  # type: ignore[attr-defined]
    return [p for p in parts if isinstance(p, MatchWindow)]


def read_traced(
    library: Library, compiled: Compiled, **kwargs: object
) -> tuple[list[int], object, list[str]]:
    """post_ids's list, the window of the same query read a page after another from its start
    (checked against that list), and the statements the window ran."""
    expected = library.post_ids(compiled, **kwargs)  # type: ignore[arg-type]
    assert len(expected) > 7
    reads: list[str] = []
    library.store.db.set_trace_callback(reads.append)
    ids = library.post_window(compiled, **kwargs)  # type: ignore[arg-type]
    assert [ids[i] for i in range(len(expected))] == expected
    library.store.db.set_trace_callback(None)
    return expected, ids, reads


CASES = [
    ("archive", False, "newest"),
    ("archive", False, "oldest"),
    ("tomato", False, "newest"),
    ("archive tag:python", False, "newest"),
    ("archive is:unread -tag:food", False, "oldest"),
    ("cache garden", False, "newest"),
    ("archive", True, "newest"),
    ("archive -tag:food", True, "newest"),
]


@pytest.mark.parametrize(("query", "ranked", "order"), CASES)
def test_a_search_read_by_bucket_gives_the_list_in_order(
    library: Library, query: str, ranked: bool, order: str
) -> None:
    compiled = library.compile(query)
    expected = library.post_ids(compiled, ranked=ranked, order=order)
    assert len(expected) > 7
    # Read page after page from the start: each page from the buckets past the last post read.
    reads: list[str] = []
    library.store.db.set_trace_callback(reads.append)
    ids = library.post_window(compiled, ranked=ranked, order=order)
    assert _windows(ids), type(ids)
    assert [ids[i] for i in range(len(expected))] == expected
    library.store.db.set_trace_callback(None)
    # One statement a page, stepped by key (no sort, no offset, no limit: the window stops
    # stepping past the page's last bucket); one that seeks past the last post read bounds the
    # keys by its bucket too.
    pages = [sql for sql in reads if "ORDER BY posts_fts.rowid" in sql]
    assert pages and not [sql for sql in pages if "OFFSET" in sql or "LIMIT" in sql], pages
    seeking = [sql for sql in pages if "(posts.published, posts.id) " in sql]
    assert seeking and all("posts_fts.rowid < " in sql or "posts_fts.rowid >= " in sql for sql in seeking)
    # A fresh window read out of order: the end, jumps (by offset), backwards, around a post.
    ids = library.post_window(compiled, ranked=ranked, order=order)
    rng = random.Random(query)
    for index in [
        len(expected) - 1,
        len(expected) // 2,
        *rng.sample(range(len(expected)), min(20, len(expected))),
        0,
    ]:
        assert ids[index] == expected[index]
    for index in rng.sample(range(len(expected)), min(10, len(expected))):
        post = expected[index]
        assert ids.position(post) == index  # type: ignore[attr-defined]
        for part in _windows(ids):
            if post in part:
                at = part.position(post)
                excerpt = part.excerpt(post, 4, 5)
                assert excerpt is not None and list(excerpt) == list(part)[max(0, at - 4) : at + 6]
    assert 10**9 not in ids and ids == expected


def test_a_first_page_reads_only_the_newest_buckets(library: Library) -> None:
    # "archive" is in most posts: its first page of 7 lies in the newest bucket or two, and the
    # window steps no further than the buckets it returns, the first row past them aside.
    compiled = library.compile("archive")
    ids = library.post_window(compiled)
    (part,) = _windows(ids)
    stepped: list[int] = []
    real = part._db

    class Counted:
        def __init__(self, cursor: sqlite3.Cursor) -> None:
            self.cursor = cursor

        def __iter__(self) -> Iterator[tuple[int, int, int]]:
            for row in self.cursor:
                stepped.append(row[2])
                yield row

        def close(self) -> None:
            self.cursor.close()

    class Connection:
        def execute(self, sql: str, params: Sequence[object] = ()) -> object:
            cursor = real().execute(sql, params)
            return Counted(cursor) if "ORDER BY posts_fts.rowid" in sql else cursor

    part._db = lambda: Connection()  # type: ignore[assignment, return-value]
    first = ids[:7]
    assert first == library.post_ids(compiled)[:7]
    dates = dict(library.store.db.execute("SELECT id, published FROM posts").fetchall())
    oldest = min(dates[i] >> BUCKET_BITS for i in first)
    assert len(stepped) > 7 and all(key >> KEY_SHIFT >= oldest for key in stepped[:-1]), stepped
    assert len(stepped) < len(library.post_ids(compiled)) // 4  # far from every match


@pytest.mark.parametrize(
    "query",
    [
        "archive after:2020-03-01 before:2021-02-01",
        "archive after:2021-06-01",
        "cache before:2019-09-01 tag:python",
        "archive after:2020-01-01 after:2020-06-01 before:2022-01-01 before:2021-01-01",
    ],
)
@pytest.mark.parametrize("order", ["newest", "oldest"])
def test_a_search_between_dates_reads_only_their_buckets(library: Library, query: str, order: str) -> None:
    # after: and before: bound the keys read (the tightest of each when there are several); the
    # list is still post_ids's, every page of it, and no read reaches a bucket outside them.
    compiled = library.compile(query)
    _, ids, reads = read_traced(library, compiled, order=order)
    assert _windows(ids)
    first, end = date_bounds(compiled)
    pages = [sql for sql in reads if "ORDER BY posts_fts.rowid" in sql]
    assert pages
    for sql in pages:
        if first is not None:
            lows = [int(part.split()[0]) for part in sql.split("posts_fts.rowid >= ")[1:]]
            assert lows and min(lows) >> KEY_SHIFT >= date_bucket(first), sql
        if end is not None:
            highs = [int(part.split()[0]) for part in sql.split("posts_fts.rowid < ")[1:]]
            assert highs and max(highs) >> KEY_SHIFT <= date_bucket(end - 1) + 1, sql


def test_contradictory_dates_read_nothing(library: Library) -> None:
    # after: a later date than before: matches nothing, and the window reads no row to say so.
    compiled = library.compile("archive after:2022-01-01 before:2020-01-01")
    assert library.post_ids(compiled) == []
    ids = library.post_window(compiled)
    for part in _windows(ids):
        assert part._ranged(None, True, 7) == []
    assert list(ids) == [] and len(ids) == 0


@pytest.mark.parametrize(
    "query",
    [
        "archive tag:python",
        "archive -tag:food",
        "cache (tag:python OR tag:food)",
        "feed -tag:python is:unread",
    ],
)
def test_a_tag_tested_post_by_post_finds_what_its_set_finds(library: Library, query: str) -> None:
    # row_tests turns each tag: set into a test of the post at hand: the same posts pass.
    compiled = library.compile(query)
    assert "post_tags" in compiled.where
    tested = row_tests(compiled.where)
    assert "EXISTS" in tested and "posts.id IN (SELECT pt.post_id" not in tested
    db = library.store.db
    by_set = db.execute(
        f"SELECT posts.id FROM posts WHERE {compiled.where} ORDER BY id", compiled.params
    ).fetchall()
    by_row = db.execute(f"SELECT posts.id FROM posts WHERE {tested} ORDER BY id", compiled.params).fetchall()
    assert by_set == by_row and by_set
