"""Schema 11: the posts' text stored compressed (storage/codec.py), the title order's index, undated
posts dated when first seen, and the migration of a schema 10 cache in place."""

from __future__ import annotations

import random
import sqlite3
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest

from blogtui.content.text import html_to_text
from blogtui.models import ParsedPost
from blogtui.query import compile_query, index_rows, parse
from blogtui.storage import codec as codec_module
from blogtui.storage import doctor, schema
from blogtui.storage.codec import Codec
from blogtui.storage.store import Store

WORDS = ["lamp", "river", "quiet", "table", "orbit", "cedar", "mango", "violet", "signal", "harbor"]


def _html(rng: random.Random, n: int) -> str:
    paragraphs = [
        "<p>"
        + " ".join(rng.choice(WORDS) for _ in range(40))
        + f' <a href="https://x.example/{n}">link</a></p>'
        for _ in range(4)
    ]
    return f"<h2>Post {n}</h2>" + "".join(paragraphs) + "<pre><code>def f(x):\n    return x</code></pre>"


def _post(n: int, rng: random.Random, *, dated: bool = True, feed: str = "x") -> ParsedPost:
    html = _html(rng, n)
    return ParsedPost(
        guid=f"{feed}-{n}",
        url=f"https://{feed}.example/{n}",
        title=f"{rng.choice(WORDS).title()} number {n}",
        author="Ann",
        published=datetime(2020, 1, 1 + n % 28, tzinfo=timezone.utc) if dated else None,
        summary=f"A summary of post {n}, which says what the post says in fewer words than it.",
        content_html=html,
        text=html_to_text(html),
    )


def _ids(store: Store, text: str, **kw: object) -> list[int]:
    return store.post_ids(compile_query(parse(text)), **kw)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "blogtui.db")
    yield s
    s.close()


def test_codec_round_trip_and_short_texts_stay_text(store: Store) -> None:
    codec = store.codec
    assert codec.pack("") == "" and codec.pack("short") == "short"
    for text in ("<p>" + "héllo wörld 纪念币 " * 40 + "</p>", "\ud800 lone surrogate " * 10):
        packed = codec.pack(text)
        assert isinstance(packed, bytes) and packed[0] == 0  # no dictionary yet
        assert len(packed) < len(text.encode("utf-8", "surrogatepass"))
        assert codec.unpack(packed) == text
    assert codec.unpack(None) == "" and codec.unpack("plain") == "plain"
    with pytest.raises(sqlite3.DatabaseError, match="damaged"):
        codec.unpack(b"\x00not a frame")
    with pytest.raises(sqlite3.DatabaseError, match="dictionary 7"):
        codec.unpack(b"\x07whatever")


def test_a_dictionary_is_trained_and_the_posts_repacked(store: Store) -> None:
    rng = random.Random(1)
    store.add_feed("https://x.example/feed")
    posts = [_post(n, rng) for n in range(codec_module.TRAIN_AT + 50)]
    with store.transaction():
        store.upsert_posts(1, posts[:100])
    assert store.db.execute("SELECT count(*) FROM codec_dicts").fetchone()[0] == 0
    with store.transaction():
        store.upsert_posts(1, posts[100:])
    assert store.codec.current == 1
    kinds = store.db.execute(
        "SELECT typeof(content_html), substr(content_html, 1, 1), count(*) FROM posts GROUP BY 1, 2"
    ).fetchall()
    assert [tuple(k) for k in kinds] == [("blob", b"\x01", len(posts))]
    stored = store.db.execute("SELECT sum(length(content_html)) FROM posts").fetchone()[0]
    assert stored * 3 < sum(len(p.content_html.encode()) for p in posts)
    for post_id, original in ((1, posts[0]), (len(posts), posts[-1])):
        post = store.post(post_id)
        assert post is not None
        assert (post.content_html, post.summary) == (original.content_html, original.summary)
    # Another connection (another thread's store) reads and writes with the same dictionary.
    other = Store(store.path)
    try:
        assert other.post(3) is not None and other.post(3).content_html == posts[2].content_html  # type: ignore[union-attr]
        other.set_content_md(3, "# Markdown\n\n" + "some words " * 30)
        assert (
            other.db.execute("SELECT substr(content_md, 1, 1) FROM posts WHERE id = 3").fetchone()[0]
            == b"\x01"
        )
    finally:
        other.close()
    assert store.post(3).content_md.startswith("# Markdown")  # type: ignore[union-attr]
    # SQL reads the text through blogtui_text().
    html = store.db.execute("SELECT blogtui_text(content_html) FROM posts WHERE id = 2").fetchone()[0]
    assert html == posts[1].content_html
    # The contentless index is given back the same text on delete: nothing stays findable.
    word = posts[0].title.split()[0].lower()
    assert _ids(store, word)
    assert store.remove_feed("https://x.example/feed")
    assert _ids(store, word) == [] and _ids(store, "lamp") == []
    store.db.execute("INSERT INTO posts_fts(posts_fts, rank) VALUES ('integrity-check', 0)")


