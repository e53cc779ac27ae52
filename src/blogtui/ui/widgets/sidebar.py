"""The sidebar: smart entries (All, Unread, Starred, Backlog), saved views, feeds, then tags with counts.

The Feeds and Tags sections fold: ``enter`` (or a click) on a section's heading hides its lines or
shows them again, and ``t`` (the main screen's) lands on the tags, unfolding them, however many
feeds are above. A folded section still shows the feed chosen and the tags switched on. A feed
whose last fetch failed is marked ``!`` and says why on a line of its own under it (the tooltip and
the feed's card say it in full)."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from difflib import SequenceMatcher

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.strip import Strip
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

#: The sections that fold, by their :class:`Entry` value (``Entry("section", "feeds")``).
SECTIONS = ("feeds", "tags")
#: The mark of a feed whose last fetch failed (its reason on the line under it).
FAILED_MARK = "!"


_URL_PREFIX_RE = re.compile(r"^[a-z][a-z0-9+.-]*://\S*?: ", re.IGNORECASE)


def short_reason(error: str) -> str:
    """A fetch error in a few words, for the line under a failed feed: its first clause, without
    a URL in front ("HTTP 503 Service Unavailable", "timed out after 20 s", "not a feed"); what
    follows a colon or in brackets is left to the tooltip and the card, which have it whole."""
    text = " ".join(_URL_PREFIX_RE.sub("", error.strip()).split())
    for stop in (": ", " ("):
        head = text.split(stop, 1)[0]
        if len(head) >= 4:
            text = head
    return text


def _option_list_internals(option_list: OptionList) -> bool:
    """Whether ``option_list`` has the lists and caches of Textual 8.2's OptionList that
    :meth:`Sidebar._update_in_place` works on."""
    lines = getattr(option_list, "_line_cache", None)
    return (
        isinstance(getattr(option_list, "_options", None), list)
        and isinstance(getattr(option_list, "_option_to_index", None), dict)
        and hasattr(getattr(option_list, "_option_render_cache", None), "discard")
        and all(isinstance(getattr(lines, name, None), kind) for name, kind in
                (("lines", list), ("heights", dict), ("index_to_line", dict)))
        and hasattr(Option, "_set_prompt")
        and hasattr(option_list, "_update_lines")
    )  # fmt: skip


def _with_index(strip: Strip, index: int) -> Strip:
    """A rendered line of an option, marked as option ``index``'s (over the mark it had)."""
    mark = Style.from_meta({"option": index})
    return Strip(Segment.apply_style(list(strip), post_style=mark), strip.cell_length)


