"""HTML to Markdown for the reader pane: clean, resolve the base, convert (converter.py), tidy."""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from .sanitize import COMMENT_RE, DROP_BLOCK_RE, IFRAME_BODY_RE, TEXT_ESCAPE_RE, UNCLOSED_RE, clean_text
from .text import fenced, html_to_text

if TYPE_CHECKING:
    pass

#: A ``<base href>`` that parsing/ puts in front of a post's HTML when its ``xml:base`` differs
#: from the post's link (feedparser's own relative-URI pass is off for speed).
_BASE_RE = re.compile(r'^\s*<base\s+href="([^"]*)"\s*/?>', re.IGNORECASE)


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
    # markdownify (with BeautifulSoup and lxml) is imported on first use: the TUI starts without it.
    from .converter import OPTIONS, Converter

    try:
        markdown = Converter(base_url, **OPTIONS).convert(cleaned)
    except Exception:  # noqa: BLE001 - a converter bug must not stop reading; fall back to text
        markdown = html_to_text(cleaned)
    return _tidy(clean_text(markdown))
