"""The search language as SQL: words, "phrases", OR and (groups), tag:, feed:, is:, after:,
before:, -negation and @view; and what the two search indexes hold of a post's text.

Words are searched in ``posts_fts`` (FTS5, unicode61: a word is a run of letters and digits).
Chinese, Japanese and Korean are written without spaces between words, so unicode61 would make a
whole sentence one token: their runs are left out of ``posts_fts`` and kept in ``posts_cjk``, one
token per character, where a run of the query is found as a phrase (any substring, from one
character on). See :func:`index_rows`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone

from .errors import QueryError

#: At most this many terms in one query (saved views expanded): SQLite caps expression depth.
MAX_TERMS = 64
#: At most this many characters in one query.
MAX_QUERY_CHARS = 4000
#: Groups nest at most this deep: ``(a OR (b OR (c ...)))``.
MAX_DEPTH = 8
#: A word being typed (search as you type) is searched from this many letters on: one letter
#: begins nearly every post's words (``m`` matches 49,998 of 50,000), which filters nothing and
#: costs a scan of the whole index, so the list stays as it was until the second letter.
#: (A CJK character is a word of its own: one is searched.)
MIN_PREFIX = 2


@dataclass(frozen=True, slots=True)
class Term:
    """One part of a query: ``kind`` is word, phrase, tag, feed, is, after, before or view.

    ``prefix`` marks the word being typed (search as you type): it matches any word it begins.
    """

    kind: str
    value: str
    negated: bool = False
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class Group:
    """Parts in parentheses, ANDed; or (``any``) alternatives joined by ``OR``."""

    parts: tuple[Part, ...]
    any: bool = False
    negated: bool = False


Part = Term | Group


def _walk(parts: tuple[Part, ...], *, positive: bool = False) -> Iterator[Term]:
    """Every term of ``parts`` (only those not under a negation, with ``positive``)."""
    for part in parts:
        if positive and part.negated:
            continue
        if isinstance(part, Group):
            yield from _walk(part.parts, positive=positive)
        else:
            yield part


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query: its parts, ANDed together.

    ``open_end`` is the term the text ends with when nothing follows it (no space, no ``)``): the
    word still being typed, for search as you type. ``unfinished`` is the error of a last part
    that did not parse (``tag:``, ``is:unr``, ``tags:x``): :func:`compile_query` raises it, unless
    it compiles as you type, where that part filters nothing yet.
    """

    terms: tuple[Part, ...] = ()
    open_end: Term | None = None
    unfinished: str | None = None

    @property
    def text_terms(self) -> tuple[Term, ...]:
        """The positive words and phrases (what a reader highlights)."""
        return tuple(t for t in _walk(self.terms, positive=True) if t.kind in ("word", "phrase"))

    @property
    def tags(self) -> tuple[str, ...]:
        """Names of the tags the query requires."""
        return tuple(t.value for t in self.terms if isinstance(t, Term) and t.kind == "tag" and not t.negated)

    @property
    def views(self) -> tuple[str, ...]:
        """Names of the saved views the query uses (``@name``)."""
        return tuple(t.value for t in _walk(self.terms) if t.kind == "view")

    def __bool__(self) -> bool:
        return bool(self.terms)


@dataclass(frozen=True, slots=True)
class Compiled:
    """SQL for a query.

    ``where``/``params`` is a WHERE clause over ``posts`` (the whole query). ``match`` is the
    ``posts_fts`` expression every result matches (the words and phrases that are required, for
    ranking) and ``cjk`` the ``posts_cjk`` one (the required CJK text); ``where`` starts with
    their clauses (:data:`MATCH_CLAUSE`, then :data:`CJK_CLAUSE`). ``filters``/``filter_params``
    is ``where`` without the ``match`` clause, so a ranked search evaluates that match only once.
    ``text_terms`` are the positive words and phrases after saved views were expanded: hand the
    whole ``Compiled`` to :func:`highlight_spans`. ``views`` names the views used.
    """

    where: str = "1"
    params: tuple[object, ...] = ()
    match: str | None = None
    views: tuple[str, ...] = field(default_factory=tuple)
    filters: str = "1"
    filter_params: tuple[object, ...] = ()
    text_terms: tuple[Term, ...] = ()
    cjk: str | None = None
    #: ``where``'s ANDed clauses one by one with their parameters (the search planner reads a
    #: query whose counts the cache keeps from them); empty when ``where`` is "1".
    parts: tuple[tuple[str, tuple[object, ...]], ...] = ()
    #: When ``match`` leaves words out itself (``(required) NOT (excluded)``), its two sides:
    #: the words and phrases required, and those a result must not hold (see :func:`title_match`).
    required: str | None = None
    excluded: str | None = None


