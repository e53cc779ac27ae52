"""Search through the library: the query language end to end, ranking, search as you type, tag
counts within a query, the user's own tags, saved views, and the schema 3 migration."""

from __future__ import annotations

import sqlite3
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest

from blogtui.content.text import html_to_text
from blogtui.errors import LibraryError
from blogtui.library import Library
from blogtui.models import ParsedPost
from blogtui.query import ROW_POST, highlight_spans
from blogtui.storage import schema, search
from blogtui.storage.store import Store


def _post(
    guid: str, title: str, body: str, day: int, tags: tuple[str, ...] = (), year: int = 2024
) -> ParsedPost:
    html = f"<p>{body}</p>"
    return ParsedPost(
        guid=guid,
        url=f"https://x.example/{guid}",
        title=title,
        author="Ann",
        published=datetime(year, 1, day, tzinfo=timezone.utc),
        content_html=html,
        text=html_to_text(html),
        tags=tags,
    )


@pytest.fixture
def lib(library: Library) -> Library:
    """Two feeds, eight posts with known words, tags, dates and states."""
    store = library.store
    garden = store.add_feed("https://garden.example/feed.xml")
    systems = store.add_feed("https://systems.example/rss")
    with store.transaction():
        store.update_feed(garden, title="The Gardener")
        store.update_feed(systems, title="Systems Notes")
        store.upsert_posts(
            garden,
            [
                _post("g1", "Tomatoes in July", "water the tomatoes early", 1, ("Garden",)),
                _post("g2", "Compost notes", "compost and tomatoes and worms", 2, ("garden ", "soil")),
                _post("g3", "Winter pruning", "cut back the apple trees", 3, ("GARDEN",), year=2019),
            ],
        )
        store.upsert_posts(
            systems,
            [
                _post("s1", "SQLite write-ahead log", "the wal makes readers and writers concurrent", 4,
                      ("SQLite", "databases")),
                _post("s2", "Python packaging", "a python wheel is a zip file", 5, ("Python",)),
                _post("s3", "Typing in python", "python type hints help tools", 6, ("python",)),
                _post("s4", "Write-ahead logging elsewhere", "postgres has a log too; sqlite has wal", 7,
                      ("databases",)),
                _post("s5", "Undated musings", "tomatoes again, said the sysadmin", 8, ()),
            ],
        )  # fmt: skip
    ids = {title: i for i, title in store.db.execute("SELECT id, title FROM posts")}
    library.mark_read([ids["Compost notes"], ids["Python packaging"]])
    library.star([ids["Typing in python"]])
    return library


def titles(library: Library, query: str, *, ranked: bool = False, prefix: bool = False) -> list[str]:
    compiled = library.compile(query, prefix_last=prefix)
    return [r.title for r in library.rows(library.post_ids(compiled, ranked=ranked))]


def test_every_part_of_the_query_language(lib: Library) -> None:
    assert titles(lib, "tomatoes") == ["Undated musings", "Compost notes", "Tomatoes in July"]
    assert titles(lib, "tomatoes worms") == ["Compost notes"]  # words are ANDed
    assert titles(lib, '"type hints"') == ["Typing in python"]
    assert titles(lib, '"hints type"') == []  # a phrase keeps its order
    assert titles(lib, "tag:garden") == ["Compost notes", "Tomatoes in July", "Winter pruning"]
    assert titles(lib, "tag:python tag:Python") == ["Typing in python", "Python packaging"]
    assert titles(lib, "tag:databases tag:sqlite") == ["SQLite write-ahead log"]  # repeatable = AND
    assert titles(lib, "feed:gardener tomatoes") == ["Compost notes", "Tomatoes in July"]
    assert titles(lib, "feed:systems.example tomatoes") == ["Undated musings"]  # the URL counts too
    assert titles(lib, "is:read") == ["Python packaging", "Compost notes"]
    assert titles(lib, "is:starred") == ["Typing in python"]
    assert len(titles(lib, "is:unread")) == 6
    assert titles(lib, "after:2024-01-07") == ["Undated musings", "Write-ahead logging elsewhere"]
    assert titles(lib, "before:2020-01-01") == ["Winter pruning"]
    assert titles(lib, "tomatoes -worms") == ["Undated musings", "Tomatoes in July"]
    assert titles(lib, "tag:garden -tag:soil") == ["Tomatoes in July", "Winter pruning"]
    assert titles(lib, "python -is:read") == ["Typing in python"]
    assert titles(lib, "WAL Sqlite") == ["Write-ahead logging elsewhere", "SQLite write-ahead log"]


