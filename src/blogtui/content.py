"""Feed HTML made safe and readable: control characters out, plain text, Markdown, safe links, read time."""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from markdownify import MarkdownConverter

if TYPE_CHECKING:
    from .models import Post

# C0 controls except tab/newline/carriage return, DEL, C1 controls (ESC and CSI included), and lone
# surrogates (JSON can carry them; SQLite cannot store them).
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Unicode bidi overrides and isolates can reorder what a terminal shows.
_BIDI_RE = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
# A bare carriage return moves the terminal's cursor back over what was printed: make it a newline.
_CR_RE = re.compile(r"\r\n?")
_DROP_BLOCK_RE = re.compile(
    r"<(script|style|noscript|template|object|embed|svg|title|head)\b[^>]*>.*?</\1\s*>",
    re.IGNORECASE | re.DOTALL,
)
# A script or style that is never closed runs to the end of the document (as in a browser).
_UNCLOSED_RE = re.compile(r"<(script|style)\b.*\Z", re.IGNORECASE | re.DOTALL)
# An iframe's body is fallback markup for old browsers: drop it, keep the tag (it becomes a link).
_IFRAME_BODY_RE = re.compile(r"(<iframe\b[^>]*>).*?</iframe\s*>", re.IGNORECASE | re.DOTALL)
_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)
_BLOCK_TAG_RE = re.compile(
    r"</?(p|div|br|li|ul|ol|h[1-6]|pre|blockquote|tr|table|section|article|figure|figcaption)\b[^>]*>",
    re.IGNORECASE,
)
_CELL_TAG_RE = re.compile(r"</?(td|th|dd|dt)\b[^>]*>", re.IGNORECASE)
_TAG_RE = re.compile(r"<[^>]*>")
_SPACE_RE = re.compile(r"[ \t\r\f\v]+")
_BLANKS_RE = re.compile(r"\n\s*\n+")
_WORD_RE = re.compile(r"\w+")
#: A ``<base href>`` that parse.py puts in front of a post's HTML when its ``xml:base`` differs
#: from the post's link (feedparser's own relative-URI pass is off for speed).
_BASE_RE = re.compile(r'^\s*<base\s+href="([^"]*)"\s*/?>', re.IGNORECASE)

WORDS_PER_MINUTE = 230
#: The URL schemes a link may have to be opened (or shown as a link at all).
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})


def clean_text(value: str | None) -> str:
    """Strip C0/C1 control characters and bidi overrides from one string (newlines and tabs stay).

    A carriage return becomes a newline, so text can never overwrite what a terminal has printed.
    """
    if not value:
        return ""
    if "\r" in value:
        value = _CR_RE.sub("\n", value)
    return _BIDI_RE.sub("", _CONTROL_RE.sub("", value))


def clean_line(value: str | None) -> str:
    """Like :func:`clean_text`, and fold all whitespace to single spaces (titles, names, URLs)."""
    return " ".join(clean_text(value).split())


def safe_link(url: str | None) -> str | None:
    """The URL if it may be opened: an absolute ``http``, ``https`` or ``mailto`` link, else None.

    The UI calls this before opening any link; the Markdown converter keeps only such links.
    """
    if not url:
        return None
    cleaned = clean_line(url)
    if not cleaned or " " in cleaned or cleaned != url.strip():
        return None
    try:
        parts = urlsplit(cleaned)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in SAFE_SCHEMES:
        return None
    if scheme != "mailto" and not parts.netloc:
        return None
    if scheme == "mailto" and not parts.path:
        return None
    return cleaned


def html_to_text(fragment: str | None) -> str:
    """Plain searchable text from HTML, cheaply (no parser): used for full-text indexing at ingest."""
    if not fragment:
        return ""
    text = _COMMENT_RE.sub(" ", fragment)
    text = _UNCLOSED_RE.sub(" ", _DROP_BLOCK_RE.sub(" ", text))
    text = _IFRAME_BODY_RE.sub(" ", text)
    text = _BLOCK_TAG_RE.sub("\n", text)
    text = _CELL_TAG_RE.sub(" ", text)
    text = _TAG_RE.sub("", text)
    text = clean_text(html.unescape(text))
    text = _SPACE_RE.sub(" ", text)
    return _BLANKS_RE.sub("\n", text).strip()