_SPACE_RE = re.compile(r"\s*")
_TOKEN_RE = re.compile(r'(-?)(?:(\w+):)?(?:"([^"]*)("?)|(\S+))')
_EMPTY_FIELD_RE = re.compile(r"-?(\w+):(?=\s|\)|$)")
_FIELDS = ("tag", "feed", "is", "after", "before")
_IS_VALUES = {"unread", "read", "starred", "unstarred", "backlog", "reading"}
#: The UI state key of a half-read post's place (``reading:ID`` = how far down, 0 to 1): ``is:reading``.
READING_KEY = "reading:"
_VIEW_NAME_RE = re.compile(r"^\w[\w.+-]*$")
#: ``KEY:VALUE`` with such a key is a word, not a prefix: links and identifiers people search for.
_SCHEMES = frozenset(
    str.split(
        "http https ftp ftps file mailto tel sms urn data magnet git ssh svn irc ircs xmpp news nntp"
        " gopher gemini doi isbn issn arxiv pmid at did"
    )
)
#: Control characters become spaces before parsing: FTS5 rejects NUL inside a string.
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: ``is:VALUE`` as SQL (storage/schema.py's count tables count unread, backlog and starred alike).
IS_SQL = {
    # Backlog posts (recovered from a blog's archive) are neither unread nor read.
    "unread": "(posts.read = 0 AND posts.backlog = 0)",
    "backlog": "(posts.read = 0 AND posts.backlog = 1)",
    "read": "posts.read = 1",
    "starred": "posts.starred = 1",
    "unstarred": "posts.starred = 0",
    # Half read: the reader keeps where it stopped in the state table.
    "reading": f"posts.id IN (SELECT CAST(substr(key, {len(READING_KEY) + 1}) AS INTEGER)"
    f" FROM state WHERE key GLOB '{READING_KEY}*')",
}
#: The search indexes' rows are keyed by date (schema 15): a row's rowid is :func:`index_key`,
#: the post's **date bucket** (its date in stretches of 2**BUCKET_BITS seconds, ~24 days)
#: shifted left by KEY_SHIFT bits, with its id in the bits below. FTS5 hands its matches over in
#: rowid order, so a search's newest matches come first bucket by bucket (``ORDER BY rowid
#: DESC``), and a page of any search is read from the few newest buckets that hold it, sorted
#: by date within them, without the set of all its matches (``"old"`` at a million posts:
#: 693,134 matches, 200 ms for the set). Within a bucket the rows go by id, as they did before
#: schema 15, so a posting's delta stays small: the whole date in the key doubled the index
#: (issue 15's stop 26), a bucket costs 10-14 % (``benchmarks/index_layout_bench.py``).
#: Post ids below 2**KEY_SHIFT (4 billion) fit.
KEY_SHIFT = 32
#: A bucket is 2**BUCKET_BITS seconds of dates (24.3 days).
BUCKET_BITS = 21
#: The post id of an index row: ``rowid & ID_MASK``.
ID_MASK = (1 << KEY_SHIFT) - 1
#: Dates are kept to +-2**40 seconds in a key (+-34,000 years; a date beyond sorts at the bound).
_KEY_DATE = 1 << 40
#: SQL: the id of the post an index row is (in a query of ``posts_fts`` or ``posts_cjk``).
ROW_POST = f"(rowid & {ID_MASK})"


def match_set(table: str) -> str:
    """SQL: the ids of the posts ``table MATCH ?`` finds, as a set for ``posts.id IN``. FTS5
    hands them over by key, bucket by bucket, so the ids come in no order and building a set of
    many of them puts each in a random place of SQLite's b-tree: sorted first, they are added in
    order (a common word's 550,000 at a million posts, under a tag: 376 -> 170 ms; with the id
    as the key, before schema 15, they came in order: 92 ms)."""
    return f"(SELECT {ROW_POST} FROM {table} WHERE {table} MATCH ? ORDER BY 1)"


def date_bucket(published: int) -> int:
    """The bucket of a date in the index's keys (see KEY_SHIFT): ``published >> BUCKET_BITS``,
    the date kept within the bounds."""
    return max(-_KEY_DATE, min(published, _KEY_DATE - 1)) >> BUCKET_BITS


def bucket_dates(bucket: int) -> tuple[int | None, int | None]:
    """The dates keyed into a bucket, ``[low, high)`` (None: unbounded, for the first and last
    buckets, which hold every date beyond the bounds kept)."""
    low = None if bucket <= date_bucket(-_KEY_DATE) else bucket << BUCKET_BITS
    high = None if bucket >= date_bucket(_KEY_DATE - 1) else (bucket + 1) << BUCKET_BITS
    return low, high


def bucket_key(bucket: int) -> int:
    """The lowest key of a bucket: every post dated in it is keyed from here up to the next
    bucket's (exclusive)."""
    return bucket << KEY_SHIFT


def index_key(published: int, post_id: int) -> int:
    """The rowid of a post's rows in the search indexes: its date's bucket, then its id (see
    KEY_SHIFT)."""
    return bucket_key(date_bucket(published)) | post_id


def index_key_sql(published: str, post_id: str) -> str:
    """:func:`index_key` in SQL, of the columns named (``index_key_sql("p.published", "p.id")``)."""
    date = f"max({-_KEY_DATE}, min({published}, {_KEY_DATE - 1}))"
    return f"((({date}) >> {BUCKET_BITS} << {KEY_SHIFT}) | {post_id})"


#: The clause of ``Compiled.where`` that holds ``Compiled.match`` (first, when there is one).
MATCH_CLAUSE = f"posts.id IN {match_set('posts_fts')}"
#: A word, phrase or group of words left out (``-word``, ``-(a b)``): a clause of its own only
#: when nothing is required; else folded into ``Compiled.match`` as FTS5's ``NOT``.
NOT_MATCH_CLAUSE = f"posts.id NOT IN {match_set('posts_fts')}"
#: The clause of ``Compiled.where`` that holds ``Compiled.cjk`` (after MATCH_CLAUSE, if any).
CJK_CLAUSE = f"posts.id IN {match_set('posts_cjk')}"

#: How ``tag:`` names a tag's posts: a set of them (``posts.id IN`` it), built once for a query
#: that tests many posts against it.
_TAG_POSTS = "(SELECT pt.post_id FROM post_tags pt WHERE pt.tag_id IN"
#: The same as a test of one post: its own post_tags rows looked up (``row_tests``).
_TAG_OF_POST = "(SELECT 1 FROM post_tags pt WHERE pt.post_id = posts.id AND pt.tag_id IN"


def row_tests(where: str) -> str:
    """``where`` with each ``tag:`` set made a test of the post at hand (``EXISTS``, its own
    post_tags rows by their key), for a query that reads a few posts from the search index and
    tests each: the set of a tag's posts is built again by each statement (a tag of 62,000 posts
    at a million, ~20 ms a statement), the test costs a lookup per post tested."""
    return where.replace(f"posts.id NOT IN {_TAG_POSTS}", f"NOT EXISTS {_TAG_OF_POST}").replace(
        f"posts.id IN {_TAG_POSTS}", f"EXISTS {_TAG_OF_POST}"
    )


#: The clauses of ``after:`` and ``before:`` (each with its date as parameter).
AFTER_SQL = "posts.published >= ?"
BEFORE_SQL = "(posts.published < ? AND posts.published > 0)"


def date_bounds(compiled: Compiled) -> tuple[int | None, int | None]:
    """The dates every result of ``compiled`` lies within, ``(first, end)``: on or after
    ``first``, before ``end`` (None: unbounded), from its ``after:`` and ``before:`` terms (those
    ANDed with the rest, not under ``OR`` or ``-``)."""
    firsts = [int(str(p[0])) for sql, p in compiled.parts if sql == AFTER_SQL]
    ends = [int(str(p[0])) for sql, p in compiled.parts if sql == BEFORE_SQL]
    return (max(firsts) if firsts else None), (min(ends) if ends else None)


# -- what the indexes hold -----------------------------------------------------------------------

#: Scripts written without spaces between words: Han (with 々〆〇), kana, Bopomofo, Hangul.
_CJK = (
    "\u1100-\u11ff\u2e80-\u2fdf\u3005-\u3007\u3021-\u3029\u3031-\u3035\u303b\u303c"
    "\u3041-\u3096\u3099-\u309f\u30a1-\u30fa\u30fc-\u30ff\u3105-\u312f\u3131-\u318e\u31a0-\u31bf"
    "\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\uff66-\uff9f"
    "\uffa0-\uffdc\U00020000-\U0003134f"
)
_CJK_RUN_RE = re.compile(f"[{_CJK}]+")
#: What FTS5's unicode61 tokenizer keeps in a token (letters, digits, combining marks), roughly;
#: CJK characters are not in posts_fts.
_WORD_RE = re.compile(
    f"(?:[^\\W_{_CJK}]|[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f])+"
)
#: Stands between two runs in posts_cjk, so that no phrase matches across them (queries never hold it).
_RUN_BREAK = " 0 "


def has_cjk(text: str) -> bool:
    """Whether ``text`` holds Chinese, Japanese or Korean (see :func:`index_rows`)."""
    return _CJK_RUN_RE.search(text) is not None


def index_rows(*columns: str) -> tuple[tuple[str, ...], tuple[str, ...] | None]:
    """What the two search indexes hold of a post's columns (title, author, body text).

    ``posts_fts`` gets the columns with their CJK runs blanked (so that a word written against
    them, ``用Python写``, is a word), and ``posts_cjk`` their CJK characters one token each,
    runs kept apart; None when no column holds CJK (the post has no row there). A contentless
    FTS5 table must be given the same text on delete as on insert: both come from here.
    """
    # ASCII holds no CJK: str.isascii is a flag read, the search a scan of the whole text
    # (0.25 s of ingest per 10,000 posts).
    if all(c.isascii() for c in columns) or not any(_CJK_RUN_RE.search(c) for c in columns):
        return columns, None
    words = tuple(_CJK_RUN_RE.sub(" ", c) for c in columns)
    runs = tuple(_RUN_BREAK.join(" ".join(run) for run in _CJK_RUN_RE.findall(c)) for c in columns)
    return words, runs


def _cjk_phrase(run: str) -> str:
    # A run of the query as a posts_cjk phrase: its characters in a row, anywhere in a run.
    return '"' + " ".join(run) + '"'


# -- parsing -------------------------------------------------------------------------------------


class _Token:
    __slots__ = ("kind", "negated", "term")

    def __init__(self, kind: str, negated: bool = False, term: Term | None = None) -> None:
        self.kind = kind  # part, open, close, or, and
        self.negated = negated
        self.term = term


#: Field names of other search languages (Gmail, GitHub, search engines) that people type here:
#: ``KEY:`` with one is an error naming the field that does the job (None: words already search
#: the title, author and body), not a search for the phrase "KEY VALUE".
OTHER_FIELDS: dict[str, str | None] = {
    **dict.fromkeys(("label", "labels", "category", "categories", "topic", "in"), "tag:"),
    **dict.fromkeys(("site", "url", "domain", "from", "blog", "source"), "feed:"),
    **dict.fromkeys(("date", "since", "until", "year"), "after: or before:"),
    **dict.fromkeys(("has", "state", "status"), "is:"),
    **dict.fromkeys(("title", "author", "by", "body", "text", "content", "subject", "intitle"), None),
}


def _one_off(key: str, name: str) -> bool:
    """Whether ``key`` is a slip of the keyboard for the field ``name``: one letter more, one
    letter less, one letter changed or two neighbouring letters swapped, the first letter kept
    (unless it is one of the two swapped: ``atg``). For the two-letter ``is``, only a letter more
    or the swap (``iss``, ``si``): one letter changed or dropped is half the word (``it``, ``ps``)."""
    if key == name or abs(len(key) - len(name)) > 1:
        return False
    if len(key) == len(name):
        diff = [i for i in range(len(key)) if key[i] != name[i]]
        if len(diff) == 2 and diff[1] == diff[0] + 1:
            return key[diff[0]] == name[diff[1]] and key[diff[1]] == name[diff[0]]
        return len(diff) == 1 and diff[0] > 0 and len(name) > 2
    if len(key) < len(name) and len(name) < 3:
        return False
    longer, shorter = (key, name) if len(key) > len(name) else (name, key)
    return key[0] == name[0] and any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


def _prefix_error(key: str, value: str, source: str) -> str | None:
    """The error for ``KEY:VALUE`` when KEY reads as a field that is not one; None: it is text.

    KEY must be two or more ASCII letters, not a URL scheme or an identifier's (``mailto:``,
    ``doi:``), and VALUE must not start with ``/``, ``\\`` or ``:`` (``http://x``, ``10:30``,
    ``c:\\``, ``std::vector`` are text). Then it is an error when KEY is a slip for a field
    (:func:`_one_off`: ``tags:``, ``tga:``, ``fed:``, ``iss:``) or a field of other search
    languages (:data:`OTHER_FIELDS`: ``title:``, ``label:``, ``site:``, ``date:``); any other
    KEY is text, searched as quoting it would be (``re:invent`` is the phrase "re invent").
    """
    lowered = key.lower()
    if not (key.isascii() and key.isalpha() and len(key) >= 2) or lowered in _SCHEMES:
        return None
    if not value or value[0] in "/\\:":
        return None
    near = next((f"{name}:" for name in _FIELDS if _one_off(lowered, name)), None)
    if near is None and lowered in OTHER_FIELDS:
        near = OTHER_FIELDS[lowered]
        if near is None:
            return (
                f"{source}: unknown prefix {lowered}: (use tag:, feed:, is:, after: or before:;"
                f' quote "{source.lstrip("-")}" to search for the text)'
            )
    return f"{source}: unknown prefix {lowered}: (did you mean {near}?)" if near else None


def parse(text: str) -> Query:
    """Parse a query string.

    ``a b`` needs both; ``a OR b`` either (OR binds tighter: ``a b OR c`` is a AND (b OR c));
    ``(...)`` groups and ``-(...)`` excludes a group. ``OR`` and ``AND`` are operators in capitals
    and between two parts; elsewhere they are words. An unclosed ``(`` closes at the end, and a
    ``)`` that closes nothing is text.

    Raises:
        QueryError: an unknown ``is:`` value, a bad date, a field with no value, an unknown
            prefix, groups nested too deep, a query that is not text or too long; the message
            names the part. An error in the last part, with nothing after it, is kept in
            ``Query.unfinished`` instead (it may still be being typed).
    """
    text = text or ""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise QueryError(f"{text.encode('utf-8', 'replace').decode()!r}: not valid UTF-8 text") from None
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"query of {len(text)} characters: too long (at most {MAX_QUERY_CHARS})")
    text = _CONTROL_RE.sub(" ", text)
    tokens: list[_Token] = []
    open_end: Term | None = None
    unfinished: str | None = None
    depth = 0
    count = 0
    pos = _SPACE_RE.match(text, 0).end()  # type: ignore[union-attr]
    while pos < len(text):
        start = pos
        if text.startswith(("(", "-("), pos):
            negated = text[pos] == "-"
            depth += 1
            if depth > MAX_DEPTH:
                raise QueryError(f"query: groups nested too deep (at most {MAX_DEPTH})")
            tokens.append(_Token("open", negated))
            pos += 2 if negated else 1
        elif text[pos] == ")" and depth:
            depth -= 1
            tokens.append(_Token("close"))
            pos += 1
        else:
            match = _TOKEN_RE.match(text, pos)
            assert match is not None  # any non-space character starts a token
            neg, key, quoted, closed, bare = match.groups()
            end = match.end()
            if bare is not None and depth:  # "b)" closes a group: the ")" is read next
                kept = len(bare.rstrip(")"))
                end -= min(depth, len(bare) - kept)
                bare = bare[: len(bare) - (match.end() - end)]
            pos = end
            source = text[start:end]
            try:
                token = _token(neg == "-", key, quoted, bare, source, _EMPTY_FIELD_RE.fullmatch(source))
            except QueryError as exc:
                if pos < len(text):
                    raise
                unfinished = str(exc)
                break
            if token is not None:
                tokens.append(token)
                if token.kind in ("or", "and") and pos == len(text):  # "python OR" being typed
                    token.term = open_end = Term("word", token.kind.upper())
                elif token.kind == "part":
                    count += 1
                    if count > MAX_TERMS:
                        raise QueryError(f"query: too many terms (at most {MAX_TERMS})")
                    if pos == len(text) and not closed:
                        open_end = token.term
        pos = _SPACE_RE.match(text, pos).end()  # type: ignore[union-attr]
    parts, _ = _parse_and(tokens, 0)
    return Query(tuple(parts), open_end, unfinished)


