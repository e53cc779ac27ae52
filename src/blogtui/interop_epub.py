"""A blog as a book: an EPUB 3 (ebooklib) with one chapter per post and a table of contents by
year and month, the kept images embedded, code and tables kept.

A post's HTML is hostile and rarely valid XHTML: it is rebuilt element by element from a small
vocabulary (paragraphs, headings, lists, quotes, code, tables, figures, links, images and the
usual inline marks), with only safe attributes and each element where XHTML allows it (a block
inside a paragraph or a link is unwrapped, a list holds only items, a table only rows of cells).
The result passes ``epubcheck``.
"""

from __future__ import annotations

import hashlib
import html
import re
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from .content.sanitize import COMMENT_RE, DROP_BLOCK_RE, UNCLOSED_RE, clean_line, clean_text, safe_link
from .errors import InteropError


@dataclass(frozen=True, slots=True)
class EpubImage:
    """A kept image to embed: its file and type."""

    path: Path
    mime: str


@dataclass(frozen=True, slots=True)
class Chapter:
    """One post as a chapter."""

    title: str
    html: str
    base_url: str = ""
    url: str = ""
    author: str = ""
    published: datetime | None = None
    feed_title: str = ""
    #: Kept images by the URL the post names (its ``src``, resolved).
    images: dict[str, EpubImage] = field(default_factory=dict)


_BASE_RE = re.compile(r'^\s*<base\s+href="([^"]*)"\s*/?>', re.IGNORECASE)

#: Inline (phrasing) elements kept, with the name they get.
_INLINE = {
    "a": "a", "em": "em", "i": "i", "strong": "strong", "b": "b", "u": "u", "s": "s", "strike": "s",
    "del": "del", "ins": "ins", "sub": "sub", "sup": "sup", "small": "small", "mark": "mark",
    "abbr": "abbr", "cite": "cite", "q": "q", "kbd": "kbd", "samp": "samp", "var": "var", "code": "code",
    "tt": "code", "span": "span", "font": "span", "big": "span", "time": "span", "label": "span",
    "dfn": "dfn", "bdi": "span", "wbr": "wbr",
}  # fmt: skip
#: Blocks kept, with the name they get.
_BLOCK = {
    "p": "p", "div": "div", "blockquote": "blockquote", "pre": "pre", "hr": "hr",
    "h1": "h2", "h2": "h3", "h3": "h4", "h4": "h5", "h5": "h6", "h6": "h6",
    "ul": "ul", "ol": "ol", "li": "li", "dl": "dl", "dt": "dt", "dd": "dd",
    "table": "table", "caption": "caption", "thead": "thead", "tbody": "tbody", "tfoot": "tfoot",
    "tr": "tr", "td": "td", "th": "th",
    "figure": "div", "figcaption": "p", "section": "div", "article": "div", "aside": "div",
    "header": "div", "footer": "div", "main": "div", "nav": "div", "address": "div", "center": "div",
    "details": "div", "summary": "p", "picture": "div", "body": "div", "html": "div", "form": "div",
    "fieldset": "div", "legend": "p",
}  # fmt: skip
#: Elements dropped with what they hold.
_DROP = {
    "script", "style", "noscript", "template", "head", "title", "meta", "link", "base", "object",
    "embed", "svg", "math", "canvas", "input", "button", "select", "textarea", "option", "map",
    "area", "param", "track", "colgroup", "col",
}  # fmt: skip
_MEDIA = {"iframe": "embedded", "video": "video", "audio": "audio"}
#: Elements whose content is phrasing only.
_PHRASING_ONLY = {"p", "h2", "h3", "h4", "h5", "h6", "pre", "dt", "caption", *set(_INLINE.values())}


