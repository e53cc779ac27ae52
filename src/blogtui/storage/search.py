"""The search planner: how a compiled query becomes the SQL that lists, ranks and counts posts.

FTS5 gives SQLite's planner no estimate of a match's size, so the choice between an id lookup and
a scan of the date index, and between bm25 and newest-first, is made here from the index's own
count."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence

from ..models import Tag
from ..query import (
    CJK_CLAUSE,
    IS_SQL,
    MATCH_CLAUSE,
    NOT_MATCH_CLAUSE,
    ROW_POST,
    Compiled,
    date_bounds,
    match_set,
    match_words,
    title_match,
)
from . import counts, feed_matches
from . import window as windows
from .feed_window import FeedWindow
from .title_window import TitleWindow, title_source
from .window import Chain, ExcludingWindow, IdWindow, MatchWindow, count_source

#: bm25 weights of posts_fts's columns, in its order (body, title, author; schema 13): a word in
#: the title counts most, then the author, then the body.
RANK_WEIGHTS = "1.0, 10.0, 4.0"
#: The same for posts_cjk's columns, which are in the same order (body, title, author).
CJK_RANK_WEIGHTS = "1.0, 10.0, 4.0"
_WEIGHTS = {"posts_fts": RANK_WEIGHTS, "posts_cjk": CJK_RANK_WEIGHTS}
#: A search matching at most this many posts is ordered by bm25 (scoring costs ~1 ms per 1,000).
RANK_LIMIT = 10_000
#: bm25 counts the posts of each phrase over the whole index before it scores a row: FTS5 reads
#: every posting of each of its words (at a million posts, ``"feed" AND`` a rare word: 24.5 ms
#: to rank its few matches against 0.6 to count them; phrases read their words' positions too).
#: A search read from the index by key whose words have more postings than this, together, is
#: ordered as one of many matches: the title matches first, then the rest, each newest first.
#: See :meth:`SearchPlanner._rankable`.
RANK_POSTINGS = 40_000
#: The orders a list can be in (``post_ids(order=...)``): ORDER BY clauses, each ending on the
#: id so that equal keys keep one order. ``oldest`` reads the date index backwards (no sort).
ORDERS = {
    "newest": "posts.published DESC, posts.id DESC",
    "oldest": "posts.published ASC, posts.id ASC",
    "feed": "(SELECT lower(f.title) FROM feeds f WHERE f.id = posts.feed_id), posts.feed_id,"
    " posts.published DESC, posts.id DESC",
    "title": "posts.title COLLATE NOCASE, posts.published DESC, posts.id DESC",  # posts_by_title
}
#: A search matching at most this many posts is listed by looking each one up by id; beyond,
#: by scanning the date index (see Store._posts_source).
LOOKUP_LIMIT = 2_000
#: A cache of more posts than this gives the reader's list as a window (storage/window.py):
#: read a page at a time, never every id.
WINDOW_MIN = 5_000
#: A list of tags is listed by looking up their posts (not by a window on the date index) when
#: its smallest tag has at most this many posts, and fewer than the date index would be read for
#: a page (:meth:`SearchPlanner._tag_lookup`).
TAG_LOOKUP_MAX = 100_000
#: A query kept to feeds of at most this many posts reads them from posts_by_feed
#: (:meth:`SearchPlanner._dated_source`), sorting a page's worth of their entries.
FEED_POSTS_MAX = 20_000
#: What looking a tag's post up costs against reading one entry of the date index (the other
#: tags' sets built, the sort): two tags of 62,000 posts each at a million, a page 206 ms from
#: the date index against 256 by lookup.
LOOKUP_COST = 4


#: How far a search's match counts are counted: past both RANK_LIMIT and RANK_POSTINGS.
SIZE_CAP = max(RANK_LIMIT, RANK_POSTINGS) + 1


class _Sizes:
    """The match counts of one search's expressions in one index, each counted once, up to
    :data:`SIZE_CAP`."""

    def __init__(self, planner: SearchPlanner, table: str) -> None:
        self._planner = planner
        self._table = table
        self._known: dict[str, int] = {}

    def __call__(self, expression: str) -> int:
        if expression not in self._known:
            self._known[expression] = self._planner._match_size(expression, SIZE_CAP, self._table)
        return self._known[expression]


class SearchPlanner:
    """Listing, ranking and counting for :class:`~blogtui.storage.store.Store` (which inherits it)."""

    db: sqlite3.Connection

    def _match_size(self, match: str, cap: int, table: str = "posts_fts") -> int:
        """How many posts the search expression matches, counted up to ``cap`` (cheap: ~1 ms)."""
        sql = f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {table} MATCH ? LIMIT ?)"
        return int(self.db.execute(sql, (match, cap)).fetchone()[0])

    @staticmethod
    def _searches(compiled: Compiled) -> list[tuple[str, str]]:
        """The index searches every result of ``compiled`` matches, as ``(table, expression)``:
        those its WHERE clause starts with (posts_fts's words, then posts_cjk's CJK text)."""
        found = []
        rest = compiled.where
        if compiled.match is not None and (rest == MATCH_CLAUSE or rest.startswith(MATCH_CLAUSE + " AND ")):
            found.append(("posts_fts", compiled.match))
            rest = rest[len(MATCH_CLAUSE) + len(" AND ") :]
        if compiled.cjk is not None and (rest == CJK_CLAUSE or rest.startswith(CJK_CLAUSE + " AND ")):
            found.append(("posts_cjk", compiled.cjk))
        return found

    def _search_size(self, compiled: Compiled, cap: int) -> int | None:
        """At most how many posts ``compiled`` matches, counted up to ``cap`` (None: unknown)."""
        sizes = [self._match_size(expr, cap, table) for table, expr in self._searches(compiled)]
        return min(sizes) if sizes else None

    def _posts_source(self, compiled: Compiled, *, lookup: bool = True) -> str:
        """``posts`` with the index that suits a query's WHERE clause.

        A search that matches few posts looks each one up by id in the slim ``posts_by_id``
        index (not in the wide rows); one that matches many scans ``posts_by_date_state`` in
        list order and tests each entry against the match set (no lookups, no sort). The
        planner cannot tell the two apart, since FTS5 gives it no estimate. Without a search,
        the planner's choice stands (the covering indexes serve state and date filters).
        """
        if not self._searches(compiled):
            return "posts"
        if lookup and (self._search_size(compiled, LOOKUP_LIMIT + 1) or 0) <= LOOKUP_LIMIT:
            return "posts INDEXED BY posts_by_id"
        return "posts INDEXED BY posts_by_date_state"

    @staticmethod
    def _rankable(streamed: bool, match: str, sizes: _Sizes) -> bool:
        """Whether bm25 may rank ``match`` in a key press, as far as its words tell (its matches
        are counted apart). A search read from its ranking index by key (``streamed``:
        :meth:`_stream`) needs no set of its matches for its first screen, and bm25 reads
        every posting of its words: it ranks when they have :data:`RANK_POSTINGS` in all at
        most (each count capped: ~1 ms for a common word; a search of one word is its own
        count). Any other search builds the set of its matches anyway, and is ranked by its
        match count alone."""
        if not streamed:
            return True
        left = RANK_POSTINGS
        for word in dict.fromkeys(match_words(match)):
            left -= sizes(word)
            if left < 0:
                return False
        return True

    @staticmethod
    def _ranking(compiled: Compiled) -> tuple[str, str] | None:
        """The index that ranks a search, and its expression: posts_fts for words, else posts_cjk."""
        if compiled.match:
            return "posts_fts", compiled.match
        if compiled.cjk:
            return "posts_cjk", compiled.cjk
        return None

    def _ranked_sql(
        self, match: str, compiled: Compiled, table: str = "posts_fts"
    ) -> tuple[str, tuple[object, ...]]:
        # bm25 runs once, in the join; the rest of the query filters its rows.
        filters, filter_params = compiled.filters, compiled.filter_params
        if table != "posts_fts" or compiled.where != " AND ".join(
            c for c in (MATCH_CLAUSE, filters) if c != "1"
        ):
            filters, filter_params = compiled.where, compiled.params  # built by hand, or ranked by CJK
        sql = (
            f"SELECT posts.id FROM posts INDEXED BY posts_by_id JOIN (SELECT {ROW_POST} AS rid,"
            f" bm25({table}, {_WEIGHTS[table]}) AS score FROM {table} WHERE {table} MATCH ?) r"
            f" ON r.rid = posts.id WHERE {filters}"
            " ORDER BY r.score, posts.published DESC, posts.id DESC"
        )
        return sql, (match, *filter_params)

    def post_ids(
        self, compiled: Compiled, *, ranked: bool = False, limit: int | None = None, order: str = "newest"
    ) -> list[int]:
        """Ids of matching posts, newest first (or best match first when ``ranked``; else in one
        of :data:`ORDERS` when ``order`` names another).

        Ranked: by bm25 (a word in the title weighs most), then newest first. When the words
        match more than ``RANK_LIMIT`` posts (a word being typed, ``me``), scoring them all
        would take longer than a key press may, and the order is coarser: posts matching in
        the title first (by bm25 if they are few enough, else newest first), then the rest,
        newest first.
        """
        ranking = self._ranking(compiled) if ranked else None
        if ranking is not None:
            table, match = ranking
            sizes = _Sizes(self, table)
            streamed = self._stream(compiled, table) is not None
            if self._rankable(streamed, match, sizes) and sizes(match) <= RANK_LIMIT:
                sql, params = self._ranked_sql(match, compiled, table)
                if limit is not None:
                    sql += " LIMIT ?"
                    params = (*params, limit)
                return [r[0] for r in self.db.execute(sql, params)]
            return self._tiered_ids(compiled, limit, table, match, sizes, streamed)
        # Without a search, the date index is read in list order: any filter it leaves to test
        # (state, feed, date; tag sets are built once) needs no row and no sort.
        searched = compiled.match or compiled.cjk
        source = self._posts_source(compiled) if searched else "posts INDEXED BY posts_by_date_state"
        if not searched and order in ("newest", "oldest") and self._tag_lookup(compiled):
            source = "posts INDEXED BY posts_by_id"  # the tags' posts looked up by id, then sorted
        if order == "title" and not searched:
            # posts_by_title is the order itself and covers the state and feed filters: read in
            # order, no sort (the planner, knowing no sizes, would sort a filter's matches).
            source = title_source(compiled)
        sql = f"SELECT posts.id FROM {source} WHERE {compiled.where} ORDER BY {ORDERS[order]}"
        params = compiled.params
        if limit is not None:
            sql += " LIMIT ?"
            params = (*params, limit)
        return [r[0] for r in self.db.execute(sql, params)]

    def post_window(
        self,
        compiled: Compiled,
        *,
        ranked: bool = False,
        order: str = "newest",
        store_of: Callable[[], sqlite3.Connection] | None = None,
    ) -> Sequence[int]:
        """The ids of :meth:`post_ids` in the same order, as the reader's list reads them: a list
        when they are few (or searched, by feed or by title), else a window read a page at a
        time (:class:`~blogtui.storage.window.IdWindow`), so that the first screen of a million
        posts costs a count and one page, not every id. Unsearched, by title the list is a
        :class:`~blogtui.storage.title_window.TitleWindow` (by offset in ``posts_by_title``) and
        by feed a :class:`~blogtui.storage.feed_window.FeedWindow` (each feed's posts in turn).

        Ranked, a search matching more than ``RANK_LIMIT`` posts is its title matches (ranked by
        bm25 when few enough) followed by a window of the rest, newest first, as ``post_ids``
        orders it. ``store_of``: the connection of the calling thread (default: this store's).
        """
        db = store_of or (lambda: self.db)
        total = counts.total(self.db)
        ranking = self._ranking(compiled) if ranked else None
        if order in ("title", "feed") and total > WINDOW_MIN and not (compiled.match or compiled.cjk):
            # Read a page at a time: by title from the order's own index, by feed from each feed's
            # posts in turn (a search's matches are listed).
            size = total if compiled.where == "1" else counts.kept_count(self.db, compiled)
            if order == "title":
                return TitleWindow(
                    db, compiled.where, compiled.params, size=size, source=title_source(compiled)
                )
            return FeedWindow(db, compiled.where, compiled.params, size=size)
        if total <= WINDOW_MIN or (order not in ("newest", "oldest") and ranking is None):
            return self.post_ids(compiled, ranked=ranked, order=order)
        by_date = "posts INDEXED BY posts_by_date_state"
        if ranking is None:
            if self._searches(compiled) and self._posts_source(compiled) != by_date:
                return self.post_ids(compiled, order=order)  # few matches: looked up by id
            if not self._searches(compiled) and self._tag_lookup(compiled):
                return self.post_ids(compiled, order=order)  # tags of few posts together
            # The length from the count tables, else counted when first asked for (the reader
            # asks in a worker, after the first screen: a page needs no count).
            size = total if compiled.where == "1" else counts.kept_count(self.db, compiled)
            stream = self._streamed(compiled)
            if stream is not None:  # the index's matches read newest first, a page at a time
                table, match, filters, filter_params = stream
                return MatchWindow(
                    db, table, match, filters, filter_params, descending=order == "newest",
                    size=size, counted_by=self._counted_by(compiled), dates=date_bounds(compiled),
                )  # fmt: skip
            dated = self._dated_source(compiled)
            exclusion = self._left_out(compiled)
            if exclusion is not None and dated == by_date:  # a word left out, read by stretches
                excluded, filters, filter_params = exclusion
                return ExcludingWindow(
                    db, dated, compiled.where, compiled.params, table="posts_fts", excluded=excluded,
                    filters=filters, filter_params=filter_params, descending=order == "newest", size=size,
                )  # fmt: skip
            where, params = compiled.where, compiled.params
            if dated != by_date:  # kept to a few feeds: their matches read from the index by key
                narrow = feed_matches.narrowed(self.db, compiled, feed_matches.kept_posts(self.db, compiled))
                where, params = narrow or (where, params)
            return IdWindow(
                db, dated, where, params,
                descending=order == "newest", size=size, counted_by=self._counted_by(compiled),
            )  # fmt: skip
        table, match = ranking
        title = title_match(compiled, match)
        # The ranking's choice, then the title tier's, each from a count capped past RANK_LIMIT:
        # the list's length is counted when it is asked for (after the first screen). Kept to a
        # few feeds, a word being typed (``"archive"*``) costs a whole evaluation however capped
        # (FTS5 merges every word it begins first: ~22 ms at a million posts), so its title
        # matches are counted first: more than RANK_LIMIT of them are more matches too (the
        # title matches are matches, unless the words exclude some), and the matches are not
        # counted at all. bm25 ranks a search whose words have few postings (_rankable); else
        # the order is the coarse one, as for a search of many matches.
        stream = self._stream(compiled, table)
        sizes = _Sizes(self, table)
        title_size: int | None = None
        if '"*' in match and " NOT " not in match and stream is None:
            title_size = sizes(title)
        # The words' postings first (a capped count a word, shared): a search that bm25 cannot
        # rank in a key press needs neither its matches nor its title matches counted. A search
        # read from the index by key (stream) counts no title tier first either: its first
        # pages are read without any count, the list's length is counted when asked for.
        few_titles = title_size is None or title_size <= RANK_LIMIT
        rankable = self._rankable(stream is not None, match, sizes)
        if few_titles and rankable and sizes(match) <= RANK_LIMIT:
            sql, params = self._ranked_sql(match, compiled, table)  # ranked whole, as post_ids
            return [r[0] for r in self.db.execute(sql, params)]
        title_ranked = few_titles and rankable and sizes(title) <= RANK_LIMIT
        if stream is not None:
            return self._streamed_tiers(db, compiled, stream, title, title_ranked)
        # Kept to feeds of few posts (the only search not streamed, as _streamed says): each
        # tier read from the feeds' own index, newest first, tested against the matches among
        # the feeds' posts, read from the index by key (feed_matches), where it can.
        dated = self._dated_source(compiled)
        where, where_params = compiled.where, compiled.params
        hits, hit_param = f"posts.id IN {match_set(table)}", title
        few = table == "posts_fts" and dated != by_date
        kept = feed_matches.kept_posts(self.db, compiled) if few else None
        narrow = feed_matches.narrowed(self.db, compiled, kept)
        if narrow is not None and kept is not None:  # the title tier's ranges too
            where, where_params = narrow
            titled = feed_matches.matches_among(self.db, table, title, kept, always=True)
            hits, hit_param = feed_matches.ID_SET, json.dumps(titled)
        first: Sequence[int]
        rest_count = None
        if title_ranked:
            sql, params = self._ranked_sql(title, compiled, table)
            first = [r[0] for r in self.db.execute(sql, params)]
            # The title matches are matches: the rest is the others, counted when asked for.
            sql, params, _ = self._counted_by(compiled) or self._plain_count(compiled)
            rest_count = (sql, params, len(first))
            # Left out by the ranked tier's ids (a set from its JSON in ~1 ms, where searching
            # the index again for them took ~10 ms at 200,000 posts).
            left_out, left_params = f"NOT {feed_matches.ID_SET}", json.dumps(first)
        else:
            first = IdWindow(db, dated, f"({where}) AND {hits}", (*where_params, hit_param))
            left_out, left_params = f"NOT {hits}", hit_param
        rest = IdWindow(
            db, dated, f"({where}) AND {left_out}", (*where_params, left_params), counted_by=rest_count,
        )  # fmt: skip
        return Chain([first, rest])

    @staticmethod
    def _left_out(compiled: Compiled) -> tuple[str, str, tuple[object, ...]] | None:
        """A query that leaves one word (phrase, group) out and requires none, as its
        expression and the rest of the query (``-format tag:cooking``: ``"format"`` and the
        tag's clause), for :class:`~blogtui.storage.window.ExcludingWindow`; else None."""
        if compiled.match or compiled.cjk:
            return None
        forms = (NOT_MATCH_CLAUSE, f"NOT ({MATCH_CLAUSE})")  # -word, -(two words)
        left_out = [params for sql, params in compiled.parts if sql in forms]
        if len(left_out) != 1:
            return None
        rest = [(sql, params) for sql, params in compiled.parts if sql not in forms]
        filters = " AND ".join(sql for sql, _ in rest) or "1"
        return str(left_out[0][0]), filters, tuple(p for _, params in rest for p in params)

    def _streamed(self, compiled: Compiled) -> tuple[str, str, str, tuple[object, ...]] | None:
        """How a window of ``compiled`` newest first reads the search index itself in key order
        (:class:`~blogtui.storage.window.MatchWindow`): the index, its expression, and the rest
        of the query (a filter of each match); None when the query has no search to read so, or
        is kept to feeds of few posts (a feed's 2,000 posts are 1 in 500 matches at a million:
        read from its own index, as :meth:`_dated_source` says)."""
        rest = None
        for table, clause in (("posts_fts", MATCH_CLAUSE), ("posts_cjk", CJK_CLAUSE)):
            if compiled.where == clause:
                rest = table, "1"
            elif compiled.where.startswith(clause + " AND "):
                rest = table, compiled.where[len(clause) + len(" AND ") :]
            if rest is not None:
                break
        if rest is None or self._dated_source(compiled) != "posts INDEXED BY posts_by_date_state":
            return None
        return rest[0], str(compiled.params[0]), rest[1], compiled.params[1:]

    def _stream(self, compiled: Compiled, table: str) -> tuple[str, str, str, tuple[object, ...]] | None:
        """:meth:`_streamed` for a search ranked by ``table``: None when the index read by key is
        the other one (its clause is then a filter of the list)."""
        stream = self._streamed(compiled)
        return stream if stream is not None and stream[0] == table else None

    def _streamed_tiers(
        self,
        db: Callable[[], sqlite3.Connection],
        compiled: Compiled,
        stream: tuple[str, str, str, tuple[object, ...]],
        title: str,
        ranked: bool,
    ) -> Chain:
        """The coarse ranked order read from the index by key: the title matches (by bm25 when
        ``ranked``, else newest first), then the others newest first, each tested against the
        rest of the query as it is read (:meth:`_streamed`)."""
        table, match, filters, filter_params = stream
        words_alone = filters == "1"
        dates = date_bounds(compiled)
        first: Sequence[int]
        if ranked:
            sql, params = self._ranked_sql(title, compiled, table)
            first = [r[0] for r in self.db.execute(sql, params)]
        else:
            counted = (self._fts_count(table), (title,), 0) if words_alone else None
            first = MatchWindow(db, table, title, filters, filter_params, counted_by=counted, dates=dates)
        others = f"({match}) NOT ({title})"
        counted = (self._fts_count(table), (others,), 0) if words_alone else None
        rest = MatchWindow(db, table, others, filters, filter_params, counted_by=counted, dates=dates)
        return Chain([first, rest])

    def _dated_source(self, compiled: Compiled) -> str:
        """Where a window newest (or oldest) first reads its pages and counts a position: the date
        index, or for a query kept to feeds of few posts their part of ``posts_by_feed``
        (``feed_id, published DESC``): a feed's 2,000 posts are 1 in 500 entries of the date index
        at a million posts, so a page read ~130,000 entries of it and a position up to all of
        them (a sort in a feed, the cursor kept: 432 ms, against 16 from the feed's own)."""
        few = counts.feed_posts(self.db, compiled)
        if few is not None and few <= FEED_POSTS_MAX:
            return "posts INDEXED BY posts_by_feed"
        return "posts INDEXED BY posts_by_date_state"

    def _tag_lookup(self, compiled: Compiled) -> bool:
        """Whether a query's tags are best listed by looking up their posts: when the smallest
        has fewer posts than the date index would be read for a page. With tags of ``s1, s2...``
        posts of ``n``, about ``n * (s1/n) * (s2/n)...`` posts match (tags taken as independent),
        so a page of the date index is found ``PAGE * n / matches`` entries down (the whole
        index, for two tags of 12,000 posts each: 230 ms at 200,000 posts, against 40 for their
        posts looked up and sorted), a lookup costing :data:`LOOKUP_COST` entries. One tag is read
        from the date index unless it is rare (a page is found ``PAGE * n / s`` entries down, and
        its count is kept)."""
        sizes = counts.tag_sizes(self.db, compiled)
        if not sizes or min(sizes) > TAG_LOOKUP_MAX:
            return False
        total = max(1, counts.total(self.db))
        matches = float(total)
        for size in sizes:
            matches *= size / total
        return LOOKUP_COST * min(sizes) < windows.PAGE * total / max(matches, 1.0)

    @staticmethod
    def _fts_count(table: str) -> str:
        """SQL counting an index's matches of one expression (a parameter)."""
        return f"SELECT count(*) FROM {table} WHERE {table} MATCH ?"

    @staticmethod
    def _plain_count(compiled: Compiled) -> tuple[str, tuple[object, ...], int]:
        sql = f"SELECT count(*) FROM {count_source(compiled.where)} WHERE {compiled.where}"
        return sql, compiled.params, 0

    def _counted_by(self, compiled: Compiled) -> tuple[str, tuple[object, ...], int] | None:
        """How a window of ``compiled`` is best counted when it is not by its own WHERE clause: a
        query of words alone by its index (as :meth:`count` does)."""
        if compiled.where in (MATCH_CLAUSE, CJK_CLAUSE):
            table = "posts_fts" if compiled.where == MATCH_CLAUSE else "posts_cjk"
            return self._fts_count(table), (compiled.params[0],), 0
        return None

    def _tiered_ids(
        self, compiled: Compiled, limit: int | None, table: str, match: str, sizes: _Sizes, streamed: bool
    ) -> list[int]:
        """The ranked order for a search matching many posts, or whose words have too many
        postings for bm25 (see :meth:`post_ids`)."""
        newest = self.post_ids(compiled)
        title = title_match(compiled, match)
        if self._rankable(streamed, match, sizes) and sizes(title) <= RANK_LIMIT:
            sql, params = self._ranked_sql(title, compiled, table)
            first = [r[0] for r in self.db.execute(sql, params)]
        else:
            hits = {
                r[0]
                for r in self.db.execute(f"SELECT {ROW_POST} FROM {table} WHERE {table} MATCH ?", (title,))
            }
            first = [i for i in newest if i in hits]
        seen = set(first)
        ids = first + [i for i in newest if i not in seen]
        return ids if limit is None else ids[:limit]

    def count(self, compiled: Compiled) -> int:
        """How many posts match.

        From the count tables when they know (:func:`~blogtui.storage.counts.kept_count`: no
        query, a state, a feed, one tag); words alone by their index; else where
        :func:`~blogtui.storage.window.count_source` says: a set to test each post against (tags,
        words) in the slim ``posts_by_id``, other filters by the planner's index."""
        kept = counts.kept_count(self.db, compiled)
        if kept is not None:
            return kept
        # Words alone: the index counts its matches; else the plain count.
        sql, params, _ = self._counted_by(compiled) or self._plain_count(compiled)
        return int(self.db.execute(sql, params).fetchone()[0])

    def tags(
        self, compiled: Compiled | None = None, *, user: bool | None = None, size_hint: int | None = None
    ) -> list[Tag]:
        """Tags with post counts (within ``compiled`` when given), by name.

        ``user``: count only the user's own tags (True) or only the feeds' (False).
        A query matching most posts is counted as all posts minus those it leaves out: each
        post counted costs a lookup of its tags, and 40,000 of them cost more than a key press may.
        ``size_hint``: about how many posts the query matches (e.g. the length of the list just
        shown for it), which saves counting them to choose; any value gives the right counts.
        """
        mine = "" if user is None else f" AND pt.user = {int(user)}"
        everything = (
            "SELECT t.name, count(pt.post_id) FROM tags t JOIN post_tags pt ON pt.tag_id = t.id"
            f" WHERE 1{mine} GROUP BY t.id ORDER BY t.name COLLATE NOCASE"
        )
        if user is None:  # every tag's posts (and unread posts) are kept in tag_counts
            everything = (
                "SELECT t.name, c.{column} FROM tags t JOIN tag_counts c ON c.tag_id = t.id"
                " WHERE c.{column} > 0 ORDER BY t.name COLLATE NOCASE"
            )
            unread = compiled is not None and compiled.where == IS_SQL["unread"] and not compiled.params
            if compiled is None or compiled.where == "1" or unread:
                sql = everything.format(column="unread" if unread else "posts")
                return [Tag(r[0], r[1]) for r in self.db.execute(sql)]
            everything = everything.format(column="posts")
        if compiled is None or compiled.where == "1":
            return [Tag(r[0], r[1]) for r in self.db.execute(everything)]
        within = (
            "SELECT t.name, c.n FROM (SELECT pt.tag_id, count(*) AS n FROM {source}"
            " JOIN post_tags pt ON pt.post_id = posts.id WHERE ({where}){mine} GROUP BY pt.tag_id) c"
            " JOIN tags t ON t.id = c.tag_id ORDER BY t.name COLLATE NOCASE"
        )
        half = counts.total(self.db) // 2
        # The search index counts its matches in ~1 ms; at most that many posts match the query.
        if size_hint is not None:
            few = size_hint <= half
        else:
            few = (self._search_size(compiled, half + 1) or half + 1) <= half
        # The posts are read from a covering index (never the wide rows), then each one's tags.
        by_date = "posts INDEXED BY posts_by_date_state"
        # A query of words alone matches what the index matched: no need to count again.
        counted = size_hint is not None or compiled.where in (MATCH_CLAUSE, CJK_CLAUSE)
        if few or (not counted and self.count(compiled) <= half):
            source = self._posts_source(compiled) if self._searches(compiled) else by_date
            sql = within.format(source=source, where=compiled.where, mine=mine)
            return [Tag(r[0], r[1]) for r in self.db.execute(sql, compiled.params)]
        sql = within.format(source=by_date, where=f"NOT ({compiled.where})", mine=mine)
        left_out = dict(self.db.execute(sql, compiled.params).fetchall())
        remaining = ((name, count - left_out.get(name, 0)) for name, count in self.db.execute(everything))
        return [Tag(name, count) for name, count in remaining if count > 0]
