"""Reading whole blogs in the reader: the backlog, serial reading, positions, a blog's card, find."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Sparkline, Static

from blogtui.cli import demo_feed_path
from blogtui.library import Library
from blogtui.output import archive_words
from blogtui.ui.screens.dialogs import ConfirmDialog
from blogtui.ui.widgets.feed_card import FeedCard, YearBar, monthly
from blogtui.ui.widgets.find import FindBox
from blogtui.ui.widgets.post_list import PostList
from blogtui.ui.widgets.sidebar import Entry, Sidebar
from ui_harness import DATA, make_app, press, seeded_library, settle

SIZE = (120, 36)


@pytest.fixture
def demo(data_dir: Path) -> Library:
    library = seeded_library(data_dir)
    yield library
    library.close()


def _status(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one("#status").render())


def _choose(app, entry: Entry) -> None:  # type: ignore[no-untyped-def]
    sidebar = app.screen.query_one(Sidebar)
    sidebar.highlighted = sidebar._entries.index(entry)
    sidebar.action_select()


async def test_backlog_entry_lists_the_archive_and_opening_a_post_takes_it_off(demo: Library) -> None:
    backlog = demo.post_ids("is:backlog")
    assert len(backlog) == 10  # the demo's older archive pages, as a real `add` brings them
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        sidebar = app.screen.query_one(Sidebar)
        entries = sidebar._entries
        line = entries.index(Entry("smart", "backlog"))
        assert entries.index(Entry("smart", "starred")) < line
        assert str(sidebar.get_option_at_index(line).prompt).split() == ["Backlog", "10"]
        _choose(app, Entry("smart", "backlog"))
        await settle(pilot, app)
        posts = app.screen.query_one(PostList)
        assert posts.ids == backlog
        assert "Backlog · 10 posts" in _status(app)
        await press(pilot, "enter")
        await settle(pilot, app)
        assert demo.post_ids("is:backlog") == backlog[1:]
        assert backlog[0] not in demo.post_ids("is:unread")  # read, not unread
        line = sidebar._entries.index(Entry("smart", "backlog"))
        assert str(sidebar.get_option_at_index(line).prompt).split() == ["▸Backlog", "9"]


async def test_a_chosen_feed_says_how_its_archive_came_home(demo: Library) -> None:
    feed = demo.feeds()[0]
    words = archive_words(feed)
    assert words == "archive: 16 posts via feed-pages, complete, since 2022-02"
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        _choose(app, Entry("feed", feed.url))
        await settle(pilot, app)
        assert words in _status(app)
        sidebar = app.screen.query_one(Sidebar)
        assert str(sidebar.tooltip).splitlines() == [
            "The Terminal Gardener",
            "16 posts, 6 unread, 10 backlog",
            words,
        ]
        sidebar.highlighted = 0
        await settle(pilot, app)
        assert sidebar.tooltip is None


async def test_sort_key_cycles_orders_and_each_view_keeps_its_own(demo: Library) -> None:
    newest = demo.post_ids()
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        posts = app.screen.query_one(PostList)
        assert posts.ids == newest
        await press(pilot, "O")
        await settle(pilot, app)
        assert posts.ids == demo.post_ids(order="oldest") == newest[::-1]
        assert "All posts · 16 posts · oldest first" in _status(app)
        await press(pilot, "O")
        await settle(pilot, app)
        assert posts.ids == demo.post_ids(order="feed")
        await press(pilot, "O")
        await settle(pilot, app)
        titles = [r.title for r in demo.rows(posts.ids)]
        assert titles == sorted(titles, key=str.casefold) and "by title" in _status(app)
        # Another view has its own order: Unread is still newest first.
        _choose(app, Entry("smart", "unread"))
        await settle(pilot, app)
        assert posts.ids == demo.post_ids("is:unread")
        _choose(app, Entry("smart", "all"))
        await settle(pilot, app)
        assert [r.title for r in demo.rows(posts.ids)] == titles


async def test_serial_reading_resumes_across_restarts_with_the_place_in_view(demo: Library) -> None:
    oldest = demo.post_ids(order="oldest")
    feed = demo.feeds()[0]
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        _choose(app, Entry("feed", feed.url))
        await settle(pilot, app)
        app.screen.read_from_start()
        await settle(pilot, app)
        posts = app.screen.query_one(PostList)
        assert posts.highlighted_id == oldest[0]
        await press(pilot, "enter")
        await settle(pilot, app)
        assert "post 1 of 16 · February 2022" in _status(app)
        await press(pilot, "n", "n")
        await settle(pilot, app)
        assert app.screen.reader.post_id == oldest[2]
        assert "post 3 of 16 · September 2022" in _status(app)
        assert demo.rows(oldest[:3])[2].read
    # A new start: the feed's view comes back oldest first, on the post last opened.
    again = make_app(demo)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot, again)
        posts = again.screen.query_one(PostList)
        assert posts.ids == oldest
        assert posts.highlighted_id == oldest[2]
        # Away to another view, and back: the place again.
        _choose(again, Entry("smart", "all"))
        await settle(pilot, again)
        assert posts.ids == demo.post_ids()
        posts.move_to(posts.ids[0])
        _choose(again, Entry("feed", feed.url))
        await settle(pilot, again)
        assert posts.highlighted_id == oldest[2]


async def test_a_post_keeps_its_place_and_half_read_posts_are_continue_reading(demo: Library) -> None:
    target = demo.post_ids("feedparser")[0]
    app = make_app(demo)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot, app)
        app.screen.query_one(PostList).move_to(target)
        await press(pilot, "enter")
        await settle(pilot, app)
        reader = app.screen.reader
        assert reader.max_scroll_y > 4
        await press(pilot, "j", "j", "j")
        await settle(pilot, app)
        place = demo.reading_place(target)
        # How far into the post's text the top line is (the same words at any width).
        document = reader.document
        assert document is not None and document.complete
        assert place is not None and 0 < place < 1
        assert place == pytest.approx(document.place_of(3), abs=1e-6)
        assert demo.post_ids("is:reading") == [target]
        sidebar = app.screen.query_one(Sidebar)
        line = sidebar._entries.index(Entry("smart", "reading"))
        assert str(sidebar.get_option_at_index(line).prompt).split() == ["Continue", "reading", "1"]
    again = make_app(demo)
    async with again.run_test(size=(100, 24)) as pilot:
        await settle(pilot, again)
        _choose(again, Entry("smart", "reading"))
        await settle(pilot, again)
        posts = again.screen.query_one(PostList)
        assert posts.ids == [target]
        await press(pilot, "enter")
        await settle(pilot, again)
        reader = again.screen.reader
        assert reader.post_id == target and reader.scroll_y == 3
        # Read to the end: no longer half read.
        await press(pilot, "G")
        await settle(pilot, again)
        assert demo.reading_place(target) is None
        assert demo.post_ids("is:reading") == []


async def test_next_unread_skips_read_posts_and_says_when_none_is_left(demo: Library) -> None:
    ids = demo.post_ids()
    demo.mark_read(ids[1:3])
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await press(pilot, "enter")
        await settle(pilot, app)
        await press(pilot, "N")
        await settle(pilot, app)
        assert app.screen.reader.post_id == ids[3]
        demo.mark_read(ids[4:])
        await press(pilot, "N")
        await settle(pilot, app)
        assert app.screen.reader.post_id == ids[3]
        assert "no unread post below" in _status(app)


async def test_m_in_the_sidebar_marks_a_whole_feed_read(data_dir: Path) -> None:
    library = seeded_library(data_dir, DATA / "some-feed.xml", demo_feed_path())
    gardener = next(f for f in library.feeds() if f.title == "The Terminal Gardener")
    other = len(library.post_ids("-feed:gardener is:unread"))
    assert other
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        sidebar = app.screen.query_one(Sidebar)
        sidebar.focus()
        sidebar.highlighted = sidebar._entries.index(Entry("feed", gardener.url))
        await press(pilot, "M")
        assert isinstance(app.screen, ConfirmDialog)
        await press(pilot, "y")
        await settle(pilot, app)
        assert library.post_ids("feed:gardener (is:unread OR is:backlog)") == []
        assert len(library.post_ids("-feed:gardener is:unread")) == other
    library.close()


async def test_a_feed_chosen_shows_its_card_and_picking_a_year_moves_the_list(demo: Library) -> None:
    feed = demo.feeds()[0]
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        card = app.screen.query_one(FeedCard)
        assert not card.display
        _choose(app, Entry("feed", feed.url))
        await settle(pilot, app)
        assert card.display
        facts = str(card.query_one("#card-facts", Static).render()).splitlines()
        assert facts == [
            "The Terminal Gardener  https://gardener.example/",
            "subscribed 2026-11-01 · 16 posts, 6 unread, 10 backlog",
            f"first post 2022-02-14, latest 2026-10-28, {demo.feed(feed.url, words=True).words:,} words",
            "archive: 16 posts via feed-pages, complete, since 2022-02",
            "last fetch 2026-11-01 12:00",
        ]
        timeline = card.query_one(Sparkline)
        assert len(timeline.data) == 57 and sum(timeline.data) == 16  # February 2022 to October 2026
        years = card.query_one(YearBar)
        assert [y for y, _ in years.years] == [2022, 2023, 2024, 2025, 2026]
        years.focus()
        await press(pilot, "left", "left", "enter")
        await settle(pilot, app)
        posts = app.screen.query_one(PostList)
        first_2024 = demo.post_ids("after:2024-01-01 before:2025-01-01")[0]
        assert posts.highlighted_id == first_2024
        # Another entry: no card.
        _choose(app, Entry("smart", "all"))
        await settle(pilot, app)
        assert not card.display


def test_monthly_fills_empty_months_and_marks_each_year() -> None:
    counts, years = monthly([(2010, 11, 3), (2011, 2, 1), (2012, 1, 4)])
    assert counts == [3, 0, 0, 1] + [0] * 10 + [4]
    assert years == [(2010, 0), (2011, 2), (2012, 14)]
    assert monthly([]) == ([], [])


async def test_the_card_says_a_failed_fetch_in_full(demo: Library) -> None:
    feed = demo.feeds()[0]
    error = (
        "https://gardener.example/feed.xml: HTTP 503 Service Unavailable"
        " (the server is down for maintenance until Monday)"
    )
    demo.store.update_feed(feed.id, error=error)
    app = make_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        _choose(app, Entry("feed", feed.url))
        await settle(pilot, app)
        facts = app.screen.query_one("#card-facts", Static)
        assert f"last fetch failed: {error}" in str(facts.render()).replace("\n", " ")


async def test_find_in_the_post_steps_through_its_matches(demo: Library) -> None:
    target = demo.post_ids("feedparser")[0]
    app = make_app(demo)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot, app)
        app.screen.query_one(PostList).move_to(target)
        await press(pilot, "enter")
        await settle(pilot, app)
        plain = [s.text for s in app.screen.reader.document.strips]
        drawn = [list(s) for s in app.screen.reader.document.strips]
        expected = sum(line.casefold().count("feedparser") for line in plain)
        assert expected >= 3
        await press(pilot, "ctrl+f", *"feedparser")
        await settle(pilot, app)
        assert isinstance(app.focused, FindBox)
        assert f"“feedparser”: 1 of {expected}" in _status(app)
        await press(pilot, "down", "enter")
        await settle(pilot, app)
        assert f"“feedparser”: 3 of {expected}" in _status(app)
        await press(pilot, "up")
        await settle(pilot, app)
        assert f"“feedparser”: 2 of {expected}" in _status(app)
        # The matches are drawn marked; the text itself is unchanged.
        reader = app.screen.reader
        assert [s.text for s in reader.document.strips] == plain
        line, _column = app.screen._matches[1]
        styles = [seg.style for seg in reader.document.strips[line] if "feedparser" in seg.text.casefold()]
        assert styles and all(s is not None and s.reverse for s in styles)
        await press(pilot, "ctrl+f", "backspace", *"zzz")
        await settle(pilot, app)
        assert "“feedparsezzz”: not in this post" in _status(app)
        await press(pilot, "escape")
        await settle(pilot, app)
        assert not app.screen.query_one(FindBox).display and app.focused is reader
        assert [list(s) for s in reader.document.strips] == drawn  # unmarked again


def _long_post(library: Library) -> int:
    """A post of some 8,000 words (29 parts) in the first feed: longer than AT_ONCE, laid out in blocks."""
    from datetime import datetime, timezone

    from blogtui.content.text import html_to_text
    from blogtui.models import ParsedPost

    paragraph = "<p>" + "Each post of the archive is a page of the book, read in its turn. " * 6 + "</p>"
    html = "".join(f"<h2>Part {n}</h2>{paragraph * 3}<ul><li>one</li><li>two</li></ul>" for n in range(1, 30))
    post = ParsedPost(
        guid="a-long-one", url="https://example.invalid/long", title="A long one",
        published=datetime(2001, 1, 1, tzinfo=timezone.utc), content_html=html, text=html_to_text(html),
    )  # fmt: skip
    store = library.store
    with store.transaction():
        store.upsert_posts(store.db.execute("SELECT min(id) FROM feeds").fetchone()[0], [post])
    return int(store.db.execute("SELECT id FROM posts WHERE guid = 'a-long-one'").fetchone()[0])


async def test_a_long_post_opens_at_its_place_first_and_the_whole_keeps_those_lines(demo: Library) -> None:
    from blogtui.ui.widgets.reader import PostLayout

    post_id = _long_post(demo)
    demo.set_reading_place(post_id, 0.6)
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen, reader = app.screen, app.screen.reader
        shown: list[tuple[bool, int, list[str]]] = []
        original = screen._show_document

        def show_document(document, *args, **kwargs):  # type: ignore[no-untyped-def]
            original(document, *args, **kwargs)
            if document.post_id == post_id:
                top = int(reader.scroll_y)
                height = reader.scrollable_content_region.height
                shown.append((document.complete, top, [s.text for s in document.strips[top : top + height]]))

        screen._show_document = show_document
        screen.open_post(post_id)
        await settle(pilot, app)
        height = reader.scrollable_content_region.height
        whole = PostLayout(demo.post(post_id), reader.layout_width, dark=app.current_theme.dark).whole()
        top = whole.line_of(0.6)
        at_place = [s.text for s in whole.strips[top : top + height]]
        assert 0 < top < len(whole.strips) - height
        # First the screen at the place (not the post's top), from a few of its blocks; then the
        # whole post, the same lines on screen.
        (first_complete, _, first_lines), (complete, whole_top, lines) = shown
        assert not first_complete and first_lines == at_place
        assert complete and whole_top == top and lines == at_place
        assert reader.document is not None and len(reader.document.strips) == len(whole.strips)
        # Narrower: laid out again, the same words at the top (within a line).
        place = reader.document.place_of(int(reader.scroll_y))
        await pilot.resize_terminal(70, 36)
        await settle(pilot, app)
        document = reader.document
        assert document is not None and document.width < whole.width and document.complete
        again = document.place_of(int(reader.scroll_y))
        assert place is not None and again is not None
        assert abs(again - place) < 1 / len(document.strips) * 2


async def test_a_sort_change_keeps_the_post_and_brings_its_first_screen_from_the_worker(
    demo: Library,
) -> None:
    newest = demo.post_ids()
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = app.screen
        posts = screen.query_one(PostList)
        posts.move_to(newest[3])
        await settle(pilot, app)
        loads: list[list[int]] = []
        gathered: list[str] = []
        load_rows, load_sidebar = posts._load_rows, screen.load_sidebar
        posts._load_rows = lambda ids: loads.append(list(ids)) or load_rows(ids)  # type: ignore[func-returns-value]
        screen.load_sidebar = lambda: gathered.append("sidebar") or load_sidebar()  # type: ignore[func-returns-value]
        for order in ("oldest", "feed", "title", "newest"):
            await press(pilot, "O")
            await settle(pilot, app)
            assert screen.sort == order and posts.ids == demo.post_ids(order=order)
            assert posts.highlighted_id == newest[3]  # the cursor stays on the post
        assert posts.cursor == 3
        # The rows on screen came with the list (read in the worker, not on the event loop), and
        # a new order changes no count: the sidebar is not gathered again.
        assert loads == [] and gathered == []


async def test_the_sidebars_counts_wait_for_a_chosen_feeds_card(demo: Library) -> None:
    feed = demo.feeds()[0]
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = app.screen
        card = screen.query_one(FeedCard)
        events: list[str] = []
        show, gather = card.show, screen._gather_sidebar
        card.show = lambda feed, *args: events.append("card" if feed else "no card") or show(feed, *args)  # type: ignore[func-returns-value]
        screen._gather_sidebar = lambda: events.append("sidebar") or gather()  # type: ignore[func-returns-value]
        _choose(app, Entry("feed", feed.url))
        await settle(pilot, app)
        assert events == ["card", "sidebar"]
        events.clear()
        _choose(app, Entry("smart", "all"))  # no card on its way: the counts go at once
        await settle(pilot, app)
        assert events == ["no card", "sidebar"]


async def test_the_status_lines_place_of_a_post_is_found_by_the_readers_worker(demo: Library) -> None:
    ids = demo.post_ids()
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = app.screen
        posts = screen.query_one(PostList)
        asked: list[int] = []
        position = posts.position
        posts.position = lambda post_id: asked.append(post_id) or position(post_id)  # type: ignore[func-returns-value]
        screen.open_post(ids[5])
        await settle(pilot, app)
        published = demo.post(ids[5]).published
        assert published is not None
        assert f"post 6 of 16 · {published.strftime('%B %Y')}" in _status(app)
        assert asked == []  # not looked for on the event loop (in a window, that is a count)


def _second_feed(library: Library) -> str:
    """A second feed of three posts beside the demo's, its URL."""
    from datetime import datetime, timezone

    from blogtui.models import ParsedPost

    url = "https://second.example/feed.xml"
    store = library.store
    feed_id = store.add_feed(url)
    store.update_feed(feed_id, title="The Second Blog")
    posts = [
        ParsedPost(guid=f"s{n}", url=f"https://second.example/{n}", title=f"Second {n}",
                   published=datetime(2026, 11, n + 1, tzinfo=timezone.utc), content_html="<p>x</p>",
                   text="x")
        for n in range(3)
    ]  # fmt: skip
    with store.transaction():
        store.upsert_posts(feed_id, posts)
    return url


