"""The sidebar: Feeds and Tags fold (and stay folded across restarts), ``t`` lands on the tags
past 220 feeds, a failed feed says why (in the sidebar and in full on its card)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from textual.widgets import Static

from blogtui.cli import demo_feed_path
from blogtui.library import Library
from blogtui.ui.widgets.sidebar import Entry, Sidebar, short_reason
from ui_harness import make_app, press, seeded_library, settle

SIZE = (120, 36)
FEEDS = 220


def _with_many_feeds(data_dir: Path, tmp_path: Path) -> Library:
    """The demo blog (which has the tags) and 220 more feeds, subscribed from an OPML file
    without fetching (a long Feeds section above the tags)."""
    library = seeded_library(data_dir)
    outlines = "".join(
        f'<outline type="rss" text="Blog {n:03}" xmlUrl="https://blog{n:03}.example/feed"/>'
        for n in range(FEEDS)
    )
    opml = tmp_path / "many.opml"
    opml.write_text(f'<?xml version="1.0"?><opml version="2.0"><head/><body>{outlines}</body></opml>')
    library.import_opml(opml, fetch=False)
    assert len(library.feeds()) == FEEDS + 1
    return library


def _on_screen(sidebar: Sidebar, index: int) -> bool:
    """Whether option ``index`` is in the sidebar's visible lines."""
    sidebar._update_lines()
    line = sidebar._index_to_line[index]
    top = int(sidebar.scroll_offset.y)
    return top <= line < top + sidebar.scrollable_content_region.height


def _prompts(sidebar: Sidebar) -> list[str]:
    return [str(option.prompt) for option in sidebar.options]


async def test_t_lands_on_the_tags_past_220_feeds(data_dir: Path, tmp_path: Path) -> None:
    library = _with_many_feeds(data_dir, tmp_path)
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        sidebar = app.screen.query_one(Sidebar)
        assert sum(1 for e in sidebar._entries if e and e.kind == "feed") == FEEDS + 1
        await press(pilot, "t")
        await settle(pilot, app)
        assert app.focused is sidebar
        entry = sidebar.highlighted_entry
        assert entry is not None and entry.kind == "tag"
        assert entry == next(e for e in sidebar._entries if e and e.kind == "tag")  # the first tag
        assert sidebar.highlighted is not None and _on_screen(sidebar, sidebar.highlighted)
        # The Tags heading is on screen too, at the top.
        assert _on_screen(sidebar, sidebar._entries.index(Entry("section", "tags")))
        await press(pilot, "space")  # and it is a tag: space toggles it
        await settle(pilot, app)
        assert app.screen.filter.tags == [entry.value]
    library.close()


async def test_enter_on_a_heading_folds_the_section_and_it_stays_folded(
    data_dir: Path, tmp_path: Path
) -> None:
    library = _with_many_feeds(data_dir, tmp_path)
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        sidebar = app.screen.query_one(Sidebar)
        sidebar.focus()
        heading = sidebar._entries.index(Entry("section", "feeds"))
        assert "▼ Feeds" in _prompts(sidebar)[heading] and f"{FEEDS + 1}" in _prompts(sidebar)[heading]
        sidebar.highlighted = heading
        await press(pilot, "enter")
        await settle(pilot, app)
        assert not any(e and e.kind == "feed" for e in sidebar._entries)
        assert sidebar.highlighted_entry == Entry("section", "feeds")  # the cursor stays on it
        assert "▶ Feeds" in _prompts(sidebar)[sidebar.highlighted]
        # With the feeds folded, the tags are a few lines down: k/j reach them.
        assert sidebar._entries.index(Entry("section", "tags")) == heading + 1
        assert json.loads(library.get_state("ui.folded") or "{}") == {"feeds": 1}
        # The list did not change: a heading is no filter.
        assert app.screen.filter.base == Entry("smart", "all")
        await press(pilot, "j", "enter")  # the Tags heading: folded too
        await settle(pilot, app)
        assert not any(e and e.kind == "tag" for e in sidebar._entries)
        assert json.loads(library.get_state("ui.folded") or "{}") == {"feeds": 1, "tags": 1}
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        sidebar = app.screen.query_one(Sidebar)
        assert sidebar.collapsed == {"feeds", "tags"}  # kept across a restart
        assert not any(e and e.kind in ("feed", "tag") for e in sidebar._entries)
        await press(pilot, "t")  # unfolds the tags and lands on the first
        await settle(pilot, app)
        entry = sidebar.highlighted_entry
        assert entry is not None and entry.kind == "tag"
        assert sidebar.collapsed == {"feeds"}
        assert json.loads(library.get_state("ui.folded") or "{}") == {"feeds": 1}
        sidebar.highlighted = sidebar._entries.index(Entry("section", "feeds"))
        await press(pilot, "enter")  # unfolded again
        await settle(pilot, app)
        assert sum(1 for e in sidebar._entries if e and e.kind == "feed") == FEEDS + 1
        assert json.loads(library.get_state("ui.folded") or "{}") == {}
    library.close()


