"""Find in the post being read: its matches, marked in the reader's lines, and a box to step through them."""

from __future__ import annotations

from dataclasses import replace

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.message import Message
from textual.strip import Strip
from textual.widgets import Input

from .reader import Document

#: How a match is drawn, and the current one.
MATCH = Style(reverse=True)
CURRENT = Style(reverse=True, bold=True, underline=True)


def find_matches(document: Document, needle: str) -> list[tuple[int, int]]:
    """Where ``needle`` occurs in a rendered post, any case: ``(line, column)``, in reading order."""
    needle = needle.casefold()
    if not needle:
        return []
    found = []
    for line, strip in enumerate(document.strips):
        text = strip.text.casefold()
        start = text.find(needle)
        while start >= 0:
            found.append((line, start))
            start = text.find(needle, start + len(needle))
    return found


def _mark(strip: Strip, spans: list[tuple[int, int, Style]]) -> Strip:
    """``strip`` with the column ranges ``spans`` drawn in their styles."""
    cuts = sorted({c for start, end, _ in spans for c in (start, end)} | {strip.cell_length})
    out: list[Segment] = []
    position = 0
    for cut, part in zip(cuts, Segment.divide(list(strip), cuts), strict=False):
        style = next((s for start, end, s in spans if start <= position < end), None)
        for segment in part:
            if style is not None and not segment.control:
                segment = Segment(segment.text, (segment.style or Style()) + style)
            out.append(segment)
        position = cut
    return Strip(out, strip.cell_length)


def marked(document: Document, matches: list[tuple[int, int]], length: int, current: int) -> Document:
    """The document with its matches marked (the ``current`` one apart)."""
    by_line: dict[int, list[tuple[int, int, Style]]] = {}
    for index, (line, column) in enumerate(matches):
        style = CURRENT if index == current else MATCH
        by_line.setdefault(line, []).append((column, column + length, style))
    strips = list(document.strips)
    for line, spans in by_line.items():
        strips[line] = _mark(strips[line], spans)
    return replace(document, strips=strips)


class FindBox(Input):
    """The find box under the reader: type to find, ↓/enter the next match, ↑ the previous."""

    BINDINGS = [
        Binding("down", "step(1)", "Next match", show=False, id="find_next"),
        Binding("up", "step(-1)", "Previous match", show=False, id="find_previous"),
    ]

    class Step(Message):
        """Go to the next (1) or previous (-1) match."""

        def __init__(self, by: int) -> None:
            self.by = by
            super().__init__()

    def action_step(self, by: int) -> None:
        self.post_message(self.Step(by))