class _Builder:
    """Rebuilds one post's HTML as valid XHTML body content (lxml elements)."""

    def __init__(self, base_url: str, images: dict[str, str]) -> None:
        from lxml import etree

        self.etree = etree
        self.base_url = base_url
        #: src URL -> the image's path inside the book.
        self.images = images

    def link(self, value: str | None, *, image: bool = False) -> str | None:
        value = "%20".join((value or "").split())
        if not value or value.startswith(("data:", "#")):
            return None
        try:
            value = urljoin(self.base_url, value) if self.base_url else value
        except ValueError:
            return None
        safe = safe_link(value)
        if safe is None or (image and urlsplit(safe).scheme not in ("http", "https")):
            return None
        if urlsplit(safe).scheme == "mailto":
            return safe
        return safe.translate(_UNSAFE)

    def build(self, root: Any, out: Any) -> None:
        self.children(root, out, inline=False, in_link=False)

    def text(self, out: Any, text: str | None) -> None:
        if not text:
            return
        if len(out):
            last = out[-1]
            last.tail = (last.tail or "") + text
        else:
            out.text = (out.text or "") + text

    def children(self, node: Any, out: Any, *, inline: bool, in_link: bool) -> None:
        self.text(out, node.text)
        for child in node:
            if isinstance(child.tag, str):
                self.element(child, out, inline=inline, in_link=in_link)
            self.text(out, child.tail)

    def sub(self, out: Any, tag: str, **attrs: str) -> Any:
        return self.etree.SubElement(out, tag, {k: v for k, v in attrs.items() if v})

    def element(self, el: Any, out: Any, *, inline: bool, in_link: bool) -> None:
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if tag in _DROP:
            return
        if tag == "br":
            self.sub(out, "br")
            return
        if tag == "img":
            self.image(el, out, in_link=in_link)
            return
        if tag in _MEDIA:
            src = el.get("src") or ""
            if not src and el.find("source") is not None:
                src = el.find("source").get("src") or ""
            url = self.link(src)
            if url and not in_link:
                holder = out if inline else self.sub(out, "p")
                anchor = self.sub(holder, "a", href=url)
                anchor.text = f"[{_MEDIA[tag]}: {url.split('://', 1)[-1]}]"
            return
        if tag in _INLINE:
            name = _INLINE[tag]
            if name == "a":
                href = self.link(el.get("href"))
                if href is None or in_link:
                    self.children(el, out, inline=True, in_link=in_link)
                    return
                new = self.sub(out, "a", href=href)
                self.children(el, new, inline=True, in_link=True)
                return
            if name == "wbr":
                return
            new = self.sub(out, name, title=clean_line(el.get("title") or "") if name == "abbr" else "")
            self.children(el, new, inline=True, in_link=in_link)
            return
        if tag not in _BLOCK:  # an unknown element: its content stays
            self.children(el, out, inline=inline, in_link=in_link)
            return
        name = _BLOCK[tag]
        if inline or (out.tag in _PHRASING_ONLY):
            # A block where only phrasing may go: its content joins the text around it.
            if name == "hr":
                return
            self.text(out, " ")
            self.children(el, out, inline=True, in_link=in_link)
            self.text(out, " ")
            return
        if name in ("ul", "ol"):
            self.list(el, out, name)
        elif name == "dl":
            self.definitions(el, out)
        elif name == "table":
            self.table(el, out)
        elif name in ("li", "dd", "dt", "tr", "td", "th", "thead", "tbody", "tfoot", "caption"):
            # A list item or table part out of place: a plain block.
            new = self.sub(out, "div")
            self.children(el, new, inline=False, in_link=in_link)
        elif name == "hr":
            self.sub(out, "hr")
        else:
            new = self.sub(out, name)
            self.children(el, new, inline=name in _PHRASING_ONLY, in_link=in_link)

    def image(self, el: Any, out: Any, *, in_link: bool) -> None:
        width, height = el.get("width"), el.get("height")
        if _tiny(width) or _tiny(height):
            return
        src = el.get("src") or ""
        if not src or src.startswith("data:"):
            src = el.get("data-src") or el.get("data-lazy-src") or el.get("data-original") or src
        url = self.link(src, image=True)
        alt = " ".join((el.get("alt") or el.get("title") or "").split())
        if url is None:
            return
        kept = self.images.get(url)
        if kept is not None:
            self.sub(out, "img", src=kept, alt=alt or "image").set("alt", alt or "image")
            return
        label = f"[image: {alt}]" if alt else "[image]"
        if in_link:
            self.text(out, label)
            return
        anchor = self.sub(out, "a", href=url)
        anchor.text = label

    def list(self, el: Any, out: Any, name: str) -> None:
        start = el.get("start") if name == "ol" else None
        new = self.sub(out, name, start=start.strip() if start and start.strip().isdigit() else "")
        pending: Any = None  # an item holding what stands between items (text, stray elements)

        def loose(text: str | None) -> None:
            nonlocal pending
            if text and text.strip():
                if pending is None:
                    pending = self.sub(new, "li")
                self.text(pending, text)

        loose(el.text)
        for child in el:
            if isinstance(child.tag, str) and child.tag.lower() == "li":
                pending = None
                self.children(child, self.sub(new, "li"), inline=False, in_link=False)
            elif isinstance(child.tag, str):
                if pending is None:
                    pending = self.sub(new, "li")
                self.element(child, pending, inline=False, in_link=False)
            loose(child.tail)
        if not len(new):
            out.remove(new)

    def definitions(self, el: Any, out: Any) -> None:
        new = self.sub(out, "dl")
        for child in el:
            if not isinstance(child.tag, str):
                continue
            tag = child.tag.lower()
            item = self.sub(new, tag if tag in ("dt", "dd") else "dd")
            self.children(child, item, inline=tag == "dt", in_link=False)
        # A dl must pair terms with descriptions: one without the other is a plain block.
        kinds = [c.tag for c in new]
        if not kinds or kinds[0] != "dt" or kinds[-1] != "dd":
            new.tag = "div"
            for child in new:
                child.tag = "p" if child.tag == "dt" else "div"

    def table(self, el: Any, out: Any) -> None:
        rows: list[tuple[str, Any]] = []  # (section, tr)
        caption: Any = None
        for part in el.iter():
            if part is el or not isinstance(part.tag, str):
                continue
            tag = part.tag.lower()
            if tag == "caption" and caption is None:
                caption = part
            if tag == "tr" and _closest_table(part) is el:
                parent = part.getparent()
                section = parent.tag.lower() if parent is not None and parent is not el else "tbody"
                rows.append((section if section in ("thead", "tfoot") else "tbody", part))
        if not rows:
            self.children(el, self.sub(out, "div"), inline=False, in_link=False)
            return
        new = self.sub(out, "table")
        if caption is not None:
            self.children(caption, self.sub(new, "caption"), inline=True, in_link=False)
        for section in ("thead", "tbody", "tfoot"):
            chosen = [tr for s, tr in rows if s == section]
            if not chosen:
                continue
            holder = self.sub(new, section)
            for tr in chosen:
                row = self.sub(holder, "tr")
                for cell in tr:
                    if not isinstance(cell.tag, str) or cell.tag.lower() not in ("td", "th"):
                        continue
                    span = {
                        k: v.strip()
                        for k in ("colspan", "rowspan")
                        if (v := cell.get(k) or "").strip().isdigit() and 0 < int(v) <= 1000
                    }
                    new_cell = self.sub(row, cell.tag.lower(), **span)
                    self.children(cell, new_cell, inline=False, in_link=False)
                if not len(row):
                    self.sub(row, "td")


