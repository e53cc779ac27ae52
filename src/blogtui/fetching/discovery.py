"""Finding a blog's feed: whether a response is a page, the feeds a page declares, the usual places."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from ..models import FetchResult

if TYPE_CHECKING:
    pass

FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
)
#: Declared alternates that are the blog's own feeds rather than an API or the comments.
_FEED_TYPES_FIRST = (*FEED_TYPES[:3], "application/rdf+xml")
_NOT_FEEDS = re.compile(r"/comments/feed/?$|/wp-json/|[?&]format=oembed|/oembed", re.I)
#: Paths tried when a page names no feed, first relative to the page, then at the site root.
GUESSES = ("feed.xml", "atom.xml", "rss.xml", "index.xml", "feed/", "feed", "rss")
_FEED_ROOT = re.compile(rb"<(?:rss|feed|rdf:rdf)\b")


def looks_like_html(result: FetchResult) -> bool:
    """Whether a response is a web page rather than a feed.

    The bytes win over the Content-Type: many servers send RSS as ``text/html``.
    """
    head = result.body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return True
    if head.startswith(b"<?xml"):
        return b"<html" in head and not _FEED_ROOT.search(head)
    if head.startswith((b"<rss", b"<feed", b"<rdf", b"{")):
        return False
    ctype = result.content_type.split(";")[0].strip().lower()
    return ctype in ("text/html", "application/xhtml+xml")


class _LinkFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self.base: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "base" and values.get("href") and self.base is None:
            self.base = values["href"]
        if tag not in ("link", "a"):
            return
        rels = values.get("rel", "").lower().split()
        kind = values.get("type", "").split(";")[0].strip().lower()
        if "alternate" in rels and kind in FEED_TYPES and values.get("href"):
            self.links.append((kind, values["href"]))


def discover_links(html: bytes, page_url: str) -> list[str]:
    """Feed URLs a page declares with ``<link rel="alternate">``, in page order, absolute; http
    and https only, unless the page is itself a local file (``file:``) the user named."""
    finder = _LinkFinder()
    try:
        finder.feed(html.decode("utf-8", errors="replace"))
        finder.close()
    except Exception:  # noqa: BLE001 - a broken page simply declares no feeds
        pass
    try:
        base = urljoin(page_url, finder.base) if finder.base else page_url
    except ValueError:  # a <base href> that is no URL ("http://[") is ignored
        base = page_url
    allowed = ("http", "https", "file") if urlsplit(page_url).scheme == "file" else ("http", "https")
    ranked: list[tuple[int, int, str]] = []
    for order, (kind, href) in enumerate(finder.links):
        try:
            url = urljoin(base, href.strip())
            scheme = urlsplit(url).scheme
        except ValueError:
            continue
        # A remote page's links are http(s) only (the trust boundary: a web page never makes
        # blogtui read a local file); a local page the user named may name a local feed.
        if scheme not in allowed or _NOT_FEEDS.search(url):
            continue
        # Feed types first; a bare JSON or XML alternate (often an API) only after them.
        ranked.append((0 if kind in _FEED_TYPES_FIRST else 1, order, url))
    found: list[str] = []
    for _rank, _order, url in sorted(ranked):
        if url not in found:
            found.append(url)
    return found


def guess_urls(page_url: str) -> list[str]:
    """The usual feed locations, relative to the page and then at the site root."""
    parts = urlsplit(page_url)
    page_dir = page_url if parts.path.endswith("/") else urljoin(page_url, ".")
    root = f"{parts.scheme}://{parts.netloc}/"
    out: list[str] = []
    for base in (page_dir, root):
        for guess in GUESSES:
            url = urljoin(base, guess)
            if url not in out:
                out.append(url)
    return out
