"""The reader pane: a post's header and Markdown, rendered to lines off the event loop, links numbered."""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.cells import cell_len
from rich.color import Color
from rich.console import Console, Group, RenderableType
from rich.rule import Rule
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from rich.theme import Theme
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...content.text import fenced, reading_minutes
from ...models import Post
from ...query import Compiled, highlight_spans
from .images import (
    CachedImage,
    ImageRef,
    Picture,
    fit,
    follow_cell_size,
    halfcell_strips,
    is_sixel_line,
    picture_index,
    picture_strips,
    place_pictures,
    placed,
    send_uploads,
    sixel_line,
    split_sixel,
)

# [text](url) or [text](url "title"), not images-in-links; nested brackets are rare in converted HTML.
_LINK_RE = re.compile(r"(?<!\\)\[((?:[^\[\]\\]|\\.)*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_AUTOLINK_RE = re.compile(r"<(https?://[^>\s]+|mailto:[^>\s]+)>")

#: Characters of Markdown laid out together: a long post is laid out in blocks of about this
#: many (whole top-level Markdown blocks), the ones on its first screen first.
BLOCK = 1500
#: A post up to this many characters of Markdown is laid out at once, as one block.
AT_ONCE = 9000
#: Lines of a post's first screen when the pane's height is not given: pictures below it are
#: drawn with the rest of the post.
FIRST_LINES = 70


def number_links(markdown: str) -> tuple[str, list[str]]:
    """Number every link in ``markdown`` (outside code blocks): ``[text](url)`` becomes ``text [n]``.

    Returns:
        The rewritten Markdown and the URLs, where ``links[n - 1]`` is link ``n``.
    """
    links: list[str] = []
    index: dict[str, int] = {}

    def number(url: str) -> int:
        if url not in index:
            links.append(url)
            index[url] = len(links)
        return index[url]

    def replace_link(match: re.Match[str]) -> str:
        text, url = match.group(1), match.group(2)
        n = number(url)
        return f"{text} [{n}]" if text.strip() else f"[{n}]"

    def replace_auto(match: re.Match[str]) -> str:
        return f"{match.group(1)} [{number(match.group(1))}]"

    out: list[str] = []
    for line, code in fenced(markdown.split("\n")):
        if code:
            out.append(line)
            continue
        line = _LINK_RE.sub(replace_link, line)
        out.append(_AUTOLINK_RE.sub(replace_auto, line))
    return "\n".join(out), links


# Footnotes as the converter writes them (content/converter.py numbers them 1, 2, ...).
_NOTE_REF_RE = re.compile(r"(?<!\\)\[\^(\d+)\](?!:)")
_NOTE_DEF_RE = re.compile(r"^\[\^(\d+)\]:[ \t]?(.*)$")
# In the Markdown given to Rich, a footnote's marks are private-use characters, one cell each, so
# that after wrapping they are found for sure and drawn as what they stand for (_draw_notes):
_REF_DIGIT = 0xE000  # a reference in the text: digit d of its number at U+E000 + d ("¹")
_NOTE_DIGIT = 0xE010  # the number that starts a note: digit d at U+E010 + d ("1")
_BACK = "\ue020"  # the end of a note's first paragraph: back to the text ("↩")
_MARKS_RE = re.compile("[\ue000-\ue009]+|[\ue010-\ue019]+|\ue020")
_DRAWN = {
    **{_REF_DIGIT + d: "⁰¹²³⁴⁵⁶⁷⁸⁹"[d] for d in range(10)},
    **{_NOTE_DIGIT + d: str(d) for d in range(10)},
    ord(_BACK): "↩",
}


_CODE_SPAN_RE = re.compile(r"(`+)(?:.*?[^`])?\1(?!`)")


def _digits(number: str, base: int) -> str:
    return "".join(chr(base + int(d)) for d in number)


def _mark_refs(text: str) -> str:
    """``[^n]`` references in ``text`` as marks, except inside inline code."""
    out, position = [], 0
    for span in _CODE_SPAN_RE.finditer(text):
        out += [
            _NOTE_REF_RE.sub(lambda m: _digits(m.group(1), _REF_DIGIT), text[position : span.start()]),
            span.group(),
        ]
        position = span.end()
    out.append(_NOTE_REF_RE.sub(lambda m: _digits(m.group(1), _REF_DIGIT), text[position:]))
    return "".join(out)


def mark_footnotes(markdown: str) -> str:
    """Footnote references and definitions (``[^1]``, ``[^1]: ...``) as marks the reader draws as
    numbered notes to follow and return from; code blocks are left alone."""
    if "[^" not in markdown:
        return markdown
    out: list[str] = []
    in_note = False
    for line, code in fenced(markdown.split("\n")):
        if in_note and (line.startswith("    ") or not line.strip()):
            out.append(line[4:])  # a note's next paragraph, no longer indented as code
            continue
        in_note = False
        if code:
            out.append(line)
            continue
        match = _NOTE_DEF_RE.match(line)
        if match:
            in_note = True
            line = f"{_digits(match.group(1), _NOTE_DIGIT)}. {_mark_refs(match.group(2))} {_BACK}"
        else:
            line = _mark_refs(line)
        out.append(line)
    return "\n".join(out)


def note_style(action: str) -> Style:
    """A footnote mark's style: underlined, and a click runs ``action`` on the reader."""
    return Style(underline=True) + Style.from_meta({"@click": action})


def _draw_notes(strips: list[Strip]) -> tuple[list[Strip], dict[int, int], dict[int, int]]:
    """Strips with footnote marks drawn and clickable; the line of each note and of each note's
    first reference (by note number)."""
    notes: dict[int, int] = {}
    refs: dict[int, int] = {}
    note = 0
    out: list[Strip] = []
    for index, strip in enumerate(strips):
        if not _MARKS_RE.search(strip.text):
            out.append(strip)
            continue
        segments: list[Segment] = []
        for segment in strip:
            text, style = segment.text, segment.style or Style()
            position = 0
            for match in _MARKS_RE.finditer(text):
                if match.start() > position:
                    segments.append(Segment(text[position : match.start()], style))
                mark = match.group()
                if mark == _BACK:
                    action = f"footnote_back({note})"
                else:
                    number = int("".join(str((ord(c) - _REF_DIGIT) % 16) for c in mark))
                    if ord(mark[0]) >= _NOTE_DIGIT:
                        note = number
                        notes.setdefault(number, index)
                        action = f"footnote_back({number})"
                    else:
                        refs.setdefault(number, index)
                        action = f"footnote({number})"
                segments.append(Segment(mark.translate(_DRAWN), style + note_style(action)))
                position = match.end()
            if position < len(text):
                segments.append(Segment(text[position:], style))
        out.append(Strip(segments, strip.cell_length))
    return out, notes, refs


@dataclass(frozen=True)
class Block:
    """A run of a post's top-level Markdown blocks laid out together: where it is in the post's
    Markdown (``start`` to ``end``) and in the document's lines (``lines`` from ``line``; the first
    block's lines begin with the post's header, the last's end with its links)."""

    index: int
    start: int
    end: int
    line: int
    lines: int


@dataclass(frozen=True)
class Document:
    """A post rendered for one width: its lines and its numbered links (all of it when
    ``complete``, else some of its blocks: the first screen, at the top or at a place)."""

    post_id: int
    width: int
    strips: list[Strip]
    links: list[str]
    complete: bool
    #: The line of footnote ``n``, and of its first reference in the text (by ``n``).
    notes: dict[int, int] = field(default_factory=dict)
    refs: dict[int, int] = field(default_factory=dict)
    #: The lines with inline code (drawn in the theme's ``reader--code`` style).
    code_lines: frozenset[int] = frozenset()
    #: The lines that are pictures (drawn as they are), and how many pictures the post shows.
    picture_lines: frozenset[int] = frozenset()
    pictures: int = 0
    #: The blocks laid out here, in order, and the length of the whole post's Markdown.
    blocks: tuple[Block, ...] = ()
    length: int = 0
    #: The pictures' Sixel lines drawn in half cells, by line: shown where another widget stands
    #: over the line (a Sixel image is pixels over the cells; see ``ReaderView.render_lines``).
    under: dict[int, Strip] = field(default_factory=dict)

    def place_of(self, line: int) -> float | None:
        """How far into the post's text line ``line`` stands, from 0 to 1 (a reading place: the
        same text at any width); None: a line this document does not hold."""
        for block in self.blocks:
            if block.line <= line < block.line + block.lines:
                offset = block.start + (line - block.line) * (block.end - block.start) / block.lines
                return offset / self.length if self.length else 0.0
        return None

    def line_of(self, place: float) -> int:
        """The line at ``place`` (``place_of``'s inverse at the same width), within the lines this
        document holds."""
        if not self.blocks:
            return 0
        offset = place * self.length
        first, last = self.blocks[0], self.blocks[-1]
        if offset <= first.start:
            return first.line
        for block in self.blocks:
            if offset <= block.end:
                share = (offset - block.start) / max(1, block.end - block.start)
                return min(block.line + round(share * block.lines), last.line + last.lines - 1)
        return last.line + last.lines - 1

    def holds(self, place: float) -> bool:
        """Whether the text at ``place`` is among this document's lines."""
        offset = place * self.length
        return bool(self.blocks) and self.blocks[0].start <= offset <= self.blocks[-1].end


def post_header(post: Post, user_tags: Sequence[str] = ()) -> RenderableType:
    """The header above a post: title, feed, author, date, reading time, then the feed's tags and
    the user's own tags (``user_tags``), apart (never markup)."""
    title = Text(post.title or "(untitled)", style="bold")
    meta = Text(style="dim")
    parts = [post.feed_title]
    if post.author:
        parts.append(f"by {post.author}")
    if post.published:
        parts.append(post.published.strftime("%Y-%m-%d"))
    minutes = reading_minutes(post.content_md or post.summary)
    parts.append(f"{minutes} min read")
    meta.append(" · ".join(p for p in parts if p))
    lines: list[RenderableType] = [title, meta]
    mine = {name.casefold() for name in user_tags}
    feed_tags = [name for name in post.tags if name.casefold() not in mine]
    if feed_tags or user_tags:
        tags = Text()
        for name in feed_tags:
            tags.append(f" {name} ", style="reverse")
            tags.append(" ")
        if user_tags:
            tags.append(" yours: " if feed_tags else "yours: ", style="dim")
            for name in user_tags:
                tags.append(f"+{name}", style="bold underline")
                tags.append(" ")
        lines.append(tags)
    state = []
    if post.starred:
        state.append("★ starred")
    if post.summary_only:
        state.append("summary only — press F to fetch the full article")
    if state:
        lines.append(Text("  ".join(state), style="italic"))
    lines.append(Rule(style="dim"))
    return Group(*lines)


#: The background Rich gives inline code here: a mark, not a colour. The reader draws those cells
#: with its ``reader--code`` style, from the app's theme (Rich's own, bold cyan on black, is the
#: same black box in every theme, light ones included).
CODE_MARK = Color.from_rgb(1, 2, 3)


@functools.cache
def _markdown_theme() -> Theme:
    return Theme({"markdown.code": Style(bold=True, bgcolor=CODE_MARK)})


def render_lines(renderable: RenderableType, width: int, *, dark: bool = True) -> list[Strip]:
    """Render Rich content to Textual strips at ``width`` (safe to call from a worker thread)."""
    return _lines(_console(width), renderable, width)


def _lines(console: Console, renderable: RenderableType, width: int) -> list[Strip]:
    options = console.options.update_width(width)
    lines = console.render_lines(renderable, options, pad=True, new_lines=False)
    return [Strip(line, width) for line in lines]


def _console(width: int) -> Console:
    return Console(
        width=width,
        color_system="truecolor",
        force_terminal=True,
        legacy_windows=False,
        no_color=False,
        highlight=False,
        markup=False,
        emoji=False,
        theme=_markdown_theme(),
    )


@functools.cache
def _markdown_class() -> type:
    """Rich's Markdown with table cells that wrap and fold, never cut to "…"."""
    # rich.markdown (with markdown-it) loads on the first post, in a worker: not before first paint.
    from rich.markdown import Markdown, TableElement
    from rich.table import Table

    class FoldingTable(TableElement):
        def __rich_console__(self, console, options):  # type: ignore[no-untyped-def]
            for renderable in super().__rich_console__(console, options):
                if isinstance(renderable, Table):
                    for column in renderable.columns:
                        column.overflow = "fold"  # a word wider than its column breaks, whole
                yield renderable

    class ReaderMarkdown(Markdown):
        elements = {**Markdown.elements, "table_open": FoldingTable}

    return ReaderMarkdown


def _markdown(text: str, dark: bool) -> Any:
    """Rich's Markdown (``ReaderMarkdown``) of ``text``, parsed."""
    return _markdown_class()(
        text, code_theme="monokai" if dark else "default", hyperlinks=False, inline_code_lexer=None
    )


HIGHLIGHT = Style(reverse=True, bold=True)

# A link's number as number_links writes it: "[n]" after a space (or at the start of a line).
_LINK_NUMBER_RE = re.compile(r"(?:(?<=\s)|^)\[(\d+)\]")


def link_style(number: int) -> Style:
    """The style of link ``number``'s marker: underlined, and a click opens the link."""
    return Style(underline=True) + Style.from_meta({"@click": f"screen.open_link({number})"})


def restyle_strip(strip: Strip, spans: Sequence[tuple[int, int, Style]]) -> Strip:
    """``strip`` with ``style`` added over each ``(start, end, style)`` span of its characters."""
    if not spans:
        return strip
    text = strip.text
    # Segment.divide cuts at cell positions; spans are character offsets.
    cells = [cell_len(text[:i]) for i in range(len(text) + 1)]
    cell_spans = [(cells[a], cells[b], style) for a, b, style in spans]
    cuts = sorted({c for a, b, _ in cell_spans for c in (a, b)} | {cells[-1]})
    out: list[Segment] = []
    start = 0
    for cut, piece in zip(cuts, Segment.divide(list(strip), cuts)):
        over = [style for a, b, style in cell_spans if a <= start and cut <= b]
        if over:
            extra = Style.chain(*over)
            out.extend(Segment(seg.text, (seg.style or Style()) + extra) for seg in piece)
        else:
            out.extend(piece)
        start = cut
    return Strip(out, strip.cell_length)


def highlight_strip(strip: Strip, query: Compiled) -> Strip:
    """``strip`` with the query's words and phrases (as the search index matches them) in reverse."""
    return restyle_strip(strip, [(a, b, HIGHLIGHT) for a, b in highlight_spans(strip.text, query)])


def link_strip(strip: Strip, links: int) -> Strip:
    """``strip`` with its link numbers ``[1]`` … ``[links]`` underlined and clickable."""
    spans = [
        (match.start(), match.end(), link_style(int(match.group(1))))
        for match in _LINK_NUMBER_RE.finditer(strip.text)
        if 1 <= int(match.group(1)) <= links
    ]
    return restyle_strip(strip, spans)


def _flatten(tokens: Sequence[Any]) -> Iterator[Any]:
    """Tokens as Rich's Markdown walks them (``Markdown._flatten_tokens``)."""
    for token in tokens:
        if token.children and not (token.tag == "img" or token.type == "fence"):
            yield from _flatten(token.children)
        else:
            yield token


def _top_blocks(markdown: Any, text: str) -> list[tuple[int, int, int, bool]]:
    """The top-level blocks of a parsed post: each one's tokens (first, past the last), where it
    starts in ``text``, and whether it needs a blank line before it when laid out on its own.

    Rich's Markdown writes a blank line before a block when the element that ended last says so
    (its ``new_line``; ``Markdown.__rich_console__``): a block with elements inside finds that in
    itself, a paragraph or a heading in the one before it, which a block laid out apart does not
    have. With that line, blocks laid out apart and joined make the lines of the whole."""
    from rich.markdown import UnknownElement

    tokens = markdown.parsed
    starts = [0]
    for line in text.split("\n"):
        starts.append(starts[-1] + len(line) + 1)
    elements, inlines = markdown.elements, markdown.inlines
    skip = {"text", "hardbreak", "softbreak", "link_open", "html_inline", "link_close"}
    blocks: list[tuple[int, int, int, bool]] = []
    new_line = alone = False  # as the whole is rendered; as the block alone is
    first: int | None = None
    opened: list[bool] = []
    for index, token in enumerate(tokens):
        if token.level == 0 and token.nesting >= 0 and first is None:
            first, alone = index, False
        for leaf in _flatten([token]):
            kind = leaf.type
            if kind in skip or (leaf.tag in inlines and kind not in ("fence", "code_block")):
                continue
            if leaf.nesting == 1:
                opened.append((elements.get(kind) or UnknownElement).new_line)
                continue
            ended = opened.pop() if leaf.nesting == -1 and opened else (
                (elements.get(kind) or UnknownElement).new_line
            )  # fmt: skip
            if leaf is token and token.level == 0 and first is not None:
                renders = leaf.nesting == -1 or kind != "inline"
                where = tokens[first].map
                start = starts[min(where[0], len(starts) - 1)] if where else 0
                blocks.append((first, index + 1, start, renders and new_line and not alone))
                first = None
            new_line = alone = ended
    return blocks


class PostLayout:
    """A post laid out for one width, a block at a time (safe in a worker thread): the blocks of
    the screen shown first, then the rest; each block is laid out once.

    Args:
        highlight: a compiled query whose words and phrases are marked where they occur.
        user_tags: the user's own tags on the post, shown apart from the feed's.
        images: the post's images and their kept files (``Library.post_images``): each kept one
            is drawn where the post places it, its alt text under it; the others stay links.
    """

    def __init__(
        self,
        post: Post,
        width: int,
        *,
        dark: bool = True,
        highlight: Compiled | None = None,
        user_tags: Sequence[str] = (),
        images: Sequence[tuple[ImageRef, CachedImage | None]] = (),
    ) -> None:
        self.post_id = post.id
        self.width = width = max(20, width)
        self.dark = dark
        self.highlight = highlight
        text = post.content_md or post.summary or "*(this post has no text)*"
        text, self.pictures = place_pictures(text, images)
        self.body, self.links = number_links(mark_footnotes(text))
        self._console = _console(width - 2)
        self._header = post_header(post, user_tags)
        self._markdown = _markdown(self.body, dark)
        #: Each block: its tokens (first, past the last), where it starts and ends in the body,
        #: and whether a blank line stands before it.
        self._spans: list[tuple[int, int, int, int, bool]] = []
        if len(self.body) <= AT_ONCE:
            self._spans = [(0, len(self._markdown.parsed), 0, len(self.body), False)]
        else:
            groups: list[list[Any]] = []
            for first, end, start, gap in _top_blocks(self._markdown, self.body):
                if groups and start - groups[-1][2] < BLOCK:
                    groups[-1][1] = end
                else:
                    groups.append([first, end, start if groups else 0, gap])
            ends = [group[2] for group in groups[1:]] + [len(self.body)]
            self._spans = [(a, b, start, e, gap) for (a, b, start, gap), e in zip(groups, ends, strict=True)]
        #: Each block's lines (a picture's lines blank) and where its pictures go in them.
        self._laid: dict[int, tuple[list[Strip], list[tuple[int, int, int, int]]]] = {}

    @property
    def blocks(self) -> int:
        """How many blocks the post is laid out in."""
        return len(self._spans)

    def _block(self, index: int) -> tuple[list[Strip], list[tuple[int, int, int, int]]]:
        laid = self._laid.get(index)
        if laid is not None:
            return laid
        first, end, _, _, gap = self._spans[index]
        width = self.width
        markdown = copy.copy(self._markdown)
        markdown.parsed = self._markdown.parsed[first:end]
        parts: list[RenderableType] = [self._header] if index == 0 else []
        parts.append(markdown)
        if index == len(self._spans) - 1 and self.links:
            listing = Text(style="dim")
            listing.append("Links\n", style="bold")
            for number, url in enumerate(self.links, 1):
                listing.append(f"[{number}] {url}", style=link_style(number))
                listing.append("\n")
            parts += [Rule(style="dim"), listing]
        strips = _lines(self._console, Group(*parts), width - 2)
        if gap:  # the blank line Rich writes between two blocks
            strips.insert(0, Strip([Segment(" " * (width - 2))], width - 2))
        pad = Segment(" ")
        strips = [Strip([pad, *strip, pad], width) for strip in strips]
        laid = _picture_room(strips, self.pictures, width)
        self._laid[index] = laid
        return laid

    def document(self, indices: range, window: tuple[int, int] | None = None) -> Document:
        """The blocks ``indices`` as a document (``complete`` when they are all of the post's and
        every picture is drawn); pictures outside the lines ``window`` are left blank."""
        strips: list[Strip] = []
        blocks: list[Block] = []
        places: list[tuple[int, int, int, int]] = []
        for index in indices:
            lines, pictures = self._block(index)
            _, _, start, end, _ = self._spans[index]
            blocks.append(Block(index, start, end, len(strips), len(lines)))
            places += [(len(strips) + at, picture, cells, rows) for at, picture, cells, rows in pictures]
            strips += lines
        picture_lines, shown, later, under = _draw_pictures(
            strips, places, self.pictures, self.width, self.dark, window
        )
        complete = len(indices) == len(self._spans) and not later
        strips, notes, refs = _draw_notes(strips)
        text_lines = [i for i in range(len(strips)) if i not in picture_lines]
        links = self.links
        if links:
            for i in text_lines:
                strips[i] = link_strip(strips[i], len(links))
        highlight = self.highlight
        if highlight is not None and highlight.text_terms:
            for i in text_lines:
                strips[i] = highlight_strip(strips[i], highlight)
        code_lines = frozenset(
            i for i in text_lines if any(seg.style and seg.style.bgcolor == CODE_MARK for seg in strips[i])
        )
        return Document(
            self.post_id, self.width, strips, list(links), complete, notes, refs, code_lines,
            picture_lines, shown, tuple(blocks), len(self.body), under,
        )  # fmt: skip

    def first_screen(self, lines: int = FIRST_LINES, place: float | None = None) -> Document:
        """The blocks a screen of ``lines`` shows: from the top, or where ``place`` is (the same
        lines the whole post shows there, its end included: at the end the screen is its last
        ``lines``). Pictures off that screen are left blank."""
        count = len(self._spans)
        at, line = 0, 0
        if place:
            offset = place * len(self.body)
            at = next((i for i, span in enumerate(self._spans) if offset <= span[3]), count - 1)
            _, _, start, end, _ = self._spans[at]
            share = max(0.0, offset - start) / max(1, end - start)
            line = min(round(share * len(self._block(at)[0])), len(self._block(at)[0]) - 1)
        first = last = at
        total = len(self._block(at)[0])
        while total - line < lines and last < count - 1:
            last += 1
            total += len(self._block(last)[0])
        while total < lines and first > 0:  # at the end: the screen holds the lines above it
            first -= 1
            grown = len(self._block(first)[0])
            total += grown
            line += grown
        top = max(0, min(line, total - lines))
        return self.document(range(first, last + 1), (top, top + lines))

    def whole(self) -> Document:
        """All of the post, every picture drawn."""
        return self.document(range(len(self._spans)))


def render_post(
    post: Post,
    width: int,
    *,
    dark: bool = True,
    first_only: bool = False,
    highlight: Compiled | None = None,
    user_tags: Sequence[str] = (),
    images: Sequence[tuple[ImageRef, CachedImage | None]] = (),
    screen_lines: int = FIRST_LINES,
    place: float | None = None,
) -> Document:
    """A post as lines for the reader pane (``PostLayout``): all of it, or with ``first_only``
    its first screen of ``screen_lines``, at its top or at ``place`` (``Document.place_of``)."""
    layout = PostLayout(post, width, dark=dark, highlight=highlight, user_tags=user_tags, images=images)
    return layout.first_screen(screen_lines, place) if first_only else layout.whole()


#: What a picture's transparent pixels are drawn over, in a dark and a light theme.
_BACKGROUND = {True: (30, 30, 30), False: (250, 250, 250)}


def _picture_room(
    strips: list[Strip], pictures: Sequence[Picture], width: int
) -> tuple[list[Strip], list[tuple[int, int, int, int]]]:
    """The lines with each picture's mark given the picture's height in blank lines (a picture
    whose file is gone leaves its link alone), and where each goes: ``(line, picture, cells, rows)``."""
    if not pictures:
        return strips, []
    out: list[Strip] = []
    places: list[tuple[int, int, int, int]] = []
    for strip in strips:
        index = picture_index(strip.text)
        if index is None or index >= len(pictures):
            out.append(strip)
            continue
        picture = pictures[index]
        if not picture.path.is_file():
            continue  # evicted: its link, on the next line, stays
        cells, rows = fit(picture.width, picture.height, width - 2)
        places.append((len(out), index, cells, rows))
        out.extend(placed([Strip.blank(cells)] * rows, width))
    return out, places


def _draw_pictures(
    strips: list[Strip],
    places: Sequence[tuple[int, int, int, int]],
    pictures: Sequence[Picture],
    width: int,
    dark: bool,
    window: tuple[int, int] | None = None,
) -> tuple[frozenset[int], int, bool, dict[int, Strip]]:
    """Each picture drawn in its room in ``strips`` (at most the text's width, one cell of margin
    each side, centred); those outside the lines ``window`` are left blank, their height kept
    (drawn when the whole post is: the first screen does not wait for them).

    Returns:
        Which lines are pictures, how many pictures are drawn, whether some were left blank, and
        the Sixel lines drawn in half cells (by line), to show where something stands over them.
    """
    lines: set[int] = set()
    under: dict[int, Strip] = {}
    shown = 0
    later = False
    for at, index, cells, rows in places:
        lines.update(range(at, at + rows))
        if window is not None and not (at < window[1] and at + rows > window[0]):
            later = True
            continue
        try:
            drawn = picture_strips(pictures[index].path, cells, rows, _BACKGROUND[dark])
            if drawn and is_sixel_line(drawn[0]):
                halves = halfcell_strips(pictures[index].path, cells, rows, _BACKGROUND[dark])
                under.update(enumerate(placed(halves, width), at))
        except OSError:
            continue  # the file went meanwhile: blank
        strips[at : at + rows] = placed(drawn, width)
        shown += 1
    return frozenset(lines), shown, later, under


def _indented(strip: Strip, left: int) -> Strip:
    """``strip`` moved ``left`` cells right: a column narrower than the pane (``reading_width``)
    stands in its middle."""
    return Strip([Segment(" " * left), *strip], left + strip.cell_length) if left else strip


def themed_code(strip: Strip, code: Style) -> Strip:
    """``strip`` with its inline code (cells marked with ``CODE_MARK``) in the ``code`` style."""
    if code.bgcolor is None:  # a theme without a code background (ANSI): the pane's own
        code += Style(bgcolor="default")
    return Strip(
        [
            Segment(seg.text, seg.style + code) if seg.style and seg.style.bgcolor == CODE_MARK else seg
            for seg in strip
        ],
        strip.cell_length,
    )


class ReaderView(ScrollView, can_focus=True):
    """Shows a rendered post line by line; scrolling never re-renders."""

    COMPONENT_CLASSES = {"reader--code"}

    DEFAULT_CSS = """
    ReaderView {
        background: $surface;
        scrollbar-gutter: stable;
        overflow-x: hidden;
        &:dark > .reader--code {
            background: $warning 10%;
            color: $text-warning 95%;
            text-style: bold;
        }
        &:light > .reader--code {
            background: $error 5%;
            color: $text-error 95%;
            text-style: bold;
        }
    }
    """

    BINDINGS = [
        Binding("j,down", "scroll_down", "Scroll down", show=False, id="reader_down"),
        Binding("k,up", "scroll_up", "Scroll up", show=False, id="reader_up"),
        Binding("space,pagedown", "page_down", "Page down", show=False, id="reader_page_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="reader_page_up"),
        Binding("g,home", "scroll_home", "Top", show=False, id="reader_top"),
        Binding("G,end", "scroll_end", "Bottom", show=False, id="reader_bottom"),
    ]

    class WidthChanged(Message):
        """The reader's reading width changed (a resize, the sidebar shown or hidden, full
        screen): the post shown was laid out for another width and must be laid out again."""

        def __init__(self, reader: ReaderView, width: int, *, redraw: bool = False) -> None:
            super().__init__()
            self.reader = reader
            self.width = width
            #: Laid out again even at the same width (the pictures are to be drawn again).
            self.redraw = redraw

        @property
        def control(self) -> ReaderView:
            return self.reader

    def __init__(
        self,
        *,
        placeholder: str = "",
        reading_width: int = 0,
        show_images: bool = True,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.document: Document | None = None
        self.placeholder = placeholder
        #: The widest a post's lines are laid out (0: the pane's width); a wider pane centres them.
        self.reading_width = reading_width
        #: Whether a post's kept images are drawn in it (``I`` toggles it; else they are links).
        self.show_images = show_images
        #: Where the reader was when it followed a footnote (where the note's mark returns to).
        self._note_return: float | None = None
        #: The reference (line, number) the footnote key followed last: the next press goes on.
        self._note_from: tuple[int, int] | None = None
        #: The document's lines moved right to the middle of a wider pane, by (line, margin): kept,
        #: so that the strips' own caches (crop, style) serve the next frames.
        self._centred: dict[tuple[int, int], Strip] = {}
        #: Where other widgets stand over the reader (its own lines), as last drawn: its Sixel
        #: lines there are drawn in half cells. None: another screen is over this one.
        self._over: tuple[Region, ...] | None = ()

    @property
    def layout_width(self) -> int:
        """The width a post is laid out at: the pane's, at most ``reading_width``."""
        pane = self.scrollable_content_region.width or self.size.width or 80
        return min(pane, self.reading_width) if self.reading_width > 0 else pane

    def _check_width(self) -> None:
        """Ask for the post to be laid out again when the width it was laid out for is not the
        width there is now (whatever changed it)."""
        document = self.document
        if document is None or not self.size.width:
            return
        width = max(20, self.layout_width)
        if document.width != width:
            self.post_message(self.WidthChanged(self, width))

    @property
    def links(self) -> Sequence[str]:
        """The numbered links of the post shown (link ``n`` is ``links[n - 1]``)."""
        return self.document.links if self.document else ()

    @property
    def post_id(self) -> int | None:
        """The post shown, if any."""
        return self.document.post_id if self.document else None

    def show(self, document: Document | None, *, keep_scroll: bool = False, top: int | None = None) -> None:
        """Show a rendered document (``None`` shows the placeholder): at its top, at its line
        ``top``, or (``keep_scroll``, the same post) where the reader is."""
        same = (
            self.document is not None and document is not None and self.document.post_id == document.post_id
        )
        self.document = document
        self._centred.clear()
        send_uploads(self.app)  # Kitty mode: the pictures' images, before the frame that shows them
        if not same:
            self._note_return = self._note_from = None
        height = len(document.strips) if document else 1
        self.virtual_size = Size(self.scrollable_content_region.width, height)
        if top is None and not (keep_scroll and same):
            top = 0
        if top is not None:
            # Now, not after the next refresh: the first frame with these lines is at that line
            # (forced: the scroll bar the new height may need is not there until that refresh).
            self.scroll_to(y=top, animate=False, immediate=True, force=True)
        self.refresh()
        self._check_width()

    @property
    def _line_width(self) -> int:
        """The width the reader's lines are drawn at (the pane less its scroll bar)."""
        return self.scrollable_content_region.width or self.size.width

    @staticmethod
    def _margin(document: Document, width: int) -> int:
        """The cells left of a document's lines in lines of ``width``: a column narrower than
        the pane (``reading_width``) stands in its middle."""
        return max(0, (width - document.width) // 2)

    def render_line(self, y: int) -> Strip:
        width = self._line_width
        index = int(self.scroll_offset.y) + y
        document = self.document
        if document is None:
            if y == 1 and self.placeholder:
                text = Segment(f"  {self.placeholder}"[:width], Style(dim=True, italic=True))
                return Strip([text]).adjust_cell_length(width, self.rich_style)
            return Strip.blank(width, self.rich_style)
        if index < len(document.strips):
            strip = document.strips[index]
            left = self._margin(document, width)
            if index in document.under:  # a Sixel line: its cells (render_lines adds the image)
                cells = document.under[index] if self._covered(y) else split_sixel(strip)[0]
                strip = _indented(cells, left)
            elif index in document.code_lines:
                strip = _indented(themed_code(strip, self.get_component_rich_style("reader--code")), left)
            elif left:
                centred = self._centred.get((index, left))
                if centred is None:
                    if len(self._centred) > 4096:
                        self._centred.clear()
                    centred = self._centred[index, left] = _indented(strip, left)
                strip = centred
            # Rich left colours unset: the widget's own colours (and so the theme's) fill them in.
            return strip.crop_extend(0, width, self.rich_style).apply_style(self.rich_style)
        return Strip.blank(width, self.rich_style)

    def render_lines(self, crop: Region) -> list[Strip]:
        """The lines in ``crop``; with Sixel pictures on screen, first what stands over them.

        A Sixel line is its blank cells (``render_line``), then its image written over them:
        added here, to the lines as Textual made them (its line filters and crops would take a
        control segment's text for cells), and only to lines written whole. The image is pixels
        over the cells, not cells: where another widget stands over the reader (a toast; another
        screen over this one) its Sixel lines are drawn in half cells; when that changes, or a
        repaint covers only part of the lines (a toast gone: only its cells are written again),
        the reader draws itself whole again.
        """
        document = self.document
        if document is None or not document.under:
            return super().render_lines(crop)
        over = self._overlaps()
        whole = crop.x == 0 and crop.right >= self.size.width
        if over != self._over or not whole:
            self._over = over
            self.refresh()  # every line drawn again now, and whole at the next frame
        strips = super().render_lines(crop)
        if over is None or not whole:
            return strips
        top = int(self.scroll_offset.y)
        width = self._line_width
        # Where the document's lines start in the reader's (as render_line puts them), and where
        # its lines end: the images go there, at the end of the part of the line Textual writes
        # with it (not after the scroll bar, which Textual writes on its own).
        content = self.content_region.x - self.region.x
        left = content + self._margin(document, width)
        out = list(strips)
        for n, y in enumerate(crop.line_range):
            index = top + y
            if index in document.under and not self._covered(y):
                _, bands = split_sixel(document.strips[index])
                moved = [(start + left, cells, band) for start, cells, band in bands]
                out[n] = sixel_line(out[n], moved, self.region.x, at=content + width)
        return out

    def _overlaps(self) -> tuple[Region, ...] | None:
        """Where other widgets stand over the reader, in its own coordinates (None: its screen
        is not the one shown)."""
        screen = self.screen
        if not screen.is_active:
            return None
        mine = self.content_region  # the lines' own place (render_line's y counts from its top)
        over: list[Region] = []
        # Textual's map of what is shown, topmost first (as Textual's own widgets read it).
        for widget, (region, _clip) in screen._compositor.visible_widgets.items():
            if widget is self:
                break
            if region.overlaps(mine) and self not in widget.ancestors:
                over.append(region.intersection(mine).translate((-mine.x, -mine.y)))
        return tuple(over)

    def _covered(self, y: int) -> bool:
        """Whether line ``y`` on screen has something over it (see ``render_lines``)."""
        over = self._over
        return over is None or any(region.y <= y < region.bottom for region in over)

    def action_footnote(self, number: int) -> None:
        """Follow footnote ``number`` (a click on its mark in the text); its mark returns."""
        document = self.document
        if document is None or number not in document.notes:
            return
        self._note_return = self.scroll_offset.y
        self.scroll_to(y=document.notes[number], animate=False)

    def action_footnote_back(self, number: int) -> None:
        """Back from footnote ``number`` to where the reader was, or to its reference."""
        document = self.document
        if document is None:
            return
        if self._note_return is not None:
            self.scroll_to(y=self._note_return, animate=False)
            self._note_return = None
        elif number in document.refs:
            self.scroll_to(y=max(0, document.refs[number] - 2), animate=False)

    def follow_footnote(self) -> bool:
        """The footnote key: back from the note it followed, else follow the next footnote
        reference from the top of the screen down (after the one followed last). False: the post
        has no reference left below."""
        document = self.document
        if document is None:
            return False
        if self._note_return is not None:
            self.action_footnote_back(0)
            return True
        top = int(self.scroll_offset.y)
        after = self._note_from
        ahead = sorted(
            (line, number)
            for number, line in document.refs.items()
            if number in document.notes and line >= top and (after is None or (line, number) > after)
        )
        if not ahead:
            self._note_from = None  # the next press starts again from the screen's top
            return False
        self._note_from = ahead[0]
        self.action_footnote(ahead[0][1])
        return True

    def action_scroll_down(self) -> None:
        self.scroll_relative(y=1, animate=False)

    def action_scroll_up(self) -> None:
        self.scroll_relative(y=-1, animate=False)

    def action_page_down(self) -> None:
        self.scroll_relative(y=max(1, self.size.height - 2), animate=False)

    def action_page_up(self) -> None:
        self.scroll_relative(y=-max(1, self.size.height - 2), animate=False)

    def action_scroll_home(self) -> None:
        self.scroll_to(y=0, animate=False)

    def action_scroll_end(self) -> None:
        self.scroll_to(y=self.max_scroll_y, animate=False)

    def on_resize(self, event: events.Resize) -> None:
        self.refresh()
        if not self.follow_cell_size():
            self._check_width()

    def follow_cell_size(self) -> bool:
        """After the terminal's resize (its cells may have changed their size in pixels, with the
        same number of them: a font made larger, the window following): when the Sixel pictures
        were drawn for cells of another size, lay the post out again (``images.follow_cell_size``).

        Returns:
            Whether the post is laid out again.
        """
        if not follow_cell_size() or self.document is None:
            return False
        self.post_message(self.WidthChanged(self, max(20, self.layout_width), redraw=True))
        return True
