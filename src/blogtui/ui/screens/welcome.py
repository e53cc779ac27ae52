"""The welcome screen, shown while the library has no feeds."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

WELCOME = """\
blogtui keeps whole blogs — every post, years back — in a local cache you can read offline.

Add a blog:
  press  a  and give its address (the home page is enough),
  or from a shell:
      blogtui add https://some.blog/

Just looking?
      blogtui demo     opens this reader on a bundled sample blog

Press  ?  for every key,  q  to quit.
"""


class WelcomeScreen(Screen[None]):
    """No feeds yet: how to add one."""

    BINDINGS = [
        Binding("a", "app.add_feed", "Add feed", id="add_feed"),
        Binding("question_mark", "app.help", "Help", id="help"),
        Binding("q", "app.quit", "Quit", id="quit"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="welcome"):
            yield Static(Text("Welcome to blogtui", style="bold"), id="welcome-title")
            yield Static(Text(WELCOME), id="welcome-text")
        yield Footer()
