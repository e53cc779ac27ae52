"""A list's ids read a page at a time: keyset pagination by ``(published, id)``.

A list of a million posts never holds a million ids: :class:`IdWindow` is a sequence whose
length is one count and whose items are read a page of :data:`PAGE` at a time from the date
index, each page seeking from the last key of the nearest page already read (``(published, id)
< (?, ?)``: an index seek, not an ``OFFSET`` from the top), or from the end for pages near it.
At most :data:`KEPT_PAGES` pages are kept. :class:`Chain` puts windows (or lists) one after the
other: a ranked list's best matches, then the rest newest first. :func:`row_marks` adds to the
rows on screen what the list shows beyond a title: the backlog mark, an untitled post's opening words.

The windows read through ``store_of()``, the store of the calling thread (a window made in a
worker is read by the UI thread). When the cache changes under a window, a position that is no
longer there reads as id 0 (no post has it) until the list is loaded again.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import Any, overload

from ..content.text import OPENING_HTML, opening_words
from ..models import PostRow
from ..query import ID_MASK, KEY_SHIFT, ROW_POST, bucket_key, date_bucket, index_key_sql, row_tests
from .batches import batches, marks

#: Ids read per query.
PAGE = 256
#: Pages kept in memory (the rest are read again when scrolled back to).
KEPT_PAGES = 64


#: How the query language's ``feed:`` names its feeds: a subquery over the few feeds, not a set
#: each post is tested against.
_FEED_SET = "(SELECT id FROM feeds "


def count_source(where: str) -> str:
    """Where to count ``posts WHERE where``: in the slim id index when each post is tested against
    a set (tags, words: 1 million posts, 30 ms for a tag's 62,000, 130 ms from the wide rows),
    else where the planner likes (a state index; a feed's posts by their feed: ``feed:`` at 1M,
    1 ms against 66 ms through the id index)."""
    sets = where.count("(SELECT") - where.count(_FEED_SET)
    return "posts INDEXED BY posts_by_id" if sets > 0 else "posts"


class IdSequence(Sequence[int]):
    """A list's ids read lazily: a post is in it when it has a position, and two lists are equal
    when they hold the same ids in the same order (as a list of them would be).

    What the reader's list asks of any list of ids (``Library.post_window`` gives one of these,
    and ``as_window`` makes one of a plain list): where a post is, the length when known without
    counting, the rows known at least, an excerpt around a post and the pages around one read by
    key (where the window reads so), and ``whole``: for an excerpt, the list it is the first
    screen of."""

    #: The whole list this one is the first screen of (an :class:`Excerpt`); None: it is whole.
    whole: IdSequence | None = None

    def position(self, post_id: int) -> int | None:
        """Where a post is in the list, or None when it is not in it."""
        raise NotImplementedError

    def excerpt(self, post_id: int, before: int, after: int) -> Excerpt | None:
        """Up to ``before`` ids before ``post_id`` and ``after`` after it, in the list's order,
        read from the post's key without its position (which may need a count); None when the
        post is not in the list or the list does not read so."""
        return None

    def read_around(self, post_id: int, position: int, start: int, stop: int) -> None:
        """Read positions ``start`` to ``stop`` (a first screen) by the key of ``post_id``, at
        ``position``, where the list reads pages so (a list held whole has nothing to read)."""

    def known_length(self) -> int | None:
        """The list's length when it is known without counting (None: ``len()`` would count)."""
        return len(self)

    def least_length(self) -> int:
        """How long the list is at least, as far as its first page tells: its length when known,
        else the first page read (a list that fills it may be longer; ``len()`` counts it). The
        reader shows this many rows at once and the rest when the count, made in a worker, lands."""
        return len(self)

    def _uncounted(self, index: int | slice) -> range | None:
        """The positions ``index`` names when they lie in the part of the list known without
        counting it (see :meth:`least_length`), the list not being counted yet; else None."""
        if self.known_length() is not None:
            return None
        if isinstance(index, int):
            return range(index, index + 1) if 0 <= index < self.least_length() else None
        start, stop, step = index.start or 0, index.stop, index.step or 1
        if stop is None or start < 0 or stop < 0 or step < 1 or stop > self.least_length():
            return None
        return range(start, stop, step)

    def __contains__(self, post_id: object) -> bool:
        return isinstance(post_id, int) and self.position(post_id) is not None

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


