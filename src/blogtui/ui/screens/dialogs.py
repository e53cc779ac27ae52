"""Small modal dialogs: add a feed, confirm a removal, follow a link by number, tag a post."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static


class AddFeedDialog(ModalScreen[str | None]):
    """Ask for a feed URL, blog home page or path; dismisses with it (or None)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Add a feed", classes="dialog-title")
            yield Static(
                Text(
                    "A feed URL, a blog's home page, a file:// URL or a path. The whole archive is fetched."
                ),
                classes="dialog-help",
            )
            yield Input(placeholder="https://some.blog/", id="add-url")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Add", variant="primary", id="add")
                yield Button("Cancel", id="cancel")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._submit(event.value)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "add":
            self._submit(self.query_one("#add-url", Input).value)
        else:
            self.dismiss(None)

    def _submit(self, value: str) -> None:
        value = value.strip()
        if value:
            self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question; `y` or enter on Yes confirms."""

    BINDINGS = [
        Binding("escape,n", "answer(False)", "No"),
        Binding("y", "answer(True)", "Yes"),
    ]

    def __init__(self, question: str, detail: str = "") -> None:
        super().__init__()
        self.question = question
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.question, style="bold"), classes="dialog-title")
            if self.detail:
                yield Static(Text(self.detail), classes="dialog-help")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Yes (y)", variant="error", id="yes")
                yield Button("No (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class FollowLinkDialog(ModalScreen[int | None]):
    """Ask for a link number of the post being read."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, links: list[str]) -> None:
        super().__init__()
        self.links = links

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Follow link (1-{len(self.links)})", classes="dialog-title")
            yield Input(placeholder="number", id="link-number", type="integer")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            number = int(event.value)
        except ValueError:
            return
        if 1 <= number <= len(self.links):
            self.dismiss(number)
        else:
            self.notify(f"No link {number}: this post has {len(self.links)}", severity="warning")

    def action_cancel(self) -> None:
        self.dismiss(None)


class TagDialog(ModalScreen[str | None]):
    """Ask for a tag of the user's own to put on a post; ``-name`` takes one off."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, current: list[str]) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Tag this post", classes="dialog-title")
            mine = ", ".join(self.current) if self.current else "none yet"
            yield Static(
                Text(f"Your tags on it: {mine}. Type a tag to add it, or -tag to take it off."),
                classes="dialog-help",
            )
            yield Input(placeholder="tag", id="tag-name")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if value.lstrip("+-").strip():
            self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)
