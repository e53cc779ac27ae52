"""A word left out alone (``-format tag:cooking``; storage/window.py's ExcludingWindow): its
pages read from stretches of dates, the word's matches from those stretches' keys alone, give
post_ids's list in post_ids's order, every way a page is read, and no statement builds the set
of every post holding the word for a page in order."""

from __future__ import annotations

import random

import pytest

import test_match_window
from blogtui.library import Library
from blogtui.storage.window import ExcludingWindow

#: The fixture of test_match_window: 3 feeds of 150 posts over four years, pages of 7.
library = test_match_window.library


@pytest.mark.parametrize(
    ("query", "order"),
    [
        ("-archive", "newest"),
        ("-archive", "oldest"),
        ("-cache tag:python", "newest"),
        ('-"cache garden" is:unread', "newest"),
        ("-(parse index) tag:food", "oldest"),
        ("-tomato", "newest"),
        ("-archive after:2020-01-01 before:2021-06-01", "newest"),
    ],
)
def test_a_word_left_out_reads_its_pages_by_stretches(library: Library, query: str, order: str) -> None:
    compiled = library.compile(query)
    expected, ids, reads = test_match_window.read_traced(library, compiled, order=order)
    assert isinstance(ids, ExcludingWindow)
    pages = [sql for sql in reads if "NOT IN" in sql and "ORDER BY posts.published" in sql]
    assert pages and all("rowid >= " in sql or "rowid < " in sql for sql in pages[1:]), pages
    # A fresh window read out of order: by offset, around a post, a position.
    ids = library.post_window(compiled, order=order)
    rng = random.Random(query)
    for index in [len(expected) - 1, *rng.sample(range(len(expected)), 10), 0]:
        assert ids[index] == expected[index]
    for index in rng.sample(range(len(expected)), 5):
        post = expected[index]
        assert ids.position(post) == index
        excerpt = ids.excerpt(post, 3, 4)
        assert excerpt is not None and list(excerpt) == expected[max(0, index - 3) : index + 5]
    assert len(ids) == len(expected) and list(ids) == expected


def test_a_post_that_holds_the_word_is_not_in_the_list(library: Library) -> None:
    ids = library.post_window(library.compile("-archive"))
    holding = library.post_ids(library.compile("archive"))
    assert holding and not any(ids.position(post) is not None for post in holding[:20])


def test_a_stretch_too_short_for_a_page_is_read_four_times_as_long(library: Library) -> None:
    # "-archive tag:python": few posts pass in the first stretch of 4 pages' posts; the window
    # reads longer stretches until a page is full, each bounding the keys of the matches read.
    compiled = library.compile("-archive tag:python")
    expected = library.post_ids(compiled)
    reads: list[str] = []
    library.store.db.set_trace_callback(reads.append)
    ids = library.post_window(compiled)
    assert ids[:7] == expected[:7]
    library.store.db.set_trace_callback(None)
    offsets = [int(sql.rsplit("OFFSET ", 1)[1]) for sql in reads if "LIMIT 1 OFFSET" in sql]
    assert offsets[:2] == [4 * 7, 16 * 7], offsets


def test_past_the_longest_stretch_a_page_is_read_by_the_whole_query(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Few posts pass (here: the longest stretch is the first): the page is read by the query
    # as a whole, its sets built once, and the list is still post_ids's.
    monkeypatch.setattr(ExcludingWindow, "LAST_SPAN", ExcludingWindow.FIRST_SPAN)
    compiled = library.compile("-archive tag:python is:read")
    expected = library.post_ids(compiled)
    assert len(expected) > 7
    reads: list[str] = []
    library.store.db.set_trace_callback(reads.append)
    ids = library.post_window(compiled)
    first = ids[:7]
    library.store.db.set_trace_callback(None)
    assert first == expected[:7]
    stretches = [sql for sql in reads if "LIMIT 1 OFFSET" in sql]
    whole = [
        sql for sql in reads if "posts.id IN (SELECT pt.post_id" in sql and "ORDER BY posts.published" in sql
    ]
    assert len(stretches) == 1 and whole, reads
    assert list(ids) == expected
