"""The Textual app: built from a library, a config and a clock; owns workers that write or fetch."""

from __future__ import annotations

import asyncio
import shlex
import shutil
import subprocess
import threading
import webbrowser
from collections import deque
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from time import monotonic
from typing import Any

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.theme import Theme
from textual.timer import Timer

from ..config import Config, load_config, save_setting
from ..content.sanitize import safe_link
from ..errors import ConfigError, LibraryError, StoreError
from ..library import Library
from .messages import FetchProgress, LibraryChanged
from .screens.dialogs import AddFeedDialog
from .screens.help import HelpScreen, key_clashes
from .screens.main import ORDER_WORDS, MainScreen
from .screens.welcome import WelcomeScreen

#: Opens a URL; returns False, or a reason (a str), when it could not.
Opener = Callable[[str], object]
#: Browsers that draw in the terminal: the reader steps aside (suspends) while they run.
CONSOLE_BROWSERS = frozenset({"w3m", "lynx", "links", "links2", "elinks", "browsh", "carbonyl"})

DARK, LIGHT = "textual-dark", "textual-light"
#: Seconds a held key waits, at most, for the screen to go quiet after the key before it.
KEY_PATIENCE = 1.0
#: Seconds after which a key sent on and never heard of again (neither back at the app nor
#: stopped, its widget still there) no longer holds the next: a last resort, never a race (a
#: busy machine takes a second or more for a key's way at start-up).
KEY_LOST = 10.0
#: The bindings (by id) that neither move the focus nor open a screen: the key after one of them
#: need not wait for it (holding j moves as fast as before).
KEYS_IN_PLACE = frozenset(
    {
        "list_down", "list_up", "list_first", "list_last", "list_page_down", "list_page_up",
        "reader_down", "reader_up", "reader_page_down", "reader_page_up", "reader_top",
        "reader_bottom", "sidebar_down", "sidebar_up", "sidebar_toggle_tag", "toggle_read",
        "toggle_star", "year_earlier", "year_later", "find_next", "find_previous",
    }
)  # fmt: skip
#: Seconds between two looks at whether held keys may go on.
KEY_POLL = 0.005


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class BlogApp(App[int]):
    """blogtui's reader."""

    CSS_PATH = "blogtui.tcss"
    TITLE = "blogtui"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [Binding("ctrl+c", "quit", "Quit", show=False, priority=True, id="force_quit")]

    def __init__(
        self,
        library: Library,
        config: Config | None = None,
        *,
        clock: Callable[[], datetime] = _utcnow,
        opener: Opener | None = None,
    ) -> None:
        super().__init__()
        self.library = library
        self.config = config or library.config
        self.clock = clock
        self._opener: Opener = opener or self._open_in_browser
        # Writes run in worker threads, one at a time and in the order they were asked for
        # (``m m`` quickly must leave the post as the second press says): each takes a ticket.
        self._write_turn = threading.Condition()
        self._write_tickets = 0
        self._write_serving = 0
        if self.config.theme in self.available_themes:
            self.theme = self.config.theme
        self._saved_theme = self.theme
        # Keys typed faster than the screen follows them (see on_event): held, then handed on in order.
        self._held_keys: deque[events.Key] = deque()
        self._replaying: set[int] = set()
        self._key_in_flight: events.Key | None = None
        self._key_target: Any = None
        self._key_in_place = False
        self._key_sent_at = 0.0
        self._held_since = 0.0
        self._key_timer: Timer | None = None
        #: What is wrong with the [keys] of config.toml (keys that collide), one line each.
        self.key_warnings: list[str] = []

    def on_mount(self) -> None:
        if self.config.keys:  # [keys] of config.toml: binding ids to keys (load_config checked them)
            self.set_keymap(dict(self.config.keys))
            # A key given to two bindings live at once works for one only: said at start (the main
            # screen's status line shows the first too), as `blogtui config` says it.
            self.key_warnings = key_clashes(type(self), self.config.keys)
            for line in self.key_warnings:
                self.notify(line, title="config.toml", severity="warning", timeout=12)
        self.push_screen(MainScreen() if self.library.has_feeds() else WelcomeScreen())
        # Any change of theme (the toggle, or the palette's theme picker) is remembered in config.
        self.theme_changed_signal.subscribe(self, self._theme_changed)

    # -- keys in the order they were typed -----------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        """Hand each typed key to the screen only once it can take it, in the order typed.

        Textual forwards a key to the focused widget at once and runs its binding only when the
        key has come back up (bubbled) to the app, so keys typed quickly overtake one another:
        ``/sqlite`` typed at start-up reached the list (or a screen still composing) before ``/``
        had moved the focus to the query box, and ``s`` starred a post, ``q`` quit. A key is
        therefore held while the screen is not mounted yet, or while the key before it is still
        on its way (not yet back at the app, nor stopped by a widget such as an Input) unless
        that key's binding stays in place (KEYS_IN_PLACE: j, k, m, s ...); held keys go on one
        at a time, each once the screen has handled what the key before sent it (the focus or
        screen it asked for is in place), waiting KEY_PATIENCE seconds at most for that.
        """
        if not isinstance(event, events.Key):
            await super().on_event(event)
            if self._held_keys:
                self._release_keys()
            return
        if event.is_forwarded:  # back up at the app: its bindings run now
            await super().on_event(event)
            if event is self._key_in_flight:
                self._key_in_flight = None
            if self._held_keys:
                self._release_keys()
            return
        replayed = id(event) in self._replaying
        self._replaying.discard(id(event))
        if not replayed and (self._held_keys or not self._keys_may_go()) and not self._is_priority(event):
            if not self._held_keys:
                self._held_since = monotonic()
            self._held_keys.append(event)
            self._poll_keys()
            return
        target = self.focused or self.screen
        active = self.active_bindings.get(event.key)
        await super().on_event(event)
        if event.is_forwarded:  # on its way to the focused widget (or the screen)
            self._key_in_flight, self._key_target = event, target
            self._key_in_place = active is not None and active.binding.id in KEYS_IN_PLACE
            self._key_sent_at = monotonic()

    def _is_priority(self, event: events.Key) -> bool:
        """Whether a priority binding (ctrl+c) takes the key: it never waits."""
        active = self.active_bindings.get(event.key)
        return active is not None and active.binding.priority

    def _screen_ready(self) -> bool:
        """Whether the screen keys go to is mounted (not the stand-in before the first is pushed)."""
        stack = self.screen_stack
        return bool(stack) and stack[-1].is_mounted and stack[-1].id != "_default"

    def _keys_may_go(self) -> bool:
        """Whether the screen is ready and the key sent last is done with (or lost: a widget removed)."""
        if not self._screen_ready():
            return False
        sent = self._key_in_flight
        return (
            sent is None
            or self._key_in_place
            or sent._stop_propagation  # taken by the widget (an Input's character)
            or not self._key_target.is_attached  # lost with the widget it went to
            or monotonic() - self._key_sent_at > KEY_LOST
        )

    def _quiet(self) -> bool:
        """Whether the app and its screen have handled every message sent to them."""
        if not self.screen_stack:
            return False
        return not self.screen.message_queue_size

    def _release_keys(self) -> None:
        """Hand on the first held key, if it may go now."""
        if not self._held_keys or self._replaying or not self._keys_may_go():
            return
        if not (self._key_in_place or self._quiet()) and monotonic() - self._held_since < KEY_PATIENCE:
            return
        held = self._held_keys.popleft()
        key = events.Key(held.key, held.character)
        self._replaying.add(id(key))
        self._held_since = monotonic()
        self.post_message(key)

    def _poll_keys(self) -> None:
        """Look again in KEY_POLL seconds (one timer at a time) while keys are held."""
        if self._key_timer is None:
            self._key_timer = self.set_timer(KEY_POLL, self._keys_timer_fired, name="held-keys")

    def _keys_timer_fired(self) -> None:
        self._key_timer = None
        if self._held_keys:
            self._release_keys()
            self._poll_keys()

    @property
    def keys_held(self) -> int:
        """How many typed keys wait to be handed on (tests wait for none)."""
        return len(self._held_keys) + len(self._replaying)

    def _theme_changed(self, theme: Theme) -> None:
        if theme.name != self._saved_theme:
            self._saved_theme = theme.name
            self._save_theme(theme.name)

    def on_resize(self, event: events.Resize) -> None:
        # The terminal resized, maybe only in pixels (a font made larger, the same cells): Textual
        # resizes no widget then, and the reader's Sixel pictures would keep the old cells' size.
        screen = self.main_screen
        if screen is not None:
            screen.reader.follow_cell_size()

    @property
    def main_screen(self) -> MainScreen | None:
        """The main screen, even while a dialog or the help is open over it."""
        for screen in reversed(self.screen_stack):
            if isinstance(screen, MainScreen):
                return screen
        return None

    def _to_main(self, message: Message) -> None:
        """Hand a message to the main screen (from any thread); dropped if there is none yet."""
        screen = self.main_screen
        if screen is not None:
            screen.post_message(message)

    # -- commands ------------------------------------------------------------------------------

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield SystemCommand("Add feed", "Subscribe to a blog and fetch its archive", self.action_add_feed)
        yield SystemCommand("Refresh feeds", "Fetch every feed again", self.action_refresh_feeds)
        yield SystemCommand("Toggle theme", "Switch between dark and light", self.action_toggle_theme)
        yield SystemCommand("Change theme", "Pick any Textual theme", self.action_change_theme)
        yield SystemCommand(
            "Export subscriptions", "Write every feed as OPML into the data directory", self.action_export
        )
        main = self.main_screen
        if main is not None:
            yield SystemCommand(
                "Read from the first post",
                "This view oldest first, resuming where its reading stopped",
                main.read_from_start,
            )
            if main.chosen_feed is not None:
                settings = self.library.feed_settings(main.chosen_feed)
                yield SystemCommand("Feed: rename", "Give this feed a name of your own", main.rename_feed)
                yield SystemCommand(
                    f"Feed: archive walking {'off' if settings.archive else 'on'}",
                    "Whether refreshes walk this feed's archive (saved in config.toml)",
                    partial(main.toggle_feed_setting, "archive"),
                )
                yield SystemCommand(
                    f"Feed: full articles {'off' if settings.full_article else 'on'}",
                    "Fetch the whole article when a summary-only post of this feed is opened",
                    partial(main.toggle_feed_setting, "full_article"),
                )
            for order, words in ORDER_WORDS.items():
                yield SystemCommand(
                    f"Sort {words}",
                    f"Sort this view {words} (remembered for it)",
                    partial(main.set_sort, order),
                )
        yield SystemCommand("Help", "Every key", self.action_help)
        yield SystemCommand("Quit", "Quit blogtui", self.action_quit)

    @property
    def keymap(self) -> dict[str, str]:
        """The keys remapped by binding id (``[keys]`` of config.toml), as Textual applies them."""
        return dict(self._keymap)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT if self.current_theme.dark else DARK

    @work(thread=True, group="config", exit_on_error=False)
    def _save_theme(self, theme: str) -> None:
        try:
            save_setting("theme", theme)
        except (OSError, ConfigError):
            pass

    def action_export(self) -> None:
        self._export()

    @work(thread=True, group="export", exit_on_error=False)
    def _export(self) -> None:
        target = self.library.data_dir / "blogtui-subscriptions.opml"
        try:
            target.write_text(self.library.export_opml(), encoding="utf-8")
        except OSError as exc:
            self.call_from_thread(self.notify, f"{target}: {exc.strerror or exc}", severity="error")
            return
        self.call_from_thread(self.notify, f"Subscriptions written to {target}", timeout=6)

    def open_url(self, url: str | None, *, new_tab: bool = True) -> None:
        """Open a link in the browser, if it is http, https or mailto (Textual's own callers included)."""
        safe = safe_link(url)
        if safe is None:
            self.notify(
                f"Not opened (only http, https and mailto links): {url or 'no link'}", severity="warning"
            )
            return
        try:
            outcome = self._opener(safe)
        except OSError as exc:  # the command cannot be run
            outcome = f"cannot run the browser ({exc.strerror or exc})"
        if outcome is False or isinstance(outcome, str):
            why = outcome if isinstance(outcome, str) else "no browser could be started"
            self.notify(f"Not opened: {why} ({safe}; set browser in config.toml)", severity="warning")
            return
        self.notify(f"Opened {safe}", timeout=2)

    def _open_in_browser(self, url: str) -> object:
        """Open ``url`` with the ``browser`` setting, else the system's; False or a reason if not."""
        command = self.config.browser.strip()
        if not command:
            return self._open_in_system_browser(url)
        words = shlex.split(command)
        argv = [w.replace("%u", url) for w in words] if "%u" in command else [*words, url]
        if shutil.which(argv[0]) is None:
            return f"browser {argv[0]}: not found"
        return self._run_browser(argv, console=Path(argv[0]).name in CONSOLE_BROWSERS)

    def _run_browser(self, argv: list[str], *, console: bool) -> bool:
        """Run a browser: a console one with the terminal handed over until it quits, else in a
        window of its own, its output kept off the reader's screen."""
        if console:
            with self.suspend():  # the terminal is the browser's until it quits
                subprocess.run(argv, check=False)
            return True
        subprocess.Popen(  # a window of its own: the reader goes on
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        return True

    def _open_in_system_browser(self, url: str) -> object:
        """The system's browser, as Python's ``webbrowser`` finds it (``$BROWSER``, then the
        desktop's). Its plain commands are run here: ``webbrowser`` would let a background one
        (``xdg-open``, ``gio open``) write its errors over the reader's screen, and run a
        console one (``$BROWSER`` w3m) on a terminal the reader still owns."""
        try:
            controller = webbrowser.get()
        except webbrowser.Error:
            return "no browser found"
        if isinstance(controller, webbrowser.GenericBrowser):  # a command line with %s
            argv = [controller.name, *(arg.replace("%s", url) for arg in controller.args)]
            console = not isinstance(controller, webbrowser.BackgroundBrowser)
            return self._run_browser(argv, console=console)
        return controller.open(url, new=2)  # its own way (remote commands, background, quiet)

    # -- writes and fetches, always in workers -------------------------------------------------

    def write(
        self,
        change: Callable[[Library], object],
        *,
        refresh_sidebar: bool = False,
        refresh_list: bool = False,
        message: str = "",
        then: Callable[[], object] | None = None,
    ) -> None:
        """Apply a change to the library off the UI thread (a refresh elsewhere may hold the lock).

        Args:
            then: called on the UI thread once the change is stored.
        """
        ticket = self._write_tickets
        self._write_tickets += 1
        self._write(ticket, change, refresh_sidebar, refresh_list, message, then)

    @work(thread=True, group="write", exit_on_error=False)
    def _write(
        self,
        ticket: int,
        change: Callable[[Library], object],
        refresh_sidebar: bool,
        refresh_list: bool,
        message: str,
        then: Callable[[], object] | None,
    ) -> None:
        with self._write_turn:
            self._write_turn.wait_for(lambda: self._write_serving == ticket)
        try:
            change(self.library)
        except (LibraryError, StoreError) as exc:  # StoreError: a read-only cache, a full disk
            self.call_from_thread(self.notify, str(exc), severity="error")
            return
        finally:
            with self._write_turn:
                self._write_serving += 1
                self._write_turn.notify_all()
        if refresh_list:
            self._to_main(LibraryChanged(message))
        elif refresh_sidebar and (screen := self.main_screen) is not None:
            self.call_from_thread(screen.load_sidebar)
        if then is not None:
            self.call_from_thread(then)

    def remember(self, key: str, value: str) -> None:
        """Keep a piece of UI state (last filter, last post) across restarts."""
        self.write(lambda lib: lib.set_state(key, value))

    def action_refresh_feeds(self) -> None:
        # Progress shows in the main screen's status line and bar (a toast would cover them).
        self._fetch(None, "refreshed")

    def action_add_feed(self) -> None:
        def chosen(url: str | None) -> None:
            if url:
                if self.main_screen is None:  # the welcome screen has no status line
                    self.notify(f"Adding {url}…", timeout=3)
                self._fetch(url, "added")

        self.push_screen(AddFeedDialog(), chosen)

    @work(thread=True, exclusive=True, group="fetch", exit_on_error=False)
    def _fetch(self, url: str | None, verb: str) -> None:
        def progress(event: Any) -> None:
            self._to_main(FetchProgress(event, verb))

        try:
            if url is None:
                outcomes = self.library.refresh(on_progress=progress)
            else:
                outcomes = self.library.subscribe([url], on_progress=progress)
        except LibraryError as exc:
            self.call_from_thread(self.notify, str(exc), severity="error")
            return
        failed = [o for o in outcomes if o.error]
        new = sum(o.new_posts for o in outcomes)
        summary = f"{verb} {len(outcomes) - len(failed)}/{len(outcomes)} feeds, {new} new posts"
        for outcome in failed[:5]:
            self.call_from_thread(self.notify, f"{outcome.url}: {outcome.error}", severity="error", timeout=8)
        self.call_from_thread(self._fetched, summary)

    def _fetched(self, summary: str) -> None:
        self.notify(summary, timeout=4)
        if isinstance(self.screen, WelcomeScreen) and self.library.has_feeds():
            self.switch_screen(MainScreen())
        else:
            self._to_main(LibraryChanged(summary))


def run(library: Library) -> int:
    """Run the reader on a library until the user quits; returns the exit code."""
    try:
        config = load_config()
    except ConfigError:
        config = library.config
    app = BlogApp(library, config)
    # A loop of our own rather than asyncio.run's: quitting (q, ctrl+c) does not wait for a
    # worker thread still blocked on a slow server (asyncio.run would join it); closing the loop
    # lets the thread go, and the CLI ends the process without it (its open transaction is
    # rolled back).
    loop = asyncio.new_event_loop()
    try:
        app.run(loop=loop)
    finally:
        loop.close()
    return int(app.return_code or 0)