def test_a_changed_post_is_repacked_and_its_markdown_kept_only_if_the_html_is_the_same(store: Store) -> None:
    rng = random.Random(2)
    store.add_feed("https://x.example/feed")
    first = _post(1, rng)
    with store.transaction():
        store.upsert_posts(1, [first])
    store.set_content_md(1, "cached markdown " * 10)
    with store.transaction():
        store.upsert_posts(1, [ParsedPost(**{**_fields(first), "title": "Renamed"})])
    post = store.post(1)
    assert post is not None and post.title == "Renamed" and post.content_md.startswith("cached markdown")
    changed = ParsedPost(**{**_fields(first), "content_html": "<p>new body</p>", "text": "new body"})
    with store.transaction():
        store.upsert_posts(1, [changed])
    post = store.post(1)
    assert post is not None and (post.content_html, post.content_md) == ("<p>new body</p>", "")
    assert _ids(store, "new") == [1] and _ids(store, "lamp") == []


def _fields(post: ParsedPost) -> dict[str, object]:
    return {name: getattr(post, name) for name in ParsedPost.__dataclass_fields__}


def test_undated_posts_are_dated_when_first_seen(store: Store) -> None:
    rng = random.Random(3)
    store.add_feed("https://x.example/feed")
    seen = datetime(2026, 5, 1, tzinfo=timezone.utc)
    undated = _post(1, rng, dated=False)
    with store.transaction():
        store.upsert_posts(1, [undated, _post(2, rng)], now=seen)
    row = store.db.execute("SELECT published, undated FROM posts WHERE guid = 'x-1'").fetchone()
    assert tuple(row) == (int(seen.timestamp()), 1)
    # Newest first, it stands at the time it was seen, above the post of 2020.
    assert _ids(store, "") == [1, 2]
    # The card's first post and the timeline count only real dates.
    feed = store.feed("https://x.example/feed")
    assert feed is not None and feed.first_post is not None and feed.first_post.year == 2020
    assert store.feed_months(1) == [(2020, 1, 1)]
    # A later fetch still without a date keeps the first date; one with a date replaces it.
    with store.transaction():
        store.upsert_posts(1, [undated], now=datetime(2026, 6, 1, tzinfo=timezone.utc))
    assert tuple(store.db.execute("SELECT published, undated FROM posts WHERE id = 1").fetchone()) == (
        int(seen.timestamp()),
        1,
    )
    dated = ParsedPost(**{**_fields(undated), "published": datetime(2019, 3, 3, tzinfo=timezone.utc)})
    with store.transaction():
        store.upsert_posts(1, [dated])
    row = store.db.execute("SELECT published, undated FROM posts WHERE id = 1").fetchone()
    assert tuple(row) == (int(datetime(2019, 3, 3, tzinfo=timezone.utc).timestamp()), 0)
    assert _ids(store, "") == [2, 1]


def test_title_order_reads_its_index(store: Store) -> None:
    rng = random.Random(4)
    store.add_feed("https://x.example/feed")
    posts = [_post(n, rng) for n in range(60)]
    with store.transaction():
        store.upsert_posts(1, posts)
    store.mark([1, 2, 3], read=True)
    for text in ("", "is:unread", "feed:x.example"):
        ids = _ids(store, text, order="title")
        rows = {
            r[0]: (r[1].casefold(), -r[2], -r[0])
            for r in store.db.execute("SELECT id, title, published, read FROM posts")
        }
        assert ids == sorted(ids, key=lambda i: rows[i]) and ids
        if text == "is:unread":
            assert not {1, 2, 3} & set(ids)
    compiled = compile_query(parse("is:unread"))
    from blogtui.storage.search import ORDERS

    plan = " ".join(
        r[3]
        for r in store.db.execute(
            f"EXPLAIN QUERY PLAN SELECT posts.id FROM posts INDEXED BY posts_by_title WHERE {compiled.where}"
            f" ORDER BY {ORDERS['title']}",
            compiled.params,
        )
    )
    assert "posts_by_title" in plan and "TEMP B-TREE" not in plan


