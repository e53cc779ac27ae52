"""Small modal dialogs: add a feed, confirm a removal, follow a link by number, ask for a name."""

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


class AskDialog(ModalScreen[str | None]):
    """Ask for one short value (a tag, a view's name); dismisses with it, stripped, or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, help_text: str, placeholder: str) -> None:
        super().__init__()
        self.title_text = title
        self.help_text = help_text
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(self.title_text), classes="dialog-title")
            yield Static(Text(self.help_text), classes="dialog-help")
            yield Input(placeholder=self.placeholder, id="ask-value")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if value.lstrip("+-@").strip():
            self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)


def tag_dialog(current: list[str]) -> AskDialog:
    """Ask for a tag of the user's own to put on a post; ``-name`` takes one off."""
    mine = ", ".join(current) if current else "none yet"
    return AskDialog(
        "Tag this post", f"Your tags on it: {mine}. Type a tag to add it, or -tag to take it off.", "tag"
    )


def view_dialog(query: str) -> AskDialog:
    """Ask for the name to save the list's current filter under (a saved view)."""
    return AskDialog(
        "Save this view",
        f"Save “{query}” under a name: it appears in the sidebar and works as @name in any query.",
        "name (letters, digits, _ . + -)",
    )


class RenameDialog(AskDialog):
    """Ask for a feed's new name; an empty one gives the feed its own title again."""

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.prevent_default()  # AskDialog's handler would refuse an empty name (and dismiss twice)
        self.dismiss(event.value.strip())


def rename_dialog(title: str) -> RenameDialog:
    """Ask for the name to give a feed (kept by refreshes)."""
    return RenameDialog(
        "Rename this feed",
        f"A name of your own for “{title}”, kept when it is refreshed. Empty: its feed's own title again.",
        "name",
    )
