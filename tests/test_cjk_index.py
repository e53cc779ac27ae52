"""posts_cjk's layout (issue 14's size target): the body is its first column, bm25 still weighs a
title match most, and migration 13 rebuilds a cache's index in that order without losing a post."""

from __future__ import annotations

from pathlib import Path

from blogtui.content.text import html_to_text
from blogtui.library import Library
from blogtui.models import ParsedPost
from blogtui.query import ROW_POST, compile_query, index_rows, parse
from blogtui.storage import schema
from blogtui.storage.store import Store
from posts import dated_post

#: The schema version migration 13 (both search indexes body first) starts from.
BEFORE_13 = 12

_OLD_LAYOUT = "CREATE VIRTUAL TABLE posts_cjk USING fts5(title, author, body, content='', tokenize='ascii')"


def _post(guid: str, title: str, body: str, day: int, author: str = "作者") -> ParsedPost:
    return dated_post("zh.example", guid, title, body, day, author)


POSTS = [
    _post("a", "钱币收藏", "纪念纪念纪念，纪念章和纪念品，纪念再纪念。", 1),  # 纪念 often, in the body
    _post("b", "纪念邮票", "别的话题。", 2),  # 纪念 once, in the title
    _post("c", "出建国纪念币", "35周年纪念币，一盒20枚。", 3),
    _post("d", "中国。人民", "分开的两段", 4),
    _post("e", "Plain English", "no CJK here at all", 5, "Ann"),
]


def _layout(store: Store) -> str:
    return str(store.db.execute("SELECT sql FROM sqlite_master WHERE name = 'posts_cjk'").fetchone()[0])


def _vocab(store: Store) -> dict[str, int]:
    store.db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.v_cjk USING fts5vocab(main, posts_cjk, 'row')")
    return {r[0]: r[1] for r in store.db.execute("SELECT term, doc FROM temp.v_cjk")}


def _titles(store: Store, text: str, *, ranked: bool = False) -> list[str]:
    ids = store.post_ids(compile_query(parse(text)), ranked=ranked)
    return [store.db.execute("SELECT title FROM posts WHERE id = ?", (i,)).fetchone()[0] for i in ids]


def _fill(store: Store) -> None:
    feed = store.add_feed("https://zh.example/feed")
    with store.transaction():
        store.upsert_posts(feed, POSTS)


def test_a_new_cache_has_the_body_first(library: Library) -> None:
    assert "fts5(body, title, author," in _layout(library.store)


def test_a_title_match_ranks_first_whatever_the_column_order(library: Library) -> None:
    store = library.store
    _fill(store)
    # The body of "钱币收藏" holds 纪念 seven times; one in a title weighs more (bm25 weights
    # follow each table's own column order: 10 for the title, 1 for the body).
    ranked = _titles(store, "纪念", ranked=True)
    assert ranked[:2] == ["纪念邮票", "出建国纪念币"] and ranked[2:] == ["钱币收藏"]
    assert _titles(store, "纪念币", ranked=True) == ["出建国纪念币"]
    title = "{title} : (" + str(compile_query(parse("纪念")).cjk) + ")"
    hits = {
        r[0] for r in store.db.execute(f"SELECT {ROW_POST} FROM posts_cjk WHERE posts_cjk MATCH ?", (title,))
    }
    assert {store.db.execute("SELECT title FROM posts WHERE id = ?", (i,)).fetchone()[0] for i in hits} == {
        "纪念邮票",
        "出建国纪念币",
    }


def test_migration_13_rebuilds_the_cjk_index_body_first(tmp_path: Path) -> None:
    path = tmp_path / "blogtui.db"
    store = Store(path)
    _fill(store)
    # The cache as the schema before 13 left it: posts_cjk (title, author, body), the same text.
    with store.transaction():
        store.db.execute("DROP TABLE posts_cjk")
        store.db.execute(_OLD_LAYOUT)
        for post_id, title, author, html in store.db.execute(
            "SELECT id, title, author, blogtui_text(content_html) FROM posts"
        ).fetchall():
            runs = index_rows(title, author, html_to_text(html))[1]
            if runs is not None:
                store.db.execute(
                    "INSERT INTO posts_cjk(rowid, title, author, body) VALUES (?, ?, ?, ?)", (post_id, *runs)
                )
    before = {q: _titles(store, q) for q in ("纪念币", "纪念", "国人", "中国", "作者", "english")}
    vocab = _vocab(store)
    store.db.execute(f"PRAGMA user_version = {BEFORE_13}")
    store.close()
    assert schema.needs_upgrade(path)

    store = Store(path)
    try:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        assert "fts5(body, title, author," in _layout(store)
        rows = store.db.execute("SELECT count(*) FROM posts_cjk").fetchone()[0]
        assert rows == 4  # "Plain English" has no row
        assert _vocab(store) == vocab  # every post's characters, none lost
        assert {q: _titles(store, q) for q in before} == before
        assert before["纪念币"] == ["出建国纪念币"] and before["国人"] == []
        assert _titles(store, "纪念", ranked=True)[0] == "纪念邮票"
        # A delete repeats what the migration inserted: removing the feed empties the index.
        assert store.remove_feed("https://zh.example/feed")
        assert _vocab(store) == {}
    finally:
        store.close()