@pytest.mark.parametrize(
    ("query", "part"),
    [
        ("after:2015-13-40", "after:2015-13-40"),
        ("before:yesterday", "before:yesterday"),
        ("is:bogus", "is:bogus"),
        ("tag:", "tag:"),
        ("tomatoes @nowhere", "@nowhere"),
        ("@bad/name", "@bad/name"),
    ],
)
def test_bad_queries_are_one_line_errors_naming_the_part(lib: Library, query: str, part: str) -> None:
    with pytest.raises(LibraryError) as caught:
        lib.post_ids(query)
    message = str(caught.value)
    assert part in message and "\n" not in message


@pytest.mark.parametrize(
    "query", ['"', "-", '"unclosed phrase', "AND OR NOT", "(", "*", "c++", 'NEAR("a")', "\x00"]
)
def test_fts_syntax_in_a_query_is_plain_text(lib: Library, query: str) -> None:
    lib.post_ids(query, ranked=True)  # never an FTS5 syntax error
    lib.tags(query)
    lib.count(query)


def test_ranked_by_relevance_then_date(lib: Library) -> None:
    # "tomatoes" in a title weighs more than in a body; among body hits, the newer first.
    ranked = titles(lib, "tomatoes", ranked=True)
    assert ranked[0] == "Tomatoes in July"
    assert set(ranked) == set(titles(lib, "tomatoes"))
    assert titles(lib, "python", ranked=True)[:2] == ["Typing in python", "Python packaging"]
    posts = lib.posts_json("tomatoes", ranked=True, limit=1)
    assert [p["title"] for p in posts] == ["Tomatoes in July"]


def test_search_as_you_type(lib: Library) -> None:
    assert titles(lib, "tomat", prefix=True) == ["Undated musings", "Compost notes", "Tomatoes in July"]
    assert titles(lib, "tomat") == []  # a finished word is a whole word
    assert titles(lib, "tomat ", prefix=True) == []  # a space finishes it
    assert titles(lib, "py", prefix=True) == ["Typing in python", "Python packaging"]
    # One letter filters nothing yet (it begins nearly every post's words).
    assert titles(lib, "t", prefix=True) == titles(lib, "")
    assert titles(lib, "tomatoes w", prefix=True) == titles(lib, "tomatoes")
    assert titles(lib, "tomatoes wo", prefix=True) == ["Compost notes"]
    compiled = lib.compile("tomatoes wo", prefix_last=True)
    text = "Worms and tomatoes, a word or two"
    spans = highlight_spans(text, compiled)
    assert [text[a:b] for a, b in spans] == ["Worms", "tomatoes", "word"]
    assert highlight_spans(text, lib.compile("tomatoes w", prefix_last=True)) == [(10, 18)]


def _forced(monkeypatch: pytest.MonkeyPatch, lookup: int, rank: int) -> None:
    monkeypatch.setattr(search, "LOOKUP_LIMIT", lookup)
    monkeypatch.setattr(search, "RANK_LIMIT", rank)


QUERIES = [
    "tomatoes",
    "tomatoes -worms",
    "python is:unread",
    "wal sqlite tag:databases",
    "the",
    "a -tag:garden",
]


