"""The query language on its own: OR and groups, unknown prefixes, the part still being typed,
accent folding for tag:/feed:, what the search indexes hold of CJK text, highlights."""

from __future__ import annotations

import pytest

from blogtui.errors import QueryError
from blogtui.query import (
    CJK_CLAUSE,
    MATCH_CLAUSE,
    MAX_DEPTH,
    NOT_MATCH_CLAUSE,
    Group,
    Term,
    compile_query,
    fold_key,
    highlight_spans,
    index_rows,
    parse,
)


def w(value: str, negated: bool = False) -> Term:
    return Term("word", value, negated)


def test_or_binds_tighter_than_the_implicit_and() -> None:
    assert parse("python OR rust").terms == (Group((w("python"), w("rust")), any=True),)
    # As in Gmail: a b OR c d is a AND (b OR c) AND d.
    assert parse("a b OR c d").terms == (w("a"), Group((w("b"), w("c")), any=True), w("d"))
    assert parse("a OR b OR c").terms == (Group((w("a"), w("b"), w("c")), any=True),)
    assert parse("a AND b").terms == (w("a"), w("b"))  # AND may be written


def test_groups_and_negated_groups() -> None:
    tag = Group((Term("tag", "a"), Term("tag", "b")), any=True)
    assert parse("(tag:a OR tag:b) -draft").terms == (tag, w("draft", True))
    assert parse("-(a OR b)").terms == (Group((w("a"), w("b")), any=True, negated=True),)
    assert parse("-(a b)").terms == (Group((w("a"), w("b")), negated=True),)
    assert parse("(a (b OR c)) OR d").terms == (
        Group((Group((w("a"), Group((w("b"), w("c")), any=True))), w("d")), any=True),
    )
    assert parse("(python)").terms == (w("python"),)
    assert parse("-(-python)").terms == (w("python"),)
    assert parse('("write ahead" OR wal)').terms == (
        Group((Term("phrase", "write ahead"), w("wal")), any=True),
    )


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        ("(", ()),  # an unclosed group closes at the end
        ("()", ()),
        ("(a OR b", (Group((w("a"), w("b")), any=True),)),
        ("python)", (w("python)"),)),  # a ")" that closes nothing is text
        (":)", (w(":)"),)),
        ("OR python", (w("OR"), w("python"))),  # OR not between two parts is a word
        ("python OR", (w("python"), w("OR"))),
        ("AND OR NOT", (Group((w("AND"), w("NOT")), any=True),)),
        ("python or rust", (w("python"), w("or"), w("rust"))),  # only capitals are operators
        ("-OR", (w("OR", True),)),
    ],
)
def test_operators_and_brackets_that_are_text(query: str, terms: tuple[object, ...]) -> None:
    assert parse(query).terms == terms
    compile_query(parse(query))  # no error


def test_nesting_is_bounded() -> None:
    parse("(" * MAX_DEPTH + "a")
    with pytest.raises(QueryError, match="nested too deep"):
        parse("(" * (MAX_DEPTH + 1) + "a")


