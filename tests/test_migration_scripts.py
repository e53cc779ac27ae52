"""Schema 11 changed the search text of superscripts and subscripts ("N²", was "N2"): the contentless
index of a schema 10 cache is taken out with the text it went in with, so later deletes stay exact."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from blogtui.content.text import html_to_text
from blogtui.query import compile_query, index_rows, parse
from blogtui.storage import doctor, schema
from blogtui.storage.store import Store

POSTS = {
    1: ("Transparent Logs", "<p>A tree of <i>N</i><sup>2</sup> hashes and water, H<sub>2</sub>O.</p>"),
    2: ("Footnotes 纪念币", "<p>Words<sup>1,2</sup> in Chinese 出建国纪念币 and x<sup>n+1</sup></p>"),
    3: ("Plain", "<p>Nothing raised in this one, only lamp and river.</p>"),
}


def _v10_cache(path: Path) -> None:
    """A schema 10 cache as a schema 10 store wrote it: the index given the text of its time."""
    db = sqlite3.connect(path, isolation_level=None)
    for step in schema.MIGRATIONS[:10]:
        step(db)
    db.execute("PRAGMA user_version = 10")
    db.execute(
        "INSERT INTO feeds(id, url, title, added_at) VALUES (1, 'https://x.example/f', 'X', 1700000000)"
    )
    for n, (title, html) in POSTS.items():
        db.execute(
            "INSERT INTO posts(id, feed_id, guid, url, title, author, published, summary, content_html)"
            " VALUES (?, 1, ?, ?, ?, 'Ann', ?, '', ?)",
            (n, f"g{n}", f"https://x.example/{n}", title, 1600000000 + n, html),
        )
        words, runs = index_rows(title, "Ann", html_to_text(html, scripts=False))
        db.execute("INSERT INTO posts_fts(rowid, title, author, body) VALUES (?, ?, ?, ?)", (n, *words))
        if runs is not None:
            db.execute("INSERT INTO posts_cjk(rowid, title, author, body) VALUES (?, ?, ?, ?)", (n, *runs))
    db.close()


def _ids(store: Store, text: str) -> list[int]:
    return sorted(store.post_ids(compile_query(parse(text))))


def test_old_search_text_is_what_schema_10_indexed() -> None:
    html = POSTS[1][1]
    assert "N2 hashes" in html_to_text(html, scripts=False)
    assert "N² hashes" in html_to_text(html) and "H₂O" in html_to_text(html)


def test_migration_reindexes_posts_with_superscripts_and_deletes_stay_exact(tmp_path: Path) -> None:
    path = tmp_path / "blogtui.db"
    _v10_cache(path)
    store = Store(path)
    try:
        assert _ids(store, "N2") == []  # schema 10's token is gone
        assert _ids(store, '"N²"') == [1]
        assert _ids(store, "纪念") == [2]
        assert _ids(store, "lamp") == [3]
        # Every post deleted: a delete repeats the (new) text, so nothing stays behind.
        assert store.remove_feed("https://x.example/f")
        for word in ("hashes", "N²", "water", "Words", "纪念", "lamp", "Transparent"):
            assert _ids(store, f'"{word}"') == [], word
        for table in ("posts_fts", "posts_cjk"):
            store.db.execute(f"INSERT INTO {table}({table}) VALUES ('integrity-check')")
            assert store.db.execute(f"SELECT count(*) FROM {table}_docsize").fetchone()[0] == 0
    finally:
        store.close()
    assert doctor.check(path).ok