def _token(
    negated: bool, key: str | None, quoted: str | None, bare: str | None, source: str, empty: object
) -> _Token | None:
    if isinstance(empty, re.Match) and empty.group(1).lower() in _FIELDS:
        raise QueryError(f"{source}: {empty.group(1).lower()}: needs a value")
    if key is not None:
        value = quoted if quoted is not None else (bare or "")
        if key.lower() in _FIELDS:
            return _Token("part", term=_field_term(key.lower(), value, negated, source))
        error = _prefix_error(key, value, source)
        if error:
            raise QueryError(error)
        return _Token("part", term=Term("word", f"{key}:{value}", negated))  # "c++:", "http://x"
    if quoted is not None:
        if not quoted.strip():
            return None
        return _Token("part", term=Term("phrase", " ".join(quoted.split()), negated))
    if not bare or bare == "-":
        return None
    if not negated and bare in ("OR", "AND"):
        return _Token(bare.lower())
    if bare.startswith("@") and len(bare) > 1:
        name = bare[1:]
        if not _VIEW_NAME_RE.match(name):
            raise QueryError(f"{source}: not a view name (letters, digits, _ . + -)")
        return _Token("part", term=Term("view", name, negated))
    return _Token("part", term=Term("word", bare, negated))


def _starts_part(tokens: list[_Token], i: int) -> bool:
    return i < len(tokens) and tokens[i].kind in ("part", "open")


