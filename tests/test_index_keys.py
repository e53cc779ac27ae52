"""The search indexes' rows are keyed by date (schema 15, issue 15): a row's rowid is
``query.index_key(published, id)``, the date's bucket then the id, so that FTS5's rowid order is
the list's order bucket by bucket. Every write
keys them so (ingest, an update that moves a date, a new body, a delete), the upgrade from schema
14 keys an older cache's rows, and a repair keys what it indexes again."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from blogtui.content.text import html_to_text
from blogtui.models import ParsedPost
from blogtui.query import (
    BUCKET_BITS,
    ID_MASK,
    KEY_SHIFT,
    ROW_POST,
    compile_query,
    date_bucket,
    index_key,
    index_key_sql,
    index_rows,
    parse,
)
from blogtui.storage import doctor, schema
from blogtui.storage.store import Store
from posts import dated_post

FEED = "https://x.example/feed"


def _post(guid: str, title: str, body: str, day: int) -> ParsedPost:
    return dated_post("x.example", guid, title, body, day, "Ann")


POSTS = [
    _post("a", "Apple trees", "an orchard of apple trees", 3),
    _post("b", "Pears", "pears and an apple", 1),
    _post("c", "收藏", "纪念币 and apple", 2),
    _post("d", "Plums", "plums only", 4),
]


def _keys(store: Store, table: str = "posts_fts") -> dict[int, int]:
    """Each post's key in ``table``, by post id (every row's id read from its key)."""
    rows = store.db.execute(f"SELECT {ROW_POST}, rowid FROM {table}").fetchall()
    keys = dict(rows)
    assert len(keys) == len(rows)  # one row a post
    return keys


def _expected(store: Store, *, cjk: bool = False) -> dict[int, int]:
    rows = store.db.execute("SELECT id, published, title FROM posts").fetchall()
    return {i: index_key(p, i) for i, p, title in rows if not cjk or title == "收藏"}


def _fill(store: Store, posts: list[ParsedPost] = POSTS) -> int:
    feed = store.add_feed(FEED)
    with store.transaction():
        store.upsert_posts(feed, posts)
    return feed


def _ids(store: Store, text: str) -> list[int]:
    return store.post_ids(compile_query(parse(text)))


@pytest.mark.parametrize(
    ("published", "post_id"),
    [(0, 1), (1_704_067_200, 7), (1_704_067_200, ID_MASK), (-86_400, 3), (253_402_300_799, 9), (-(2**45), 2)],
)
def test_a_key_holds_the_post_id_and_sorts_by_date_bucket_then_id(published: int, post_id: int) -> None:
    key = index_key(published, post_id)
    assert key & ID_MASK == post_id and key >> KEY_SHIFT == date_bucket(published)
    assert -(2**63) <= key < 2**63
    # The same in SQL (the body word counts join posts to the index's docsize by it).
    db = sqlite3.connect(":memory:")
    sql = index_key_sql("?", "?").replace("?", str(published), 1).replace("?", str(post_id), 1)
    assert db.execute(f"SELECT {sql}, {sql} & {ID_MASK}").fetchone() == (key, post_id)
    # Ordered by the date's bucket, then by id: any post of a later bucket keys above any of
    # this one's, a later date never keys below, and in a bucket the id decides.
    start = date_bucket(published) << BUCKET_BITS
    if -(2**40) < published < 2**40 - 2 * 2**BUCKET_BITS:
        assert start <= published < start + 2**BUCKET_BITS
        assert key < index_key(start + 2**BUCKET_BITS, 0) <= index_key(published + 2**BUCKET_BITS, 0)
        assert index_key(start, post_id) == index_key(start + 2**BUCKET_BITS - 1, post_id) == key
        assert index_key(start - 1, ID_MASK) < index_key(start, 0)
    if post_id > 1:
        assert index_key(published, post_id - 1) < key
    # A date past the bounds sorts at the bound.
    assert index_key(2**45, 5) == index_key(2**40 - 1, 5) and index_key(-(2**45), 5) == index_key(-(2**40), 5)


def _spread(days: list[int]) -> list[ParsedPost]:
    """POSTS again, dated ``days`` after 2020-01-01 (one post each, in POSTS's order)."""
    start = datetime(2020, 1, 1, tzinfo=timezone.utc)
    return [replace(p, published=start + timedelta(days=d)) for p, d in zip(POSTS, days, strict=True)]


def test_each_post_is_keyed_by_its_date(tmp_path: Path) -> None:
    store = Store(tmp_path / "blogtui.db")
    try:
        # Two posts in one bucket (days 0 and 3), the others in buckets of their own, later
        # ones first in POSTS, so that neither id order nor insertion order is the date order.
        _fill(store, _spread([400, 0, 3, 90]))
        assert _keys(store) == _expected(store)
        assert _keys(store, "posts_cjk") == _expected(store, cjk=True)
        assert len({k >> KEY_SHIFT for k in _keys(store).values()}) == 3
        # rowid order is the list's order bucket by bucket: the index alone, newest first, gives
        # the list with the two posts of one bucket in id order.
        by_key = [r[0] for r in store.db.execute(f"SELECT {ROW_POST} FROM posts_fts ORDER BY rowid DESC")]
        newest = _ids(store, "")
        assert by_key[:2] == newest[:2] and sorted(by_key[2:]) == sorted(newest[2:])
        apple = _ids(store, "apple")
        assert apple == [i for i in newest if i != newest[1]] and len(apple) == 3  # "plums only"
    finally:
        store.close()


def test_a_new_date_moves_the_post_in_the_index(tmp_path: Path) -> None:
    store = Store(tmp_path / "blogtui.db")
    try:
        feed = _fill(store)
        moved = replace(POSTS[1], published=datetime(2024, 1, 9, tzinfo=timezone.utc))  # same text
        with store.transaction():
            store.upsert_posts(feed, [moved])
        assert _keys(store) == _expected(store)  # its old row gone (a delete at its old key)
        assert store.db.execute("SELECT count(*) FROM posts_fts_docsize").fetchone()[0] == len(POSTS)
        pears = store.db.execute("SELECT id FROM posts WHERE guid = 'b'").fetchone()[0]
        assert _ids(store, "apple")[0] == pears and _ids(store, "pears") == [pears]
        # A new body at the new date (the full article fetched): still one row, at its key.
        html = "<p>quinces now</p>"
        store.set_content_html(pears, html, html_to_text(html), "quinces now")
        assert _keys(store) == _expected(store)
        assert _ids(store, "quinces") == [pears] and pears not in _ids(store, "apple")
        # Removing the feed empties both indexes: each delete repeated the key it was given.
        assert store.remove_feed(FEED)
        assert store.db.execute("SELECT count(*) FROM posts_fts_docsize").fetchone()[0] == 0
        assert store.db.execute("SELECT count(*) FROM posts_cjk_docsize").fetchone()[0] == 0
    finally:
        store.close()


def test_an_undated_post_is_keyed_by_the_date_it_was_given(tmp_path: Path) -> None:
    store = Store(tmp_path / "blogtui.db")
    try:
        _fill(store, [*POSTS, replace(POSTS[3], guid="e", title="Undated", published=None)])
        assert _keys(store) == _expected(store)
        undated = store.db.execute("SELECT id FROM posts WHERE guid = 'e'").fetchone()[0]
        assert _ids(store, "plums")[0] == undated  # first seen now: the newest
    finally:
        store.close()


def _as_schema_14(path: Path) -> None:
    """The cache at ``path`` as schema 14 left it: each index row's rowid the post's id."""
    db = sqlite3.connect(path)
    with db:
        for table in ("posts_fts", "posts_cjk"):
            db.execute(f"INSERT INTO {table}({table}) VALUES ('delete-all')")
        for post_id, title, author, html in db.execute(
            "SELECT id, title, author, content_html FROM posts"
        ).fetchall():
            text = html_to_text(html) if isinstance(html, str) else ""
            for table, row in zip(("posts_fts", "posts_cjk"), index_rows(title, author, text)):
                if row is not None:
                    db.execute(
                        f"INSERT INTO {table}(rowid, title, author, body) VALUES (?, ?, ?, ?)",
                        (post_id, *row),
                    )
        db.execute("PRAGMA user_version = 14")
    db.close()


def test_schema_15_keys_an_older_cache_by_date(tmp_path: Path) -> None:
    path = tmp_path / "blogtui.db"
    store = Store(path)
    _fill(store)
    found = {q: _ids(store, q) for q in ("apple", "纪念币", "pe*", "-apple")}
    store.close()
    _as_schema_14(path)
    db = sqlite3.connect(path)
    old = {r[0] for r in db.execute("SELECT rowid FROM posts_fts")}
    db.close()
    assert old == {1, 2, 3, 4} and schema.needs_upgrade(path)
    store = Store(path)
    try:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        assert _keys(store) == _expected(store)
        assert _keys(store, "posts_cjk") == _expected(store, cjk=True)
        assert {q: _ids(store, q) for q in found} == found
    finally:
        store.close()


def test_a_repair_keys_the_index_by_date(tmp_path: Path) -> None:
    """What a repair does when it cannot copy the index: index the copied posts again."""
    path = tmp_path / "blogtui.db"
    store = Store(path)
    _fill(store)
    store.close()
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN")
    doctor._reindex(db, ["posts_fts", "posts_cjk"])
    db.execute("COMMIT")
    db.close()
    store = Store(path)
    try:
        assert _keys(store) == _expected(store)
        assert _keys(store, "posts_cjk") == _expected(store, cjk=True)
        assert len(_ids(store, "apple")) == 3
    finally:
        store.close()


def _index_pages(path: Path, newest_first: bool) -> tuple[int, int]:
    store = Store(path)
    try:
        feed = store.add_feed(FEED)
        start = datetime(2020, 1, 1, tzinfo=timezone.utc)
        posts = [
            dated_post("x.example", f"p{n}", f"post {n}", f"word{n} common words", 1, "Ann")
            for n in range(120)
        ]
        posts = [replace(p, published=start - timedelta(days=30 * n)) for n, p in enumerate(posts)]
        store.upsert_posts(feed, posts if newest_first else posts[::-1])
        row = store.db.execute("SELECT count(*), sum(length(block)) FROM posts_fts_data").fetchone()
        return int(row[0]), int(row[1])
    finally:
        store.close()


def test_a_feed_listed_newest_first_is_indexed_in_key_order(tmp_path: Path) -> None:
    # A feed lists its newest post first: the ids go up as the dates go down. FTS5 writes a
    # segment of its own whenever a rowid is not above the last one, so the rows are written
    # sorted by key: the index is what the same posts listed oldest first make.
    assert _index_pages(tmp_path / "a.db", True) == _index_pages(tmp_path / "b.db", False)


def test_the_upgrade_reads_the_posts_in_key_order(tmp_path: Path) -> None:
    # Schema 15 builds the indexes again in key order (a bucket at a time, by id within it),
    # every post once, whatever order their ids and dates are in; dates past the bounds kept
    # fall in the first and last buckets.
    store = Store(tmp_path / "blogtui.db")
    try:
        _fill(store, _spread([400, 0, 3, 90]))
        store.db.execute("UPDATE posts SET published = ? WHERE id = 1", (-(2**50),))
        store.db.execute("UPDATE posts SET published = ? WHERE id = 2", (2**50,))
        rows = [row for batch in schema._by_key(store.db) for row in batch]
        keys = [index_key(int(r[1]), int(r[0])) for r in rows]
        assert keys == sorted(keys) and sorted(int(r[0]) for r in rows) == [1, 2, 3, 4]
    finally:
        store.close()