_UNSAFE = str.maketrans({" ": "%20", "<": "%3C", ">": "%3E", '"': "%22"})


def _closest_table(el: Any) -> Any:
    parent = el.getparent()
    while parent is not None and (not isinstance(parent.tag, str) or parent.tag.lower() != "table"):
        parent = parent.getparent()
    return parent


def _tiny(value: str | None) -> bool:
    try:
        return value is not None and 0 <= int(value.strip().rstrip("px")) <= 2
    except ValueError:
        return False


def post_xhtml(chapter: Chapter, images: dict[str, str]) -> str:
    """A chapter's body as XHTML: its title, a line of date, author and link, then the post."""
    import lxml.html
    from lxml import etree

    source = clean_text(chapter.html or "")
    base = chapter.base_url
    declared = _BASE_RE.match(source)
    if declared:
        base = urljoin(base, html.unescape(declared.group(1))) if base else html.unescape(declared.group(1))
        source = source[declared.end() :]
    source = UNCLOSED_RE.sub("", DROP_BLOCK_RE.sub("", COMMENT_RE.sub("", source)))
    body = etree.Element("div")
    heading = etree.SubElement(body, "h1")
    heading.text = clean_line(chapter.title) or "(untitled)"
    meta = [clean_line(chapter.feed_title)]
    if chapter.published:
        meta.append(chapter.published.strftime("%Y-%m-%d"))
    if chapter.author:
        meta.append(f"by {clean_line(chapter.author)}")
    line = etree.SubElement(body, "p", {"class": "meta"})
    line.text = " · ".join(m for m in meta if m)
    builder = _Builder(base, images)
    url = builder.link(chapter.url)
    if url and urlsplit(url).scheme in ("http", "https"):
        line.text += " · " if line.text else ""
        anchor = etree.SubElement(line, "a", {"href": url})
        anchor.text = "original"
    if source.strip():
        try:
            root = lxml.html.fragment_fromstring(source, create_parent="div")
        except (ValueError, etree.ParserError):
            root = None
        if root is not None:
            builder.build(root, body)
    parts = [etree.tostring(child, encoding="unicode", method="xml") for child in body]
    return "".join(parts)