def _parse_and(tokens: list[_Token], i: int) -> tuple[list[Part], int]:
    parts: list[Part] = []
    while i < len(tokens) and tokens[i].kind != "close":
        if tokens[i].kind == "and" and parts and _starts_part(tokens, i + 1):
            i += 1  # "a AND b" is "a b"
            continue
        part, i = _parse_or(tokens, i)
        if part is not None:
            parts.append(part)
    return parts, i


def _parse_or(tokens: list[_Token], i: int) -> tuple[Part | None, int]:
    first, i = _parse_unit(tokens, i)
    alternatives = [first]
    while i < len(tokens) and tokens[i].kind == "or" and _starts_part(tokens, i + 1):
        part, i = _parse_unit(tokens, i + 1)
        alternatives.append(part)
    kept = tuple(a for a in alternatives if a is not None)
    if len(alternatives) == 1 or len(kept) <= 1:
        return (kept[0] if kept else None), i
    return Group(kept, any=True), i


def _parse_unit(tokens: list[_Token], i: int) -> tuple[Part | None, int]:
    token = tokens[i]
    if token.kind == "open":
        parts, i = _parse_and(tokens, i + 1)
        i += 1  # the ")" (or the end: an unclosed group closes there)
        if not parts:
            return None, i
        if len(parts) == 1:  # (a) is a, -(a OR b) the OR group negated
            return (replace(parts[0], negated=not parts[0].negated) if token.negated else parts[0]), i
        return Group(tuple(parts), negated=token.negated), i
    if token.kind in ("or", "and"):  # not between two parts: the word
        return token.term or Term("word", token.kind.upper()), i + 1
    return token.term, i + 1