@pytest.mark.parametrize("query", QUERIES)
def test_every_plan_gives_the_same_posts(lib: Library, monkeypatch: pytest.MonkeyPatch, query: str) -> None:
    _forced(monkeypatch, 10_000, 10_000)  # few matches: looked up by id, bm25 for all
    by_lookup = lib.post_ids(query)
    ranked = lib.post_ids(query, ranked=True)
    count = lib.count(query)
    _forced(monkeypatch, 0, 0)  # many matches: scan of the date index, coarse ranking
    assert lib.post_ids(query) == by_lookup
    assert lib.count(query) == count == len(by_lookup)
    # The title tier: the required words in the title, less posts holding a left-out word anywhere.
    words = query.split()
    required = lib.compile(" ".join(w for w in words if not w.startswith("-") or ":" in w)).match
    left_out = " ".join(w[1:] for w in words if w.startswith("-") and ":" not in w)
    title_hits = {
        r[0]
        for r in lib.store.db.execute(
            f"SELECT {ROW_POST} FROM posts_fts WHERE posts_fts MATCH ?", (f"{{title}} : ({required})",)
        )
    } - (set(lib.post_ids(left_out)) if left_out else set())
    for rank_limit in (0, 1):  # title hits newest first, or (when few enough) by bm25
        _forced(monkeypatch, 0, rank_limit)
        tiered = lib.post_ids(query, ranked=True)
        assert sorted(tiered) == sorted(ranked)
        # Coarse ranking: posts matching in the title first, the rest newest first.
        head = [i for i in tiered if i in title_hits]
        assert tiered[: len(head)] == head
        assert tiered[len(head) :] == [i for i in by_lookup if i not in title_hits]
        if len(head) <= rank_limit or rank_limit == 0:
            assert head == ([i for i in ranked if i in title_hits] if rank_limit else
                            [i for i in by_lookup if i in title_hits])  # fmt: skip


@pytest.mark.parametrize(
    "query",
    [
        "",
        "tomatoes",
        "-tomatoes",
        "is:unread",
        "the",
        "ann",
        "ann -tomatoes",
        "tag:garden",
        "python -is:read",
    ],
)
def test_tags_within_a_query_count_its_posts(lib: Library, query: str) -> None:
    store = lib.store
    ids = lib.post_ids(query)
    expected = Counter(
        name
        for post_id in ids
        for name in store.post_tags(post_id)  # brute force: every post's tags
    )
    compiled = lib.compile(query)
    for hint in (None, 0, 10**6):  # counted first, taken as few, taken as most: all exact
        got = {t.name: t.count for t in store.tags(compiled, size_hint=hint)}
        assert got == dict(expected), hint
    assert {t.name: t.count for t in lib.tags(query)} == dict(expected)


def test_tag_spellings_are_one_tag(lib: Library) -> None:
    counts = {t.name.lower(): t.count for t in lib.tags()}
    assert counts["garden"] == 3 and counts["python"] == 2
    assert len([t for t in lib.tags() if t.name.lower() == "garden"]) == 1


def test_own_tags_are_kept_apart_and_survive_refresh(lib: Library) -> None:
    post_id = lib.post_ids("compost")[0]
    assert lib.add_user_tag(post_id, "  to   read ") == "to read"
    assert lib.add_user_tag(post_id, "PYTHON") == "Python"  # a tag of other posts, in another case, is reused
    assert lib.post_tags(post_id, user=True) == ["Python", "to read"]
    assert lib.post_tags(post_id, user=False) == ["Garden", "soil"]  # the first spelling seen
    assert titles(lib, 'tag:"To Read"') == ["Compost notes"]
    assert [(t.name, t.count) for t in lib.user_tags()] == [("Python", 1), ("to read", 1)]
    # A refresh bringing the same post again keeps the user's tags.
    feed = lib.store.feed("https://garden.example/feed.xml")
    assert feed is not None
    with lib.store.transaction():
        lib.store.upsert_posts(feed.id, [_post("g2", "Compost notes", "compost v2", 2, ("garden",))])
    assert lib.post_tags(post_id, user=True) == ["Python", "to read"]
    assert lib.remove_user_tag(post_id, "TO READ")
    assert not lib.remove_user_tag(post_id, "to read")
    assert titles(lib, 'tag:"to read"') == []
    with pytest.raises(LibraryError, match="no such post"):
        lib.add_user_tag(99999, "x")
    with pytest.raises(LibraryError, match="needs a name"):
        lib.add_user_tag(post_id, "   ")


def test_a_tag_the_feed_already_gives_stays_the_feeds(lib: Library) -> None:
    post_id = lib.post_ids("compost")[0]
    assert lib.add_user_tag(post_id, "GARDEN") == "Garden"
    assert lib.post_tags(post_id, user=False) == ["Garden", "soil"]
    assert lib.post_tags(post_id, user=True) == []
    assert not lib.remove_user_tag(post_id, "garden")  # not the user's to take off
    assert lib.post_tags(post_id) == ["Garden", "soil"]


