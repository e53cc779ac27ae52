"""Posts made in a test, as a parser hands them to the store."""

from __future__ import annotations

from datetime import datetime, timezone

from blogtui.content.text import html_to_text
from blogtui.models import ParsedPost


def dated_post(site: str, guid: str, title: str, body: str, day: int, author: str) -> ParsedPost:
    """A post of ``site`` (a host) whose body is one paragraph, published on day ``day`` of
    January 2024, its search text made as ingest makes it."""
    html = f"<p>{body}</p>"
    return ParsedPost(
        guid=guid,
        url=f"https://{site}/{guid}",
        title=title,
        author=author,
        published=datetime(2024, 1, day, tzinfo=timezone.utc),
        content_html=html,
        text=html_to_text(html),
    )
