"""Feed documents (RSS, Atom, RDF via feedparser; JSON Feed via json) turned into ParsedFeed."""

from __future__ import annotations

import calendar
import hashlib
import json
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urljoin

import feedparser

from .content import clean_line, clean_text, html_to_text
from .models import ParsedFeed, ParsedPost


class NotAFeedError(Exception):
    """The document is not a feed blogtui can read."""


def _when(struct: Any) -> datetime | None:
    if not struct:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(struct), tz=timezone.utc)
    except (TypeError, ValueError, OverflowError):
        return None


def _iso(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def _join(base: str, href: str | None) -> str:
    href = (href or "").strip()
    if not href:
        return ""
    try:
        return urljoin(base, href) if base else href
    except ValueError:
        return href


def make_guid(guid: str | None, url: str, title: str, published: datetime | None) -> str:
    """A post's identity: its feed id, else its link, else a hash of title and date."""
    guid = clean_line(guid)
    if guid:
        return guid
    if url:
        return url
    stamp = published.isoformat() if published else ""
    return "sha1:" + hashlib.sha1(f"{title}\x00{stamp}".encode()).hexdigest()


def _tags(raw: list[Any] | None) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for item in raw or ():
        if isinstance(item, dict):
            name = item.get("label") or item.get("term") or ""
        else:
            name = str(item)
        name = clean_line(name)
        if name and name.casefold() not in seen:
            seen[name.casefold()] = name
    return tuple(seen.values())


def sniff_json(body: bytes) -> bool:
    """Whether ``body`` looks like a JSON document rather than XML/HTML."""
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head[:1] in (b"{", b"[")


def parse_feed(body: bytes, url: str = "") -> ParsedFeed:
    """Parse one feed document.

    Args:
        body: the raw bytes as fetched.
        url: where the document came from; relative links resolve against it.

    Raises:
        NotAFeedError: the bytes are not a readable feed.
    """
    if sniff_json(body):
        return _parse_json_feed(body, url)
    return _parse_xml_feed(body, url)


def _parse_xml_feed(body: bytes, url: str) -> ParsedFeed:
    # Sanitising and relative-URI passes are most of feedparser's time; content.py does both once,
    # when a post is first shown, so they are off here.
    doc = feedparser.parse(
        body,
        sanitize_html=False,
        resolve_relative_uris=False,
        response_headers={"content-location": url} if url.startswith("http") else None,
    )
    meta = doc.get("feed", {})
    entries = doc.get("entries", [])
    version = doc.get("version", "")
    if not version and not entries:
        cause = doc.get("bozo_exception")
        detail = f" ({_short_error(cause)})" if cause else ""
        raise NotAFeedError(f"not a feed{detail}")
    links = meta.get("links", []) or []
    site_url = _join(url, meta.get("link"))
    # A feed read from disk resolves its posts' relative links against the blog, not the file.
    base = url if url.startswith("http") or not site_url.startswith("http") else site_url
    next_url = prev_archive = None
    for link in links:
        rel = link.get("rel")
        if rel == "next" and not next_url:
            next_url = _join(url, link.get("href"))
        elif rel == "prev-archive" and not prev_archive:
            prev_archive = _join(url, link.get("href"))
        elif rel == "alternate" and not site_url:
            site_url = _join(base, link.get("href"))
    is_archive = "archive" in meta or b"<fh:archive" in body[:20000]
    posts = []
    for entry in entries:
        posts.append(_entry(entry, base or site_url))
    bozo = doc.get("bozo_exception")
    return ParsedFeed(
        title=clean_line(meta.get("title")) or clean_line(site_url) or url,
        site_url=site_url,
        posts=tuple(posts),
        next_url=next_url,
        prev_archive_url=prev_archive,
        is_archive=is_archive,
        bozo=_short_error(bozo) if bozo and not entries else None,
    )


def _short_error(exc: Any) -> str:
    text = " ".join(str(exc).split())
    return text[:160] or type(exc).__name__


def _entry(entry: Any, base: str) -> ParsedPost:
    link = _join(base, entry.get("link"))
    if not link:
        for candidate in entry.get("links", []) or []:
            if candidate.get("rel") in (None, "alternate") and candidate.get("href"):
                link = _join(base, candidate["href"])
                break
    title = clean_line(entry.get("title"))
    published = _when(entry.get("published_parsed")) or _when(entry.get("updated_parsed"))
    updated = _when(entry.get("updated_parsed"))
    content_html = ""
    contents = entry.get("content") or []
    for item in contents:
        if "html" in (item.get("type") or "html"):
            content_html = item.get("value") or ""
            break
    if not content_html and contents:
        content_html = contents[0].get("value") or ""
    summary = entry.get("summary") or ""
    if not content_html:
        content_html, summary = summary, ""
    elif summary and summary.strip() == content_html.strip():
        summary = ""
    author = entry.get("author") or ""
    if not author:
        detail = entry.get("author_detail") or {}
        author = detail.get("name") or detail.get("email") or ""
    content_html = clean_text(content_html)
    return ParsedPost(
        guid=make_guid(entry.get("id"), link, title, published),
        url=link,
        title=title,
        author=clean_line(author),
        published=published,
        updated=updated,
        summary=clean_text(summary),
        content_html=content_html,
        text=html_to_text(content_html),
        tags=_tags(entry.get("tags")),
    )


def _parse_json_feed(body: bytes, url: str) -> ParsedFeed:
    try:
        doc = json.loads(body.decode("utf-8-sig", errors="replace"))
    except ValueError as exc:
        raise NotAFeedError(f"not a feed (bad JSON: {_short_error(exc)})") from None
    if not isinstance(doc, dict) or "jsonfeed.org" not in str(doc.get("version", "")):
        raise NotAFeedError("not a feed (JSON without a JSON Feed version)")
    feed_url = _join(url, doc.get("feed_url")) if isinstance(doc.get("feed_url"), str) else ""
    site_url = _join(url, doc.get("home_page_url")) if isinstance(doc.get("home_page_url"), str) else ""
    base = url or feed_url or site_url
    default_author = _json_author(doc)
    posts = []
    for item in doc.get("items") or []:
        if not isinstance(item, dict):
            continue
        link = _join(base, _str(item.get("url")) or _str(item.get("external_url")))
        title = clean_line(_str(item.get("title")))
        published = _iso(item.get("date_published")) or _iso(item.get("date_modified"))
        content_html = _str(item.get("content_html"))
        if not content_html and item.get("content_text"):
            content_html = "<p>" + _escape_text(_str(item.get("content_text"))) + "</p>"
        summary = _str(item.get("summary"))
        if not content_html and summary:
            content_html, summary = "<p>" + _escape_text(summary) + "</p>", ""
        image = _str(item.get("image"))
        if image and image not in content_html:
            content_html += f'<p><img src="{_escape_text(_join(base, image))}" alt="image"></p>'
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
                updated=_iso(item.get("date_modified")),
                summary=clean_text(summary),
                content_html=content_html,
                text=html_to_text(content_html),
                tags=_tags([t for t in item.get("tags") or [] if isinstance(t, str)]),
            )
        )
    next_url = _str(doc.get("next_url"))
    return ParsedFeed(
        title=clean_line(_str(doc.get("title"))) or site_url or url,
        site_url=site_url,
        posts=tuple(posts),
        next_url=_join(base, next_url) if next_url else None,
    )


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _escape_text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _json_author(obj: dict[str, Any]) -> str:
    authors = obj.get("authors")
    if isinstance(authors, list) and authors and isinstance(authors[0], dict):
        return _str(authors[0].get("name"))
    author = obj.get("author")
    if isinstance(author, dict):
        return _str(author.get("name"))
    return ""