def _v10_cache(path: Path, posts: int) -> list[tuple[int, str, str]]:
    """A schema 10 cache of ``posts`` posts, written as a schema 10 store wrote them (text inline,
    the index given each post's text); one post undated. Returns (id, title, html)."""
    db = sqlite3.connect(path, isolation_level=None)
    for step in schema.MIGRATIONS[:10]:
        step(db)
    db.execute("PRAGMA user_version = 10")
    db.execute(
        "INSERT INTO feeds(id, url, title, added_at) VALUES (1, 'https://x.example/feed', 'X', 1700000000)"
    )
    rng = random.Random(5)
    out = []
    for n in range(1, posts + 1):
        html = _html(rng, n)
        title = f"Post {n} 纪念币" if n == 2 else f"Post {n}"
        published = 0 if n == 1 else 1600000000 + n
        db.execute(
            "INSERT INTO posts(id, feed_id, guid, url, title, author, published, summary, content_html,"
            " content_md) VALUES (?, 1, ?, ?, ?, 'Ann', ?, 'a summary long enough to be packed, maybe',"
            " ?, ?)",
            (n, f"g{n}", f"https://x.example/{n}", title, published, html, "# md" if n == 3 else None),
        )
        words, runs = index_rows(title, "Ann", html_to_text(html))
        db.execute("INSERT INTO posts_fts(rowid, title, author, body) VALUES (?, ?, ?, ?)", (n, *words))
        if runs is not None:
            db.execute("INSERT INTO posts_cjk(rowid, title, author, body) VALUES (?, ?, ?, ?)", (n, *runs))
        out.append((n, title, html))
    db.close()
    return out


@pytest.mark.parametrize("posts", [20, codec_module.TRAIN_AT + 10])
def test_migration_11_packs_a_schema_10_cache_in_place(tmp_path: Path, posts: int) -> None:
    path = tmp_path / "blogtui.db"
    originals = _v10_cache(path, posts)
    assert schema.needs_upgrade(path)
    store = Store(path)
    try:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION >= 11
        trained = posts >= codec_module.TRAIN_AT
        assert store.db.execute("SELECT count(*) FROM codec_dicts").fetchone()[0] == int(trained)
        assert (
            store.db.execute("SELECT count(*) FROM posts WHERE typeof(content_html) = 'blob'").fetchone()[0]
            == posts
        )
        for post_id, title, html in originals:
            post = store.post(post_id)
            assert post is not None and (post.title, post.content_html) == (title, html)
        assert store.post(3).content_md == "# md"  # type: ignore[union-attr]
        # The undated post took its feed's subscription time, and is marked.
        assert tuple(store.db.execute("SELECT published, undated FROM posts WHERE id = 1").fetchone()) == (
            1700000000,
            1,
        )
        assert _ids(store, "")[0] == 1
        assert "posts_by_title" in {r[0] for r in store.db.execute("SELECT name FROM sqlite_master")}
        # The indexes still hold every post and forget them on delete (the unpacked text is theirs).
        assert len(_ids(store, "lamp OR river OR quiet OR table")) > posts // 2
        assert _ids(store, "纪念") == [2]
        assert store.drop_posts(keep_per_feed=1, now=0) == posts - 1
        assert _ids(store, "lamp OR river OR quiet OR table OR cedar OR mango") in ([], [1])
        assert _ids(store, "纪念") == []
    finally:
        store.close()
    assert doctor.check(path).ok


def test_a_salvaged_cache_unpacks_its_posts_to_reindex_them(tmp_path: Path) -> None:
    path = tmp_path / "blogtui.db"
    store = Store(path)
    rng = random.Random(6)
    store.add_feed("https://x.example/feed")
    with store.transaction():
        store.upsert_posts(1, [_post(n, rng) for n in range(codec_module.TRAIN_AT + 5)])
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    fresh = tmp_path / "fresh.db"
    report = doctor.RepairReport(path, path)  # type: ignore[call-arg]
    doctor._salvage(path, fresh, report)  # the table-by-table copy, which rebuilds the index
    again = Store(fresh)
    try:
        assert len(_ids(again, "lamp")) > 100
        assert again.post(1) is not None and again.post(1).content_html.startswith("<h2>Post 0</h2>")  # type: ignore[union-attr]
    finally:
        again.close()


def test_vacuum_makes_the_file_give_back_free_pages(tmp_path: Path) -> None:
    path = tmp_path / "blogtui.db"
    _v10_cache(path, 30)
    store = Store(path)
    try:
        assert store.db.execute("PRAGMA auto_vacuum").fetchone()[0] == 0  # made before schema 11
        store.vacuum()
        assert store.db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2
    finally:
        store.close()
    new = Store(tmp_path / "new.db")
    try:
        assert new.db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2
    finally:
        new.close()


def test_codec_without_its_table_packs_without_a_dictionary() -> None:
    db = sqlite3.connect(":memory:")
    codec = Codec(db)
    packed = codec.pack("text " * 100)
    assert isinstance(packed, bytes) and codec.unpack(packed) == "text " * 100