def _field_term(key: str, value: str, negated: bool, source: str) -> Term:
    value = value.strip()
    if not value:
        raise QueryError(f"{source}: {key}: needs a value")
    if key == "is":
        if value.lower() not in _IS_VALUES:
            raise QueryError(
                f"{source}: unknown state (use is:unread, is:read, is:starred, is:backlog or is:reading)"
            )
        return Term("is", value.lower(), negated)
    if key in ("after", "before"):
        parse_date(value, source)
        return Term(key, value, negated)
    if key == "tag":
        value = " ".join(value.split())
    return Term(key, value, negated)


def parse_date(value: str, source: str | None = None) -> date:
    """A ``YYYY-MM-DD`` date (``YYYY-MM`` and ``YYYY`` are accepted as the first day).

    Raises:
        QueryError: not such a date (``2015-13-40``); the message names ``source``.
    """
    if re.fullmatch(r"[0-9]{4}(-[0-9]{1,2}(-[0-9]{1,2})?)?", value):
        for fmt in ("%Y-%m-%d", "%Y-%m", "%Y"):
            try:
                return datetime.strptime(value, fmt).date()
            except ValueError:
                continue
    raise QueryError(f"{source or value}: not a date (use YYYY-MM-DD)")


def is_view_name(name: str) -> bool:
    """Whether ``name`` can name a saved view (usable as ``@name`` in a query)."""
    return bool(_VIEW_NAME_RE.match(name)) and len(name) <= 64


def fold_tag(name: str) -> str:
    """The key under which tag spellings are one tag: whitespace folded and lower case (any script).

    SQLite's NOCASE folds only ASCII; the store registers this as the SQL function ``blogtui_fold``.
    """
    return " ".join(name.split()).lower()


def _strip_accents(text: str) -> str:
    # Accents as unicode61's remove_diacritics drops them (the combining diacritics of Latin,
    # Greek and Cyrillic letters); kana's voicing marks and Hangul's jamo are letters, not accents.
    decomposed = unicodedata.normalize("NFD", text)
    if decomposed.isascii():
        return decomposed
    kept = "".join(c for c in decomposed if not "\u0300" <= c <= "\u036f")
    return unicodedata.normalize("NFC", kept)


def fold_key(text: str) -> str:
    """How ``tag:`` and ``feed:`` compare: whitespace folded, lower case, accents dropped.

    ``tag:cafe`` finds the tag ``Café`` (which stays a tag of its own: see :func:`fold_tag`).
    The store registers this as the SQL function ``blogtui_key``.
    """
    return _strip_accents(fold_tag(text))


def _epoch(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp())


def fts_quote(text: str) -> str:
    """One FTS5 string token, quoted so that no character of it is FTS syntax."""
    return '"' + text.replace("\x00", " ").replace('"', '""') + '"'


#: A string of an FTS5 expression (``""`` inside is a quote) and its prefix mark.
_PHRASE_RE = re.compile(r'"((?:[^"]|"")*)"(\*?)')


def match_words(match: str) -> list[str]:
    """Each word of each phrase of an FTS5 expression (of :func:`compile_query`), as an FTS5
    string searched alone, a prefix phrase's last word with its ``*``: the words whose every
    posting bm25 reads before it scores a row (``search.SearchPlanner._rankable``). A phrase of
    posts_cjk is its characters."""
    found: list[str] = []
    for m in _PHRASE_RE.finditer(match):
        text = m.group(1).replace('""', '"')
        words = [fts_quote(w) for w in (_WORD_RE.findall(text) or text.split())]
        if words and m.group(2):
            words[-1] += "*"
        found += words
    return found


