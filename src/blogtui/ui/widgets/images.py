"""Pictures in the reader: a post's kept images drawn in its lines, where the post places them.

Drawn with textual-image's half-cell renderable: each cell is ``▀``, its colour the upper pixel
and its background the lower one, which every terminal shows, tmux included. The reader is a
ScrollView of lines (``Strip``), so a picture is lines like the text's: drawn once per size and
kept (``picture_strips``, an LRU), so scrolling never decodes an image again.

The terminal's cell size is read once, before the app starts (``probe_terminal``, from the
CLI), and handed to textual-image, which would otherwise ask the terminal on stdin, which
Textual owns once it runs. A picture's shape on screen follows from it; unprobed (tests, the
screenshots) a cell is 10 x 20 pixels, so the drawing never depends on the terminal.

Kitty's graphics protocol and Sixel are not used: both are escape sequences written to the
terminal beside Textual's own output (textual-image writes them to stdout itself, from the
thread that renders), which the compositor neither knows of nor clears when the reader scrolls.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from ...content.text import fenced

#: The pixel size of a terminal cell when no probe said otherwise (textual-image's own default).
DEFAULT_CELL = (10, 20)
#: A picture is at most this many lines tall (a very tall comic is shown shrunk to it).
MAX_ROWS = 120
#: Pictures kept drawn (each at one size).
KEPT = 128

#: In the Markdown given to Rich, a picture's place: this mark, then its index in digits at
#: U+E040 + d, alone on a line (the reader puts the picture's lines there).
MARK = "\ue030"
_DIGIT = 0xE040
MARK_RE = re.compile("\ue030([\ue040-\ue049]+)")

# An image as the converter writes it (content/converter.py: convert_img, convert_a): its label,
# "image" or "image: ALT" (brackets in the alt text made parentheses), and the URL it links to.
_IMAGE_LINK = r"\[image(?:: [^\]\n]*)?\]\(([^)\s]+)\)"
_IMAGE_LINK_RE = re.compile(_IMAGE_LINK)
_IMAGES_LINE_RE = re.compile(rf"^ {{0,3}}(?:{_IMAGE_LINK}[ \t]*)+$")


class ImageRef(Protocol):
    """An image as a post places it (``fetching.images.ImageRef``)."""

    @property
    def src(self) -> str: ...
    @property
    def link(self) -> str: ...


class CachedImage(Protocol):
    """A kept image's file (``storage.images.CachedImage``)."""

    @property
    def path(self) -> Path: ...
    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Picture:
    """A kept image placed in a post: its file and its size in pixels."""

    path: Path
    width: int
    height: int


class _Terminal:
    """What the probe found: a cell's size in pixels."""

    cell: tuple[int, int] = DEFAULT_CELL
    probed = False


