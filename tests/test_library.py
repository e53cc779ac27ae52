"""Library: subscribing to local paged feeds, archive state, refresh, reading and marking."""

from __future__ import annotations

from pathlib import Path

import pytest

from blogtui.errors import LibraryError
from blogtui.library import Library

PAGED = Path(__file__).parent / "data" / "paged"
FEED = Path(__file__).parent / "data" / "some-feed.xml"


def test_local_archive_pages_are_walked(library: Library) -> None:
    [outcome] = library.subscribe([str(PAGED / "page-1.xml")])
    assert outcome.error is None
    assert (outcome.new_posts, outcome.pages, outcome.archive_complete) == (9, 3, True)
    [feed] = library.feeds()
    assert feed.archive_complete and feed.posts == 9
    assert feed.site_url == "https://paged.example/"


def test_no_archive_reads_only_the_first_page(library: Library) -> None:
    [outcome] = library.subscribe([str(PAGED / "page-1.xml")], archive=False)
    assert outcome.new_posts == 3
    assert not library.feeds()[0].archive_complete


def test_single_page_feed_says_archive_may_be_incomplete(library: Library) -> None:
    [outcome] = library.subscribe([str(FEED)])
    assert not outcome.archive_complete
    assert any("incomplete" in note for note in outcome.notes)


def test_relative_links_resolve_against_the_blog(library: Library) -> None:
    library.subscribe([str(PAGED / "page-1.xml")])
    post = library.post(library.post_ids()[0])
    assert post is not None
    assert post.url == "https://paged.example/posts/9/"
    assert "(https://paged.example/about/)" in post.content_md


def test_refresh_keeps_state_and_finds_nothing_new(library: Library) -> None:
    library.subscribe([str(PAGED / "page-1.xml")])
    newest = library.post_ids()[0]
    library.mark_read([newest])
    library.star([newest])
    [outcome] = library.refresh()
    assert outcome.error is None and outcome.new_posts == 0
    post = library.post(newest)
    assert post is not None and post.read and post.starred


def test_refresh_of_unknown_feed_is_an_error(library: Library) -> None:
    with pytest.raises(LibraryError, match="not subscribed"):
        library.refresh(["https://nowhere.example/feed"])


def test_opening_converts_once_and_caches(library: Library) -> None:
    library.subscribe([str(FEED)])
    post_id = library.post_ids("keyboard")[0]
    assert library.store.post(post_id).content_md == ""  # type: ignore[union-attr]
    post = library.post(post_id)
    assert post is not None and post.content_md.startswith("## j and k")
    assert library.store.post(post_id).content_md == post.content_md  # type: ignore[union-attr]


def test_mark_all_read_in_a_query(library: Library) -> None:
    library.subscribe([str(FEED)])
    assert library.mark_all_read("tag:design") == 3
    assert len(library.post_ids("is:unread")) == 7


def test_bad_query_is_a_library_error(library: Library) -> None:
    with pytest.raises(LibraryError, match="after:2015-13-40"):
        library.post_ids("after:2015-13-40")
