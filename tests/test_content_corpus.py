"""Content fidelity on the real-world posts the issues name (issue 14): each test reads one corpus
item and checks what the reader gets from it. Without the corpus (tests/corpus.py) they skip."""

from __future__ import annotations

from pathlib import Path

import pytest

from blogtui.content.markdown import html_to_markdown
from blogtui.content.text import wants_full_article
from blogtui.models import ParsedFeed, ParsedPost, Post
from blogtui.parsing.feed import parse_feed
from corpus import CORPUS, absent_reason

NO_CORPUS = absent_reason()
pytestmark = pytest.mark.skipif(NO_CORPUS is not None, reason=NO_CORPUS or "")


def _feed(name: str) -> ParsedFeed:
    path: Path = CORPUS / name
    return parse_feed(path.read_bytes(), path.resolve().as_uri())


def _post(feed: ParsedFeed, title: str) -> ParsedPost:
    return next(p for p in feed.posts if p.title.startswith(title))


def _stored(post: ParsedPost) -> Post:
    return Post(
        id=1, feed_id=1, guid=post.guid, summary=post.summary, content_html=post.content_html,
        summary_only=post.summary_only,
    )  # fmt: skip


def test_cloud_blog_posts_hold_the_whole_article() -> None:
    """rss/nnw_cloudblog.rss: the 22 KB articles in <description>, not the one-sentence Open Graph
    description beside them; searchable, and F has nothing to add."""
    feed = _feed("rss/nnw_cloudblog.rss")
    assert len(feed.posts) == 20
    for post in feed.posts:
        assert len(post.content_html) > 2000, post.title
        assert len(post.summary) < 300, post.title
        assert not wants_full_article(_stored(post)), post.title
    pixelbook = _post(feed, "Build a dev workflow with Cloud Code on a Pixelbook")
    assert "I switched to a Pixelbook for development" in pixelbook.text


def test_chat_log_keeps_its_lines() -> None:
    """rss/miniflux_encoding_WINDOWS-1251.xml, "Цитата #17703": "line <br />" (a space before each
    break) keeps one speaker per line."""
    post = _post(_feed("rss/miniflux_encoding_WINDOWS-1251.xml"), "Цитата #17703")
    lines = html_to_markdown(post.content_html, post.url).split("\n")
    assert len(lines) == 4
    assert all(line.startswith(("xxx: ", "yyy: ")) for line in lines)
    assert all(line.endswith("  ") for line in lines[:-1])  # hard breaks
