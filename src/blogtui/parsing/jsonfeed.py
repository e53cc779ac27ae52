"""JSON Feed 1.0 and 1.1 (and RSS written as JSON) turned into ParsedFeed."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from ..content.sanitize import clean_line, clean_text
from ..content.text import html_to_text
from ..errors import NotAFeedError
from ..models import ParsedFeed, ParsedPost
from .common import (
    as_html,
    as_str,
    enclosure_links,
    escape_text,
    from_iso,
    join_url,
    make_guid,
    short_error,
    tag_names,
    title_text,
    unique_guids,
)


def _json_text(body: bytes) -> str:
    try:
        return body.decode(json.detect_encoding(body))
    except (UnicodeDecodeError, LookupError):
        return body.decode("utf-8", errors="replace")


def _load_json(body: bytes) -> tuple[Any, bool]:
    """The document, and whether it was salvaged (only its complete items: it ends early)."""
    # strict=False lets raw control characters through inside strings: clean_text removes them.
    text = _json_text(body).lstrip("\ufeff")
    try:
        return json.loads(text, strict=False), False
    except ValueError:
        salvaged = _salvage_json_feed(text)
        if salvaged is None:
            raise
        return salvaged, True


def _salvage_json_feed(text: str) -> dict[str, Any] | None:
    """The readable start of a truncated JSON Feed: its title and every complete item."""
    start = re.search(r'"items"\s*:\s*\[', text)
    if start is None:
        return None
    decoder = json.JSONDecoder(strict=False)
    head: dict[str, Any] = {}
    for key in ("title", "home_page_url", "feed_url"):
        match = re.search(rf'"{key}"\s*:\s*("(?:[^"\\]|\\.)*")', text[: start.start()])
        if match:
            try:
                head[key] = decoder.decode(match.group(1))
            except ValueError:
                pass
    items = []
    index = start.end()
    while True:
        while index < len(text) and text[index] in " \t\r\n,":
            index += 1
        if index >= len(text) or text[index] != "{":
            break
        try:
            item, index = decoder.raw_decode(text, index)
        except ValueError:
            break
        items.append(item)
    if not items:
        return None
    head["items"] = items
    return head


def parse_json_feed(body: bytes, url: str) -> ParsedFeed:
    try:
        doc, salvaged = _load_json(body)
    except (ValueError, RecursionError) as exc:
        raise NotAFeedError(f"not a feed (bad JSON: {short_error(exc)})") from None
    if isinstance(doc, dict) and isinstance(doc.get("rss"), dict):
        return _parse_rss_in_json(doc["rss"], url)
    # A JSON Feed names its version; one that forgot but has an items list is read anyway.
    if not isinstance(doc, dict) or (
        "jsonfeed.org" not in str(doc.get("version", "")) and not isinstance(doc.get("items"), list)
    ):
        raise NotAFeedError("not a feed (JSON without a JSON Feed version)")
    feed_url = join_url(url, doc.get("feed_url")) if isinstance(doc.get("feed_url"), str) else ""
    site_url = join_url(url, doc.get("home_page_url")) if isinstance(doc.get("home_page_url"), str) else ""
    # A feed read from disk resolves its posts' relative links against the blog, not the file.
    base = (
        url
        if url.startswith("http")
        else next((u for u in (feed_url, site_url) if u.startswith("http")), url)
    )
    default_author = _json_author(doc)
    posts = []
    for item in doc.get("items") or []:
        if not isinstance(item, dict):
            continue
        link = join_url(base, as_str(item.get("url")) or as_str(item.get("external_url")))
        title = title_text(item.get("title"), markup=False)
        published = from_iso(item.get("date_published")) or from_iso(item.get("date_modified"))
        content_html = as_str(item.get("content_html"))
        if not content_html and as_str(item.get("content_text")):
            content_html = as_html({"value": item["content_text"], "type": "text/plain"})
        summary = as_str(item.get("summary"))
        summary_only = bool(summary) and not content_html
        if not content_html and summary:
            content_html, summary = as_html({"value": summary, "type": "text/plain"}), ""
        image = as_str(item.get("image"))
        if image and image not in content_html:
            content_html += f'<p><img src="{escape_text(join_url(base, image))}" alt="image"></p>'
        attachments = [a for a in item.get("attachments") or [] if isinstance(a, dict)]
        content_html += enclosure_links(
            [(a.get("url"), a.get("mime_type"), a.get("title")) for a in attachments], base, content_html
        )
        content_html = clean_text(content_html)
        raw_id = item.get("id")
        guid_value = str(raw_id) if raw_id is not None and not isinstance(raw_id, (dict, list)) else ""
        posts.append(
            ParsedPost(
                guid=make_guid(guid_value, link, title, published),
                url=link,
                title=title,
                author=clean_line(_json_author(item) or default_author),
                published=published,
                updated=from_iso(item.get("date_modified")),
                summary=clean_text(summary),
                summary_only=summary_only,
                content_html=content_html,
                text=html_to_text(content_html),
                tags=tag_names(_json_tags(item.get("tags"))),
            )
        )
    next_url = as_str(doc.get("next_url"))
    return ParsedFeed(
        title=title_text(doc.get("title"), markup=False) or site_url or clean_line(url),
        site_url=site_url,
        posts=tuple(unique_guids(posts)),
        next_url=join_url(base, next_url) if next_url else None,
        bozo="the document ends early" if salvaged else None,
    )


def _rfc822(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return from_iso(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def _parse_rss_in_json(rss: dict[str, Any], url: str) -> ParsedFeed:
    """Dave Winer's RSS-in-JSON (scripting.com's ``rss.json``): RSS 2.0 elements as JSON keys."""
    channel = rss.get("channel")
    if not isinstance(channel, dict):
        raise NotAFeedError("not a feed (RSS-in-JSON without a channel)")
    site_url = join_url(url, as_str(channel.get("link")))
    base = url if url.startswith("http") or not site_url.startswith("http") else site_url
    items = channel.get("item") or []
    if isinstance(items, dict):
        items = [items]
    posts = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        link = join_url(base, as_str(item.get("link")))
        title = title_text(item.get("title"), markup=False)
        published = _rfc822(item.get("pubDate"))
        content_html = clean_text(as_str(item.get("description")))
        guid = item.get("guid")
        if isinstance(guid, dict):
            guid = guid.get("value") or guid.get("#text")
        categories = item.get("category") or []
        if not isinstance(categories, list):
            categories = [categories]
        names = [
            c if isinstance(c, str) else as_str(c.get("value"))
            for c in categories
            if isinstance(c, (str, dict))
        ]
        posts.append(
            ParsedPost(
                guid=make_guid(as_str(guid), link, title, published),
                url=link,
                title=title,
                author=clean_line(as_str(item.get("author"))),
                published=published,
                content_html=content_html,
                text=html_to_text(content_html),
                tags=tag_names(names),
            )
        )
    return ParsedFeed(
        title=title_text(channel.get("title"), markup=False) or site_url or clean_line(url),
        site_url=site_url,
        posts=tuple(unique_guids(posts)),
    )


def _json_tags(tags: Any) -> list[str] | str:
    """A JSON Feed item's tags: an array of strings, or (as some feeds write it) one string."""
    if isinstance(tags, str):
        return tags
    return [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []


def _json_author(obj: dict[str, Any]) -> str:
    authors = obj.get("authors")
    if isinstance(authors, list) and authors and isinstance(authors[0], dict):
        return as_str(authors[0].get("name"))
    author = obj.get("author")
    if isinstance(author, dict):
        return as_str(author.get("name"))
    return ""
