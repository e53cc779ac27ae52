"""The main screen: sidebar, post list and reader, and every reading key."""

from __future__ import annotations

import gc
import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, ProgressBar, Static
from textual.worker import get_current_worker

from ...content.text import opening_words, wants_full_article
from ...errors import ConfigError, LibraryError
from ...library import Library
from ...models import SORT_ORDERS, PostRow
from ...output import archive_words
from ...query import Compiled, fts_quote
from ..messages import FetchProgress, LibraryChanged
from ..widgets.feed_card import FeedCard, YearBar, settings_words
from ..widgets.find import FindBox, find_matches, marked
from ..widgets.post_list import PostList
from ..widgets.reader import Document, PostLayout, ReaderView
from ..widgets.sidebar import Entry, Sidebar
from .dialogs import ConfirmDialog, FollowLinkDialog, rename_dialog, tag_dialog, view_dialog

if TYPE_CHECKING:
    from ..app import BlogApp

#: Seconds the cursor must rest on a row before the reader loads it (holding j renders nothing).
HIGHLIGHT_DELAY = 0.08
#: Seconds after the last keystroke in the query box before the list is filtered.
QUERY_DELAY = 0.15
#: The name of every debounce timer starts with this (tests wait for them to fire).
DEBOUNCE = "debounce:"
#: Below this width the sidebar folds away by itself.
NARROW = 100


#: What the status line says of each sort order.
ORDER_WORDS = {"newest": "newest first", "oldest": "oldest first", "feed": "by feed", "title": "by title"}
#: How many views keep their reading place (the oldest is forgotten first).
PLACES = 200

#: The smart entries that are a state of the query language (``is:NAME``), with their labels.
STATES = {"unread": "Unread", "starred": "Starred", "backlog": "Backlog", "reading": "Continue reading"}
#: Seconds the reader must rest before its place in the post is saved (scrolling writes nothing).
PLACE_DELAY = 0.5
#: Seconds the reader's worker waits for a post's first screen to be painted before it lays out
#: the rest.
FIRST_PAINT_WAIT = 0.25
#: How long a post's layout, started before a feed was chosen, waits for the feed's card to be
#: painted (seconds): the card is what the person looks at; the post was of the list left.
CARD_FIRST_WAIT = 0.3
#: The longest the sidebar's counts wait for what is being painted (a chosen feed's card, a post's
#: first screen), in seconds: then they go whatever is on its way.
SIDEBAR_WAIT = 0.5
#: Seconds a status message stays (stale news clears itself).
STATUS_SECONDS = 6.0
#: Seconds news is shown at least before a key makes it stale: news that lands as a key is
#: pressed (a refresh's report as the cursor moves) is not wiped before it can be read.
NEWS_SECONDS = 1.0


def _quote(value: str) -> str:
    return f'"{value}"' if any(c.isspace() or c in '"-' for c in value) else value


def _json_map(raw: str | None, kind: type) -> dict[str, Any]:
    """A remembered ``{str: value}`` map (empty when it is missing or not what it should be)."""
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): v for k, v in data.items() if isinstance(v, kind) and not isinstance(v, bool)}


@dataclass
class Filter:
    """What the list shows: a base entry, tags that must all be present, and a query."""

    base: Entry = field(default_factory=lambda: Entry("smart", "all"))
    tags: list[str] = field(default_factory=list)
    text: str = ""

    def query(self) -> str:
        """The filter in the query language."""
        parts = []
        if self.base.kind == "smart" and self.base.value in STATES:
            parts.append(f"is:{self.base.value}")
        elif self.base.kind == "feed":
            parts.append(f"feed:{fts_quote(self.base.value)}")
        elif self.base.kind == "view":
            parts.append(f"@{self.base.value}")
        parts += [f"tag:{_quote(name)}" for name in self.tags]
        if self.text.strip():
            parts.append(self.text.strip())
        return " ".join(parts)

    def describe(self, feed_title: str | None = None) -> str:
        """A short label for the status line (a feed named by ``feed_title`` when given)."""
        label = {"all": "All posts", **STATES}.get(self.base.value, self.base.value)
        if self.base.kind == "feed" and feed_title:
            label = feed_title
        elif self.base.kind == "view":
            label = f"@{self.base.value}"
        bits = [label, *(f"#{t}" for t in self.tags)]
        if self.text.strip():
            bits.append(f"“{self.text.strip()}”")
        return " · ".join(bits)

    def key(self) -> str:
        """The view this filter is, whatever is typed in the query box: its sort order and its
        reading place are kept under this."""
        tags = ",".join(sorted(t.casefold() for t in self.tags))
        return f"{self.base.kind}:{self.base.value}" + (f"#{tags}" if tags else "")

    def to_json(self) -> str:
        return json.dumps({"base": [self.base.kind, self.base.value], "tags": self.tags, "text": self.text})

    @classmethod
    def from_json(cls, raw: str | None) -> Filter:
        try:
            data = json.loads(raw or "")
            kind, value = data["base"]
            return cls(Entry(str(kind), str(value)), [str(t) for t in data["tags"]], str(data["text"]))
        except (ValueError, KeyError, TypeError):
            return cls()