async def test_a_folded_section_keeps_the_chosen_feed_and_the_tags_switched_on(data_dir: Path) -> None:
    library = seeded_library(data_dir)
    url = library.feeds()[0].url
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        sidebar = app.screen.query_one(Sidebar)
        sidebar.focus()
        sidebar.highlighted = sidebar._entries.index(Entry("feed", url))
        await press(pilot, "enter")
        sidebar.highlighted = sidebar._entries.index(Entry("tag", "python"))
        await press(pilot, "space")
        await settle(pilot, app)
        for value in ("feeds", "tags"):
            sidebar.highlighted = sidebar._entries.index(Entry("section", value))
            await press(pilot, "enter")
            await settle(pilot, app)
        kinds = [e.kind for e in sidebar._entries if e is not None and e.kind in ("feed", "tag")]
        assert kinds == ["feed", "tag"]
        assert Entry("feed", url) in sidebar._entries and Entry("tag", "python") in sidebar._entries
        assert app.screen.filter.base == Entry("feed", url) and app.screen.filter.tags == ["python"]
    library.close()


async def test_a_failed_feed_says_why_in_the_sidebar_and_on_its_card(data_dir: Path, tmp_path: Path) -> None:
    feed = tmp_path / "gone-soon.xml"
    shutil.copy(demo_feed_path(), feed)
    library = seeded_library(data_dir, feed)
    feed.unlink()
    library.refresh()
    (failed,) = library.feeds()
    assert failed.error and "no such file" in failed.error
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        sidebar = app.screen.query_one(Sidebar)
        index = sidebar._entries.index(Entry("feed", failed.url))
        title_line, reason_line = _prompts(sidebar)[index].split("\n")
        assert title_line.startswith("!") and failed.title in title_line
        assert reason_line.strip() == short_reason(failed.error)
        heading = _prompts(sidebar)[sidebar._entries.index(Entry("section", "feeds"))]
        assert "!1 failed" in heading
        sidebar.focus()
        sidebar.highlighted = index
        await settle(pilot, app)
        assert f"last fetch failed: {failed.error}" in str(sidebar.tooltip)
        await press(pilot, "enter")  # its card: the error in full
        await settle(pilot, app)
        facts = str(app.screen.query_one("#card-facts", Static).render())
        assert f"last fetch failed: {failed.error}" in facts
        # Chosen, it is marked ▸ and still says why.
        title_line, reason_line = _prompts(sidebar)[sidebar._entries.index(Entry("feed", failed.url))].split(
            "\n"
        )
        assert title_line.startswith("▸") and reason_line.strip() == short_reason(failed.error)
    library.close()


def test_short_reasons() -> None:
    assert short_reason("HTTP 404 Not Found") == "HTTP 404 Not Found"
    assert short_reason("timed out after 20 s") == "timed out after 20 s"
    assert short_reason("not a feed: the server sent a web page") == "not a feed"
    gone = "HTTP 410 Gone: the feed was removed (it will not be fetched again)"
    assert short_reason(gone) == "HTTP 410 Gone"
    assert short_reason("connection refused\n  by host") == "connection refused by host"
    assert short_reason("not a feed (syntax error at line 1)") == "not a feed"
    long = "https://gardener.example/feed.xml: HTTP 503 Service Unavailable (down until Monday)"
    assert short_reason(long) == "HTTP 503 Service Unavailable"
    assert short_reason("redirected to ftp://x: refused") == "redirected to ftp://x"


async def test_t_at_80_columns_shows_the_sidebar_on_the_tags(data_dir: Path, tmp_path: Path) -> None:
    library = _with_many_feeds(data_dir, tmp_path)
    app = make_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, "t")  # typed at once: maybe before the sidebar has its lines
        await settle(pilot, app)
        sidebar = app.screen.query_one(Sidebar)
        assert sidebar.display and app.focused is sidebar
        entry = sidebar.highlighted_entry
        assert entry is not None and entry.kind == "tag"
        assert sidebar.highlighted is not None and _on_screen(sidebar, sidebar.highlighted)
    library.close()


