"""Every shape blogtui writes for others to read, in one place.

The ``--json`` objects (feeds, posts, tags, views), the JSON backup's post objects, a post as a
Markdown document (``show``, and ``export --format markdown`` with YAML front matter) and UTC
timestamps. Scripts outside this repository rely on these: docs/ARCHITECTURE.md lists every field,
and a test compares it with what the commands print.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone

from .content.sanitize import clean_line, clean_text
from .models import Feed, Post, PostRecord, Tag

#: What a post without any text shows instead.
NO_TEXT = "(this post has no text)"
UNTITLED = "(untitled)"


def iso(value: datetime | None) -> str | None:
    """A timestamp as UTC ISO 8601 (``2024-03-04T09:00:00Z``), as everywhere in blogtui's output."""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


# -- JSON ----------------------------------------------------------------------------------------


def feed_json(feed: Feed) -> dict[str, object]:
    """A feed as in ``blogtui feeds --json`` and the backup's ``feeds``."""
    return {
        "url": feed.url,
        "title": feed.title,
        "site_url": feed.site_url,
        "posts": feed.posts,
        "unread": feed.unread,
        "fetched_at": iso(feed.fetched_at),
        "error": feed.error,
        "archive_complete": feed.archive_complete,
        "archive_method": feed.archive_method,
        "archive_expected": feed.archive_expected,
        "archive_oldest": feed.archive_oldest.strftime("%Y-%m-%d") if feed.archive_oldest else None,
        "archive_note": feed.archive_note,
        "backlog": feed.backlog,
        "first_post": iso(feed.first_post),
        "latest_post": iso(feed.latest_post),
        "words": feed.words,
        "folder": feed.folder,
    }


def feed_counts(feed: Feed) -> str:
    """A feed's posts in words, as ``blogtui feeds`` and the reader say them: "16 posts, 6 unread,
    10 backlog"."""
    return f"{feed.posts} posts, {feed.unread} unread" + (f", {feed.backlog} backlog" if feed.backlog else "")


def feed_span(feed: Feed) -> str:
    """A feed's posts in time and size: "first post 2022-02-14, latest 2026-10-28, 2,797 words"."""
    words = f", {feed.words:,} words" if feed.words is not None else ""
    first = feed.first_post.strftime("%Y-%m-%d") if feed.first_post else "none dated"
    latest = feed.latest_post.strftime("%Y-%m-%d") if feed.latest_post else "none dated"
    return f"first post {first}, latest {latest}{words}"


def archive_words(feed: Feed) -> str:
    """How a feed's archive came home, in words: "412 posts via sitemap, complete, since 2009-03",
    "feed only: no sitemap, no paging found"."""
    if feed.archive_method is None and not feed.archive_complete:
        note = feed.archive_note or "archive not walked yet"
        return f"archive: feed only: {note}"
    how = f" via {feed.archive_method}" if feed.archive_method else ""
    state = "complete" if feed.archive_complete else f"incomplete ({feed.archive_note or 'reason unknown'})"
    since = f", since {feed.archive_oldest.strftime('%Y-%m')}" if feed.archive_oldest else ""
    expected = f" of {feed.archive_expected}" if feed.archive_expected else ""
    return f"archive: {feed.posts}{expected} posts{how}, {state}{since}"


def _post_fields(post: Post | PostRecord) -> dict[str, object]:
    """The fields every post object starts with (``posts --json``, ``show --json``, the backup)."""
    return {
        "id": post.id,
        "feed": post.feed_url,
        "feed_title": post.feed_title,
        "title": post.title,
        "url": post.url,
        "author": post.author,
        "published": iso(post.published),
    }


def post_json(post: PostRecord) -> dict[str, object]:
    """A post as in ``blogtui posts --json``."""
    return {
        **_post_fields(post),
        "tags": list(post.tags),
        "read": post.read,
        "starred": post.starred,
        "backlog": post.backlog,
    }


def post_backup_json(post: PostRecord) -> dict[str, object]:
    """A post as in the JSON backup: the ``--json`` fields, then guid, updated, the user's own
    tags apart, summary, the HTML and whether it is only the feed's summary."""
    return {
        **post_json(post),
        "guid": post.guid,
        "updated": iso(post.updated),
        "user_tags": list(post.user_tags),
        "summary": post.summary,
        "content_html": post.content_html,
        "summary_only": post.summary_only,
    }


def tag_json(tag: Tag) -> dict[str, object]:
    """A tag as in ``blogtui tags --json``."""
    return {"name": tag.name, "count": tag.count}


def view_json(name: str, query: str) -> dict[str, object]:
    """A saved view as in ``blogtui views --json`` and the backup's ``views``."""
    return {"name": name, "query": query}


def post_detail_json(post: Post, user_tags: Sequence[str] = ()) -> dict[str, object]:
    """One post as in ``blogtui show --json``: the ``--json`` fields (``tags`` the feed's), the
    user's own tags, updated, whether it is only the feed's summary, and its text as Markdown."""
    return {
        **_post_fields(post),
        "updated": iso(post.updated),
        "tags": list(post.tags),
        "user_tags": list(user_tags),
        "read": post.read,
        "starred": post.starred,
        "summary_only": post.summary_only,
        "markdown": clean_text(post.content_md or post.summary),
    }


# -- Markdown ------------------------------------------------------------------------------------


def _body(post: Post) -> str:
    return clean_text(post.content_md or post.summary).strip() or NO_TEXT


def post_markdown(post: Post, user_tags: Sequence[str] = ()) -> str:
    """A post as one Markdown document for reading (``blogtui show``): a header (title, feed,
    author, date, link, the feed's tags and the user's own) and its body. ``post.tags`` are shown
    as the feed's."""
    lines = [f"# {post.title or UNTITLED}", ""]
    meta = [post.feed_title]
    if post.author:
        meta.append(f"by {post.author}")
    if post.published:
        meta.append(post.published.strftime("%Y-%m-%d"))
    lines.append(" · ".join(m for m in meta if m))
    if post.url:
        lines.append(f"<{post.url}>")
    if post.tags:
        lines.append("Tags: " + ", ".join(post.tags))
    if user_tags:
        lines.append("Your tags: " + ", ".join(user_tags))
    lines += ["", post.content_md or post.summary or NO_TEXT, ""]
    return "\n".join(lines)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#!|~&])")


def literal(text: str) -> str:
    """Feed text as Markdown that renders exactly as written (no emphasis, links or headings)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _yaml(value: object) -> str:
    # A JSON scalar or list of strings is valid YAML (flow style): quoting is exact and safe.
    if isinstance(value, str):
        value = clean_line(value)
    elif isinstance(value, (list, tuple)):
        value = [clean_line(v) for v in value]
    return json.dumps(value, ensure_ascii=False)


def markdown_document(post: Post, feed_tags: Iterable[str], user_tags: Iterable[str]) -> str:
    """A post as a Markdown file (``export --format markdown``): YAML front matter (title, links,
    dates, tags, state), then its title and text."""
    meta: list[tuple[str, object]] = [
        ("title", post.title),
        ("id", post.id),
        ("url", post.url),
        ("feed", post.feed_url),
        ("feed_title", post.feed_title),
        ("author", post.author),
        ("published", iso(post.published)),
        ("updated", iso(post.updated)),
        ("tags", list(feed_tags)),
        ("user_tags", list(user_tags)),
        ("read", post.read),
        ("starred", post.starred),
    ]
    lines = ["---", *(f"{key}: {_yaml(value)}" for key, value in meta), "---", ""]
    lines += [f"# {clean_line(post.title) or UNTITLED}", "", _body(post), ""]
    return "\n".join(lines)
