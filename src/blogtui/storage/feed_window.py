"""The list sorted by feed as a window: each feed's posts, newest first, read a page at a time.

The feed order (feed title in any case, then newest first) needs the feeds' titles, which live in
another table, so no index of ``posts`` gives it and listing it sorted every post (1.6 s and 70 MB
of ids at a million). :class:`FeedWindow` walks the feeds in title order instead and reads each
feed's posts from ``posts_by_feed`` (``feed_id, published DESC``): a feed's posts are counted only
when a page or a position needs them, from the start or, for pages nearer it, from the end. Same
sequence interface as :class:`~blogtui.storage.window.IdWindow`, whose paging it shares
(:class:`~blogtui.storage.window.PagedWindow`).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence

from .window import PAGE, PagedWindow

#: Feeds that may be counted one by one before counting every feed at once is considered.
MANY = 8
#: Seconds a feed's count may take before counting every feed at once is cheaper.
SLOW_COUNT = 0.0005
#: The feeds in the list's order (``search.ORDERS["feed"]``: lower-case title, then id).
FEEDS = "SELECT id FROM feeds ORDER BY lower(title), id"


class FeedWindow(PagedWindow):
    """The ids of ``SELECT posts.id FROM posts WHERE where``, by feed (then newest first)."""

    def __init__(
        self,
        store_of: Callable[[], sqlite3.Connection],
        where: str,
        params: Sequence[object],
        *,
        size: int | None = None,
    ) -> None:
        super().__init__(store_of, where, params, size=size)
        self._feeds: list[int] | None = None
        self._counts: dict[int, int] = {}  # by index in _feeds
        self._spent = 0.0  # seconds spent counting feeds one at a time

    def _feed_order(self) -> list[int]:
        if self._feeds is None:
            self._feeds = [int(r[0]) for r in self._db().execute(FEEDS)]
        return self._feeds

    def _count(self, index: int) -> int:
        count = self._counts.get(index)
        if count is None:
            sql = f"SELECT count(*) FROM posts WHERE posts.feed_id = ? AND ({self._where})"
            feed = self._feed_order()[index]
            began = time.perf_counter()
            count = self._counts[index] = int(self._db().execute(sql, (feed, *self._params)).fetchone()[0])
            self._spent += time.perf_counter() - began
        return count

    def _slow(self) -> bool:
        """Whether counting a feed at a time costs more than counting them all at once would
        (a tag's filter at a million posts: ~10 ms a feed; is:unread: 0.1 ms, from an index)."""
        counted = len(self._counts)
        return counted > 0 and self._spent / counted > SLOW_COUNT

    def _count_all(self) -> None:
        """Every feed's posts counted in one pass of the filter (far cheaper than a count a feed
        when many are needed: a tag filter's per-feed count costs ~10 ms at a million posts)."""
        sql = f"SELECT posts.feed_id, count(*) FROM posts WHERE ({self._where}) GROUP BY posts.feed_id"
        counts = {int(feed): int(n) for feed, n in self._db().execute(sql, self._params)}
        self._counts = {i: counts.get(feed, 0) for i, feed in enumerate(self._feed_order())}

    def _counted(self, indexes: range) -> int:
        """The posts of the feeds at ``indexes``, together."""
        if sum(1 for i in indexes if i not in self._counts) > MANY:
            self._count(indexes[0])  # one counted, to know what a count costs
            if self._slow():
                self._count_all()
        return sum(self._count(i) for i in indexes)

    def _start_of(self, index: int) -> int:
        """Where feed ``index``'s posts start in the list: counted from the nearer end."""
        feeds = self._feed_order()
        if index <= len(feeds) // 2:
            return self._counted(range(index))
        return len(self) - self._counted(range(index, len(feeds)))

    def _locate(self, position: int) -> tuple[int, int]:
        """The feed (by index) holding list position ``position``, and where that feed starts."""
        feeds = self._feed_order()
        size = len(self)
        # The feeds counted already (those before a post whose position was asked for: the page
        # around it), and a few more, before every feed is counted for a jump into the list (at
        # 1M posts, 50-70 ms for the first screen of a sort by feed around a post kept).
        start, fresh = 0, 0
        for index in range(len(feeds)):
            if index not in self._counts:
                fresh += 1
                if fresh > MANY or self._slow():
                    break
            count = self._count(index)
            if position < start + count:
                return index, start
            start += count
        if len(self._counts) < len(feeds) and 2 * PAGE < position < size - 2 * PAGE:
            self._counted(range(len(feeds)))  # a jump past the first and last pages
        if position < size - position:
            start = 0
            for index in range(len(feeds)):
                count = self._count(index)
                if position < start + count:
                    return index, start
                start += count
        else:
            end = size
            for index in range(len(feeds) - 1, -1, -1):
                start = end - self._count(index)
                if position >= start:
                    return index, start
                end = start
        return len(feeds), size

    def _fetch(self, number: int) -> list[int]:
        begin, end = number * PAGE, min(len(self), (number + 1) * PAGE)
        page: list[int] = []
        index, start = self._locate(begin) if begin < end else (0, 0)
        feeds = self._feed_order()
        sql = (
            f"SELECT posts.id FROM posts WHERE posts.feed_id = ? AND ({self._where})"
            " ORDER BY posts.published DESC, posts.id DESC LIMIT ? OFFSET ?"
        )
        while begin + len(page) < end and index < len(feeds):
            offset = begin + len(page) - start
            want = end - begin - len(page)
            rows = self._db().execute(sql, (feeds[index], *self._params, want, offset)).fetchall()
            page.extend(r[0] for r in rows)
            start += self._count(index)
            index += 1
        return page

    def position(self, post_id: int) -> int | None:
        """Where a post is in the list, or None when it is not in it (a page read, else its feed
        found, the posts before it in its feed counted, and the feeds before it)."""
        kept = self._kept_position(post_id)
        if kept is not None:
            return kept
        row = self._key(post_id, "posts.feed_id, posts.published")
        if row is None:
            return None
        feed, published = int(row[0]), row[1]
        try:
            index = self._feed_order().index(feed)
        except ValueError:
            return None
        sql = (
            f"SELECT count(*) FROM posts WHERE posts.feed_id = ? AND ({self._where})"
            " AND (posts.published > ? OR (posts.published = ? AND posts.id > ?))"
        )
        before = int(
            self._db().execute(sql, (feed, *self._params, published, published, post_id)).fetchone()[0]
        )
        return self._start_of(index) + before
