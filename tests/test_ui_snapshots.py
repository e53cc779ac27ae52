"""The look of each screen, as SVG snapshots of the demo blog at fixed sizes (pytest-textual-snapshot)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from blogtui.cli import demo_feed_path
from blogtui.library import Library
from blogtui.ui.app import BlogApp
from blogtui.ui.widgets.sidebar import Entry, Sidebar
from ui_harness import feed_xml, make_app, press, seeded_library, settle


@pytest.fixture
def demo(data_dir: Path) -> Library:
    library = seeded_library(data_dir)
    yield library
    library.close()


def _before(app: BlogApp, *keys: str) -> Callable[[Pilot], Awaitable[None]]:
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot, app)
        for key in keys:
            await press(pilot, key)
            await settle(pilot, app)

    return run_before


def test_main_screen(snap_compare, demo: Library) -> None:  # type: ignore[no-untyped-def]
    app = make_app(demo)
    assert snap_compare(app, terminal_size=(120, 36), run_before=_before(app))


def test_reader(snap_compare, demo: Library) -> None:  # type: ignore[no-untyped-def]
    app = make_app(demo)
    assert snap_compare(app, terminal_size=(120, 36), run_before=_before(app, "j", "j", "j", "enter"))


def test_full_screen_reading(snap_compare, demo: Library) -> None:  # type: ignore[no-untyped-def]
    app = make_app(demo)
    assert snap_compare(app, terminal_size=(100, 30), run_before=_before(app, "j", "j", "z"))


def test_help(snap_compare, demo: Library) -> None:  # type: ignore[no-untyped-def]
    app = make_app(demo)
    assert snap_compare(app, terminal_size=(120, 40), run_before=_before(app, "question_mark"))


def test_help_80x24(snap_compare, demo: Library) -> None:  # type: ignore[no-untyped-def]
    """The help at 80x24: every row whole (the rest scrolls, j / k); scrolled a page down."""
    app = make_app(demo)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_before(app, "question_mark", "pagedown"))


def test_welcome(snap_compare, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    library = Library(data_dir)
    app = make_app(library)
    assert snap_compare(app, terminal_size=(100, 30), run_before=_before(app))
    library.close()


def test_narrow_80x24(snap_compare, demo: Library) -> None:  # type: ignore[no-untyped-def]
    app = make_app(demo)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_before(app, "j"))


def test_light_theme(snap_compare, demo: Library) -> None:  # type: ignore[no-untyped-def]
    app = make_app(demo)
    app.theme = "textual-light"
    assert snap_compare(app, terminal_size=(120, 36), run_before=_before(app, "enter"))


def test_tag_filter_and_query(snap_compare, demo: Library) -> None:  # type: ignore[no-untyped-def]
    app = make_app(demo)

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot, app)
        await press(pilot, "slash", *"tag:gardening", "enter")
        await settle(pilot, app)

    assert snap_compare(app, terminal_size=(120, 36), run_before=run_before)


def test_wide_200x60_with_own_tag(snap_compare, demo: Library) -> None:  # type: ignore[no-untyped-def]
    demo.add_user_tag(demo.post_ids()[2], "to reread")
    app = make_app(demo)
    assert snap_compare(app, terminal_size=(200, 60), run_before=_before(app, "j", "j", "enter"))


def _feed_card(app: BlogApp, demo: Library) -> Callable[[Pilot], Awaitable[None]]:
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot, app)
        sidebar = app.screen.query_one(Sidebar)
        sidebar.highlighted = sidebar._entries.index(Entry("feed", demo.feeds()[0].url))
        sidebar.action_select()
        await settle(pilot, app)

    return run_before


def test_feed_card_and_timeline_80x24(snap_compare, demo: Library) -> None:  # type: ignore[no-untyped-def]
    app = make_app(demo)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_feed_card(app, demo))


def test_feed_card_and_timeline_160x48(snap_compare, demo: Library) -> None:  # type: ignore[no-untyped-def]
    app = make_app(demo)
    assert snap_compare(app, terminal_size=(160, 48), run_before=_feed_card(app, demo))


def test_failed_feed_chosen_and_feeds_folded_120x36(snap_compare, data_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A feed whose last fetch failed, chosen: its error on its card; then the Feeds section
    folded: its heading ▸ with the failed count, the chosen feed still under it with its reason."""
    gone = tmp_path / "gone.xml"
    gone.write_text(feed_xml(3, title="A Blog That Went Away"))
    library = seeded_library(data_dir, demo_feed_path(), gone)
    gone.unlink()
    library.refresh([str(gone)])
    url = next(f.url for f in library.feeds() if f.error)
    app = make_app(library)

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot, app)
        sidebar = app.screen.query_one(Sidebar)
        sidebar.focus()
        sidebar.highlighted = sidebar._entries.index(Entry("feed", url))
        await press(pilot, "enter")
        await settle(pilot, app)
        sidebar.highlighted = sidebar._entries.index(Entry("section", "feeds"))
        await press(pilot, "enter")
        await settle(pilot, app)

    assert snap_compare(app, terminal_size=(120, 36), run_before=run_before)
    library.close()