def test_or_of_words_is_one_fts_expression_and_ranks() -> None:
    compiled = compile_query(parse("tomatoes (python OR rust) -worms"))
    # The left-out word is part of the one expression (FTS5's NOT), not a clause of its own.
    assert compiled.match == '("tomatoes" AND ("python" OR "rust")) NOT (("worms"))'
    assert compiled.excluded == '("worms")'
    assert compiled.where == MATCH_CLAUSE and compiled.filters == "1"
    assert [t.value for t in compiled.text_terms] == ["tomatoes", "python", "rust"]
    mixed = compile_query(parse("python OR tag:rust"))
    assert mixed.match is None and " OR " in mixed.where  # either may match: no required words
    assert compile_query(parse("(a b -c) OR d")).match == '((("a" AND "b") NOT ("c")) OR "d")'


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("tags:python", "tags:python: unknown prefix tags: (did you mean tag:?)"),
        ("Feeds:gardener", "Feeds:gardener: unknown prefix feeds: (did you mean feed:?)"),
        ("-tga:x", "-tga:x: unknown prefix tga: (did you mean tag:?)"),
        ("python title:wal", 'title:wal: unknown prefix title: (use tag:, feed:, is:, after: or before:;'
                             ' quote "title:wal" to search for the text)'),
        ('author:"Ann Smith"', "author:\"Ann Smith\": unknown prefix author:"),
        # A slip of the keyboard for a field: a letter more, less, changed, or two swapped.
        ("fed:gardener", "fed:gardener: unknown prefix fed: (did you mean feed:?)"),
        ("iss:unread", "iss:unread: unknown prefix iss: (did you mean is:?)"),
        ("si:unread", "si:unread: unknown prefix si: (did you mean is:?)"),
        ("aftr:2024", "aftr:2024: unknown prefix aftr: (did you mean after:?)"),
        ("befroe:2024", "befroe:2024: unknown prefix befroe: (did you mean before:?)"),
        ("tg:python", "tg:python: unknown prefix tg: (did you mean tag:?)"),
        ("atg:python", "atg:python: unknown prefix atg: (did you mean tag:?)"),
        ("tab:python", "tab:python: unknown prefix tab: (did you mean tag:?)"),
        # Fields of other search languages name the field that does the job.
        ("label:python", "label:python: unknown prefix label: (did you mean tag:?)"),
        ("in:python", "in:python: unknown prefix in: (did you mean tag:?)"),
        ("site:gardener", "site:gardener: unknown prefix site: (did you mean feed:?)"),
        ("from:gardener", "from:gardener: unknown prefix from: (did you mean feed:?)"),
        ("date:2024", "date:2024: unknown prefix date: (did you mean after: or before:?)"),
        ("has:star", "has:star: unknown prefix has: (did you mean is:?)"),
        ("subject:wal", "subject:wal: unknown prefix subject: (use tag:, feed:, is:, after: or before:;"),
    ],
)  # fmt: skip
def test_an_unknown_prefix_is_an_error(query: str, message: str) -> None:
    with pytest.raises(QueryError) as caught:
        compile_query(parse(query))
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    "word",
    ["http://x.example/a", "https://x", "10:30", "12:30:45", "std::vector", "c:\\dir", "a:b",
     "mailto:ann@x.example", "doi:10.1000/182", "note:", "v2:", "c++:"],
)  # fmt: skip
def test_a_colon_inside_a_word_keeps_it_a_word(word: str) -> None:
    """The rule: KEY:VALUE is a prefix when KEY is two or more ASCII letters, not a URL scheme or
    identifier's (mailto, doi, ...), and VALUE starts with neither / nor \\ nor :; else a word."""
    query = parse(word)
    assert query.terms == (w(word),) and query.unfinished is None
    assert compile_query(query).match == '"' + word.replace('"', '""') + '"'


def test_a_quoted_colon_word_is_text() -> None:
    assert parse('"re:invent"').terms == (Term("phrase", "re:invent"),)
    assert parse('"tags:python"').terms == (Term("phrase", "tags:python"),)  # an error unquoted


@pytest.mark.parametrize(
    "word",
    ["re:invent", "Re:Invent", "node:fs", "npm:left-pad", "water:fall", "later:today", "free:software",
     "need:help", "rag:doll", "ps:later", "it:works", "js:closure", "vs:code", "feat:parser"],
)  # fmt: skip
def test_a_word_that_is_no_field_and_no_slip_for_one_is_text(word: str) -> None:
    """Neither one letter off a field nor another language's field: the words it holds, in a
    row, as the quoted text is searched (the same FTS5 string, so the same posts)."""
    query = parse(word)
    assert query.terms == (w(word),) and query.unfinished is None
    assert compile_query(query).match == compile_query(parse(f'"{word}"')).match == f'"{word}"'
    assert compile_query(parse(f"-{word}")).where == NOT_MATCH_CLAUSE
    assert parse(f"python {word} OR rust").terms == (w("python"), Group((w(word), w("rust")), any=True))


def test_a_colon_word_being_typed_and_its_highlights() -> None:
    typed = compile_query(parse("re:inv"), prefix_last=True)
    assert typed.match == '"re:inv"*'  # "re" then a word beginning "inv"
    text = "Notes from AWS re:Invent 2024, and a reinvention."
    start = text.index("re:Invent")
    assert highlight_spans(text, "re:invent") == [(start, start + len("re:Invent"))]
    assert highlight_spans(text, "re:inv", prefix_last=True) == [(start, start + len("re:Invent"))]


