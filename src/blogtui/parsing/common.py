"""What both feed paths share: dates, links, guids, tags, authors, enclosures and text constructs."""

from __future__ import annotations

import calendar
import hashlib
import html
import re
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urljoin

from ..content.sanitize import clean_line
from ..content.text import title_from_markup
from ..models import ParsedPost


def from_struct(struct: Any) -> datetime | None:
    if not struct:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(struct), tz=timezone.utc)
    except (TypeError, ValueError, OverflowError):
        return None


def from_iso(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def join_url(base: str, href: Any) -> str:
    """``href`` (any value a parser gave) resolved against ``base``; '' unless it is a string."""
    link = clean_line(href) if isinstance(href, str) else ""
    if not link:
        return ""
    if link.startswith(("http://", "https://")) and not any(c in link for c in ";?#"):
        return link  # absolute already: what urljoin gives back (its parse and unparse, 40 µs)
    try:
        return urljoin(base, link) if base else link
    except ValueError:
        return link


def make_guid(guid: str | None, url: str, title: str, published: datetime | None) -> str:
    """A post's identity: its feed id, else its link, else a hash of title and date."""
    guid = clean_line(guid)
    if guid:
        return guid
    if url:
        return url
    stamp = published.isoformat() if published else ""
    return "sha1:" + hashlib.sha1(f"{title}\x00{stamp}".encode()).hexdigest()


def title_text(value: Any, *, markup: bool = True) -> str:
    """A title as one clean line of text, its character references decoded (``Add Task &amp; Sub
    Tasks``: JSON Feed titles are plain text, yet feeds write them as HTML).

    ``markup``: the title may hold HTML (RSS and Atom): markup in it (``<b>Slack</b>``,
    ``&lt;em&gt;x&lt;/em&gt;``, ``ft<sup>2</sup>``) reads as the reader shows it ("Slack", "x",
    "ft²"; content/text.py ``title_from_markup``). A JSON Feed title is plain text by its spec:
    "<i> und <b>" there are the characters written.
    """
    text = value if isinstance(value, str) else ""
    if markup and ("&" in text or "<" in text):
        text = title_from_markup(text)
    elif "&" in text:
        text = html.unescape(text)
    return clean_line(text)


def tag_names(raw: list[Any] | str | None) -> tuple[str, ...]:
    """Tag names, first spelling of each kept; a string is a comma-separated list."""
    if isinstance(raw, str):
        raw = raw.split(",")  # JSON Feed "tags": "workflow,omnifocus" is two tags, not 17 letters
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


def unique_guids(posts: list[ParsedPost]) -> list[ParsedPost]:
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


def short_error(exc: Any) -> str:
    text = clean_line(str(exc))
    return text[:160] or type(exc).__name__


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


def enclosure_links(items: list[tuple[Any, Any, Any]], base: str, content_html: str) -> str:
    """Links to a post's enclosures (podcast audio, video, files) that its HTML does not show yet."""
    out = []
    for href, kind, title in items:
        url = join_url(base, href)
        if not url.startswith(("http://", "https://")) or url in content_html:
            continue
        major = (
            kind.split("/")[0] if isinstance(kind, str) and kind.startswith(("audio/", "video/")) else "file"
        )
        name = clean_line(title) if isinstance(title, str) and title.strip() else url.rsplit("/", 1)[-1]
        out.append(f'<p><a href="{escape_text(url)}">{major}: {escape_text(name or url)}</a></p>')
    return "".join(out)


def as_html(detail: Any) -> str:
    """An Atom/RSS text construct as HTML (plain text is escaped, paragraphs kept)."""
    value = detail.get("value") or ""
    if "html" in (detail.get("type") or "html"):
        return value
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", value) if p.strip()]
    return "".join("<p>" + escape_text(p).replace("\n", "<br>") + "</p>" for p in paragraphs)


def as_str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def escape_text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