def test_the_title_order_is_a_window_read_from_its_index(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from blogtui.storage import search, title_window, window

    monkeypatch.setattr(search, "WINDOW_MIN", 10)
    monkeypatch.setattr(window, "PAGE", 7)
    monkeypatch.setattr(title_window, "PAGE", 7)
    rng = random.Random(7)
    store.add_feed("https://x.example/feed")
    posts = [_post(n, rng) for n in range(80)]
    with store.transaction():
        store.upsert_posts(1, posts)
    store.mark(list(range(1, 80, 3)), read=True)
    for text in ("", "is:unread", "is:read", "feed:x.example"):
        compiled = compile_query(parse(text))
        expected = store.post_ids(compiled, order="title")
        got = store.post_window(compiled, order="title")
        assert isinstance(got, title_window.TitleWindow) and len(got) == len(expected)
        assert list(got) == expected
        for index in (0, 6, 7, len(expected) - 1, len(expected) // 2, -1):  # pages from either end
            fresh = store.post_window(compiled, order="title")
            assert fresh[index] == expected[index]
        fresh = store.post_window(compiled, order="title")
        for index in (5, 0, len(expected) - 3):
            assert fresh.position(expected[index]) == index  # type: ignore[attr-defined]
        assert fresh.position(10_000) is None  # type: ignore[attr-defined]
    unread = store.post_window(compile_query(parse("is:unread")), order="title")
    assert 1 not in unread and 2 in unread
    # A search sorted by title is listed as before.
    assert isinstance(store.post_window(compile_query(parse("lamp")), order="title"), list)


def test_a_write_that_stores_posts_gives_the_free_pages_back(store: Store) -> None:
    """New caches are auto_vacuum = INCREMENTAL: once a write that stored posts leaves more than
    TRIM_PAGES free, they are given back at its commit (every page, in one script)."""
    from blogtui.storage.store import TRIM_PAGES

    rng = random.Random(3)
    feed = store.add_feed("https://x.example/feed")
    with store.transaction():
        store.upsert_posts(feed, [_post(n, rng) for n in range(1000)])
    assert store.remove_feed("https://x.example/feed")
    assert store.db.execute("PRAGMA freelist_count").fetchone()[0] > TRIM_PAGES
    with store.transaction():
        store.upsert_posts(store.add_feed("https://y.example/feed"), [_post(1, rng, feed="y")])
    assert store.db.execute("PRAGMA freelist_count").fetchone()[0] == 0
    assert not store.db.in_transaction


def test_a_title_shared_by_many_posts_keeps_each_ones_position(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The position is counted as the titles before, plus the posts of the same title before
    # (newer, or as new with a larger id): every post of three titles and four dates, in turn.
    from blogtui.storage import search, title_window, window

    monkeypatch.setattr(search, "WINDOW_MIN", 10)
    monkeypatch.setattr(window, "PAGE", 7)
    monkeypatch.setattr(title_window, "PAGE", 7)
    rng = random.Random(11)
    store.add_feed("https://x.example/feed")
    posts = [
        replace(
            _post(n, rng),
            title=("Alpha", "beta", "ALPHA ")[n % 3].strip(),
            published=datetime(2021, 1, 1 + n % 4, tzinfo=timezone.utc),
        )
        for n in range(40)
    ]
    with store.transaction():
        store.upsert_posts(1, posts)
    compiled = compile_query(parse(""))
    expected = store.post_ids(compiled, order="title")
    for index, post_id in enumerate(expected):
        fresh = store.post_window(compiled, order="title")
        assert fresh.position(post_id) == index  # type: ignore[attr-defined]


def test_the_timeline_counts_its_months_from_the_indexes_less_the_undated_posts(store: Store) -> None:
    # Schema 14: the months come from posts_by_feed's dates, less the undated posts the partial
    # index posts_undated lists; a month holding both counts the dated posts only.
    rng = random.Random(5)
    store.add_feed("https://x.example/feed")
    seen = datetime(2020, 1, 20, tzinfo=timezone.utc)  # the undated post, seen in January 2020
    posts = [_post(n, rng) for n in range(6)] + [_post(9, rng, dated=False)]
    with store.transaction():
        store.upsert_posts(1, posts, now=seen)
    assert store.feed_months(1) == [(2020, 1, 6)]
    store.db.execute(
        "UPDATE posts SET undated = 1, published = ? WHERE guid = 'x-0'", (int(seen.timestamp()),)
    )
    assert store.feed_months(1) == [(2020, 1, 5)]
    store.db.execute("UPDATE posts SET published = 0 WHERE guid = 'x-1'")  # a dated post of 1970
    assert store.feed_months(1) == [(1970, 1, 1), (2020, 1, 4)]
    plans = [
        " ".join(
            str(r[3])
            for r in store.db.execute(
                f"EXPLAIN QUERY PLAN SELECT published FROM posts INDEXED BY {i}"
                " WHERE feed_id = 1" + (" AND undated = 1" if i == "posts_undated" else "")
            )
        )
        for i in ("posts_by_feed", "posts_undated")
    ]
    assert all("COVERING INDEX" in plan for plan in plans), plans
