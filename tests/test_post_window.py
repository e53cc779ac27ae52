"""The reader's list as a window (storage/window.py): the same ids in the same order as post_ids,
read a page at a time; and the list widget on a window (G, page keys, a kept place)."""

from __future__ import annotations

import random
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from blogtui.library import Library
from blogtui.models import ParsedPost
from blogtui.storage import feed_window, search, title_window, window
from blogtui.storage.window import Chain, IdSequence, IdWindow
from blogtui.ui.widgets.post_list import PostList
from ui_harness import feed_xml, make_app, press, seeded_library, settle

WORDS = ["archive", "cache", "feed", "parse", "index", "window", "reader", "garden", "python", "tomato"]


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    # Windows from 10 posts on, pages of 7, 3 kept: every path (seek, offset, from the end, a
    # page read again) is taken on a few hundred posts.
    monkeypatch.setattr(search, "WINDOW_MIN", 10)
    monkeypatch.setattr(search, "LOOKUP_LIMIT", 20)
    for module in (window, feed_window, title_window):  # each reads its pages of window.PAGE
        monkeypatch.setattr(module, "PAGE", 7)
    monkeypatch.setattr(window, "KEPT_PAGES", 3)


@pytest.fixture
def library(tmp_path: Path) -> Library:
    library = Library(tmp_path / "data")
    store = library.store
    rng = random.Random(7)
    base = datetime(2020, 1, 1, tzinfo=timezone.utc)
    for feed in range(3):
        feed_id = store.add_feed(f"https://example.invalid/{feed}.xml")
        posts = []
        for n in range(120):
            words = rng.choices(WORDS, k=6)
            tags = tuple(rng.sample(["python", "garden", "food"], rng.randint(0, 2)))
            # Equal dates on purpose: the id breaks the tie, in both directions.
            when = base + timedelta(days=rng.randrange(60))
            posts.append(
                ParsedPost(
                    guid=f"{feed}-{n}", url=f"https://example.invalid/{feed}/{n}", title=" ".join(words[:3]),
                    author="A", published=when, content_html="<p>" + " ".join(words) + "</p>",
                    text=" ".join(words), tags=tags,
                )
            )  # fmt: skip
        store.upsert_posts(feed_id, posts)
    store.db.execute("UPDATE posts SET read = 1 WHERE id % 3 = 0")
    return library


CASES = [
    ("", False, "newest"),
    ("", False, "oldest"),
    ("is:unread", False, "newest"),
    ("tag:python", False, "oldest"),
    ("archive", False, "newest"),
    ("archive", True, "newest"),
    ("archive -tag:garden", True, "newest"),
    ("archive cache", True, "newest"),
    ('archive feed:"invalid/1.xml"', True, "newest"),  # a feed's matches, from the feed's own index
    ('feed:"invalid/2.xml"', False, "oldest"),
    ("garden", False, "feed"),
]


