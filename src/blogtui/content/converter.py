"""HTML to Markdown for the reader: a markdownify converter tuned for blog posts."""

from __future__ import annotations

import functools
import re
import threading
import time
from typing import Any
from urllib.parse import urljoin

from bs4 import BeautifulSoup, ResultSet, Tag
from bs4.builder._lxml import LXMLTreeBuilder
from markdownify import MarkdownConverter

from .sanitize import TEXT_ESCAPE_RE as _TEXT_ESCAPE_RE
from .sanitize import safe_link
from .text import RAISED, SUBSCRIPT, SUPERSCRIPT

# -- code languages --------------------------------------------------------------------------------

_LANG_PREFIX_RE = re.compile(r"^(?:language|lang|highlight-source|highlight)-([\w+#.-]+)$", re.I)
_BRUSH_RE = re.compile(r"brush:\s*([\w+#-]+)", re.I)
_NOT_LANGUAGES = frozenset(
    {"none", "plaintext", "text", "plain", "nohighlight", "notranslate", "source", "default", "txt", "output"}
)
# Class names that say "this is highlighted code" without naming the language.
_MARKER_CLASSES = frozenset({"hljs", "sourcecode", "highlight", "chroma", "prettyprint", "code"})


def _classes(node: Any) -> list[str]:
    classes = node.get("class") or []
    return classes.split() if isinstance(classes, str) else list(classes)


@functools.cache
def _known_languages() -> frozenset[str]:
    """Every language name Pygments knows (what the reader highlights fences with)."""
    try:
        from pygments.lexers import get_all_lexers
    except ImportError:  # pragma: no cover - Rich depends on Pygments
        return frozenset()
    names = {alias.lower() for _, aliases, _, _ in get_all_lexers(plugins=False) for alias in aliases}
    return frozenset(names - _NOT_LANGUAGES)


def _language_of(node: Any, bare: bool = False) -> str:
    """A language named by one element's attributes, or ''.

    With ``bare``, a class that is only a language's name counts too (``<pre class="ruby">``,
    ``<code class="csharp">``, Rouge's ``<pre class="highlight objective_c">``) when Pygments knows it.
    """
    lang = node.get("data-lang") or node.get("data-language") or node.get("lang-code")
    if isinstance(lang, str) and lang.strip() and lang.strip().lower() not in _NOT_LANGUAGES:
        return lang.strip().lower()
    classes = _classes(node)
    joined = " ".join(classes)
    brush = _BRUSH_RE.search(joined)  # WordPress SyntaxHighlighter: class="brush: php; notranslate"
    if brush and brush.group(1).lower() not in _NOT_LANGUAGES:
        return brush.group(1).lower()
    for name in classes:
        match = _LANG_PREFIX_RE.match(name)
        if match and match.group(1).lower() not in _NOT_LANGUAGES:
            return match.group(1).lower()
    lowered = {c.lower() for c in classes}
    # highlight.js (`hljs python`) and pandoc (`sourceCode python`) put the language beside a marker.
    if lowered & {"hljs", "sourcecode"}:
        for name in classes:
            low = name.lower()
            if low not in _MARKER_CLASSES and not low.startswith("hljs-") and low not in _NOT_LANGUAGES:
                if re.fullmatch(r"[\w+#.-]+", low):
                    return low
    if bare or lowered & _MARKER_CLASSES:
        known = _known_languages()
        for name in classes:
            low = name.lower()
            for candidate in (low, low.replace("_", "-")):
                if candidate in known:
                    return candidate
    return ""


def code_language(pre: Any) -> str:
    """The language of a ``<pre>`` block: from it, its ``<code>`` child, or up to three wrappers."""
    candidates = [pre]
    code = pre.find("code")
    if code is not None:
        candidates.insert(0, code)
    parent = pre.parent
    for _ in range(3):
        if parent is None or parent.name in (None, "[document]"):
            break
        candidates.append(parent)
        parent = parent.parent
    for node in candidates:
        lang = _language_of(node, bare=node.name in ("pre", "code"))
        if lang:
            return lang
    return ""


def pre_text(node: Any) -> str:
    """The literal text of a ``<pre>``, with ``<br>`` as newlines and line-number gutters left out."""
    from bs4 import NavigableString, Tag
    from bs4.element import Comment

    out: list[str] = []

    def walk(el: Any) -> None:
        for child in el.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                out.append(str(child))
            elif isinstance(child, Tag):
                if child.name == "br":
                    out.append("\n")
                elif {"linenos", "lineno", "gutter", "line-numbers-rows"} & set(_classes(child)):
                    continue
                else:
                    walk(child)

    walk(node)
    return "".join(out)


