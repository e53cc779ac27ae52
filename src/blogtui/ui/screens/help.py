"""The help screen: every key, grouped, from the same table the footer uses."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "Moving",
        [
            ("j / k, ↓ / ↑", "move in the list (scroll in the reader)"),
            ("g / G, home / end", "first / last post"),
            ("page up / page down", "a page at a time"),
            ("tab / shift+tab", "focus sidebar, list, reader"),
            ("t", "focus the tags"),
        ],
    ),
    (
        "Reading",
        [
            ("enter", "open the highlighted post"),
            ("n / p", "next / previous post while reading (next = the row below)"),
            ("z", "full-screen reading"),
            ("1 … 9", "open link 1 … 9 of the post"),
            ("f", "follow a link by number"),
            ("o", "open the post in the browser (http, https, mailto only)"),
            ("F", "fetch the full article of a summary-only post"),
        ],
    ),
    (
        "Filtering",
        [
            ("/", 'query box: words, "phrases", tag:, feed:, is:, after:, before:, -negation'),
            ("escape", "step back: close full screen, leave the reader, clear the query, then tags"),
            ("space", "toggle a tag in the sidebar (several = AND)"),
            ("enter / click", "choose a sidebar entry, open a post, follow a [n] link"),
            ("b", "show or hide the sidebar"),
            ("V", "save the list's filter as a view (sidebar, @name)"),
        ],
    ),
    (
        "Changing",
        [
            ("m", "toggle read"),
            ("s", "toggle star"),
            ("+", "put your own tag on the post (-tag takes it off)"),
            ("M", "mark every post in view read"),
            ("r", "refresh all feeds"),
            ("a", "add a feed"),
            ("x", "remove the feed highlighted in the sidebar (asks first)"),
        ],
    ),
    (
        "App",
        [
            ("ctrl+p", "command palette: add feed, refresh, theme, export, quit"),
            ("?", "this help"),
            ("q", "quit"),
        ],
    ),
]


class HelpScreen(ModalScreen[None]):
    """Every key blogtui knows."""

    BINDINGS = [Binding("escape,q,question_mark", "close", "Close")]

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for group, keys in KEYS:
            table.add_row(Text(group, style="underline"), "")
            for key, what in keys:
                table.add_row(Text(key), Text(what))
            table.add_row("", "")
        with VerticalScroll(classes="dialog help"):
            yield Static(Text("blogtui — keys", style="bold"), classes="dialog-title")
            yield Static(table)
            yield Static(Text("escape closes this screen", style="dim"))

    def action_close(self) -> None:
        self.dismiss(None)
