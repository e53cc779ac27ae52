"""Feed documents (RSS, Atom, RDF via feedparser; JSON Feed via json) turned into ParsedFeed."""

from __future__ import annotations

import calendar
import hashlib
import html
import json
import re
from dataclasses import replace
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urldefrag, urljoin

from .content import clean_line, clean_text, html_to_text
from .models import ParsedFeed, ParsedPost

# How an RSS 2.0 description that is only the start of a post ends: "[…]", "Read more", ...
_TRUNCATED_RE = re.compile(
    r"(\[\s*(?:…|\.\.\.|&hellip;)\s*\]|…|\.\.\.|read more|continue reading|keep reading"
    r"|read the (?:full|rest)|more\s*(?:»|&raquo;|→)|\(more…?\))[\s\W]*$",
    re.IGNORECASE,
)
# Feed formats whose description/summary element is by definition a summary, not the post.
_SUMMARY_FORMATS = ("atom", "rss090", "rss10", "cdf")


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


def _join(base: str, href: Any) -> str:
    href = clean_line(href) if isinstance(href, str) else ""
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
    """Whether ``body`` looks like a JSON document rather than XML/HTML (UTF-8, -16 or -32)."""
    head = body[:512]
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff", b"\xff\xfe", b"\xfe\xff"):
        if head.startswith(bom):
            head = head[len(bom) :]
            break
    head = head.replace(b"\x00", b"").lstrip(b" \t\r\n")
    return head[:1] in (b"{", b"[")


