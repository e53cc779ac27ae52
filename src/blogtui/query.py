"""The search language (words, "phrases", tag:, feed:, is:, after:, before:, -negation) compiled to SQL."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone


class QueryError(ValueError):
    """A query that cannot be understood; the message says which part and why."""


@dataclass(frozen=True, slots=True)
class Term:
    """One part of a query: ``kind`` is word, phrase, tag, feed, is, after, before or view."""

    kind: str
    value: str
    negated: bool = False


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

    def __bool__(self) -> bool:
        return bool(self.terms)


@dataclass(frozen=True, slots=True)
class Compiled:
    """SQL for a query: a WHERE clause over ``posts`` with its parameters, and an FTS match for ranking."""

    where: str = "1"
    params: tuple[object, ...] = ()
    match: str | None = None
    views: tuple[str, ...] = field(default_factory=tuple)


_TOKEN_RE = re.compile(r'\s*(-?)(?:(\w+):)?(?:"([^"]*)"?|(\S+))')
_FIELDS = {"tag", "feed", "is", "after", "before"}
_IS_VALUES = {"unread", "read", "starred", "unstarred"}


def parse(text: str) -> Query:
    """Parse a query string.

    Raises:
        QueryError: an unknown ``is:`` value or a bad date; the message names the part.
    """
    terms: list[Term] = []
    pos = 0
    text = text or ""
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        if not match or match.end() == pos:
            break
        pos = match.end()
        neg, key, quoted, bare = match.groups()
        negated = neg == "-"
        if key is not None and key.lower() in _FIELDS:
            value = quoted if quoted is not None else (bare or "")
            terms.append(_field_term(key.lower(), value, negated, match.group(0).strip()))
            continue
        if key is not None:  # a word with a colon that is not a field, e.g. "c++:" or "http://x"
            value = f"{key}:" + (quoted if quoted is not None else (bare or ""))
            terms.append(Term("word", value, negated))
            continue
        if quoted is not None:
            if quoted.strip():
                terms.append(Term("phrase", " ".join(quoted.split()), negated))
            continue
        if bare is None:
            continue
        if bare.startswith("@") and len(bare) > 1 and not negated:
            terms.append(Term("view", bare[1:]))
            continue
        if bare == "-":
            continue
        terms.append(Term("word", bare, negated))
    return Query(tuple(terms))


def _field_term(key: str, value: str, negated: bool, source: str) -> Term:
    value = value.strip()
    if not value:
        raise QueryError(f"{source}: {key}: needs a value")
    if key == "is":
        if value.lower() not in _IS_VALUES:
            raise QueryError(f"{source}: unknown state (use is:unread, is:read or is:starred)")
        return Term("is", value.lower(), negated)
    if key in ("after", "before"):
        parse_date(value, source)
        return Term(key, value, negated)
    if key == "tag":
        value = " ".join(value.split())
    return Term(key, value, negated)


def parse_date(value: str, source: str | None = None) -> date:
    """A ``YYYY-MM-DD`` date (``YYYY-MM`` and ``YYYY`` are accepted as the first day)."""
    for fmt in ("%Y-%m-%d", "%Y-%m", "%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise QueryError(f"{source or value}: not a date (use YYYY-MM-DD)")


def _epoch(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp())


def fts_quote(text: str) -> str:
    """One FTS5 string token, quoted so that no character of it is FTS syntax."""
    return '"' + text.replace('"', '""') + '"'


def _like(value: str) -> str:
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def compile_query(query: Query, *, prefix_last: bool = False) -> Compiled:
    """Compile a parsed query to a WHERE clause over ``posts`` (aliased ``posts``).

    Args:
        query: the parsed query.
        prefix_last: treat the last positive word as a prefix (search as you type).
    """
    clauses: list[str] = []
    params: list[object] = []
    positive: list[str] = []
    views: list[str] = []
    last_word = None
    for index, term in enumerate(query.terms):
        if term.kind == "word" and not term.negated:
            last_word = index
    for index, term in enumerate(query.terms):
        kind, value, neg = term.kind, term.value, term.negated
        if kind in ("word", "phrase"):
            token = fts_quote(value)
            if prefix_last and index == last_word and kind == "word":
                token += "*"
            if neg:
                clauses.append("posts.id NOT IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?)")
                params.append(token)
            else:
                positive.append(token)
        elif kind == "tag":
            op = "NOT IN" if neg else "IN"
            clauses.append(
                f"posts.id {op} (SELECT post_id FROM post_tags JOIN tags ON tags.id = post_tags.tag_id"
                " WHERE tags.name = ?)"
            )
            params.append(value)
        elif kind == "feed":
            op = "NOT IN" if neg else "IN"
            clauses.append(
                f"posts.feed_id {op} (SELECT id FROM feeds WHERE title LIKE ? ESCAPE '\\'"
                " OR url LIKE ? ESCAPE '\\')"
            )
            params.extend([_like(value), _like(value)])
        elif kind == "is":
            sql = {
                "unread": "posts.read = 0",
                "read": "posts.read = 1",
                "starred": "posts.starred = 1",
                "unstarred": "posts.starred = 0",
            }[value]
            clauses.append(f"NOT ({sql})" if neg else sql)
        elif kind in ("after", "before"):
            stamp = _epoch(parse_date(value))
            # after:D means on D or later; before:D means strictly before D.
            sql = (
                "posts.published >= ?" if kind == "after" else "(posts.published < ? AND posts.published > 0)"
            )
            clauses.append(f"NOT ({sql})" if neg else sql)
            params.append(stamp)
        elif kind == "view":
            views.append(value)
    match = " AND ".join(positive) if positive else None
    if match:
        clauses.insert(0, "posts.id IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?)")
        params.insert(0, match)
    return Compiled(" AND ".join(clauses) or "1", tuple(params), match, tuple(views))
