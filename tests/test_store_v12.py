"""Schema 12: the count tables kept by triggers (feed_counts, tag_counts), the title order inside a
feed (posts_by_feed_title), the counts the planner reads from them, and the migration of a schema 11
cache in place."""

from __future__ import annotations

import random
import sqlite3
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest

from blogtui.models import ParsedPost
from blogtui.query import compile_query, parse
from blogtui.storage import counts, doctor, schema
from blogtui.storage.store import Store

TAGS = ["python", "rust", "go", "Café", "cafe"]


def _post(n: int, rng: random.Random, feed: str) -> ParsedPost:
    return ParsedPost(
        guid=f"{feed}-{n}",
        url=f"https://{feed}.example/{n}",
        title=rng.choice(["apple", "Banana", "cherry", "date", ""]) + f" {n}",
        published=datetime(2020, 1 + n % 12, 1 + n % 28, tzinfo=timezone.utc),
        content_html=f"<p>post {n} of {feed}</p>",
        text=f"post {n} of {feed}",
        tags=tuple(rng.sample(TAGS, rng.randint(0, 3))),
    )


def _truth(db: sqlite3.Connection) -> tuple[list[tuple[int, ...]], list[tuple[int, ...]]]:
    feeds = db.execute(
        "SELECT feed_id, count(*), sum(read = 0 AND backlog = 0), sum(read = 0 AND backlog = 1),"
        " sum(starred = 1) FROM posts GROUP BY feed_id ORDER BY 1"
    ).fetchall()
    tags = db.execute(
        "SELECT pt.tag_id, count(*), sum(p.read = 0 AND p.backlog = 0) FROM post_tags pt"
        " JOIN posts p ON p.id = pt.post_id GROUP BY 1 ORDER BY 1"
    ).fetchall()
    return [tuple(r) for r in feeds], [tuple(r) for r in tags]


def _kept(db: sqlite3.Connection) -> tuple[list[tuple[int, ...]], list[tuple[int, ...]]]:
    feeds = db.execute(
        "SELECT feed_id, posts, unread, backlog, starred FROM feed_counts WHERE posts != 0 ORDER BY 1"
    ).fetchall()
    tags = db.execute("SELECT tag_id, posts, unread FROM tag_counts WHERE posts != 0 ORDER BY 1").fetchall()
    return [tuple(r) for r in feeds], [tuple(r) for r in tags]


def _assert_counts_kept(store: Store) -> None:
    assert _kept(store.db) == _truth(store.db)
    # No row counts below zero, and none is left for a feed or tag that has gone.
    assert (
        store.db.execute(
            "SELECT count(*) FROM feed_counts WHERE min(posts, unread, backlog, starred) < 0"
            " OR feed_id NOT IN (SELECT id FROM feeds)"
        ).fetchone()[0]
        == 0
    )
    assert (
        store.db.execute(
            "SELECT count(*) FROM tag_counts"
            " WHERE min(posts, unread) < 0 OR tag_id NOT IN (SELECT id FROM tags)"
        ).fetchone()[0]
        == 0
    )


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "blogtui.db")
    yield s
    s.close()


def _fill(store: Store, feeds: int = 3, posts: int = 40) -> random.Random:
    rng = random.Random(12)
    for f in range(feeds):
        feed_id = store.add_feed(f"https://f{f}.example/feed")
        with store.transaction():
            store.upsert_posts(feed_id, [_post(n, rng, f"f{f}") for n in range(posts)])
    return rng


def test_every_write_keeps_the_counts(store: Store) -> None:
    rng = _fill(store)
    _assert_counts_kept(store)
    ids = [r[0] for r in store.db.execute("SELECT id FROM posts ORDER BY id")]
    store.mark(ids[::3], read=True)
    store.mark(ids[::5], starred=True)
    store.mark(ids[::6], read=False)
    _assert_counts_kept(store)
    with store.transaction():  # a backlog post, neither unread nor read
        store.db.execute("UPDATE posts SET backlog = 1 WHERE id IN (?, ?)", (ids[1], ids[2]))
    _assert_counts_kept(store)
    store.mark_where(compile_query(parse("tag:python")), read=True)
    _assert_counts_kept(store)
    # The user's own tags, on and off; a refresh that changes a post's tags.
    assert store.add_user_tag(ids[4], "mine") == "mine"
    assert store.add_user_tag(ids[7], "Python") is not None
    assert store.remove_user_tag(ids[4], "mine")
    _assert_counts_kept(store)
    with store.transaction():
        store.upsert_posts(1, [_post(n, rng, "f0") for n in range(0, 60, 2)])
    _assert_counts_kept(store)
    # Posts dropped by retention, a feed removed (its posts and their tags go with it).
    assert store.drop_posts(keep_per_feed=10, now=0) > 0
    _assert_counts_kept(store)
    assert store.remove_feed("https://f1.example/feed")
    _assert_counts_kept(store)
    assert store.db.execute("SELECT count(*) FROM feed_counts WHERE feed_id = 2").fetchone()[0] == 0


