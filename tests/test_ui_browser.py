"""Links open where the user says (the ``browser`` setting, %u the URL), the reader says honestly
when nothing opened, and ``y`` copies the post's link."""

from __future__ import annotations

import stat
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from textual.pilot import Pilot

from blogtui.config import load_config
from blogtui.errors import ConfigError
from blogtui.library import Library
from blogtui.ui.app import BlogApp
from ui_harness import frozen_clock, press, seeded_library, settle

URL = "https://gardener.example/posts/a-small-python-feed-parser-tour/"


@pytest.fixture
def demo(data_dir: Path) -> Iterator[Library]:
    library = seeded_library(data_dir)
    yield library
    library.close()


def _notes(app: BlogApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


def _browser_script(path: Path, out: Path, extra: str = "") -> Path:
    """A browser that writes the URL it is given to ``out`` (then runs ``extra``)."""
    path.write_text(f'#!/bin/sh\nprintf "%s" "$1" > {out}\n{extra}')
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


async def _opened(app: BlogApp, pilot: Pilot[object], out: Path) -> str:
    """The URL the browser was given, once it ran (10 s at most)."""
    app.open_url(URL)
    deadline = time.monotonic() + 10
    while not (out.exists() and out.read_text()) and time.monotonic() < deadline:
        await pilot.pause(0.05)
    return out.read_text()


async def test_a_browser_that_does_not_open_is_said_not_hidden(demo: Library) -> None:
    app = BlogApp(demo, clock=frozen_clock, opener=lambda url: False)
    async with app.run_test() as pilot:
        await settle(pilot, app)
        app.open_url(URL)
        await settle(pilot, app)  # a notification is a message: let it arrive
        assert any(n.startswith("Not opened: no browser could be started") for n in _notes(app))
        assert not any(n.startswith("Opened") for n in _notes(app))


async def test_the_browser_setting_runs_the_command_with_the_url(demo: Library, tmp_path: Path) -> None:
    out = tmp_path / "opened.txt"
    script = _browser_script(tmp_path / "mybrowser", out)
    app = BlogApp(demo, replace(demo.config, browser=f"{script} %u"), clock=frozen_clock)
    async with app.run_test() as pilot:
        await settle(pilot, app)
        assert await _opened(app, pilot, out) == URL
        await settle(pilot, app)  # the notification is a message: let it arrive
        assert any(n == f"Opened {URL}" for n in _notes(app))


async def test_the_systems_browser_runs_quietly_off_the_readers_screen(
    demo: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No ``browser`` setting: Python's choice (here ``xdg-open``'s kind, a background command)
    runs with its output kept off the reader's screen (gio's "Operation not supported" was
    written over the list); no browser at all is said."""
    import subprocess
    import webbrowser

    out = tmp_path / "opened.txt"
    script = _browser_script(tmp_path / "fake-xdg-open", out, 'echo "gio: $1: Operation not supported" >&2\n')
    monkeypatch.setattr(webbrowser, "get", lambda: webbrowser.BackgroundBrowser(str(script)))
    started: list[dict[str, object]] = []
    popen = subprocess.Popen

    def recording(*args: object, **kwargs: object) -> object:
        started.append(kwargs)
        return popen(*args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(subprocess, "Popen", recording)
    app = BlogApp(demo, replace(demo.config, browser=""), clock=frozen_clock)
    async with app.run_test() as pilot:
        await settle(pilot, app)
        assert await _opened(app, pilot, out) == URL
        assert [kw.get("stderr") for kw in started] == [subprocess.DEVNULL]
        assert started[0].get("stdout") == subprocess.DEVNULL
        await settle(pilot, app)
        assert any(n == f"Opened {URL}" for n in _notes(app))

        def nothing() -> webbrowser.BaseBrowser:
            raise webbrowser.Error("could not locate runnable browser")

        monkeypatch.setattr(webbrowser, "get", nothing)
        app.open_url(URL)
        await settle(pilot, app)
        assert any(n.startswith("Not opened: no browser found") for n in _notes(app))


async def test_a_browser_that_is_not_installed_is_named(demo: Library) -> None:
    app = BlogApp(demo, replace(demo.config, browser="no-such-browser-here --new %u"), clock=frozen_clock)
    async with app.run_test() as pilot:
        await settle(pilot, app)
        app.open_url(URL)
        await settle(pilot, app)
        assert any("browser no-such-browser-here: not found" in n for n in _notes(app))


async def test_y_copies_the_posts_link(demo: Library) -> None:
    app = BlogApp(demo, clock=frozen_clock, opener=lambda url: True)
    async with app.run_test() as pilot:
        await settle(pilot, app)
        await press(pilot, "y")
        await settle(pilot, app)
        first = demo.post_ids()[0]
        assert app.clipboard == demo.post_url(first)
        assert any(n.startswith("Copied https://") for n in _notes(app))


def test_a_browser_setting_that_is_not_a_command_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('browser = "firefox \'%u"\n')
    with pytest.raises(ConfigError, match=r"browser = .*not a command"):
        load_config(path)