def _has_words(text: str) -> bool:
    # A term of punctuation only ("+", "&&") is no term at all to FTS5: an empty phrase that
    # matches nothing. Such terms are dropped instead of emptying the result.
    return _WORD_RE.search(text) is not None


def _like_prefix(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


#: How a query finds a saved view's text: a mapping or a function (None: no such view).
ViewLookup = Mapping[str, str] | Callable[[str], str | None]


class _Shared:
    """What the compilers of one query share: views, the word being typed, counts, highlights."""

    def __init__(self, views: ViewLookup | None, typing: Term | None) -> None:
        self.views = views
        self.typing = typing
        self.count = 0
        self.used: list[str] = []
        self.text_terms: list[Term] = []

    def lookup(self, name: str) -> str | None:
        if self.views is None:
            return None
        if callable(self.views):
            return self.views(name)
        return self.views.get(name)


class _Compiler:
    def __init__(self, shared: _Shared, *, highlight: bool = True) -> None:
        self.shared = shared
        self.highlight = highlight  # positive text here is highlighted (not under a negation)
        self.clauses: list[str] = []
        self.params: list[object] = []
        self.positive: list[str] = []
        self.cjk: list[str] = []

    def empty(self) -> bool:
        return not (self.clauses or self.positive or self.cjk)

    def child(self, *, highlight: bool) -> _Compiler:
        return _Compiler(self.shared, highlight=self.highlight and highlight)

    def tick(self) -> None:
        self.shared.count += 1
        if self.shared.count > MAX_TERMS * 4:
            raise QueryError("query: too many terms once saved views are expanded")

    # -- words and phrases ----------------------------------------------------------------------

    def text(self, term: Term) -> tuple[str | None, list[str], bool] | None:
        """A word or phrase as (posts_fts expression, posts_cjk phrases, is a prefix); None: drop it."""
        value = term.value
        typing = term is self.shared.typing
        if typing and (term.negated or value in ("OR", "AND")):
            return None  # a word being typed excludes nothing yet; "python OR" awaits its next word
        runs = _CJK_RUN_RE.findall(value)
        latin = _CJK_RUN_RE.sub(" ", value) if runs else value
        prefix = False
        fts: str | None = None
        if _has_words(latin):
            words = _WORD_RE.findall(latin)
            drop = False
            if typing and not _CJK_RUN_RE.search(value.rstrip()[-1:]):  # a word still being typed
                if len(words[-1]) >= MIN_PREFIX:
                    prefix = True
                elif len(words) == 1:
                    drop = True  # one letter typed so far: not a search yet
                # else "foo-b": the phrase "foo b", not "foo" followed by any b-word
            if not drop:
                fts = fts_quote(latin) + ("*" if prefix else "")
        if fts is None and not runs:
            return None
        return fts, [_cjk_phrase(run) for run in runs], prefix

    def remember(self, term: Term, prefix: bool) -> None:
        if self.highlight:
            self.shared.text_terms.append(Term(term.kind, term.value, False, prefix))

    def fts_expr(self, part: Part) -> str | None:
        """``part`` as one posts_fts expression, if it can be ("" when it searches nothing)."""
        if isinstance(part, Term):
            if part.kind not in ("word", "phrase") or part.negated:
                return None
            found = self.text(part)
            if found is None:
                return ""
            fts, runs, _ = found
            return None if runs else fts
        if part.negated:
            return None
        if part.any:
            alternatives = [self.fts_expr(p) for p in part.parts]
            if any(a is None for a in alternatives):
                return None
            kept = [a for a in alternatives if a]
            return ("(" + " OR ".join(kept) + ")") if kept else ""
        positive: list[str] = []
        negative: list[str] = []
        for p in part.parts:
            if isinstance(p, Term) and p.negated and p.kind in ("word", "phrase"):
                found = self.text(p)
                if found is None:
                    continue
                if found[1] or found[0] is None:
                    return None
                negative.append(found[0])
                continue
            expr = self.fts_expr(p)
            if expr is None:
                return None
            if expr:
                positive.append(expr)
        if not positive:
            return None if negative else ""
        expr = "(" + " AND ".join(positive) + ")"
        return f"({expr} NOT ({' OR '.join(negative)}))" if negative else expr

    def remember_all(self, part: Part) -> None:
        for term in _walk((part,), positive=True):
            if term.kind in ("word", "phrase"):
                found = self.text(term)
                if found is not None:
                    self.remember(term, found[2])

    # -- parts ----------------------------------------------------------------------------------

    def add(self, part: Part, seen: tuple[str, ...]) -> None:
        self.tick()
        if isinstance(part, Group):
            self.group(part, seen)
        else:
            self.term(part, seen)

    def group(self, group: Group, seen: tuple[str, ...]) -> None:
        if not group.any and not group.negated:
            for part in group.parts:  # (a b) is a b
                self.add(part, seen)
            return
        expr = self.fts_expr(group)
        if expr is not None:  # words only: one posts_fts expression (ranked, counted by FTS5)
            if not expr:
                return
            if group.negated:
                self.clauses.append(NOT_MATCH_CLAUSE)
                self.params.append(expr)
            else:
                self.positive.append(expr)
                self.remember_all(group)
            return
        if not group.any:  # -(a b)
            self.exclude(group.parts, seen)
            return
        subs = []
        for part in group.parts:
            sub = self.child(highlight=not group.negated)
            sub.add(part, seen)
            if not sub.empty():  # an alternative that searches nothing yet is left out
                subs.append(sub.where())
        if not subs:
            return
        sql = " OR ".join(f"({where})" for where, _ in subs)
        self.clauses.append(f"NOT ({sql})" if group.negated else f"({sql})")
        for _, params in subs:
            self.params.extend(params)

    def term(self, term: Term, seen: tuple[str, ...]) -> None:
        kind, value, neg = term.kind, term.value, term.negated
        if kind in ("word", "phrase"):
            found = self.text(term)
            if found is None:
                return
            fts, runs, prefix = found
            if neg:
                tests = ([MATCH_CLAUSE] if fts else []) + [CJK_CLAUSE] * bool(runs)
                if len(tests) == 1 and fts:
                    self.clauses.append(NOT_MATCH_CLAUSE)
                else:
                    self.clauses.append("NOT (" + " AND ".join(tests) + ")")
                self.params.extend(([fts] if fts else []) + ([" AND ".join(runs)] if runs else []))
                return
            if fts:
                self.positive.append(fts)
            self.cjk.extend(runs)
            self.remember(term, prefix)
        elif kind == "tag":
            self.tag(term)
        elif kind == "feed":
            op = "NOT IN" if neg else "IN"
            self.clauses.append(
                f"posts.feed_id {op} (SELECT id FROM feeds WHERE instr(blogtui_key(title), ?) > 0"
                " OR instr(blogtui_key(url), ?) > 0)"
            )
            key = fold_key(value)
            self.params.extend([key, key])
        elif kind == "is":
            sql = IS_SQL[value]
            self.clauses.append(f"NOT ({sql})" if neg else sql)
        elif kind in ("after", "before"):
            stamp = _epoch(parse_date(value, f"{kind}:{value}"))
            # after:D means on D or later; before:D means strictly before D (undated posts: neither).
            sql = BEFORE_SQL if kind == "before" else AFTER_SQL
            self.clauses.append(f"NOT ({sql})" if neg else sql)
            self.params.append(stamp)
        elif kind == "view":
            self.view(term, seen)

    def tag(self, term: Term) -> None:
        # Case, spacing and accents do not matter: tag:cafe finds Café. An ASCII name folds as
        # NOCASE compares (names are stored with their spaces folded), so only names holding
        # other characters are folded in Python; the rest stay on the unique index.
        key = fold_key(term.value)
        op = "NOT IN" if term.negated else "IN"
        if term is self.shared.typing and not term.negated:  # tag:pyt while typing: tags it begins
            test = (
                "(t.name LIKE ? ESCAPE '\\' OR (t.name GLOB '*[^ -~]*'"
                " AND substr(blogtui_key(t.name), 1, ?) = ?))"
            )
            params: list[object] = [_like_prefix(key), len(key), key]
        else:
            test = "(t.name = ? OR (t.name GLOB '*[^ -~]*' AND blogtui_key(t.name) = ?))"
            params = [key, key]
        # The tags are found first (a few hundred names), then their posts by post_tags_by_tag:
        # a join could test every post's tags instead, calling blogtui_key on each.
        self.clauses.append(f"posts.id {op} {_TAG_POSTS} (SELECT t.id FROM tags t WHERE {test}))")
        self.params.extend(params)

    def view(self, term: Term, seen: tuple[str, ...]) -> None:
        name, negated = term.value, term.negated
        self.shared.used.append(name)
        if self.shared.views is None:
            return
        typing = term is self.shared.typing
        try:
            if name.casefold() in seen:
                raise QueryError(f"@{name}: a saved view cannot include itself")
            text = self.shared.lookup(name)
            if text is None:
                raise QueryError(f"@{name}: no saved view of that name")
            inner = parse(text)
            if inner.unfinished:
                raise QueryError(inner.unfinished)
        except QueryError as exc:
            if typing:
                return  # "@fo" on the way to "@food": no error yet
            message = str(exc)
            raise QueryError(message if message.startswith(f"@{name}:") else f"@{name}: {message}") from None
        inside = (*seen, name.casefold())
        if not negated:
            for part in inner.terms:  # all parts are ANDed: a view's parts join the query's
                self.add(part, inside)
            return
        self.exclude(inner.terms, inside)

    def exclude(self, parts: Sequence[Part], seen: tuple[str, ...]) -> None:
        """``NOT (...)`` of these parts ANDed (``-(a b)``, ``-@view``); nothing when they search nothing."""
        sub = self.child(highlight=False)
        for part in parts:
            sub.add(part, seen)
        if not sub.empty():
            where, params = sub.where()
            self.clauses.append(f"NOT ({where})")
            self.params.extend(params)

    def where(self) -> tuple[str, list[object]]:
        clauses, params = list(self.clauses), list(self.params)
        if self.cjk:
            clauses.insert(0, CJK_CLAUSE)
            params.insert(0, " AND ".join(self.cjk))
        if self.positive:
            clauses.insert(0, MATCH_CLAUSE)
            params.insert(0, " AND ".join(self.positive))
        return " AND ".join(clauses) or "1", params

    def fold_excluded(self) -> tuple[str, str] | None:
        """Take the words left out (:data:`NOT_MATCH_CLAUSE`s) into the required words' FTS5
        expression as ``NOT``, when some are required: one evaluation of the index, whose doclists
        FTS5 merges, where each clause built the set of every post holding the left-out words
        (``but -will`` at 200,000 posts: two sets of ~60,000). Returns the expressions required and
        left out."""
        if not self.positive:
            return None
        kept: list[str] = []
        kept_params: list[object] = []
        excluded: list[str] = []
        for clause, values in _with_params(self.clauses, self.params):
            if clause == NOT_MATCH_CLAUSE:
                excluded.append(str(values[0]))
            else:
                kept.append(clause)
                kept_params.extend(values)
        if not excluded:
            return None
        self.clauses, self.params = kept, kept_params
        required, left_out = " AND ".join(self.positive), " OR ".join(f"({e})" for e in excluded)
        self.positive = [f"({required}) NOT ({left_out})"]
        return required, left_out


def _with_params(clauses: Sequence[str], params: Sequence[object]) -> list[tuple[str, tuple[object, ...]]]:
    """Each of ANDed ``clauses`` with its share of ``params``: a clause's parameters are its
    placeholders, in order (values are never inlined)."""
    parts, taken = [], 0
    for clause in clauses:
        wanted = clause.count("?")
        parts.append((clause, tuple(params[taken : taken + wanted])))
        taken += wanted
    return parts


def compile_query(
    query: Query,
    *,
    prefix_last: bool = False,
    views: ViewLookup | None = None,
) -> Compiled:
    """Compile a parsed query to a WHERE clause over ``posts``.

    Every word and phrase reaches FTS5 as a quoted string, so no query is an FTS5 syntax error.

    Args:
        query: the parsed query.
        prefix_last: search as you type, for the part the text ends with (``Query.open_end``):
            a word matches any word it begins (``pyth`` finds ``python``; a single letter so far,
            fewer than ``MIN_PREFIX``, filters nothing yet), ``tag:pyt`` the tags it begins; a
            negated word, an unknown ``@view`` or a part that does not parse yet
            (``Query.unfinished``: ``tag:``, ``is:unr``) filters nothing and is no error.
        views: the saved views (name -> query text, or a function returning None for an unknown
            name). ``@name`` is replaced by the view's terms and ``-@name`` excludes its posts.
            Without it, views are only listed in ``Compiled.views`` and filter nothing.

    Raises:
        QueryError: an unknown view, a view that includes itself, too many terms, or the error of
            an unfinished last part (unless ``prefix_last``).
    """
    if query.unfinished and not prefix_last:
        raise QueryError(query.unfinished)
    shared = _Shared(views, query.open_end if prefix_last else None)
    compiler = _Compiler(shared)
    for part in query.terms:
        compiler.add(part, ())
    folded = compiler.fold_excluded()
    where, params = compiler.where()
    filters = list(compiler.clauses)
    filter_params = list(compiler.params)
    if compiler.cjk:
        filters.insert(0, CJK_CLAUSE)
        filter_params.insert(0, " AND ".join(compiler.cjk))
    clauses = [MATCH_CLAUSE] * bool(compiler.positive) + [CJK_CLAUSE] * bool(compiler.cjk) + compiler.clauses
    return Compiled(
        parts=tuple(_with_params(clauses, params)),
        where=where,
        params=tuple(params),
        match=" AND ".join(compiler.positive) or None,
        views=tuple(dict.fromkeys(shared.used)),
        filters=" AND ".join(filters) or "1",
        filter_params=tuple(filter_params),
        text_terms=tuple(shared.text_terms),
        cjk=" AND ".join(compiler.cjk) or None,
        required=folded[0] if folded else None,
        excluded=folded[1] if folded else None,
    )


def title_match(compiled: Compiled, match: str) -> str:
    """``match`` (``compiled``'s posts_fts or posts_cjk expression) kept to the title column: the
    required words in the title, less the posts that hold a left-out word anywhere (``{title} :``
    over the whole of a folded ``(a) NOT (b)`` would leave out only a ``b`` in the title)."""
    if compiled.excluded is not None and match == compiled.match:
        return f"({{title}} : ({compiled.required})) NOT ({compiled.excluded})"
    return f"{{title}} : ({match})"


# -- highlights --------------------------------------------------------------------------------


def _fold_word(word: str) -> str:
    # As FTS5's unicode61 with remove_diacritics: lower case, accents dropped.
    return _strip_accents(word.lower())


def _words(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), _fold_word(m.group())) for m in _WORD_RE.finditer(text)]