@pytest.mark.parametrize("part", ["tag:", "-tag:", "is:unr", "after:202", "tags:py", "@bad/name"])
def test_the_part_being_typed_is_no_error_yet(part: str) -> None:
    query = parse(f"python {part}")
    assert query.terms == (w("python"),)  # the part is kept aside, not searched
    typed = compile_query(query, prefix_last=True)
    assert typed.where == MATCH_CLAUSE and typed.params == ('"python"',)
    with pytest.raises(QueryError):  # finished (a search, not typing): the error
        compile_query(query)
    with pytest.raises(QueryError):  # not the last part: an error even while typing
        parse(f"{part} python")


def test_what_the_word_being_typed_matches() -> None:
    def typed(text: str) -> tuple[str, tuple[object, ...]]:
        compiled = compile_query(parse(text), prefix_last=True)
        return compiled.where, compiled.params

    python = (MATCH_CLAUSE, ('"python"',))
    assert typed("python") == (MATCH_CLAUSE, ('"python"*',))
    assert typed("python OR") == python  # an operator on its way
    assert typed("python AND") == python
    assert typed("python -tomat") == python  # a word being excluded excludes nothing yet
    assert typed("python OR r") == (MATCH_CLAUSE, ('("python")',))  # one letter: not a search yet
    assert typed("python OR ru")[1] == ('("python" OR "ru"*)',)
    assert typed('"type hi')[1] == ('"type hi"*',)  # an unclosed phrase: its last word too
    assert typed('"type hi"')[1] == ('"type hi"',)
    assert typed("(python OR ru)")[1] == ('("python" OR "ru")',)  # ")": finished
    where, params = typed("tag:pyt")  # the tags it begins
    assert "LIKE" in where and params[0] == "pyt%"
    where, params = typed("纪")  # one CJK character is a word
    assert where == CJK_CLAUSE and params == ('"纪"',)


def test_views_while_typing() -> None:
    views = {"food": "tomatoes", "loop": "@loop"}
    assert compile_query(parse("python @fo"), prefix_last=True, views=views).params == ('"python"',)
    with pytest.raises(QueryError, match="@fo: no saved view"):
        compile_query(parse("python @fo"), views=views)
    either = compile_query(parse("@food OR python"), views=views)  # a view is one alternative
    assert either.where == f"(({MATCH_CLAUSE}) OR ({MATCH_CLAUSE}))"
    assert either.params == ('"tomatoes"', '"python"') and either.views == ("food",)
    with pytest.raises(QueryError, match="cannot include itself"):
        compile_query(parse("@loop OR x"), views=views)


def test_fold_key_drops_case_spacing_and_accents_but_no_letters() -> None:
    assert fold_key("  Café  Crème ") == "cafe creme"
    assert fold_key("ÜBER") == "uber"
    assert fold_key("Ελληνικά") == "ελληνικα"
    assert fold_key("が") == "が"  # a voiced kana is another letter, not an accented one
    assert fold_key("한국어") == "한국어"  # Hangul syllables come back whole


def test_index_rows_split_cjk_runs_from_words() -> None:
    assert index_rows("Plain title", "Ann", "no cjk here") == (("Plain title", "Ann", "no cjk here"), None)
    words, runs = index_rows("用Python写", "", "出建国纪念币。MS66评级币")
    assert words == (" Python ", "", " 。MS66 ")
    assert runs == ("用 0 写", "", "出 建 国 纪 念 币 0 评 级 币")  # "0" keeps runs apart


def test_index_rows_reads_every_column_for_cjk_unless_all_are_ascii() -> None:
    # ASCII columns skip the search (str.isascii); one column outside ASCII is searched as before.
    assert index_rows("Plain", "Ann", "only the body is 纪念") == (
        ("Plain", "Ann", "only the body is  "),
        ("", "", "纪 念"),
    )
    assert index_rows("Café", "Jürgen", "über naïve") == (("Café", "Jürgen", "über naïve"), None)


def test_cjk_terms_compile_to_the_cjk_index() -> None:
    compiled = compile_query(parse("纪念币"))
    assert compiled.match is None and compiled.cjk == '"纪 念 币"' and compiled.where == CJK_CLAUSE
    mixed = compile_query(parse("Python编程 wal"))
    assert mixed.match == '"Python " AND "wal"' and mixed.cjk == '"编 程"'
    assert mixed.where == f"{MATCH_CLAUSE} AND {CJK_CLAUSE}"
    assert mixed.filters == CJK_CLAUSE  # the where without its match clause
    negated = compile_query(parse("wal -纪念"))
    assert negated.where == f"{MATCH_CLAUSE} AND NOT ({CJK_CLAUSE})"


