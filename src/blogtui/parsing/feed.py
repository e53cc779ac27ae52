"""Feed bytes to posts: the entry point, and the feedparser path for RSS, Atom and RDF."""

from __future__ import annotations

import html
from dataclasses import replace
from typing import Any
from urllib.parse import urldefrag

from ..content.sanitize import clean_line, clean_text
from ..content.text import TRUNCATED_RE, html_to_text, looks_truncated
from ..errors import NotAFeedError
from ..models import ParsedFeed, ParsedPost
from .common import (
    as_html,
    author_name,
    enclosure_links,
    from_struct,
    join_url,
    make_guid,
    short_error,
    sniff_json,
    tag_names,
    title_text,
    unique_guids,
)
from .jsonfeed import parse_json_feed

# Feed formats whose description/summary element is by definition a summary, not the post.
_SUMMARY_FORMATS = ("atom", "rss090", "rss10", "cdf")


def parse_feed(body: bytes, url: str = "") -> ParsedFeed:
    """Parse one feed document.

    Args:
        body: the raw bytes as fetched.
        url: where the document came from; relative links resolve against it.

    Raises:
        NotAFeedError: the bytes are not a readable feed; nothing else escapes, whatever the bytes
            (feedparser's own bugs on hostile input included: ``tests/test_fuzz_regressions.py``).
    """
    try:
        if sniff_json(body):
            return parse_json_feed(body, url)
        return _parse_xml_feed(body, url)
    except NotAFeedError:
        raise
    except RecursionError:
        raise NotAFeedError("not a feed: nested too deeply") from None
    except Exception as exc:  # noqa: BLE001 - a parser's bug on hostile bytes is a bad feed, not a crash
        cause = f"{type(exc).__name__}: {short_error(exc)}"
        raise NotAFeedError(f"not a feed: the parser failed on it ({cause})") from None


def _parse_xml_feed(body: bytes, url: str) -> ParsedFeed:
    # Sanitising and relative-URI passes are most of feedparser's time; the content package does both once,
    # when a post is first shown, so they are off here.
    # lxml and feedparser load on first use: commands that never parse start faster, and a run
    # whose feeds all take the fast path never imports feedparser (24 ms).
    from . import xml_fast

    doc = xml_fast.read(body, url)
    if doc is None:
        import feedparser

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
        detail = f" ({short_error(cause)})" if cause else ""
        raise NotAFeedError(f"not a feed{detail}")
    links = meta.get("links", []) or []
    # A feed read from disk may say where it lives (rel="self"): its relative links mean that place.
    home = url
    if not url.startswith("http"):
        own = next((join_url("", link.get("href")) for link in links if link.get("rel") == "self"), "")
        home = own if own.startswith(("http://", "https://")) else url
    site_url = join_url(home, meta.get("link"))
    # A feed read from disk resolves its posts' relative links against the blog, not the file.
    base = url if url.startswith("http") or not site_url.startswith("http") else site_url
    next_url = prev_archive = None
    for link in links:
        rel = link.get("rel")
        if rel == "next" and not next_url:
            next_url = join_url(url, link.get("href"))
        elif rel == "prev-archive" and not prev_archive:
            prev_archive = join_url(url, link.get("href"))
        elif rel == "alternate" and not site_url:
            site_url = join_url(base, link.get("href"))
    is_archive = "archive" in meta or b"<fh:archive" in body[:20000]
    summaries_only = version.startswith(_SUMMARY_FORMATS)
    posts = [_entry(entry, base or site_url, site_url, url, summaries_only) for entry in entries]
    feed_author = clean_line(author_name(meta.get("author") or ""))
    if feed_author:
        # An entry without an author was written by the feed's author (Atom's inheritance rule).
        posts = [p if p.author else replace(p, author=feed_author) for p in posts]
    bozo = doc.get("bozo_exception")
    partly = read_in_part(bozo, body) if bozo and entries else None
    return ParsedFeed(
        title=title_text(meta.get("title")) or site_url or clean_line(url),
        site_url=site_url,
        posts=tuple(unique_guids(posts)),
        next_url=next_url,
        prev_archive_url=prev_archive,
        is_archive=is_archive,
        bozo=short_error(bozo) if bozo and not entries else partly,
    )


def read_in_part(exc: Any, body: bytes) -> str | None:
    """Why a document that gave entries was read only in part ("the document ends early"), or
    None when it was read whole despite feedparser's complaint (whitespace before ``<?xml``, a
    declared encoding that was wrong)."""
    if type(exc).__name__ != "SAXParseException":
        return None
    message = str(exc.getMessage()) if hasattr(exc, "getMessage") else str(exc)
    if "declaration not at start" in message:
        return None
    line = exc.getLineNumber() if hasattr(exc, "getLineNumber") else 0
    last = len(body.rstrip().splitlines())
    if message in ("no element found", "unclosed token") and (not line or line >= last):
        return "the document ends early"
    return f"the document is ill-formed at line {line} ({clean_line(message)}), items after it may be missing"


