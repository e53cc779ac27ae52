"""The reader's shell as a newcomer meets it (issue 13, item 7): full screen at every width, the
show_sidebar setting, a help that scrolls and fits 80x24, a status line whose news clears and
that a refresh's progress bar leaves readable, and keys of config.toml that collide said so."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from rich.console import Console
from textual.containers import VerticalScroll
from textual.widgets import Static

from blogtui.config import Config
from blogtui.library import Library
from blogtui.ui.app import BlogApp
from blogtui.ui.screens.help import HelpScreen, key_clashes
from blogtui.ui.screens.main import MainScreen
from blogtui.ui.widgets.post_list import PostList
from blogtui.ui.widgets.reader import ReaderView
from blogtui.ui.widgets.sidebar import Sidebar
from feedserver import FeedServer
from ui_harness import (
    FakeBrowser,
    frozen_clock,
    library_with_a_held_feed,
    make_app,
    press,
    seeded_library,
    settle,
)


@pytest.fixture
def demo(data_dir: Path) -> Library:
    library = seeded_library(data_dir)
    yield library
    library.close()


def _app(library: Library, **settings: object) -> BlogApp:
    return BlogApp(library, Config(**settings), clock=frozen_clock, opener=FakeBrowser())  # type: ignore[arg-type]


def _status(app: BlogApp) -> str:
    return str(app.screen.query_one("#status", Static).render())


def _seen(widget: Static) -> str:
    """What a one-line widget shows: its text cut to its width."""
    console = Console(width=widget.region.width, record=True, color_system=None, legacy_windows=False)
    console.print(widget.render(), end="", overflow="crop", no_wrap=True)
    return console.export_text().splitlines()[0] if widget.region.width else ""


# -- full screen at every width ------------------------------------------------------------


@pytest.mark.parametrize("width", [80, 160])
async def test_z_is_full_screen_at_every_width(demo: Library, width: int) -> None:
    app = make_app(demo)
    async with app.run_test(size=(width, 40)) as pilot:
        await settle(pilot, app)
        sidebar = app.screen.query_one(Sidebar)
        assert sidebar.display == (width >= 100)  # folded away below 100 columns
        await press(pilot, "z")
        await settle(pilot, app)
        reader = app.screen.query_one(ReaderView)
        assert app.screen.has_class("-reading")
        assert not sidebar.display and sidebar.region.width == 0
        assert app.screen.query_one(PostList).region.height == 0
        assert reader.region.width == width  # the whole width is the post's
        assert app.focused is reader
        await press(pilot, "z")
        await settle(pilot, app)
        assert sidebar.display == (width >= 100)  # back as it was
        assert reader.region.width < width or width < 100


async def test_b_in_full_screen_leaves_it_with_the_sidebar(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot, app)
        await press(pilot, "z", "b")
        await settle(pilot, app)
        assert not app.screen.has_class("-reading")
        assert app.screen.query_one(Sidebar).display


async def test_t_in_full_screen_leaves_it_for_the_tags(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot, app)
        await press(pilot, "z", "t")
        await settle(pilot, app)
        sidebar = app.screen.query_one(Sidebar)
        assert not app.screen.has_class("-reading")
        assert sidebar.display and app.focused is sidebar


# -- show_sidebar ----------------------------------------------------------------------------


async def test_show_sidebar_false_starts_with_the_sidebar_hidden_and_b_shows_it(demo: Library) -> None:
    app = _app(demo, show_sidebar=False)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot, app)
        sidebar = app.screen.query_one(Sidebar)
        assert not sidebar.display
        await press(pilot, "b")
        await settle(pilot, app)
        assert sidebar.display
        await press(pilot, "z", "z")  # full screen and back keep what b said
        await settle(pilot, app)
        assert sidebar.display


async def test_show_sidebar_true_is_the_default_width_rule(demo: Library) -> None:
    app = _app(demo, show_sidebar=True)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot, app)
        assert app.screen.query_one(Sidebar).display


# -- the help ----------------------------------------------------------------------------------


async def test_help_fits_80x24_and_scrolls_with_j_k_and_page_keys(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await press(pilot, "question_mark")
        await settle(pilot, app)
        assert isinstance(app.screen, HelpScreen)
        box = app.screen.query_one("#help-keys", VerticalScroll)
        screen = app.screen.region
        assert screen.contains_region(box.region)  # the whole box on screen
        inner = box.scrollable_content_region
        for part in box.query(Static):  # no row wider than the box: nothing clipped at the right
            assert part.virtual_region.width <= inner.width
        assert box.max_scroll_y > 0  # more rows than fit: they scroll
        await press(pilot, "j")
        await settle(pilot, app)
        assert box.scroll_y == 1
        await press(pilot, "j", "j", "k")
        await settle(pilot, app)
        assert box.scroll_y == 2
        await press(pilot, "pagedown")
        await settle(pilot, app)
        assert box.scroll_y >= inner.height
        await press(pilot, "G")
        await settle(pilot, app)
        assert box.scroll_y == box.max_scroll_y
        last = list(box.query(Static))[-1]  # "escape, q or ? closes this screen" in view
        assert box.region.contains_region(last.region)
        await press(pilot, "g")
        await settle(pilot, app)
        assert box.scroll_y == 0
        await press(pilot, "escape")
        assert isinstance(app.screen, MainScreen)


# -- the status line -------------------------------------------------------------------------


async def _status_until(pilot, app: BlogApp, wanted, seconds: float = 10.0) -> str:  # type: ignore[no-untyped-def]
    """The status line once ``wanted(text)`` holds (polled; the test fails after ``seconds``)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not wanted(text := _status(app)):
        assert loop.time() < deadline, f"status line stayed {text!r}"
        await pilot.pause(0.05)
    return text


