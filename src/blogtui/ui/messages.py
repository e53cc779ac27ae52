"""App-wide messages: progress of a fetch running in a worker, and the library having changed."""

from __future__ import annotations

from textual.message import Message

from ..models import Progress


class FetchProgress(Message):
    """A subscribe or refresh worker made progress."""

    def __init__(self, progress: Progress, verb: str) -> None:
        self.progress = progress
        self.verb = verb
        super().__init__()

    def can_replace(self, message: Message) -> bool:
        # A burst of progress only needs its latest state on screen.
        return isinstance(message, FetchProgress)


class LibraryChanged(Message):
    """Posts or feeds were added, removed or updated: lists and counts should be reloaded."""

    def __init__(self, summary: str = "") -> None:
        self.summary = summary
        super().__init__()
