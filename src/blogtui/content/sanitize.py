"""Untrusted text made safe to store and show: control characters out, unsafe blocks out, safe links only.

The leaf of the content package: every other content module builds on it, it imports none of them."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    pass

# C0 controls except tab/newline/carriage return, DEL, C1 controls (ESC and CSI included), lone
# surrogates (JSON can carry them; SQLite cannot store them), and the Unicode bidi overrides and
# isolates that can reorder what a terminal shows. One pass: it runs on every string a feed sends.
_UNSAFE_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
# The characters of _UNSAFE_RE that are ASCII, as bytes: an ASCII string (most of a feed's text)
# loses them with bytes.translate, at memory speed, where the regex tests each character's class
# (ingest cleans every field and every post's text: 0.12 s of CPU per 10,000 posts, now 0.03).
_UNSAFE_ASCII = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
# A bare carriage return moves the terminal's cursor back over what was printed: make it a newline.
_CR_RE = re.compile(r"\r\n?")
DROP_BLOCK_RE = re.compile(
    r"<(script|style|noscript|template|object|embed|svg|title|head)\b[^>]*>.*?</\1\s*>",
    re.IGNORECASE | re.DOTALL,
)
# A script or style that is never closed runs to the end of the document (as in a browser).
UNCLOSED_RE = re.compile(r"<(script|style)\b.*\Z", re.IGNORECASE | re.DOTALL)
# An iframe's body is fallback markup for old browsers: drop it, keep the tag (it becomes a link).
IFRAME_BODY_RE = re.compile(r"(<iframe\b[^>]*>).*?</iframe\s*>", re.IGNORECASE | re.DOTALL)
COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)


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
    if value.isascii():  # known at once (CPython keeps it with the string)
        raw = value.encode("ascii")
        kept = raw.translate(None, _UNSAFE_ASCII)
        return value if len(kept) == len(raw) else kept.decode("ascii")
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


#: Characters that would read as Markdown in plain text (escaped by the converter).
TEXT_ESCAPE_RE = re.compile(r"([\\`*\[\]<])|&(?=#?\w+;)")
