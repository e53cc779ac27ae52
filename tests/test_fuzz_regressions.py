"""Every crasher the fuzzer found (``benchmarks/fuzz.py``), kept as a test once fixed.

The inputs are in ``tests/data/fuzz/TARGET-HASH.bin`` as the fuzzer wrote them; each must now
raise nothing but its layer's own error type. The issue's two hand-found cases are here too.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from blogtui.content.markdown import html_to_markdown
from blogtui.errors import InteropError, NotAFeedError, QueryError
from blogtui.interop import read_opml
from blogtui.parsing.feed import parse_feed
from blogtui.query import compile_query, parse

FUZZ = Path(__file__).parent / "data" / "fuzz"


def _feed(data: bytes) -> None:
    try:
        feed = parse_feed(data, "https://blog.example/feed.xml")
    except NotAFeedError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert all(isinstance(p.guid, str) for p in feed.posts)


def _markdown(data: bytes) -> None:
    assert isinstance(html_to_markdown(data.decode("utf-8", "replace"), "https://blog.example/p/"), str)


def _query(data: bytes) -> None:
    try:
        compile_query(parse(data.decode("utf-8", "replace")))
    except QueryError:
        pass


def _opml(data: bytes) -> None:
    try:
        read_opml(data, "fuzz.opml")
    except InteropError as exc:
        assert str(exc).startswith("fuzz.opml: ")


def _discovery(data: bytes) -> None:
    from blogtui.fetching.discovery import discover_links

    links = discover_links(data, "https://blog.example/")
    assert all(link.startswith(("http://", "https://")) for link in links)


def _pages(data: bytes) -> None:
    from blogtui.fetching.archive.pages import NotAPost, read_post

    try:
        post = read_post(data, "https://blog.example/2024/03/a-post/", "text/html")
    except NotAPost as exc:
        assert str(exc)
        return
    assert post.from_page


TARGETS: dict[str, Callable[[bytes], None]] = {
    "pages": _pages,
    "discovery": _discovery,
    "feed": _feed,
    "markdown": _markdown,
    "query": _query,
    "opml": _opml,
}


def _cases() -> list[pytest.param]:  # type: ignore[valid-type]
    return [
        pytest.param(path.name.split("-", 1)[0], path, id=path.stem)
        for path in sorted(FUZZ.glob("*.bin"))
        if path.name.split("-", 1)[0] in TARGETS
    ]


@pytest.mark.parametrize(("target", "path"), _cases())
def test_fuzz_crasher_is_fixed(target: str, path: Path) -> None:
    TARGETS[target](path.read_bytes())


def test_the_crashers_are_there() -> None:
    assert len(_cases()) >= 4


@pytest.mark.parametrize(
    "body",
    [
        # feedparser decodes the declared encoding's name as UTF-8.
        b'<?xml version="1.0" encoding="\xa1\xb4"?><rss version="2.0"><channel/></rss>',
        # ... and looks a NUL in it up as a codec.
        b'<?xml version="1.0" encoding="utf\x00-8"?><rss version="2.0"><channel/></rss>',
        # A media:player closed that was never opened.
        b'<rss xmlns:media="http://search.yahoo.com/mrss/"><channel><item></media:player></item></channel></rss>',
    ],
    ids=["encoding-0xa1", "encoding-nul", "media-player"],
)
def test_hostile_feeds_are_one_line_not_a_feed_errors(body: bytes) -> None:
    _feed(body)


def test_a_post_page_with_control_characters_in_its_article_is_read() -> None:
    words = "word " * 60
    page = (
        "<!doctype html><html><head>"
        "<meta property='article:published_time' content='2024-03-04T09:00:00Z'>"
        f"</head><body><div class='post-content'>{words}<script>x</script>\x0ctail {words}</div>"
        "</body></html>"
    ).encode()
    _pages(page)


def test_a_base_href_that_is_no_url_is_ignored() -> None:
    page = b'<base href="http://["><link rel="alternate" type="application/rss+xml" href="/feed">'
    _discovery(page)
