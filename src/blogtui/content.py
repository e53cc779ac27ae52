"""Feed HTML made safe and readable: control characters out, plain text, Markdown, safe links, read time."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

if TYPE_CHECKING:
    from .models import Post

# C0 controls except tab/newline/carriage return, DEL, C1 controls (ESC and CSI included), lone
# surrogates (JSON can carry them; SQLite cannot store them), and the Unicode bidi overrides and
# isolates that can reorder what a terminal shows. One pass: it runs on every string a feed sends.
_UNSAFE_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
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
    return _UNSAFE_RE.sub("", value)


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
    # Whitespace folded line by line with str.split (C speed; a regex pass over every space was
    # half of ingest's text extraction).
    text = "\n".join(" ".join(line.split()) for line in text.split("\n"))
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


_HEADING_RE = re.compile(r"^#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")


def _plain_words(text: str) -> str:
    text = re.sub(r"\\(.)", r"\1", text)  # Markdown escapes
    return " ".join(text.replace("*", " ").replace("_", " ").split()).casefold()


def without_title(markdown: str, title: str) -> str:
    """``markdown`` without a first heading that only repeats the post's title.

    Many blogs start a post's HTML (and every web page) with its title as ``<h1>``; the reader's
    header already shows the title, so it would read twice.
    """
    stripped = markdown.lstrip("\n")
    first, _, rest = stripped.partition("\n")
    match = _HEADING_RE.match(first)
    if match and rest.strip() and title.strip() and _plain_words(match.group(1)) == _plain_words(title):
        return rest.lstrip("\n")
    return markdown


def wants_full_article(post: Post) -> bool:
    """Whether fetching the post's page (``F``, ``show --full``) can add to what is stored.

    True for a summary-only post, and when nothing tells (no summary kept apart from the content);
    False when the post already holds more than its summary: the feed's whole article or a fetch.
    """
    return is_summary_only(post) or not (post.summary or "").strip()


TEXT_ESCAPE_RE = re.compile(r"([\\`*\[\]<])|&(?=#?\w+;)")
_FENCE_RE = re.compile(r"^\s*(`{3,}|~{3,})")


def fenced(lines: Iterable[str]) -> Iterator[tuple[str, bool]]:
    """Each Markdown line with whether it is part of a fenced code block (fences included).

    A block closes only at a fence of its own character at least as long as the one that opened
    it, with nothing after it (CommonMark), so a post quoting a fence inside code stays whole.
    """
    fence = ""
    for line in lines:
        match = _FENCE_RE.match(line)
        if fence:
            if match and match.group(1).startswith(fence) and not line.strip()[len(match.group(1)) :]:
                fence = ""
            yield line, True
        elif match:
            fence = match.group(1)
            yield line, True
        else:
            yield line, False


def _tidy(markdown: str) -> str:
    """Trailing spaces off (hard breaks kept), one blank line at most; code blocks left alone."""
    out: list[str] = []
    blank = True
    for line, code in fenced(markdown.split("\n")):
        if code:
            out.append(line)
            blank = False
            continue
        if not line.strip():
            if not blank:
                out.append("")
            blank = True
            continue
        hard_break = line.endswith("  ") and not line.endswith("   ")
        line = line.rstrip()
        out.append(line + "  " if hard_break else line)
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
        return _tidy(TEXT_ESCAPE_RE.sub(lambda m: "\\" + (m.group(1) or "&"), cleaned).strip())
    # markdownify (with BeautifulSoup and lxml) is imported on first use: the TUI starts without it.
    from .html_markdown import OPTIONS, Converter

    try:
        markdown = Converter(base_url, **OPTIONS).convert(cleaned)
    except Exception:  # noqa: BLE001 - a converter bug must not stop reading; fall back to text
        markdown = html_to_text(cleaned)
    return _tidy(clean_text(markdown))