def highlight_spans(
    text: str,
    query: Query | Compiled | str,
    *,
    prefix_last: bool = False,
) -> list[tuple[int, int]]:
    """Where the query's words and phrases occur in ``text``: sorted, non-overlapping
    ``(start, end)`` character offsets, for the reader to highlight.

    Matching follows the search indexes: case and accents are ignored, a phrase matches its words
    in a row whatever lies between them, the word being typed (``prefix_last``, or as marked in a
    ``Compiled``) matches words it begins, and CJK text matches wherever it occurs (``纪念币`` in
    ``出建国纪念币``). The words of every alternative of an ``OR`` are highlighted. A query that
    does not parse highlights nothing.

    Args:
        text: the text shown (a post's Markdown or plain text; any string).
        query: a parsed or compiled query (use the ``Compiled`` from ``Library.compile`` so that
            saved views are expanded), or query text.
        prefix_last: treat the last word of a ``Query``/text as a prefix.
    """
    if isinstance(query, str):
        try:
            query = parse(query)
        except QueryError:
            return []
    if isinstance(query, Query):
        try:
            query = compile_query(query, prefix_last=prefix_last)
        except QueryError:
            return []
    if not text:
        return []
    wanted = [(tuple(w for _, _, w in _words(t.value)), t.prefix) for t in query.text_terms]
    wanted = [(w, p) for w, p in wanted if w]
    runs = {run for t in query.text_terms for run in _CJK_RUN_RE.findall(t.value)}
    spans: list[tuple[int, int]] = []
    for run in runs:
        at = text.find(run)
        while at >= 0:
            spans.append((at, at + len(run)))
            at = text.find(run, at + 1)
    words = _words(text) if wanted else []
    for sequence, prefix in wanted:
        size = len(sequence)
        for i in range(len(words) - size + 1):
            if all(words[i + k][2] == sequence[k] for k in range(size - 1)):
                last = words[i + size - 1][2]
                if last == sequence[-1] or (prefix and last.startswith(sequence[-1])):
                    spans.append((words[i][0], words[i + size - 1][1]))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
