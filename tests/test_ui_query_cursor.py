"""While a query is typed, the cursor stays on the post highlighted when typing began if the
results hold it, else goes to the first result: never where a half-typed query left it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from blogtui.library import Library
from ui_harness import make_app, press, seeded_library, settle


@pytest.fixture
def demo(data_dir: Path) -> Iterator[Library]:
    library = seeded_library(data_dir)
    yield library
    library.close()


async def test_the_cursor_keeps_the_post_it_was_on_or_goes_to_the_first(demo: Library) -> None:
    gardening = demo.post_ids("tag:gardening")
    app = make_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        screen = app.screen
        start = screen.posts.highlighted_id
        assert start == demo.post_ids()[0] and start in gardening
        # Typed fast, as a person types: every half-typed query ('ta', 'tag') runs on the way.
        await press(pilot, "slash", *"tag:gardening", "enter")
        await settle(pilot, app)
        assert screen.posts.highlighted_id == start and screen.posts.cursor == 0
        # Now from a post the next query does not hold: the first result, whatever came between.
        await press(pilot, "escape", "escape")
        await settle(pilot, app)  # the whole list again
        sqlite = demo.post_ids("tag:sqlite")
        while screen.posts.highlighted_id in sqlite or screen.posts.cursor == 0:
            await press(pilot, "j")
            await settle(pilot, app)
        assert screen.posts.highlighted_id not in sqlite
        await press(pilot, "slash", *"tag:sqlite", "enter")
        await settle(pilot, app)
        assert screen.posts.cursor == 0
        assert screen.posts.highlighted_id == demo.post_ids("tag:sqlite")[0]