def test_saved_views(lib: Library) -> None:
    lib.save_view("@Food", "tomatoes -is:read")
    assert lib.views() == [("Food", "tomatoes -is:read")]
    assert titles(lib, "@food") == ["Undated musings", "Tomatoes in July"]  # names in any case
    assert titles(lib, "@Food tag:garden") == ["Tomatoes in July"]
    assert titles(lib, "tomatoes -@food") == ["Compost notes"]
    lib.save_view("both", "@food is:unread")  # a view may use another
    assert titles(lib, "@both") == ["Undated musings", "Tomatoes in July"]
    with pytest.raises(LibraryError, match="cannot include itself"):
        lib.save_view("food", "@both")
    with pytest.raises(LibraryError, match="not a date"):
        lib.save_view("bad", "after:2015-13-40")
    with pytest.raises(LibraryError, match="not a view name"):
        lib.save_view("no spaces", "x")
    lib.save_view("FOOD", "worms")  # replaces the view of that name in any case
    assert [name for name, _ in lib.views()] == ["both", "FOOD"]
    assert titles(lib, "@food") == ["Compost notes"]
    assert lib.delete_view("@food")
    assert not lib.delete_view("food")
    with pytest.raises(LibraryError, match="@food: no saved view"):
        lib.post_ids("@both")


def _v2_database(path: Path) -> None:
    """A schema-2 cache as the previous release left it: posts indexed without prefixes."""
    db = sqlite3.connect(path, isolation_level=None)
    schema._v1(db)
    schema._v2(db)
    db.execute("INSERT INTO feeds(id, url, title) VALUES (1, 'https://old.example/feed', 'Old')")
    for post_id, title, html in [
        (1, "Meadows in May", "<p>meadow grasses and <b>mellow</b> light</p>"),
        (2, "Other things", "<p>nothing about that</p>"),
    ]:
        db.execute(
            "INSERT INTO posts(id, feed_id, guid, title, author, published, content_html)"
            " VALUES (?, 1, ?, ?, 'A', 1700000000, ?)",
            (post_id, f"g{post_id}", title, html),
        )
        db.execute(
            "INSERT INTO posts_fts(rowid, title, author, body) VALUES (?, ?, 'A', ?)",
            (post_id, title, html_to_text(html)),
        )
    db.execute("PRAGMA user_version = 2")
    db.close()


def test_migration_3_rebuilds_the_index_with_prefixes(tmp_path: Path) -> None:
    path = tmp_path / "blogtui.db"
    _v2_database(path)
    store = Store(path)
    try:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        sql = store.db.execute("SELECT sql FROM sqlite_master WHERE name = 'posts_fts'").fetchone()[0]
        assert "prefix='2'" in sql
        indexes = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"posts_by_date_state", "posts_by_id"} <= indexes and "posts_by_date" not in indexes
        lib_ids = store.post_ids
        from blogtui.query import compile_query, parse

        assert lib_ids(compile_query(parse("me"), prefix_last=True)) == [1]
        assert lib_ids(compile_query(parse("mellow"))) == [1]
        assert lib_ids(compile_query(parse("nothing"))) == [2]
        # The rebuilt index holds exactly what a delete repeats: removing the feed empties it.
        assert store.remove_feed("https://old.example/feed")
        store.db.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, posts_fts, 'row')")
        assert store.db.execute("SELECT count(*) FROM temp.vocab").fetchone()[0] == 0
    finally:
        store.close()


