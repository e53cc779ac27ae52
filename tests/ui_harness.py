"""Helpers for TUI tests: a seeded library, a frozen clock, a fake browser and a way to let work settle."""

from __future__ import annotations

import asyncio
import threading
import unicodedata
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from time import monotonic

from textual import events
from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key
from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from blogtui.cli import demo_feed_path
from blogtui.library import Library
from blogtui.ui.app import BlogApp
from blogtui.ui.screens.main import DEBOUNCE
from feedserver import FeedServer, Request, Response

DATA = Path(__file__).parent / "data"
FROZEN = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)


def frozen_clock() -> datetime:
    return FROZEN


class FakeBrowser:
    """Records the URLs the app asked to open."""

    def __init__(self) -> None:
        self.opened: list[str] = []

    def __call__(self, url: str) -> None:
        self.opened.append(url)


def seeded_library(data_dir: Path, *feeds: str | Path) -> Library:
    """A library holding the demo blog (or the given feeds), fetched from local files."""
    library = Library(data_dir, clock=frozen_clock)
    sources = [str(f) for f in feeds] or [str(demo_feed_path())]
    outcomes = library.subscribe(sources)
    assert not any(o.error for o in outcomes), outcomes
    return library


def feed_xml(count: int, *, first: int = 1, title: str = "Long Blog") -> str:
    """An RSS feed of ``count`` posts numbered from ``first`` up; a higher number is a newer post."""
    start = datetime(2020, 1, 1, tzinfo=timezone.utc)
    items = []
    for n in range(first + count - 1, first - 1, -1):
        items.append(
            f"<item><title>Post number {n}</title><link>https://long.example/{n}/</link>"
            f"<guid>https://long.example/{n}/</guid>"
            f"<pubDate>{format_datetime(start + timedelta(hours=n))}</pubDate>"
            f"<description>Text of post {n}.</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>https://long.example/</link>{''.join(items)}</channel></rss>"
    )


def library_with_a_held_feed(data_dir: Path, server: FeedServer) -> tuple[Library, threading.Event]:
    """A library of two feeds, "Fast" and "Slow", whose next refresh waits on Slow's answer until
    the returned gate is set (set it when done, or the server's thread waits 10 s)."""
    gate = threading.Event()
    fast = server.add("/fast.xml", feed_xml(5, title="Fast"))
    slow_body = feed_xml(5, first=100, title="Slow").encode()
    slow = server.add("/slow.xml", slow_body)
    library = seeded_library(data_dir, fast, slow)

    def held(request: Request) -> Response:
        gate.wait(10)
        return Response(slow_body)

    server.add("/slow.xml", held)
    return library, gate


def make_app(library: Library, browser: FakeBrowser | None = None) -> BlogApp:
    return BlogApp(library, clock=frozen_clock, opener=browser or FakeBrowser())


def busy(app: BlogApp) -> list[str]:
    """What the app is still doing: workers not finished and debounce timers not fired yet."""
    work = [f"worker {w.name}" for w in app.workers if not w.is_finished]
    for screen in app.screen_stack:
        for timer in list(screen._timers):
            task = timer._task
            if timer.name.startswith(DEBOUNCE) and task is not None and not task.done():
                work.append(f"timer {timer.name}")
    return work


async def drain(pilot: Pilot) -> None:
    """Wait until the app and every widget of its screen have handled every message sent to them.

    Deterministic where ``Pilot.pause`` guesses: that one sleeps (20 ms or more) until the process
    looks idle; this waits for each queue to be worked through, again until none gets more.
    """
    app = pilot.app
    for _ in range(1000):
        await pilot._wait_for_screen()
        await app.animator.wait_until_complete()
        nodes = [app, *app.screen.walk_children(with_self=True)]
        if not any(node.message_queue_size for node in nodes):
            if not getattr(app, "keys_held", 0):
                return
            await asyncio.sleep(0.005)  # typed keys the app holds until the screen can take them
    raise AssertionError("the app keeps sending itself messages")


def key_event(key: str) -> events.Key:
    """The event Pilot.press sends for ``key`` (a key name such as ``enter``, or one character)."""
    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
    try:
        char: str | None = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(key, key)))
    except KeyError:
        char = key if len(key) == 1 else None
    return events.Key(key, char)


async def press(pilot: Pilot, *keys: str) -> None:
    """Press keys as ``Pilot.press`` does, each one handled (see :func:`drain`) before the next."""
    for key in keys:
        pilot.app.post_message(key_event(key))
        await drain(pilot)


def _repaint_due(app: BlogApp) -> bool:
    """Whether layout, paint, a recompose or after-refresh callbacks wait for the screen's next frame."""
    screen = app.screen
    return bool(
        screen._layout_required
        or screen._scroll_required
        or screen._repaint_required
        or screen._recompose_required
        or screen._dirty_widgets
        or screen._callbacks
    )


async def settle(pilot: Pilot, app: BlogApp, *, timeout: float = 15.0) -> None:
    """Let debounce timers fire and every worker finish, with the messages they send handled,
    and the screen laid out and painted.

    No fixed sleep: this waits on the app itself (its message queues, its workers, its debounce
    timers, its next frame), so it is as quick as the work is and never returns early on a slow
    machine. It reaches into a few of Textual's private parts, which the test extra pins.
    """
    deadline = monotonic() + timeout
    frames = 0
    while True:
        await drain(pilot)
        for worker in list(app.workers):
            try:
                await worker.wait()  # a failed worker fails the test
            except WorkerCancelled:  # replaced by a newer one (an exclusive group)
                pass
        await drain(pilot)
        if _repaint_due(app) and frames < 50:  # (a blinking cursor would repaint for ever)
            # The frame the screen would draw next: layout, paint, then after-refresh callbacks.
            frames += 1
            app.screen._on_timer_update()
            continue
        left = busy(app)
        if not left:
            return
        if monotonic() > deadline:
            raise AssertionError(f"the app did not settle in {timeout}s: {left}")
        await asyncio.sleep(0.01)
