"""Keyboard flows of the reader, driven with Pilot on a library seeded from local feeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from blogtui.library import Library
from blogtui.ui.screens.help import HelpScreen
from blogtui.ui.screens.main import MainScreen
from blogtui.ui.screens.welcome import WelcomeScreen
from blogtui.ui.widgets.post_list import PostList
from blogtui.ui.widgets.reader import ReaderView
from blogtui.ui.widgets.sidebar import Sidebar
from ui_harness import DATA, FakeBrowser, make_app, seeded_library, settle

SIZE = (120, 36)


@pytest.fixture
def demo(data_dir: Path) -> Library:
    library = seeded_library(data_dir)
    yield library
    library.close()


def _titles(library: Library, ids: list[int]) -> list[str]:
    return [r.title for r in library.rows(ids)]


async def test_starts_on_list_with_newest_highlighted_and_previews_it(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        posts = app.screen.query_one(PostList)
        assert app.focused is posts
        newest = demo.post_ids()[0]
        assert posts.highlighted_id == newest
        reader = app.screen.query_one(ReaderView)
        assert reader.post_id == newest
        assert posts.count == 16


async def test_j_k_enter_marks_read_and_focuses_reader(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        posts = app.screen.query_one(PostList)
        await pilot.press("j", "j", "k")
        second = demo.post_ids()[1]
        assert posts.highlighted_id == second
        await pilot.press("enter")
        await settle(pilot, app)
        assert app.focused is app.screen.query_one(ReaderView)
        assert app.screen.query_one(ReaderView).post_id == second
        assert demo.rows([second])[0].read


async def test_n_and_p_move_through_posts_while_reading(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await settle(pilot, app)
        ids = demo.post_ids()
        await pilot.press("n", "n")
        await settle(pilot, app)
        reader = app.screen.query_one(ReaderView)
        assert reader.post_id == ids[2]
        await pilot.press("p")
        await settle(pilot, app)
        assert reader.post_id == ids[1]
        assert all(r.read for r in demo.rows(ids[:3]))
        assert app.focused is reader


async def test_m_and_s_toggle_read_and_star(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        first = demo.post_ids()[0]
        await pilot.press("m")
        await settle(pilot, app)
        assert demo.rows([first])[0].read
        await pilot.press("m", "s")
        await settle(pilot, app)
        row = demo.rows([first])[0]
        assert not row.read and row.starred


async def test_query_box_filters_as_you_type_and_escape_clears(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        posts = app.screen.query_one(PostList)
        await pilot.press("slash")
        await pilot.press(*"seedlin")
        await settle(pilot, app)
        assert _titles(demo, posts.ids) == ["Tomatoes and timeouts"]
        await pilot.press("escape")
        await settle(pilot, app)
        assert posts.count == 16
        assert app.focused is posts


async def test_bad_query_shows_error_and_keeps_list(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("slash", *"after:2015-13-40")
        await settle(pilot, app)
        status = str(app.screen.query_one("#status").render())
        assert "after:2015-13-40" in status
        assert app.screen.query_one(PostList).count == 16


async def test_tags_toggle_with_space_and_combine(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("t")
        sidebar = app.screen.query_one(Sidebar)
        assert app.focused is sidebar
        entries = sidebar._entries
        python_line = next(i for i, e in enumerate(entries) if e and e.kind == "tag" and e.value == "python")
        sidebar.highlighted = python_line
        await pilot.press("space")
        await settle(pilot, app)
        posts = app.screen.query_one(PostList)
        assert posts.count == len(demo.post_ids("tag:python"))
        entries = sidebar._entries
        perf_line = next(
            i for i, e in enumerate(entries) if e and e.kind == "tag" and e.value == "performance"
        )
        sidebar.highlighted = perf_line
        await pilot.press("space")
        await settle(pilot, app)
        assert set(posts.ids) == set(demo.post_ids("tag:python tag:performance"))
        assert posts.count == 2
        await pilot.press("escape")
        await settle(pilot, app)
        assert posts.count == 16


async def test_help_screen_opens_and_closes(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_o_and_number_keys_open_only_safe_links(demo: Library) -> None:
    browser = FakeBrowser()
    app = make_app(demo, browser)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        target = demo.post_ids("feedparser")[0]
        app.screen.query_one(PostList).move_to(target)
        await pilot.press("enter")
        await settle(pilot, app)
        await pilot.press("o")
        assert browser.opened == ["https://gardener.example/posts/a-small-python-feed-parser-tour/"]
        await pilot.press("1")
        assert browser.opened[-1] == "https://feedparser.readthedocs.io/"
        await pilot.press("9")
        assert len(browser.opened) == 2


async def test_z_full_screen_and_b_sidebar(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("z")
        await settle(pilot, app)
        assert app.screen.has_class("-reading")
        assert not app.screen.query_one(PostList).display or app.screen.query_one(PostList).region.height == 0
        await pilot.press("z")
        assert not app.screen.has_class("-reading")
        sidebar = app.screen.query_one(Sidebar)
        assert sidebar.display
        await pilot.press("b")
        assert not sidebar.display
        await pilot.press("b")
        assert sidebar.display


async def test_narrow_terminal_folds_sidebar(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        assert not app.screen.query_one(Sidebar).display
        await pilot.press("t")
        assert app.screen.query_one(Sidebar).display


async def test_mark_all_in_view_read_asks_first(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("M")
        await pilot.press("n")
        await settle(pilot, app)
        assert len(demo.post_ids("is:unread")) == 16
        await pilot.press("M", "y")
        await settle(pilot, app)
        assert demo.post_ids("is:unread") == []


async def test_remove_feed_asks_then_removes(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("t")
        sidebar = app.screen.query_one(Sidebar)
        sidebar.highlighted = next(i for i, e in enumerate(sidebar._entries) if e and e.kind == "feed")
        await pilot.press("x", "y")
        await settle(pilot, app)
        assert demo.feeds() == []
        assert app.screen.query_one(PostList).count == 0


async def test_markup_in_titles_shows_literally(data_dir: Path) -> None:
    library = seeded_library(data_dir, DATA / "some-feed.xml")
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        target = library.post_ids('"must print literally"')[0]
        app.screen.query_one(PostList).move_to(target)
        await settle(pilot, app)
        assert "[bold red]Not markup[/]" in app.screen.query_one(PostList).render_line(5).text
        reader = app.screen.query_one(ReaderView)
        assert reader.post_id == target
        assert "[bold red]Not markup[/]" in reader.document.strips[0].text
    library.close()


async def test_remembers_filter_and_post_across_restarts(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("slash", *"garden", "enter")
        await settle(pilot, app)
        await pilot.press("j", "enter")
        await settle(pilot, app)
        chosen = app.screen.query_one(ReaderView).post_id
    again = make_app(demo)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot, again)
        posts = again.screen.query_one(PostList)
        assert again.screen.query_one("#query").value == "garden"
        assert posts.highlighted_id == chosen
        assert posts.count == len(demo.post_ids(demo.compile("garden", prefix_last=True)))


async def test_refresh_runs_in_a_worker_and_reports(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("r")
        await pilot.press("j")
        await settle(pilot, app)
        status = str(app.screen.query_one("#status").render())
        assert "refreshed 1/1 feeds" in status


async def test_welcome_then_add_feed_opens_main_screen(data_dir: Path) -> None:
    library = Library(data_dir)
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, WelcomeScreen)
        await pilot.press("a")
        await pilot.press(*str(DATA / "some-feed.xml"), "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, MainScreen)
        await settle(pilot, app)
        assert app.screen.query_one(PostList).count == 10
    library.close()


async def test_export_command_writes_opml(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        app.action_export()
        await settle(pilot, app)
    written = demo.data_dir / "blogtui-subscriptions.opml"
    assert "The Terminal Gardener" in written.read_text()


async def test_query_matches_are_highlighted_in_the_reader(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("slash", *"compost", "enter")
        await settle(pilot, app)
        await pilot.press("enter")
        await settle(pilot, app)
        reader = app.screen.query_one(ReaderView)
        marked = [
            seg.text for strip in reader.document.strips for seg in strip if seg.style and seg.style.reverse
        ]
        assert any(text.lower() == "compost" for text in marked)
