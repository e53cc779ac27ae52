"""A post list that renders lines, not widgets: it holds only ids and loads rows a page at a time.

The ids may be a window (``Library.post_window``): a sequence read a page at a time with a
``position(post_id)`` of its own, which the list asks instead of indexing every id, and a
``least_length()``: the list shows that many rows at once, without waiting for the window to be
counted, and the rest when its owner hands it the count (:meth:`PostList.set_length`)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import replace

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...library import PostWindow, as_window
from ...models import PostRow

RowLoader = Callable[[Sequence[int]], list[PostRow]]

PAGE = 128


def _fit(text: str, width: int) -> str:
    """``text`` padded or cut to exactly ``width`` terminal cells, with an ellipsis when cut."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"


#: The list's marks: ``●`` unread, ``○`` backlog (brought home from the blog's archive, not
#: opened yet: quieter than unread), ``★`` starred; an untitled post shows its opening words in italics.
UNREAD_MARK, BACKLOG_MARK, STAR_MARK = "●", "○", "★"
#: The feed column: at least this wide (below it the titles keep the room) ...
FEED_MIN = 12
#: ... and never wider than this, nor than the longest feed name of the rows read.
FEED_MAX = 40


def feed_width(width: int, longest: int) -> int:
    """How wide the feed column of a ``width``-cell list is, ``longest``: the longest feed name
    among the rows read (0: none read yet). None below 70 cells; a fifth of the line below 80
    (an 80-column screen: the titles come first), then up to 30% of it: at 120 columns beside
    the sidebar (89 cells), 26; at 200, 40."""
    if width < 70:
        return 0
    room = width // 5 if width < 80 else (width * 3) // 10
    room = max(FEED_MIN, min(FEED_MAX, room))
    return min(room, max(FEED_MIN, longest)) if longest else min(room, 24)