def _text_of(fragment: str, texts: dict[str, str] | None) -> str:
    """html_to_text of ``fragment``, kept in ``texts`` (one entry's: its fields are converted
    once however many tests read them, and the post's text is then one of them, often)."""
    if texts is None:
        return html_to_text(fragment)
    text = texts.get(fragment)
    if text is None:
        text = texts[fragment] = html_to_text(fragment)
    return text


def summary_looks_truncated(fragment: str, texts: dict[str, str]) -> bool:
    """Whether an RSS description reads as the start of a post ("…", "[…]", "Read more").

    Its whole text is converted (as its control characters will be dropped, ``clean_text``) and
    kept in ``texts``: it is the post's own text too, unless enclosures' links follow it, so a
    description is converted once (converting its last 2,000 characters here, then all of it,
    was 5,000 conversions more per 10,000 posts of the bench corpus, half of them RSS)."""
    return looks_truncated(_text_of(clean_text(fragment), texts))


#: Text (characters) up to which a field much shorter than the other reads as its teaser.
TEASER_CHARS = 600


def _teaser_of(short_html: str, long_html: str, texts: dict[str, str] | None = None) -> bool:
    """Whether ``short_html`` is the start or a teaser of ``long_html`` (whose text is much longer)."""
    if len(short_html) >= len(long_html):
        return False
    short, long = _text_of(short_html, texts), _text_of(long_html, texts)
    if len(long) < len(short) * 1.25 + 40:
        return False  # about as long: the same text, or two teasers
    start = " ".join(TRUNCATED_RE.sub("", short).split())
    if start and " ".join(long[: len(start) * 2].split()).startswith(start):
        return True  # an excerpt: the article's first words
    return len(short) <= TEASER_CHARS and len(long) >= 3 * len(short)


def _content_base(detail: Any, link: str, base: str, doc_url: str) -> str:
    """The ``xml:base`` declared for an entry's HTML, when it differs from the entry's link."""
    declared = detail.get("base") if detail else ""
    # feedparser reports the document's own URL when nothing was declared.
    if not isinstance(declared, str) or not declared.strip() or declared == doc_url:
        return ""
    resolved = join_url(link or base, declared)
    if not resolved.startswith(("http://", "https://")):
        return ""
    if link and urldefrag(resolved)[0] == urldefrag(link)[0]:
        return ""
    return resolved


def _entry(entry: Any, base: str, site_url: str, doc_url: str, summaries_only: bool) -> ParsedPost:
    link = join_url(base, entry.get("link"))
    if not link:
        for candidate in entry.get("links", []) or []:
            if candidate.get("rel") in (None, "alternate") and candidate.get("href"):
                link = join_url(base, candidate["href"])
                break
    title = title_text(entry.get("title"))
    if "updated_dt" in entry:  # the fast path's datetimes (feedparser's time structs round trip)
        updated = entry["updated_dt"]
        published = entry["published_dt"] or updated
    else:
        published = from_struct(entry.get("published_parsed")) or from_struct(entry.get("updated_parsed"))
        updated = from_struct(entry.get("updated_parsed"))
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
                content_html, detail = as_html(item), item
                break
    summary = entry.get("summary") or ""
    summary_only = False
    texts: dict[str, str] = {}  # the text of each field converted (a test, then the post's text)
    if summary and "html" not in ((entry.get("summary_detail") or {}).get("type") or "html"):
        summary = as_html({"value": summary, "type": "text/plain"})
    if not content_html:
        content_html, summary, detail = summary, "", entry.get("summary_detail")
        summary_only = bool(content_html.strip()) and (
            summaries_only or summary_looks_truncated(content_html, texts)
        )
    elif summary and summary.strip() == content_html.strip():
        summary = ""
    elif summary and _teaser_of(content_html, summary, texts):
        # The "content" is a teaser of the description (Google's Cloud Blog nests an Open Graph
        # <description> that feedparser reads as the content): the longer one is the article.
        content_html, summary, detail = summary, content_html, entry.get("summary_detail")
    content_html += enclosure_links(
        [(e.get("href"), e.get("type"), "") for e in entry.get("enclosures") or []], base, content_html
    )
    content_html = clean_text(content_html)
    xml_base = _content_base(detail, link, base, doc_url)
    if not xml_base and not link and site_url.startswith("http") and not doc_url.startswith("http"):
        # Library.post would resolve against the feed's own (file) URL: use the blog's instead.
        xml_base = site_url
    if xml_base and content_html:
        content_html = f'<base href="{html.escape(xml_base)}">' + content_html
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
        summary_only=summary_only,
        content_html=content_html,
        text=_text_of(content_html, texts),
        tags=tag_names(entry.get("tags")),
    )