async def test_a_count_that_changes_updates_its_line_in_place(data_dir: Path) -> None:
    """A post read changes a count: the line is updated where it is, the others left as they
    are (clearing and adding every line laid out the whole screen while a post was shown)."""
    library = seeded_library(data_dir)
    app = make_app(library)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        sidebar = app.screen.query_one(Sidebar)
        before = [sidebar.get_option_at_index(i) for i in range(sidebar.option_count)]
        lines = [str(option.prompt) for option in before]
        unread = next(i for i, e in enumerate(sidebar._entries) if e == Entry("smart", "unread"))
        app.screen.open_post(library.post_ids("is:unread")[0])
        await settle(pilot, app)
        after = [sidebar.get_option_at_index(i) for i in range(sidebar.option_count)]
        assert [a is b for a, b in zip(after, before)] == [True] * len(before)  # none made anew
        assert str(after[unread].prompt) != lines[unread]  # the unread count went down by one
        changed = [i for i, option in enumerate(after) if str(option.prompt) != lines[i]]
        assert unread in changed and len(changed) < len(lines) // 2
    library.close()


def _line_options(sidebar: Sidebar) -> list[tuple[int, set[int]]]:
    """For each line on screen: the option it shows and the option indices its cells carry (what
    a click there chooses)."""
    top = int(sidebar.scroll_offset.y)
    shown = []
    for y in range(min(sidebar.scrollable_content_region.height, len(sidebar._lines) - top)):
        strip = sidebar.render_line(y)
        marks = {s.style.meta["option"] for s in strip if s.style is not None and "option" in s.style.meta}
        shown.append((sidebar._lines[top + y][0], marks))
    return shown


async def test_an_entry_that_appears_or_goes_is_put_in_or_taken_out_in_place(data_dir: Path) -> None:
    """A post half read makes "Continue reading" appear (and reading it to the end, go): that one
    line is put in (taken out) where it belongs, the other lines kept with their rendering and the
    cursor on its entry, not every option cleared and added again; counts and clicks stay right."""
    library = seeded_library(data_dir)
    app = make_app(library)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        screen = app.screen
        sidebar = screen.query_one(Sidebar)
        reading = Entry("smart", "reading")
        assert reading not in sidebar._entries
        cleared: list[int] = []
        clear = sidebar.clear_options
        sidebar.clear_options = lambda: cleared.append(1) or clear()  # type: ignore[assignment,func-returns-value]
        feed = next(e for e in sidebar._entries if e and e.kind == "feed")
        sidebar.highlighted = sidebar._entries.index(feed)
        before = {entry: sidebar.get_option_at_index(i) for i, entry in enumerate(sidebar._entries)}
        post_id = library.post_ids()[2]
        library.set_reading_place(post_id, 0.5)
        screen.load_sidebar()
        await settle(pilot, app)
        assert cleared == []
        assert sidebar._entries.count(reading) == 1
        index = sidebar._entries.index(reading)
        assert str(sidebar.get_option_at_index(index).prompt).split()[-1] == "1"  # one post half read
        # The lines before it and after it are the options they were (none made anew), in order.
        kept = [sidebar.get_option_at_index(i) for i, e in enumerate(sidebar._entries) if e != reading]
        assert kept == [before[e] for e in sidebar._entries if e != reading]
        assert sidebar.highlighted_entry == feed  # the cursor stayed on its feed, one line down
        assert all(marks == {option} for option, marks in _line_options(sidebar))  # clicks: the line's own
        assert len(sidebar._lines) == sum(1 + s[1] for s in sidebar._shape)
        # Read to its end: the entry goes, the same way.
        library.set_reading_place(post_id, None)
        screen.load_sidebar()
        await settle(pilot, app)
        assert cleared == [] and reading not in sidebar._entries
        assert [sidebar.get_option_at_index(i) for i in range(sidebar.option_count)] == [
            before[e] for e in sidebar._entries
        ]
        assert sidebar.highlighted_entry == feed
        assert all(marks == {option} for option, marks in _line_options(sidebar))
        await pilot.click(Sidebar, offset=(4, sidebar._index_to_line[sidebar._entries.index(feed)]))
        await settle(pilot, app)
        assert screen.filter.base == feed  # a click on the feed's line chose that feed
    library.close()