async def test_a_feed_chosen_drops_the_preview_due_in_the_list_left(
    demo: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A post highlighted in the list left, whose preview is still due when a feed is chosen, is
    not loaded while the feed's list is on its way (it took the interpreter from the new card)."""
    import time

    from blogtui.ui.screens.main import MainScreen

    monkeypatch.setattr(MainScreen, "highlight_delay", 0.05)
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = app.screen
        posts = screen.query_one(PostList)
        loaded: list[int] = []
        load_post = screen.load_post
        screen.load_post = lambda post_id, *a, **k: loaded.append(post_id) or load_post(post_id, *a, **k)  # type: ignore[func-returns-value]
        url = _second_feed(demo)
        posts.action_cursor_down()
        left = posts.highlighted_id
        await pilot.pause()  # the highlight handled: its preview is due in 0.05 s
        post_window = demo.post_window

        def slow(*args, **kwargs):  # type: ignore[no-untyped-def]
            time.sleep(0.2)  # the list's worker, past the preview's delay
            return post_window(*args, **kwargs)

        monkeypatch.setattr(demo, "post_window", slow)
        screen.post_message(Sidebar.Chosen(Entry("feed", url)))
        await settle(pilot, app)
        assert left not in loaded
        assert loaded == [posts.highlighted_id] and posts.highlighted_id in demo.post_ids(f'feed:"{url}"')


async def test_the_card_is_as_tall_as_its_facts_from_one_feed_to_another(demo: Library) -> None:
    """One feed's card after another's: the facts laid out again when their lines change (a
    failed fetch says more), and kept as they are when the lines are as many."""
    _second_feed(demo)
    first, second = sorted(demo.feeds(), key=lambda f: f.url != "https://second.example/feed.xml")
    demo.store.update_feed(second.id, error="HTTP 503 Service Unavailable")
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        facts = app.screen.query_one("#card-facts", Static)
        heights = []
        for feed in (first, second, first, first, second):
            app.screen.post_message(Sidebar.Chosen(Entry("feed", feed.url)))
            await settle(pilot, app)
            lines = str(facts.render()).splitlines()
            assert facts.size.height == len(lines), (feed.url, lines)
            heights.append(facts.size.height)
        assert heights[0] == heights[2] == heights[3] < heights[1] == heights[4]


async def test_a_post_asked_for_before_a_feed_is_chosen_waits_for_the_feeds_card(
    demo: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A post's layout already on its way when a feed is chosen (a preview of the list left) lets
    the feed's card paint first, then goes on: the reader gets it, nothing is dropped."""
    import threading

    from blogtui.ui.screens import main

    monkeypatch.setattr(main, "CARD_FIRST_WAIT", 5.0)  # no timing in the test: the card's word
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = app.screen
        post_id = demo.post_ids("")[1]
        asked, go = threading.Event(), threading.Event()
        post = demo.post

        def held(wanted: int):  # type: ignore[no-untyped-def]
            asked.set()
            go.wait(5)  # the worker holds here until the feed is chosen
            return post(wanted)

        monkeypatch.setattr(demo, "post", held)
        screen.load_post(post_id)
        for _ in range(100):  # the worker starts once the event loop has its turn
            if asked.is_set():
                break
            await pilot.pause(0.05)
        assert asked.is_set()
        screen._card_painted.clear()  # a card on its way, as load_card leaves it
        screen._chosen += 1  # a feed chosen after the post was asked for
        go.set()
        await pilot.pause(0.2)
        assert screen.reader.post_id != post_id  # the layout waits for the card
        screen._card_painted.set()  # the card painted
        await settle(pilot, app)
        assert screen.reader.post_id == post_id


async def test_choosing_a_feed_lets_the_card_paint_before_a_post_asked_for_earlier(demo: Library) -> None:
    """The card's event: cleared while a chosen feed's card is on its way, set once it is painted
    (and set when the entry chosen has no card)."""
    url = _second_feed(demo)
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = app.screen
        chosen = screen._chosen
        screen.post_message(Sidebar.Chosen(Entry("feed", url)))
        await settle(pilot, app)
        assert screen.query_one(FeedCard).feed.url == url
        assert screen._chosen == chosen + 1 and screen._card_painted.is_set()
        screen._card_painted.clear()
        _choose(app, Entry("smart", "all"))
        await settle(pilot, app)
        assert screen._card_painted.is_set()


async def test_the_sidebar_waits_for_a_half_read_posts_first_screen(
    demo: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A half-read post opened: the sidebar's counts (and its new "Continue reading" line) come
    once the post's first screen is painted at its place, not in the frame that paints it."""
    import threading

    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = app.screen
        sidebar = screen.query_one(Sidebar)
        reading = Entry("smart", "reading")
        post_id = demo.post_ids()[3]
        demo.set_reading_place(post_id, 0.5)
        events: list[str] = []
        show, reader_show = sidebar.show, screen.reader.show
        sidebar.show = lambda **kw: events.append("sidebar") or show(**kw)  # type: ignore[method-assign,func-returns-value]
        screen.reader.show = lambda doc, **kw: (
            events.append(f"reader {doc.post_id}") or reader_show(doc, **kw)
        )  # type: ignore[method-assign,func-returns-value]
        asked, go = threading.Event(), threading.Event()
        post = demo.post

        def held(wanted: int):  # type: ignore[no-untyped-def]
            asked.set()
            go.wait(5)  # the reader's worker holds here: the counts are gathered meanwhile
            return post(wanted)

        monkeypatch.setattr(demo, "post", held)
        screen.open_post(post_id)  # marks it read: the counts are asked for again
        for _ in range(100):
            if asked.is_set() and not [
                w for w in app.workers if w.group in ("write", "sidebar") and not w.is_finished
            ]:
                break
            await pilot.pause(0.02)
        await pilot.pause(0.1)
        assert events == [] and reading not in sidebar._entries  # gathered, kept until the post is painted
        go.set()
        await settle(pilot, app)
        assert events[0] == f"reader {post_id}" and "sidebar" in events
        assert reading in sidebar._entries
        unread = sidebar.get_option_at_index(sidebar._entries.index(Entry("smart", "unread")))
        assert str(unread.prompt).split()[-1] == str(len(demo.post_ids("is:unread")))


async def test_the_sidebar_is_held_no_longer_than_its_wait(
    demo: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What holds the sidebar and never comes (a post's worker that fails) holds it SIDEBAR_WAIT
    at most: then the counts asked for meanwhile are gathered."""
    from blogtui.ui.screens import main

    monkeypatch.setattr(main, "SIDEBAR_WAIT", 0.1)
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = app.screen
        gathered: list[str] = []
        gather = screen._gather_sidebar
        screen._gather_sidebar = lambda: gathered.append("sidebar") or gather()  # type: ignore[method-assign,func-returns-value]
        screen._hold_sidebar("reader")  # a first screen on its way that never comes
        screen.load_sidebar()
        assert gathered == []
        await pilot.pause(0.3)
        await settle(pilot, app)
        assert gathered == ["sidebar"] and not screen._sidebar_holds


async def test_a_post_asked_for_just_before_a_feed_is_chosen_waits_for_the_card(
    demo: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The feeds chosen when a post was asked for are read on the event loop, not by its worker
    once it runs: a worker that starts after the choice still lets the card paint first."""
    from blogtui.ui.screens import main

    monkeypatch.setattr(main, "CARD_FIRST_WAIT", 5.0)  # no timing in the test: the card's word
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = app.screen
        post_id = demo.post_ids("")[2]
        screen.load_post(post_id)  # its worker has not started yet
        screen._card_painted.clear()  # a card on its way, as load_card leaves it
        screen._chosen += 1  # a feed chosen before the worker runs
        await pilot.pause(0.3)
        assert screen.reader.post_id != post_id  # the layout waits for the card
        screen._card_painted.set()
        await settle(pilot, app)
        assert screen.reader.post_id == post_id


async def test_a_preview_due_as_a_feed_is_chosen_is_dropped(demo: Library) -> None:
    """A highlight's preview whose timer comes due once a feed has been chosen (too late to be
    stopped) is of the list left: it loads nothing."""
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = app.screen
        posts = screen.query_one(PostList)
        posts.action_cursor_down()
        await settle(pilot, app)
        posts.action_cursor_down()
        post_id = posts.highlighted_id
        loaded: list[int] = []
        load_post = screen.load_post
        screen.load_post = lambda wanted, *a, **k: loaded.append(wanted) or load_post(wanted, *a, **k)  # type: ignore[method-assign,func-returns-value]
        chosen = screen._chosen
        screen._chosen += 1  # a feed chosen meanwhile
        screen._preview(post_id, chosen)
        assert loaded == []
        screen._preview(post_id, screen._chosen)  # the highlight of the list shown now
        assert loaded == [post_id]
        await settle(pilot, app)


async def test_the_garbage_collector_waits_while_a_card_or_a_first_screen_is_painted(demo: Library) -> None:
    """Python's cyclic collector is off while something holds the sidebar (a card, a post's first
    screen on its way), on again once it is painted, and on when the screen goes."""
    import gc

    assert gc.isenabled()
    feed = demo.feeds()[0]
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = app.screen
        assert gc.isenabled()
        states: list[bool] = []
        show = screen.query_one(FeedCard).show
        screen.query_one(FeedCard).show = lambda *a: states.append(gc.isenabled()) or show(*a)  # type: ignore[method-assign,func-returns-value]
        _choose(app, Entry("feed", feed.url))
        await settle(pilot, app)
        assert states == [False] and gc.isenabled()  # off as the card was shown, on once painted
        documents: list[bool] = []
        reader_show = screen.reader.show
        screen.reader.show = lambda doc, **kw: documents.append(gc.isenabled()) or reader_show(doc, **kw)  # type: ignore[method-assign,func-returns-value]
        screen.open_post(demo.post_ids()[4])
        await settle(pilot, app)
        assert documents and documents[0] is False and gc.isenabled()
        screen._hold_sidebar("reader")  # held as the app closes
        assert not gc.isenabled()
    assert gc.isenabled()


async def test_start_up_objects_are_frozen_once_the_first_screen_is_painted(demo: Library) -> None:
    """What start-up made is out of the collector's sight once the first full screen (its sidebar
    filled) is painted: a full collection then walks only what was made since, a fraction of what
    it walked before. Back in sight when the screen goes, so a closed app's objects are freed."""
    import gc

    assert gc.get_freeze_count() == 0
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.pause()
        frozen = gc.get_freeze_count()
        assert frozen > 10_000  # Textual's styles, the widgets, their caches
        assert len(gc.get_objects()) < frozen  # a full collection walks less than start-up made
        _choose(app, Entry("feed", demo.feeds()[0].url))  # later screens freeze nothing more
        await settle(pilot, app)  # (frozen objects freed meanwhile leave the count)
        assert gc.get_freeze_count() <= frozen
    assert gc.get_freeze_count() == 0