def _unique_guids(posts: list[ParsedPost]) -> list[ParsedPost]:
    """Give distinct entries that share an id (a feed's bug) ids of their own, stable across fetches.

    An entry that repeats an earlier one exactly is dropped.

    The first keeps the id; a later one gets the id plus a hash of its link, title, date and text,
    so every entry of a document is stored and a re-fetch of the same document adds nothing.
    """
    seen: set[str] = set()
    firsts: dict[str, ParsedPost] = {}
    out = []
    for post in posts:
        guid = post.guid
        if guid in seen:
            if firsts.get(guid) == post:
                continue  # the same entry twice (e.g. broken nesting), not two posts
            stamp = post.published.isoformat() if post.published else ""
            key = "\x00".join((post.url, post.title, stamp, post.content_html))
            guid = f"{post.guid}#dup-{hashlib.sha1(key.encode('utf-8', 'replace')).hexdigest()[:12]}"
            number = 2
            while guid in seen:
                guid = f"{post.guid}#dup-{number}"
                number += 1
            post = replace(post, guid=guid)
        seen.add(guid)
        firsts.setdefault(guid, post)
        out.append(post)
    return out


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
    # lxml and feedparser load on first use: commands that never parse start faster.
    import feedparser

    from . import feed_xml

    doc = feed_xml.read(body, url) or feedparser.parse(
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
    # A feed read from disk may say where it lives (rel="self"): its relative links mean that place.
    home = url
    if not url.startswith("http"):
        own = next((_join("", link.get("href")) for link in links if link.get("rel") == "self"), "")
        home = own if own.startswith(("http://", "https://")) else url
    site_url = _join(home, meta.get("link"))
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
    summaries_only = version.startswith(_SUMMARY_FORMATS)
    posts = [_entry(entry, base or site_url, site_url, url, summaries_only) for entry in entries]
    feed_author = clean_line(author_name(meta.get("author") or ""))
    if feed_author:
        # An entry without an author was written by the feed's author (Atom's inheritance rule).
        posts = [p if p.author else replace(p, author=feed_author) for p in posts]
    bozo = doc.get("bozo_exception")
    return ParsedFeed(
        title=clean_line(meta.get("title")) or site_url or clean_line(url),
        site_url=site_url,
        posts=tuple(_unique_guids(posts)),
        next_url=next_url,
        prev_archive_url=prev_archive,
        is_archive=is_archive,
        bozo=_short_error(bozo) if bozo and not entries else None,
    )


def _short_error(exc: Any) -> str:
    text = clean_line(str(exc))
    return text[:160] or type(exc).__name__


def summary_looks_truncated(fragment: str) -> bool:
    """Whether an RSS description reads as the start of a post ("…", "[…]", "Read more")."""
    text = html_to_text(fragment[-2000:] if len(fragment) > 2000 else fragment)
    return bool(_TRUNCATED_RE.search(text[-200:]))


def _content_base(detail: Any, link: str, base: str, doc_url: str) -> str:
    """The ``xml:base`` declared for an entry's HTML, when it differs from the entry's link."""
    declared = detail.get("base") if detail else ""
    # feedparser reports the document's own URL when nothing was declared.
    if not isinstance(declared, str) or not declared.strip() or declared == doc_url:
        return ""
    resolved = _join(link or base, declared)
    if not resolved.startswith(("http://", "https://")):
        return ""
    if link and urldefrag(resolved)[0] == urldefrag(link)[0]:
        return ""
    return resolved


def _entry(entry: Any, base: str, site_url: str, doc_url: str, summaries_only: bool) -> ParsedPost:
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
    detail: Any = None
    contents = entry.get("content") or []
    for item in contents:
        if "html" in (item.get("type") or "html") and item.get("value"):
            content_html, detail = item.get("value") or "", item
            break
    if not content_html:
        for item in contents:
            if item.get("value"):
                content_html, detail = _as_html(item), item
                break
    summary = entry.get("summary") or ""
    summary_only = False
    if summary and "html" not in ((entry.get("summary_detail") or {}).get("type") or "html"):
        summary = _as_html({"value": summary, "type": "text/plain"})
    if not content_html:
        content_html, summary, detail = summary, "", entry.get("summary_detail")
        summary_only = bool(content_html.strip()) and (
            summaries_only or summary_looks_truncated(content_html)
        )
    elif summary and summary.strip() == content_html.strip():
        summary = ""
    content_html += _attachments(
        [(e.get("href"), e.get("type"), "") for e in entry.get("enclosures") or []], base, content_html
    )
    content_html = clean_text(content_html)
    xml_base = _content_base(detail, link, base, doc_url)
    if not xml_base and not link and site_url.startswith("http") and not doc_url.startswith("http"):
        # Library.post would resolve against the feed's own (file) URL: use the blog's instead.
        xml_base = site_url
    if xml_base and content_html:
        content_html = f'<base href="{html.escape(xml_base)}">' + content_html
    if summary_only:
        # The mark content.is_summary_only() reads: the summary stored as the content too.
        summary = content_html
    author = author_name(entry.get("author") or "")
    if not author:
        author_detail = entry.get("author_detail") or {}
        author = author_detail.get("name") or author_detail.get("email") or ""
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


_EMAIL_NAME_RE = re.compile(r"^\s*[^\s()<>@]+@[^\s()<>@]+\s*\(\s*([^()]*?)\s*\)\s*$")
_NAME_EMAIL_RE = re.compile(r"^\s*([^<>@]*?)\s*<\s*[^\s<>@]+@[^\s<>]+\s*>\s*$")
# feedparser writes an Atom author with a name and an email as "Name (email)".
_NAME_PAREN_EMAIL_RE = re.compile(r"^\s*([^()@]*?)\s*\(\s*[^\s()<>@]+@[^\s()<>@]+\s*\)\s*$")


def author_name(raw: str) -> str:
    """The person's name from ``email (Name)``, ``Name <email>`` or ``Name (email)``, else ``raw``.

    A reader wants "Ann Author", not "ann@some.example (Ann Author)"; both parse paths use this,
    so they agree.
    """
    match = _EMAIL_NAME_RE.match(raw) or _NAME_EMAIL_RE.match(raw) or _NAME_PAREN_EMAIL_RE.match(raw)
    return match.group(1) if match and match.group(1) else raw


def _attachments(items: list[tuple[Any, Any, Any]], base: str, content_html: str) -> str:
    """Links to a post's enclosures (podcast audio, video, files) that its HTML does not show yet."""
    out = []
    for href, kind, title in items:
        url = _join(base, href)
        if not url.startswith(("http://", "https://")) or url in content_html:
            continue
        major = (
            kind.split("/")[0] if isinstance(kind, str) and kind.startswith(("audio/", "video/")) else "file"
        )
        name = clean_line(title) if isinstance(title, str) and title.strip() else url.rsplit("/", 1)[-1]
        out.append(f'<p><a href="{_escape_text(url)}">{major}: {_escape_text(name or url)}</a></p>')
    return "".join(out)


def _as_html(detail: Any) -> str:
    """An Atom/RSS text construct as HTML (plain text is escaped, paragraphs kept)."""
    value = detail.get("value") or ""
    if "html" in (detail.get("type") or "html"):
        return value
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", value) if p.strip()]
    return "".join("<p>" + _escape_text(p).replace("\n", "<br>") + "</p>" for p in paragraphs)


def _json_text(body: bytes) -> str:
    try:
        return body.decode(json.detect_encoding(body))
    except (UnicodeDecodeError, LookupError):
        return body.decode("utf-8", errors="replace")


def _load_json(body: bytes) -> Any:
    # strict=False lets raw control characters through inside strings: clean_text removes them.
    text = _json_text(body).lstrip("\ufeff")
    try:
        return json.loads(text, strict=False)
    except ValueError:
        salvaged = _salvage_json_feed(text)
        if salvaged is None:
            raise
        return salvaged


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


def _parse_json_feed(body: bytes, url: str) -> ParsedFeed:
    try:
        doc = _load_json(body)
    except (ValueError, RecursionError) as exc:
        raise NotAFeedError(f"not a feed (bad JSON: {_short_error(exc)})") from None
    if isinstance(doc, dict) and isinstance(doc.get("rss"), dict):
        return _parse_rss_in_json(doc["rss"], url)
    # A JSON Feed names its version; one that forgot but has an items list is read anyway.
    if not isinstance(doc, dict) or (
        "jsonfeed.org" not in str(doc.get("version", "")) and not isinstance(doc.get("items"), list)
    ):
        raise NotAFeedError("not a feed (JSON without a JSON Feed version)")
    feed_url = _join(url, doc.get("feed_url")) if isinstance(doc.get("feed_url"), str) else ""
    site_url = _join(url, doc.get("home_page_url")) if isinstance(doc.get("home_page_url"), str) else ""
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
        link = _join(base, _str(item.get("url")) or _str(item.get("external_url")))
        title = clean_line(_str(item.get("title")))
        published = _iso(item.get("date_published")) or _iso(item.get("date_modified"))
        content_html = _str(item.get("content_html"))
        if not content_html and _str(item.get("content_text")):
            content_html = _as_html({"value": item["content_text"], "type": "text/plain"})
        summary = _str(item.get("summary"))
        summary_only = bool(summary) and not content_html
        if not content_html and summary:
            content_html, summary = _as_html({"value": summary, "type": "text/plain"}), ""
        image = _str(item.get("image"))
        if image and image not in content_html:
            content_html += f'<p><img src="{_escape_text(_join(base, image))}" alt="image"></p>'
        attachments = [a for a in item.get("attachments") or [] if isinstance(a, dict)]
        content_html += _attachments(
            [(a.get("url"), a.get("mime_type"), a.get("title")) for a in attachments], base, content_html
        )
        content_html = clean_text(content_html)
        if summary_only:
            summary = content_html  # only a summary: content.is_summary_only() reads this mark
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
        title=clean_line(_str(doc.get("title"))) or site_url or clean_line(url),
        site_url=site_url,
        posts=tuple(_unique_guids(posts)),
        next_url=_join(base, next_url) if next_url else None,
    )