# -- footnotes -------------------------------------------------------------------------------------

_FOOTNOTE_ID_RE = re.compile(r"^(?:fn|footnote|note|endnote)[-:_]?([\w.-]+)$", re.I)
_BACKREF_RE = re.compile(r"^#(?:fnref|fnr\d|footnote-ref|noteref|ref)[-:_]?", re.I)
# What a footnote's "back to the text" link shows (variation selectors stripped).
_BACKREF_MARKS = frozenset({"↩", "⤴", "↑", "^", "⏎"})


def _footnote_label(anchor_id: str) -> str:
    match = _FOOTNOTE_ID_RE.match(anchor_id or "")
    return match.group(1) if match else ""


def _is_backref(el: Any) -> bool:
    href = el.get("href") or ""
    classes = {c.lower() for c in _classes(el)}
    return bool(
        _BACKREF_RE.match(href)
        or classes & {"footnote-backref", "reversefootnote", "footnote-back", "footnotebacklink"}
        or (href.startswith("#") and el.get_text().strip().strip("\ufe0e\ufe0f") in _BACKREF_MARKS)
        or el.get("rev") == "footnote"
        or el.get("role") == "doc-backlink"
    )


def _footnote_ref(el: Any) -> str:
    """The label of a footnote reference link (``<a href="#fn:1">``), or ''."""
    href = el.get("href") or ""
    if not href.startswith("#"):
        return ""
    classes = {c.lower() for c in _classes(el)}
    rel = el.get("rel") or []
    rel = rel.split() if isinstance(rel, str) else rel
    label = _footnote_label(href[1:])
    marked = (
        bool(classes & {"footnote-ref", "footnote"}) or "footnote" in rel or el.get("role") == "doc-noteref"
    )
    if label and (marked or el.find_parent("sup") is not None or el.find("sup") is not None):
        return label
    return ""


def _footnote_item(li: Any) -> str:
    """The label of a footnote's list item (``<li id="fn:1">``), or ''."""
    return _footnote_label(li.get("id") or "")


# -- the converter ---------------------------------------------------------------------------------

_URL_UNSAFE = str.maketrans({" ": "%20", "(": "%28", ")": "%29", "<": "%3C", ">": "%3E"})
_YOUTUBE_EMBED_RE = re.compile(r"^https?://(?:www\.)?youtube(?:-nocookie)?\.com/embed/([\w-]+)")
_VIMEO_EMBED_RE = re.compile(r"^https?://player\.vimeo\.com/video/(\d+)")


_BLOCK_TAGS = [
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "p",
    "div",
    "ul",
    "ol",
    "pre",
    "blockquote",
    "table",
    "figure",
]
_BLOCK_SET = frozenset(_BLOCK_TAGS)


def _holds_blocks(el: Any) -> bool:
    """Whether ``el`` holds a block element (``el.find(_BLOCK_TAGS)``, without building a filter)."""
    return any(getattr(node, "name", None) in _BLOCK_SET for node in el.descendants)


_PERMALINK_MARKS = frozenset({"¶", "#", "§", "🔗", "link", "permalink"})
# Feed ads and share-button images that FeedBurner and WordPress put in every post.
_AD_IMAGE_RE = re.compile(
    r"^https?://(?:feedads\.g\.doubleclick\.net/|feeds\.feedburner\.com/~(?:ff|r|a)/|pixel\.wp\.com/"
    r"|stats\.wordpress\.com/|feeds\.wordpress\.com/[\d.]+/(?:comments|go)/)",
    re.IGNORECASE,
)


def _escape_label(text: str) -> str:
    return " ".join(text.replace("[", "(").replace("]", ")").split())


#: markdownify's options by the options given (see Converter.__init__).
_OPTIONS: dict[str, dict[str, Any]] = {}
_TABLE_RE = re.compile(r"<table", re.IGNORECASE)


class ConversionTimeout(Exception):
    """A conversion ran past its ``deadline``: the caller shows the post as plain text."""