@pytest.mark.parametrize(
    "text",
    ["", "is:unread", "is:starred", "is:backlog", "tag:python", "tag:python is:unread", "tag:rust is:starred",
     "tag:cafe", "tag:nothing", 'feed:"f0"', 'feed:"f2" is:unread', 'feed:"f" is:starred', "feed:nowhere",
     "is:unread is:starred", "tag:python tag:rust", "-tag:go", "apple", "apple is:unread"],
)  # fmt: skip
def test_counts_read_from_the_tables_are_the_counts(store: Store, text: str) -> None:
    _fill(store)
    ids = [r[0] for r in store.db.execute("SELECT id FROM posts ORDER BY id")]
    store.mark(ids[::3], read=True)
    store.mark(ids[::4], starred=True)
    with store.transaction():
        store.db.execute("UPDATE posts SET backlog = 1 WHERE id % 7 = 0 AND read = 0")
    compiled = compile_query(parse(text))
    assert " AND ".join(sql for sql, _ in compiled.parts) == (compiled.where if compiled.parts else "")
    assert tuple(p for _, params in compiled.parts for p in params) == compiled.params
    truth = store.db.execute(
        f"SELECT count(*) FROM posts WHERE {compiled.where}", compiled.params
    ).fetchone()[0]
    assert store.count(compiled) == truth
    kept = counts.kept_count(store.db, compiled)
    # What the tables answer (and what they must leave to a count: two states, two tags, words,
    # "Café" and "cafe" being two tags one name finds).
    left = ("is:unread is:starred", "tag:python tag:rust", "-tag:go", "apple", "apple is:unread", "tag:cafe")
    answered = text not in (*left, "tag:rust is:starred")
    assert (kept is not None) == answered
    # Tags within the query: from tag_counts or counted, the same as counted by hand.
    by_hand = dict(
        store.db.execute(
            "SELECT t.name, count(*) FROM post_tags pt JOIN tags t ON t.id = pt.tag_id"
            f" JOIN posts ON posts.id = pt.post_id WHERE {compiled.where} GROUP BY t.id",
            compiled.params,
        ).fetchall()
    )
    assert {t.name: t.count for t in store.tags(compiled)} == by_hand


def test_feeds_read_their_counts_from_the_table(store: Store) -> None:
    _fill(store)
    ids = [r[0] for r in store.db.execute("SELECT id FROM posts WHERE feed_id = 2 ORDER BY id")]
    store.mark(ids[:5], read=True)
    with store.transaction():
        store.db.execute("UPDATE posts SET backlog = 1 WHERE id = ?", (ids[7],))
    feed = store.feed("https://f1.example/feed")
    assert feed is not None and (feed.posts, feed.unread, feed.backlog) == (40, 34, 1)
    assert {f.url: f.posts for f in store.feeds()} == {f"https://f{n}.example/feed": 40 for n in range(3)}
    store.add_feed("https://empty.example/feed")
    empty = store.feed("https://empty.example/feed")
    assert empty is not None and (empty.posts, empty.unread, empty.backlog) == (0, 0, 0)


def test_title_order_inside_a_feed_reads_the_feeds_part_of_its_index(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from blogtui.storage import search

    monkeypatch.setattr(search, "WINDOW_MIN", 10)  # a window, as past 5,000 posts
    _fill(store, feeds=3, posts=300)
    compiled = compile_query(parse('feed:"f1"'))
    window = store.post_window(compiled, order="title")
    listed = store.post_ids(compiled, order="title")
    by_hand = [
        r[0]
        for r in store.db.execute(
            "SELECT id FROM posts WHERE feed_id = 2 ORDER BY title COLLATE NOCASE, published DESC, id DESC"
        )
    ]
    assert list(window) == listed == by_hand
    for post_id in (by_hand[0], by_hand[123], by_hand[-1]):
        fresh = store.post_window(compiled, order="title")  # no page read: the position is counted
        assert fresh.position(post_id) == by_hand.index(post_id)  # type: ignore[attr-defined]
    assert store.post_window(compiled, order="title").position(1) is None  # type: ignore[attr-defined]
    plan = " ".join(
        r[3]
        for r in store.db.execute(
            "EXPLAIN QUERY PLAN SELECT count(*) FROM posts INDEXED BY posts_by_feed_title"
            f" WHERE {compiled.where} AND posts.title COLLATE NOCASE < ?",
            (*compiled.params, "m"),
        )
    )
    assert "posts_by_feed_title (feed_id=?" in plan


def _v11_cache(path: Path) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA foreign_keys = ON")
    for step in schema.MIGRATIONS[:11]:
        step(db)
    db.execute("PRAGMA user_version = 11")
    db.execute(
        "INSERT INTO feeds(id, url, title)"
        " VALUES (1, 'https://a.example/feed', 'A'), (2, 'https://b.example/feed', 'B')"
    )
    db.execute("INSERT INTO tags(id, name) VALUES (1, 'one'), (2, 'two')")
    for n in range(1, 61):
        db.execute(
            "INSERT INTO posts(id, feed_id, guid, title, published, read, starred, backlog)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                n,
                1 + n % 2,
                f"g{n}",
                f"Post {n}",
                1600000000 + n,
                int(n % 3 == 0),
                int(n % 5 == 0),
                int(n % 7 == 0),
            ),
        )
        db.execute("INSERT INTO post_tags(post_id, tag_id) VALUES (?, ?)", (n, 1 + n % 2))
        if n % 4 == 0:  # an even post: tag one, and two as well
            db.execute("INSERT INTO post_tags(post_id, tag_id) VALUES (?, 2)", (n,))
    db.close()


