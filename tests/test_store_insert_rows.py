"""New posts and their tags go in many rows a statement (storage/batches.insert_rows): the cache
they make is the one ``executemany``, a statement a row, made (rows, ids, tags, counts, search)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest

from blogtui.content.text import html_to_text
from blogtui.models import ParsedPost
from blogtui.query import compile_query, parse
from blogtui.storage import batches
from blogtui.storage import store as store_module
from blogtui.storage.store import Store

SIZES = [0, 1, 2, 3, 31, 63, 64, 65, 127, 128, 200, 333]


@pytest.mark.parametrize("count", SIZES)
def test_insert_rows_puts_in_what_executemany_does(count: int) -> None:
    # A table with a trigger (the case it is for) and INSERT OR IGNORE meeting rows repeated
    # within one statement and across two.
    def made(insert: object) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
        db = sqlite3.connect(":memory:", isolation_level=None)
        db.execute("CREATE TABLE t(a INTEGER NOT NULL, b TEXT, c BLOB, PRIMARY KEY(a, b)) WITHOUT ROWID")
        db.execute("CREATE TABLE n(k TEXT PRIMARY KEY, hits INTEGER NOT NULL)")
        db.execute(
            "CREATE TRIGGER t_new AFTER INSERT ON t BEGIN INSERT INTO n(k, hits) VALUES (NEW.b, 1)"
            " ON CONFLICT(k) DO UPDATE SET hits = hits + 1; END"
        )
        rows = [(i % 50, f"b{i % 7}", bytes([i % 256]) if i % 3 else None) for i in range(count)]
        db.execute("BEGIN")
        insert(db, "INSERT OR IGNORE INTO t(a, b, c)", rows)  # type: ignore[operator]
        insert(db, "INSERT OR IGNORE INTO t(a, b, c)", rows[: count // 2])  # type: ignore[operator]
        db.execute("COMMIT")
        return db.execute("SELECT * FROM t").fetchall(), db.execute("SELECT * FROM n ORDER BY k").fetchall()

    def one_a_row(db: sqlite3.Connection, head: str, rows: Sequence[tuple[object, ...]]) -> None:
        db.executemany(f"{head} VALUES (?, ?, ?)", rows)

    assert made(batches.insert_rows) == made(one_a_row)


def test_insert_rows_keeps_under_999_parameters_a_statement() -> None:
    seen: list[int] = []
    db = sqlite3.connect(":memory:", isolation_level=None)
    db.execute("CREATE TABLE t(" + ", ".join(f"c{i}" for i in range(15)) + ")")

    class Counting:
        def execute(self, sql: str, params: Sequence[object]) -> sqlite3.Cursor:
            assert sql.count("?") == len(params)
            seen.append(len(params))
            return db.execute(sql, params)

    batches.insert_rows(Counting(), "INSERT INTO t", [tuple(range(15))] * 200)  # type: ignore[arg-type]
    assert db.execute("SELECT count(*) FROM t").fetchone()[0] == 200
    assert seen == [960, 960, 960, 120]  # 64 + 64 + 64 + 8 rows: under 999 a statement


def _posts(feed: str, count: int) -> list[ParsedPost]:
    posts = []
    for n in range(count):
        html = (
            f"<p>Post {n} of {feed}: rust and gardens, 庭の手入れ {n % 5}</p>"
            if n % 4 == 0
            else (f"<p>Post {n} of {feed} about databases <b>number {n}</b> and queues</p>")
        )
        tags = (f"topic-{n % 9}", "Über" if n % 2 else "über", "Shared", "shared ") if n % 3 else ()
        posts.append(
            ParsedPost(
                guid=f"{feed}-{n}",
                url=f"https://{feed}.example/post/{n}" if n % 10 else "",
                title=f"Title {n} {feed}",
                author="Ann" if n % 2 else "",
                published=datetime(2024, 1 + n % 12, 1 + n % 28, tzinfo=timezone.utc) if n % 11 else None,
                content_html=html,
                text=html_to_text(html),
                tags=tags,
            )
        )
    return posts


def _fill(path: Path) -> dict[str, object]:
    store = Store(path)
    try:
        now = datetime(2025, 6, 1, tzinfo=timezone.utc)
        for feed, count in (("a", 150), ("b", 64), ("c", 1), ("d", 0), ("e", 97)):
            feed_id = store.add_feed(f"https://{feed}.example/feed", now=now)
            if feed == "e":
                store.update_feed(feed_id, folder="Tech/Python")
            with store.transaction():
                store.upsert_posts(feed_id, _posts(feed, count), backlog=feed == "b", now=now)
        # A second fetch: some posts changed, some new, one tag set changed.
        feed_id = store.add_feed("https://a.example/feed")
        again = _posts("a", 180)
        again[5] = replace(again[5], title="A new title", tags=("topic-1", "fresh"))
        with store.transaction():
            store.upsert_posts(feed_id, again, now=now)
        store.mark([1, 2, 3, 70], read=True)
        db = store.db
        found = {}
        for text in ("rust", "databases queues", "庭", "tag:über", "tag:shared is:unread", "title", "A new"):
            found[text] = store.post_ids(compile_query(parse(text)))
        return {
            "posts": db.execute(
                "SELECT id, feed_id, guid, url, title, author, published, updated, blogtui_text(summary),"
                " blogtui_text(content_html), read, starred, summary_only, backlog, canonical, from_page,"
                " undated FROM posts ORDER BY id"
            ).fetchall(),
            "tags": db.execute("SELECT id, name FROM tags ORDER BY id").fetchall(),
            "post_tags": db.execute("SELECT * FROM post_tags ORDER BY post_id, tag_id").fetchall(),
            "feed_counts": db.execute("SELECT * FROM feed_counts ORDER BY feed_id").fetchall(),
            "tag_counts": db.execute("SELECT * FROM tag_counts ORDER BY tag_id").fetchall(),
            "found": found,
        }
    finally:
        store.close()


@pytest.fixture
def a_row_a_statement(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def one_a_row(db: sqlite3.Connection, head: str, rows: Sequence[tuple[object, ...]]) -> None:
        if rows:
            db.executemany(f"{head} VALUES ({','.join('?' * len(rows[0]))})", rows)

    monkeypatch.setattr(store_module, "insert_rows", one_a_row)
    yield


def test_a_store_written_many_rows_a_statement_is_the_same(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    new = _fill(tmp_path / "new" / "blogtui.db")
    request.getfixturevalue("a_row_a_statement")
    old = _fill(tmp_path / "old" / "blogtui.db")
    assert new == old
    assert len(new["posts"]) == 150 + 30 + 64 + 1 + 97  # type: ignore[arg-type]
    assert new["post_tags"] and new["tag_counts"] and all(new["found"].values())  # type: ignore[union-attr]
