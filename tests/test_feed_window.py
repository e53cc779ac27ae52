"""The list sorted by feed as a window (storage/feed_window.py): the same ids in the same order as
listing it sorted, read a page at a time from each feed's posts, from either end, with positions."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from blogtui.models import ParsedPost
from blogtui.query import compile_query, parse
from blogtui.storage import feed_window, search, title_window, window
from blogtui.storage.store import Store

WORDS = ["lamp", "river", "quiet", "table", "orbit", "cedar"]


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setattr(search, "WINDOW_MIN", 10)
    for module in (window, title_window, feed_window):
        monkeypatch.setattr(module, "PAGE", 7)
    s = Store(tmp_path / "blogtui.db")
    rng = random.Random(11)
    start = datetime(2020, 1, 1, tzinfo=timezone.utc)
    # Feeds whose titles sort apart from their ids, one with no posts, two with the same title
    # (then by id), posts with equal dates (then by id), some read, tagged by word.
    feeds = {"https://c.example/f": "cedar", "https://a.example/f": "Alder", "https://e.example/f": "empty",
             "https://b.example/f": "birch", "https://b2.example/f": "Birch"}  # fmt: skip
    for n, (url, title) in enumerate(feeds.items(), start=1):
        feed_id = s.add_feed(url)
        s.db.execute("UPDATE feeds SET title = ? WHERE id = ?", (title, feed_id))
        if title == "empty":
            continue
        posts = [
            ParsedPost(
                guid=f"{n}-{i}",
                url=f"{url}/{i}",
                title=f"Post {i}",
                published=start + timedelta(days=rng.randrange(30)),
                content_html=f"<p>{rng.choice(WORDS)}</p>",
                text=rng.choice(WORDS),
                tags=(rng.choice(WORDS),),
            )
            for i in range(rng.randrange(9, 25))
        ]
        with s.transaction():
            s.upsert_posts(feed_id, posts)
    total = s.db.execute("SELECT count(*) FROM posts").fetchone()[0]
    s.mark(list(range(1, total, 3)), read=True)
    yield s
    s.close()


@pytest.mark.parametrize("text", ["", "is:unread", "is:read", "tag:lamp", "feed:birch"])
def test_the_feed_order_is_a_window_with_the_listed_order(store: Store, text: str) -> None:
    compiled = compile_query(parse(text))
    expected = store.post_ids(compiled, order="feed")
    got = store.post_window(compiled, order="feed")
    assert isinstance(got, feed_window.FeedWindow) and len(got) == len(expected)
    assert list(got) == expected
    for index in (0, 6, 7, len(expected) - 1, len(expected) // 2, -1, -8):  # pages from either end
        fresh = store.post_window(compiled, order="feed")
        assert fresh[index] == expected[index], index
    assert store.post_window(compiled, order="feed")[3:17] == expected[3:17]
    fresh = store.post_window(compiled, order="feed")
    for index in (5, 0, len(expected) - 3, len(expected) // 2):
        assert fresh.position(expected[index]) == index  # type: ignore[attr-defined]
    assert fresh.position(10_000) is None  # type: ignore[attr-defined]


def test_a_searched_list_by_feed_stays_a_list(store: Store) -> None:
    assert isinstance(store.post_window(compile_query(parse("lamp")), order="feed"), list)


@pytest.mark.parametrize("slow", [0.0, 10.0])
def test_feeds_counted_all_at_once_or_one_by_one_give_the_same_list(
    store: Store, monkeypatch: pytest.MonkeyPatch, slow: float
) -> None:
    """A filter whose per-feed count is slow (a tag's, at a million posts) counts every feed in
    one pass when a jump needs many; the positions and pages are the same either way."""
    monkeypatch.setattr(feed_window, "SLOW_COUNT", slow)
    monkeypatch.setattr(feed_window, "MANY", 0)
    for text in ("", "tag:lamp"):
        compiled = compile_query(parse(text))
        expected = store.post_ids(compiled, order="feed")
        fresh = store.post_window(compiled, order="feed")
        middle = len(expected) // 2
        assert fresh[middle] == expected[middle]
        assert fresh.position(expected[middle + 1]) == middle + 1  # type: ignore[attr-defined]
        assert list(fresh) == expected


@pytest.mark.parametrize("order", ["title", "feed", "newest"])
@pytest.mark.parametrize("text", ["", "is:unread", "feed:birch"])
def test_pages_read_around_a_kept_post_are_the_pages_read_by_offset(
    store: Store, order: str, text: str
) -> None:
    """A sort change keeps the highlighted post: the pages of its first screen are read from that
    post's key (read_around: seeks, not an OFFSET), and they hold what the list holds there."""
    compiled = compile_query(parse(text))
    expected = store.post_ids(compiled, order=order)
    for index in (0, 1, 6, 7, 8, len(expected) // 2, len(expected) - 2, len(expected) - 1):
        for start, stop in ((index - 3, index + 4), (index - 9, index + 9), (index, index + 1)):
            fresh = store.post_window(compiled, order=order)
            if not isinstance(fresh, window.PagedWindow):
                continue
            len(fresh)  # a sort change in a counted list (the count tables know it)
            fresh.read_around(expected[index], index, max(0, start), stop)
            assert list(fresh) == expected, (index, start, stop)
            assert [fresh[i] for i in range(len(expected))] == expected


@pytest.mark.parametrize("order", ["title", "newest"])
def test_a_window_read_around_a_post_elsewhere_than_said_reads_by_offset(store: Store, order: str) -> None:
    """Near an end of the list, a position that does not hold the post (the cache changed since
    it was counted) leaves the pages to be read by offset, as before."""
    compiled = compile_query(parse(""))
    expected = store.post_ids(compiled, order=order)
    for kept, said in ((10, 3), (3, 5), (len(expected) - 2, len(expected) - 5)):
        fresh = store.post_window(compiled, order=order)
        len(fresh)
        fresh.read_around(expected[kept], said, max(0, said - 3), said + 3)  # type: ignore[attr-defined]
        assert [fresh[i] for i in range(len(expected))] == expected


def test_a_page_near_a_post_placed_by_feed_counts_only_the_feeds_before_it(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first screen of a sort by feed around a post kept reads its page from the feeds
    counted for that post's position (and its own), not every feed counted for a jump into the
    list (at 1M posts, 50-70 ms)."""
    compiled = compile_query(parse(""))
    expected = store.post_ids(compiled, order="feed")
    fresh = store.post_window(compiled, order="feed")
    assert isinstance(fresh, feed_window.FeedWindow)
    middle = len(expected) // 2
    len(fresh)
    assert fresh.position(expected[middle]) == middle
    feeds = len(fresh._feed_order())
    assert fresh[middle - 3 : middle + 3] == expected[middle - 3 : middle + 3]
    assert len(fresh._counts) < feeds
    assert list(fresh) == expected