class MainScreen(Screen[None]):
    """Three panes: tags and feeds, the posts of the current filter, and the post being read."""

    BINDINGS = [
        Binding("slash", "search", "Search", id="search"),
        Binding("question_mark", "app.help", "Help", id="help"),
        Binding("escape", "clear", "Clear", show=False, id="clear"),
        Binding("t", "focus_tags", "Tags", id="focus_tags"),
        Binding("m", "toggle_read", "Read/unread", id="toggle_read"),
        Binding("s", "toggle_star", "Star", id="toggle_star"),
        Binding("M", "mark_all_read", "All read", show=False, id="mark_all_read"),
        Binding("O", "cycle_sort", "Sort", show=False, id="cycle_sort"),
        Binding("ctrl+f", "find", "Find in post", show=False, id="find"),
        Binding("V", "save_view", "Save view", show=False, id="save_view"),
        Binding("n", "next_post", "Next", show=False, id="next_post"),
        Binding("N", "next_unread", "Next unread", show=False, id="next_unread"),
        Binding("p", "previous_post", "Previous", show=False, id="previous_post"),
        Binding("o", "open_in_browser", "Browser", show=False, id="open_in_browser"),
        Binding("y", "copy_url", "Copy link", show=False, id="copy_url"),
        Binding("z", "zoom", "Full screen", show=False, id="zoom"),
        Binding("b", "toggle_sidebar", "Sidebar", show=False, id="toggle_sidebar"),
        Binding("I", "toggle_images", "Images", show=False, id="toggle_images"),
        Binding("f", "follow_link", "Follow link", show=False, id="follow_link"),
        Binding("circumflex_accent", "footnote", "Footnote", show=False, id="footnote"),
        Binding("F", "full_article", "Full article", show=False, id="full_article"),
        Binding("plus", "tag_post", "Tag", show=False, id="tag_post"),
        *[Binding(str(n), f"open_link({n})", f"Link {n}", show=False, id=f"link_{n}") for n in range(1, 10)],
        Binding("r", "app.refresh_feeds", "Refresh", id="refresh"),
        Binding("a", "app.add_feed", "Add", id="add_feed"),
        Binding("q", "app.quit", "Quit", id="quit"),
    ]

    app: BlogApp

    #: The debounce delays, per screen class or instance (tests set them to 0).
    highlight_delay: float = HIGHLIGHT_DELAY
    query_delay: float = QUERY_DELAY
    place_delay: float = PLACE_DELAY
    #: Seconds a status message (or error) stays before the status line clears it.
    status_seconds: float = STATUS_SECONDS
    #: Seconds news stays at least, whatever keys are pressed (see NEWS_SECONDS).
    news_seconds: float = NEWS_SECONDS

    def __init__(self) -> None:
        super().__init__()
        self.filter = Filter()
        self._highlight_timer: Timer | None = None
        self._query_timer: Timer | None = None
        self._sidebar_forced: bool | None = None
        self._status_text = ""
        self._status_lasting = False
        self._news_at = 0.0  # when the news (or error) shown now came (time.monotonic)
        self._status_error = False
        #: What the sidebar's counts wait for ("card", "reader": a chosen feed's card, a post's
        #: first screen, until painted), each with its token and its timer (SIDEBAR_WAIT).
        self._sidebar_holds: dict[str, tuple[int, Timer]] = {}
        self._hold_tokens = 0
        #: The counts were asked for while held: gathered once nothing holds them.
        self._sidebar_due = False
        #: Counts gathered before a hold, come while it holds: shown once nothing holds them.
        self._sidebar_kept: tuple[Any, ...] | None = None
        #: The garbage collector waits while something holds the sidebar (_pause_collector).
        self._collector_paused = False
        #: The objects made at start-up (Textual's styles, widgets, caches: ~95,000, whatever the
        #: cache's size) moved out of the collector's sight (``gc.freeze``), once the first full
        #: screen is painted.
        self._start_up_frozen = False
        #: Feeds chosen so far, and set when no card is on its way (cleared while one is): the
        #: reader's worker of a post asked for before the last choice lets the card paint first.
        self._chosen = 0
        self._card_painted = threading.Event()
        self._card_painted.set()
        #: The list a post was opened from, and where the post is in it, found by the reader's
        #: worker (a far post's place in a window is a count: not on the event loop).
        self._reader_found: tuple[Sequence[int], int, int | None, datetime | None] | None = None
        #: The post whose place in the list the reader's worker is finding.
        self._finding: int | None = None
        self._status_timer: Timer | None = None
        self._ranked = False
        #: Each view's sort order (``Filter.key``: an order of SORT_ORDERS); none: newest first,
        #: or best match first for words.
        self._sorts: dict[str, str] = {}
        #: Each view's reading place: the post last opened in it (resumed when read oldest first).
        self._places: dict[str, int] = {}
        self._to_top = False
        #: The post highlighted when the query began to change: while it is typed, the cursor
        #: stays on that post if the results hold it, else goes to the first (never to where
        #: some half-typed query's results happened to leave it).
        self._query_anchor: int | None = None
        #: The post the reader was last asked to show (see load_post).
        self._reader_wants: int | None = None
        self._anchor_or_top = False
        self._place_timer: Timer | None = None
        #: Find in the post: the post as rendered (unmarked), the matches and the current one.
        self._plain: Document | None = None
        self._matches: list[tuple[int, int]] = []
        self._match = 0

    # -- layout --------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            yield Sidebar(id="sidebar")
            with Vertical(id="main"):
                yield Input(
                    placeholder='/ search: words, "phrase", tag:x, feed:x, is:unread, after:2024-01-01',
                    id="query",
                )
                yield FeedCard(id="card")
                yield PostList(self.app.library.rows, empty_text="No posts match", id="posts")
                yield ReaderView(
                    placeholder="Highlight a post to read it here.",
                    reading_width=self.app.config.reading_width,
                    show_images=self.app.config.show_images,
                    id="reader",
                )
                yield FindBox(
                    placeholder="find in the post: ↓/enter next, ↑ previous, escape closes", id="find"
                )
        with Horizontal(id="statusbar"):
            yield Static(id="status")
            yield ProgressBar(id="fetch-progress", show_eta=False)
        yield Footer(compact=True)

    @property
    def posts(self) -> PostList:
        return self.query_one("#posts", PostList)

    @property
    def reader(self) -> ReaderView:
        return self.query_one("#reader", ReaderView)

    @property
    def sidebar(self) -> Sidebar:
        return self.query_one("#sidebar", Sidebar)

    @property
    def query_box(self) -> Input:
        return self.query_one("#query", Input)

    def on_mount(self) -> None:
        library = self.app.library
        self.filter = Filter.from_json(library.get_state("ui.filter"))
        if self.filter.text:
            self.query_box.value = self.filter.text
            self.query_box.add_class("-active")
        keep = library.get_state("ui.post")
        self._sorts = _json_map(library.get_state("ui.sort"), str)
        self._places = _json_map(library.get_state("ui.place"), int)
        self.sidebar.collapsed = set(_json_map(library.get_state("ui.folded"), int))
        try:
            compiled = library.compile(self.filter.query(), prefix_last=True)
            ids = library.post_window(compiled, order=self.sort or "newest")
        except LibraryError:
            self.filter = Filter()
            ids = library.post_window()
        # The first screen is painted from this one query; counts and tags follow in a worker.
        self.posts.set_posts(ids, keep=int(keep) if keep and keep.isdigit() else None)
        self._count_list(ids)
        # At once, not after the queued messages (focus() waits its turn): keys typed at start-up
        # are handed on once this screen is mounted, and the first must find the list focused.
        self.set_focus(self.posts)
        if not self.app.config.show_sidebar:  # hidden at start, whatever the width; b shows it
            self._sidebar_forced = False
        self._fold_sidebar(self.app.size.width)
        warnings = self.app.key_warnings
        if warnings:  # keys of config.toml that collide: until other news replaces it
            more = f" (and {len(warnings) - 1} more)" if len(warnings) > 1 else ""
            self._set_status(message=warnings[0] + more, lasting=True)
        else:
            self._set_status()
        self.watch(self.reader, "scroll_y", self._reader_scrolled, init=False)
        self.load_card()
        # Counts and tags wait until the list is on screen: first paint comes first.
        self.call_after_refresh(self.load_sidebar)

    def on_resize(self) -> None:
        self._fold_sidebar(self.app.size.width)

    def on_reader_view_width_changed(self, event: ReaderView.WidthChanged) -> None:
        """The reader's width changed, whatever changed it (the window, the sidebar, full screen)."""
        document = self.reader.document
        if document is not None and (document.width != event.width or event.redraw):
            # Re-lay out the post the reader is to show: one asked for may not be on screen yet.
            wanted = self._reader_wants if self._reader_wants is not None else document.post_id
            self.load_post(wanted, keep_scroll=wanted == document.post_id)

    def _sidebar_wanted(self, width: int) -> bool:
        """Whether the sidebar is to show outside full screen: as b (or t) last said, else as wide
        as the terminal is (the show_sidebar setting false: hidden until b)."""
        return self._sidebar_forced if self._sidebar_forced is not None else width >= NARROW

    def _fold_sidebar(self, width: int) -> None:
        # Full screen hides it at every width: its display set here would beat the -reading rule.
        self.sidebar.display = self._sidebar_wanted(width) and not self.has_class("-reading")

    def _reader_width(self) -> int:
        return self.reader.layout_width

    # -- loading -------------------------------------------------------------------------------

    def apply_filter(
        self,
        *,
        keep: int | None = None,
        sidebar: bool = True,
        reverse: tuple[int, int] | None = None,
        early: bool = False,
    ) -> None:
        """Re-run the filter; the cursor stays on ``keep`` (default: the highlighted post).

        Args:
            sidebar: gather the sidebar's counts and tags again (a new sort order changes neither).
            reverse: ``(position, count)`` of the highlighted post in the list shown, when the new
                list is that one in reverse order (newest first to oldest first, or back).
            early: a new order of the list shown: its first screen around the kept post read
                from that post's key and shown before its place in the whole list is counted.
        """
        library = self.app.library
        try:
            compiled = library.compile(self.filter.query(), prefix_last=True)
        except LibraryError as exc:
            self._set_status(error=str(exc))
            return
        keep = self.posts.highlighted_id if keep is None else keep
        self._load_ids(compiled, keep, self.sort, sidebar, reverse, early)
        self.app.remember("ui.filter", self.filter.to_json())

    @property
    def sort(self) -> str | None:
        """The current view's sort order (None: newest first, or best match first for words)."""
        return self._sorts.get(self.filter.key())

    def set_sort(self, order: str | None, *, resume: bool = False) -> None:
        """Sort the current view (remembered for it); ``resume``: to its reading place (else the
        cursor stays on the highlighted post)."""
        key = self.filter.key()
        was = self.sort or ("best" if self._ranked else "newest")
        if order is None:
            self._sorts.pop(key, None)
        else:
            self._sorts[key] = order
        self.app.remember("ui.sort", json.dumps(self._sorts))
        place = self._places.get(key) if resume else None
        self._to_top = resume and place is None  # nothing read yet: from the first post
        now = order or ("best" if self.filter.text.strip() else "newest")
        posts = self.posts
        # Newest first to oldest first (or back) is the same list reversed: the highlighted post's
        # place in it is known (the worker checks it), no count is needed.
        reverse = (posts.cursor, posts.count) if {was, now} == {"newest", "oldest"} and not resume else None
        self.apply_filter(keep=place, sidebar=False, reverse=reverse, early=True)

    def read_from_start(self) -> None:
        """Serial reading: the current view oldest first, from where its reading stopped."""
        self.set_sort("oldest", resume=True)

    def action_cycle_sort(self) -> None:
        """Newest first, oldest first, by feed, by title, then newest again."""
        order = self.sort or "newest"
        self.set_sort(SORT_ORDERS[(SORT_ORDERS.index(order) + 1) % len(SORT_ORDERS)])

    @work(thread=True, exclusive=True, group="filter", exit_on_error=False)
    def _load_ids(
        self,
        compiled: Compiled,
        keep: int | None,
        order: str | None = None,
        sidebar: bool = True,
        reverse: tuple[int, int] | None = None,
        early: bool = False,
    ) -> None:
        # Words in the query: best match first (relevance, then date) unless the view has a sort
        # order of its own; otherwise newest first.
        library = self.app.library
        ranked = compiled.match is not None and order is None
        ids = library.post_window(compiled, ranked=ranked, order=order or "newest")
        worker = get_current_worker()
        # What the list's first screen needs is read here, off the event loop: where the kept
        # post is and the rows around it. Not the count, unless it is known without counting (a
        # list the count tables cannot size is counted after its first screen: _count_list).
        count = ids.known_length()
        position = None
        height = self.posts.scrollable_content_region.height or 50
        if keep is not None and not worker.is_cancelled:
            if (
                count is not None
                and reverse is not None
                and reverse[1] == count
                and 0 <= count - 1 - reverse[0] < count
            ):
                mirrored = count - 1 - reverse[0]
                position = mirrored if ids[mirrored] == keep else None
            if early and position is None and count is not None:
                # The first screen from the kept post's key, before its position in the whole
                # list is counted (by title at 1M posts: 50-100 ms over the index): the posts
                # either side of it, then the whole list placed (the cursor where it is then).
                first = ids.excerpt(keep, height, height)
                if first is not None and not worker.is_cancelled:
                    at = first.position(keep)
                    first_rows = library.rows(list(first))
                    self.app.call_from_thread(self._show_ids, first, keep, ranked, at, first_rows, False)
            if position is None:
                position = ids.position(keep)
        start = max(0, (position or 0) - height)
        if position is not None and keep is not None and not worker.is_cancelled:
            ids.read_around(keep, position, start, start + 2 * height)  # by its key, not an offset
        rows = library.rows(list(ids[start : start + 2 * height])) if not worker.is_cancelled else []
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show_ids, ids, keep, ranked, position, rows, sidebar)

    def _show_ids(
        self,
        ids: Sequence[int],
        keep: int | None,
        ranked: bool = False,
        position: int | None = None,
        rows: Sequence[PostRow] = (),
        sidebar: bool = True,
    ) -> None:
        shown = self.posts.ids
        if shown.whole is ids and position is not None and keep is not None:
            # The whole list after its first screen from the kept post (an excerpt): the cursor
            # stays on the post highlighted in the excerpt meanwhile, on its line.
            now, kept_at = self.posts.highlighted_id, shown.position(keep)
            at = shown.position(now) if now is not None else None
            if at is not None and kept_at is not None:
                keep, position = now, position + at - kept_at
                rows = [*rows, *(row for pid in shown if (row := self.posts.cached_row(pid)) is not None)]
        self._ranked = ranked
        if self._to_top:
            self._to_top, keep = False, None
        if self._anchor_or_top:
            self._anchor_or_top = False
            if keep is not None and position is None:  # not in the new list
                keep = None
        self.posts.set_posts(ids, keep=keep, position=position, rows=rows)
        self._count_list(ids)
        self._set_status()
        if sidebar:
            self.load_sidebar()  # after the card, when one is on its way (they share the connection)

    def _count_list(self, ids: Sequence[int]) -> None:
        """Count a list shown before it was counted (a window on a large cache), off the UI thread."""
        if not self.posts.counted:
            self._count_in_worker(ids)

    @work(thread=True, exclusive=True, group="count", exit_on_error=False)
    def _count_in_worker(self, ids: Sequence[int]) -> None:
        size = len(ids)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._counted, ids, size)

    def _counted(self, ids: Sequence[int], size: int) -> None:
        if self.posts.set_length(ids, size):
            self._set_status()

    def load_sidebar(self) -> None:
        """Gather the sidebar's counts again: now, or once what holds them is painted (its first
        lines never wait: they are part of the first screen)."""
        if self._sidebar_holds and self.sidebar.filled:
            self._sidebar_due = True
        else:
            self._gather_sidebar()

    def _hold_sidebar(self, reason: str) -> None:
        """Keep the sidebar as it is until ``reason`` is painted (:meth:`_release_sidebar`), or
        SIDEBAR_WAIT has passed: its counts, gathered in a worker beside the paint, and its lines,
        laid out again in the same frame (an entry that appears: "Continue reading" as a post is
        opened half read), took the interpreter from a card or a post's first screen."""
        kept = self._sidebar_holds.pop(reason, None)
        if kept is not None:
            kept[1].stop()
        self._hold_tokens += 1
        token = self._hold_tokens
        timer = self.set_timer(
            SIDEBAR_WAIT, lambda: self._release_sidebar(reason, token), name=f"{DEBOUNCE}sidebar-{reason}"
        )
        self._sidebar_holds[reason] = (token, timer)
        self._pause_collector()

    def _release_after_paint(self, reason: str) -> None:
        """Let the sidebar go once the frame being prepared is painted (the hold placed now, not a
        later one for the same reason)."""
        kept = self._sidebar_holds.get(reason)
        if kept is not None:
            token = kept[0]
            self.call_after_refresh(lambda: self._release_sidebar(reason, token))

    def _release_sidebar(self, reason: str, token: int | None = None) -> None:
        """``reason`` is painted: the counts asked for meanwhile go, once nothing else holds them."""
        kept = self._sidebar_holds.get(reason)
        if kept is None or (token is not None and kept[0] != token):
            return
        del self._sidebar_holds[reason]
        kept[1].stop()
        if self._sidebar_holds:
            return
        self._resume_collector()
        shown, self._sidebar_kept = self._sidebar_kept, None
        if self._sidebar_due:
            self._sidebar_due = False
            self._gather_sidebar()
        elif shown is not None:
            self._show_sidebar(*shown)

    def _pause_collector(self) -> None:
        """While a card or a post's first screen is being painted (something holds the sidebar),
        Python's cyclic garbage collector waits too: a full collection at 200,000 posts took
        60-100 ms, in the middle of those frames when it came due then (traced). It runs once they
        are painted (SIDEBAR_WAIT at most); a collector switched off by someone else is left so."""
        if not self._collector_paused and gc.isenabled():
            gc.disable()
            self._collector_paused = True

    def _resume_collector(self) -> None:
        if self._collector_paused:
            self._collector_paused = False
            gc.enable()

    def _freeze_start_up(self) -> None:
        """Move what start-up made into the collector's permanent generation (``gc.freeze``): those
        objects live as long as the app, yet every full collection walked all of them, 35-90 ms
        of the UI thread each time one came due, whatever was being painted (traced: 88 ms in the
        frame after a feed's card). After it, a full collection walks only what was made since:
        under a millisecond at once. At start-up nothing is garbage yet (a collection there
        finds no unreachable object), so nothing is kept that would have been freed."""
        if not self._start_up_frozen:
            self._start_up_frozen = True
            gc.freeze()

    def on_unmount(self) -> None:
        self._resume_collector()
        if self._start_up_frozen:  # this app's objects collectable again once it is gone
            self._start_up_frozen = False
            gc.unfreeze()

    @work(thread=True, exclusive=True, group="sidebar", exit_on_error=False)
    def _gather_sidebar(self) -> None:
        """Counts, feeds, tags within the current filter and saved views, gathered off the UI thread."""
        library = self.app.library
        feeds = library.feeds()
        counts = {
            "all": library.count(""),
            "unread": library.count("is:unread"),
            "starred": library.count("is:starred"),
            # The feeds' own counts hold the backlog: no query of its own.
            "backlog": sum(f.backlog for f in feeds),
            "reading": library.count("is:reading"),
        }
        try:
            tags = library.tags(library.compile(self.filter.query(), prefix_last=True))
        except LibraryError:
            tags = library.tags()
        views = library.views()
        if get_current_worker().is_cancelled:
            return
        self.app.call_from_thread(self._show_sidebar, counts, feeds, tags, views)

    def _show_sidebar(self, counts, feeds, tags, views) -> None:  # type: ignore[no-untyped-def]
        if self._sidebar_holds and self.sidebar.filled:  # come as something is painted: after it
            self._sidebar_kept = (counts, feeds, tags, views)
            return
        self.sidebar.show(
            counts=counts,
            feeds=feeds,
            tags=tags,
            views=views,
            base=self.filter.base,
            selected_tags=set(self.filter.tags),
        )
        self._set_status()
        if not self._start_up_frozen:  # the first full screen: start-up is over once it is painted
            self.call_after_refresh(self._freeze_start_up)

    def _set_status(
        self, error: str | None = None, message: str | None = None, *, lasting: bool = False
    ) -> None:
        """The status line: the view, its count, order and place, and the latest news.

        Args:
            error: shown instead of the rest until status_seconds or a key clears it (drawing
                the line again for the count or the place keeps it).
            message: the news, shown first (a progress bar or a narrow terminal leaves the end
                out of sight); it clears after status_seconds unless ``lasting`` (a running
                refresh's progress, find's "3 of 11"), or when a new one replaces it.
        """
        status = self.query_one("#status", Static)
        if error is None and message is None and self._status_error:
            # An error stays its time (or until a key clears it): the list's count or the
            # post's place landing a moment later wiped it unread.
            return
        self._status_error = bool(error)
        if error or message:
            self._news_at = time.monotonic()
        if error:
            status.update(Text(f" {error}", style="bold red"), layout=False)
            self._expire_status()
            return
        if message is not None:
            self._status_text = message
            self._status_lasting = lasting
            if message and not lasting:
                self._expire_status()
        order = " · best match first" if self._ranked else ""
        if self.sort is not None:
            order = f" · {ORDER_WORDS[self.sort]}"
        base = self.filter.base
        feed = self.sidebar.feed_of(base.value) if base.kind == "feed" else None
        label = self.filter.describe(feed.title if feed is not None else None)
        text = Text(" ", style="dim")
        if self._status_text:
            text.append(self._status_text, style="italic")
            text.append("  ·  ")
        more = "" if self.posts.counted else "+"  # the count follows the first screen
        count = self.posts.count
        whole = self.posts.ids.whole
        if whole is not None:  # an excerpt, the whole list on its way: its length (known)
            count, more = len(whole), ""
        text.append(f"{label} · {count:,}{more} posts{order}")
        if feed is not None:
            # A chosen feed: how its archive came home, as `blogtui feeds` says it.
            text.append(f" · {archive_words(feed)}", style="dim")
        place = self._place_words()
        if place:
            text.append(f" · {place}", style="")
        # Its size is the status bar's, whatever it says (#status: 1fr by 1): no layout of the
        # screen, which repainted every widget (~20-40 ms at each list shown, on the event loop).
        status.update(text, layout=False)

    def on_key(self, event: events.Key) -> None:
        """A key that does something (a live binding: its action runs once the key is back at
        the app, after this) makes the news shown before it stale: it goes now, and whatever the
        key's own action says is shown. Lasting news (a refresh under way, find's count) stays."""
        active = self.app.active_bindings.get(event.key)
        if active is not None and active.enabled:
            self._clear_news()

    def _clear_news(self) -> None:
        """Clear a message or an error that is not lasting (stale news), once it has been shown
        for news_seconds (younger news stays for its timer)."""
        if self._status_lasting or not (self._status_text or self._status_error):
            return
        if time.monotonic() - self._news_at < self.news_seconds:
            return
        if self._status_timer is not None:
            self._status_timer.stop()
            self._status_timer = None
        self._status_text = ""
        self._status_error = False
        self._set_status()

    def _expire_status(self) -> None:
        """Clear the news (or an error) in status_seconds, unless newer news comes first."""
        if self._status_timer is not None:
            self._status_timer.stop()
        self._status_timer = self.set_timer(self.status_seconds, self._status_expired, name="status")

    def _status_expired(self) -> None:
        self._status_timer = None
        if not self._status_lasting:
            self._status_text = ""
        self._status_error = False
        self._set_status()

    def _place_words(self) -> str:
        """Where the post being read is in the list: "post 37 of 412 · March 2011"."""
        post_id = self.reader.post_id
        if post_id is None or self.posts.ids.whole is not None:
            return ""  # none, or an excerpt shown: the place in the whole list follows it
        found = self._reader_found
        if found is not None and found[0] is self.posts.ids and found[1] == post_id:
            position, published = found[2], found[3]  # found by the reader's worker
        elif self._finding == post_id:
            return ""  # the reader's worker is finding it (a count: not on the event loop)
        else:
            position = self.posts.position(post_id)
            row = self.posts.row_of(post_id) if position is not None else None
            published = row.published if row is not None else None
        if position is None:
            return ""
        words = f"post {position + 1:,} of {self.posts.count:,}{'' if self.posts.counted else '+'}"
        if published:
            words += f" · {published.strftime('%B %Y')}"
        return words

    # -- a blog's card -------------------------------------------------------------------------

    def load_card(self) -> None:
        """Show the chosen feed's card (facts and timeline) above its posts; no feed, no card."""
        base = self.filter.base
        if base.kind != "feed":
            self.query_one(FeedCard).show(None)
            self._card_done()
            return
        self._hold_sidebar("card")  # a card on its way: the sidebar's counts wait for it
        self._card_painted.clear()
        self._load_card(base.value)

    @work(thread=True, exclusive=True, group="card", exit_on_error=False)
    def _load_card(self, url: str) -> None:
        library = self.app.library
        try:
            feed = library.feed(url, words=True)
            months = library.feed_months(url) if feed is not None else []
            settings = library.feed_settings(url)
        except Exception:
            self.app.call_from_thread(self._card_done)
            raise
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_card, url, feed, months, settings)

    def _show_card(self, url: str, feed, months, settings=None) -> None:  # type: ignore[no-untyped-def]
        if self.filter.base == Entry("feed", url):
            self.query_one(FeedCard).show(feed, months, settings)
        self._card_done()

    def _card_done(self) -> None:
        """The card is shown (or failed): once it is painted, the sidebar's counts waiting for it
        go (feeds, then tags within the view: 40-80 ms of a worker at 200,000 posts, which took
        the interpreter from the card's paint)."""
        self.call_after_refresh(self._card_painted.set)
        self._release_after_paint("card")

    @property
    def chosen_feed(self) -> str | None:
        """The URL of the feed chosen in the sidebar (the card's), if one is."""
        base = self.filter.base
        return base.value if base.kind == "feed" else None

    def rename_feed(self, url: str | None = None) -> None:
        """Ask for a name for a feed (the chosen one by default) and give it; empty: its own title."""
        url = url or self.chosen_feed
        if url is None:
            self.notify("Choose a feed in the sidebar first.", severity="warning")
            return
        feed = self.query_one(Sidebar).feed_of(url)
        title = feed.title if feed is not None and feed.title else url

        def chosen(name: str | None) -> None:
            if name is None:
                return
            name = name.strip()
            message = f"renamed “{title}” to “{name}”" if name else f"“{title}”: its feed's own title again"

            def renamed() -> None:
                self._set_status(message=message)
                self.load_card()

            self.app.write(lambda library: library.rename(url, name), refresh_sidebar=True, then=renamed)

        self.app.push_screen(rename_dialog(title), chosen)

    def toggle_feed_setting(self, key: str) -> None:
        """Turn one of the chosen feed's own settings on or off (saved in config.toml)."""
        url = self.chosen_feed
        if url is None:
            self.notify("Choose a feed in the sidebar first.", severity="warning")
            return
        library = self.app.library
        value = not getattr(library.feed_settings(url), key)
        try:
            settings = library.set_feed_setting(url, key, value)
        except ConfigError as exc:
            self._set_status(error=str(exc))
            return
        self._set_status(message=f"this feed: {settings_words(settings)} (saved in config.toml)")
        self.load_card()

    def on_sidebar_rename_feed(self, event: Sidebar.RenameFeed) -> None:
        self.rename_feed(event.url)

    def on_year_bar_picked(self, event: YearBar.Picked) -> None:
        """Move the list to the year picked on the timeline: its first post in the list's order."""
        year = event.year
        try:
            compiled = self.app.library.compile(
                f"({self.filter.query()}) after:{year}-01-01 before:{year + 1}-01-01"
            )
        except LibraryError as exc:
            self._set_status(error=str(exc))
            return
        self._go_to_year(compiled, year)

    @work(thread=True, exclusive=True, group="year", exit_on_error=False)
    def _go_to_year(self, compiled: Compiled, year: int) -> None:
        posts = set(self.app.library.post_ids(compiled))
        self.app.call_from_thread(self._land_in_year, posts, year)

    def _land_in_year(self, posts: set[int], year: int) -> None:
        target = next((pid for pid in self.posts.ids if pid in posts), None)
        if target is None:
            self._set_status(message=f"no post of {year} in this list")
            return
        self.posts.move_to(target)
        self._set_status(message=f"{year}")

    # -- list and reader -----------------------------------------------------------------------

    def on_post_list_highlighted(self, event: PostList.Highlighted) -> None:
        if self._highlight_timer is not None:
            self._highlight_timer.stop()
        if event.post_id is None:
            self.reader.show(None)
            return
        post_id, chosen = event.post_id, self._chosen
        self._highlight_timer = self._debounce(
            self.highlight_delay, lambda: self._preview(post_id, chosen), "highlight"
        )

    def _debounce(self, delay: float, callback: Callable[[], None], name: str) -> Timer | None:
        """Call back in ``delay`` seconds (a timer the next event may stop); with 0, after this event."""
        if delay <= 0:
            self.call_next(callback)
            return None
        return self.set_timer(delay, callback, name=DEBOUNCE + name)

    def _preview(self, post_id: int, chosen: int) -> None:
        if chosen != self._chosen:
            return  # of the list left for a feed chosen since (its timer due as it was chosen)
        if self.posts.highlighted_id == post_id and post_id not in (self.reader.post_id, self._reader_wants):
            self.load_post(post_id)

    def on_post_list_selected(self, event: PostList.Selected) -> None:
        self.open_post(event.post_id, focus_reader=True)

    def open_post(self, post_id: int, *, focus_reader: bool = False) -> None:
        """Show a post in the reader and mark it read."""
        # Opening is the last word: a preview asked for meanwhile (a highlight still on its way)
        # must not replace the post opened, even when this one is on screen already.
        if self.reader.post_id != post_id or self._reader_wants != post_id:
            self.load_post(post_id)
        self.posts.update_row(post_id, read=True)
        self.app.write(lambda lib: lib.mark_read([post_id]), refresh_sidebar=True)
        self.app.remember("ui.post", str(post_id))
        key = self.filter.key()
        if self._places.get(key) != post_id:
            self._places.pop(key, None)
            self._places[key] = post_id
            while len(self._places) > PLACES:
                del self._places[next(iter(self._places))]
            self.app.remember("ui.place", json.dumps(self._places))
        if focus_reader:
            self.reader.focus()

    def load_post(self, post_id: int, keep_scroll: bool = False) -> None:
        """Render a post in a worker: its first screen first, then the rest.

        The reader shows only the post asked for last: a worker that was overtaken (a quick
        ``j j k enter``) may still hand over its document, and it is dropped.
        """
        self._reader_wants = post_id
        self._finding = post_id  # where it is in the list: the worker finds it
        # Laid out again (a new width, a star, a tag): its first screen is where the reader is.
        reader = self.reader
        document = reader.document
        at = None
        if keep_scroll and document is not None and document.post_id == post_id:
            at = document.place_of(int(reader.scroll_y))
        self._hold_sidebar("reader")  # until its first screen is painted
        # The feeds chosen so far, read here: the worker may start after another is chosen.
        self._load_post(post_id, keep_scroll, at, self._chosen)

    @work(thread=True, exclusive=True, group="reader", exit_on_error=False)
    def _load_post(self, post_id: int, keep_scroll: bool, at: float | None, chosen: int) -> None:
        worker = get_current_worker()
        library = self.app.library

        def card_first() -> None:
            # A feed chosen since this post was asked for (a preview of the list left, most
            # often): its card and list go first; the layout would share the interpreter with
            # their paint (the second feed chosen in a row took 110-120 ms, not 40-60, at 200k).
            if self._chosen != chosen:
                self._card_painted.wait(CARD_FIRST_WAIT)

        post = library.post(post_id)
        if post is None or worker.is_cancelled:
            if post is None:  # nothing to paint: the sidebar need not wait
                self.app.call_from_thread(self._release_sidebar, "reader")
            return
        if not post.title:  # an untitled post's header shows its opening words, as the list does
            post = replace(post, title=opening_words(post.summary) or opening_words(post.content_html))
        width = self._reader_width()
        dark = self.app.current_theme.dark
        highlight = None
        if self.filter.text.strip():
            try:
                highlight = library.compile(self.filter.text, prefix_last=True)
            except LibraryError:
                highlight = None
        mine = library.post_tags(post_id, user=True)
        # A half-read post opens where its reading stopped: the screen there is laid out first.
        place = at if keep_scroll else library.reading_place(post_id)
        # Its kept images, drawn in it (read only here: a write could wait on a refresh's lock).
        images = library.post_images(post_id, touch=False) if self.reader.show_images else []
        layout = PostLayout(post, width, dark=dark, highlight=highlight, user_tags=mine, images=images)
        reader = self.reader
        card_first()
        first = layout.first_screen(
            reader.scrollable_content_region.height or reader.size.height or 70, place
        )
        if worker.is_cancelled:
            return
        self.app.call_from_thread(self._show_document, first, keep_scroll, place)
        if any(cached for _, cached in images) and not keep_scroll and not library.read_only:
            # Marked read (evicted last) by the app's writer, once the first screen is up.
            self.app.call_from_thread(self.app.write, lambda lib: lib.post_images(post_id))
        if not first.complete:
            # The first screen painted before the rest is laid out (the two would share the
            # interpreter, and the screen wait its turn).
            painted = threading.Event()
            self.app.call_from_thread(self.call_after_refresh, painted.set)
            painted.wait(FIRST_PAINT_WAIT)
        if worker.is_cancelled:
            return
        card_first()
        # Where the post is in the list, for the status line ("post 37 of 412"), after its first
        # screen: in a window on the cache that can be a count.
        self.app.call_from_thread(self._found_in_list, self._find_in_list(post_id, post.published))
        if not first.complete:
            full = layout.whole()  # the blocks of the first screen are not laid out again
            if not worker.is_cancelled:
                # In place of the first screen, the lines on screen where they are.
                self.app.call_from_thread(self._show_document, full, True)
        # A feed whose full articles are asked for ([feeds."URL"] full_article): fetched on opening.
        if not keep_scroll and wants_full_article(post) and library.feed_settings(post.feed_url).full_article:
            if not worker.is_cancelled:
                self.app.call_from_thread(self.action_full_article)

    def _find_in_list(
        self, post_id: int, published: datetime | None
    ) -> tuple[Sequence[int], int, int | None, datetime | None]:
        """Where a post is in the list shown, for the status line, found in the reader's worker:
        in a window on the cache it can be a count when the post's page is not kept. The list's
        own window is asked (windows are read from any thread, each on its own connection): the
        post opened from the list is on a page it keeps, found without a query."""
        ids = self.posts.ids
        return ids, post_id, ids.position(post_id), published

    def _found_in_list(self, found: tuple[Sequence[int], int, int | None, datetime | None]) -> None:
        if found[1] == self._finding:
            self._finding = None
            if found[2] is not None:
                self._reader_found = found
            self._set_status()

    def _show_document(self, document: Document, keep_scroll: bool, place: float | None = None) -> None:
        if document.post_id != self._reader_wants:
            return  # an overtaken worker's post
        reader = self.reader
        self._plain = document
        needle = self.query_one(FindBox).value if self.query_one(FindBox).has_class("-active") else ""
        self._matches = find_matches(document, needle) if needle else []
        self._match = min(self._match, max(0, len(self._matches) - 1)) if keep_scroll else 0
        if self._matches:
            document = marked(document, self._matches, len(needle), self._match)
        shown = reader.document
        top = document.line_of(place) if place is not None else 0
        if keep_scroll and shown is not None and shown.post_id == document.post_id:
            # The same text at the top: where the reader is in the lines shown (laid out for
            # the same width, the same line; for another, the line nearest the same words).
            at = shown.place_of(int(reader.scroll_y))
            top = document.line_of(at) if at is not None else int(reader.scroll_y)
        reader.show(document, top=top)
        self._set_status()
        self._release_after_paint("reader")

    def _reader_scrolled(self, y: float) -> None:
        document = self.reader.document
        if document is None or not document.complete:
            return
        if self._place_timer is not None:
            self._place_timer.stop()
        post_id = document.post_id
        self._place_timer = self._debounce(self.place_delay, lambda: self._save_place(post_id), "place")

    def _save_place(self, post_id: int) -> None:
        """Keep how far down the post the reader is; at its top or its end it is not half read."""
        reader = self.reader
        if reader.post_id != post_id:
            return
        end, y = reader.max_scroll_y, int(reader.scroll_y)
        document = reader.document
        # How far into the post's text the top line is: the same words at any width.
        place = document.place_of(y) if document is not None and 0 < y < end else None
        self.app.write(lambda lib: lib.set_reading_place(post_id, place), refresh_sidebar=True)

    # -- find in the post ----------------------------------------------------------------------

    def action_find(self) -> None:
        box = self.query_one(FindBox)
        box.add_class("-active")
        box.focus()

    def _close_find(self) -> None:
        box = self.query_one(FindBox)
        box.remove_class("-active")
        box.value = ""
        self._matches = []
        if self._plain is not None and self.reader.post_id == self._plain.post_id:
            self.reader.show(self._plain, keep_scroll=True)
        self.reader.focus()
        self._set_status(message="")

    def _find(self, needle: str, step: int = 0) -> None:
        """Mark ``needle`` in the post and scroll to the current match (``step``: the next or previous)."""
        plain = self._plain
        if plain is None or self.reader.post_id != plain.post_id:
            return
        if step == 0:
            self._matches = find_matches(plain, needle)
            self._match = 0
        elif self._matches:
            self._match = (self._match + step) % len(self._matches)
        if not self._matches:
            self.reader.show(plain, keep_scroll=True)
            self._set_status(message=f"“{needle}”: not in this post" if needle else "", lasting=True)
            return
        self.reader.show(marked(plain, self._matches, len(needle), self._match), keep_scroll=True)
        line = self._matches[self._match][0]
        self.reader.scroll_to(y=max(0, line - 2), animate=False)
        self._set_status(message=f"“{needle}”: {self._match + 1} of {len(self._matches)}", lasting=True)

    def on_find_box_step(self, event: FindBox.Step) -> None:
        self._find(self.query_one(FindBox).value, event.by)

    def action_next_unread(self) -> None:
        """The next post below not read yet (unread or backlog), opened."""
        try:
            compiled = self.app.library.compile(f"({self.filter.query()}) (is:unread OR is:backlog)")
        except LibraryError as exc:
            self._set_status(error=str(exc))
            return
        current = self._reader_post() or self.posts.highlighted_id
        self._next_unread(compiled, current)

    @work(thread=True, exclusive=True, group="next-unread", exit_on_error=False)
    def _next_unread(self, compiled: Compiled, current: int | None) -> None:
        unread = set(self.app.library.post_ids(compiled))
        self.app.call_from_thread(self._go_to_unread, unread, current)

    def _go_to_unread(self, unread: set[int], current: int | None) -> None:
        posts = self.posts
        start = posts.position(current) if current is not None else None
        ids = posts.ids
        after = (start + 1) if start is not None else 0
        target = next((pid for pid in ids[after:] if pid in unread), None)
        if target is None:
            self._set_status(message="no unread post below")
            return
        posts.move_to(target)
        self.open_post(target)

    def action_next_post(self) -> None:
        post_id = self.posts.next()
        if post_id is not None:
            self.open_post(post_id)

    def action_previous_post(self) -> None:
        post_id = self.posts.previous()
        if post_id is not None:
            self.open_post(post_id)

    def _current(self) -> int | None:
        return self._reader_post() if self.focused is self.reader else self.posts.highlighted_id

    def _reader_post(self) -> int | None:
        """The reader's post: the one being opened while its load is on its way (a key pressed
        right after enter is for it, not for the post still shown), else the one shown."""
        if self._reader_wants is not None and self._reader_wants != self.reader.post_id:
            return self._reader_wants
        return self.reader.post_id

    def action_toggle_read(self) -> None:
        self._toggle("read")

    def action_toggle_star(self) -> None:
        self._toggle("starred")

    def _toggle(self, state: str) -> None:
        """Flip ``read`` or ``starred`` on the current post: the row at once, the store in a worker."""
        post_id = self._current()
        if post_id is None:
            return
        row = self.app.library.rows([post_id])
        value = not (row and getattr(row[0], state))
        self.posts.update_row(post_id, **{state: value})
        if state == "read":
            self.app.write(lambda lib: lib.mark_read([post_id], value), refresh_sidebar=True)
        else:
            self.app.write(lambda lib: lib.star([post_id], value), refresh_sidebar=True)
            if self.reader.post_id == post_id:
                self.load_post(post_id, keep_scroll=True)

    def action_mark_all_read(self) -> None:
        query = self.filter.query()
        ids = self.posts.ids
        count = len(ids if ids.whole is None else ids.whole)  # the whole list, counted if not yet

        def done(confirmed: bool | None) -> None:
            if confirmed:
                self.app.write(lambda lib: lib.mark_all_read(query), refresh_list=True)

        self.app.push_screen(ConfirmDialog(f"Mark all {count:,} posts in view read?"), done)

    def action_tag_post(self) -> None:
        """Put a tag of the user's own on the current post (``-name`` takes one off)."""
        post_id = self._current()
        if post_id is None:
            return
        mine = self.app.library.post_tags(post_id, user=True)

        def chosen(value: str | None) -> None:
            if not value:
                return
            remove = value.startswith("-")
            name = value.lstrip("+-").strip()
            if not name:
                return

            def change(library: Library) -> object:
                if remove:
                    return library.remove_user_tag(post_id, name)
                return library.add_user_tag(post_id, name)

            message = f"tag “{name}” taken off" if remove else f"tagged “{name}”"
            self.app.write(change, refresh_sidebar=True, then=lambda: self._tagged(post_id, message))

        self.app.push_screen(tag_dialog(mine), chosen)

    def action_save_view(self) -> None:
        """Save what the list shows (entry, tags and query) as a named view."""
        query = self.filter.query().strip()
        if not query:
            self.notify("All posts need no view: filter the list first (/, t, a sidebar entry).")
            return

        def chosen(name: str | None) -> None:
            if name:
                name = name.lstrip("@").strip()
                self.app.write(
                    lambda library: library.save_view(name, query),
                    refresh_sidebar=True,
                    then=lambda: self._set_status(message=f"saved as @{name}"),
                )

        self.app.push_screen(view_dialog(query), chosen)

    def _tagged(self, post_id: int, message: str) -> None:
        self._set_status(message=message)
        if self.reader.post_id == post_id:
            self.load_post(post_id, keep_scroll=True)

    # -- links ---------------------------------------------------------------------------------

    def action_open_in_browser(self) -> None:
        post_id = self._current()
        if post_id is None:
            return
        url = self.app.library.post_url(post_id)
        if url is not None:
            self.app.open_url(url)

    def action_copy_url(self) -> None:
        post_id = self._current()
        url = self.app.library.post_url(post_id) if post_id is not None else None
        if not url:
            self.notify("This post has no link to copy.", severity="warning")
            return
        self.app.copy_to_clipboard(url)
        self.notify(f"Copied {url}", timeout=2)

    def action_open_link(self, number: int) -> None:
        links = self.reader.links
        if not links:
            self.notify("This post has no links.", severity="warning")
        elif number > len(links):
            self.notify(f"No link {number}: this post has {len(links)}.", severity="warning")
        else:
            self.app.open_url(links[number - 1])

    def action_follow_link(self) -> None:
        links = list(self.reader.links)
        if not links:
            self.notify("This post has no links.", severity="warning")
            return

        def chosen(number: int | None) -> None:
            if number:
                self.app.open_url(links[number - 1])

        self.app.push_screen(FollowLinkDialog(links), chosen)

    def action_footnote(self) -> None:
        """Follow the next footnote from the top of the reader's screen down; again: back."""
        if not self.reader.follow_footnote():
            self.notify("No footnote below in this post.", severity="warning")

    def action_full_article(self) -> None:
        post_id = self._reader_post() or self.posts.highlighted_id
        if post_id is None:
            return
        self._set_status(message="fetching the full article…")
        self._fetch_article(post_id)

    @work(thread=True, exclusive=True, group="article", exit_on_error=False)
    def _fetch_article(self, post_id: int) -> None:
        library = self.app.library
        post = library.post(post_id)
        if post is None:
            return
        if not wants_full_article(post):
            message = "this post already holds the whole article"
            self.app.call_from_thread(self._set_status, message=message)
            return
        try:
            library.fetch_full_article(post_id)
        except LibraryError as exc:
            self.app.call_from_thread(self._set_status, error=str(exc))
            return
        self.app.call_from_thread(self._set_status, message="full article saved for offline reading")
        self.app.call_from_thread(self.load_post, post_id)

    # -- filter keys ---------------------------------------------------------------------------

    def action_search(self) -> None:
        box = self.query_box
        box.add_class("-active")
        # At once (focus() would wait behind queued messages): the keys typed after / go to the box.
        self.set_focus(box)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "find":
            self._find(event.value)
            return
        if event.input.id != "query":
            return
        self._clear_news()  # typing a query is doing something: older news is stale
        if self._query_timer is not None:
            self._query_timer.stop()
        self._query_timer = self._debounce(
            self.query_delay, lambda: self._query_changed(event.value), "query"
        )

    def _query_changed(self, value: str) -> None:
        if value != self.filter.text:
            if self._query_anchor is None:
                self._query_anchor = self.posts.highlighted_id
            self.filter.text = value
            self._anchor_or_top = True
            self.apply_filter(keep=self._query_anchor)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "find":
            self._find(event.value, 1)
        if event.input.id == "query":
            self._query_changed(event.value)
            self._query_anchor = None  # the next query starts from the post highlighted then
            self.posts.focus()

    def action_clear(self) -> None:
        """Escape steps back one layer: full screen, then the reader, then the query, then tags."""
        box = self.query_box
        if self.query_one(FindBox).has_class("-active"):
            self._close_find()
        elif self.has_class("-reading"):
            self.action_zoom()
        elif self.focused is self.reader:
            self.posts.focus()
        elif self.focused is box or self.filter.text:
            box.value = ""
            box.remove_class("-active")
            self.filter.text = ""
            self.posts.focus()
            self.apply_filter()
        elif self.filter.tags or self.filter.base != Entry("smart", "all"):
            self.filter = Filter()
            self.apply_filter()

    def action_focus_tags(self) -> None:
        if self.has_class("-reading"):
            self.action_zoom()  # out of full screen: the tags are in the sidebar
        if not self.sidebar.display:
            self._sidebar_forced = True
            self._fold_sidebar(self.app.size.width)
            self.call_after_refresh(self.sidebar.go_to_tags)  # once it is laid out
        else:
            self.sidebar.go_to_tags()
        self.sidebar.focus()

    def action_toggle_sidebar(self) -> None:
        if self.has_class("-reading"):  # b in full screen: out of it, with the sidebar
            self._sidebar_forced = True
            self.action_zoom()
            return
        self._sidebar_forced = not self._sidebar_wanted(self.app.size.width)
        self._fold_sidebar(self.app.size.width)

    def action_toggle_images(self) -> None:
        """Draw the post's kept images in it, or show them as links."""
        reader = self.reader
        reader.show_images = not reader.show_images
        self._set_status(message="images shown" if reader.show_images else "images as links")
        if reader.post_id is not None:
            self.load_post(reader.post_id, keep_scroll=True)

    def action_zoom(self) -> None:
        self.toggle_class("-reading")
        self._fold_sidebar(self.app.size.width)
        if self.has_class("-reading"):
            post_id = self.posts.highlighted_id
            if post_id is not None and self.reader.post_id != post_id:
                self.open_post(post_id)
            self.reader.focus()
        else:
            self.posts.focus()
        self.call_after_refresh(self.on_resize)

    def on_sidebar_chosen(self, event: Sidebar.Chosen) -> None:
        # The preview of the post highlighted in the list left is stale: the new list's highlight
        # starts its own (the old one, due meanwhile, loaded a post of the list left while the
        # new card and list were on their way: the second feed chosen in a row was the slowest).
        if self._highlight_timer is not None:
            self._highlight_timer.stop()
            self._highlight_timer = None
        self.filter.base = event.entry
        self.load_card()
        self._chosen += 1  # after the card's event is cleared: a worker that sees it waits
        # A view read oldest first resumes where its reading stopped (serial reading).
        place = self._places.get(self.filter.key()) if self.sort == "oldest" else None
        self.apply_filter(keep=place if place is not None else self.posts.highlighted_id)

    def on_sidebar_folded(self, event: Sidebar.Folded) -> None:
        self.app.remember("ui.folded", json.dumps(dict.fromkeys(sorted(event.collapsed), 1)))

    def on_sidebar_tag_toggled(self, event: Sidebar.TagToggled) -> None:
        folded = {t.casefold(): t for t in self.filter.tags}
        if event.name.casefold() in folded:
            self.filter.tags.remove(folded[event.name.casefold()])
        else:
            self.filter.tags.append(event.name)
        self.apply_filter()

    def on_sidebar_mark_read(self, event: Sidebar.MarkRead) -> None:
        """Mark every post of a feed, a view or a smart entry read (asks first)."""
        query = Filter(base=event.entry).query()
        label = event.label

        def done(confirmed: bool | None) -> None:
            if confirmed:
                self.app.write(
                    lambda lib: lib.mark_all_read(query), refresh_list=True, message=f"{label}: all read"
                )

        self.app.push_screen(ConfirmDialog(f"Mark every post of {label} read?"), done)

    def on_sidebar_remove_feed(self, event: Sidebar.RemoveFeed) -> None:
        url, title = event.url, event.title

        def done(confirmed: bool | None) -> None:
            if confirmed:
                if self.filter.base == Entry("feed", url):
                    self.filter.base = Entry("smart", "all")
                self.app.write(lambda lib: lib.remove(url), refresh_list=True, message=f"removed {title}")

        self.app.push_screen(
            ConfirmDialog(f"Remove {title}?", f"{url}\nIts posts are deleted from the cache."), done
        )

    # -- app-wide messages ---------------------------------------------------------------------

    def on_fetch_progress(self, event: FetchProgress) -> None:
        progress = event.progress
        text = f"{event.verb} {progress.done}/{progress.total} feeds · {progress.new_posts} new posts"
        if progress.pages > progress.done + 1:  # an archive is being walked: show it moving
            text += f" · {progress.pages} pages"
        self._set_status(message=text, lasting=progress.done < progress.total)  # until it is done
        bar = self.query_one("#fetch-progress", ProgressBar)
        bar.update(total=max(progress.total, 1), progress=progress.done)
        bar.set_class(progress.done < progress.total, "-running")

    def on_library_changed(self, event: LibraryChanged) -> None:
        if event.summary:
            self._set_status(message=event.summary)
        self.load_card()
        self.posts.refresh_rows()
        self.apply_filter()
