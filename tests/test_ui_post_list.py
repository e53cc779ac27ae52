"""The post list's rows as drawn: the feed column uses the room there is (80, 120, 200 columns),
backlog rows are marked apart from unread ones, untitled posts show their opening words (in the
list and in the reader's header)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.strip import Strip

from blogtui.library import Library
from blogtui.ui.widgets.post_list import BACKLOG_MARK, UNREAD_MARK, PostList, feed_width
from blogtui.ui.widgets.reader import ReaderView
from corpus import CORPUS, absent_reason
from ui_harness import feed_xml, make_app, press, seeded_library, settle

LONG_NAME = "The Quite Long Name of a Blog About Gardens and Terminals"  # 57 characters


def _text(strip: Strip) -> str:
    return "".join(segment.text for segment in strip)


def _rows(posts: PostList, count: int) -> list[str]:
    return [_text(posts.render_line(y)) for y in range(count)]


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        ((80, 24), 15),  # no sidebar: the list is 79 cells, the titles come first (a fifth)
        ((120, 36), 26),  # beside the sidebar: 89 cells, 30% (it was 17)
        ((200, 60), 40),  # 169 cells: at most 40
    ],
)
async def test_feed_names_use_the_room_there_is(
    data_dir: Path, tmp_path: Path, size: tuple[int, int], shown: int
) -> None:
    feed = tmp_path / "long.xml"
    feed.write_text(feed_xml(5, title=LONG_NAME))
    library = seeded_library(data_dir, feed)
    app = make_app(library)
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        posts = app.screen.query_one(PostList)
        width = posts.scrollable_content_region.width
        assert feed_width(width, len(LONG_NAME)) == shown
        row = _rows(posts, 1)[0]
        assert LONG_NAME[: shown - 1] + "…" in row  # cut to the column's width, no shorter
        assert "Post number 5" in row and row.rstrip().endswith("2020-01-01")
        assert len(row) == width
    library.close()


async def test_a_short_feed_name_leaves_the_room_to_the_titles(data_dir: Path) -> None:
    library = seeded_library(data_dir)  # the demo: "The Terminal Gardener", 21 characters
    app = make_app(library)
    async with app.run_test(size=(200, 60)) as pilot:
        await settle(pilot, app)
        posts = app.screen.query_one(PostList)
        row = _rows(posts, 1)[0]
        assert "First frost" in row and "The Terminal Gardener 2026-10-28" in row
        assert feed_width(posts.scrollable_content_region.width, 21) == 21
    library.close()


def test_feed_width_rules() -> None:
    assert feed_width(69, 50) == 0  # no room for a feed column
    assert feed_width(79, 50) == 15
    assert feed_width(89, 50) == 26
    assert feed_width(169, 50) == 40
    assert feed_width(169, 5) == 12  # never narrower than 12
    assert feed_width(169, 0) == 24  # before any row is read


async def test_backlog_rows_are_marked_apart_from_unread_ones(data_dir: Path) -> None:
    library = seeded_library(data_dir)  # the demo: 6 new posts, 10 brought home from the archive
    backlog = set(library.post_ids("is:backlog"))
    unread = set(library.post_ids("is:unread"))
    assert len(backlog) == 10 and len(unread) == 6
    app = make_app(library)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        posts = app.screen.query_one(PostList)
        marks = {}
        for y, post_id in enumerate(posts.ids[: posts.scrollable_content_region.height]):
            strip = posts.render_line(y)
            marks[post_id] = _text(strip)[1]
            title = next(s for s in strip if s.text.strip() and s.text.strip() not in "●○★")
            # Unread titles are bold; backlog ones are not (quieter), nor dimmed like read ones.
            assert bool(title.style and title.style.bold) == (post_id in unread)
        assert {marks[i] for i in marks if i in backlog} == {BACKLOG_MARK}
        assert {marks[i] for i in marks if i in unread} == {UNREAD_MARK}
        assert backlog & set(marks) and unread & set(marks)
        # Opened, a backlog post is a read post like any other: no mark.
        first = next(i for i in posts.ids if i in backlog)
        posts.move_to(first)
        await press(pilot, "enter")
        await settle(pilot, app)
        assert _text(posts.render_line(posts.position(first) - int(posts.scroll_offset.y)))[1] == " "
        assert not library.rows([first])[0].backlog and library.rows([first])[0].read
    library.close()


UNTITLED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Notes</title><link>https://notes.example/</link>
<item><guid>n1</guid><pubDate>Mon, 26 Jun 2017 10:00:00 GMT</pubDate>
<description>&lt;p&gt;Good &lt;b&gt;morning&lt;/b&gt; students and teachers! A short note, the kind
of item a linkblog posts without a title, which goes on for a while longer than a title
would.&lt;/p&gt;</description></item>
<item><guid>n2</guid><title>A titled post</title><pubDate>Sun, 25 Jun 2017 10:00:00 GMT</pubDate>
<description>Text.</description></item>
<item><guid>n3</guid><pubDate>Sat, 24 Jun 2017 10:00:00 GMT</pubDate><description></description></item>
</channel></rss>
"""


