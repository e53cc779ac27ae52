"""HTML to Markdown for the reader pane: clean, resolve the base, convert (converter.py), tidy."""

from __future__ import annotations

import html
import re
import time
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from .sanitize import COMMENT_RE, DROP_BLOCK_RE, IFRAME_BODY_RE, TEXT_ESCAPE_RE, UNCLOSED_RE, clean_text
from .text import fenced, html_to_text

if TYPE_CHECKING:
    pass

#: A ``<base href>`` that parsing/ puts in front of a post's HTML when its ``xml:base`` differs
#: from the post's link (feedparser's own relative-URI pass is off for speed).
_BASE_RE = re.compile(r'^\s*<base\s+href="([^"]*)"\s*/?>', re.IGNORECASE)


#: Past this many tags (``<`` in the cleaned HTML) a post is shown as plain text: parsing and
#: converting cost tens of microseconds a tag, and a post should show within 2 s whatever it
#: holds (the corpus's largest, a MathML post, has 31,137).
MAX_TAGS = 50_000
#: The converter's deadline for one post, parsing included (checked at every element), in CPU
#: seconds of the converting thread: what the post costs, whatever else the machine runs.
MAX_SECONDS = 1.8
#: The note over a post shown as plain text (the reason follows it).
PLAIN_TEXT_NOTE = "Shown as plain text"


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
        # "text <br>" leaves three spaces or more: still a hard break (not on a bare quote marker).
        hard_break = line.endswith("  ") and bool(line.strip(" >"))
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
    cleaned = UNCLOSED_RE.sub("", DROP_BLOCK_RE.sub("", COMMENT_RE.sub("", fragment)))
    cleaned = IFRAME_BODY_RE.sub(r"\1</iframe>", cleaned)
    if "<" not in cleaned and "&" not in cleaned:  # plain text: no parser needed
        return _tidy(TEXT_ESCAPE_RE.sub(lambda m: "\\" + (m.group(1) or "&"), cleaned).strip())
    # Bounded work (pathological HTML: 20,000 nested elements, a 60,000-cell table, 50,000 links):
    # too many tags is plain text at once; the converter stops at its deadline; either way, and
    # when it fails, the post shows as plain text with a note saying why.
    tags = cleaned.count("<")
    if tags > MAX_TAGS:
        return _as_plain_text(cleaned, f"{tags:,} tags, more than the reader formats")
    # markdownify (with BeautifulSoup and lxml) is imported on first use: the TUI starts without it.
    from .converter import OPTIONS, ConversionTimeout, Converter

    converter = Converter(base_url, **OPTIONS)
    converter.deadline = time.thread_time() + MAX_SECONDS
    try:
        markdown = converter.convert(cleaned)
    except RecursionError:
        return _as_plain_text(cleaned, "nested too deeply to format")
    except ConversionTimeout:
        return _as_plain_text(cleaned, f"too long to format in {MAX_SECONDS:g} s")
    except Exception:  # noqa: BLE001 - a converter bug must not stop reading; fall back to text
        return _as_plain_text(cleaned, "the formatter failed on it")
    return _tidy(clean_text(markdown))


def _as_plain_text(cleaned: str, why: str) -> str:
    """A post that cannot be converted: its text, escaped as Markdown, under a note saying why."""
    text = html_to_text(cleaned)
    escaped = TEXT_ESCAPE_RE.sub(lambda m: "\\" + (m.group(1) or "&"), text)
    body = escaped.replace("\n", "\n\n")  # html_to_text puts a block on each line
    return _tidy(f"*{PLAIN_TEXT_NOTE}: {why}.*\n\n{body}")
