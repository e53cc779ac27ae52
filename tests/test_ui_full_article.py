"""`F` in the reader: a summary-only post gets its article from the web page; a whole one is left alone."""

from __future__ import annotations

from pathlib import Path

from blogtui.ui.widgets.reader import ReaderView
from feedserver import FeedServer
from test_content_article import ARTICLE_PAGE, _feed
from ui_harness import make_app, press, seeded_library, settle

SIZE = (120, 36)


def _reader_text(reader: ReaderView) -> str:
    assert reader.document is not None
    return "\n".join(strip.text for strip in reader.document.strips)


async def test_f_fetches_the_article_of_a_summary_only_post(data_dir: Path, server: FeedServer) -> None:
    server.add("/feed.xml", _feed(server), content_type="application/atom+xml")
    server.add("/posts/caches/", ARTICLE_PAGE, content_type="text/html; charset=utf-8")
    library = seeded_library(data_dir, server.url("/feed.xml"))
    app = make_app(library)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, app)
            reader = app.screen.query_one(ReaderView)
            assert "summary only — press F to fetch the full article" in _reader_text(reader)
            await press(pilot, "F")
            await settle(pilot, app)
            text = _reader_text(reader)
            assert "summary only" not in text
            assert "number 8." in text and "SIDEBAR" not in text
            assert "saved for offline reading" in str(app.screen.query_one("#status").render())
            assert len(server.hits("/posts/caches/")) == 1
    finally:
        library.close()


async def test_f_leaves_a_post_that_holds_its_whole_article_alone(data_dir: Path, server: FeedServer) -> None:
    whole = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Whole</title><id>urn:w</id>
<link href="{server.url("/")}"/><updated>2025-01-01T00:00:00Z</updated>
<entry><title>All here</title><id>urn:all</id><link href="{server.url("/posts/all/")}"/>
<updated>2025-01-01T00:00:00Z</updated><summary>A short summary.</summary>
<content type="html">&lt;p&gt;The whole article, every word of it.&lt;/p&gt;</content></entry>
</feed>"""
    server.add("/feed.xml", whole, content_type="application/atom+xml")
    server.add("/posts/all/", ARTICLE_PAGE, content_type="text/html; charset=utf-8")
    library = seeded_library(data_dir, server.url("/feed.xml"))
    app = make_app(library)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, app)
            before = _reader_text(app.screen.query_one(ReaderView))
            await press(pilot, "F")
            await settle(pilot, app)
            assert "already holds the whole article" in str(app.screen.query_one("#status").render())
            assert server.hits("/posts/all/") == []  # nothing was fetched
            assert _reader_text(app.screen.query_one(ReaderView)) == before
    finally:
        library.close()
