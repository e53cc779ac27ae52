"""Plain text from HTML (for the search index), reading time, titles, fences and the summary rules."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from .sanitize import COMMENT_RE, DROP_BLOCK_RE, IFRAME_BODY_RE, UNCLOSED_RE, clean_text

if TYPE_CHECKING:
    from ..models import Post

_BLOCK_TAG_RE = re.compile(
    r"</?(p|div|br|li|ul|ol|h[1-6]|pre|blockquote|tr|table|section|article|figure|figcaption)\b[^>]*>",
    re.IGNORECASE,
)
_CELL_TAG_RE = re.compile(r"</?(td|th|dd|dt)\b[^>]*>", re.IGNORECASE)
_TAG_RE = re.compile(r"<[^>]*>")
_BLANKS_RE = re.compile(r"\n\s*\n+")
_WORD_RE = re.compile(r"\w+")

WORDS_PER_MINUTE = 230


def html_to_text(fragment: str | None) -> str:
    """Plain searchable text from HTML, cheaply (no parser): used for full-text indexing at ingest."""
    if not fragment:
        return ""
    text = COMMENT_RE.sub(" ", fragment)
    text = UNCLOSED_RE.sub(" ", DROP_BLOCK_RE.sub(" ", text))
    text = IFRAME_BODY_RE.sub(" ", text)
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
    return post.summary_only or not (post.summary or "").strip()


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