class PagedWindow(IdSequence):
    """The ids of ``SELECT posts.id FROM posts WHERE where`` in some order, read a page of
    :data:`PAGE` at a time (:meth:`_fetch`, by each kind of window), at most :data:`KEPT_PAGES`
    pages kept; its length is one count (or ``size``, when known)."""

    def __init__(
        self,
        store_of: Callable[[], sqlite3.Connection],
        where: str,
        params: Sequence[object],
        *,
        size: int | None = None,
        counted_by: tuple[str, tuple[object, ...], int] | None = None,
    ) -> None:
        self._db = store_of
        self._where = where
        self._params = tuple(params)
        self._size = size
        #: How to count the list when its length is asked for, when another count than the
        #: window's own is cheaper: ``(sql, params, minus)``, the length being its count less minus.
        self._counted_by = counted_by
        self._pages: OrderedDict[int, list[int]] = OrderedDict()
        self._lock = threading.RLock()

    def __len__(self) -> int:
        if self._size is None:
            sql = f"SELECT count(*) FROM {count_source(self._where)} WHERE {self._where}"
            params, minus = self._params, 0
            if self._counted_by is not None:
                sql, params, minus = self._counted_by
            self._size = int(self._db().execute(sql, params).fetchone()[0]) - minus
        return self._size

    def known_length(self) -> int | None:
        return self._size

    def _fetch(self, number: int) -> list[int]:
        """Page ``number``'s ids, in list order, read from the cache."""
        raise NotImplementedError

    def _read(self, number: int) -> list[int]:
        """Page ``number``'s ids: kept, or fetched and kept."""
        with self._lock:
            page = self._pages.get(number)
            if page is not None:
                self._pages.move_to_end(number)
                return page
            page = self._fetch(number)
            if page:  # an empty page (the cache changed) is read again next time
                self._keep(number, page)
            return page

    def _keep(self, number: int, page: list[int]) -> None:
        self._pages[number] = page
        self._pages.move_to_end(number)
        while len(self._pages) > KEPT_PAGES:
            self._forget(self._pages.popitem(last=False)[0])

    def read_around(self, post_id: int, position: int, start: int, stop: int) -> None:
        """Read the pages holding positions ``start`` to ``stop`` (a first screen) of a list in
        which ``post_id`` is at ``position``, by the order's key from that post (two index seeks,
        :meth:`_around`) instead of an ``OFFSET`` from an end (at 1M posts by title, 16-23 ms for
        a post halfway). The position is taken as counted (a list whose cache changes under it
        is stale, as a page read by offset would be); near an end of the list it is checked. A
        window whose pages are not read so (:meth:`_around` is None) reads them as before."""
        if self._size is None or not 0 <= position < self._size:
            return
        first, last = max(0, start) // PAGE, max(start, min(stop, self._size) - 1) // PAGE
        numbers = [n for n in range(first, last + 1) if n not in self._pages]
        if not numbers:
            return
        low, high = numbers[0] * PAGE, min(self._size, (numbers[-1] + 1) * PAGE)
        if not low <= position < high:
            return
        # One more asked for at either end of the list: what lies past it tells a position that
        # no longer holds the post (the cache changed since it was counted).
        first_page, last_page = low == 0, high == self._size
        found = self._around(post_id, position - low + first_page, high - position - 1 + last_page)
        if found is None:
            return
        before, after = found
        if len(before) != position - low or len(after) != high - position - 1:
            return  # the pages are read by offset when asked for
        ids = [*before, post_id, *after]
        with self._lock:
            for number in numbers:
                if number not in self._pages:
                    self._keep(number, ids[number * PAGE - low : (number + 1) * PAGE - low])

    def excerpt(self, post_id: int, before: int, after: int) -> Excerpt | None:
        found = self._around(post_id, before, after)
        return None if found is None else Excerpt([*found[0], post_id, *found[1]], self, post_id)

    def _around(self, post_id: int, before: int, after: int) -> tuple[list[int], list[int]] | None:
        """The ``before`` ids before ``post_id`` in the list (in list order) and the ``after``
        ids after it, read by its key; None when the window does not read so."""
        return None

    def _forget(self, number: int) -> None:
        """Page ``number`` is no longer kept (a window keeping more of a page drops it here)."""

    def _at(self, index: int) -> int:
        page = self._read(index // PAGE)
        offset = index % PAGE
        return page[offset] if offset < len(page) else 0

    @overload
    def __getitem__(self, index: int) -> int: ...

    @overload
    def __getitem__(self, index: slice) -> list[int]: ...

    def __getitem__(self, index: int | slice) -> int | list[int]:
        near = self._uncounted(index)  # the first page, before the list is counted
        if near is not None:
            found = [self._at(i) for i in near]
            return found if isinstance(index, slice) else found[0]
        size = len(self)
        if isinstance(index, slice):
            return [self._at(i) for i in range(*index.indices(size))]
        if index < 0:
            index += size
        if not 0 <= index < size:
            raise IndexError("post window index out of range")
        return self._at(index)

    def __iter__(self) -> Iterator[int]:
        for number in range((len(self) + PAGE - 1) // PAGE):
            yield from self._read(number)

    def _kept_position(self, post_id: int) -> int | None:
        """Where a post is in a page kept, if it is in one."""
        with self._lock:
            for number, page in self._pages.items():
                if post_id in page:
                    return number * PAGE + page.index(post_id)
        return None

    def _key(self, post_id: int, columns: str) -> tuple[Any, ...] | None:
        """A post's ``columns`` (its sort key), or None when it is not in the list."""
        sql = f"SELECT {columns} FROM posts WHERE posts.id = ? AND ({self._where})"
        row = self._db().execute(sql, (post_id, *self._params)).fetchone()
        return None if row is None else tuple(row)


class IdWindow(PagedWindow):
    """The ids of ``SELECT posts.id FROM source WHERE where``, newest first (or oldest first)."""

    def __init__(
        self,
        store_of: Callable[[], sqlite3.Connection],
        source: str,
        where: str,
        params: Sequence[object],
        *,
        descending: bool = True,
        size: int | None = None,
        counted_by: tuple[str, tuple[object, ...], int] | None = None,
    ) -> None:
        super().__init__(store_of, where, params, size=size, counted_by=counted_by)
        self._source = source
        self._descending = descending
        #: The last ``(id, published)`` of each page kept: the next page seeks from it.
        self._last: dict[int, tuple[int, int]] = {}

    def _order(self, descending: bool) -> str:
        way = "DESC" if descending else "ASC"
        return f"posts.published {way}, posts.id {way}"

    def _seek(self, op: str, post_id: int, published: int) -> tuple[str, tuple[object, ...]]:
        """The condition (and its parameters) of the posts past one in the order (``op`` ``<``:
        after it newest first, ``>``: before it)."""
        return f"(posts.published, posts.id) {op} (?, ?)", (published, post_id)

    def _forget(self, number: int) -> None:
        self._last.pop(number, None)

    def least_length(self) -> int:
        """The length when known, else the first page's ids, read without counting the list (a
        page short of :data:`PAGE` is the whole list)."""
        if self._size is None:
            self._read(0)
        return self._size if self._size is not None else len(self._pages.get(0, ()))

    def _fetch(self, number: int) -> list[int]:
        if self._size is None and number == 0:  # the first page needs no length: read it forward
            select = f"SELECT posts.id, posts.published FROM {self._source} WHERE ({self._where})"
            sql = f"{select} ORDER BY {self._order(self._descending)} LIMIT ?"
            rows = self._db().execute(sql, (*self._params, PAGE)).fetchall()
            if len(rows) < PAGE:
                self._size = len(rows)
            if rows:
                self._last[0] = (rows[-1][0], rows[-1][1])
            return [r[0] for r in rows]
        size = len(self)
        start, end = number * PAGE, min(size, (number + 1) * PAGE)
        # Seek from the nearest page below whose last key is known (a page read around a post
        # from its key, read_around, has none).
        below = max((n for n in self._pages if n < number and n in self._last), default=None)
        skip = start if below is None else (number - below - 1) * PAGE
        select = f"SELECT posts.id, posts.published FROM {self._source} WHERE ({self._where})"
        if size - end < skip:  # nearer the end: read the list backwards from it
            sql = f"{select} ORDER BY {self._order(not self._descending)} LIMIT ? OFFSET ?"
            rows = self._db().execute(sql, (*self._params, end - start, size - end)).fetchall()
            rows.reverse()
        elif below is None:
            sql = f"{select} ORDER BY {self._order(self._descending)} LIMIT ? OFFSET ?"
            rows = self._db().execute(sql, (*self._params, end - start, skip)).fetchall()
        else:
            last_id, last_published = self._last[below]
            seek, seek_params = self._seek("<" if self._descending else ">", last_id, last_published)
            sql = f"{select} AND {seek} ORDER BY {self._order(self._descending)} LIMIT ? OFFSET ?"
            params = (*self._params, *seek_params, end - start, skip)
            rows = self._db().execute(sql, params).fetchall()
        if rows:
            self._last[number] = (rows[-1][0], rows[-1][1])
        return [r[0] for r in rows]

    def _around(self, post_id: int, before: int, after: int) -> tuple[list[int], list[int]] | None:
        """The posts either side of one by date, each side a seek from its ``(published, id)``."""
        row = self._key(post_id, "posts.published")
        if row is None:
            return None
        select = f"SELECT posts.id FROM {self._source} WHERE ({self._where})"
        db = self._db()

        def side(op: str, descending: bool, limit: int) -> list[int]:
            if limit <= 0:
                return []
            seek, params = self._seek(op, post_id, row[0])
            sql = f"{select} AND {seek} ORDER BY {self._order(descending)} LIMIT ?"
            return [r[0] for r in db.execute(sql, (*self._params, *params, limit))]

        later = side("<" if self._descending else ">", self._descending, after)
        earlier = side(">" if self._descending else "<", not self._descending, before)
        earlier.reverse()
        return earlier, later

    def position(self, post_id: int) -> int | None:
        """Where a post is in the list, or None when it is not in it (a page read, else two queries)."""
        kept = self._kept_position(post_id)
        if kept is not None:
            return kept
        row = self._key(post_id, "posts.published")
        if row is None:
            return None
        seek, params = self._seek(">" if self._descending else "<", post_id, row[0])
        sql = f"SELECT count(*) FROM {self._source} WHERE ({self._where}) AND {seek}"
        return int(self._db().execute(sql, (*self._params, *params)).fetchone()[0])


class KeyedWindow(IdWindow):
    """An :class:`IdWindow` whose pages in order are read past the last post of the page before
    by :meth:`_ranged` (a page far from any read, a jump to the end, is read as IdWindow reads
    it: by offset in the whole list)."""

    def _ranged(self, cursor: tuple[int, int] | None, descending: bool, limit: int) -> list[tuple[int, int]]:
        """Up to ``limit`` ``(id, published)`` in the order past ``cursor`` (``(published, id)``;
        None: from the start)."""
        raise NotImplementedError

    def _fetch(self, number: int) -> list[int]:
        # The first page, or the one after a page read: by _ranged; else by offset.
        if number == 0:
            cursor = None
        elif number - 1 in self._pages and number - 1 in self._last:
            last_id, last_published = self._last[number - 1]
            cursor = (last_published, last_id)
        else:
            return super()._fetch(number)
        limit = PAGE if self._size is None else min(PAGE, self._size - number * PAGE)
        rows = self._ranged(cursor, self._descending, limit)
        if number == 0 and self._size is None and len(rows) < PAGE:
            self._size = len(rows)
        if rows:
            self._last[number] = rows[-1]
        return [r[0] for r in rows]

    def _around(self, post_id: int, before: int, after: int) -> tuple[list[int], list[int]] | None:
        row = self._key(post_id, "posts.published")
        if row is None:
            return None
        cursor = (int(row[0]), post_id)
        later = [r[0] for r in self._ranged(cursor, self._descending, after)]
        earlier = [r[0] for r in self._ranged(cursor, not self._descending, before)]
        earlier.reverse()
        return earlier, later


class MatchWindow(KeyedWindow):
    """The posts a search index matches (``table MATCH match``) and that pass ``filters``, newest
    (or oldest) first, read from the index in the order of its keys: the index's rows are keyed
    by their date's bucket (:func:`~blogtui.query.index_key`), so FTS5 hands the newest matches
    over first, and a page is one statement: the matches by key that pass the filters (each
    tested by its row in ``posts_by_id``, no sort), stepped until they hold ``PAGE`` and the
    last bucket they reached is read to its end, then sorted here by date. No set of all the
    matches is built (``"old"`` at a million posts: 693,134 matches, 200 ms for the set). Best
    when the filters pass many of the matches; a filter that passes few (one feed's posts) reads
    far down the index for a page. A page far from any read (a jump to the end) is read as
    :class:`IdWindow` reads it: all the matches sorted.

    ``where``/``params``: the whole query's clause, which counts the list when ``counted_by``
    does not say how. ``dates``: ``(first, end)``, the dates every match lies within (on or
    after ``first``, before ``end``; None: unbounded), which bound the keys read."""

    def __init__(
        self,
        store_of: Callable[[], sqlite3.Connection],
        table: str,
        match: str,
        filters: str,
        filter_params: Sequence[object],
        *,
        descending: bool = True,
        size: int | None = None,
        counted_by: tuple[str, tuple[object, ...], int] | None = None,
        dates: tuple[int | None, int | None] = (None, None),
    ) -> None:
        source = f"{table} JOIN posts INDEXED BY posts_by_id ON posts.id = ({table}.rowid & {ID_MASK})"
        super().__init__(
            store_of, source, f"{table} MATCH ? AND ({filters})", (match, *filter_params),
            descending=descending, size=size, counted_by=counted_by,
        )  # fmt: skip
        self._table = table
        self._match = match
        # Each post read is tested alone: a tag's set of posts would be built by each statement.
        self._filters = row_tests(filters)
        self._filter_params = tuple(filter_params)
        first, end = dates
        #: The keys every match lies within, ``[low, high)`` (None: unbounded on that side).
        self._keys = (
            None if first is None else bucket_key(date_bucket(first)),
            None if end is None else bucket_key(date_bucket(end - 1) + 1),
        )
        self._empty = first is not None and end is not None and first >= end

    def __len__(self) -> int:
        if self._size is None and self._counted_by is None:
            sql = f"SELECT count(*) FROM {self._source} WHERE {self._where}"
            self._size = int(self._db().execute(sql, self._params).fetchone()[0])
        return super().__len__()

    def _seek(self, op: str, post_id: int, published: int) -> tuple[str, tuple[object, ...]]:
        # The date's bucket bounds the index's keys too, so FTS5 skips the rows on the other side.
        seek, params = super()._seek(op, post_id, published)
        bucket = date_bucket(published)
        if op == "<":
            return f"{seek} AND {self._table}.rowid < ?", (*params, bucket_key(bucket + 1))
        return f"{seek} AND {self._table}.rowid >= ?", (*params, bucket_key(bucket))

    def _ranged(self, cursor: tuple[int, int] | None, descending: bool, limit: int) -> list[tuple[int, int]]:
        """Up to ``limit`` ``(id, published)`` in the order past ``cursor`` (``(published,
        id)``; None: from the start): the matches by key, bucket after bucket, until ``limit``
        of them and the rest of the last bucket are read, then sorted by date."""
        if limit <= 0 or self._empty:
            return []
        table = self._table
        clauses, params = [f"{table} MATCH ?", f"({self._filters})"], [self._match, *self._filter_params]
        bounds, bound_params = _key_bounds(f"{table}.rowid", *self._keys)
        clauses += bounds
        params += bound_params
        if cursor is not None:
            seek, seek_params = self._seek("<" if descending else ">", cursor[1], cursor[0])
            clauses.append(seek)
            params += seek_params
        where = " AND ".join(clauses)
        way = "DESC" if descending else "ASC"
        sql = f"SELECT posts.id, posts.published, {table}.rowid FROM {self._source} WHERE {where}"
        # Stepped here, a row at a time: FTS5 hands the matches over by key, and no more are
        # read than the buckets that hold ``limit`` of them, the last one to its end (a bucket's
        # rows go by id, not by date). One statement: a second one for the last bucket in date
        # order would search the index again (a word being typed merges every word it begins
        # each time: ren* at a million posts, 25 ms).
        rows = self._db().execute(f"{sql} ORDER BY {table}.rowid {way}", params)
        found: list[tuple[int, int]] = []
        edge = None
        try:
            for post_id, published, key in rows:
                bucket = key >> KEY_SHIFT
                if len(found) >= limit and bucket != edge:
                    break
                found.append((post_id, published))
                edge = bucket
        finally:
            rows.close()
        found.sort(key=lambda r: (r[1], r[0]), reverse=descending)
        return found[:limit]

    def _key(self, post_id: int, columns: str) -> tuple[Any, ...] | None:
        return _indexed_key(self, post_id, columns, self._match, held=True)


class ExcludingWindow(KeyedWindow):
    """The posts of ``filters`` that ``table MATCH excluded`` does not find (a word left out
    alone: ``-format tag:cooking``), newest (or oldest) first from the date index. The clause
    ``posts.id NOT IN (its matches)`` builds the set of every post holding the word (550,000
    at a million posts: 170 ms a statement); here a page is read from a stretch of dates past
    the last post read, and the word's matches are read from the index's keys of that stretch
    alone (its date buckets: ``query.index_key``), the stretch four times as long each time it
    holds too few. ``where``/``params``: the whole query, for counts and for pages read by offset."""

    #: Pages of posts of the date index in the first stretch read (whatever the filters pass),
    #: and in the longest: past it, the page is read by the whole query (``-and tag:rust``,
    #: ``and`` in every post, would read every stretch to the end of the index).
    FIRST_SPAN = 4
    LAST_SPAN = 64

    def __init__(
        self,
        store_of: Callable[[], sqlite3.Connection],
        source: str,
        where: str,
        params: Sequence[object],
        *,
        table: str,
        excluded: str,
        filters: str,
        filter_params: Sequence[object],
        descending: bool = True,
        size: int | None = None,
        counted_by: tuple[str, tuple[object, ...], int] | None = None,
    ) -> None:
        super().__init__(
            store_of, source, where, params, descending=descending, size=size, counted_by=counted_by
        )
        self._table = table
        self._excluded = excluded
        self._filters = row_tests(filters)  # each post tested alone, as MatchWindow's
        self._filter_params = tuple(filter_params)

    def _ranged(self, cursor: tuple[int, int] | None, descending: bool, limit: int) -> list[tuple[int, int]]:
        if limit <= 0:
            return []
        db = self._db()
        order = self._order(descending)
        seek: str = "1"
        seek_params: tuple[object, ...] = ()
        if cursor is not None:
            seek, seek_params = self._seek("<" if descending else ">", cursor[1], cursor[0])
        table = self._table
        span = self.FIRST_SPAN * PAGE
        while span <= self.LAST_SPAN * PAGE:
            # The stretch: from the cursor to the date ``span`` posts past it (to the end when
            # there are fewer), its ends' buckets bounding the keys of the matches read.
            edge = db.execute(
                f"SELECT posts.published FROM {self._source} WHERE {seek} ORDER BY {order} LIMIT 1 OFFSET ?",
                (*seek_params, span),
            ).fetchone()
            far = None if edge is None else int(edge[0])  # the stretch's other end (both in)
            near = None if cursor is None else cursor[0]
            first, last = (far, near) if descending else (near, far)
            keys, key_params = _key_bounds(
                "rowid",
                None if first is None else bucket_key(date_bucket(first)),
                None if last is None else bucket_key(date_bucket(last) + 1),
            )
            matches = " AND ".join([f"{table} MATCH ?", *keys])
            stretch: str = "1"
            stretch_params: tuple[object, ...] = ()
            if far is not None:
                stretch = "posts.published >= ?" if descending else "posts.published <= ?"
                stretch_params = (far,)
            sql = (
                f"SELECT posts.id, posts.published FROM {self._source} WHERE ({self._filters})"
                f" AND posts.id NOT IN (SELECT {ROW_POST} FROM {table} WHERE {matches} ORDER BY 1)"
                f" AND {seek} AND {stretch} ORDER BY {order} LIMIT ?"
            )
            params = (
                *self._filter_params, self._excluded, *key_params, *seek_params, *stretch_params, limit
            )  # fmt: skip
            rows = [(int(r[0]), int(r[1])) for r in db.execute(sql, params)]
            if len(rows) >= limit or edge is None:
                return rows
            span *= 4
        # Few posts pass (a word in almost every post): the whole query, its sets built once.
        where = f"({self._where}) AND {seek}"
        sql = f"SELECT posts.id, posts.published FROM {self._source} WHERE {where} ORDER BY {order} LIMIT ?"
        return [(int(r[0]), int(r[1])) for r in db.execute(sql, (*self._params, *seek_params, limit))]

    def _key(self, post_id: int, columns: str) -> tuple[Any, ...] | None:
        return _indexed_key(self, post_id, columns, self._excluded, held=False)


def _key_bounds(column: str, low: int | None, high: int | None) -> tuple[list[str], list[object]]:
    """Clauses (and their parameters) keeping an index's keys ``column`` to ``[low, high)``
    (None: unbounded on that side)."""
    clauses: list[str] = []
    params: list[object] = []
    for op, bound in ((">=", low), ("<", high)):
        if bound is not None:
            clauses.append(f"{column} {op} ?")
            params.append(bound)
    return clauses, params


def _indexed_key(
    window: MatchWindow | ExcludingWindow, post_id: int, columns: str, expression: str, *, held: bool
) -> tuple[Any, ...] | None:
    """A post's ``columns`` when it passes ``window``'s filters and ``window._table MATCH
    expression`` finds it (``held``) or does not: its index row looked up by its key, not the
    set of every match built. None: the post is not in the window's list."""
    key = index_key_sql("posts.published", "posts.id")
    table = window._table
    sql = (
        f"SELECT {columns} FROM posts WHERE posts.id = ? AND ({window._filters}) AND"
        f" {'' if held else 'NOT '}EXISTS (SELECT 1 FROM {table} WHERE {table} MATCH ? AND rowid = {key})"
    )
    row = window._db().execute(sql, (post_id, *window._filter_params, expression)).fetchone()
    return None if row is None else tuple(row)


class IdList(IdSequence):
    """A list of ids held whole (a short list, or a search's matches listed): positions from a
    map made when first asked for."""

    def __init__(self, ids: Sequence[int]) -> None:
        self._ids = list(ids)
        self._index: dict[int, int] | None = None

    def __len__(self) -> int:
        return len(self._ids)

    @overload
    def __getitem__(self, index: int) -> int: ...

    @overload
    def __getitem__(self, index: slice) -> list[int]: ...

    def __getitem__(self, index: int | slice) -> int | list[int]:
        return self._ids[index]

    def __iter__(self) -> Iterator[int]:
        return iter(self._ids)

    def position(self, post_id: int) -> int | None:
        if self._index is None:
            index: dict[int, int] = {}
            for at, pid in enumerate(self._ids):
                index.setdefault(pid, at)
            self._index = index
        return self._index.get(post_id)


class Excerpt(IdList):
    """Ids around a post in a window's order, read from the post's key (``PagedWindow.excerpt``):
    a new order's first screen, shown before the post's position in the whole list is counted
    (by title at 1M posts, a count over up to a million index entries: 50-100 ms). The whole
    window, placed at that position, follows it (``whole``)."""

    def __init__(self, ids: list[int], whole: PagedWindow, post_id: int) -> None:
        super().__init__(ids)
        self.whole: PagedWindow = whole
        self.post_id = post_id


def as_window(ids: Sequence[int]) -> IdSequence:
    """``ids`` as a list of ids the reader's list can ask what it asks (a window is one)."""
    return ids if isinstance(ids, IdSequence) else IdList(ids)


def known_length(part: Sequence[int]) -> int | None:
    """A list's length when known without counting (a plain list's always is)."""
    return part.known_length() if isinstance(part, IdSequence) else len(part)


class Chain(IdSequence):
    """Sequences of ids one after the other (lists or :class:`IdWindow`)."""

    def __init__(self, parts: Sequence[Sequence[int]]) -> None:
        self._parts = list(parts)

    def known_length(self) -> int | None:
        lengths = [known_length(part) for part in self._parts]
        return None if None in lengths else sum(n for n in lengths if n is not None)

    def least_length(self) -> int:
        """The parts known in full, then the least length of the first part that is not, unless
        those before it hold a page already (a ranked search's best matches fill the first
        screen: the rest's first page is not read for it). A part whose first page, read for
        this, is the whole of it (a few title matches) is counted so, and the next one read too:
        the first screen is full when the list holds a screen."""
        total = 0
        for part in self._parts:
            known = known_length(part)
            if known is None:
                assert isinstance(part, IdSequence)  # only a window leaves its length uncounted
                if total >= PAGE:
                    return total
                least = part.least_length()
                known = part.known_length()  # a first page short of PAGE is the whole part
                if known is None:
                    return total + least
            total += known
        return total

    def __len__(self) -> int:
        return sum(len(part) for part in self._parts)

    @overload
    def __getitem__(self, index: int) -> int: ...

    @overload
    def __getitem__(self, index: slice) -> list[int]: ...

    def __getitem__(self, index: int | slice) -> int | list[int]:
        near = self._uncounted(index)
        if isinstance(index, slice):
            return [self[i] for i in (near if near is not None else range(*index.indices(len(self))))]
        if index < 0:
            index += len(self)
        if index < 0:
            raise IndexError("post window index out of range")
        for part in self._parts:
            known = known_length(part)
            if known is None:  # not counted: the index lies in what it holds at least, or beyond
                assert isinstance(part, IdSequence)
                if index < part.least_length():
                    return part[index]
                known = len(part)
            if index < known:
                return part[index]
            index -= known
        raise IndexError("post window index out of range")

    def __iter__(self) -> Iterator[int]:
        for part in self._parts:
            yield from part

    def position(self, post_id: int) -> int | None:
        """Where a post is in the list, or None when it is not in it."""
        offset = 0
        for part in self._parts:
            found = part.position(post_id) if isinstance(part, IdSequence) else _index(part, post_id)
            if found is not None:
                return offset + found
            offset += len(part)
        return None


def _index(ids: Sequence[int], post_id: int) -> int | None:
    try:
        return ids.index(post_id)
    except ValueError:
        return None


def row_marks(db: sqlite3.Connection, rows: Sequence[PostRow]) -> list[PostRow]:
    """``rows`` with their ``backlog`` mark and, for an untitled post, its ``opening`` words.

    For the rows of a page: the marks are one read by id of the slim ``posts_by_id`` index (it
    covers ``backlog``); only the untitled rows' text is read (through the store's
    ``blogtui_text``: it is kept packed), their summary first and the HTML of those whose
    summary has no words, and the words are made from its first ``content.text.OPENING_HTML``
    characters (never stored).
    """
    if not rows:
        return []
    backlog: set[int] = set()
    for chunk in batches([row.id for row in rows]):
        holes = marks(len(chunk))
        sql = f"SELECT id FROM posts INDEXED BY posts_by_id WHERE id IN ({holes}) AND backlog = 1"
        backlog.update(r[0] for r in db.execute(sql, chunk))
    words: dict[int, str] = {}
    wanting = [row.id for row in rows if not row.title]
    for column in ("summary", "content_html"):
        for chunk in batches(wanting):
            holes = marks(len(chunk))
            head = f"substr(blogtui_text({column}), 1, {OPENING_HTML})"
            sql = f"SELECT id, {head} FROM posts WHERE id IN ({holes})"
            for post_id, text in db.execute(sql, chunk):
                found = opening_words(text)
                if found:
                    words[post_id] = found
        wanting = [post_id for post_id in wanting if post_id not in words]
        if not wanting:
            break
    return [
        replace(row, backlog=row.id in backlog, opening=words.get(row.id, ""))
        if row.id in backlog or row.id in words
        else row
        for row in rows
    ]
