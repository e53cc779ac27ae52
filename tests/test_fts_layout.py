"""posts_fts's layout (issue 15's size target): the body is its first column, bm25 still weighs
a title match most, the body's word counts are read from the right column, and migration 13
rebuilds an older cache's two search indexes in that order in one pass, reporting how far it is,
without changing a search's results and without losing anything when it is interrupted."""

from __future__ import annotations

import io
import random
import sqlite3
import sys
from pathlib import Path

import pytest

from blogtui.content.text import html_to_text
from blogtui.library import Library
from blogtui.models import ParsedPost
from blogtui.query import ROW_POST, Compiled, compile_query, index_rows, parse
from blogtui.storage import schema
from blogtui.storage.store import Store
from posts import dated_post

#: The schema version migration 13 (both search indexes body first) starts from.
BEFORE_13 = 12

#: The two indexes as schema 12 and before made them (title, author, body).
_OLD = {
    "posts_fts": "CREATE VIRTUAL TABLE posts_fts USING fts5(title, author, body, content='',"
    " tokenize='unicode61 remove_diacritics 2', prefix='2')",
    "posts_cjk": "CREATE VIRTUAL TABLE posts_cjk USING fts5(title, author, body, content='',"
    " tokenize='ascii')",
}

FEED = "https://x.example/feed"


def _post(guid: str, title: str, body: str, day: int, author: str = "Ann") -> ParsedPost:
    return dated_post("x.example", guid, title, body, day, author)


POSTS = [
    _post("a", "Field notes", "zebra zebra zebra, a zebra and a zebra: zebras by the zebra crossing", 1),
    _post("b", "Zebra", "the other words of the day", 2),
    _post("c", "Morning walk", "a dog by the river", 3, "Zebra Jones"),
    _post("d", "Tomatoes in July", "water the tomatoes early, before the apple trees", 4),
    _post("e", "Compost notes", "compost and tomatoes and worms; apple peel too", 5),
    _post("f", "纪念邮票", "用Python写的纪念章目录", 6, "作者"),
]

#: Words, phrases, words being typed (``*``: two letters read the prefix index), negation, OR, CJK.
QUERIES = (
    "zebra",
    "tomatoes",
    '"apple trees"',
    "tom*",
    "to*",
    "ze*",
    "apple -compost",
    "zebra OR worms",
    "jones",
    "ann",
    "python",
    "纪念",
    "纪念章",
    "notes",
)


def _compiled(text: str) -> Compiled:
    """A query; ``*`` at its end: searched as it is typed (its last word a prefix)."""
    typing = text.endswith("*")
    return compile_query(parse(text.rstrip("*")), prefix_last=typing)


def _layout(store: Store, table: str = "posts_fts") -> str:
    return str(store.db.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0])


def _titles(store: Store, text: str, *, ranked: bool = False) -> list[str]:
    ids = store.post_ids(_compiled(text), ranked=ranked)
    return [store.db.execute("SELECT title FROM posts WHERE id = ?", (i,)).fetchone()[0] for i in ids]


def _searches(store: Store) -> dict[tuple[str, bool], list[str]]:
    return {(q, ranked): _titles(store, q, ranked=ranked) for q in QUERIES for ranked in (False, True)}


def _matches(db: sqlite3.Connection) -> dict[str, tuple[list[int], list[int]]]:
    """Each query's matches in posts_fts and in posts_cjk, read with SQL alone."""
    found = {}
    for q in QUERIES:
        compiled = _compiled(q)
        found[q] = tuple(
            [r[0] for r in db.execute(f"SELECT {ROW_POST} FROM {t} WHERE {t} MATCH ? ORDER BY 1", (m,))]
            if m
            else []
            for t, m in (("posts_fts", compiled.match), ("posts_cjk", compiled.cjk))
        )
    return found  # type: ignore[return-value]


