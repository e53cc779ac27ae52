"""The counts the cache keeps (schema 12's ``feed_counts`` and ``tag_counts``, kept by triggers):
which queries they answer, and the answers.

A million posts counted by an index scan cost 10-50 ms a query (all posts, unread, starred) and
0.2-2 s for the sidebar's tags; the count tables answer the same in a read of one row per feed or
tag. They answer a query that is nothing, one ``is:unread``, ``is:backlog`` or ``is:starred``, a
``feed:`` (with or without one of those), or one tag (alone or with ``is:unread``) whose name is
one tag of the cache; anything else is counted from the posts (:meth:`SearchPlanner.count`).
"""

from __future__ import annotations

import sqlite3

from ..query import IS_SQL, Compiled

#: The count tables' column for each state clause of the query language.
STATES = {IS_SQL["unread"]: "unread", IS_SQL["backlog"]: "backlog", IS_SQL["starred"]: "starred"}
#: How the compiler writes ``feed:`` and ``tag:`` (query.py): the set's own query follows.
FEED_CLAUSE = "posts.feed_id IN (SELECT id FROM feeds "
FEED_NOT = "posts.feed_id NOT IN"
TAG_CLAUSE = "posts.id IN (SELECT pt.post_id FROM post_tags pt WHERE pt.tag_id IN ("


def total(db: sqlite3.Connection) -> int:
    """How many posts the cache holds."""
    return int(db.execute("SELECT coalesce(sum(posts), 0) FROM feed_counts").fetchone()[0])


def kept_count(db: sqlite3.Connection, compiled: Compiled) -> int | None:
    """How many posts ``compiled`` matches, when the count tables know (else None)."""
    parts = compiled.parts if compiled.where != "1" else ()
    if compiled.where != "1" and not parts:
        return None  # built by hand: no parts to read
    state = [STATES[sql] for sql, params in parts if sql in STATES and not params]
    rest = [(sql, params) for sql, params in parts if not (sql in STATES and not params)]
    if len(state) > 1:
        return None
    column = state[0] if state else "posts"
    if not rest:
        return int(db.execute(f"SELECT coalesce(sum({column}), 0) FROM feed_counts").fetchone()[0])
    if len(rest) > 1:
        return None
    sql, params = rest[0]
    if sql.startswith(FEED_CLAUSE):
        feeds = sql[len("posts.feed_id IN ") :]
        row = db.execute(
            f"SELECT coalesce(sum({column}), 0) FROM feed_counts WHERE feed_id IN {feeds}", params
        )
        return int(row.fetchone()[0])
    if sql.startswith(TAG_CLAUSE) and sql.endswith("))") and column in ("posts", "unread"):
        tags = sql[len(TAG_CLAUSE) : -2]
        found = db.execute(f"SELECT {column} FROM tag_counts WHERE tag_id IN ({tags})", params).fetchall()
        if len(found) > 1:
            return None  # two spellings of one tag: a post may have both
        return int(found[0][0]) if found else 0
    return None


def tag_sizes(db: sqlite3.Connection, compiled: Compiled) -> list[int]:
    """The posts of each tag the query requires (its ANDed ``tag:`` parts; every spelling a name
    finds counted): at most how many posts each part lets through."""
    sizes = []
    for sql, params in compiled.parts:
        if sql.startswith(TAG_CLAUSE) and sql.endswith("))"):
            tags = sql[len(TAG_CLAUSE) : -2]
            found = db.execute(
                f"SELECT coalesce(sum(posts), 0) FROM tag_counts WHERE tag_id IN ({tags})", params
            )
            sizes.append(int(found.fetchone()[0]))
    return sizes


def fewest_feeds(db: sqlite3.Connection, compiled: Compiled) -> tuple[int, str, tuple[object, ...]] | None:
    """The ``feed:`` part of the query that keeps it to the fewest posts (when it names feeds
    twice): their posts, and its set of feeds as SQL with its parameters (``(SELECT id FROM
    feeds ...)``); None when it has no ``feed:`` part."""
    best: tuple[int, str, tuple[object, ...]] | None = None
    for sql, params in compiled.parts:
        if sql.startswith(FEED_CLAUSE):
            feeds = sql[len("posts.feed_id IN ") :]
            found = db.execute(
                f"SELECT coalesce(sum(posts), 0) FROM feed_counts WHERE feed_id IN {feeds}", params
            )
            size = int(found.fetchone()[0])
            if best is None or size < best[0]:
                best = (size, feeds, params)
    return best


def feed_posts(db: sqlite3.Connection, compiled: Compiled) -> int | None:
    """The posts of the feeds the query keeps to (the fewest, when it names feeds twice), or None
    when it has no ``feed:`` part."""
    fewest = fewest_feeds(db, compiled)
    return None if fewest is None else fewest[0]