def _rfc822(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return _iso(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def _parse_rss_in_json(rss: dict[str, Any], url: str) -> ParsedFeed:
    """Dave Winer's RSS-in-JSON (scripting.com's ``rss.json``): RSS 2.0 elements as JSON keys."""
    channel = rss.get("channel")
    if not isinstance(channel, dict):
        raise NotAFeedError("not a feed (RSS-in-JSON without a channel)")
    site_url = _join(url, _str(channel.get("link")))
    base = url if url.startswith("http") or not site_url.startswith("http") else site_url
    items = channel.get("item") or []
    if isinstance(items, dict):
        items = [items]
    posts = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        link = _join(base, _str(item.get("link")))
        title = clean_line(_str(item.get("title")))
        published = _rfc822(item.get("pubDate"))
        content_html = clean_text(_str(item.get("description")))
        guid = item.get("guid")
        if isinstance(guid, dict):
            guid = guid.get("value") or guid.get("#text")
        categories = item.get("category") or []
        if not isinstance(categories, list):
            categories = [categories]
        names = [
            c if isinstance(c, str) else _str(c.get("value"))
            for c in categories
            if isinstance(c, (str, dict))
        ]
        posts.append(
            ParsedPost(
                guid=make_guid(_str(guid), link, title, published),
                url=link,
                title=title,
                author=clean_line(_str(item.get("author"))),
                published=published,
                content_html=content_html,
                text=html_to_text(content_html),
                tags=_tags(names),
            )
        )
    return ParsedFeed(
        title=clean_line(_str(channel.get("title"))) or site_url or clean_line(url),
        site_url=site_url,
        posts=tuple(_unique_guids(posts)),
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
