"""The reader shows the post asked for last: a worker overtaken by a newer one (``j j k enter``
typed fast) may still hand over its document, and it is dropped."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from blogtui.library import Library
from blogtui.ui.widgets.reader import render_post
from ui_harness import make_app, seeded_library, settle


@pytest.fixture
def demo(data_dir: Path) -> Iterator[Library]:
    library = seeded_library(data_dir)
    yield library
    library.close()


async def test_an_overtaken_workers_document_is_dropped(demo: Library) -> None:
    app = make_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        screen = app.screen
        first, second = demo.post_ids()[1:3]
        screen.load_post(first)
        await settle(pilot, app)
        assert screen.reader.post_id == first
        late = demo.post(second)
        assert late is not None
        screen._show_document(render_post(late, 80), False)  # what a stale worker would hand over
        assert screen.reader.post_id == first
        screen.load_post(second)  # asked for: shown
        await settle(pilot, app)
        assert screen.reader.post_id == second
