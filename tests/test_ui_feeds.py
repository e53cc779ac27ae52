"""Feeds managed in the reader: rename from the sidebar, the card's own settings, a second
subscription refused."""

from __future__ import annotations

import shutil
from pathlib import Path

from textual.widgets import Input, Static

from blogtui.cli import demo_feed_path
from blogtui.config import FeedSettings, load_config
from blogtui.library import Library
from blogtui.ui.screens.dialogs import RenameDialog
from blogtui.ui.screens.main import MainScreen
from blogtui.ui.widgets.sidebar import Entry, Sidebar
from ui_harness import make_app, press, seeded_library, settle

SIZE = (120, 36)


def _choose_feed(app) -> str:  # type: ignore[no-untyped-def]
    sidebar = app.screen.query_one(Sidebar)
    index = next(i for i, e in enumerate(sidebar._entries) if e and e.kind == "feed")
    sidebar.highlighted = index
    return sidebar._entries[index].value


async def test_rename_a_feed_from_the_sidebar(data_dir: Path) -> None:
    library = seeded_library(data_dir)
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await press(pilot, "t")
        url = _choose_feed(app)
        await press(pilot, "enter")  # the feed chosen: its card shows
        await settle(pilot, app)
        await press(pilot, "R")
        assert isinstance(app.screen, RenameDialog)
        app.screen.query_one(Input).value = "My demo"
        await press(pilot, "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, MainScreen)
        assert library.feed(url).name == "My demo"  # type: ignore[union-attr]
        sidebar = app.screen.query_one(Sidebar)
        assert any("My demo" in str(o.prompt) for o in sidebar.options)
        facts = str(app.screen.query_one("#card-facts", Static).render())
        assert facts.startswith("My demo")
        assert "archive walking" not in facts  # the defaults go without saying
        # Turned off from the card's palette command: saved in config.toml, shown on the card.
        app.screen.toggle_feed_setting("archive")
        await settle(pilot, app)
        assert load_config().feed_settings(url) == FeedSettings(archive=False)
        facts = str(app.screen.query_one("#card-facts", Static).render())
        assert "archive walking off · full articles off (ctrl+p: Feed …)" in facts
        assert app.screen.filter.base == Entry("feed", url)
    library.close()


async def test_palette_offers_the_feed_commands_only_on_a_feed(data_dir: Path) -> None:
    library = seeded_library(data_dir)
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Feed: rename" not in titles
        await press(pilot, "t")
        _choose_feed(app)
        await press(pilot, "enter")
        await settle(pilot, app)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert {"Feed: rename", "Feed: archive walking off", "Feed: full articles on"} <= set(titles)
    library.close()


async def test_adding_the_same_blog_again_is_refused(data_dir: Path, tmp_path: Path) -> None:
    library: Library = seeded_library(data_dir)
    copy = tmp_path / "same-blog.xml"
    shutil.copy(demo_feed_path(), copy)  # another URL, the same site and title
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await press(pilot, "a")
        app.screen.query_one("#add-url", Input).value = str(copy)
        await press(pilot, "enter")
        await settle(pilot, app)
        messages = [n.message for n in app._notifications]
        assert any("already subscribed as “" in m for m in messages), messages
        assert len(library.feeds()) == 1
    library.close()
