"""Lists cut into batches for SQL: ``IN (?, ?, ...)`` lists kept far below SQLite's limit on the
parameters of one statement (999 before SQLite 3.32), and long reads done a batch at a time."""

from __future__ import annotations

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