# A message's time on screen: long enough that a loaded machine still sees it before it clears
# (0.2-0.3 s failed under CI load: the message came and went within one settle).
SHOWN = 1.5


async def test_a_status_message_clears_after_a_while(demo: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(MainScreen, "status_seconds", SHOWN)
    app = make_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        await press(pilot, "G", "enter")
        await settle(pilot, app)
        pressed = asyncio.get_running_loop().time()
        await press(pilot, "N")  # the last post open: nothing unread below
        await _status_until(pilot, app, lambda text: "no unread post below" in text)
        text = await _status_until(pilot, app, lambda text: "no unread post below" not in text)
        assert "All posts" in text
        assert asyncio.get_running_loop().time() - pressed >= SHOWN  # not cleared before its time


async def test_an_error_in_the_status_line_clears_too(demo: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(MainScreen, "status_seconds", SHOWN)
    app = make_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        target = demo.post_ids("feedparser")[0]  # a summary-only post: F fetches its page
        app.screen.query_one(PostList).move_to(target)
        # F at once after enter is for the post being opened, not the one still shown; its site
        # is out of reach (tests reach loopback only and look no name up).
        await press(pilot, "enter", "F")
        error = await _status_until(pilot, app, lambda text: "All posts" not in text)  # the error alone
        assert demo.post(target).url in error  # type: ignore[union-attr]
        # It stays its time: the post's place in the list, landing after it, does not wipe it.
        await _status_until(pilot, app, lambda text: app.screen._finding is None or text != error)
        assert _status(app) == error
        text = await _status_until(pilot, app, lambda text: text != error)
        assert "All posts" in text and "post " in text


async def test_an_error_stays_through_a_refresh_of_the_status_line(
    demo: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The status line drawn again for what it shows besides (the list's count landing, the
    post's place) keeps an error; its time running out, or a key, clears it."""
    monkeypatch.setattr(MainScreen, "status_seconds", 600.0)
    monkeypatch.setattr(MainScreen, "news_seconds", 0.0)
    app = make_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        screen._set_status(error="example.invalid: DNS lookup failed")
        screen._set_status()  # what a count or a place landing does
        assert _status(app) == " example.invalid: DNS lookup failed"
        screen._status_expired()
        assert "All posts" in _status(app)
        screen._set_status(error="example.invalid: DNS lookup failed")
        await press(pilot, "j")  # a key that does something
        await settle(pilot, app)
        assert "All posts" in _status(app) and "DNS" not in _status(app)


async def test_the_next_key_that_does_something_clears_stale_news(
    demo: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(MainScreen, "status_seconds", 600.0)  # never by the clock here
    monkeypatch.setattr(MainScreen, "news_seconds", 0.0)  # news read at once (see the test below)
    app = make_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        await press(pilot, "I")
        await settle(pilot, app)
        assert "images as links" in _status(app)
        await press(pilot, "I")  # a key's own news replaces the old
        await settle(pilot, app)
        assert "images shown" in _status(app) and "images as links" not in _status(app)
        await press(pilot, "x")  # bound to nothing: does nothing, and the news stays
        await settle(pilot, app)
        assert "images shown" in _status(app)
        await press(pilot, "j")  # moves the cursor: the news before it is stale
        await settle(pilot, app)
        text = _status(app)
        assert "images shown" not in text and "All posts" in text
        # An error too.
        app.screen._set_status(error="something went wrong")
        assert "something went wrong" in _status(app)
        await press(pilot, "k")
        await settle(pilot, app)
        assert "something went wrong" not in _status(app) and "All posts" in _status(app)
        # Typing a query is doing something.
        app.screen._set_status(message="old news")
        await press(pilot, "slash", *"feed")
        await settle(pilot, app)
        assert "old news" not in _status(app)


async def test_news_that_lands_as_a_key_is_pressed_stays_to_be_read(
    demo: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A refresh's report arriving just before j moves the cursor was wiped unseen (and
    # test_refresh_runs_in_a_worker_and_reports failed 1 run in 3 under load).
    monkeypatch.setattr(MainScreen, "status_seconds", 600.0)
    monkeypatch.setattr(MainScreen, "news_seconds", 0.5)
    app = make_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        app.screen._set_status(message="refreshed 1/1 feeds")
        await press(pilot, "j")  # at once: the news is younger than news_seconds
        await settle(pilot, app)
        assert "refreshed 1/1 feeds" in _status(app)
        await pilot.pause(0.6)
        await press(pilot, "k")  # read by now: stale
        await settle(pilot, app)
        assert "refreshed 1/1 feeds" not in _status(app) and "All posts" in _status(app)


async def test_lasting_news_outlives_the_next_key(demo: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(MainScreen, "status_seconds", 600.0)
    app = make_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        app.screen._set_status(message="refreshing 1/3 feeds", lasting=True)  # as a refresh under way says
        await press(pilot, "j", "k")
        await settle(pilot, app)
        assert "refreshing 1/3 feeds" in _status(app)


async def test_find_keeps_its_count_while_the_find_box_is_open(
    demo: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(MainScreen, "status_seconds", 0.2)
    app = make_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        await press(pilot, "enter", "ctrl+f", *"the")
        await settle(pilot, app)
        assert " of " in _status(app)
        await pilot.pause(0.5)
        await settle(pilot, app)
        assert " of " in _status(app)  # lasting: find's "2 of 9" is not stale news


async def test_refresh_progress_and_the_status_text_both_show_at_80_columns(
    data_dir: Path, server: FeedServer
) -> None:
    library, gate = library_with_a_held_feed(data_dir, server)
    app = make_app(library)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot, app)
            await press(pilot, "enter")  # a post open: the status line's longest form
            await settle(pilot, app)
            await press(pilot, "r")
            status = app.screen.query_one("#status", Static)
            for _ in range(100):
                await pilot.pause(0.05)
                if "refreshed 1/2 feeds" in str(status.render()):
                    break
            await pilot.pause(0.1)  # laid out (settle would wait for the refresh held at the gate)
            bar = app.screen.query_one("#fetch-progress")
            assert bar.display and bar.region.width > 0
            assert not status.region.overlaps(bar.region)
            seen = _seen(status)
            assert "refreshed 1/2 feeds" in seen, seen  # the news in sight beside the bar
            assert "posts" in seen  # and the view's count too
            gate.set()
            await settle(pilot, app)
            assert "refreshed 2/2 feeds" in _seen(status)
            assert not bar.display
    finally:
        gate.set()
        library.close()


# -- keys of config.toml that collide ------------------------------------------------------


def test_no_clash_by_default_nor_when_a_key_moves_to_a_free_one() -> None:
    assert key_clashes(BlogApp, {}) == []
    assert key_clashes(BlogApp, {"next_post": "J"}) == []
    # n is next_post's no more: toggle_star may have it
    assert key_clashes(BlogApp, {"next_post": "J", "toggle_star": "n"}) == []


def test_a_remapped_key_that_another_binding_has_is_one_line_naming_both() -> None:
    lines = key_clashes(BlogApp, {"next_post": "s"})
    assert len(lines) == 1
    assert "next_post" in lines[0] and "toggle_star" in lines[0]
    assert lines[0].startswith('[keys]: next_post = "s": s is')
    # a widget's binding against the screen's: j given to zoom is the list's, the reader's and
    # the sidebar's j too (a line each)
    lines = key_clashes(BlogApp, {"zoom": "j"})
    assert len(lines) == 3 and all("zoom" in line for line in lines)
    assert {"list_down", "reader_down", "sidebar_down"} == {
        name for line in lines for name in ("list_down", "reader_down", "sidebar_down") if name in line
    }
    # two remapped to one key: said once
    assert len(key_clashes(BlogApp, {"zoom": "Z", "save_view": "Z"})) == 1
    # the welcome screen's bindings are the main screen's ids too: said once
    assert len(key_clashes(BlogApp, {"help": "a"})) == 1


async def test_a_clash_is_said_at_start_in_the_status_line(demo: Library) -> None:
    app = _app(demo, keys={"next_post": "s"})
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot, app)
        status = _status(app)
        assert "next_post" in status and "toggle_star" in status
        assert any("toggle_star" in n.message for n in app._notifications)
        await asyncio.sleep(0)
