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
from typing import overload

from ..content.text import OPENING_HTML, opening_words
from ..models import PostRow

#: Ids read per query.
PAGE = 256
#: Pages kept in memory (the rest are read again when scrolled back to).
KEPT_PAGES = 64


class IdWindow(Sequence[int]):
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
    ) -> None:
        self._db = store_of
        self._source = source
        self._where = where
        self._params = tuple(params)
        self._descending = descending
        self._size = size
        self._pages: OrderedDict[int, list[tuple[int, int]]] = OrderedDict()
        self._lock = threading.RLock()

    def _order(self, descending: bool) -> str:
        way = "DESC" if descending else "ASC"
        return f"posts.published {way}, posts.id {way}"

    def __len__(self) -> int:
        if self._size is None:
            # Counted in the slim id index when each post is tested against a set (tags, words).
            source = "posts INDEXED BY posts_by_id" if "(SELECT" in self._where else "posts"
            sql = f"SELECT count(*) FROM {source} WHERE {self._where}"
            self._size = int(self._db().execute(sql, self._params).fetchone()[0])
        return self._size

    def _read(self, number: int) -> list[tuple[int, int]]:
        """Page ``number``: ``(id, published)`` of its posts, in list order."""
        with self._lock:
            page = self._pages.get(number)
            if page is not None:
                self._pages.move_to_end(number)
                return page
            size = len(self)
            start, end = number * PAGE, min(size, (number + 1) * PAGE)
            below = max((n for n in self._pages if n < number), default=None)
            skip = start if below is None else (number - below - 1) * PAGE
            select = f"SELECT posts.id, posts.published FROM {self._source} WHERE ({self._where})"
            if size - end < skip:  # nearer the end: read the list backwards from it
                sql = f"{select} ORDER BY {self._order(not self._descending)} LIMIT ? OFFSET ?"
                rows = self._db().execute(sql, (*self._params, end - start, size - end)).fetchall()
                page = [(r[0], r[1]) for r in reversed(rows)]
            elif below is None:
                sql = f"{select} ORDER BY {self._order(self._descending)} LIMIT ? OFFSET ?"
                rows = self._db().execute(sql, (*self._params, end - start, skip)).fetchall()
                page = [(r[0], r[1]) for r in rows]
            else:
                last_id, last_published = self._pages[below][-1]
                seek = "<" if self._descending else ">"
                sql = (
                    f"{select} AND (posts.published, posts.id) {seek} (?, ?)"
                    f" ORDER BY {self._order(self._descending)} LIMIT ? OFFSET ?"
                )
                params = (*self._params, last_published, last_id, end - start, skip)
                page = [(r[0], r[1]) for r in self._db().execute(sql, params)]
            if page:  # an empty page (the cache changed) is read again next time
                self._pages[number] = page
                while len(self._pages) > KEPT_PAGES:
                    self._pages.popitem(last=False)
            return page

    def _at(self, index: int) -> int:
        page = self._read(index // PAGE)
        offset = index % PAGE
        return page[offset][0] if offset < len(page) else 0

    @overload
    def __getitem__(self, index: int) -> int: ...

    @overload
    def __getitem__(self, index: slice) -> list[int]: ...

    def __getitem__(self, index: int | slice) -> int | list[int]:
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
            for post_id, _published in self._read(number):
                yield post_id

    def __contains__(self, post_id: object) -> bool:
        return isinstance(post_id, int) and self.position(post_id) is not None

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def position(self, post_id: int) -> int | None:
        """Where a post is in the list, or None when it is not in it (a page read, else two queries)."""
        with self._lock:
            for number, page in self._pages.items():
                for offset, (pid, _published) in enumerate(page):
                    if pid == post_id:
                        return number * PAGE + offset
        db = self._db()
        row = db.execute(
            f"SELECT posts.published FROM posts WHERE posts.id = ? AND ({self._where})",
            (post_id, *self._params),
        ).fetchone()
        if row is None:
            return None
        before = ">" if self._descending else "<"
        sql = (
            f"SELECT count(*) FROM {self._source} WHERE ({self._where})"
            f" AND (posts.published, posts.id) {before} (?, ?)"
        )
        return int(db.execute(sql, (*self._params, row[0], post_id)).fetchone()[0])


class Chain(Sequence[int]):
    """Sequences of ids one after the other (lists or :class:`IdWindow`)."""

    def __init__(self, parts: Sequence[Sequence[int]]) -> None:
        self._parts = list(parts)

    def __len__(self) -> int:
        return sum(len(part) for part in self._parts)

    @overload
    def __getitem__(self, index: int) -> int: ...

    @overload
    def __getitem__(self, index: slice) -> list[int]: ...

    def __getitem__(self, index: int | slice) -> int | list[int]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if index < 0:
            raise IndexError("post window index out of range")
        for part in self._parts:
            if index < len(part):
                return part[index]
            index -= len(part)
        raise IndexError("post window index out of range")

    def __iter__(self) -> Iterator[int]:
        for part in self._parts:
            yield from part

    def __contains__(self, post_id: object) -> bool:
        return isinstance(post_id, int) and self.position(post_id) is not None

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def position(self, post_id: int) -> int | None:
        """Where a post is in the list, or None when it is not in it."""
        offset = 0
        for part in self._parts:
            found = part.position(post_id) if isinstance(part, IdWindow) else _index(part, post_id)
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
    for chunk in _chunks([row.id for row in rows]):
        marks = ",".join("?" * len(chunk))
        sql = f"SELECT id FROM posts INDEXED BY posts_by_id WHERE id IN ({marks}) AND backlog = 1"
        backlog.update(r[0] for r in db.execute(sql, chunk))
    words: dict[int, str] = {}
    wanting = [row.id for row in rows if not row.title]
    for column in ("summary", "content_html"):
        for chunk in _chunks(wanting):
            marks = ",".join("?" * len(chunk))
            head = f"substr(blogtui_text({column}), 1, {OPENING_HTML})"
            sql = f"SELECT id, {head} FROM posts WHERE id IN ({marks})"
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


def _chunks(ids: list[int], size: int = 500) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