def probe_terminal() -> tuple[int, int]:
    """Read the pixel size of the terminal's cells (``TIOCGWINSZ``) before the app starts, and
    give it to textual-image, which would otherwise ask the terminal itself once the app runs
    (an escape sequence answered on stdin, which Textual owns by then). Nothing is written to
    the terminal and nothing read from stdin, so keys typed at start-up are never eaten.

    textual-image's own probe of Sixel and the Kitty graphics protocol (at the import of
    ``textual_image.renderable``) is not made: the reader draws half cells (see the module's
    note), and that probe waits 0.1 s for an answer most terminals never give.

    Returns:
        The cell's size in pixels (``DEFAULT_CELL`` when the terminal does not say).
    """
    import struct
    import sys

    cell = DEFAULT_CELL
    stream = sys.__stdout__
    if stream is not None and stream.isatty():
        try:
            import fcntl
            import termios

            rows, columns, width, height = struct.unpack(
                "HHHH", fcntl.ioctl(stream.fileno(), termios.TIOCGWINSZ, b"\0" * 8)
            )
        except (ImportError, OSError):  # not a POSIX terminal: the default cells
            rows = columns = width = height = 0
        if rows and columns and width >= columns and height >= rows:
            cell = (width // columns, height // rows)
    _Terminal.cell = cell
    _Terminal.probed = True
    return cell


def cell_size() -> tuple[int, int]:
    """The pixel size of a terminal cell (the probe's, else ``DEFAULT_CELL``)."""
    return _Terminal.cell


def _quiet_terminal() -> None:
    """Give textual-image our cell size, so that it never asks the terminal once the app runs
    (it keeps its answer on ``get_cell_size`` itself, asked once per process)."""
    from textual_image._terminal import CellSize, get_cell_size

    if not hasattr(get_cell_size, "_result"):
        setattr(get_cell_size, "_result", CellSize(*_Terminal.cell))  # noqa: B010 - its own cache


def fit(width: int, height: int, cells: int) -> tuple[int, int]:
    """A picture of ``width`` x ``height`` pixels in cells and lines, at most ``cells`` wide: its own
    size when smaller (never enlarged), keeping its shape on the terminal's cells."""
    cell_w, cell_h = cell_size()
    if width <= 0 or height <= 0 or cells <= 0:
        return 0, 0
    wide = max(1, min(cells, round(width / cell_w)))
    rows = max(1, round(height * wide * cell_w / width / cell_h))
    if rows > MAX_ROWS:
        wide = max(1, round(wide * MAX_ROWS / rows))
        rows = MAX_ROWS
    return wide, rows


#: Colours a picture is drawn in at most (an adaptive palette: fewer distinct cells to build and to
#: write to the terminal; at a picture's few thousand pixels it is not seen).
COLOURS = 256


@functools.cache
def _halfcell() -> type:
    """textual-image's half-cell renderable, its colour of a pixel kept per colour (it makes a new
    Rich Color per pixel, most of the time of a picture, and a palette repeats them).

    Loaded from its file, as a module of blogtui's: imported the usual way, textual-image's
    ``renderable`` package first asks a terminal on stdout whether it speaks Sixel or the Kitty
    graphics protocol (escape sequences written, answers read from stdin in raw mode, 0.1 s each),
    which here would happen in a worker while Textual owns the terminal. Its own modules
    (``_geometry``, ``_pixeldata``, ``_terminal``) import nothing that asks.
    """
    import importlib.util

    import textual_image

    _quiet_terminal()
    path = Path(textual_image.__file__).parent / "renderable" / "halfcell.py"
    spec = importlib.util.spec_from_file_location("blogtui.ui.widgets._halfcell", path)
    if spec is None or spec.loader is None:
        raise OSError(f"{path}: textual-image's half-cell renderable is not there")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    mapping = getattr(module, "_map_pixel", None)
    if mapping is not None:
        module._map_pixel = functools.lru_cache(maxsize=8192)(mapping)  # type: ignore[attr-defined]
    image: type = module.Image
    return image


@functools.lru_cache(maxsize=KEPT)
def picture_strips(path: Path, cells: int, rows: int, background: tuple[int, int, int]) -> tuple[Strip, ...]:
    """A picture drawn as ``rows`` lines of ``cells`` half cells (transparency over
    ``background``); drawn once per size, then kept. Safe to call from a worker thread.

    Raises:
        OSError: the file cannot be read or decoded (the caller shows the image's link instead).
    """
    from PIL import Image, UnidentifiedImageError

    halfcell = _halfcell()
    size = (cells, rows * 2)  # two pixels a cell, one above the other
    try:
        with Image.open(path) as opened:
            opened.draft("RGB", size)  # a JPEG decodes at 1/2, 1/4, 1/8 of its size when that is enough
            image = opened.convert("RGBA")
    except (UnidentifiedImageError, ValueError, SyntaxError, EOFError) as exc:
        raise OSError(f"{path}: {exc}") from None
    flat = Image.new("RGBA", image.size, (*background, 255))
    flat.alpha_composite(image)
    small = flat.convert("RGB").resize(size, Image.Resampling.LANCZOS)
    small = small.quantize(COLOURS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE).convert("RGB")
    console = Console(width=cells, color_system="truecolor", force_terminal=True, legacy_windows=False)
    options = console.options.update(width=cells, height=rows)
    # Its segments, a line at a time; cells of one colour pair share a Style (Rich keeps a
    # style's terminal codes on it) and runs of them are one segment.
    styles: dict[Style | None, Style | None] = {}
    lines: list[list[Segment]] = [[]]
    for segment in halfcell(small, width=cells, height=rows).__rich_console__(console, options):
        if segment.text == "\n":
            lines.append([])
        else:
            lines[-1].append(Segment(segment.text, styles.setdefault(segment.style, segment.style)))
    return tuple(Strip(Segment.simplify(line), cells) for line in lines[:rows])


def placed(strips: Sequence[Strip], width: int) -> list[Strip]:
    """A picture's lines centred in a line of ``width`` cells."""
    left = max(0, (width - (strips[0].cell_length if strips else 0)) // 2)
    pad = [Segment(" " * left)] if left else []
    return [Strip([*pad, *strip], left + strip.cell_length).adjust_cell_length(width) for strip in strips]


def place_pictures(
    markdown: str, images: Sequence[tuple[ImageRef, CachedImage | None]]
) -> tuple[str, list[Picture]]:
    """Mark where each kept image goes in a post's Markdown: an image link alone on its line (as
    the converter writes an ``<img>``: ``[image: ALT](URL)``, the URL the image's or that of the link
    around it) becomes the picture's mark, with the link on the next line (so the alt text stays
    under the picture and the link keeps its number). Images not kept stay links.

    Returns:
        The Markdown, and the pictures (the mark's index is the picture's place in this list).
    """
    # An image link's URL is the image's own, or the link around it: several images may share
    # that one (a gallery linking each to one page), so those are taken in the post's order.
    own: dict[str, CachedImage] = {}
    around: dict[str, list[CachedImage | None]] = {}
    for ref, cached in images:
        if cached is not None:
            own.setdefault(ref.src, cached)
        if ref.link and ref.link != ref.src:
            around.setdefault(ref.link, []).append(cached)
    if not (own or any(any(queue) for queue in around.values())) or "[image" not in markdown:
        return markdown, []
    pictures: list[Picture] = []
    out: list[str] = []
    for line, code in fenced(markdown.split("\n")):
        if code or "[image" not in line or not _IMAGES_LINE_RE.match(line):
            out.append(line)
            continue
        parts: list[str] = []
        for match in _IMAGE_LINK_RE.finditer(line):
            url = match.group(1)
            queue = around.get(url)
            cached = own.get(url) or (queue.pop(0) if queue else None)
            if cached is None or cached.width <= 0 or cached.height <= 0:
                parts.append(match.group())
                continue
            number = "".join(chr(_DIGIT + int(d)) for d in str(len(pictures)))
            pictures.append(Picture(cached.path, cached.width, cached.height))
            parts.append(f"{MARK}{number}\\\n{match.group()}")
        out.append("\n\n".join(parts))
    return "\n".join(out), pictures


def picture_index(text: str) -> int | None:
    """The picture a rendered line's mark stands for (None: no mark)."""
    match = MARK_RE.search(text)
    if match is None:
        return None
    return int("".join(str(ord(c) - _DIGIT) for c in match.group(1)))