class Converter(MarkdownConverter):
    """markdownify with the choices blogtui needs for a reader pane (see :func:`html_to_markdown`)."""

    def __init__(self, base_url: str = "", **options: Any) -> None:
        # markdownify builds its options from dir() of two classes on every instance (a tenth of
        # converting a short post): the result for the same options is kept.
        key = repr(sorted(options.items()))
        known = _OPTIONS.get(key)
        if known is None:
            super().__init__(**options)
            _OPTIONS[key] = dict(self.options)
        else:
            self.options: dict[str, Any] = dict(known)
            self.convert_fn_cache: dict[str, Any] = {}
        self.base_url = base_url
        self._notes: dict[str, int] = {}
        self._tables = True

    def _note_number(self, label: str) -> int:
        """Footnotes numbered 1, 2, ... in the order the text first names them, whatever the
        blog's own labels (Daring Fireball's ``fn3-2017-06-12``)."""
        return self._notes.setdefault(label, len(self._notes) + 1)

    # Text that looks like Markdown must stay text: a literal `[x](javascript:...)` or `<b>` in a
    # post is not a link or a tag.
    def escape(self, text, parent_tags):  # type: ignore[no-untyped-def]
        if not text or "_noformat" in parent_tags:
            return text
        return _TEXT_ESCAPE_RE.sub(lambda m: "\\" + (m.group(1) or "&"), text)

    def _link(self, value: str | None) -> str | None:
        """``value`` resolved against the base, if it is a link that may be opened."""
        value = "%20".join((value or "").split())  # spaces inside a URL are a typo for %20
        if not value:
            return None
        if self.base_url and not (value.startswith(("https://", "http://")) and "/." not in value):
            try:  # (an absolute link without dot segments is what urljoin would return)
                value = urljoin(self.base_url, value)
            except ValueError:
                return None
        safe = safe_link(value)
        return safe.translate(_URL_UNSAFE) if safe else None

    def convert_a(self, el, text, parent_tags):  # type: ignore[no-untyped-def]
        if _is_backref(el):
            return ""
        label = _footnote_ref(el)
        if label:
            return f"[^{self._note_number(label)}]"
        if "_noformat" in parent_tags:
            return text
        stripped = text.strip()
        raw_href = (el.get("href") or "").strip()
        if raw_href.startswith("#") and stripped in _PERMALINK_MARKS:
            return ""  # a heading's permalink mark ("¶", "#")
        if raw_href in ("", "#"):
            return text  # a script's button ("New window", "Show more"), not a link
        href = self._link(raw_href)
        if not stripped or href is None or _holds_blocks(el):
            return text  # a link around whole blocks (a heading, a card) keeps the blocks only
        image = re.fullmatch(r"\[image(: [^\]]*)?\]\([^)]*\)", stripped)
        if image:  # an image that links somewhere: one labelled link, not a link inside a link
            return text.replace(stripped, f"[image{image.group(1) or ''}]({href})")
        if "](" in stripped and stripped.startswith("[image"):
            return text
        el["href"] = href
        return super().convert_a(el, text, parent_tags)

    def convert_img(self, el, text, parent_tags):  # type: ignore[no-untyped-def]
        if _tiny(el.get("width")) or _tiny(el.get("height")):
            return ""  # a tracking pixel
        src = el.get("src") or ""
        if not src or src.startswith("data:"):
            src = el.get("data-src") or el.get("data-lazy-src") or el.get("data-original") or src
        url = self._link(src)
        if url and _AD_IMAGE_RE.search(url):
            return ""
        alt = _escape_label(el.get("alt") or el.get("title") or "")
        label = f"image: {alt}" if alt else "image"
        return f"[{label}]({url})" if url else f"\\[{label}\\]"

    def _media(self, kind: str, el: Any) -> str:
        src = el.get("src") or ""
        if not src:
            source = el.find("source")
            src = (source.get("src") or "") if source is not None else ""
        url = self._link(src)
        if url is None:
            return ""
        match = _YOUTUBE_EMBED_RE.match(url) or None
        if match:
            url, kind = f"https://www.youtube.com/watch?v={match.group(1)}", "video"
        match = _VIMEO_EMBED_RE.match(url)
        if match:
            url, kind = f"https://vimeo.com/{match.group(1)}", "video"
        title = _escape_label(el.get("title") or el.get("aria-label") or "")
        label = title or url.split("://", 1)[-1]
        return f"\n\n[{kind}: {label}]({url})\n\n"

    def convert_iframe(self, el, text, parent_tags):  # type: ignore[no-untyped-def]
        return self._media("embedded", el)

    def convert_video(self, el, text, parent_tags):  # type: ignore[no-untyped-def]
        return self._media("video", el)

    def convert_audio(self, el, text, parent_tags):  # type: ignore[no-untyped-def]
        return self._media("audio", el)

    def convert_figcaption(self, el, text, parent_tags):  # type: ignore[no-untyped-def]
        text = " ".join(text.split())
        if not text:
            return ""
        return f"\n\n*{text}*\n\n" if "*" not in text else f"\n\n{text}\n\n"

    def convert_pre(self, el, text, parent_tags):  # type: ignore[no-untyped-def]
        code = pre_text(el).strip("\n")
        if not code.strip():
            return ""
        code = "\n".join(line.rstrip() for line in code.split("\n"))
        longest = max((len(m) for m in re.findall(r"`{3,}", code)), default=2)
        fence = "`" * (longest + 1)
        language = code_language(el)
        return f"\n\n{fence}{language}\n{code}\n{fence}\n\n"

    def convert_li(self, el, text, parent_tags):  # type: ignore[no-untyped-def]
        label = _footnote_item(el)
        if label and el.parent is not None and _all_footnotes(el.parent):
            body = text.strip()
            body = "\n".join(
                ("    " + line if line and i else line) for i, line in enumerate(body.split("\n"))
            )
            return f"[^{self._note_number(label)}]: {body}\n\n"
        return super().convert_li(el, text, parent_tags)

    def convert_ol(self, el, text, parent_tags):  # type: ignore[no-untyped-def]
        if _all_footnotes(el):
            return "\n\n" + text.strip() + "\n\n"
        return super().convert_ol(el, text, parent_tags)

    def convert_hr(self, el, text, parent_tags):  # type: ignore[no-untyped-def]
        parent = el.parent
        if parent is not None and "footnotes" in {c.lower() for c in _classes(parent)}:
            return "\n\n"
        return super().convert_hr(el, text, parent_tags)

    def convert_td(self, el, text, parent_tags):  # type: ignore[no-untyped-def]
        cell = super().convert_td(el, text.replace("|", "\\|"), parent_tags)
        return cell[1:] if cell.startswith("  |") else cell  # an empty cell: "| |", as colspan's

    convert_th = convert_td

    def convert_table(self, el, text, parent_tags):  # type: ignore[no-untyped-def]
        if "highlighttable" in _classes(el):  # Pygments with a line-number column: the code only
            code = el.find(class_="code")
            pre = code.find("pre") if code is not None else None
            if pre is not None:
                return self.convert_pre(pre, "", parent_tags)
        # markdownify underlines the first row of every <tbody> and <tfoot> as if it were a header:
        # a Markdown table has one header, so later separator lines go.
        lines, seen = [], False
        for line in text.split("\n"):
            if _SEPARATOR_RE.match(line):
                if seen:
                    continue
                seen = True
            lines.append(line)
        return super().convert_table(el, "\n".join(lines), parent_tags)

    #: ``time.thread_time()`` past which the conversion gives up (:class:`ConversionTimeout`):
    #: the CPU the post's conversion costs its thread, not the wall clock (a busy machine must
    #: not turn an ordinary post into plain text).
    deadline: float | None = None

    def process_tag(self, node, parent_tags=None):  # type: ignore[no-untyped-def]
        if self.deadline is not None and time.thread_time() > self.deadline:
            raise ConversionTimeout
        # A <pre> is read from the tree (pre_text) and dropped elements are dropped: converting
        # what is inside them first is wasted work.
        if node.name in _WHOLE_ELEMENTS:
            return self.get_conv_fn_cached(node.name)(node, "", parent_tags=parent_tags or set())
        return super().process_tag(node, parent_tags)

    def convert(self, html):  # type: ignore[no-untyped-def]
        self._tables = _TABLE_RE.search(html) is not None
        if self.options["bs4_options"] is not _BS4_OPTIONS:  # another parser asked for
            return super().convert(html)
        builder = _builder()
        soup = _Document(html, builder=builder, element_classes=_ELEMENT_CLASSES)
        builder.soup = None  # (the builder is kept for the next post, not the tree)
        return self.convert_soup(soup)

    def convert_soup(self, soup):  # type: ignore[no-untyped-def]
        if self._tables:
            for table in soup.find_all("table"):
                _normalise_table(table)
        return super().convert_soup(soup)

    def convert_sup(self, el, text, parent_tags):  # type: ignore[no-untyped-def]
        return _script(text, _SUPERSCRIPT, "^")

    def convert_sub(self, el, text, parent_tags):  # type: ignore[no-untyped-def]
        return _script(text, _SUBSCRIPT, "_")

    def convert_math(self, el, text, parent_tags):  # type: ignore[no-untyped-def]
        # MathML from KaTeX/MathJax/pandoc carries its TeX source: shown as code, it reads; the
        # MathML's own text (every <mi> and <mn> run together) does not, and both together repeat.
        tex = el.find("annotation", attrs={"encoding": _TEX_RE})
        source = " ".join(tex.get_text().split()) if tex is not None else ""
        source = _TEX_THIN_SPACE_RE.sub(" ", source)  # 3\\,088\\,384: digits grouped by thin spaces
        if not source:
            return text
        plain = _plain_tex(source)
        if plain:
            return plain
        if el.get("display") == "block" and "_inline" not in parent_tags:
            return f"\n\n```latex\n{source}\n```\n\n"
        ticks = "``" if "`" in source else "`"
        return f"{ticks}{source}{ticks}"

    def convert_div(self, el, text, parent_tags):  # type: ignore[no-untyped-def]
        if "feedflare" in _classes(el):  # FeedBurner's share buttons
            return ""
        return super().convert_div(el, text, parent_tags)

    def _drop(self, el, text, parent_tags):  # type: ignore[no-untyped-def]
        return ""

    convert_script = convert_style = convert_noscript = convert_template = _drop
    convert_object = convert_embed = convert_svg = convert_head = convert_title = _drop
    convert_button = convert_input = convert_select = convert_textarea = convert_form = _drop
    convert_base = convert_meta = convert_link = _drop