@pytest.mark.parametrize(("query", "ranked", "order"), CASES)
def test_window_holds_the_ids_of_post_ids_in_order(
    small_pages: None, library: Library, monkeypatch: pytest.MonkeyPatch, query: str, ranked: bool, order: str
) -> None:
    monkeypatch.setattr(search, "RANK_LIMIT", 40)  # the tiered order: title matches, then the rest
    compiled = library.compile(query)
    expected = library.post_ids(compiled, ranked=ranked, order=order)
    ids = library.post_window(compiled, ranked=ranked, order=order)
    if order in ("newest", "oldest") and len(expected) > 40:
        assert isinstance(ids, (IdWindow, Chain))
    assert len(ids) == len(expected)
    # Random access first (jumps, the end, backwards), then in order.
    rng = random.Random(query)
    for index in [len(expected) - 1, 0, len(expected) // 2, *rng.sample(range(len(expected)), 30)]:
        assert ids[index] == expected[index]
    assert ids[-1] == expected[-1] and ids[3:20] == expected[3:20]
    assert list(ids) == expected and ids == expected
    for index in rng.sample(range(len(expected)), 20):
        finder = getattr(ids, "position", None)
        assert (finder(expected[index]) if finder else ids.index(expected[index])) == index
    assert 10**9 not in ids
    with pytest.raises(IndexError):
        ids[len(expected)]


THREADED = [*CASES, ("", False, "title"), ("tag:garden", False, "title"), ("", False, "feed")]


@pytest.mark.parametrize(("query", "ranked", "order"), THREADED)
def test_one_window_read_from_two_threads_at_once_gives_each_the_right_ids(
    small_pages: None, library: Library, monkeypatch: pytest.MonkeyPatch, query: str, ranked: bool, order: str
) -> None:
    # The list reads its window on the event loop while the reader's worker asks it where the
    # post opened is ("post 37 of 412"): pages read, kept and dropped (3 kept of 7 ids each)
    # by both threads, each on its own connection, and neither sees another's ids.
    monkeypatch.setattr(search, "RANK_LIMIT", 40)
    compiled = library.compile(query)
    expected = library.post_ids(compiled, ranked=ranked, order=order)
    if not expected:
        pytest.skip(f"{query!r} matches nothing in the fixture")
    ids = library.post_window(compiled, ranked=ranked, order=order)
    errors: list[str] = []
    start = threading.Barrier(2)

    def items(seed: int) -> None:
        rng = random.Random(seed)
        start.wait()
        for _ in range(150):
            index = rng.randrange(len(expected))
            if ids[index] != expected[index]:
                errors.append(f"ids[{index}] = {ids[index]}, not {expected[index]}")

    def positions(seed: int) -> None:
        rng = random.Random(seed)
        start.wait()
        for _ in range(150):
            index = rng.randrange(len(expected))
            found = (
                ids.position(expected[index]) if isinstance(ids, IdSequence) else ids.index(expected[index])
            )
            if found != index:
                errors.append(f"position of {expected[index]} = {found}, not {index}")

    threads = [threading.Thread(target=items, args=(1,)), threading.Thread(target=positions, args=(2,))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors[:5] == [] and list(ids) == expected


def test_a_window_reads_pages_not_every_id(small_pages: None, library: Library) -> None:
    reads: list[str] = []
    library.store.db.set_trace_callback(reads.append)
    ids = library.post_window("")
    assert isinstance(ids, IdWindow) and len(ids) == 360
    assert ids[0] == library.post_ids()[0]
    pages = [sql for sql in reads if "LIMIT" in sql and "posts.published" in sql]
    assert len(pages) == 1 and "LIMIT 7" in pages[0]


async def test_the_list_on_a_window_pages_and_keeps_its_place(
    small_pages: None, data_dir: Path, tmp_path: Path
) -> None:
    long_feed = tmp_path / "long.xml"
    long_feed.write_text(feed_xml(400), encoding="utf-8")
    library = seeded_library(data_dir, long_feed)
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        posts = app.screen.query_one(PostList)
        assert isinstance(posts.ids, IdWindow) and posts.count == 400
        await press(pilot, "G")
        assert posts.cursor == 399
        await settle(pilot, app)
        assert "Post number 1" in posts.render_line(posts.cursor - int(posts.scroll_offset.y)).text
        await press(pilot, "g", "pagedown", "pagedown", "k")
        await settle(pilot, app)
        kept, row = posts.highlighted_id, posts.cursor - int(posts.scroll_offset.y)
        long_feed.write_text(feed_xml(420), encoding="utf-8")  # 20 newer posts
        await press(pilot, "r")
        await settle(pilot, app)
        assert posts.count == 420 and posts.highlighted_id == kept
        assert posts.cursor - int(posts.scroll_offset.y) == row
        assert posts.ids == library.post_ids()
    library.close()


LAZY = ["tag:python tag:garden", "tag:python is:unread -tag:food", "archive -tag:garden", "archive cache"]


@pytest.mark.parametrize("query", LAZY)
def test_the_first_page_is_read_without_counting_the_list(
    small_pages: None, library: Library, monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    # Issue 15: the first screen does not wait for a whole count. A window the count tables
    # cannot size (two tags, a negation, words past the ranking's limit) reads its first page
    # and says how long the list is at least; len() counts it, and then it knows.
    monkeypatch.setattr(search, "RANK_LIMIT", 40)
    compiled = library.compile(query)
    ranked = compiled.match is not None
    expected = library.post_ids(compiled, ranked=ranked)
    assert len(expected) > window.PAGE
    reads: list[str] = []
    library.store.db.set_trace_callback(reads.append)
    ids = library.post_window(compiled, ranked=ranked)
    assert isinstance(ids, (IdWindow, Chain)) and ids.known_length() is None
    least = ids.least_length()
    assert window.PAGE <= least <= len(expected)
    assert ids[: window.PAGE] == expected[: window.PAGE] and ids[0] == expected[0]
    whole = [sql for sql in reads if "count(*)" in sql and "LIMIT" not in sql]
    assert whole == [], whole  # the first page and its rows: nothing counted whole
    assert len(ids) == len(expected) and ids.known_length() == len(expected)
    assert list(ids) == expected


def test_a_short_list_is_its_first_page(small_pages: None, library: Library) -> None:
    by_date = "posts INDEXED BY posts_by_date_state"
    for where, size in (("posts.id <= 5", 5), ("posts.id < 0", 0), ("posts.id <= 7", 7)):
        ids = IdWindow(lambda: library.store.db, by_date, where, ())
        assert ids.least_length() == size
        # Short of a page, the page is the list; a full page may be all of it or not.
        assert ids.known_length() == (size if size < window.PAGE else None)
        assert len(ids) == size


async def test_the_list_shows_its_first_page_then_grows_to_the_count(
    small_pages: None, data_dir: Path, tmp_path: Path
) -> None:
    long_feed = tmp_path / "long.xml"
    long_feed.write_text(feed_xml(400), encoding="utf-8")
    library = seeded_library(data_dir, long_feed)
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        posts = app.screen.query_one(PostList)
        ids = IdWindow(lambda: library.store.db, "posts INDEXED BY posts_by_date_state", "posts.read = 0", ())
        posts.set_posts(ids)
        assert posts.count == window.PAGE and not posts.counted  # shown at once, not counted
        await press(pilot, "G")
        assert posts.cursor == window.PAGE - 1
        assert posts.set_length(ids, len(ids)) and posts.counted and posts.count == 400
        assert not posts.set_length(IdWindow(lambda: library.store.db, "posts", "1", ()), 3)  # another list
        await press(pilot, "G")
        assert posts.cursor == 399
        # The screen counts a list it shows uncounted in a worker, and the status says so meanwhile.
        app.screen._show_ids(IdWindow(lambda: library.store.db, "posts INDEXED BY posts_by_date_state",
                                      "posts.read = 0", ()), None)  # fmt: skip
        await settle(pilot, app)
        assert posts.counted and posts.count == 400
    library.close()


async def test_a_sort_change_shows_the_posts_around_the_kept_one_before_its_place_is_counted(
    small_pages: None, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """O on a window: the new order's first screen is the posts either side of the highlighted
    one, read from its key (an Excerpt, the status saying the whole list's count and no place
    yet); then the whole window, the cursor on the same post on the same line. A move in the
    excerpt meanwhile is kept when the whole list lands."""
    from blogtui.storage import feed_window, title_window
    from blogtui.storage.window import Excerpt, PagedWindow

    for module in (feed_window, title_window):  # their pages as small as the date order's
        monkeypatch.setattr(module, "PAGE", window.PAGE)
    long_feed = tmp_path / "long.xml"
    long_feed.write_text(feed_xml(400), encoding="utf-8")
    library = seeded_library(data_dir, long_feed)
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        screen = app.screen
        posts = screen.query_one(PostList)
        await press(pilot, "pagedown", "pagedown", "pagedown", "j", "j")
        await settle(pilot, app)
        kept, row = posts.highlighted_id, posts.cursor - int(posts.scroll_offset.y)
        shown: list[tuple[object, int | None, int, str]] = []
        show_ids = screen._show_ids

        def recording(ids, *args, **kwargs):  # type: ignore[no-untyped-def]
            show_ids(ids, *args, **kwargs)
            status = str(screen.query_one("#status").render())
            shown.append((ids, posts.highlighted_id, posts.cursor - int(posts.scroll_offset.y), status))

        screen._show_ids = recording
        for order in ("oldest", "feed", "title", "newest"):
            shown.clear()
            await press(pilot, "O")
            await settle(pilot, app)
            expected = library.post_ids(order=order)
            assert screen.sort == order and list(posts.ids) == expected
            assert posts.highlighted_id == kept and posts.cursor == expected.index(kept)
            assert posts.cursor - int(posts.scroll_offset.y) == row
            if order == "title":  # a count to place the post: its neighbours shown first
                (first, at_first, row_first, status), (whole, *_) = shown
                assert isinstance(first, Excerpt) and isinstance(whole, PagedWindow)
                index = expected.index(kept)
                assert list(first) == expected[max(0, index - len(first) // 2) :][: len(first)]
                assert at_first == kept and row_first == row
                assert "400 posts" in status and "post " not in status
        # The whole list after a move in its excerpt: the cursor stays on the post moved to.
        titles = library.post_window(library.compile(""), order="title")
        len(titles)
        excerpt = titles.excerpt(kept, 5, 5)  # type: ignore[attr-defined]
        assert excerpt is not None
        screen._show_ids(excerpt, kept, False, excerpt.position(kept), library.rows(list(excerpt)), False)
        posts.action_cursor_down()
        moved = posts.highlighted_id
        position = titles.position(kept)  # type: ignore[attr-defined]
        screen._show_ids(titles, kept, False, position, [], False)
        assert posts.ids is titles and posts.highlighted_id == moved and posts.cursor == position + 1
    library.close()


TYPED = ["arch", "archive", "archive ca", "-tag:garden arch", 'feed:"invalid/1.xml" arch']


@pytest.mark.parametrize("rank_limit", [40, 120, 400])  # title matches past it; only the rest; none
@pytest.mark.parametrize("query", TYPED)
def test_a_query_as_typed_shows_the_ranked_order_before_any_count(
    small_pages: None, library: Library, monkeypatch: pytest.MonkeyPatch, query: str, rank_limit: int
) -> None:
    # Issue 15: a word being typed ("arch"*) is ranked by choices made from capped counts, the
    # title matches counted first; the first screen is post_ids's ranked order (which counts and
    # reads every match), and the whole list is too once counted.
    monkeypatch.setattr(search, "RANK_LIMIT", rank_limit)
    compiled = library.compile(query, prefix_last=True)
    assert compiled.match is not None and '"*' in compiled.match
    expected = library.post_ids(compiled, ranked=True)
    assert len(expected) > window.PAGE
    reads: list[str] = []
    library.store.db.set_trace_callback(reads.append)
    ids = library.post_window(compiled, ranked=True)
    least = window.known_length(ids) or ids.least_length()  # type: ignore[attr-defined]
    assert least >= window.PAGE
    assert ids[: window.PAGE] == expected[: window.PAGE]
    whole = [sql for sql in reads if "count(*)" in sql and "LIMIT" not in sql]
    assert whole == [], whole  # the first screen counts nothing whole
    library.store.db.set_trace_callback(None)
    assert len(ids) == len(expected) and list(ids) == expected


def test_a_word_typed_with_many_title_matches_reads_its_first_screen_without_a_whole_count(
    small_pages: None, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    # More title matches than RANK_LIMIT: the title tier newest first, then the rest. The first
    # screen is read from the index by key (MatchWindow): the counts that choose the order stop
    # past their limit, no statement counts or lists every match; the rest is counted when the
    # length is asked for.
    monkeypatch.setattr(search, "RANK_LIMIT", 40)
    compiled = library.compile("arch", prefix_last=True)
    title = f"{{title}} : ({compiled.match})"
    title_size = library.store._match_size(title, 10**6)
    assert title_size > 40
    expected = library.post_ids(compiled, ranked=True)
    searches: list[str] = []
    library.store.db.set_trace_callback(lambda sql: searches.append(sql) if "MATCH" in sql else None)
    ids = library.post_window(compiled, ranked=True)
    assert isinstance(ids, Chain) and ids.known_length() is None
    assert ids[: window.PAGE] == expected[: window.PAGE]
    # Each search is a count capped past its limit, or a read by key stepped a page at a time.
    assert searches and all("LIMIT" in sql or "ORDER BY posts_fts.rowid" in sql for sql in searches), searches
    keyed = [sql for sql in searches if "ORDER BY posts_fts.rowid DESC" in sql]
    assert keyed and "{title}" in keyed[0], searches
    assert ids[title_size - 1 : title_size + 1] == expected[title_size - 1 : title_size + 1]
    library.store.db.set_trace_callback(None)
    assert len(ids) == len(expected) and list(ids) == expected
