"""Store: schema, migrations, upsert semantics, FTS sync, counts."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest

from blogtui.errors import StoreError
from blogtui.models import ParsedPost
from blogtui.query import compile_query, parse
from blogtui.storage.schema import SCHEMA_VERSION
from blogtui.storage.store import Store


def _post(
    guid: str, title: str = "T", html: str = "<p>body</p>", tags: tuple[str, ...] = (), day: int = 1
) -> ParsedPost:
    return ParsedPost(
        guid=guid,
        url=f"https://x.example/{guid}",
        title=title,
        author="A",
        published=datetime(2024, 1, day, tzinfo=timezone.utc),
        content_html=html,
        text=html.replace("<p>", "").replace("</p>", ""),
        tags=tags,
    )


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "db" / "blogtui.db")
    yield s
    s.close()


def test_schema_version_and_wal(store: Store) -> None:
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"feeds", "posts", "tags", "post_tags", "posts_fts"} <= tables


def test_reopen_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "blogtui.db"
    Store(path).close()
    again = Store(path)
    assert again.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    again.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "blogtui.db"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    db.close()
    with pytest.raises(StoreError, match="newer blogtui"):
        Store(path)


def test_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "blogtui.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match=str(path)):
        Store(path)


def test_upsert_keeps_read_and_starred(store: Store) -> None:
    feed = store.add_feed("https://x.example/feed")
    with store.transaction():
        assert store.upsert_posts(feed, [_post("a"), _post("b")]) == 2
    [pid] = store.post_ids(compile_query(parse("")), limit=1)
    store.mark([pid], read=True, starred=True)
    with store.transaction():
        new = store.upsert_posts(feed, [_post("a", title="Changed", html="<p>new words</p>"), _post("b")])
    assert new == 0
    post = store.post(pid)
    assert post is not None and post.read and post.starred
    changed = [store.post(i) for i in store.post_ids(compile_query(parse("")))]
    assert {p.title for p in changed if p} == {"Changed", "T"}


def test_fts_follows_updates(store: Store) -> None:
    feed = store.add_feed("https://x.example/feed")
    with store.transaction():
        store.upsert_posts(feed, [_post("a", html="<p>oldword</p>")])
    assert store.post_ids(compile_query(parse("oldword")))
    with store.transaction():
        store.upsert_posts(feed, [_post("a", html="<p>newword</p>")])
    assert not store.post_ids(compile_query(parse("oldword")))
    assert store.post_ids(compile_query(parse("newword")))
    integrity = store.db.execute("INSERT INTO posts_fts(posts_fts, rank) VALUES('integrity-check', 1)")
    assert integrity is not None


def test_tags_merge_case_and_space_variants(store: Store) -> None:
    feed = store.add_feed("https://x.example/feed")
    with store.transaction():
        store.upsert_posts(
            feed,
            [_post("a", tags=("Python",)), _post("b", tags=("python ",)), _post("c", tags=("py  thon",))],
        )
    names = {t.name.lower(): t.count for t in store.tags()}
    assert names == {"python": 2, "py thon": 1}


def test_transaction_rolls_back_whole_feed(store: Store) -> None:
    feed = store.add_feed("https://x.example/feed")
    with pytest.raises(RuntimeError), store.transaction():
        store.upsert_posts(feed, [_post("a"), _post("b")])
        raise RuntimeError("killed mid-write")
    assert store.count(compile_query(parse(""))) == 0


def test_remove_feed_deletes_posts_and_orphan_tags(store: Store) -> None:
    keep = store.add_feed("https://keep.example/feed")
    drop = store.add_feed("https://drop.example/feed")
    with store.transaction():
        store.upsert_posts(keep, [_post("k", tags=("shared",))])
        store.upsert_posts(drop, [_post("d", html="<p>dropword</p>", tags=("shared", "only-drop"))])
    assert store.remove_feed("https://drop.example/feed")
    assert not store.remove_feed("https://drop.example/feed")
    assert [t.name for t in store.tags()] == ["shared"]
    assert not store.post_ids(compile_query(parse("dropword")))
    assert store.count(compile_query(parse(""))) == 1


def test_newest_first_and_counts(store: Store) -> None:
    feed = store.add_feed("https://x.example/feed")
    with store.transaction():
        store.upsert_posts(feed, [_post(str(d), title=f"day {d}", day=d) for d in (3, 1, 2)])
    rows = store.post_rows(store.post_ids(compile_query(parse(""))))
    assert [r.title for r in rows] == ["day 3", "day 2", "day 1"]
    info = store.feed("https://x.example/feed")
    assert info is not None and (info.posts, info.unread) == (3, 3)


def test_state_round_trip(store: Store) -> None:
    store.set_state("last_query", "tag:python")
    assert store.get_state("last_query") == "tag:python"
    store.set_state("last_query", None)
    assert store.get_state("last_query", "none") == "none"


def test_needs_upgrade_reads_the_version_without_migrating(tmp_path: Path) -> None:
    from blogtui.storage.schema import needs_upgrade

    path = tmp_path / "blogtui.db"
    assert not needs_upgrade(path)  # no cache yet
    old = sqlite3.connect(path)
    old.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
    old.close()
    assert needs_upgrade(path)
    assert needs_upgrade(path)  # asking changed nothing
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database at all" * 100)
    assert not needs_upgrade(garbage)
    current = tmp_path / "current" / "blogtui.db"
    Store(current).close()
    assert not needs_upgrade(current)
