"""The reader's writes land one at a time and in the order they were asked for, whatever the
threads do: ``m m`` quickly must leave the post as the second press says."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from blogtui.library import Library
from ui_harness import DATA, make_app, seeded_library, settle


async def test_writes_are_applied_in_the_order_they_were_made(data_dir: Path) -> None:
    library = seeded_library(data_dir, DATA / "some-feed.xml")
    post_id = library.post_ids()[0]
    applied: list[str] = []
    first_started = threading.Event()

    def slow_read(lib: Library) -> None:
        first_started.set()
        time.sleep(0.3)  # the first write is slow: the second must still wait for it
        lib.mark_read([post_id], True)
        applied.append("read")

    def quick_unread(lib: Library) -> None:
        lib.mark_read([post_id], False)
        applied.append("unread")

    app = make_app(library)
    async with app.run_test() as pilot:
        await settle(pilot, app)
        app.write(slow_read)
        app.write(quick_unread)
        await settle(pilot, app)
        assert first_started.is_set()
        assert applied == ["read", "unread"]
        assert post_id in library.post_ids("is:unread")  # the second write's word is the last


async def test_a_failing_write_does_not_block_the_next(data_dir: Path) -> None:
    library = seeded_library(data_dir, DATA / "some-feed.xml")
    post_id = library.post_ids()[0]

    def bad(lib: Library) -> None:
        lib.add_user_tag(10**9, "nope")  # no such post: a LibraryError, shown as a toast

    app = make_app(library)
    async with app.run_test() as pilot:
        await settle(pilot, app)
        app.write(bad)
        app.write(lambda lib: lib.star([post_id]))
        await settle(pilot, app)
        assert post_id in library.post_ids("is:starred")