_CSS = """body { font-family: serif; line-height: 1.45; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
p.meta { color: #555; font-size: 0.85em; margin-top: 0; }
pre { white-space: pre-wrap; font-family: monospace; font-size: 0.85em; background: #f4f4f4; padding: 0.5em; }
code { font-family: monospace; }
table { border-collapse: collapse; }
td, th { border: 1px solid #999; padding: 0.2em 0.4em; vertical-align: top; }
img { max-width: 100%; height: auto; }
blockquote { margin-left: 1em; padding-left: 0.8em; border-left: 3px solid #ccc; }
"""

_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip


def write_epub(
    path: Path | str,
    chapters: Iterable[Chapter],
    *,
    title: str,
    author: str = "",
    identifier: str = "",
    language: str = "en",
    on_chapter: Callable[[Chapter], None] | None = None,
) -> int:
    """Write the chapters (in the order given) as one EPUB 3 file; returns how many chapters.

    Raises:
        InteropError: the file cannot be written (one line naming it).
    """
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier(identifier or "urn:blogtui:" + hashlib.sha1(title.encode()).hexdigest())
    book.set_title(clean_line(title) or "blogtui")
    book.set_language(language)
    if author:
        book.add_author(clean_line(author))
    style = epub.EpubItem(uid="style", file_name="style.css", media_type="text/css", content=_CSS)
    book.add_item(style)
    embedded: dict[Path, str] = {}
    items: list[Any] = []
    toc: dict[str, dict[str, list[Any]]] = {}
    count = 0
    for chapter in chapters:
        count += 1
        names: dict[str, str] = {}
        for url, image in chapter.images.items():
            name = embedded.get(image.path)
            if name is None:
                try:
                    data = image.path.read_bytes()
                except OSError:
                    continue  # evicted meanwhile: the image stays a link
                name = f"images/{image.path.name}"
                embedded[image.path] = name
                book.add_item(
                    epub.EpubImage(
                        uid=f"img{len(embedded)}", file_name=name, media_type=image.mime, content=data
                    )
                )
            names[url] = name
        item = epub.EpubHtml(
            title=clean_line(chapter.title) or "(untitled)",
            file_name=f"posts/{count:05d}.xhtml",
            lang=language,
        )
        item.content = (
            f"<html><body>{post_xhtml(chapter, {u: '../' + n for u, n in names.items()})}</body></html>"
        )
        item.add_link(href="../style.css", rel="stylesheet", type="text/css")
        book.add_item(item)
        items.append(item)
        when = chapter.published
        year = str(when.year) if when else "Undated"
        month = f"{_MONTHS[when.month - 1]} {when.year}" if when else "Undated"
        toc.setdefault(year, {}).setdefault(month, []).append(item)
        if on_chapter:
            on_chapter(chapter)
    if not items:  # a book needs a page
        empty = epub.EpubHtml(title="No posts", file_name="posts/empty.xhtml", lang=language)
        empty.content = "<html><body><p>No posts matched.</p></body></html>"
        book.add_item(empty)
        items.append(empty)
        toc = {"No posts": {"No posts": [empty]}}
    book.toc = [
        (
            epub.Section(year, href=next(iter(months.values()))[0].file_name),
            [(epub.Section(month, href=posts[0].file_name), posts) for month, posts in months.items()],
        )
        for year, months in toc.items()
    ]
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["nav", *items]
    # Written beside the target and renamed: a failed export leaves no half book behind.
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        with warnings.catch_warnings():  # ebooklib warns that it will raise; it is asked to
            warnings.simplefilter("ignore", UserWarning)
            epub.write_epub(str(tmp), book, {"epub3_pages": False, "raise_exceptions": True})
        tmp.replace(target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InteropError(f"{path}: cannot write ({exc.strerror or exc})") from None
    return count
