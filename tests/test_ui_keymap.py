"""Keys remapped in config.toml's ``[keys]``: the app applies them (Textual's keymap), the help and
the footer show them, and every binding of the reader has the id a ``[keys]`` table names."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from rich.table import Table
from textual.widgets import Footer, Static

from blogtui.config import KEY_ACTIONS, Config
from blogtui.library import Library
from blogtui.ui.app import BlogApp
from blogtui.ui.screens.help import APP, SOURCES, HelpScreen, help_table, own_bindings
from blogtui.ui.widgets.post_list import PostList
from ui_harness import FakeBrowser, frozen_clock, press, seeded_library, settle

SIZE = (120, 36)


@pytest.fixture
def demo(data_dir: Path) -> Library:
    library = seeded_library(data_dir)
    yield library
    library.close()


def _app(library: Library, keys: dict[str, str]) -> BlogApp:
    return BlogApp(library, Config(keys=keys), clock=frozen_clock, opener=FakeBrowser())


def test_every_binding_has_an_id_and_the_ids_are_the_ones_keys_may_name() -> None:
    ids = set()
    for cls in (BlogApp if c is APP else c for c in SOURCES):
        for binding in own_bindings(cls):
            assert binding.id, (cls.__name__, binding.key)
            ids.add(binding.id)
    assert ids == set(KEY_ACTIONS)
    assert len(KEY_ACTIONS) == len(set(KEY_ACTIONS))


async def test_a_remapped_key_does_the_action_and_the_old_keys_no_longer_do(demo: Library) -> None:
    app = _app(demo, {"list_down": "J", "toggle_sidebar": "B"})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        posts = app.screen.query_one(PostList)
        posts.focus()
        await settle(pilot, app)
        start = posts.cursor
        await press(pilot, "j", "down")
        await settle(pilot, app)
        assert posts.cursor == start  # j and down were list_down's: both replaced
        await press(pilot, "J")
        await settle(pilot, app)
        assert posts.cursor == start + 1
        await press(pilot, "k")  # list_up untouched
        await settle(pilot, app)
        assert posts.cursor == start
        sidebar = app.screen.query_one("Sidebar")
        shown = sidebar.display
        await press(pilot, "b")
        await settle(pilot, app)
        assert sidebar.display == shown
        await press(pilot, "B")
        await settle(pilot, app)
        assert sidebar.display != shown


async def test_the_help_and_the_footer_show_the_remapped_keys(demo: Library) -> None:
    keys = {"help": "f1", "next_post": "J", "refresh": "ctrl+r"}
    app = _app(demo, keys)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        footer = app.screen.query_one(Footer)
        footer_text = " ".join(str(w.render()) for w in footer.query("FooterKey"))
        assert "^r Refresh" in footer_text and "f1 Help" in footer_text
        await press(pilot, "question_mark")  # no longer the help's key
        await settle(pilot, app)
        assert not isinstance(app.screen, HelpScreen)
        await press(pilot, "f1")
        await settle(pilot, app)
        assert isinstance(app.screen, HelpScreen)
        tables = [s.content for s in app.screen.query(Static) if isinstance(s.content, Table)]
        console = Console(width=200, record=True, file=io.StringIO())
        console.print(tables[0])
        lines = [line.strip() for line in console.export_text().splitlines()]
    assert any(line.startswith("J / p ") and "next / previous post" in line for line in lines)
    assert any(line.startswith("ctrl+r ") and line.endswith("refresh all feeds") for line in lines)
    assert any(line.startswith("f1 ") and line.endswith("this help") for line in lines)
    assert not any(line.startswith("? ") for line in lines)
    table = help_table(BlogApp, app.keymap)
    assert not table.unnamed and not table.unresolved
    assert {"J", "ctrl+r", "f1"} <= table.names and "?" not in table.names and "n" not in table.names