def test_migration_4_makes_summary_only_a_column_and_views_a_table(tmp_path: Path) -> None:
    path = tmp_path / "blogtui.db"
    db = sqlite3.connect(path, isolation_level=None)
    for step in schema.MIGRATIONS[:3]:
        step(db)
    db.execute("INSERT INTO feeds(id, url, title) VALUES (1, 'https://old.example/feed', 'Old')")
    rows = [
        (1, "<p>The start [&#8230;]</p>", "<p>The start [&#8230;]</p>"),  # the old mark: stored twice
        (2, "<p>A summary</p>", "<p>The whole article</p>"),
        (3, "", "<p>Only content</p>"),
    ]
    for post_id, summary, html in rows:
        db.execute(
            "INSERT INTO posts(id, feed_id, guid, title, summary, content_html) VALUES (?, 1, ?, 'T', ?, ?)",
            (post_id, f"g{post_id}", summary, html),
        )
    db.execute("INSERT INTO state(key, value) VALUES ('view:Food', 'tag:food'), ('last_post', '2')")
    db.execute("PRAGMA user_version = 3")
    db.close()
    store = Store(path)
    try:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        one, two, three = (store.post(i) for i in (1, 2, 3))
        assert one is not None and one.summary_only and one.summary == ""
        assert one.content_html == "<p>The start [&#8230;]</p>"
        assert two is not None and not two.summary_only and two.summary == "<p>A summary</p>"
        assert three is not None and not three.summary_only
        assert store.views() == [("Food", "tag:food")]
        assert store.view_query("food") == "tag:food"
        assert store.get_state("view:Food") is None and store.get_state("last_post") == "2"
    finally:
        store.close()


# -- OR and groups, accents in tag: and feed:, unknown prefixes (issue 14) --------------------


def test_or_and_groups_end_to_end(lib: Library) -> None:
    assert titles(lib, "worms OR wheel") == ["Python packaging", "Compost notes"]
    assert titles(lib, "tomatoes (worms OR early)") == ["Compost notes", "Tomatoes in July"]
    assert titles(lib, "(tag:soil OR tag:sqlite) -worms") == ["SQLite write-ahead log"]
    assert titles(lib, "python OR tag:soil") == ["Typing in python", "Python packaging", "Compost notes"]
    assert titles(lib, "tag:garden -(tomatoes OR apple)") == []
    assert titles(lib, "tag:garden -(worms compost)") == ["Tomatoes in July", "Winter pruning"]
    assert titles(lib, "(is:starred OR is:read) python") == ["Typing in python", "Python packaging"]
    assert titles(lib, "wal OR python tag:databases") == [
        "Write-ahead logging elsewhere",
        "SQLite write-ahead log",
    ]
    lib.save_view("food", "tomatoes -is:read")
    assert titles(lib, "@food OR tag:python") == [
        "Undated musings", "Typing in python", "Python packaging", "Tomatoes in July",
    ]  # fmt: skip
    assert titles(lib, "tag:python -(@food OR is:starred)") == ["Python packaging"]
    ranked = titles(lib, "tomatoes OR python", ranked=True)  # words only: ranked by bm25, titles first
    assert set(ranked[:3]) == {"Tomatoes in July", "Typing in python", "Python packaging"}
    assert set(ranked) == set(titles(lib, "tomatoes OR python"))