class PostList(ScrollView, can_focus=True):
    """Posts of the current filter, one line each: unread or backlog mark, star, title, feed, date."""

    COMPONENT_CLASSES = {
        "post-list--cursor",
        "post-list--unread",
        "post-list--read",
        "post-list--backlog",
        "post-list--backlog-title",
        "post-list--opening",
        "post-list--starred",
        "post-list--feed",
        "post-list--date",
        "post-list--empty",
    }

    DEFAULT_CSS = """
    PostList {
        background: $surface;
        scrollbar-gutter: stable;
        overflow-x: hidden;
    }
    PostList > .post-list--cursor { background: $primary 25%; }
    PostList:focus > .post-list--cursor { background: $primary 60%; }
    PostList > .post-list--unread { color: $text; text-style: bold; }
    PostList > .post-list--read { color: $text-muted; }
    PostList > .post-list--backlog { color: $text-muted; }
    PostList > .post-list--backlog-title { color: $text; }
    PostList > .post-list--opening { text-style: italic; }
    PostList > .post-list--starred { color: $warning; }
    PostList > .post-list--feed { color: $text-muted; }
    PostList > .post-list--date { color: $text-muted; }
    PostList > .post-list--empty { color: $text-muted; text-style: italic; }
    """

    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", show=False, id="list_down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="list_up"),
        Binding("g,home", "first", "First", show=False, id="list_first"),
        Binding("G,end", "last", "Last", show=False, id="list_last"),
        Binding("pagedown,ctrl+d", "page_down", "Page down", show=False, id="list_page_down"),
        Binding("pageup,ctrl+u", "page_up", "Page up", show=False, id="list_page_up"),
        Binding("enter", "select", "Open", show=True, id="list_open"),
    ]

    cursor: reactive[int] = reactive(0, always_update=True, init=False)

    class Highlighted(Message):
        """The cursor moved to another post (``None`` when the list is empty)."""

        def __init__(self, post_id: int | None) -> None:
            self.post_id = post_id
            super().__init__()

    class Selected(Message):
        """A post was chosen (enter or click)."""

        def __init__(self, post_id: int) -> None:
            self.post_id = post_id
            super().__init__()

    def __init__(
        self,
        load_rows: RowLoader,
        *,
        empty_text: str = "No posts",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._load_rows = load_rows
        self.empty_text = empty_text
        self._ids: PostWindow = as_window([])
        #: The rows the list has: the ids' length, or as many as are known before they are counted.
        self._listed = 0
        self._found: dict[int, int | None] = {}  # a window's positions asked for, by post id
        self._listed_whole = True
        self._rows: OrderedDict[int, PostRow] = OrderedDict()
        self._strips: OrderedDict[tuple[PostRow, int, bool, bool, int], Strip] = OrderedDict()
        self._last_highlight: int | None = -1
        #: The longest feed name among the rows read since the posts were set (the feed column
        #: grows to it; it never shrinks while the same posts are shown).
        self._longest_feed = 0

    # -- data ----------------------------------------------------------------------------------

    @property
    def ids(self) -> PostWindow:
        """The ids in the list, in order."""
        return self._ids

    @property
    def count(self) -> int:
        """How many posts the list holds (at least, until :attr:`counted`)."""
        return self._listed

    @property
    def counted(self) -> bool:
        """Whether :attr:`count` is the ids' whole length (a window may not be counted yet)."""
        return self._listed_whole

    def set_length(self, ids: Sequence[int], size: int) -> bool:
        """The ids' whole length, counted elsewhere (a worker): the list grows to it. False when
        the list shows other ids now."""
        if ids is not self._ids:
            return False
        self._listed_whole = True
        if size != self._listed:
            self._listed = size
            self._set_rows(size)
            if self.cursor >= size:
                self.cursor = max(0, size - 1)
            self.refresh()
        return True

    @property
    def highlighted_id(self) -> int | None:
        """The post under the cursor."""
        if 0 <= self.cursor < self._listed:
            return self._ids[self.cursor]
        return None

    def position(self, post_id: int) -> int | None:
        """Where a post is in the list (0 is the first line), or None when it is not listed."""
        return self._position(post_id)

    def cached_row(self, post_id: int) -> PostRow | None:
        """A post's row when the list has it read (None: not read, or not listed)."""
        return self._rows.get(post_id)

    def row_of(self, post_id: int) -> PostRow | None:
        """A listed post's row (loaded with its page when it is not in the cache)."""
        position = self._position(post_id)
        return self._row(position) if position is not None else None

    def _position(self, post_id: int) -> int | None:
        # Kept while these ids are shown (the status line asks for the post being read after
        # each list and each sidebar update: in a window, a count in the cache each time, 50-100
        # ms at 1M).
        if post_id not in self._found:
            if len(self._found) > 64:
                self._found.clear()
            self._found[post_id] = self._ids.position(post_id)
        return self._found[post_id]

    def set_posts(
        self,
        ids: Sequence[int],
        keep: int | None = None,
        *,
        position: int | None = None,
        rows: Sequence[PostRow] = (),
    ) -> None:
        """Show these posts; the cursor stays on post ``keep`` when it is still listed.

        A kept post also keeps its line on screen: posts arriving above it push the rows above
        out of view instead of pushing the cursor down the list.

        Args:
            position: where ``keep`` is in ``ids``, when the caller knows (found off the event
                loop); else the list looks.
            rows: rows of these posts read already (the first screen's).
        """
        # Where the cursor sits on screen now, so that a kept post can stay on that line.
        screen_row = self.cursor - int(self.scroll_offset.y)
        self._ids = as_window(ids)
        self._found.clear()
        self._rows.clear()
        self._strips.clear()
        self._longest_feed = 0
        for row in rows:
            self._rows[row.id] = row
            self._longest_feed = max(self._longest_feed, cell_len(row.feed_title))
        self._listed_whole = self._ids.known_length() is not None
        self._listed = self._ids.least_length()
        target = None
        if keep is not None and position is not None and position >= 0:
            try:  # found by the caller off the event loop: checked with one read, not a count
                target = position if self._ids[position] == keep else None
            except IndexError:
                target = None
        if keep is not None and target is None:
            target = self._position(keep)
        if target is not None and target >= self._listed:  # kept further down: count it now
            self._listed, self._listed_whole = len(self._ids), True
        self._set_rows(self._listed)
        if target is not None and 0 <= screen_row < self.scrollable_content_region.height:
            self.scroll_to(y=max(0, target - screen_row), animate=False)
        if target is None:
            target = min(self.cursor, max(0, self._listed - 1)) if keep is not None else 0
        self._last_highlight = -1
        self.cursor = target
        if target == 0 and keep is None:
            self.scroll_to(y=0, animate=False)
        self.refresh()

    def _set_rows(self, rows: int) -> None:
        """The list's height in rows (its virtual size). A list longer than the view before and
        after keeps its scrollbar: only the list and the scrollbar are repainted, not the screen
        laid out again (a layout repaints every widget: ~35 ms at 160 by 48, on the event loop,
        at each list of another length shown: a feed chosen, a filter changed)."""
        size = Size(self.scrollable_content_region.width, rows)
        old = self.virtual_size
        if size == old:
            return
        view = self.scrollable_content_region.height
        if view > 0 and old.width == size.width and old.height > view and rows > view:
            self.set_reactive(PostList.virtual_size, size)
            self._scroll_update(size)
            self.refresh()
        else:
            self.virtual_size = size

    def refresh_rows(self) -> None:
        """Forget cached rows (their read/star state changed in the store) and repaint."""
        self._rows.clear()
        self._strips.clear()
        self.refresh()

    def update_row(self, post_id: int, *, read: bool | None = None, starred: bool | None = None) -> None:
        """Change one row's state in place (after marking it in the store)."""
        row = self._rows.get(post_id)
        if row is not None:
            if read is not None:  # read or unread, a backlog post is a post like any other
                row = replace(row, read=read, backlog=False)
            if starred is not None:
                row = replace(row, starred=starred)
            self._rows[post_id] = row
        # Repainted only where it is on screen: looked for among the lines shown (a window's
        # position of a post far from them would be a count, on the event loop).
        top = int(self.scroll_offset.y)
        for y in range(top, min(self._listed, top + self.size.height)):
            if self._ids[y] == post_id:
                self.refresh_line(y)
                break

    def refresh_line(self, y: int) -> None:
        """Repaint one row of the list."""
        scroll_y = int(self.scroll_offset.y)
        if scroll_y <= y < scroll_y + self.size.height:
            self.refresh(Region(0, y - scroll_y, self.size.width, 1))

    def _row(self, index: int) -> PostRow | None:
        post_id = self._ids[index]
        row = self._rows.get(post_id)
        if row is not None:
            return row
        start = max(0, index - PAGE // 4)
        page = [pid for pid in self._ids[start : min(start + PAGE, self._listed)] if pid not in self._rows]
        longest = self._longest_feed
        for loaded in self._load_rows(page):
            self._rows[loaded.id] = loaded
            longest = max(longest, cell_len(loaded.feed_title))
        if longest != self._longest_feed:
            self._longest_feed = longest
            self._strips.clear()  # the feed column is wider now
            self.refresh()
        while len(self._rows) > PAGE * 8:
            self._rows.popitem(last=False)
        return self._rows.get(post_id)

    # -- cursor --------------------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        if self._listed:
            clamped = max(0, min(new, self._listed - 1))
            if clamped != new:
                self.cursor = clamped
                return
        self.refresh_line(old)
        self.refresh_line(new)
        self._scroll_cursor_into_view()
        post_id = self.highlighted_id
        if post_id != self._last_highlight:
            self._last_highlight = post_id
            self.post_message(self.Highlighted(post_id))

    def _scroll_cursor_into_view(self) -> None:
        height = self.scrollable_content_region.height or self.size.height
        if height <= 0:
            return
        top = int(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, self._listed)
        self._strips.clear()
        self.call_after_refresh(self._scroll_cursor_into_view)

    def move_to(self, post_id: int) -> bool:
        """Put the cursor on a post; False when it is not listed."""
        position = self._position(post_id)
        if position is None:
            return False
        self.cursor = position
        return True

    def next(self) -> int | None:
        """Move to the row below; returns its post id (``None`` at the end)."""
        if self.cursor + 1 >= self._listed:
            return None
        self.cursor += 1
        return self.highlighted_id

    def previous(self) -> int | None:
        """Move to the row above; returns its post id (``None`` at the top)."""
        if self.cursor <= 0:
            return None
        self.cursor -= 1
        return self.highlighted_id

    def action_cursor_down(self) -> None:
        self.next()

    def action_cursor_up(self) -> None:
        self.previous()

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = max(0, self._listed - 1)

    def _page(self) -> int:
        return max(1, (self.scrollable_content_region.height or self.size.height) - 1)

    def action_page_down(self) -> None:
        self.cursor = min(self._listed - 1, self.cursor + self._page())

    def action_page_up(self) -> None:
        self.cursor = max(0, self.cursor - self._page())

    def action_select(self) -> None:
        post_id = self.highlighted_id
        if post_id is not None:
            self.post_message(self.Selected(post_id))

    def on_click(self, event: events.Click) -> None:
        index = int(self.scroll_offset.y) + event.y
        if 0 <= index < self._listed:
            self.cursor = index
            self.post_message(self.Selected(self._ids[index]))

    # -- rendering -----------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width or self.size.width
        if not self._listed:
            if y == 0:
                style = self.get_component_rich_style("post-list--empty")
                return Strip([Segment(_fit(f" {self.empty_text}", width), style)], width)
            return Strip.blank(width, self.rich_style)
        if index >= self._listed:
            return Strip.blank(width, self.rich_style)
        row = self._row(index)
        if row is None:
            return Strip.blank(width, self.rich_style)
        is_cursor = index == self.cursor
        key = (row, width, is_cursor, self.has_focus, self._longest_feed)
        cached = self._strips.get(key)
        if cached is not None:
            return cached
        strip = self._render_row(row, width, is_cursor)
        self._strips[key] = strip
        if len(self._strips) > 512:
            self._strips.popitem(last=False)
        return strip

    def _render_row(self, row: PostRow, width: int, is_cursor: bool) -> Strip:
        component = self.get_component_rich_style
        base = self.rich_style
        # The cursor's colours go last so that they win over each column's own background.
        over = component("post-list--cursor") if is_cursor else Style()
        if row.read:
            text_style, mark = component("post-list--read"), Segment(" ", base + over)
        elif row.backlog:
            text_style = component("post-list--backlog-title")
            mark = Segment(BACKLOG_MARK, base + component("post-list--backlog") + over)
        else:
            text_style = component("post-list--unread")
            mark = Segment(UNREAD_MARK, base + text_style + over)
        title = row.title or row.opening or "(untitled)"
        if not row.title:
            text_style += component("post-list--opening", partial=True)
        date = row.published.strftime("%Y-%m-%d") if row.published else ""
        feed = feed_width(width, self._longest_feed)
        title_width = max(4, width - 4 - 11 - (feed + 2 if feed else 0))
        plain = base + over
        segments = [
            Segment(" ", plain),
            mark,
            Segment(STAR_MARK if row.starred else " ", base + component("post-list--starred") + over),
            Segment(" ", plain),
            Segment(_fit(title, title_width), base + text_style + over),
        ]
        if feed:
            segments += [
                Segment("  ", plain),
                Segment(_fit(row.feed_title, feed), base + component("post-list--feed") + over),
            ]
        segments += [Segment(" ", plain), Segment(date.rjust(10), base + component("post-list--date") + over)]
        return Strip(segments).adjust_cell_length(width, plain)
