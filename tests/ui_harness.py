"""Helpers for TUI tests: a seeded library, a frozen clock, a fake browser and a way to let work settle."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

from textual.pilot import Pilot

from blogtui.cli import demo_feed_path
from blogtui.library import Library
from blogtui.ui.app import BlogApp

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


def make_app(library: Library, browser: FakeBrowser | None = None) -> BlogApp:
    return BlogApp(library, clock=frozen_clock, opener=browser or FakeBrowser())


async def settle(pilot: Pilot, app: BlogApp) -> None:
    """Let debounce timers fire and every worker finish, then let the screen repaint."""
    for _ in range(3):
        await pilot.pause(0.12)
        await app.workers.wait_for_complete()
    await pilot.pause()