@pytest.mark.parametrize(
    "query",
    ["tomatoes OR python", "(tag:garden OR tag:python) -compost", "python OR tag:soil", "-(wal OR python)",
     "the OR a -tag:garden", "(worms OR wheel) is:unread"],
)  # fmt: skip
def test_every_plan_gives_the_same_posts_with_or(
    lib: Library, monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    _forced(monkeypatch, 10_000, 10_000)
    by_lookup = lib.post_ids(query)
    ranked = lib.post_ids(query, ranked=True)
    count = lib.count(query)
    _forced(monkeypatch, 0, 0)
    assert lib.post_ids(query) == by_lookup
    assert lib.count(query) == count == len(by_lookup)
    assert sorted(lib.post_ids(query, ranked=True)) == sorted(ranked) == sorted(by_lookup)
    store = lib.store
    expected = Counter(name for post_id in by_lookup for name in store.post_tags(post_id))
    for hint in (None, 0, 10**6):
        assert {t.name: t.count for t in store.tags(lib.compile(query), size_hint=hint)} == dict(expected)


def test_tag_and_feed_ignore_case_and_accents(lib: Library) -> None:
    store = lib.store
    cafe = store.add_feed("https://cafe.example/feed")
    with store.transaction():
        store.update_feed(cafe, title="Café Lumière")
        store.upsert_posts(cafe, [_post("c1", "Crème brûlée", "a dessert", 9, ("Café", "Über Alles"))])
        store.upsert_posts(cafe, [_post("c2", "Espresso", "a drink", 10, ("cafe",))])
    # Café and cafe stay two tags (tag names keep their letters), but a query finds both.
    assert {t.name for t in lib.tags()} >= {"Café", "cafe"}
    assert titles(lib, "tag:cafe") == ["Espresso", "Crème brûlée"]
    assert titles(lib, "tag:CAFÉ") == ["Espresso", "Crème brûlée"]
    assert titles(lib, 'tag:"uber alles"') == ["Crème brûlée"]
    assert titles(lib, "tag:ÜBER", prefix=True) == ["Crème brûlée"]  # the tags it begins, while typing
    assert titles(lib, "-tag:cafe feed:lumiere") == []
    assert titles(lib, "feed:lumiere") == ["Espresso", "Crème brûlée"]
    assert titles(lib, "feed:LUMIÈRE creme") == ["Crème brûlée"]  # and words, as before
    assert titles(lib, "tag:gard", prefix=True) == ["Compost notes", "Tomatoes in July", "Winter pruning"]
    assert titles(lib, "tag:gard") == []  # a finished tag is a whole name


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("tags:python", "tags:python: unknown prefix tags: (did you mean tag:?)"),
        ("python feeds:gardener", "feeds:gardener: unknown prefix feeds: (did you mean feed:?)"),
        ("title:wal", "title:wal: unknown prefix title: (use tag:, feed:, is:, after: or before:;"),
    ],
)
def test_unknown_prefix_is_a_library_error(lib: Library, query: str, message: str) -> None:
    with pytest.raises(LibraryError) as caught:
        lib.post_ids(query)
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)
    assert titles(lib, f'"{query.split()[-1]}"') == []  # quoted, it is text (found nowhere here)


@pytest.mark.parametrize(
    "text", ["tag:", "python tag:", "is:unr", "tags:py", "after:2024-13", "@foo", "-tag:"]
)
def test_the_part_being_typed_shows_no_error(lib: Library, text: str) -> None:
    """The TUI's path (Library.compile with prefix_last): a half-typed part filters nothing yet."""
    before = lib.post_ids(lib.compile(text.rsplit(" ", 1)[0] if " " in text else "", prefix_last=True))
    assert lib.post_ids(lib.compile(text, prefix_last=True)) == before
    with pytest.raises(LibraryError):
        lib.compile(text)  # finished (the CLI, or a space typed after it): the error
    with pytest.raises(LibraryError):
        lib.compile(text + " ", prefix_last=True)


def test_links_and_times_stay_words(lib: Library) -> None:
    store = lib.store
    feed = store.add_feed("https://links.example/feed")
    with store.transaction():
        store.upsert_posts(
            feed, [_post("l1", "Meeting at 10:30", "see http://x.example/a and std::vector", 11)]
        )
    for query in ("10:30", "http://x.example/a", "std::vector", '"meeting at 10:30"'):
        assert titles(lib, query) == ["Meeting at 10:30"], query


# -- CJK text (issue 14) -------------------------------------------------------------------------


@pytest.fixture
def cjk(lib: Library) -> Library:
    store = lib.store
    feed = store.add_feed("https://zh.example/feed")
    with store.transaction():
        store.update_feed(feed, title="钱币论坛")
        store.upsert_posts(
            feed,
            [
                _post("z1", "出建国纪念币", "35周年纪念币，一盒20枚。", 12, ("钱币",)),
                _post("z2", "泰山康银阁红包卡", "可选号码，我用Python写了脚本。", 13, ("卡",)),
                _post("z3", "中国。人民", "分开的两段", 14),
                _post("j1", "東京の天気", "今日はとても暑いです。ラーメンを食べました。", 15),
                _post("k1", "서울에서 살기", "서울은 큰 도시입니다", 16),
                _post("m1", "Mixed 纪念 post", "a coin, 纪念 in passing", 17),
            ],
        )
    return lib


