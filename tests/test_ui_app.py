"""Keyboard flows of the reader, driven with Pilot on a library seeded from local feeds."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events

from blogtui.config import load_config
from blogtui.library import Library
from blogtui.ui.app import BlogApp
from blogtui.ui.screens import main as main_screen
from blogtui.ui.screens.dialogs import AskDialog, FollowLinkDialog
from blogtui.ui.screens.help import HelpScreen
from blogtui.ui.screens.main import MainScreen
from blogtui.ui.screens.welcome import WelcomeScreen
from blogtui.ui.widgets.post_list import PostList
from blogtui.ui.widgets.reader import ReaderView
from blogtui.ui.widgets.sidebar import Entry, Sidebar
from feedserver import FeedServer
from ui_harness import (
    DATA,
    FakeBrowser,
    feed_xml,
    frozen_clock,
    library_with_a_held_feed,
    make_app,
    press,
    seeded_library,
    settle,
)

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
        await press(pilot, "j", "j", "k")
        second = demo.post_ids()[1]
        assert posts.highlighted_id == second
        await press(pilot, "enter")
        await settle(pilot, app)
        assert app.focused is app.screen.query_one(ReaderView)
        assert app.screen.query_one(ReaderView).post_id == second
        assert demo.rows([second])[0].read


async def test_n_and_p_move_through_posts_while_reading(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await press(pilot, "enter")
        await settle(pilot, app)
        ids = demo.post_ids()
        await press(pilot, "n", "n")
        await settle(pilot, app)
        reader = app.screen.query_one(ReaderView)
        assert reader.post_id == ids[2]
        await press(pilot, "p")
        await settle(pilot, app)
        assert reader.post_id == ids[1]
        assert all(r.read for r in demo.rows(ids[:3]))
        assert app.focused is reader


async def test_m_and_s_toggle_read_and_star(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        first = demo.post_ids()[0]
        await press(pilot, "m")
        await settle(pilot, app)
        assert demo.rows([first])[0].read
        await press(pilot, "m", "s")
        await settle(pilot, app)
        row = demo.rows([first])[0]
        assert not row.read and row.starred


async def test_query_box_filters_as_you_type_and_escape_clears(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        posts = app.screen.query_one(PostList)
        await press(pilot, "slash")
        await press(pilot, *"seedlin")
        await settle(pilot, app)
        assert _titles(demo, posts.ids) == ["Tomatoes and timeouts"]
        await press(pilot, "escape")
        await settle(pilot, app)
        assert posts.count == 16
        assert app.focused is posts


async def test_words_in_the_query_put_the_best_match_first(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        posts = app.screen.query_one(PostList)
        await press(pilot, "slash", *"feed archive", "enter")
        await settle(pilot, app)
        typed = demo.compile("feed archive", prefix_last=True)  # the last word may still grow
        ranked = demo.post_ids(typed, ranked=True)
        assert len(ranked) > 1 and ranked != demo.post_ids(typed)  # the orders differ here
        assert posts.ids == ranked
        assert "best match first" in str(app.screen.query_one("#status").render())
        # Only filters, no words: newest first again.
        await press(pilot, "slash", "ctrl+u", *"is:unread", "enter")
        await settle(pilot, app)
        assert posts.ids == demo.post_ids("is:unread")
        assert "best match first" not in str(app.screen.query_one("#status").render())


async def test_capital_v_saves_the_filter_as_a_view(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await press(pilot, "slash", *"tag:python seed", "enter")
        await settle(pilot, app)
        await press(pilot, "V")
        assert isinstance(app.screen, AskDialog)
        await press(pilot, *"pyseed", "enter")
        await settle(pilot, app)
        assert demo.views() == [("pyseed", "tag:python seed")]
        assert Entry("view", "pyseed") in app.screen.query_one(Sidebar)._entries
        assert "saved as @pyseed" in str(app.screen.query_one("#status").render())
        assert demo.post_ids("@pyseed") == demo.post_ids("tag:python seed")


async def test_bad_query_shows_error_and_keeps_list(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await press(pilot, "slash", *"after:2015-13-40")
        await settle(pilot, app)
        status = str(app.screen.query_one("#status").render())
        assert "after:2015-13-40" in status
        assert app.screen.query_one(PostList).count == 16


async def test_tags_toggle_with_space_and_combine(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await press(pilot, "t")
        sidebar = app.screen.query_one(Sidebar)
        assert app.focused is sidebar
        entries = sidebar._entries
        python_line = next(i for i, e in enumerate(entries) if e and e.kind == "tag" and e.value == "python")
        sidebar.highlighted = python_line
        await press(pilot, "space")
        await settle(pilot, app)
        posts = app.screen.query_one(PostList)
        assert posts.count == len(demo.post_ids("tag:python"))
        entries = sidebar._entries
        perf_line = next(
            i for i, e in enumerate(entries) if e and e.kind == "tag" and e.value == "performance"
        )
        sidebar.highlighted = perf_line
        await press(pilot, "space")
        await settle(pilot, app)
        assert set(posts.ids) == set(demo.post_ids("tag:python tag:performance"))
        assert posts.count == 2
        await press(pilot, "escape")
        await settle(pilot, app)
        assert posts.count == 16


async def test_help_screen_opens_and_closes(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await press(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        await press(pilot, "escape")
        assert isinstance(app.screen, MainScreen)


async def test_o_and_number_keys_open_only_safe_links(demo: Library) -> None:
    browser = FakeBrowser()
    app = make_app(demo, browser)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        target = demo.post_ids("feedparser")[0]
        app.screen.query_one(PostList).move_to(target)
        await press(pilot, "enter")
        await settle(pilot, app)
        await press(pilot, "o")
        assert browser.opened == ["https://gardener.example/posts/a-small-python-feed-parser-tour/"]
        await press(pilot, "1")
        assert browser.opened[-1] == "https://feedparser.readthedocs.io/"
        await press(pilot, "9")
        assert len(browser.opened) == 2


async def test_z_full_screen_and_b_sidebar(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await press(pilot, "z")
        await settle(pilot, app)
        assert app.screen.has_class("-reading")
        assert not app.screen.query_one(PostList).display or app.screen.query_one(PostList).region.height == 0
        await press(pilot, "z")
        assert not app.screen.has_class("-reading")
        sidebar = app.screen.query_one(Sidebar)
        assert sidebar.display
        await press(pilot, "b")
        assert not sidebar.display
        await press(pilot, "b")
        assert sidebar.display


async def test_narrow_terminal_folds_sidebar(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        assert not app.screen.query_one(Sidebar).display
        await press(pilot, "t")
        assert app.screen.query_one(Sidebar).display


async def test_mark_all_in_view_read_asks_first(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await press(pilot, "M")
        await press(pilot, "n")
        await settle(pilot, app)
        # The feed's own 6 posts are unread, the archive's 10 backlog: "no" leaves them all.
        assert (len(demo.post_ids("is:unread")), len(demo.post_ids("is:backlog"))) == (6, 10)
        await press(pilot, "M", "y")
        await settle(pilot, app)
        assert demo.post_ids("is:unread") == []
        assert demo.post_ids("is:backlog") == []


async def test_remove_feed_asks_then_removes(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await press(pilot, "t")
        sidebar = app.screen.query_one(Sidebar)
        sidebar.highlighted = next(i for i, e in enumerate(sidebar._entries) if e and e.kind == "feed")
        await press(pilot, "x", "y")
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


async def test_remembers_filter_and_post_across_restarts(
    demo: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Typed at once, the query is applied and stored once, after the real debounce. (With none,
    # each prefix is stored by a write worker of its own, and those threads finish in any order.)
    monkeypatch.setattr(MainScreen, "query_delay", main_screen.QUERY_DELAY)
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await press(pilot, "slash", *"garden", "enter")
        await settle(pilot, app)
        await press(pilot, "j", "enter")
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
        await press(pilot, "r")
        await press(pilot, "j")
        await settle(pilot, app)
        status = str(app.screen.query_one("#status").render())
        assert "refreshed 1/1 feeds" in status


async def test_welcome_then_add_feed_opens_main_screen(data_dir: Path) -> None:
    library = Library(data_dir)
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, WelcomeScreen)
        await press(pilot, "a")
        await press(pilot, *str(DATA / "some-feed.xml"), "enter")
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
        await press(pilot, "slash", *"compost", "enter")
        await settle(pilot, app)
        await press(pilot, "enter")
        await settle(pilot, app)
        reader = app.screen.query_one(ReaderView)
        marked = [
            seg.text for strip in reader.document.strips for seg in strip if seg.style and seg.style.reverse
        ]
        assert any(text.lower() == "compost" for text in marked)


@pytest.fixture
def long_feed(tmp_path: Path) -> Path:
    path = tmp_path / "long.xml"
    path.write_text(feed_xml(400), encoding="utf-8")
    return path


def _screen_row(posts: PostList) -> int:
    return posts.cursor - int(posts.scroll_offset.y)


async def test_g_G_and_page_keys_on_a_long_list(data_dir: Path, long_feed: Path) -> None:
    library = seeded_library(data_dir, long_feed)
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        posts = app.screen.query_one(PostList)
        height = posts.scrollable_content_region.height
        assert posts.count == 400
        await press(pilot, "G")
        assert posts.cursor == 399
        assert 0 <= _screen_row(posts) < height
        await press(pilot, "pageup")
        assert posts.cursor == 399 - (height - 1)
        assert 0 <= _screen_row(posts) < height
        await press(pilot, "g", "pagedown", "pagedown")
        assert posts.cursor == 2 * (height - 1)
        assert 0 <= _screen_row(posts) < height
        await settle(pilot, app)
        rendered = posts.render_line(_screen_row(posts)).text
        assert f"Post number {400 - posts.cursor}" in rendered
        assert app.screen.query_one(ReaderView).post_id == posts.highlighted_id
    library.close()


async def test_list_keeps_its_place_when_posts_arrive(data_dir: Path, long_feed: Path) -> None:
    library = seeded_library(data_dir, long_feed)
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        posts = app.screen.query_one(PostList)
        await press(pilot, "pagedown", "pagedown", "k", "k")
        await settle(pilot, app)
        kept, row = posts.highlighted_id, _screen_row(posts)
        top = posts.ids[int(posts.scroll_offset.y)]
        long_feed.write_text(feed_xml(420), encoding="utf-8")  # 20 newer posts
        await press(pilot, "r")
        await settle(pilot, app)
        assert posts.count == 420
        assert posts.highlighted_id == kept
        assert _screen_row(posts) == row
        assert posts.ids[int(posts.scroll_offset.y)] == top
        assert app.screen.query_one(ReaderView).post_id == kept
    library.close()


async def test_holding_j_renders_only_the_post_left_highlighted(
    demo: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(MainScreen, "highlight_delay", main_screen.HIGHLIGHT_DELAY)  # the real debounce
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        rendered: list[int] = []
        real = main_screen.PostLayout

        def counting(post, *args, **kwargs):  # type: ignore[no-untyped-def]
            rendered.append(post.id)
            return real(post, *args, **kwargs)

        monkeypatch.setattr(main_screen, "PostLayout", counting)
        for _ in range(10):  # key repeat: ten presses arrive together
            app.post_message(events.Key("j", "j"))
        await settle(pilot, app)
        posts = app.screen.query_one(PostList)
        assert posts.cursor == 10
        assert rendered == [posts.highlighted_id]
        assert app.screen.query_one(ReaderView).post_id == posts.highlighted_id


async def test_plus_puts_the_users_own_tag_on_a_post(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        post_id = app.screen.query_one(PostList).highlighted_id
        feed_tags = demo.post_tags(post_id, user=False)
        await press(pilot, "plus")
        assert isinstance(app.screen, AskDialog)
        await press(pilot, *"to reread", "enter")
        await settle(pilot, app)
        assert demo.post_tags(post_id, user=True) == ["to reread"]
        header = " ".join(strip.text for strip in app.screen.query_one(ReaderView).document.strips[:4])
        assert "yours: +to reread" in header
        assert all(f" {name} " in header.split("yours:")[0] for name in feed_tags)
        sidebar = app.screen.query_one(Sidebar)
        assert Entry("tag", "to reread") in sidebar._entries
        await press(pilot, "plus", *"-to reread", "enter")
        await settle(pilot, app)
        assert demo.post_tags(post_id, user=True) == []
        assert demo.post_tags(post_id, user=False) == feed_tags
        header = " ".join(strip.text for strip in app.screen.query_one(ReaderView).document.strips[:4])
        assert "yours:" not in header


async def test_saved_views_are_in_the_sidebar(demo: Library) -> None:
    demo.save_view("py", "tag:python")
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        sidebar = app.screen.query_one(Sidebar)
        line = sidebar._entries.index(Entry("view", "py"))
        assert line < min(i for i, e in enumerate(sidebar._entries) if e and e.kind == "feed")
        await press(pilot, "t")
        sidebar.highlighted = line
        await press(pilot, "enter")
        await settle(pilot, app)
        assert set(app.screen.query_one(PostList).ids) == set(demo.post_ids("tag:python"))
        assert "@py" in str(app.screen.query_one("#status").render())


async def test_palette_toggles_theme_and_the_theme_is_remembered(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for wanted in ("Add feed", "Refresh feeds", "Toggle theme", "Export subscriptions", "Quit"):
            assert wanted in titles
        assert app.current_theme.dark
        await press(pilot, "ctrl+p")
        await press(pilot, *"toggle theme")
        await settle(pilot, app)
        await press(pilot, "enter")
        await settle(pilot, app)
        assert app.theme == "textual-light"
    assert load_config().theme == "textual-light"
    again = BlogApp(demo, load_config(), clock=frozen_clock, opener=FakeBrowser())
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot, again)
        assert not again.current_theme.dark


async def test_mouse_opens_rows_chooses_sidebar_entries_and_follows_links(demo: Library) -> None:
    browser = FakeBrowser()
    app = make_app(demo, browser)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        ids = demo.post_ids()
        await pilot.click(PostList, offset=(10, 3))
        await settle(pilot, app)
        reader = app.screen.query_one(ReaderView)
        assert reader.post_id == ids[3]
        assert app.focused is reader
        assert demo.rows([ids[3]])[0].read
        sidebar = app.screen.query_one(Sidebar)
        starred = sidebar._entries.index(Entry("smart", "unread"))
        await pilot.click(Sidebar, offset=(5, starred))
        await settle(pilot, app)
        assert app.screen.query_one(PostList).count == 5  # 6 unread (the rest is backlog), one read
        await pilot.click(Sidebar, offset=(5, sidebar._entries.index(Entry("smart", "all"))))
        await settle(pilot, app)
        assert app.screen.query_one(PostList).count == 16
        # A link's number in the text opens it when clicked.
        target = demo.post_ids("feedparser")[0]
        app.screen.query_one(PostList).move_to(target)
        await press(pilot, "enter")
        await settle(pilot, app)
        line = next(i for i, s in enumerate(reader.document.strips) if " [1]" in s.text)
        reader.scroll_to(y=line, animate=False)
        await pilot.pause()
        x = reader.document.strips[line].text.index(" [1]") + 2
        await pilot.click(ReaderView, offset=(x, 0))
        assert browser.opened == ["https://feedparser.readthedocs.io/"]


async def test_f_follows_a_link_by_number(demo: Library) -> None:
    browser = FakeBrowser()
    app = make_app(demo, browser)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        app.screen.query_one(PostList).move_to(demo.post_ids("feedparser")[0])
        await press(pilot, "enter")
        await settle(pilot, app)
        await press(pilot, "f")
        assert isinstance(app.screen, FollowLinkDialog)
        await press(pilot, "1", "enter")
        assert browser.opened == ["https://feedparser.readthedocs.io/"]
        assert isinstance(app.screen, MainScreen)


async def test_escape_steps_back_full_screen_reader_query_tags(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        posts = app.screen.query_one(PostList)
        reader = app.screen.query_one(ReaderView)
        await press(pilot, "slash", *"garden", "enter", "z")
        await settle(pilot, app)
        assert app.screen.has_class("-reading") and app.focused is reader
        await press(pilot, "escape")
        assert not app.screen.has_class("-reading") and app.focused is posts
        await press(pilot, "enter")
        assert app.focused is reader
        await press(pilot, "escape")
        await settle(pilot, app)
        assert app.focused is posts and posts.count == len(
            demo.post_ids(demo.compile("garden", prefix_last=True))
        )
        await press(pilot, "escape")
        await settle(pilot, app)
        assert posts.count == 16
        await press(pilot, "t")
        sidebar = app.screen.query_one(Sidebar)
        sidebar.highlighted = sidebar._entries.index(Entry("tag", "python"))
        await press(pilot, "space")
        await settle(pilot, app)
        assert posts.count == len(demo.post_ids("tag:python"))
        await press(pilot, "escape")
        await settle(pilot, app)
        assert posts.count == 16


async def test_refresh_shows_progress_while_keys_keep_working(data_dir: Path, server: FeedServer) -> None:
    library, gate = library_with_a_held_feed(data_dir, server)
    app = make_app(library)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, app)
            posts = app.screen.query_one(PostList)
            await press(pilot, "r")
            status = app.screen.query_one("#status")
            for _ in range(100):
                await pilot.pause(0.05)
                if "refreshed 1/2 feeds" in str(status.render()):
                    break
            assert "refreshed 1/2 feeds" in str(status.render())
            bar = app.screen.query_one("#fetch-progress")
            assert bar.display and bar.percentage == 0.5
            await press(pilot, "j", "j")
            assert posts.cursor == 2
            gate.set()
            await settle(pilot, app)
            assert "refreshed 2/2 feeds" in str(status.render())
            assert not bar.display  # the bar goes once every feed is done
    finally:
        gate.set()
        library.close()