async def test_untitled_posts_show_their_opening_words(data_dir: Path, tmp_path: Path) -> None:
    feed = tmp_path / "notes.xml"
    feed.write_text(UNTITLED)
    library = seeded_library(data_dir, feed)
    rows = library.rows(library.post_ids())
    assert [r.title for r in rows] == ["", "A titled post", ""]
    assert rows[0].opening == "Good morning students and teachers! A short note, the kind of item a linkblog…"
    assert rows[1].opening == "" and rows[2].opening == ""  # a title needs none; no text has none
    app = make_app(library)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        posts = app.screen.query_one(PostList)
        shown = _rows(posts, 3)
        assert "Good morning students and teachers! A short note" in shown[0]
        assert "A titled post" in shown[1]
        assert "(untitled)" in shown[2]  # nothing to show instead
        title = next(s for s in posts.render_line(0) if "Good morning" in s.text)
        assert title.style is not None and title.style.italic  # words of the text, not a title
        await press(pilot, "enter")
        await settle(pilot, app)
        header = app.screen.query_one(ReaderView).document
        assert header is not None
        head = "\n".join(_text(strip) for strip in header.strips[:2])
        assert "Good morning students and teachers!" in head
    library.close()


@pytest.mark.skipif(absent_reason(CORPUS) is not None, reason=str(absent_reason(CORPUS)))
def test_scripting_news_rows_are_not_a_column_of_untitled(data_dir: Path) -> None:
    library: Library = seeded_library(data_dir, CORPUS / "rss" / "nnw_scriptingNews.rss")
    rows = library.rows(library.post_ids())
    untitled = [r for r in rows if not r.title]
    assert len(rows) == 50 and len(untitled) == 39
    # Every untitled post of Scripting News has text: each shows its own opening words.
    assert all(r.opening for r in untitled)
    assert len({r.opening for r in untitled}) == len(untitled)
    assert all(len(r.opening) <= 80 for r in untitled)
    assert untitled[0].opening == "This is the human side of Health care is socialist."
    library.close()


UNTITLED_ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom notes</title><id>urn:notes</id>
<updated>2017-06-26T10:00:00Z</updated><link href="https://atom.example/"/>
<entry><id>urn:a1</id><title></title><updated>2017-06-26T10:00:00Z</updated>
<summary>The summary's own words come first.</summary>
<content type="html">&lt;p&gt;The body starts differently, at length.&lt;/p&gt;</content></entry>
<entry><id>urn:a2</id><updated>2017-06-25T10:00:00Z</updated>
<content type="html">&lt;h2&gt;A heading&lt;/h2&gt;&lt;p&gt;and a &lt;a href="https://x.example/"&gt;link&lt;/a&gt;.&lt;/p&gt;</content></entry>
</feed>
"""


def test_opening_words_come_from_the_summary_else_the_body(data_dir: Path, tmp_path: Path) -> None:
    feed = tmp_path / "atom.xml"
    feed.write_text(UNTITLED_ATOM)
    library = seeded_library(data_dir, feed)
    rows = library.rows(library.post_ids())
    assert [(r.title, r.opening) for r in rows] == [
        ("", "The summary's own words come first."),
        ("", "A heading and a link."),
    ]
    # What is shown is never stored: the post keeps no title.
    assert [library.post(r.id).title for r in rows] == ["", ""]  # type: ignore[union-attr]
    library.close()


async def test_a_row_changed_is_repainted_where_it_shows_and_never_looked_for(data_dir: Path) -> None:
    library = seeded_library(data_dir)
    app = make_app(library)
    async with app.run_test(size=(120, 20)) as pilot:
        await settle(pilot, app)
        posts = app.screen.query_one(PostList)
        assert posts.size.height < posts.count
        shown, below = posts.ids[1], posts.ids[-1]  # on screen, and below it
        looked: list[int] = []
        position = posts._position
        posts._position = lambda post_id: looked.append(post_id) or position(post_id)  # type: ignore[func-returns-value]
        posts.update_row(shown, starred=True)
        posts.update_row(below, starred=True)
        posts._position = position  # type: ignore[method-assign]
        # Looked for among the lines shown, not by the list's index (a count, in a window).
        assert looked == []
        await settle(pilot, app)
        assert "★" in posts.render_line(1).text  # its line repainted
        assert posts.row_of(shown).starred and posts.row_of(below).starred
    library.close()


async def test_a_list_of_another_length_keeps_its_scrollbar_and_its_reach(data_dir: Path) -> None:
    """Lists longer than the view one after another (set without a layout of the screen), then
    a short one and a long one again (laid out: the scrollbar comes and goes): the list's height,
    its scrollbar and how far it scrolls follow each list."""
    library = seeded_library(data_dir)
    app = make_app(library)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        posts = app.screen.query_one(PostList)
        ids = library.post_ids()
        view = posts.scrollable_content_region.height
        for length in (500, 120, 3, 40, 500):
            listed = [ids[n % len(ids)] for n in range(length)]
            posts.set_posts(listed, rows=library.rows(ids))
            await pilot.pause()
            assert posts.virtual_size.height == length
            assert posts.show_vertical_scrollbar == (length > view)
            assert posts.max_scroll_y == max(0, length - view)
            if length > view:
                assert posts.vertical_scrollbar.window_virtual_size == length
                posts.action_last()
                await pilot.pause()
                assert posts.cursor == length - 1 and posts.scroll_offset.y == length - view
                posts.action_first()
                await pilot.pause()
    library.close()
