"""Feed HTML made safe and readable: control-character stripping, plain text, Markdown, reading time."""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin

from markdownify import MarkdownConverter

# C0 controls except tab/newline/carriage return, DEL, and C1 controls (ESC and CSI included).
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Unicode bidi overrides and isolates can reorder what a terminal shows.
_BIDI_RE = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
_DROP_BLOCK_RE = re.compile(
    r"<(script|style|iframe|noscript|template|object|embed)\b[^>]*>.*?</\1\s*>",
    re.IGNORECASE | re.DOTALL,
)
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

WORDS_PER_MINUTE = 230


def clean_text(value: str | None) -> str:
    """Strip C0/C1 control characters and bidi overrides from one string (newlines and tabs stay)."""
    if not value:
        return ""
    return _BIDI_RE.sub("", _CONTROL_RE.sub("", value))


def clean_line(value: str | None) -> str:
    """Like :func:`clean_text`, and fold all whitespace to single spaces (titles, names)."""
    return " ".join(clean_text(value).split())


def html_to_text(fragment: str | None) -> str:
    """Plain searchable text from HTML, cheaply (no parser): used for full-text indexing at ingest."""
    if not fragment:
        return ""
    text = _COMMENT_RE.sub(" ", fragment)
    text = _DROP_BLOCK_RE.sub(" ", text)
    text = _BLOCK_TAG_RE.sub("\n", text)
    text = _CELL_TAG_RE.sub(" ", text)
    text = _TAG_RE.sub("", text)
    text = clean_text(html.unescape(text))
    text = _SPACE_RE.sub(" ", text)
    return _BLANKS_RE.sub("\n", text).strip()


def reading_minutes(text: str) -> int:
    """Minutes a reader needs for ``text`` at an average pace (at least 1)."""
    return max(1, round(len(_WORD_RE.findall(text)) / WORDS_PER_MINUTE))


_LANG_RE = re.compile(r"(?:^|\s)(?:language|lang|highlight-source|brush:?)-?([\w+#.-]+)", re.I)


def _code_language(el) -> str:  # type: ignore[no-untyped-def]
    """The language of a ``<pre>`` block from its class names (or its ``<code>`` child's)."""
    candidates = [el]
    code = el.find("code")
    if code is not None:
        candidates.append(code)
    for node in candidates:
        classes = node.get("class") or []
        if isinstance(classes, str):
            classes = classes.split()
        for name in classes:
            match = _LANG_RE.search(name)
            if match and match.group(1).lower() not in {"none", "plaintext", "text"}:
                return match.group(1).lower()
        lang = node.get("data-lang") or node.get("data-language")
        if lang:
            return str(lang).lower()
    return ""


class _Converter(MarkdownConverter):
    """markdownify with the choices blogtui needs for a reader pane."""

    base_url = ""

    def _url(self, value: str | None) -> str:
        value = (value or "").strip()
        if not value or not self.base_url:
            return value
        try:
            return urljoin(self.base_url, value)
        except ValueError:
            return value

    def convert_a(self, el, text, parent_tags):  # type: ignore[no-untyped-def]
        if el.get("href"):
            el["href"] = self._url(el.get("href"))
        return super().convert_a(el, text, parent_tags)

    def convert_img(self, el, text, parent_tags):  # type: ignore[no-untyped-def]
        src = self._url(el.get("src"))
        alt = " ".join((el.get("alt") or el.get("title") or "").split())
        if not src:
            return alt
        label = f"image: {alt}" if alt else "image"
        return f"[{label}]({src})"

    def convert_iframe(self, el, text, parent_tags):  # type: ignore[no-untyped-def]
        src = (el.get("src") or "").strip()
        return f"\n\n[embedded: {src}]({src})\n\n" if src.startswith(("http://", "https://")) else ""

    def convert_video(self, el, text, parent_tags):  # type: ignore[no-untyped-def]
        src = (el.get("src") or "").strip()
        if not src:
            source = el.find("source")
            src = (source.get("src") or "").strip() if source is not None else ""
        return f"\n\n[video: {src}]({src})\n\n" if src else ""

    def convert_figcaption(self, el, text, parent_tags):  # type: ignore[no-untyped-def]
        text = text.strip()
        return f"\n\n*{text}*\n\n" if text else ""


_OPTIONS = dict(
    heading_style="ATX",
    bullets="-",
    code_language_callback=_code_language,
    strip=[
        "script",
        "style",
        "noscript",
        "template",
        "object",
        "embed",
        "form",
        "input",
        "button",
    ],
    escape_underscores=False,
    escape_misc=False,
)


def html_to_markdown(fragment: str | None, base_url: str = "") -> str:
    """Markdown for the reader pane from a feed's HTML; never raises on bad HTML.

    Args:
        fragment: the HTML as the feed sent it.
        base_url: what relative links and images resolve against (the post's link).
    """
    if not fragment:
        return ""
    cleaned = _DROP_BLOCK_RE.sub("", _COMMENT_RE.sub("", fragment))
    if "<" not in cleaned and "&" not in cleaned:
        return clean_text(cleaned).strip()
    try:
        converter = _Converter(**_OPTIONS)
        converter.base_url = base_url
        markdown = converter.convert(cleaned)
    except Exception:  # noqa: BLE001 - a converter bug must not stop reading; fall back to text
        markdown = html_to_text(cleaned)
    markdown = clean_text(markdown)
    return _BLANKS_RE.sub("\n\n", markdown).strip()