def _vocab(store: Store, table: str) -> dict[tuple[str, str], tuple[int, int]]:
    """Every term of the index per column (by name): in how many posts, how many times."""
    store.db.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.v_{table} USING fts5vocab(main, {table}, 'col')"
    )
    return {
        (r[0], r[1]): (r[2], r[3])
        for r in store.db.execute(f"SELECT term, col, doc, cnt FROM temp.v_{table}")
    }


def _fill(store: Store, posts: list[ParsedPost] = POSTS) -> int:
    feed = store.add_feed(FEED)
    with store.transaction():
        store.upsert_posts(feed, posts)
    return feed


def _old_cache(path: Path, posts: list[ParsedPost] = POSTS) -> None:
    """A cache as schema 12 left it: both indexes (title, author, body), the same text in them."""
    store = Store(path)
    _fill(store, posts)
    with store.transaction():
        for table, sql in _OLD.items():
            store.db.execute(f"DROP TABLE {table}")
            store.db.execute(sql)
        rows = store.db.execute("SELECT id, title, author, blogtui_text(content_html) FROM posts").fetchall()
        for post_id, title, author, html in rows:
            for table, row in zip(_OLD, index_rows(title, author, html_to_text(html))):
                if row is not None:
                    store.db.execute(
                        f"INSERT INTO {table}(rowid, title, author, body) VALUES (?, ?, ?, ?)",
                        (post_id, *row),
                    )
    store.db.execute(f"PRAGMA user_version = {BEFORE_13}")
    store.close()


def test_a_new_cache_has_the_body_first(library: Library) -> None:
    assert "fts5(body, title, author," in _layout(library.store)
    assert "prefix='2'" in _layout(library.store)


def test_a_title_match_ranks_first(library: Library) -> None:
    store = library.store
    _fill(store)
    # "Field notes" holds zebra eight times in its body, "Zebra" once in its title, "Morning
    # walk" once in its author: the weights (title 10, author 4, body 1) follow the columns'
    # order; left in the old order they would give the body 10 and rank "Field notes" first.
    assert _titles(store, "zebra", ranked=True) == ["Zebra", "Morning walk", "Field notes"]
    assert _titles(store, "ze*", ranked=True)[0] == "Zebra"  # the word being typed too
    # Column filters name their column.
    hits = {
        r[0]
        for r in store.db.execute(
            f"SELECT {ROW_POST} FROM posts_fts WHERE posts_fts MATCH '{{title}} : zebra'"
        )
    }
    assert hits == {store.db.execute("SELECT id FROM posts WHERE title = 'Zebra'").fetchone()[0]}


def test_feed_words_count_the_body_only(library: Library) -> None:
    store = library.store
    feed = _fill(store, [_post("w", "one two three four five", "alpha beta gamma", 1, "Ann Lee Smith")])
    assert store.feed_words() == {feed: 3}
    assert store.feed_words(feed) == {feed: 3}


def test_migration_13_rebuilds_both_indexes_body_first(tmp_path: Path) -> None:
    path = tmp_path / "blogtui.db"
    _old_cache(path)
    db = sqlite3.connect(path)  # the old cache read as it is, without migrating it
    before = _matches(db)
    db.close()
    fresh = Store(tmp_path / "fresh.db")  # the same posts stored by this version
    _fill(fresh)
    expected, vocab = _searches(fresh), {t: _vocab(fresh, t) for t in _OLD}
    fresh.close()
    assert schema.needs_upgrade(path)

    store = Store(path)
    try:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        for table in _OLD:
            assert "fts5(body, title, author," in _layout(store, table)
        assert "prefix='2'" in _layout(store)
        assert _matches(store.db) == before  # each query's matches in each index, as before
        assert {t: _vocab(store, t) for t in _OLD} == vocab  # every term of every column
        assert _searches(store) == expected  # ranked too, as a new cache ranks them
        assert expected[("zebra", True)] == ["Zebra", "Morning walk", "Field notes"]
        assert expected[('"apple trees"', False)] == ["Tomatoes in July"]
        assert expected[("纪念章", False)] == ["纪念邮票"]
        feed = store.db.execute("SELECT id FROM feeds").fetchone()[0]
        assert store.feed_words(feed) == {
            feed: sum(len(index_rows(p.title, p.author, p.text)[0][2].split()) for p in POSTS)
        }

        # An update repeats what the migration inserted, then indexes the new text.
        with store.transaction():
            store.upsert_posts(feed, [_post("d", "Tomatoes in August", "no trees this time", 4)])
        assert _titles(store, '"apple trees"') == []
        assert _titles(store, "august") == ["Tomatoes in August"]
        assert sorted(_titles(store, "tomatoes")) == ["Compost notes", "Tomatoes in August"]
        # A delete too: removing the feed empties both indexes.
        assert store.remove_feed(FEED)
        assert _vocab(store, "posts_fts") == {} and _vocab(store, "posts_cjk") == {}
        assert store.db.execute("SELECT count(*) FROM posts_fts_docsize").fetchone()[0] == 0
    finally:
        store.close()