#: Elements converted from the tree itself, not from their children's Markdown.
_WHOLE_ELEMENTS = frozenset(
    {"pre", "script", "style", "noscript", "template", "object", "embed", "svg", "head", "title", "button",
     "input", "select", "textarea", "form", "base", "meta", "link"}
)  # fmt: skip


def _tags_named(node: Any, name: str | list[str] | tuple[str, ...], recursive: bool) -> ResultSet[Any]:
    """``node.find_all(name)`` for names alone, without building bs4's filter for each call
    (markdownify's table rows ask for their cells: 9 % of the corpus's slowest posts)."""
    names = {name} if isinstance(name, str) else set(name)
    found = node.descendants if recursive else node.children
    return ResultSet(None, [el for el in found if isinstance(el, Tag) and el.name in names])


def _simple(name: Any, attrs: Any, string: Any, limit: Any, kwargs: dict[str, Any]) -> bool:
    """Whether a find_all asks for tags by name(s) alone."""
    names = isinstance(name, str) or (
        isinstance(name, (list, tuple)) and all(isinstance(n, str) for n in name)
    )
    return names and not attrs and string is None and limit is None and not kwargs


class _Tag(Tag):
    """bs4's Tag with a fast ``find_parent(name)`` and ``find_all(names)``: markdownify asks every
    element for a ``<pre>`` above it, and bs4 builds a filter object for each question (15 % of a
    conversion)."""

    def find_all(self, name=None, attrs=None, recursive=True, string=None, limit=None, **kwargs):  # type: ignore[no-untyped-def]
        if _simple(name, attrs, string, limit, kwargs):
            return _tags_named(self, name, recursive)
        return super().find_all(name, attrs, recursive, string, limit, **kwargs)

    def find_parent(self, name=None, attrs=None, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(name, str) and not attrs and not kwargs:
            parent = self.parent
            while parent is not None:
                if parent.name == name:
                    return parent
                parent = parent.parent
            return None
        return super().find_parent(name, attrs, **kwargs)


class _Document(BeautifulSoup):
    """A parsed post whose ``find_parent(name)`` is answered at once: a document has no parent,
    and markdownify asks it for a ``<pre>`` above it (bs4 builds a filter to say no: 4 % of
    converting a median post of the corpus)."""

    def find_parent(self, name=None, attrs=None, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(name, str) and not attrs and not kwargs:
            return None
        return super().find_parent(name, attrs, **kwargs)

    def find_all(self, name=None, attrs=None, recursive=True, string=None, limit=None, **kwargs):  # type: ignore[no-untyped-def]
        if _simple(name, attrs, string, limit, kwargs):
            return _tags_named(self, name, recursive)
        return super().find_all(name, attrs, recursive, string, limit, **kwargs)


class _Builder(LXMLTreeBuilder):
    """bs4's lxml HTML builder keeping its lxml parser from one post to the next: making one
    has lxml inspect the builder's methods (``inspect.getfullargspec``), a tenth of converting a
    median post. A parser is reusable once closed; one that failed half-way is dropped."""

    _kept: Any = None

    def parser_for(self, encoding):  # type: ignore[no-untyped-def]
        if encoding is not None:
            return super().parser_for(encoding)
        if self._kept is None:
            self._kept = super().parser_for(None)
        return self._kept

    def feed(self, markup):  # type: ignore[no-untyped-def]
        try:
            super().feed(markup)
        except BaseException:
            self._kept = None
            raise


_local = threading.local()


def _builder() -> _Builder:
    """This thread's builder (a builder and its parser serve one post at a time). Attributes stay
    strings: bs4 would split every ``class`` and ``rel`` into a list (6 % of converting the
    corpus's slowest posts), and the converter reads the few it needs either way (_classes)."""
    builder = getattr(_local, "builder", None)
    if builder is None:
        builder = _local.builder = _Builder(multi_valued_attributes=None)
    return builder


_TEX_RE = re.compile(r"tex", re.IGNORECASE)
_TEX_THIN_SPACE_RE = re.compile(r"(?<=\d)\s*\\[,:;]\s*(?=\d)")
# TeX that is only a number, maybe with a power: 10^3, 10^{-6}, 1.5, 3 088 384, \infty.
_TEX_NUMBER_RE = re.compile(r"^(-?[\d.]+(?: \d{3})*)(?:\^(?:\{(-?\d+)\}|(\d)))?$")


def _plain_tex(source: str) -> str:
    """Plain text for TeX that is only a number (``10^{-6}``: "10⁻⁶", ``\\infty``: "∞"), else ''."""
    if source == "\\infty":
        return "∞"
    match = _TEX_NUMBER_RE.match(source)
    if not match:
        return ""
    power = match.group(2) or match.group(3) or ""
    return match.group(1) + power.translate(_SUPERSCRIPT)


_SUPERSCRIPT = SUPERSCRIPT
_SUBSCRIPT = SUBSCRIPT
#: Marks that are already raised: in a superscript they stay as they are.
_RAISED = RAISED | {"\\*"}


def _script(text: str, table: dict[int, int], mark: str) -> str:
    """A superscript or subscript in Unicode ("N²", "H₂O") where every character has one, else
    ``^(...)`` or ``_(...)``: never run into the text before it ("N2")."""
    inner = text.strip()
    if not inner or "[^" in inner:
        return text  # nothing; a footnote mark
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
    if inner in _RAISED:
        return lead + inner + trail  # ®, ™, †: superscript already
    plain = inner.replace("*", "")  # emphasis inside (2<sup><i>l</i>+1</sup>) goes with it
    if plain.startswith("\\[") and plain.endswith("\\]"):
        plain = f"({plain[2:-2]})"  # a citation mark, [2]: ⁽²⁾
    if plain and all(ord(c) in table for c in plain):
        return lead + plain.translate(table) + trail
    return f"{lead}{mark}({inner}){trail}" if mark == "^" else f"{lead}\\_({inner}){trail}"


_SEPARATOR_RE = re.compile(r"^\|(?: --- \|)+$")


def _span(cell: Any, name: str, limit: int) -> int:
    """A cell's ``rowspan`` or ``colspan`` as a number from 1 to ``limit`` (1 when not a number)."""
    value = str(cell.get(name) or "").strip()
    return max(1, min(int(value), limit)) if value.isdigit() else 1


#: A colspan at least this wide means "the whole row" (``colspan="999"``), not a width.
_WHOLE_ROW = 50


def _layout(cells: list[list[Any]], groups: list[Any], width: int) -> tuple[list[list[tuple[int, Any]]], int]:
    """Each row's slots, ``(column, cell)`` with ``None`` for one a rowspan above covers, and the
    grid's width. With ``width`` 0 the width is being measured: a whole-row colspan counts as 1."""
    covered: dict[int, int] = {}  # column -> rows below still covered
    grid: list[list[tuple[int, Any]]] = []
    widest = 0
    for i, row in enumerate(cells):
        if i and groups[i] is not groups[i - 1]:
            covered = {}  # a rowspan ends with its row group, as in browsers
        left = sum(1 for group in groups[i + 1 :] if group is groups[i])
        slots: list[tuple[int, Any]] = []
        column = 0
        for cell in row:
            while covered.get(column):
                slots.append((column, None))
                column += 1
            colspan = _span(cell, "colspan", max(1, width - column) if width else _WHOLE_ROW)
            if not width and colspan >= _WHOLE_ROW:
                colspan = 1
            rowspan = _span(cell, "rowspan", left + 1)
            slots.append((column, cell))
            if rowspan > 1:
                covered.update((c, rowspan) for c in range(column, column + colspan))
            column += colspan
        while covered.get(column):
            slots.append((column, None))
            column += 1
        covered = {c: n - 1 for c, n in covered.items() if n > 1}
        widest = max(widest, column)
        grid.append(slots)
    return grid, widest


def _whole_row(slots: list[tuple[int, Any]], width: int) -> bool:
    return len(slots) == 1 and slots[0][1] is not None and _span(slots[0][1], "colspan", width) >= width


def _normalise_table(table: Any) -> None:
    """A table as a browser lays it out, in a grid Markdown can hold: ``<tfoot>`` rows last, an
    empty cell where a ``rowspan`` from above covers a slot (so values stay under their headers),
    no ``colspan`` wider than the table, and with spans, every row as wide as the table.

    (A "copyright" footer cell with ``colspan="999"`` would otherwise become 999 empty cells.)
    """
    for foot in table.find_all("tfoot", recursive=False):
        table.append(foot.extract())
    rows = [row for row in table.find_all("tr") if row.find_parent("table") is table]
    cells = [row.find_all(["td", "th"], recursive=False) for row in rows]
    if not any(cell.get("rowspan") or cell.get("colspan") for row in cells for cell in row):
        return  # the common case: nothing spans
    groups = [row.parent for row in rows]
    _, width = _layout(cells, groups, 0)
    grid, _ = _layout(cells, groups, width)
    from bs4 import BeautifulSoup

    maker = BeautifulSoup("", "html.parser")
    pairs = list(zip(rows, grid))
    # A first row over a header row, or a <tfoot> row, that is one cell across the whole table is
    # a title or a footer: a paragraph before or after the table, not a narrow first column (DC
    # Rainmaker's footer ran down column 1 over eight lines).
    for index, before in ((0, True), (-1, False)):
        while (
            len(pairs) > 1
            and width > 1
            and _whole_row(pairs[index][1], width)
            and (
                pairs[index][0].parent.name == "tfoot"
                if not before
                else all(cell is not None and cell.name == "th" for _, cell in pairs[1][1])
            )
        ):
            row, ((_, cell),) = pairs.pop(index)
            paragraph = maker.new_tag("p")
            holder = paragraph
            if cell.name == "th":
                holder = maker.new_tag("strong")
                paragraph.append(holder)
            holder.extend(list(cell.contents))
            (table.insert_before if before else table.insert_after)(paragraph)
            row.decompose()
    for row, slots in pairs:
        previous = None
        end = 0
        for column, cell in slots:
            if cell is None:
                cell = maker.new_tag("td")
                if previous is None:
                    row.insert(0, cell)
                else:
                    previous.insert_after(cell)
                end = column + 1
            else:
                span = _span(cell, "colspan", max(1, width - column))
                if span > 1:
                    cell["colspan"] = str(span)
                elif "colspan" in cell.attrs:
                    del cell["colspan"]
                end = column + span
            previous = cell
        for _ in range(end, width):
            row.append(maker.new_tag("td"))


def _tiny(value: Any) -> bool:
    try:
        return value is not None and 0 <= int(str(value).strip().rstrip("px")) <= 2
    except ValueError:
        return False


def _all_footnotes(ol: Any) -> bool:
    items = ol.find_all("li", recursive=False)
    return bool(items) and all(_footnote_item(li) for li in items)


_ELEMENT_CLASSES: dict[type, type] = {Tag: _Tag}
#: lxml closes implied end tags (<li>, <p>) the way browsers do; html.parser nests them.
#: (Converter.convert parses with this thread's _Builder while these are the options.)
_BS4_OPTIONS: dict[str, Any] = {"features": "lxml", "element_classes": _ELEMENT_CLASSES}

OPTIONS: dict[str, Any] = dict(
    bs4_options=_BS4_OPTIONS,
    heading_style="ATX",
    bullets="-",
    escape_underscores=False,
    escape_misc=False,
    table_infer_header=True,
)
