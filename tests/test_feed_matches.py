"""A search kept to a few feeds (storage/feed_matches.py): its matches among the feeds' posts
read from the index's key ranges alone give what the whole set of its matches gives, and the
lists of ``feed:`` searches, ranked or by date, are post_ids's without a set of every match."""

from __future__ import annotations

import pytest

import test_match_window
from blogtui.library import Library
from blogtui.query import KEY_SHIFT, ROW_POST, index_key
from blogtui.storage import feed_matches

#: The fixture of test_match_window: 3 feeds of 150 posts over four years.
library = test_match_window.library


def test_keys_of_one_bucket_close_together_are_one_range() -> None:
    bucket = 7 << KEY_SHIFT
    keys = [bucket | 5, bucket | 9, bucket | 9 + feed_matches.RANGE_GAP, bucket | 200, (8 << KEY_SHIFT) | 6]
    assert feed_matches.key_ranges(list(reversed(keys))) == [
        (bucket | 5, bucket | 9 + feed_matches.RANGE_GAP),
        (bucket | 200, bucket | 200),
        ((8 << KEY_SHIFT) | 6, (8 << KEY_SHIFT) | 6),
    ]


@pytest.mark.parametrize(
    "expression",
    ['"archive"', '"cache" AND "garden"', '"tomato"', '{title} : ("feed")', '"reader" NOT "index"'],
)
def test_the_matches_among_a_feeds_posts_are_those_of_the_whole_set(
    library: Library, expression: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feed_matches, "RANGE_POSTINGS", 0)  # ranges read however few match
    db = library.store.db
    posts = [(r[0], r[1]) for r in db.execute("SELECT id, published FROM posts WHERE feed_id = 2")]
    assert all(index_key(p, i) for i, p in posts)
    whole = {
        r[0] for r in db.execute(f"SELECT {ROW_POST} FROM posts_fts WHERE posts_fts MATCH ?", (expression,))
    }
    among = feed_matches.matches_among(db, "posts_fts", expression, posts)
    assert among is not None and sorted(among) == sorted(i for i, _ in posts if i in whole)
    assert among and len(among) < len(posts)  # the other feeds' posts in the ranges are dropped


@pytest.mark.parametrize(
    ("query", "ranked", "order"),
    [
        ("feed:1.xml archive", False, "newest"),
        ("feed:1.xml archive", False, "oldest"),
        ("feed:1.xml archive", True, "newest"),
        ("feed:2.xml cache -tag:food", True, "newest"),
        ("feed:0.xml garden is:unread", False, "newest"),
        ("feed:0.xml arch", True, "newest"),
    ],
)
def test_a_feed_search_lists_its_matches_without_the_set_of_every_match(
    library: Library,
    query: str,
    ranked: bool,
    order: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The fixture is small: its ranges are read however few posts match (as at a million).
    monkeypatch.setattr(feed_matches, "RANGE_POSTINGS", 0)
    compiled = library.compile(query, prefix_last=query.endswith("arch"))
    expected = library.post_ids(compiled, ranked=ranked, order=order)
    assert len(expected) > 7
    reads: list[str] = []
    library.store.db.set_trace_callback(reads.append)
    ids = library.post_window(compiled, ranked=ranked, order=order)
    assert list(ids) == expected and len(ids) == len(expected)
    library.store.db.set_trace_callback(None)
    pages = [sql for sql in reads if "posts_by_feed" in sql and "ORDER BY posts.published" in sql]
    assert pages and all("MATCH" not in sql and "json_each" in sql for sql in pages), pages


def test_a_word_of_few_posts_is_tested_against_the_set_of_its_matches(library: Library) -> None:
    # "tomato", in 1 post of 37: its set costs less than reading the feed's key ranges.
    db = library.store.db
    posts = [(r[0], r[1]) for r in db.execute("SELECT id, published FROM posts WHERE feed_id = 1")]
    assert feed_matches.matches_among(db, "posts_fts", '"tomato"', posts) is None
    compiled = library.compile("feed:0.xml tomato")
    assert feed_matches.narrowed(db, compiled, feed_matches.kept_posts(db, compiled)) is None
    ids = library.post_window(compiled)
    assert list(ids) == library.post_ids(compiled) and len(ids) > 0
