"""Plain text from HTML (for the search index), reading time, titles, fences and the summary rules."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from .sanitize import COMMENT_RE, DROP_BLOCK_RE, IFRAME_BODY_RE, UNCLOSED_RE, clean_text

if TYPE_CHECKING:
    from ..models import Post


def _any_case(*names: str) -> str:
    """An alternation of element names in either case, each letter a class (``[pP]``): Python's
    ``re`` is slower at every ``<`` with IGNORECASE (ASCII names only: ``<ſcript>`` is no script
    element, as browsers agree)."""
    return "|".join(
        "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in name) for name in names
    )


_BLOCK_TAG_RE = re.compile(
    r"</?(?:"
    + _any_case("p", "div", "br", "li", "ul", "ol", "h[1-6]", "pre", "blockquote", "tr", "table", "section")
    + "|"
    + _any_case("article", "figure", "figcaption")
    + r")\b[^>]*>"
)
_CELL_TAG_RE = re.compile(r"</?(?:" + _any_case("td", "th", "dd", "dt") + r")\b[^>]*>")
_TAG_RE = re.compile(r"<[^>]*>")
#: Where any of the elements DROP_BLOCK_RE, UNCLOSED_RE and IFRAME_BODY_RE take out may start: one
#: pass instead of three over the many posts that hold none (98 % of the bench corpus's and the
#: real corpus's posts).
_DROP_HINT_RE = re.compile(
    "<(?:"
    + _any_case(
        "script", "style", "noscript", "template", "object", "embed", "svg", "title", "head", "iframe"
    )
    + r")\b"
)
_WORD_RE = re.compile(r"\w+")
# A superscript or subscript and what it holds (no nesting of its own kind: they do not nest).
_SCRIPT_RE = re.compile(r"<(sup|sub)\b[^>]*>(.*?)</\1\s*>", re.IGNORECASE | re.DOTALL)

WORDS_PER_MINUTE = 230

#: The characters that have a superscript (and a subscript) form in Unicode, and those forms.
SUPERSCRIPT = str.maketrans(
    "0123456789+-−=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVW",
    "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂ",
)
SUBSCRIPT = str.maketrans("0123456789+-−=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ")
#: Marks that are already raised: in a superscript they stay as they are.
RAISED = frozenset({"®", "™", "©", "†", "‡", "°", "′", "″", "*", "§"})


def script_text(inner: str, *, sub: bool = False) -> str:
    """A superscript's (``sub``: a subscript's) plain text as the reader shows it: in Unicode
    where every character has a form ("N²", "H₂O"), else ``^(...)`` / ``_(...)``; never run into
    the text before it ("N2" reads as another number)."""
    text = inner.strip()
    if not text or text in RAISED:
        return text
    table = SUBSCRIPT if sub else SUPERSCRIPT
    if all(ord(c) in table for c in text):
        return text.translate(table)
    return f"{'_' if sub else '^'}({text})"


def _script_html(match: re.Match[str]) -> str:
    inner = match.group(2)
    if "<a" in inner or "<A" in inner:
        return " " + inner + " "  # a footnote's mark: a word of its own, not part of the one before
    sub = match.group(1).lower() == "sub"
    text = _TAG_RE.sub("", inner)
    if "&" in text:
        # Character references are decoded once, later, with the rest of the text: decoded here
        # only to see whether the characters have forms (then the forms hold no reference).
        decoded = html.unescape(text).strip()
        if decoded in RAISED or all(ord(c) in (SUBSCRIPT if sub else SUPERSCRIPT) for c in decoded):
            return script_text(decoded, sub=sub)
    return script_text(text, sub=sub)  # with a reference left in it: ^(...) as written


def html_to_text(fragment: str | None, *, scripts: bool = True) -> str:
    """Plain searchable text from HTML, cheaply (no parser): used for full-text indexing at ingest.

    Superscripts and subscripts read as the reader shows them (:func:`script_text`); with
    ``scripts`` false, run into the text before them as before schema 11 ("N2": what a schema 10
    cache's search index holds, which the migration must repeat to take it out).
    """
    if not fragment:
        return ""
    text = COMMENT_RE.sub(" ", fragment) if "<!--" in fragment else fragment
    if _DROP_HINT_RE.search(text):
        text = UNCLOSED_RE.sub(" ", DROP_BLOCK_RE.sub(" ", text))
        text = IFRAME_BODY_RE.sub(" ", text)
    if scripts and ("<su" in text or "<SU" in text or "<Su" in text):
        text = _SCRIPT_RE.sub(_script_html, text)
    text = _BLOCK_TAG_RE.sub("\n", text)
    text = _CELL_TAG_RE.sub(" ", text)
    text = _TAG_RE.sub("", text)
    return fold_lines(clean_text(html.unescape(text)))


def fold_lines(text: str) -> str:
    """``text`` with the whitespace of each line folded to single spaces and the blank lines
    dropped (then nothing leads or trails).

    Folded with str.split (C speed; a regex pass over every space was half of ingest's text
    extraction); a blank line is passed over without folding it (two thirds of a post's lines:
    each block's tags end one), where before every line was folded and the blank ones then
    taken out by a regex over the whole text.
    """
    return "\n".join([" ".join(line.split()) for line in text.split("\n") if line and not line.isspace()])


# Markup in a title: a closing tag of an HTML element (an opening one alone, "the <div>
# element", is text). The tags then go; a <br> is a space.
_TITLE_CLOSE_RE = re.compile(r"</([a-zA-Z][a-zA-Z0-9]*)\s*>")
_TITLE_BREAK_RE = re.compile(r"<br\s*/?>", re.IGNORECASE)
#: Elements whose tags a title may hold as markup (anything else, "<T>", stays as written).
TITLE_ELEMENTS = frozenset({
    "a", "abbr", "acronym", "b", "bdi", "bdo", "big", "br", "cite", "code", "del", "dfn", "em", "font",
    "i", "ins", "kbd", "mark", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup",
    "time", "tt", "u", "var", "wbr",
})  # fmt: skip
_TITLE_TAG_RE = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)\b[^<>]*>")


def title_from_markup(value: str) -> str:
    """A title as plain text: character references decoded (``&amp;``, ``&lt;b&gt;``), and when
    the title then holds HTML markup (``<em>x</em>``, ``ft<sup>2</sup>``), its tags stripped
    (superscripts as the reader shows them: "ft²"). Not folded to one line (the caller does)."""
    text = html.unescape(value) if "&" in value else value
    if "</" not in text or not _TITLE_CLOSE_RE.search(text):
        return text
    names = {m.group(1).lower() for m in _TITLE_TAG_RE.finditer(text)}
    if not names or not names <= TITLE_ELEMENTS:
        return text  # "<T>" in a title about generics: not markup
    if "<su" in text or "<SU" in text:
        text = _SCRIPT_RE.sub(
            lambda m: script_text(_TAG_RE.sub("", m.group(2)), sub=m.group(1).lower() == "sub"), text
        )
    text = _TITLE_BREAK_RE.sub(" ", text)
    return _TITLE_TAG_RE.sub("", text)


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


#: Characters of a post's HTML read for its opening words (enough for a sentence or two of text).
OPENING_HTML = 2000
#: The most characters of text an untitled post's opening words take.
OPENING_CHARS = 80
_PARTIAL_TAG_RE = re.compile(r"<[^>]*$")


def opening_words(fragment: str | None, limit: int = OPENING_CHARS) -> str:
    """The first words of an HTML fragment's text on one line, at most ``limit`` characters (cut at
    a word, then "…"): what stands for the title of an untitled post. Only the first
    ``OPENING_HTML`` characters are read (a tag cut there is dropped)."""
    if not fragment:
        return ""
    text = " ".join(html_to_text(_PARTIAL_TAG_RE.sub("", fragment[:OPENING_HTML])).split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut and not text[limit - 1].isspace():
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-–—") + "…"


#: Characters of text from which a post reads as a whole article, whatever else it holds.
ARTICLE_CHARS = 1500
# How the start of a post ends when the rest is on the web: "[…]", "Read more", ...
TRUNCATED_RE = re.compile(
    r"(\[\s*(?:…|\.\.\.|&hellip;)\s*\]|…|\.\.\.|read more|continue reading|keep reading"
    r"|read the (?:full|rest)|more\s*(?:»|&raquo;|→)|\(more…?\))[\s\W]*$",
    re.IGNORECASE,
)


def looks_truncated(text: str) -> bool:
    """Whether plain ``text`` ends the way the start of a longer post does ("…", "Read more")."""
    return bool(TRUNCATED_RE.search(text[-200:]))


def wants_full_article(post: Post) -> bool:
    """Whether fetching the post's page (``F``, ``show --full``) can add to what is stored.

    Decided by what the post holds, not by which feed field it came from: True for a
    summary-only post, for an article that ends like a teaser ("…", "Read more"), and for a short
    one that is not clearly more than its summary; False for a long article (``ARTICLE_CHARS``) or
    one at least twice its summary's length (the feed's whole article or a fetch).
    """
    if post.summary_only:
        return True
    article = html_to_text(post.content_html)
    if looks_truncated(article):
        return True
    if len(article) >= ARTICLE_CHARS:
        return False
    summary = html_to_text(post.summary)
    return not summary or len(article) < 2 * len(summary)


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
