"""The search language (words, "phrases", tag:, feed:, is:, after:, before:, -negation, @view) as SQL."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from .errors import QueryError

#: At most this many terms in one query (saved views expanded): SQLite caps expression depth.
MAX_TERMS = 64
#: At most this many characters in one query.
MAX_QUERY_CHARS = 4000
#: A word being typed (search as you type) is searched from this many letters on: one letter
#: begins nearly every post's words (``m`` matches 49,998 of 50,000), which filters nothing and
#: costs a scan of the whole index, so the list stays as it was until the second letter.
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
class Query:
    """A parsed query: its terms, ANDed together."""

    terms: tuple[Term, ...] = ()

    @property
    def text_terms(self) -> tuple[Term, ...]:
        """The positive words and phrases (what a reader highlights)."""
        return tuple(t for t in self.terms if t.kind in ("word", "phrase") and not t.negated)

    @property
    def tags(self) -> tuple[str, ...]:
        """Names of the tags the query requires."""
        return tuple(t.value for t in self.terms if t.kind == "tag" and not t.negated)

    @property
    def views(self) -> tuple[str, ...]:
        """Names of the saved views the query uses (``@name``)."""
        return tuple(t.value for t in self.terms if t.kind == "view")

    def __bool__(self) -> bool:
        return bool(self.terms)


@dataclass(frozen=True, slots=True)
class Compiled:
    """SQL for a query.

    ``where``/``params`` is a WHERE clause over ``posts`` (the whole query). ``match`` is the FTS5
    expression of the positive words and phrases (for ranking), and ``filters``/``filter_params``
    is the rest of the query without it, so a ranked search evaluates the FTS match only once.
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


_TOKEN_RE = re.compile(r'\s*(-?)(?:(\w+):)?(?:"([^"]*)"?|(\S+))')
_EMPTY_FIELD_RE = re.compile(r"\s*-?(\w+):(?=\s|$)")
_FIELDS = {"tag", "feed", "is", "after", "before"}
_IS_VALUES = {"unread", "read", "starred", "unstarred", "backlog"}
_VIEW_NAME_RE = re.compile(r"^\w[\w.+-]*$")
#: Control characters become spaces before parsing: FTS5 rejects NUL inside a string.
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: The clause of ``Compiled.where`` that holds ``Compiled.match`` (first, when there is one).
MATCH_CLAUSE = "posts.id IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?)"
#: What FTS5's unicode61 tokenizer keeps in a token (letters, digits, combining marks), roughly.
_WORD_RE = re.compile(r"(?:[^\W_]|[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f])+")


def parse(text: str) -> Query:
    """Parse a query string.

    Raises:
        QueryError: an unknown ``is:`` value, a bad date, a field with no value, a query that is
            not text or too long; the message names the part.
    """
    text = text or ""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise QueryError(f"{text.encode('utf-8', 'replace').decode()!r}: not valid UTF-8 text") from None
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"query of {len(text)} characters: too long (at most {MAX_QUERY_CHARS})")
    text = _CONTROL_RE.sub(" ", text)
    terms: list[Term] = []
    pos = 0
    while pos < len(text):
        empty = _EMPTY_FIELD_RE.match(text, pos)
        if empty and empty.group(1).lower() in _FIELDS:
            raise QueryError(f"{empty.group(0).strip()}: {empty.group(1).lower()}: needs a value")
        match = _TOKEN_RE.match(text, pos)
        if not match or match.end() == pos:
            break
        pos = match.end()
        neg, key, quoted, bare = match.groups()
        negated = neg == "-"
        if key is not None and key.lower() in _FIELDS:
            value = quoted if quoted is not None else (bare or "")
            terms.append(_field_term(key.lower(), value, negated, match.group(0).strip()))
        elif key is not None:  # a word with a colon that is not a field, e.g. "c++:" or "http://x"
            value = f"{key}:" + (quoted if quoted is not None else (bare or ""))
            terms.append(Term("word", value, negated))
        elif quoted is not None:
            if quoted.strip():
                terms.append(Term("phrase", " ".join(quoted.split()), negated))
        elif bare is None or bare == "-":
            continue
        elif bare.startswith("@") and len(bare) > 1:
            name = bare[1:]
            if not _VIEW_NAME_RE.match(name):
                raise QueryError(f"{bare}: not a view name (letters, digits, _ . + -)")
            terms.append(Term("view", name, negated))
        else:
            terms.append(Term("word", bare, negated))
        if len(terms) > MAX_TERMS:
            raise QueryError(f"query: too many terms (at most {MAX_TERMS})")
    return Query(tuple(terms))


