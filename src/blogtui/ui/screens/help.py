"""The help screen: every key, grouped, read from the live bindings of the app, screens and widgets.

The groups, their order and each row's wording are written here; the keys of a row are not: they
are read from the ``BINDINGS`` of the classes that handle them, with the app's keymap (``[keys]``
of config.toml) applied over them as Textual applies it, so a rebound key shows its new name. A
binding no row names still shows, under "Other keys", with its own description (and
tests/test_docs.py fails until a row names it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.keys import format_key
from textual.screen import ModalScreen
from textual.widgets import Static

from ..widgets.feed_card import YearBar
from ..widgets.find import FindBox
from ..widgets.post_list import PostList
from ..widgets.reader import ReaderView
from ..widgets.sidebar import Sidebar
from .main import MainScreen
from .welcome import WelcomeScreen


class Ref(NamedTuple):
    """The keys ``owner`` binds to ``action`` (only ``key``, when given)."""

    owner: type
    action: str
    key: str | None = None


class Row(NamedTuple):
    """One line of the help: its keys (refs per position: ``j / k`` is two positions) and text."""

    positions: tuple[tuple[Ref, ...], ...]
    text: str


#: The app's own key for the command palette (``App.COMMAND_PALETTE_BINDING``), not a binding.
PALETTE = "command_palette"
#: Stands for the running app's class in a Ref (the app imports this module, not the reverse).
APP = App


def _row(text: str, *positions: Ref | Sequence[Ref]) -> Row:
    return Row(tuple((p,) if isinstance(p, Ref) else tuple(p) for p in positions), text)


def _links() -> list[Ref]:
    return [Ref(MainScreen, f"open_link({n})") for n in range(1, 10)]


GROUPS: list[tuple[str, list[Row]]] = [
    (
        "Moving",
        [
            _row(
                "move in the list (scroll in the reader)",
                [Ref(PostList, "cursor_down"), Ref(ReaderView, "scroll_down"), Ref(Sidebar, "cursor_down")],
                [Ref(PostList, "cursor_up"), Ref(ReaderView, "scroll_up"), Ref(Sidebar, "cursor_up")],
            ),
            _row(
                "first / last post (top / bottom in the reader)",
                [Ref(PostList, "first"), Ref(ReaderView, "scroll_home")],
                [Ref(PostList, "last"), Ref(ReaderView, "scroll_end")],
            ),
            _row(
                "a page at a time",
                [Ref(PostList, "page_up", "pageup"), Ref(ReaderView, "page_up", "pageup")],
                [Ref(PostList, "page_down", "pagedown"), Ref(ReaderView, "page_down", "pagedown")],
            ),
            _row(
                "a page at a time in the list",
                Ref(PostList, "page_up", "ctrl+u"),
                Ref(PostList, "page_down", "ctrl+d"),
            ),
            _row("a page down in the reader", Ref(ReaderView, "page_down", "space")),
            _row(
                "focus sidebar, list, reader",
                Ref(MainScreen, "app.focus_next"),
                Ref(MainScreen, "app.focus_previous"),
            ),
            _row("focus the tags", Ref(MainScreen, "focus_tags")),
        ],
    ),
    (
        "Reading",
        [
            _row("open the highlighted post", Ref(PostList, "select")),
            _row(
                "next / previous post while reading (next = the row below)",
                Ref(MainScreen, "next_post"),
                Ref(MainScreen, "previous_post"),
            ),
            _row("the next post not read yet (unread or backlog), opened", Ref(MainScreen, "next_unread")),
            _row("full-screen reading", Ref(MainScreen, "zoom")),
            _row("show the post's kept images, or links to them", Ref(MainScreen, "toggle_images")),
            _row("find in the post (escape closes)", Ref(MainScreen, "find")),
            _row(
                "in the find box: the next / previous match (enter: the next)",
                Ref(FindBox, "step(1)"),
                Ref(FindBox, "step(-1)"),
            ),
            _row("open link 1 … 9 of the post", _links()),
            _row("follow a link by number", Ref(MainScreen, "follow_link")),
            _row("follow the next footnote (again: back to the text)", Ref(MainScreen, "footnote")),
            _row(
                "open the post in the browser (http, https, mailto only)", Ref(MainScreen, "open_in_browser")
            ),
            _row("copy the post's link (to the clipboard)", Ref(MainScreen, "copy_url")),
            _row("fetch the full article of a summary-only post", Ref(MainScreen, "full_article")),
        ],
    ),
    (
        "Filtering",
        [
            _row(
                'query box: words, "phrases", tag:, feed:, is:, after:, before:, -negation',
                Ref(MainScreen, "search"),
            ),
            _row(
                "step back: close full screen, leave the reader, clear the query, then tags",
                Ref(MainScreen, "clear"),
            ),
            _row("toggle a tag in the sidebar (several = AND)", Ref(Sidebar, "toggle_tag")),
            _row("choose a sidebar entry (or click it, a post or a [n] link)", Ref(Sidebar, "select")),
            _row("show or hide the sidebar", Ref(MainScreen, "toggle_sidebar")),
            _row(
                "on a feed's timeline: an earlier / a later year",
                Ref(YearBar, "previous_year"),
                Ref(YearBar, "next_year"),
            ),
            _row("on a feed's timeline: move the list to the year (or click it)", Ref(YearBar, "pick")),
            _row("save the list's filter as a view (sidebar, @name)", Ref(MainScreen, "save_view")),
            _row(
                "sort the view: newest, oldest first (resumes where you stopped), by feed, by title",
                Ref(MainScreen, "cycle_sort"),
            ),
        ],
    ),
    (
        "Changing",
        [
            _row("toggle read", Ref(MainScreen, "toggle_read")),
            _row("toggle star", Ref(MainScreen, "toggle_star")),
            _row("put your own tag on the post (-tag takes it off)", Ref(MainScreen, "tag_post")),
            _row("mark every post in view read", Ref(MainScreen, "mark_all_read")),
            _row(
                "mark every post of the feed or view highlighted in the sidebar read",
                Ref(Sidebar, "mark_read"),
            ),
            _row("refresh all feeds", Ref(MainScreen, "app.refresh_feeds")),
            _row("add a feed", [Ref(MainScreen, "app.add_feed"), Ref(WelcomeScreen, "app.add_feed")]),
            _row("remove the feed highlighted in the sidebar (asks first)", Ref(Sidebar, "remove_feed")),
            _row(
                "rename the feed highlighted in the sidebar (refreshes keep the name)",
                Ref(Sidebar, "rename_feed"),
            ),
        ],
    ),
    (
        "App",
        [
            _row("command palette: add feed, refresh, theme, export, quit", Ref(APP, PALETTE)),
            _row("this help", [Ref(MainScreen, "app.help"), Ref(WelcomeScreen, "app.help")]),
            _row("quit", [Ref(MainScreen, "app.quit"), Ref(WelcomeScreen, "app.quit"), Ref(APP, "quit")]),
        ],
    ),
]

#: What the list's and the sidebar's marks mean (not keys: shown in the key column all the same).
MARKS: tuple[tuple[str, str], ...] = (
    ("●", "unread"),
    ("○", "backlog: brought home from the archive, not opened yet"),
    ("★", "starred"),
    ("!", "in the sidebar: the feed's last fetch failed (the reason on the line below)"),
    ("▼ / ▶", "a sidebar section, shown or folded (enter on its heading)"),
)

#: The classes whose own ``BINDINGS`` the help must show, every one (APP: the running app's class).
SOURCES: tuple[type, ...] = (
    APP,
    MainScreen,
    PostList,
    ReaderView,
    Sidebar,
    YearBar,
    FindBox,
    WelcomeScreen,
)

#: How the help writes a key where Textual's short form (esc, pgdn, ⏎) would read worse.
_NAMES = {
    "escape": "escape",
    "enter": "enter",
    "pageup": "page up",
    "pagedown": "page down",
    "delete": "delete",
    "space": "space",
}


def key_name(binding: Binding) -> str:
    """How the help (and the README's key table) writes a binding's key."""
    if binding.key_display:
        return binding.key_display
    return _NAMES.get(binding.key) or format_key(binding.key)


def own_bindings(cls: type) -> list[Binding]:
    """The bindings ``cls`` declares itself, one per key."""
    return list(Binding.make_bindings(cls.__dict__.get("BINDINGS", [])))


def live_bindings(cls: type) -> dict[str, Binding]:
    """Every key ``cls`` binds, with what it inherits (its own first: a subclass wins)."""
    keys: dict[str, Binding] = {}
    for klass in cls.__mro__:
        for binding in own_bindings(klass):
            keys.setdefault(binding.key, binding)
    return keys


def remapped(binding: Binding, keymap: Mapping[str, str]) -> list[Binding]:
    """The bindings the app really uses for ``binding``: the keymap's keys for its id, if the
    keymap names it (Textual replaces every key of the binding), else the binding itself."""
    keys = keymap.get(binding.id or "")
    if not keys:
        return [binding]
    return list(Binding.make_bindings([binding.with_key(keys)]))


def _resolve(ref: Ref, app_class: type[App]) -> list[tuple[type, Binding]]:
    """The bindings a row's ref names, with the keys they have in BINDINGS."""
    owner = app_class if ref.owner is APP else ref.owner
    if ref.action == PALETTE:
        if not getattr(owner, "ENABLE_COMMAND_PALETTE", False):
            return []
        return [(owner, Binding(owner.COMMAND_PALETTE_BINDING, PALETTE, "Palette"))]  # type: ignore[attr-defined]
    return [
        (owner, b)
        for b in live_bindings(owner).values()
        if b.action == ref.action and ref.key in (None, b.key)
    ]


def _keys_text(positions: Sequence[Sequence[str]]) -> str:
    """``[[j, ↓], [k, ↑]]`` as ``j / k, ↓ / ↑``; a run of digits as ``1 … 9``."""
    columns = []
    for names in positions:
        digits = [n for n in names if len(n) == 1 and n.isdigit()]
        if len(digits) >= 3 and [int(d) for d in digits] == list(range(int(digits[0]), int(digits[-1]) + 1)):
            names = [f"{digits[0]} … {digits[-1]}", *(n for n in names if n not in digits)]
        columns.append(list(names))
    width = max((len(c) for c in columns), default=0)
    alternatives = [" / ".join(c[i] for c in columns if i < len(c)) for i in range(width)]
    return ", ".join(alternatives)


class HelpTable(NamedTuple):
    """What the help screen shows, and how it was made from the bindings."""

    groups: list[tuple[str, list[tuple[str, str]]]]
    #: (class, key) of every binding a row shows.
    shown: set[tuple[type, str]]
    #: How the rows write those keys (``key_name``).
    names: set[str]
    #: Refs that match no binding (a row whose key was removed or renamed).
    unresolved: list[Ref]
    #: Bindings of SOURCES no row names (shown under "Other keys").
    unnamed: list[tuple[type, Binding]]


def help_table(app_class: type[App], keymap: Mapping[str, str] | None = None) -> HelpTable:
    """The help's rows for an app of ``app_class``, every key read from the live bindings with
    ``keymap`` (binding id to keys, ``App.set_keymap``'s) applied over them."""
    keymap = keymap or {}
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    shown: set[tuple[type, str]] = set()
    shown_names: set[str] = set()
    unresolved: list[Ref] = []
    for title, rows in GROUPS:
        lines = []
        for row in rows:
            positions = []
            for refs in row.positions:
                names: list[str] = []
                for ref in refs:
                    found = _resolve(ref, app_class)
                    if not found:
                        unresolved.append(ref)
                    for owner, default in found:
                        shown.add((owner, default.key))
                        for binding in remapped(default, keymap):
                            shown_names.add(key_name(binding))
                            if key_name(binding) not in names:
                                names.append(key_name(binding))
                positions.append(names)
            if any(positions):
                lines.append((_keys_text(positions), row.text))
        groups.append((title, lines))
    groups.append(("Marks", list(MARKS)))
    unnamed = [
        (cls, b)
        for cls in _sources(app_class)
        for b in own_bindings(cls)
        if (cls, b.key) not in shown and not b.system
    ]
    if unnamed:
        groups.append(
            (
                "Other keys",
                [
                    (", ".join(key_name(k) for k in remapped(b, keymap)), b.description or b.action)
                    for _, b in unnamed
                ],
            )
        )
    return HelpTable(groups, shown, shown_names, unresolved, unnamed)


#: The classes whose bindings are live together: the screen's, the focused widget's (one of
#: these, or none) and the app's (APP).
CONTEXTS: tuple[tuple[type, ...], ...] = (
    *((APP, MainScreen, widget) for widget in (PostList, ReaderView, Sidebar, YearBar, FindBox)),
    (APP, WelcomeScreen),
)
#: What a clash line calls each class.
_PLACES: dict[type, str] = {
    MainScreen: "the main screen",
    PostList: "the list",
    ReaderView: "the reader",
    Sidebar: "the sidebar",
    YearBar: "the timeline",
    FindBox: "the find box",
    WelcomeScreen: "the welcome screen",
}


def key_clashes(app_class: type[App], keymap: Mapping[str, str]) -> list[str]:
    """One line per key the keymap (``[keys]``) gives a binding that another binding live at the
    same time has too (only one of them can work), naming both bindings; none when no remapped
    key collides."""
    lines: list[str] = []
    seen: set[frozenset[str]] = set()
    for context in CONTEXTS:
        holders: dict[str, list[tuple[type, Binding]]] = {}
        for cls in (app_class if c is APP else c for c in context):
            for default in live_bindings(cls).values():
                for binding in remapped(default, keymap):
                    holders.setdefault(binding.key, []).append((cls, binding))
        for found in holders.values():
            ids = {b.id or b.action for _, b in found}
            for cls, binding in found:
                mine = binding.id or binding.action
                if binding.id not in keymap:
                    continue
                for other_cls, other in found:
                    theirs = other.id or other.action
                    pair = frozenset((mine, theirs))
                    if theirs == mine or pair in seen or len(ids) < 2:
                        continue
                    seen.add(pair)
                    if other_cls is cls:
                        where = f"both in {_place(cls, app_class)}"
                    else:
                        mine_in, theirs_in = _place(cls, app_class), _place(other_cls, app_class)
                        where = f"{mine} in {mine_in}, {theirs} in {theirs_in}"
                    lines.append(
                        f"[keys]: {mine} = {_quoted(keymap[mine])}: {key_name(binding)} is {theirs}'s key "
                        f"too ({where}); only one of them works: give one another key"
                    )
    return lines


def _place(cls: type, app_class: type[App]) -> str:
    return "the whole app" if cls is app_class else _PLACES.get(cls, cls.__name__)


def _quoted(keys: str) -> str:
    return '"' + keys.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _sources(app_class: type[App]) -> Iterable[type]:
    return (app_class if cls is APP else cls for cls in SOURCES)


#: The help's own scrolling keys, as its title line says them.
SCROLL_KEYS = "j / k, page up / down"


def close_keys() -> str:
    """The keys that close the help, as the help's last line says them."""
    names = [key_name(b) for b in own_bindings(HelpScreen) if b.action == "close"]
    return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else "".join(names)


class HelpScreen(ModalScreen[None]):
    """Every key blogtui knows, in a box that scrolls (it fits 80x24: what is below scrolls up)."""

    BINDINGS = [
        Binding("escape,q,question_mark", "close", "Close"),
        Binding("j,down", "scroll(1)", "Down", show=False),
        Binding("k,up", "scroll(-1)", "Up", show=False),
        Binding("pagedown,space,ctrl+d", "page(1)", "Page down", show=False),
        Binding("pageup,ctrl+u", "page(-1)", "Page up", show=False),
        Binding("g,home", "edge(0)", "Top", show=False),
        Binding("G,end", "edge(1)", "Bottom", show=False),
    ]

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        keymap = getattr(self.app, "keymap", {})  # BlogApp's (the app imports this module)
        for group, keys in help_table(type(self.app), keymap).groups:
            table.add_row(Text(group, style="underline"), "")
            for key, what in keys:
                table.add_row(Text(key), Text(what))
            table.add_row("", "")
        title = Text("blogtui — keys", style="bold")
        closing = key_name(own_bindings(HelpScreen)[0])
        title.append(f"   {SCROLL_KEYS} scroll, {closing} closes", style="dim not bold")
        with VerticalScroll(classes="dialog help", id="help-keys"):
            yield Static(title, classes="dialog-title")
            yield Static(table)
            yield Static(Text(f"{close_keys()} closes this screen", style="dim"))

    @property
    def _box(self) -> VerticalScroll:
        return self.query_one("#help-keys", VerticalScroll)

    def action_scroll(self, lines: int) -> None:
        self._box.scroll_relative(y=lines, animate=False, immediate=True)

    def action_page(self, pages: int) -> None:
        box = self._box
        box.scroll_relative(
            y=pages * max(1, box.scrollable_content_region.height - 1), animate=False, immediate=True
        )

    def action_edge(self, end: int) -> None:
        box = self._box
        box.scroll_to(y=box.max_scroll_y if end else 0, animate=False, immediate=True)

    def action_close(self) -> None:
        self.dismiss(None)