def test_cjk_substrings_are_found(cjk: Library) -> None:
    assert titles(cjk, "纪念币") == ["出建国纪念币"]  # inside the title's run
    assert titles(cjk, "建国纪念币") == ["出建国纪念币"]
    assert titles(cjk, "纪念") == ["Mixed 纪念 post", "出建国纪念币"]  # two characters
    assert titles(cjk, "币") == ["出建国纪念币"]  # one
    assert titles(cjk, "国人") == []  # not across two runs ("中国。人民")
    assert titles(cjk, "中国") == ["中国。人民"]
    assert titles(cjk, "ラーメン") == ["東京の天気"]
    assert titles(cjk, "暑い") == ["東京の天気"]
    assert titles(cjk, "서울") == ["서울에서 살기"]  # Korean: a word with its particle
    assert titles(cjk, "python") == ["泰山康银阁红包卡", "Typing in python", "Python packaging"]  # 用Python写
    assert titles(cjk, "纪念 coin") == ["Mixed 纪念 post"]
    assert titles(cjk, "纪念 -coin") == ["出建国纪念币"]
    assert titles(cjk, "纪念币 OR ラーメン") == ["東京の天気", "出建国纪念币"]
    assert titles(cjk, "(纪念 OR 号码) tag:钱币") == ["出建国纪念币"]
    assert titles(cjk, '"纪念 post"') == ["Mixed 纪念 post"]
    assert titles(cjk, "纪", prefix=True) == ["Mixed 纪念 post", "出建国纪念币"]  # one character typed
    assert titles(cjk, "纪念币", ranked=True) == ["出建国纪念币"]
    assert sorted(titles(cjk, "纪念", ranked=True)) == sorted(titles(cjk, "纪念"))


def test_cjk_highlights(cjk: Library) -> None:
    text = "出建国纪念币：35周年纪念币"
    spans = highlight_spans(text, cjk.compile("纪念币"))
    assert [text[a:b] for a, b in spans] == ["纪念币", "纪念币"]
    spans = highlight_spans(text, cjk.compile("周年 35", prefix_last=True))
    assert [text[a:b] for a, b in spans] == ["35周年"]  # touching spans are one


@pytest.mark.parametrize(
    "query", ["纪念", "纪念 coin", "纪念币 OR ラーメン", "号码 OR 币 -tag:卡", "(纪念 OR 号码) is:unread"]
)
def test_every_plan_gives_the_same_posts_for_cjk(
    cjk: Library, monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    _forced(monkeypatch, 10_000, 10_000)
    by_lookup = cjk.post_ids(query)
    ranked = cjk.post_ids(query, ranked=True)
    count = cjk.count(query)
    assert by_lookup
    for lookup, rank in ((0, 0), (0, 1)):
        _forced(monkeypatch, lookup, rank)
        assert cjk.post_ids(query) == by_lookup
        assert cjk.count(query) == count == len(by_lookup)
        assert sorted(cjk.post_ids(query, ranked=True)) == sorted(ranked) == sorted(by_lookup)
    expected = Counter(name for post_id in by_lookup for name in cjk.store.post_tags(post_id))
    for hint in (None, 0, 10**6):
        assert {t.name: t.count for t in cjk.store.tags(cjk.compile(query), size_hint=hint)} == dict(expected)


def _vocab(store: Store, table: str) -> dict[str, int]:
    store.db.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.v_{table} USING fts5vocab(main, {table}, 'row')"
    )
    return {r[0]: r[1] for r in store.db.execute(f"SELECT term, doc FROM temp.v_{table}")}


def test_the_cjk_index_is_kept_in_step(cjk: Library) -> None:
    store = cjk.store
    assert _vocab(store, "posts_cjk")["纪"] == 2
    assert "出建国纪念币" not in _vocab(store, "posts_fts")  # runs are not words of posts_fts
    # An update replaces the post's CJK text; a full article replaces it again.
    feed = store.feed("https://zh.example/feed")
    assert feed is not None
    with store.transaction():
        store.upsert_posts(feed.id, [_post("z1", "出建国纪念章", "35周年，一盒20枚。", 12, ("钱币",))])
    assert titles(cjk, "纪念币") == [] and titles(cjk, "纪念章") == ["出建国纪念章"]
    [post_id] = cjk.post_ids("纪念章")
    html = "<p>全文：建国纪念章的故事</p>"
    store.set_content_html(post_id, html, html_to_text(html), "全文：建国纪念章的故事")
    assert titles(cjk, "故事") == ["出建国纪念章"] and titles(cjk, "一盒") == []
    # Removing the feeds leaves both indexes empty: every delete repeated what was inserted.
    for url in ("https://zh.example/feed", "https://garden.example/feed.xml", "https://systems.example/rss"):
        assert store.remove_feed(url)
    assert _vocab(store, "posts_cjk") == {} and _vocab(store, "posts_fts") == {}
    assert store.db.execute("SELECT count(*) FROM posts_cjk").fetchone()[0] == 0