def reading_minutes(text: str) -> int:
    """Minutes a reader needs for ``text`` at an average pace (at least 1)."""
    return max(1, round(len(_WORD_RE.findall(text)) / WORDS_PER_MINUTE))


def is_summary_only(post: Post) -> bool:
    """Whether a stored post holds only the feed's summary, not the whole article.

    parse.py marks such posts by storing the summary in both ``summary`` and ``content_html``;
    once :meth:`Library.fetch_full_article` has stored the article, the two differ. The reader
    shows a note and offers ``F`` / ``blogtui show --full`` when this is true and the post has a link.
    """
    summary = (post.summary or "").strip()
    return bool(summary) and summary == (post.content_html or "").strip()


# -- code languages --------------------------------------------------------------------------------

_LANG_PREFIX_RE = re.compile(r"^(?:language|lang|highlight-source|highlight)-([\w+#.-]+)$", re.I)
_BRUSH_RE = re.compile(r"brush:\s*([\w+#-]+)", re.I)
_NOT_LANGUAGES = frozenset(
    {"none", "plaintext", "text", "plain", "nohighlight", "notranslate", "source", "default", "txt"}
)
# Class names that say "this is highlighted code" without naming the language.
_MARKER_CLASSES = frozenset({"hljs", "sourcecode", "highlight", "chroma", "prettyprint", "code"})


def _classes(node: Any) -> list[str]:
    classes = node.get("class") or []
    return classes.split() if isinstance(classes, str) else list(classes)


def _language_of(node: Any) -> str:
    """A language named by one element's attributes, or ''."""
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
    return ""


def _code_language(pre: Any) -> str:
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
        lang = _language_of(node)
        if lang:
            return lang
    return ""


def _pre_text(node: Any) -> str:
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
_BACKREF_RE = re.compile(r"^#(?:fnref|footnote-ref|noteref|ref)[-:_]?", re.I)


def _footnote_label(anchor_id: str) -> str:
    match = _FOOTNOTE_ID_RE.match(anchor_id or "")
    return match.group(1) if match else ""


