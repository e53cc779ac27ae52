"""The batched ``Store.upsert_posts`` a fetch writes with: same results as one post at a time."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from blogtui.models import ParsedPost
from blogtui.query import compile_query, parse
from blogtui.storage.store import Store


def post(guid: str, word: str = "alpha", tags: tuple[str, ...] = ("t",), title: str = "T") -> ParsedPost:
    return ParsedPost(
        guid=guid,
        url=f"https://u.example/{guid}",
        title=title,
        author="A",
        published=datetime(2024, 5, 1, tzinfo=timezone.utc),
        content_html=f"<p>{word}</p>",
        text=word,
        tags=tags,
    )


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "blogtui.db")
    yield s
    s.close()


def ids(store: Store, query: str = "") -> list[int]:
    return store.post_ids(compile_query(parse(query)))


def test_many_posts_mixed_new_and_stored_keep_state_and_index(store: Store) -> None:
    feed = store.add_feed("https://u.example/feed")
    with store.transaction():
        assert store.upsert_posts(feed, [post(f"g{n}", "oldword") for n in range(700)]) == 700
    first = ids(store)
    store.mark(first[:10], read=True, starred=True)
    user_tagged = first[0]
    store.add_user_tag(user_tagged, "mine")
    # 1,200 posts: 700 stored (changed text, changed tags) and 500 new, across the 500-guid chunks.
    batch = [post(f"g{n}", "newword", tags=("u",)) for n in range(700)]
    batch += [post(f"h{n}", "freshword") for n in range(500)]
    with store.transaction():
        assert store.upsert_posts(feed, batch) == 500
    assert len(ids(store)) == 1200
    assert ids(store, "oldword") == [] and len(ids(store, "newword")) == 700
    assert len(ids(store, "freshword")) == 500
    assert len(ids(store, "is:starred")) == 10 and len(ids(store, "is:read")) == 10
    assert sorted(store.post_tags(user_tagged)) == ["mine", "u"]
    assert store.post_tags(user_tagged, user=True) == ["mine"]
    store.db.execute("INSERT INTO posts_fts(posts_fts, rank) VALUES('integrity-check', 1)")
    assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_guid_twice_in_one_batch_is_one_post_with_the_later_text(store: Store) -> None:
    feed = store.add_feed("https://u.example/feed")
    with store.transaction():
        new = store.upsert_posts(
            feed, [post("same", "firstword"), post("same", "secondword", title="Second")]
        )
    assert new == 1
    [only] = ids(store)
    stored = store.post(only)
    assert stored is not None and stored.title == "Second"
    assert ids(store, "secondword") == [only] and ids(store, "firstword") == []


def test_ids_continue_after_removed_posts_and_other_feeds(store: Store) -> None:
    one = store.add_feed("https://one.example/feed")
    two = store.add_feed("https://two.example/feed")
    with store.transaction():
        store.upsert_posts(one, [post("a"), post("b")])
        store.upsert_posts(two, [post("a"), post("c")])  # same guid, other feed: its own post
    assert len(ids(store)) == 4
    assert store.remove_feed("https://one.example/feed")
    with store.transaction():
        assert store.upsert_posts(two, [post("d", "lastword")]) == 1
    assert len(ids(store)) == 3 and len(ids(store, "lastword")) == 1


def test_outside_a_transaction_it_opens_its_own(store: Store) -> None:
    feed = store.add_feed("https://u.example/feed")
    assert store.upsert_posts(feed, [post("x")]) == 1
    assert not store.db.in_transaction
    assert len(ids(store)) == 1