def _same_prompt(one: object, other: object) -> bool:
    """Whether two prompts show the same: the same text, styles and spans."""
    if isinstance(one, Text) and isinstance(other, Text):
        return one.plain == other.plain and one.spans == other.spans and one.style == other.style
    return one == other


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

    class FeedAsked(Message):
        """The user asked for something to be done to the highlighted feed (``url``, ``title``)."""

        def __init__(self, url: str, title: str) -> None:
            self.url = url
            self.title = title
            super().__init__()

    class RemoveFeed(FeedAsked):
        """The user asked to remove the highlighted feed."""

    class RenameFeed(FeedAsked):
        """The user asked to rename the highlighted feed."""

    class Folded(Message):
        """A section was folded or unfolded: ``collapsed`` holds the sections folded now."""

        def __init__(self, collapsed: frozenset[str]) -> None:
            self.collapsed = collapsed
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
        #: Each line's (disabled, extra lines) as last built: the same entries and shape are updated in place.
        self._shape: list[tuple[bool, int]] = []
        self._titles: dict[str, str] = {}
        self._feeds: dict[str, Feed] = {}
        #: The sections folded (``SECTIONS``), set by the screen from the kept UI state.
        self.collapsed: set[str] = set()
        self._shown: dict[str, object] | None = None
        #: ``t`` came before the lines did: go to the tags once they are shown.
        self._to_tags = False

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
        """Rebuild the lines, keeping the highlighted entry where it still exists (nothing is done
        when nothing changed: a large sidebar's rebuild costs the UI tens of ms, and its counts,
        kept by the cache, now come back within a filter change's first paint)."""
        shown = {
            "counts": counts,
            "feeds": feeds,
            "tags": tags,
            "views": views,
            "base": base,
            "selected_tags": selected_tags,
        }
        if shown == self._shown and not self._to_tags:
            return
        self._shown = shown
        self._build(counts, feeds, tags, views, base, selected_tags, self.highlighted_entry)
        if self._to_tags:
            self._to_tags = False
            self.go_to_tags()

    def _build(
        self,
        counts: dict[str, int],
        feeds: list[Feed],
        tags: list[Tag],
        views: list[tuple[str, str]],
        base: Entry,
        selected_tags: Collection[str],
        current: Entry | None,
    ) -> None:
        options: list[Option | None] = []
        entries: list[Entry | None] = []

        prompts: list[Text] = []

        def add(entry: Entry | None, prompt: Text, disabled: bool = False) -> None:
            entries.append(entry)
            prompts.append(prompt)
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

        def section(value: str, label: str, count: int, failed: int = 0) -> None:
            # A fold's heading: ▼ open, ▶ folded; how many lines it holds on the right.
            folded = value in self.collapsed
            text = Text(no_wrap=True, overflow="ellipsis")
            text.append(f"{'▶' if folded else '▼'} {label}", style="dim bold")
            extra = f" {FAILED_MARK}{failed} failed " if failed else ""
            number = f"{count:,}"
            text.append(" " * max(1, width - text.cell_len - len(extra) - len(number)))
            if extra:
                text.append(extra, style="bold red")
            text.append(number, style="dim")
            add(Entry("section", value), text)

        def reason(error: str) -> Text:
            text = Text(no_wrap=True, overflow="ellipsis", style="red")
            text.append("   ")
            text.append(short_reason(error))
            text.truncate(width, overflow="ellipsis")
            return text

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
            section("feeds", "Feeds", len(feeds), sum(1 for f in feeds if f.error))
            self._titles = {f.url: f.title or f.url for f in feeds}
            self._feeds = {f.url: f for f in feeds}
            folded = "feeds" in self.collapsed
            for feed in feeds:
                entry = Entry("feed", feed.url)
                if folded and base != entry:
                    continue
                mark = "▸" if base == entry else (FAILED_MARK if feed.error else " ")
                prompt = line(feed.title or feed.url, feed.unread or None, base == entry, mark)
                if feed.error:  # why, on a line of its own under the feed
                    if mark == FAILED_MARK:
                        prompt.stylize("bold red", 0, 1)
                    prompt.append("\n")
                    prompt.append_text(reason(feed.error))
                add(entry, prompt)
        if tags:
            section("tags", "Tags", len(tags))
            chosen = {t.casefold() for t in selected_tags}
            folded = "tags" in self.collapsed
            for tag in tags:
                on = tag.name.casefold() in chosen
                if folded and not on:
                    continue
                add(Entry("tag", tag.name), line(tag.name, tag.count, on, "✓" if on else " "))
        shape = [(o.disabled, p.plain.count("\n")) for o, p in zip(options, prompts) if o is not None]
        if not self._update_in_place(entries, [o for o in options if o is not None], shape):
            self.clear_options()
            self.add_options([o for o in options if o is not None])
        self._entries = entries
        self._shape = shape
        target = 0
        if current is not None and current in entries:
            target = entries.index(current)
        self.highlighted = target if entries else None

    def _update_in_place(
        self, entries: list[Entry | None], options: list[Option], shape: list[tuple[bool, int]]
    ) -> bool:
        """Make the lines ``options`` (one per entry of ``entries``, each of ``shape``) by changing
        only the lines that differ from those shown: a count changed is its prompt replaced, an
        entry that appears or goes ("Continue reading" once a post is half read, a feed added) is
        its one option put in or taken out, the others kept with the lines they have rendered.

        Clearing the options and adding them all again (what OptionList's public methods offer for
        an option put in the middle) renders every line afresh and moves the cursor and the scroll
        to the top and back: 15-30 ms at 145 lines, while a post just opened is being painted. This
        works on OptionList's own lists and caches (Textual 8.2): False, and nothing done, when they
        are not there to work on (the caller then clears and adds)."""
        if not _option_list_internals(self):
            return False
        old_options: list[Option] = self._options
        old_entries = self._entries
        if len(old_options) != len(old_entries) or len(self._shape) != len(old_entries):
            return False  # not the lines this sidebar made: start again
        merged: list[Option] = []
        redrawn: list[int] = []  # new indices whose prompt changed, the line's height the same
        first_moved: int | None = None  # the first line from which the lines are not where they were
        matcher = SequenceMatcher(None, old_entries, entries, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                for was, now in zip(range(i1, i2), range(j1, j2)):
                    option, new = old_options[was], options[now]
                    if self._shape[was] != shape[now]:
                        merged.append(new)  # another height, or heading or not: a new line
                        if first_moved is None:
                            first_moved = now
                        continue
                    if not _same_prompt(option.prompt, new.prompt):
                        option._set_prompt(new.prompt)
                        redrawn.append(now)
                    merged.append(option)
                    if was != now and first_moved is None:
                        first_moved = now
            else:  # lines put in, taken out or replaced
                merged.extend(options[j1:j2])
                if first_moved is None:
                    first_moved = j1
        if first_moved is None and len(merged) != len(old_options):
            first_moved = len(merged)
        # The lines rendered before: a line gone or whose prompt changed is rendered again; a line
        # moved keeps its rendering, told its new index (each rendered line carries its option's
        # index, for the mouse): rendering a line is most of what a line costs.
        was_at = {id(option): index for index, option in enumerate(old_options)}
        now_at = {id(option): index for index, option in enumerate(merged)}
        stale = {id(option) for option in old_options if id(option) not in now_at}
        stale.update(id(merged[index]) for index in redrawn)
        cache = self._option_render_cache
        for key in list(cache.keys()):
            number = id(key[0])
            if number in stale:
                cache.discard(key)
            elif number in now_at and now_at[number] != was_at.get(number, now_at[number]):
                strips = cache.get(key)
                if strips is not None:
                    cache.discard(key)  # (set keeps a value already there)
                    cache.set(key, [_with_index(strip, now_at[number]) for strip in strips])
        self._options[:] = merged
        self._option_to_index.clear()
        self._option_to_index.update((option, index) for index, option in enumerate(merged))
        if first_moved is None:
            # The same lines where they were: only the prompts that changed are painted again.
            for index in redrawn:
                line = self._index_to_line.get(index)
                if line is None:  # not laid out yet: all of it when it is
                    self.refresh()
                    break
                self.refresh_lines(line, self._heights[index])
            return True
        # The lines above the first that moved keep their place; from there they are counted again.
        lines = self._line_cache
        cut = lines.index_to_line.get(first_moved, len(lines.lines))
        del lines.lines[cut:]
        for index in [index for index in lines.heights if index >= first_moved]:
            del lines.heights[index]
            lines.index_to_line.pop(index, None)
        self._mouse_hovering_over = None
        self._update_lines()
        self.refresh()
        return True

    @property
    def filled(self) -> bool:
        """Whether the lines have been shown once (:meth:`show`)."""
        return self._shown is not None

    @property
    def highlighted_entry(self) -> Entry | None:
        """The entry under the cursor."""
        index = self.highlighted
        if index is None or not (0 <= index < len(self._entries)):
            return None
        return self._entries[index]

    def _rebuild(self, current: Entry | None) -> None:
        shown = self._shown
        if shown is not None:
            self._build(
                shown["counts"],  # type: ignore[arg-type]
                shown["feeds"],  # type: ignore[arg-type]
                shown["tags"],  # type: ignore[arg-type]
                shown["views"],  # type: ignore[arg-type]
                shown["base"],  # type: ignore[arg-type]
                shown["selected_tags"],  # type: ignore[arg-type]
                current,
            )

    def fold(self, value: str, folded: bool | None = None) -> None:
        """Fold a section (``None``: the other way from now), the cursor on its heading; the
        screen is told (:class:`Folded`) so that it can keep the state."""
        folded = value not in self.collapsed if folded is None else folded
        if value not in SECTIONS or folded == (value in self.collapsed):
            return
        if folded:
            self.collapsed.add(value)
        else:
            self.collapsed.discard(value)
        self._rebuild(Entry("section", value))
        self.post_message(self.Folded(frozenset(self.collapsed)))

    def go_to_tags(self) -> bool:
        """Put the cursor on the first tag (unfolding the tags), with the lines above scrolled
        away; False when there are no tags (the cursor stays)."""
        heading = Entry("section", "tags")
        if self._shown is None:
            self._to_tags = True
            return False
        if heading not in self._entries:
            return False
        self.fold("tags", False)
        index = self._entries.index(heading)
        below = index + 1 if index + 1 < len(self._entries) else index
        # The heading at the top, the tags under it (as many as there is room for).
        self.highlighted = index
        self.scroll_to_highlight(top=True)
        self.highlighted = below
        return True

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
        if entry.kind == "section":
            self.fold(entry.value)
        elif entry.kind == "tag":
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
        if entry is None or entry.kind in ("tag", "section"):
            return
        label = self._titles.get(entry.value, entry.value) if entry.kind == "feed" else entry.value
        if entry.kind == "view":
            label = f"@{entry.value}"
        elif entry.kind == "smart":
            label = {value: name for value, name, _ in SMART}.get(entry.value, entry.value)
        self.post_message(self.MarkRead(entry, label))
