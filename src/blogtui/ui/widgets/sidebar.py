"""The sidebar: smart entries (All, Unread, Starred, Backlog), saved views, feeds, then tags with counts."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ...models import Feed, Tag
from ...output import archive_words, feed_counts

#: Width of a sidebar line before the sidebar has been laid out (its CSS width less edges).
FALLBACK_WIDTH = 26

#: The smart entries, in order: ``(value, label, shown when empty)``. An entry hidden when empty
#: still shows while it is the chosen one.
SMART = (
    ("all", "All", True),
    ("unread", "Unread", True),
    ("starred", "Starred", True),
    ("backlog", "Backlog", False),
    ("reading", "Continue reading", False),
)


@dataclass(frozen=True)
class Entry:
    """What a sidebar line stands for: ``kind`` is smart, view, feed or tag."""

    kind: str
    value: str


class Sidebar(OptionList):
    """Choosing a smart entry, view or feed sets the base filter; ``space`` toggles a tag."""

    BINDINGS = [
        Binding("space", "toggle_tag", "Toggle tag", show=True, id="sidebar_toggle_tag"),
        Binding("j", "cursor_down", "Down", show=False, id="sidebar_down"),
        Binding("k", "cursor_up", "Up", show=False, id="sidebar_up"),
        Binding("x,delete", "remove_feed", "Remove feed", show=True, id="sidebar_remove_feed"),
        Binding("R", "rename_feed", "Rename feed", show=False, id="sidebar_rename_feed"),
        Binding("M", "mark_read", "Mark read", show=False, id="sidebar_mark_read"),
    ]

    class Chosen(Message):
        """A smart entry, view or feed was chosen as the base filter."""

        def __init__(self, entry: Entry) -> None:
            self.entry = entry
            super().__init__()

    class TagToggled(Message):
        """A tag was switched on or off."""

        def __init__(self, name: str) -> None:
            self.name = name
            super().__init__()

    class RemoveFeed(Message):
        """The user asked to remove the highlighted feed."""

        def __init__(self, url: str, title: str) -> None:
            self.url = url
            self.title = title
            super().__init__()

    class RenameFeed(Message):
        """The user asked to rename the highlighted feed."""

        def __init__(self, url: str, title: str) -> None:
            self.url = url
            self.title = title
            super().__init__()

    class MarkRead(Message):
        """The user asked to mark every post of the highlighted entry (a feed, a view, ...) read."""

        def __init__(self, entry: Entry, label: str) -> None:
            self.entry = entry
            self.label = label
            super().__init__()

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._entries: list[Entry | None] = []
        self._titles: dict[str, str] = {}
        self._feeds: dict[str, Feed] = {}

    def show(
        self,
        *,
        counts: dict[str, int],
        feeds: list[Feed],
        tags: list[Tag],
        views: list[tuple[str, str]],
        base: Entry,
        selected_tags: set[str],
    ) -> None:
        """Rebuild the lines, keeping the highlighted entry where it still exists."""
        current = self.highlighted_entry
        options: list[Option | None] = []
        entries: list[Entry | None] = []

        def add(entry: Entry | None, prompt: Text, disabled: bool = False) -> None:
            entries.append(entry)
            options.append(Option(prompt, disabled=disabled))

        # One line per entry: a long feed title is cut with an ellipsis, counts line up on the right.
        width = self.scrollable_content_region.width or FALLBACK_WIDTH

        def line(label: str, count: int | None, active: bool, mark: str = " ") -> Text:
            number = f"{count:,}" if count is not None else ""
            name = Text(label, style="bold" if active else "")
            name.truncate(
                max(1, width - 1 - (len(number) + 1 if number else 0)), overflow="ellipsis", pad=True
            )
            text = Text(no_wrap=True, overflow="ellipsis")
            text.append(mark, style="bold")
            text.append_text(name)
            if number:
                text.append(f" {number}", style="dim")
            return text

        def heading(label: str) -> Text:
            return Text(label, style="dim bold")

        for value, label, always in SMART:
            entry = Entry("smart", value)
            count = counts.get(value, 0)
            if always or count or base == entry:
                add(entry, line(label, count, base == entry, "▸" if base == entry else " "))
        if views:
            add(None, heading("Views"), disabled=True)
            for name, _query in views:
                entry = Entry("view", name)
                add(entry, line(f"@{name}", None, base == entry, "▸" if base == entry else " "))
        if feeds:
            add(None, heading("Feeds"), disabled=True)
            self._titles = {f.url: f.title or f.url for f in feeds}
            self._feeds = {f.url: f for f in feeds}
            for feed in feeds:
                entry = Entry("feed", feed.url)
                mark = "▸" if base == entry else ("!" if feed.error else " ")
                add(entry, line(feed.title or feed.url, feed.unread or None, base == entry, mark))
        if tags:
            add(None, heading("Tags"), disabled=True)
            chosen = {t.casefold() for t in selected_tags}
            for tag in tags:
                on = tag.name.casefold() in chosen
                add(Entry("tag", tag.name), line(tag.name, tag.count, on, "✓" if on else " "))
        self._entries = entries
        self.clear_options()
        self.add_options([o for o in options if o is not None])
        target = 0
        if current is not None and current in entries:
            target = entries.index(current)
        self.highlighted = target if entries else None

    @property
    def highlighted_entry(self) -> Entry | None:
        """The entry under the cursor."""
        index = self.highlighted
        if index is None or not (0 <= index < len(self._entries)):
            return None
        return self._entries[index]

    def feed_of(self, url: str) -> Feed | None:
        """The feed listed under ``url`` (as of the last :meth:`show`)."""
        return self._feeds.get(url)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        # A feed's tooltip says how its archive came home (and its last error, in full).
        entry = self.highlighted_entry
        feed = self._feeds.get(entry.value) if entry is not None and entry.kind == "feed" else None
        if feed is None:
            self.tooltip = None
            return
        tip = f"{feed.title or feed.url}\n{feed_counts(feed)}\n{archive_words(feed)}"
        if feed.error:
            tip += f"\nlast fetch failed: {feed.error}"
        self.tooltip = Text(tip)

    def _activate(self) -> None:
        entry = self.highlighted_entry
        if entry is None:
            return
        if entry.kind == "tag":
            self.post_message(self.TagToggled(entry.value))
        else:
            self.post_message(self.Chosen(entry))

    def action_toggle_tag(self) -> None:
        self._activate()

    def action_select(self) -> None:
        self._activate()

    def action_remove_feed(self) -> None:
        entry = self.highlighted_entry
        if entry is not None and entry.kind == "feed":
            self.post_message(self.RemoveFeed(entry.value, self._titles.get(entry.value, entry.value)))

    def action_rename_feed(self) -> None:
        entry = self.highlighted_entry
        if entry is not None and entry.kind == "feed":
            self.post_message(self.RenameFeed(entry.value, self._titles.get(entry.value, entry.value)))

    def action_mark_read(self) -> None:
        entry = self.highlighted_entry
        if entry is None or entry.kind == "tag":
            return
        label = self._titles.get(entry.value, entry.value) if entry.kind == "feed" else entry.value
        if entry.kind == "view":
            label = f"@{entry.value}"
        elif entry.kind == "smart":
            label = {value: name for value, name, _ in SMART}.get(entry.value, entry.value)
        self.post_message(self.MarkRead(entry, label))
