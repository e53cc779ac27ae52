"""Keys typed at once, from the first instant: each goes where it is meant, in the order typed.

Textual hands a key to the focused widget at once and runs its binding only when the key has
come back up to the app, so a burst of keys used to overtake one another: ``/sqlite`` typed at
start-up starred a post (``s``) and quit (``q``) about one run in three. The app holds keys
while its screen is not mounted or the key before is still on its way (BlogApp.on_event).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from time import monotonic

import pytest
from textual.widgets import Input

from blogtui.library import Library
from blogtui.ui.app import BlogApp
from blogtui.ui.screens.dialogs import AddFeedDialog
from blogtui.ui.screens.main import MainScreen
from blogtui.ui.widgets.post_list import PostList
from ui_harness import key_event, make_app, press, seeded_library, settle

SIZE = (120, 36)


@pytest.fixture
def demo(data_dir: Path) -> Library:
    library = seeded_library(data_dir)
    yield library
    library.close()


def burst(app: BlogApp, keys: list[str]) -> None:
    """Type ``keys`` faster than the app can follow: every one is queued before any is handled."""
    for key in keys:
        app.post_message(key_event(key))


async def handed_on(pilot, app: BlogApp, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    """Wait until no typed key is held any more, then for the work they started."""
    deadline = monotonic() + timeout
    await settle(pilot, app)  # the keys typed are handled (held, or handed on)
    while app.keys_held:
        assert monotonic() < deadline, f"{app.keys_held} keys still held"
        await asyncio.sleep(0.005)
        await settle(pilot, app)


@pytest.mark.parametrize("run", range(20))
async def test_slash_query_typed_at_start_up_fills_the_query_box(demo: Library, run: int) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        burst(app, ["slash", *"sqlite"])  # before any pause: the main screen is still mounting
        await handed_on(pilot, app)
        assert app.is_running  # `q` did not quit
        screen = app.screen
        assert isinstance(screen, MainScreen)
        assert screen.query_box.value == "sqlite"
        assert app.focused is screen.query_box
        assert screen.filter.text == "sqlite"
        assert screen.posts.count == len(demo.post_ids("sqlite"))
        assert demo.post_ids("is:starred") == []  # `s` starred nothing
        assert demo.post_ids("is:read") == []  # nor did anything open a post


async def test_pilot_press_at_once_after_start_fills_the_query_box(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"sqlite")  # Textual's own typing, before any pause
        await handed_on(pilot, app)
        assert app.is_running
        assert isinstance(app.screen, MainScreen)
        assert app.screen.query_box.value == "sqlite"
        assert demo.post_ids("is:starred") == []


async def test_a_quoted_phrase_typed_at_start_up_neither_refreshes_nor_adds(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        burst(app, ["slash", *'"a feed parser"'])
        await handed_on(pilot, app)
        assert isinstance(app.screen, MainScreen)  # `a` did not open the Add dialog
        assert app.screen.query_box.value == '"a feed parser"'
        assert not [w for w in app.workers if w.group == "fetch"]  # `r` did not refresh
        assert demo.post_ids("is:starred") == []


async def test_list_keys_typed_at_start_up_act_on_the_list(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        burst(app, ["j", "j", "s"])
        await handed_on(pilot, app)
        posts = app.screen.query_one(PostList)
        assert app.focused is posts
        assert posts.cursor == 2
        assert demo.post_ids("is:starred") == [demo.post_ids()[2]]


async def test_keys_typed_quickly_after_a_dialog_opens_go_into_it(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        burst(app, ["a", *"https://b.example/"])  # t would focus the tags, r refresh, s star
        await handed_on(pilot, app)
        assert isinstance(app.screen, AddFeedDialog)
        assert app.screen.query_one("#add-url", Input).value == "https://b.example/"
        await press(pilot, "escape")
        assert isinstance(app.screen, MainScreen)
        assert demo.post_ids("is:starred") == []


async def test_ctrl_c_is_never_held(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        burst(app, ["slash", *"sqlite", "ctrl+c"])
        await pilot.pause()
        for _ in range(200):
            if not app.is_running:
                break
            await asyncio.sleep(0.01)
        assert not app.is_running
