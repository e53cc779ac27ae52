"""The list sorted by title as a window: ids read a page at a time from ``posts_by_title``.

:class:`~blogtui.storage.window.IdWindow` seeks by ``(published, id)``; the title order's key
(title in any case, then newest first) mixes directions, so :class:`TitleWindow` reads its pages
by ``OFFSET`` in the order's own covering index (``posts_by_title``, schema 11), from the end for
pages nearer it: a page costs at most half a scan of that slim index, never a sort, and the first
screen of 200,000 posts is one page. Same sequence interface as ``IdWindow`` (``position``).
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from typing import overload

from .window import KEPT_PAGES, PAGE

#: The title order, and the same read backwards (both match posts_by_title).
ORDER = "posts.title COLLATE NOCASE, posts.published DESC, posts.id DESC"
BACKWARDS = "posts.title COLLATE NOCASE DESC, posts.published ASC, posts.id ASC"
SOURCE = "posts INDEXED BY posts_by_title"


class TitleWindow(Sequence[int]):
    """The ids of ``SELECT posts.id FROM posts WHERE where``, by title (then newest first)."""

    def __init__(
        self,
        store_of: Callable[[], sqlite3.Connection],
        where: str,
        params: Sequence[object],
        *,
        size: int | None = None,
    ) -> None:
        self._db = store_of
        self._where = where
        self._params = tuple(params)
        self._size = size
        self._pages: OrderedDict[int, list[int]] = OrderedDict()
        self._lock = threading.RLock()

    def __len__(self) -> int:
        if self._size is None:
            # Counted as IdWindow counts (the planner picks a state index; sets in the slim id index).
            source = "posts INDEXED BY posts_by_id" if "(SELECT" in self._where else "posts"
            sql = f"SELECT count(*) FROM {source} WHERE {self._where}"
            self._size = int(self._db().execute(sql, self._params).fetchone()[0])
        return self._size

    def _read(self, number: int) -> list[int]:
        with self._lock:
            page = self._pages.get(number)
            if page is not None:
                self._pages.move_to_end(number)
                return page
            size = len(self)
            start, end = number * PAGE, min(size, (number + 1) * PAGE)
            select = f"SELECT posts.id FROM {SOURCE} WHERE ({self._where})"
            if size - end < start:  # nearer the end: read the index backwards from it
                sql = f"{select} ORDER BY {BACKWARDS} LIMIT ? OFFSET ?"
                rows = self._db().execute(sql, (*self._params, end - start, size - end)).fetchall()
                page = [r[0] for r in reversed(rows)]
            else:
                sql = f"{select} ORDER BY {ORDER} LIMIT ? OFFSET ?"
                page = [r[0] for r in self._db().execute(sql, (*self._params, end - start, start))]
            if page:  # an empty page (the cache changed) is read again next time
                self._pages[number] = page
                while len(self._pages) > KEPT_PAGES:
                    self._pages.popitem(last=False)
            return page

    def _at(self, index: int) -> int:
        page = self._read(index // PAGE)
        offset = index % PAGE
        return page[offset] if offset < len(page) else 0

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
            yield from self._read(number)

    def __contains__(self, post_id: object) -> bool:
        return isinstance(post_id, int) and self.position(post_id) is not None

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def position(self, post_id: int) -> int | None:
        """Where a post is in the list, or None when it is not in it (a page read, else two queries:
        its key, then the posts before it counted in the index)."""
        with self._lock:
            for number, page in self._pages.items():
                if post_id in page:
                    return number * PAGE + page.index(post_id)
        db = self._db()
        row = db.execute(
            f"SELECT posts.title, posts.published FROM posts WHERE posts.id = ? AND ({self._where})",
            (post_id, *self._params),
        ).fetchone()
        if row is None:
            return None
        title, published = row[0], row[1]
        sql = (
            f"SELECT count(*) FROM {SOURCE} WHERE ({self._where}) AND (posts.title COLLATE NOCASE < ?"
            " OR (posts.title COLLATE NOCASE = ? AND (posts.published > ?"
            " OR (posts.published = ? AND posts.id > ?))))"
        )
        params = (*self._params, title, title, published, published, post_id)
        return int(db.execute(sql, params).fetchone()[0])