def test_highlights_of_cjk_and_of_or() -> None:
    text = "出建国纪念币，纪念币 and Python编程"
    spans = highlight_spans(text, "纪念币 OR python")
    assert [text[a:b] for a, b in spans] == ["纪念币", "纪念币", "Python"]
    assert [text[a:b] for a, b in highlight_spans(text, "编")] == ["编"]
    assert highlight_spans(text, "-纪念币") == []  # excluded words are not highlighted
    assert highlight_spans(text, "tags:x") == []  # a query that does not compile highlights nothing
    assert highlight_spans("Café crème", "cafe") == [(0, 4)]


def test_a_colon_word_finds_what_its_quoted_form_finds(library: object) -> None:
    """Through the library: ``re:invent`` finds the posts ``"re:invent"`` finds, ranked alike;
    a slip for a field is still a one-line error."""
    from datetime import UTC, datetime

    from blogtui.errors import LibraryError
    from blogtui.library import Library
    from blogtui.models import ParsedPost

    assert isinstance(library, Library)
    store = library.store
    feed = store.add_feed("https://cloud.example/feed.xml")
    posts = [
        ("AWS re:Invent recap", "keynotes and launches"),
        ("Re:invent your workflow", "a post about tools"),
        ("Reinventing the wheel", "re invent is two words here too"),
        ("Invent something", "nothing about the conference"),
    ]
    with store.transaction():
        store.upsert_posts(
            feed,
            [
                ParsedPost(guid=f"p{n}", url=f"https://cloud.example/{n}", title=title, text=body,
                           content_html=f"<p>{body}</p>", published=datetime(2024, 1, n + 1, tzinfo=UTC))
                for n, (title, body) in enumerate(posts)
            ],
        )  # fmt: skip
    titles = {i: t for i, t in store.db.execute("SELECT id, title FROM posts")}
    found = [titles[i] for i in library.post_ids("re:invent")]
    assert sorted(found) == ["AWS re:Invent recap", "Re:invent your workflow", "Reinventing the wheel"]
    assert library.post_ids("re:invent") == library.post_ids('"re:invent"')
    assert library.post_ids("re:invent", ranked=True) == library.post_ids('"re:invent"', ranked=True)
    assert [titles[i] for i in library.post_ids("-re:invent")] == ["Invent something"]
    with pytest.raises(LibraryError, match=r"^tags:python: unknown prefix tags: \(did you mean tag:\?\)$"):
        library.post_ids("tags:python")


@pytest.mark.parametrize(
    ("query", "match", "title"),
    [
        ("but -will", '("but") NOT (("will"))', '({title} : ("but")) NOT (("will"))'),
        ('a "b c" -d -(e f)', None, None),  # -(e f) stays a clause: checked below
        ("x -y -z", '("x") NOT (("y") OR ("z"))', '({title} : ("x")) NOT (("y") OR ("z"))'),
        ("tomatoes", '"tomatoes"', '{title} : ("tomatoes")'),
    ],
)
def test_left_out_words_fold_into_the_match_and_the_title_tier_keeps_them_out_everywhere(
    query: str, match: str | None, title: str | None
) -> None:
    from blogtui.query import NOT_MATCH_CLAUSE, title_match

    compiled = compile_query(parse(query))
    assert NOT_MATCH_CLAUSE not in compiled.where  # no set of every post holding a left-out word
    if match is not None:
        assert compiled.match == match
        assert title_match(compiled, compiled.match) == title
    else:
        assert compiled.match == '("a" AND "b c") NOT (("d"))'
        assert compiled.where == MATCH_CLAUSE + " AND NOT (" + MATCH_CLAUSE + ")"


def test_left_out_words_alone_stay_a_clause() -> None:
    from blogtui.query import NOT_MATCH_CLAUSE

    compiled = compile_query(parse("-will tag:x"))  # nothing required: FTS5 has no NOT alone
    assert compiled.match is None and compiled.excluded is None
    assert compiled.where.startswith(NOT_MATCH_CLAUSE)
