"""A search kept to a few feeds' posts (``feed:``), its matches read from the index by key.

Listed newest first, such a search reads the feeds' own part of ``posts_by_feed`` (a feed's
2,000 posts are 1 in 500 at a million) and tests each post against the set of the search's
matches, which SQLite builds whole: for a common word, every post of the cache (``feed:070
the`` at a million posts: 380 ms a statement, and a ranked list has two). The search index's
keys are the posts' date buckets, then their ids (:func:`~blogtui.query.index_key`), and a
feed's posts, dated over a few years and added together, fill a few runs of ids in each bucket:
read those key ranges alone (71 for a feed of 2,000 posts over five years), and the matches
among the feeds' posts are found without the rest (14-29 ms for ``the``), when the search
matches enough posts for a set of them to cost more (:func:`matches_among`). :func:`narrowed`
gives the query with those ids written out, for the windows to test.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from ..query import KEY_SHIFT, MATCH_CLAUSE, Compiled, index_key
from .counts import fewest_feeds

#: Two keys of one bucket this far apart or less are read as one range (the posts between,
#: of other feeds, read and dropped): a range read costs about as much as 64 entries.
RANGE_GAP = 64
#: What a range read costs, in matches put in a set (a range read: 0.17-0.4 ms; a set: about
#: 0.15-0.3 us a match, ``the``'s million at a million posts 300 ms).
RANGE_POSTINGS = 1_500


def kept_posts(db: sqlite3.Connection, compiled: Compiled) -> list[tuple[int, int]] | None:
    """``(id, published)`` of the posts of the feeds ``compiled`` keeps to (the fewest, when it
    names feeds twice), or None when it names none. For a query the planner reads from the
    feeds' own index (at most ``search.FEED_POSTS_MAX`` posts: a range read a post at the
    worst, 20,000 reads cost more than the whole set of a common word)."""
    best = fewest_feeds(db, compiled)
    if best is None:
        return None
    sql = f"SELECT id, published FROM posts INDEXED BY posts_by_feed WHERE feed_id IN {best[1]}"
    return [(int(r[0]), int(r[1])) for r in db.execute(sql, best[2])]


def key_ranges(keys: Sequence[int]) -> list[tuple[int, int]]:
    """Sorted keys as ``(low, high)`` ranges (both ends in), one per run of keys of one bucket
    at most :data:`RANGE_GAP` apart."""
    ranges: list[list[int]] = []
    for key in sorted(keys):
        if ranges and key >> KEY_SHIFT == ranges[-1][1] >> KEY_SHIFT and key - ranges[-1][1] <= RANGE_GAP:
            ranges[-1][1] = key
        else:
            ranges.append([key, key])
    return [(low, high) for low, high in ranges]


def matches_among(
    db: sqlite3.Connection,
    table: str,
    expression: str,
    posts: Sequence[tuple[int, int]],
    *,
    always: bool = False,
) -> list[int] | None:
    """The ids of ``posts`` (``(id, published)``) that ``table MATCH expression`` finds, read
    from the index's key ranges that hold them (:func:`key_ranges`), or None when the set of
    every match is cheaper: a range read costs about what :data:`RANGE_POSTINGS` matches cost
    in a set (``feed:036 table`` at 200,000 posts: 162 ranges, 27 ms, against 15 for the set
    of ``table``'s ~100,000 posts), which a count capped there tells. ``always``: read the
    ranges without that count (a title tier, once its search's ranges were read: its column
    filter reads every posting of its words, however few match in the title)."""
    keys = {index_key(published, post_id): post_id for post_id, published in posts}
    ranges = key_ranges(list(keys))
    if not always:
        cap = len(ranges) * RANGE_POSTINGS
        count = f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {table} MATCH ? LIMIT ?)"
        if int(db.execute(count, (expression, cap)).fetchone()[0]) < cap:
            return None
    sql = f"SELECT rowid FROM {table} WHERE {table} MATCH ? AND rowid >= ? AND rowid <= ?"
    found: list[int] = []
    for low, high in ranges:
        found += [keys[r[0]] for r in db.execute(sql, (expression, low, high)) if r[0] in keys]
    return found


#: The set of ids a query is narrowed to (its one parameter, a JSON array).
ID_SET = "posts.id IN (SELECT value FROM json_each(?))"


def narrowed(
    db: sqlite3.Connection, compiled: Compiled, posts: Sequence[tuple[int, int]] | None
) -> tuple[str, tuple[object, ...]] | None:
    """``compiled``'s WHERE clause and parameters with its search (the first clause,
    ``MATCH_CLAUSE``) written out as the ids of the feeds' posts it matches, for a query kept
    to those ``posts`` (:func:`kept_posts`); None when it is not (``posts`` None), when its
    search is not that first clause, or when the set of its matches is cheaper."""
    where = compiled.where
    if posts is None or not (where == MATCH_CLAUSE or where.startswith(MATCH_CLAUSE + " AND ")):
        return None
    ids = matches_among(db, "posts_fts", str(compiled.params[0]), posts)
    if ids is None:
        return None
    return ID_SET + where[len(MATCH_CLAUSE) :], (json.dumps(ids), *compiled.params[1:])