def _field_term(key: str, value: str, negated: bool, source: str) -> Term:
    value = value.strip()
    if not value:
        raise QueryError(f"{source}: {key}: needs a value")
    if key == "is":
        if value.lower() not in _IS_VALUES:
            raise QueryError(f"{source}: unknown state (use is:unread, is:read, is:starred or is:backlog)")
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


def _epoch(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp())


def fts_quote(text: str) -> str:
    """One FTS5 string token, quoted so that no character of it is FTS syntax."""
    return '"' + text.replace("\x00", " ").replace('"', '""') + '"'


def _has_words(text: str) -> bool:
    # A term of punctuation only ("+", "&&") is no term at all to FTS5: an empty phrase that
    # matches nothing. Such terms are dropped instead of emptying the result.
    return any(c.isalnum() or not c.isascii() for c in text if not c.isspace())


#: How a query finds a saved view's text: a mapping or a function (None: no such view).
ViewLookup = Mapping[str, str] | Callable[[str], str | None]


class _Compiler:
    def __init__(self, views: ViewLookup | None) -> None:
        self.views = views
        self.clauses: list[str] = []
        self.params: list[object] = []
        self.positive: list[str] = []
        self.text_terms: list[Term] = []
        self.used: list[str] = []
        self.count = 0

    def lookup(self, name: str) -> str | None:
        if self.views is None:
            return None
        if callable(self.views):
            return self.views(name)
        return self.views.get(name)

    def add(self, term: Term, prefix: bool, seen: tuple[str, ...]) -> None:
        self.count += 1
        if self.count > MAX_TERMS * 4:
            raise QueryError("query: too many terms once saved views are expanded")
        kind, value, neg = term.kind, term.value, term.negated
        if kind in ("word", "phrase"):
            if not _has_words(value):
                return
            if prefix:
                words = _WORD_RE.findall(value)
                if words and len(words[-1]) < MIN_PREFIX:
                    if len(words) == 1:
                        return  # one letter typed so far: not a search yet
                    prefix = False  # "foo-b": the phrase "foo b", not "foo" followed by any b-word
            token = fts_quote(value) + ("*" if prefix else "")
            if neg:
                self.clauses.append("posts.id NOT IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?)")
                self.params.append(token)
            else:
                self.positive.append(token)
                self.text_terms.append(Term(kind, value, False, prefix))
        elif kind == "tag":
            op = "NOT IN" if neg else "IN"
            if value.isascii():  # NOCASE is exact for ASCII and uses the unique index
                test, param = "t.name = ?", value
            else:
                test, param = "blogtui_fold(t.name) = ?", fold_tag(value)
            self.clauses.append(
                f"posts.id {op} (SELECT pt.post_id FROM post_tags pt JOIN tags t ON t.id = pt.tag_id"
                f" WHERE {test})"
            )
            self.params.append(param)
        elif kind == "feed":
            op = "NOT IN" if neg else "IN"
            self.clauses.append(
                f"posts.feed_id {op} (SELECT id FROM feeds WHERE instr(blogtui_fold(title), ?) > 0"
                " OR instr(blogtui_fold(url), ?) > 0)"
            )
            self.params.extend([value.lower(), value.lower()])
        elif kind == "is":
            sql = {
                # Backlog posts (recovered from a blog's archive) are neither unread nor read.
                "unread": "(posts.read = 0 AND posts.backlog = 0)",
                "backlog": "(posts.read = 0 AND posts.backlog = 1)",
                "read": "posts.read = 1",
                "starred": "posts.starred = 1",
                "unstarred": "posts.starred = 0",
            }[value]
            self.clauses.append(f"NOT ({sql})" if neg else sql)
        elif kind in ("after", "before"):
            stamp = _epoch(parse_date(value, f"{kind}:{value}"))
            # after:D means on D or later; before:D means strictly before D (undated posts: neither).
            sql = "posts.published >= ?"
            if kind == "before":
                sql = "(posts.published < ? AND posts.published > 0)"
            self.clauses.append(f"NOT ({sql})" if neg else sql)
            self.params.append(stamp)
        elif kind == "view":
            self.view(value, neg, seen)

    def view(self, name: str, negated: bool, seen: tuple[str, ...]) -> None:
        self.used.append(name)
        if self.views is None:
            return
        if name.casefold() in seen:
            raise QueryError(f"@{name}: a saved view cannot include itself")
        text = self.lookup(name)
        if text is None:
            raise QueryError(f"@{name}: no saved view of that name")
        try:
            inner = parse(text)
        except QueryError as exc:
            raise QueryError(f"@{name}: {exc}") from None
        inside = (*seen, name.casefold())
        if not negated:
            for term in inner.terms:  # all terms are ANDed: a view's terms join the query's
                self.add(term, False, inside)
            return
        sub = _Compiler(self.views)
        sub.count = self.count
        for term in inner.terms:
            sub.add(term, False, inside)
        self.count = sub.count
        self.used.extend(sub.used)
        where, params = sub.where()
        self.clauses.append(f"NOT ({where})")
        self.params.extend(params)

    def where(self) -> tuple[str, list[object]]:
        clauses, params = list(self.clauses), list(self.params)
        if self.positive:
            clauses.insert(0, MATCH_CLAUSE)
            params.insert(0, " AND ".join(self.positive))
        return " AND ".join(clauses) or "1", params


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
        prefix_last: search as you type: when the query ends with a (positive) word, that word
            matches any word it begins (``pyth`` finds ``python``); a single letter so far
            (fewer than ``MIN_PREFIX``) filters nothing yet.
        views: the saved views (name -> query text, or a function returning None for an unknown
            name). ``@name`` is replaced by the view's terms and ``-@name`` excludes its posts.
            Without it, views are only listed in ``Compiled.views`` and filter nothing.

    Raises:
        QueryError: an unknown view, a view that includes itself, or too many terms.
    """
    compiler = _Compiler(views)
    terms = query.terms
    last = len(terms) - 1
    type_ahead = prefix_last and bool(terms) and terms[-1].kind == "word" and not terms[-1].negated
    for index, term in enumerate(terms):
        compiler.add(term, type_ahead and index == last, ())
    where, params = compiler.where()
    return Compiled(
        where=where,
        params=tuple(params),
        match=" AND ".join(compiler.positive) or None,
        views=tuple(dict.fromkeys(compiler.used)),
        filters=" AND ".join(compiler.clauses) or "1",
        filter_params=tuple(compiler.params),
        text_terms=tuple(compiler.text_terms),
    )


# -- highlights --------------------------------------------------------------------------------


def _fold_word(word: str) -> str:
    # As FTS5's unicode61 with remove_diacritics: lower case, accents dropped.
    decomposed = unicodedata.normalize("NFD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


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

    Matching follows the search index: case and accents are ignored, a phrase matches its words
    in a row whatever lies between them, and the word being typed (``prefix_last``, or as marked
    in a ``Compiled``) matches words it begins. A query that does not parse highlights nothing.

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
        query = compile_query(query, prefix_last=prefix_last)
    wanted = [(tuple(w for _, _, w in _words(t.value)), t.prefix) for t in query.text_terms]
    wanted = [(w, p) for w, p in wanted if w]
    if not wanted or not text:
        return []
    words = _words(text)
    spans: list[tuple[int, int]] = []
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