def test_migration_13_gives_the_old_pages_back(tmp_path: Path) -> None:
    path = tmp_path / "blogtui.db"
    rng = random.Random(13)
    words = [f"w{n}" for n in range(3000)]
    posts = [_post(f"p{n}", f"post {n}", " ".join(rng.choices(words, k=300)), 1 + n % 28) for n in range(300)]
    _old_cache(path, posts)
    db = sqlite3.connect(path)
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.close()
    store = Store(path)
    try:
        assert "fts5(body, title, author," in _layout(store)
        assert store.db.execute("PRAGMA freelist_count").fetchone()[0] == 0
        assert store.db.execute("PRAGMA page_count").fetchone()[0] < pages
    finally:
        store.close()


def test_migration_13_reports_how_far_it_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "data" / "blogtui.db"
    path.parent.mkdir()
    _old_cache(path)
    monkeypatch.setattr(schema, "REPORT_EVERY", 0.0)
    calls: list[tuple[int, int]] = []
    library = Library(path.parent, progress=lambda done, total: calls.append((done, total)))
    try:
        assert calls == [(len(POSTS), len(POSTS))]
        assert _titles(library.store, "zebra", ranked=True)[0] == "Zebra"
    finally:
        library.close()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_cli_says_how_far_the_upgrade_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from blogtui.cli import main

    _old_cache(tmp_path / "blogtui.db")
    monkeypatch.setattr(schema, "REPORT_EVERY", 0.0)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["--data-dir", str(tmp_path), "feeds"]) == 0
    lines = terminal.getvalue().splitlines()
    assert lines[0].startswith("blogtui: upgrading the cache for this version")
    assert lines[1:] == [f"blogtui: upgrading: {len(POSTS)} of {len(POSTS)} posts indexed again"]
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["--data-dir", str(tmp_path), "feeds"]) == 0
    assert terminal.getvalue() == ""  # upgraded once


def test_an_interrupted_migration_13_loses_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "blogtui.db"
    _old_cache(path)
    monkeypatch.setattr(schema, "REPORT_EVERY", 0.0)

    def interrupt(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with schema.reporting(interrupt), pytest.raises(KeyboardInterrupt):
        Store(path)
    db = sqlite3.connect(path)
    try:
        # Still the cache as it was: both old layouts, every post indexed; the version the one
        # before the indexes are built again (schema 15: the steps before it hold no data).
        assert db.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION - 1
        for table, sql in _OLD.items():
            assert db.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0] == sql
        assert db.execute("SELECT count(*) FROM posts_fts_docsize").fetchone()[0] == len(POSTS)
    finally:
        db.close()
    store = Store(path)  # the next open upgrades it
    try:
        assert "fts5(body, title, author," in _layout(store)
        assert _titles(store, "zebra", ranked=True) == ["Zebra", "Morning walk", "Field notes"]
    finally:
        store.close()
