"""A blog's post pages themselves: which URLs are posts, and a post read from its page.

The article is the page's own article container when it names one (``itemprop=articleBody``, an
``h-entry``'s ``e-content``, the usual post-body classes), else what ``F`` extracts
(:func:`blogtui.content.article.extract_article`). Title, publication date and tags come from
the page's structured data, in order: JSON-LD (``headline``, ``datePublished``, ``keywords``),
OpenGraph (``og:title``, ``article:published_time``, ``article:tag``), microformats (``h-entry``,
``p-name``, ``dt-published``, ``p-category``, ``rel="tag"``), then htmldate. A sitemap's
``lastmod`` is never taken as the publication date: it says when the page last changed.

Pages that are not posts (the home page, about, tag, category, author and pagination listings)
are recognised from the URL before any request where the URL tells (:func:`listing_reason`), and
from the page otherwise (:func:`read_post` raises :class:`NotAPost`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from html import escape as html_escape
from typing import Any
from urllib.parse import urljoin, urlsplit

from ...content.sanitize import clean_line, clean_text
from ...models import ParsedPost
from ...urls import canonical_url

#: A post page larger than this is not read (a page of 25 MB is no blog post).
MAX_PAGE_BYTES = 5 * 1024 * 1024
#: An article container with less text than this is not taken as the article.
MIN_CONTAINER_CHARS = 200

_ARTICLE_TYPES = {
    "article", "blogposting", "newsarticle", "techarticle", "scholarlyarticle", "report",
    "socialmediaposting", "liveblogposting", "posting", "analysisnewsarticle", "reportagenewsarticle",
}  # fmt: skip
_LISTING_TYPES = {
    "collectionpage", "website", "profilepage", "aboutpage", "contactpage", "searchresultspage",
    "itemlist", "blog",
}  # fmt: skip

#: Path segments of listings: tag, category, author, archive, search and pagination pages.
_LISTING_SEGMENTS = {
    "tag", "tags", "category", "categories", "author", "authors", "archive", "archives", "page",
    "search", "topics", "topic", "series", "label", "labels", "feed", "feeds", "rss", "wp-json",
    "amp", "comments", "attachment",
}  # fmt: skip
#: Whole paths of pages that are not posts.
_NON_POST_NAMES = {
    "about", "about-me", "about-us", "contact", "contact-me", "privacy", "privacy-policy", "terms",
    "imprint", "impressum", "now", "uses", "links", "blogroll", "projects", "portfolio", "posts",
    "blog", "articles", "subscribe", "newsletter", "sitemap", "404", "colophon", "cv", "resume",
    "index", "home", "offline",
}  # fmt: skip
_NON_HTML_SUFFIXES = (
    ".xml", ".json", ".txt", ".rss", ".atom", ".pdf", ".jpg", ".jpeg", ".png", ".gif", ".webp",
    ".svg", ".zip", ".gz", ".mp3", ".mp4", ".css", ".js",
)  # fmt: skip
_PAGE_QUERY_RE = re.compile(r"(^|&)(page|paged|p|s|q|tag|cat|author)=", re.IGNORECASE)
_BODY_SELECTORS = (
    "//*[@itemprop='articleBody']",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' h-entry ')]"
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' e-content ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' post-content ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' entry-content ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' gh-content ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' post-body ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' article-content ')]",
)


class NotAPost(Exception):
    """The page is not a post (a listing, an about page, not HTML); the message says why."""


def listing_reason(url: str, site_url: str = "") -> str | None:
    """Why the URL alone shows a page is not a post (home, tag, category, author, pagination,
    a known non-post page, a file that is not HTML); None when it may be a post."""
    parts = urlsplit(url)
    path = parts.path or "/"
    segments = [s for s in path.split("/") if s]
    home = urlsplit(site_url).path.rstrip("/") if site_url else ""
    if not segments or path.rstrip("/") == home:
        return "the home page"
    if parts.query and _PAGE_QUERY_RE.search(parts.query):
        return "a listing (query)"
    lowered = [s.lower() for s in segments]
    if lowered[-1].endswith(_NON_HTML_SUFFIXES):
        return "not a web page"
    for index, segment in enumerate(lowered):
        if segment in _LISTING_SEGMENTS and (index < len(lowered) - 1 or segment == "page"):
            return f"a listing (/{segment}/)"
        if segment in _LISTING_SEGMENTS and len(lowered) == 1:
            return f"a listing (/{segment}/)"
    if len(lowered) == 1 and lowered[0].split(".")[0] in _NON_POST_NAMES:
        return f"not a post (/{lowered[0]})"
    if all(s.isdigit() for s in lowered) and len(lowered) <= 3:
        return "a date archive"
    return None


@dataclass
class _Meta:
    title: str = ""
    published: datetime | None = None
    updated: datetime | None = None
    tags: tuple[str, ...] = ()
    author: str = ""
    canonical: str = ""
    article: bool = False
    listing: str | None = None
    date_from: str = ""


def read_post(body: bytes, url: str, content_type: str = "") -> ParsedPost:
    """The post on a page as a :class:`ParsedPost` (``from_page``; guid: its canonical URL).

    Raises:
        NotAPost: the page is not HTML, is a listing or other page that is not a post, or holds
            no article.
    """
    from lxml import html as lxml_html

    from ...content.article import decode_page

    kind = content_type.split(";")[0].strip().lower()
    head = body[:512].lstrip().lower()
    if kind and "html" not in kind and not head.startswith((b"<!doctype html", b"<html")):
        raise NotAPost(f"not a web page ({kind})")
    if not head.startswith(b"<"):
        raise NotAPost("not a web page")
    # Control characters out first: lxml parses them but refuses them in a tree it edits
    # (drop_tree joining a tail: ValueError, found by benchmarks/fuzz.py).
    text = clean_text(decode_page(body, content_type))
    try:
        tree = lxml_html.document_fromstring(text)
    except Exception as exc:  # noqa: BLE001 - lxml's errors vary: the page is simply unreadable
        raise NotAPost(f"not a readable web page ({type(exc).__name__})") from None
    meta = _read_meta(tree, url)
    if meta.listing:
        raise NotAPost(meta.listing)
    if meta.published is None and meta.article:
        meta.published = _htmldate(tree, url)
        meta.date_from = "htmldate" if meta.published else ""
    if meta.published is None:
        raise NotAPost("not a post (no publication date on the page)")
    content = _container(tree)
    if content is None:
        from ...content.article import extract_article
        from ...errors import ArticleError

        try:
            content = extract_article(body, url, content_type)
        except ArticleError as exc:
            raise NotAPost(str(exc)) from None
    from ...content.text import html_to_text

    canonical = meta.canonical or url
    return ParsedPost(
        guid=canonical,
        url=canonical,
        title=meta.title or canonical,
        author=meta.author,
        published=meta.published,
        updated=meta.updated,
        content_html=content,
        text=html_to_text(content),
        tags=meta.tags,
        from_page=True,
    )


def _read_meta(tree: Any, url: str) -> _Meta:
    meta = _Meta()
    host = urlsplit(url).netloc
    for link in tree.xpath("//link[@rel][@href]"):
        if "canonical" in link.get("rel", "").lower().split():
            href = urljoin(url, link.get("href", "").strip())
            if urlsplit(href).netloc == host:  # another host's canonical is not this blog's post
                meta.canonical = href
            break
    ld_types = _json_ld(tree, meta)
    og = _open_graph(tree, meta)
    entries = _microformats(tree, meta)
    articles = len(tree.xpath("//article"))
    og_type = og.get("og:type", "")
    meta.article = bool(
        ld_types & _ARTICLE_TYPES
        or og_type == "article"
        or entries == 1
        or tree.xpath("//*[@itemtype][contains(@itemtype, 'BlogPosting') or contains(@itemtype, 'Article')]")
        or articles == 1
    )
    # A post page may show other posts (related, next, previous) as articles or h-entries: only a
    # page that does not say it is one article is taken for a listing because of them.
    declared = bool(ld_types & _ARTICLE_TYPES or og_type == "article" or "article:published_time" in og)
    if (entries > 1 or articles > 2) and not declared:
        meta.listing = "a listing (several posts on the page)"
    elif not meta.article and (ld_types & _LISTING_TYPES or og_type in ("website", "profile")):
        meta.listing = "not a post (the page says it is a " + (og_type or "listing") + ")"
    if not meta.title:
        titles = tree.xpath("//title/text()")
        meta.title = clean_line(titles[0]) if titles else ""
    if not meta.author:
        authors = tree.xpath("//meta[@name='author']/@content")
        meta.author = clean_line(authors[0]) if authors else ""
    return meta


def _json_ld(tree: Any, meta: _Meta) -> set[str]:
    """Read JSON-LD blocks into ``meta``; returns the lower-cased ``@type`` names seen."""
    types: set[str] = set()
    for script in tree.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        for node in _ld_nodes(data):
            names = node.get("@type")
            names = [names] if isinstance(names, str) else names if isinstance(names, list) else []
            lowered = {str(n).lower() for n in names}
            types |= lowered
            if not lowered & _ARTICLE_TYPES:
                continue
            meta.title = meta.title or clean_line(_ld_text(node.get("headline") or node.get("name")))
            meta.published = meta.published or _date(_ld_text(node.get("datePublished")))
            meta.updated = meta.updated or _date(_ld_text(node.get("dateModified")))
            if meta.published:
                meta.date_from = meta.date_from or "json-ld"
            keywords = node.get("keywords")
            if isinstance(keywords, str):
                keywords = keywords.split(",")
            if isinstance(keywords, list) and not meta.tags:
                meta.tags = _tags(str(k) for k in keywords if isinstance(k, (str, int)))
            author = node.get("author")
            if isinstance(author, list) and author:
                author = author[0]
            if isinstance(author, dict):
                author = author.get("name")
            if isinstance(author, str) and not meta.author:
                meta.author = clean_line(author)
    return types


def _ld_nodes(data: object, depth: int = 0) -> list[dict[str, Any]]:
    if depth > 4:
        return []
    if isinstance(data, list):
        return [n for item in data[:50] for n in _ld_nodes(item, depth + 1)]
    if not isinstance(data, dict):
        return []
    nodes = [data]
    graph = data.get("@graph")
    if isinstance(graph, list):
        nodes += [n for item in graph[:50] for n in _ld_nodes(item, depth + 1)]
    return nodes


def _ld_text(value: object) -> str:
    if isinstance(value, list) and value:
        value = value[0]
    return value if isinstance(value, str) else ""


def _open_graph(tree: Any, meta: _Meta) -> dict[str, str]:
    props: dict[str, str] = {}
    tags: list[str] = []
    for node in tree.xpath("//meta[@property][@content]"):
        name = node.get("property", "").strip().lower()
        value = node.get("content", "")
        if name == "article:tag":
            tags.append(value)
        else:
            props.setdefault(name, value.strip())
    meta.title = meta.title or clean_line(props.get("og:title"))
    if meta.published is None:
        meta.published = _date(props.get("article:published_time", ""))
        if meta.published:
            meta.date_from = "opengraph"
    meta.updated = meta.updated or _date(props.get("article:modified_time", ""))
    if tags and not meta.tags:
        meta.tags = _tags(tags)
    props["og:type"] = props.get("og:type", "").lower()
    return props


def _microformats(tree: Any, meta: _Meta) -> int:
    """Read an ``h-entry`` into ``meta``; returns how many h-entries the page holds."""
    entries = tree.xpath("//*[contains(concat(' ', normalize-space(@class), ' '), ' h-entry ')]")
    entries = [
        e for e in entries if not e.xpath("ancestor::*[contains(concat(' ', @class, ' '), ' h-entry ')]")
    ]
    if len(entries) == 1:
        entry = entries[0]
        if not meta.title:
            names = entry.xpath(".//*[contains(concat(' ', normalize-space(@class), ' '), ' p-name ')]")
            meta.title = clean_line(names[0].text_content()) if names else ""
        if meta.published is None:
            stamps = entry.xpath(
                ".//*[contains(concat(' ', normalize-space(@class), ' '), ' dt-published ')]"
            )
            if stamps:
                meta.published = _date(stamps[0].get("datetime") or stamps[0].text_content())
                meta.date_from = "microformats" if meta.published else ""
        if not meta.tags:
            categories = entry.xpath(
                ".//*[contains(concat(' ', normalize-space(@class), ' '), ' p-category ')]"
            )
            meta.tags = _tags(c.text_content() for c in categories)
    if not meta.tags and len(entries) <= 1:
        meta.tags = _tags(
            a.text_content() for a in tree.xpath("//a[contains(concat(' ', @rel, ' '), ' tag ')]")
        )
    if meta.published is None and len(entries) <= 1:
        # A lone <time datetime> inside the one article is the same claim, less formally made.
        stamps = tree.xpath("//article//time[@datetime]")
        if len(stamps) >= 1:
            meta.published = _date(stamps[0].get("datetime", ""))
            meta.date_from = "time element" if meta.published else ""
    return len(entries)


def _tags(names: Any) -> tuple[str, ...]:
    out: dict[str, str] = {}
    for name in names:
        cleaned = clean_line(str(name)).lstrip("#").strip()
        if cleaned and len(cleaned) <= 80:
            out.setdefault(cleaned.casefold(), cleaned)
    return tuple(out.values())[:50]


def _date(value: str | None) -> datetime | None:
    """An ISO 8601 date or date-time (a naive one is taken as UTC)."""
    value = (value or "").strip()
    if not value:
        return None
    value = value.replace("Z", "+00:00").replace("z", "+00:00")
    if re.fullmatch(r".*[+-]\d{4}", value):
        value = value[:-2] + ":" + value[-2:]
    try:
        parsed = datetime.fromisoformat(value.replace(" ", "T", 1))
    except ValueError:
        match = re.match(r"(\d{4})-(\d{2})-(\d{2})", value)
        if not match:
            return None
        try:
            parsed = datetime(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def _htmldate(tree: Any, url: str) -> datetime | None:
    """The page's original publication date by htmldate (its text, then its URL)."""
    import logging

    logging.getLogger("htmldate").setLevel(logging.CRITICAL)
    try:
        from htmldate import find_date

        found = find_date(tree, original_date=True, extensive_search=False, url=url)
    except Exception:  # noqa: BLE001 - a page that breaks htmldate simply has no date
        return None
    return _date(found)


def _container(tree: Any) -> str | None:
    """The article container's HTML when the page names one with enough text, else None."""
    from lxml import etree

    for selector in _BODY_SELECTORS:
        found = tree.xpath(selector)
        if len(found) != 1:
            continue
        node = found[0]
        if len(" ".join(node.text_content().split())) < MIN_CONTAINER_CHARS:
            continue
        for junk in node.xpath(".//script | .//style | .//noscript | .//form | .//iframe[not(@src)]"):
            junk.drop_tree()
        inner = html_escape(node.text or "", quote=False) + "".join(
            etree.tostring(child, encoding="unicode", method="html") for child in node
        )
        return clean_text(inner.strip())
    return None


def same_post(a: str, b: str) -> bool:
    """Whether two URLs name the same post."""
    return canonical_url(a) == canonical_url(b)