def test_migration_7_moves_cjk_runs_to_their_own_index(tmp_path: Path) -> None:
    path = tmp_path / "blogtui.db"
    db = sqlite3.connect(path, isolation_level=None)
    for step in schema.MIGRATIONS[:6]:
        step(db)
    db.execute("INSERT INTO feeds(id, url, title) VALUES (1, 'https://old.example/feed', 'Old')")
    rows = [
        (1, "出建国纪念币", "<p>35周年纪念币 MS66评级</p>"),
        (2, "Plain English", "<p>nothing to move &amp; no CJK</p>"),
        (3, "Entities", "<p>&#x7EAA;&#x5FF5; written as references</p>"),
    ]
    for post_id, title, html in rows:
        db.execute(
            "INSERT INTO posts(id, feed_id, guid, title, author, content_html) VALUES (?, 1, ?, ?, 'A', ?)",
            (post_id, f"g{post_id}", title, html),
        )
        db.execute(  # as schema 6 indexed it: each CJK run one token
            "INSERT INTO posts_fts(rowid, title, author, body) VALUES (?, ?, 'A', ?)",
            (post_id, title, html_to_text(html)),
        )
    db.execute("PRAGMA user_version = 6")
    db.close()
    store = Store(path)
    try:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        from blogtui.query import compile_query, parse

        def ids(text: str) -> list[int]:
            return store.post_ids(compile_query(parse(text)))

        assert ids("纪念币") == [1]
        assert ids("纪念") == [3, 1]
        assert ids("ms66") == [1]  # a word that was inside a run
        assert ids("nothing") == [2]
        assert "出建国纪念币" not in _vocab(store, "posts_fts")
        assert store.db.execute("SELECT count(*) FROM posts_cjk").fetchone()[0] == 2  # post 2 has no row
        assert store.remove_feed("https://old.example/feed")
        assert _vocab(store, "posts_cjk") == {} and _vocab(store, "posts_fts") == {}
    finally:
        store.close()


def test_corpus_chinese_feed_is_searchable(library: Library) -> None:
    """rss/nnw_kc0011.rss (GB2312, 20 posts): 纪念币 finds 出建国纪念币, and is highlighted there."""
    from corpus import CORPUS, absent_reason

    reason = absent_reason()
    if reason:
        pytest.skip(reason)
    from blogtui.parsing.feed import parse_feed

    parsed = parse_feed((CORPUS / "rss" / "nnw_kc0011.rss").read_bytes(), "https://www.kc0011.net/rss")
    store = library.store
    feed = store.add_feed("https://www.kc0011.net/rss")
    with store.transaction():
        store.upsert_posts(feed, parsed.posts)
    assert titles(library, "纪念币") == ["出建国纪念币"]
    assert "建国35周年纪念，华表，和平鸽" in titles(library, "纪念")
    assert len(titles(library, "泰山")) >= 5
    assert "★★低出爱藏MS66评级币★★" in titles(library, "ms66")
    spans = highlight_spans("出建国纪念币", library.compile("纪念币"))
    assert spans == [(3, 6)]


def test_a_left_out_word_in_the_body_keeps_a_title_match_out_of_the_title_tier(
    lib: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "Tomatoes in July" has tomatoes in its title and "water" in its body: -water leaves it out
    # of every tier (folded into one FTS5 expression, NOT applies to every column, not the title's).
    for rank_limit in (0, 1, 10_000):
        _forced(monkeypatch, 0, rank_limit)
        assert "Tomatoes in July" not in titles(lib, "tomatoes -water", ranked=True)
        assert sorted(titles(lib, "tomatoes -water", ranked=True)) == sorted(titles(lib, "tomatoes -water"))
    assert titles(lib, "tomatoes -water") == [t for t in titles(lib, "tomatoes") if t != "Tomatoes in July"]