def _is_backref(el: Any) -> bool:
    href = el.get("href") or ""
    classes = {c.lower() for c in _classes(el)}
    return bool(
        _BACKREF_RE.match(href)
        or classes & {"footnote-backref", "reversefootnote", "footnote-back"}
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
_TEXT_ESCAPE_RE = re.compile(r"([\\`*\[\]<])|&(?=#?\w+;)")
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
_PERMALINK_MARKS = frozenset({"¶", "#", "§", "🔗", "link", "permalink"})
# Feed ads and share-button images that FeedBurner and WordPress put in every post.
_AD_IMAGE_RE = re.compile(
    r"^https?://(?:feedads\.g\.doubleclick\.net/|feeds\.feedburner\.com/~(?:ff|r|a)/|pixel\.wp\.com/"
    r"|stats\.wordpress\.com/|feeds\.wordpress\.com/[\d.]+/(?:comments|go)/)",
    re.IGNORECASE,
)


def _escape_label(text: str) -> str:
    return " ".join(text.replace("[", "(").replace("]", ")").split())


class _Converter(MarkdownConverter):
    """markdownify with the choices blogtui needs for a reader pane (see :func:`html_to_markdown`)."""

    def __init__(self, base_url: str = "", **options: Any) -> None:
        super().__init__(**options)
        self.base_url = base_url

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
        if self.base_url:
            try:
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
            return f"[^{label}]"
        if "_noformat" in parent_tags:
            return text
        stripped = text.strip()
        raw_href = (el.get("href") or "").strip()
        if raw_href.startswith("#") and stripped in _PERMALINK_MARKS:
            return ""  # a heading's permalink mark ("¶", "#")
        href = self._link(raw_href)
        if not stripped or href is None or el.find(_BLOCK_TAGS) is not None:
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
        code = _pre_text(el).strip("\n")
        if not code.strip():
            return ""
        code = "\n".join(line.rstrip() for line in code.split("\n"))
        longest = max((len(m) for m in re.findall(r"`{3,}", code)), default=2)
        fence = "`" * (longest + 1)
        language = _code_language(el)
        return f"\n\n{fence}{language}\n{code}\n{fence}\n\n"

    def convert_li(self, el, text, parent_tags):  # type: ignore[no-untyped-def]
        label = _footnote_item(el)
        if label and el.parent is not None and _all_footnotes(el.parent):
            body = text.strip()
            body = "\n".join(
                ("    " + line if line and i else line) for i, line in enumerate(body.split("\n"))
            )
            return f"[^{label}]: {body}\n\n"
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
        return super().convert_td(el, text.replace("|", "\\|"), parent_tags)

    def convert_th(self, el, text, parent_tags):  # type: ignore[no-untyped-def]
        return super().convert_th(el, text.replace("|", "\\|"), parent_tags)

    def convert_table(self, el, text, parent_tags):  # type: ignore[no-untyped-def]
        if "highlighttable" in _classes(el):  # Pygments with a line-number column: the code only
            code = el.find(class_="code")
            pre = code.find("pre") if code is not None else None
            if pre is not None:
                return self.convert_pre(pre, "", parent_tags)
        return super().convert_table(el, text, parent_tags)

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


def _tiny(value: Any) -> bool:
    try:
        return value is not None and 0 <= int(str(value).strip().rstrip("px")) <= 2
    except ValueError:
        return False


def _all_footnotes(ol: Any) -> bool:
    items = ol.find_all("li", recursive=False)
    return bool(items) and all(_footnote_item(li) for li in items)


_OPTIONS: dict[str, Any] = dict(
    # lxml closes implied end tags (<li>, <p>) the way browsers do; html.parser nests them.
    bs4_options="lxml",
    heading_style="ATX",
    bullets="-",
    escape_underscores=False,
    escape_misc=False,
    table_infer_header=True,
)
_FENCE_RE = re.compile(r"^\s*(`{3,}|~{3,})")


def _tidy(markdown: str) -> str:
    """Trailing spaces off (hard breaks kept), one blank line at most; code blocks left alone."""
    out: list[str] = []
    fence = ""
    blank = True
    for line in markdown.split("\n"):
        match = _FENCE_RE.match(line)
        if fence:
            out.append(line)
            if match and match.group(1).startswith(fence) and not line.strip()[len(match.group(1)) :]:
                fence = ""
            continue
        if match:
            fence = match.group(1)
        if not line.strip():
            if not blank:
                out.append("")
            blank = True
            continue
        hard_break = line.endswith("  ") and not line.endswith("   ")
        line = line.rstrip()
        out.append(line + "  " if hard_break and not match else line)
        blank = False
    text = "\n".join(out).strip("\n")
    # A hard break at the end of a paragraph means nothing.
    return re.sub(r" {2}(?=\n\n|$)", "", text)


def html_to_markdown(fragment: str | None, base_url: str = "") -> str:
    """Markdown for the reader pane from a feed's HTML; never raises, whatever the HTML.

    Scripts, styles and iframe bodies are dropped; images, iframes and videos become labelled
    links; only http/https/mailto links survive; relative URLs resolve against a leading
    ``<base href>`` (the feed's ``xml:base``) or else ``base_url``.

    Args:
        fragment: the HTML as the feed sent it.
        base_url: what relative links and images resolve against (the post's link).
    """
    if not fragment:
        return ""
    fragment = clean_text(fragment)
    declared = _BASE_RE.match(fragment)
    if declared:
        base = html.unescape(declared.group(1))
        base_url = urljoin(base_url, base) if base_url else base
        fragment = fragment[declared.end() :]
    cleaned = _UNCLOSED_RE.sub("", _DROP_BLOCK_RE.sub("", _COMMENT_RE.sub("", fragment)))
    cleaned = _IFRAME_BODY_RE.sub(r"\1</iframe>", cleaned)
    if "<" not in cleaned and "&" not in cleaned:  # plain text: no parser needed
        return _tidy(_TEXT_ESCAPE_RE.sub(lambda m: "\\" + (m.group(1) or "&"), cleaned).strip())
    try:
        markdown = _Converter(base_url, **_OPTIONS).convert(cleaned)
    except Exception:  # noqa: BLE001 - a converter bug must not stop reading; fall back to text
        markdown = html_to_text(cleaned)
    return _tidy(clean_text(markdown))