def test_migration_12_counts_a_schema_11_cache_and_keeps_counting(tmp_path: Path) -> None:
    path = tmp_path / "blogtui.db"
    _v11_cache(path)
    assert schema.needs_upgrade(path)
    store = Store(path)
    try:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        names = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master")}
        assert {"posts_by_feed_title", "feed_counts", "tag_counts", "posts_counted_changed"} <= names
        _assert_counts_kept(store)
        assert counts.total(store.db) == 60
        store.mark([1, 2, 3, 7], read=True)
        with store.transaction():
            store.db.execute("DELETE FROM posts WHERE id IN (10, 11)")
        _assert_counts_kept(store)
    finally:
        store.close()


def test_repair_works_the_counts_out_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "blogtui.db"
    store = Store(path)
    _fill(store)
    with store.transaction():  # counts gone wrong: the copy must not keep them
        store.db.execute("UPDATE feed_counts SET posts = 999")
        store.db.execute("UPDATE tag_counts SET unread = 999")
    store.close()
    monkeypatch.setattr(doctor, "_vacuum_into", lambda *_: False)  # the row-by-row salvage
    report = doctor.repair(path)
    assert report.problem is None and report.method == "salvaged row by row"
    repaired = Store(path)
    try:
        _assert_counts_kept(repaired)
    finally:
        repaired.close()


def test_tags_of_few_posts_are_looked_up_not_scanned_for(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from blogtui.storage import search

    monkeypatch.setattr(search, "WINDOW_MIN", 10)  # a window, as past 5,000 posts
    feed_id = store.add_feed("https://f.example/feed")
    rng = random.Random(3)
    posts = []
    for n in range(600):
        tags = ["common"] if n % 2 else []
        tags += ["rare1"] * (n % 20 == 0) + ["rare2"] * (n % 30 == 0)
        posts.append(replace(_post(n, rng, "f"), tags=tuple(tags)))
    with store.transaction():
        store.upsert_posts(feed_id, posts)
    for text, looked_up in (
        ("tag:rare1 tag:rare2", True),
        ("tag:common tag:rare1", True),
        ("tag:common", False),
    ):
        compiled = compile_query(parse(text))
        assert store._tag_lookup(compiled) is looked_up, text
        by_hand = [
            r[0]
            for r in store.db.execute(
                f"SELECT posts.id FROM posts WHERE {compiled.where} ORDER BY published DESC, id DESC",
                compiled.params,
            )
        ]
        ids = store.post_window(compiled)
        assert isinstance(ids, list) is looked_up
        assert list(ids) == store.post_ids(compiled) == by_hand
        assert store.post_ids(compiled, order="oldest") == by_hand[::-1]


@pytest.mark.parametrize("text", ['feed:"f1"', 'feed:"f1" is:unread', 'feed:"f" tag:python'])
def test_a_feeds_list_newest_first_reads_the_feeds_own_index(
    store: Store, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    from blogtui.storage import search, window

    monkeypatch.setattr(search, "WINDOW_MIN", 10)
    monkeypatch.setattr(window, "PAGE", 16)
    _fill(store, feeds=3, posts=200)
    ids = [r[0] for r in store.db.execute("SELECT id FROM posts ORDER BY id")]
    store.mark(ids[::3], read=True)
    monkeypatch.setattr(
        search, "FEED_POSTS_MAX", 250
    )  # one feed's 200 posts: by their own index; all 600 not
    compiled = compile_query(parse(text))
    for order in ("newest", "oldest"):
        expected = store.post_ids(compiled, order=order)
        listed = store.post_window(compiled, order=order)
        assert isinstance(listed, window.IdWindow)
        assert (listed._source == "posts INDEXED BY posts_by_feed") is (text != 'feed:"f" tag:python')
        assert list(listed) == expected
        for post_id in (expected[0], expected[len(expected) // 2], expected[-1]):
            fresh = store.post_window(compiled, order=order)
            assert fresh.position(post_id) == expected.index(post_id)  # type: ignore[attr-defined]
            at = expected.index(post_id)
            assert fresh[max(0, at - 3) : at + 20] == expected[max(0, at - 3) : at + 20]
