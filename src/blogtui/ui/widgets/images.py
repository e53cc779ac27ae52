"""Pictures in the reader: a post's kept images drawn in its lines, where the post places them.

The reader is a ScrollView of lines (``Strip``), so a picture is lines like the text's, drawn once
per size and kept (an LRU), so scrolling never decodes an image again. Two ways, chosen before the
app starts (``probe_terminal``, from the CLI; ``ui/graphics.py`` asks the terminal):

* **Kitty's graphics protocol**: the picture is sent to the terminal once (a PNG at the pixel size
  of its cells, with a virtual placement ``U=1``), and its lines are Unicode placeholders
  (U+10EEEE, its row and column in diacritics from textual-image's table, the image's id in the
  foreground colour). To Textual they are text: they scroll, crop and repaint like any line, and
  the terminal draws the picture's part in each cell. The sequences are written by the main thread
  through Textual's driver (``send_uploads``, from ``ReaderView.show``), in order with its frames;
  a picture dropped from the LRU is deleted from the terminal.
* **Sixel**: each line of the picture is its own Sixel image, one cell tall and as wide as the
  picture's cells (``sixel_strips``), written after that line's blank cells: the cursor saved,
  moved to the image's column, the image, the cursor restored (``sixel_line``, from the reader's
  ``render_lines``). Each line the compositor writes whole draws
  its own part of the picture again, so scrolling redraws exactly what is on screen, and nothing
  is drawn past the lines shown. A Sixel image is pixels over the cells, not cells, so the reader
  (``ReaderView.render_lines``) draws a picture's lines in half cells where another widget
  stands over them (a toast; a dialog's screen over the reader's), and draws itself whole again
  once they go, and after any repaint of part of a line (which would not write the image).
* **Half cells**: each cell is ``▀``, its colour the upper pixel and its background the lower one,
  which every terminal shows, tmux included.

The terminal's cell size is read once before the app starts (its answer to ``CSI 16 t``, else
``TIOCGWINSZ``); unprobed (tests,
the screenshots) a cell is 10 x 20 pixels, so the drawing never depends on the terminal.
"""

from __future__ import annotations

import base64
import functools
import io
import random
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from rich.color import Color
from rich.segment import ControlType, Segment
from rich.style import Style
from textual.strip import Strip

from ...config import IMAGE_PROTOCOLS
from ...content.text import fenced

#: The pixel size of a terminal cell when no probe said otherwise (textual-image's own default).
DEFAULT_CELL = (10, 20)
#: A picture is at most this many lines tall (a very tall comic is shown shrunk to it).
MAX_ROWS = 120
#: Pictures kept drawn (each at one size); in Kitty mode, also the pictures the terminal keeps.
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
    """What the probe found: a cell's size in pixels, and how pictures are drawn."""

    cell: tuple[int, int] = DEFAULT_CELL
    protocol = "halfcell"
    #: Kitty's sequences wrapped for tmux's passthrough (image_protocol = kitty inside tmux).
    tmux = False
    reason = "not probed"
    #: The cell size ``TIOCGWINSZ`` gave when last read (``follow_cell_size``); None: not known.
    kernel_cell: tuple[int, int] | None = None


def terminal_cell() -> tuple[int, int] | None:
    """The pixel size of a cell of the terminal on stdout, as the kernel has it (``TIOCGWINSZ``;
    None: not a terminal, or one that gives no pixel size)."""
    import struct
    import sys

    stream = sys.__stdout__
    if stream is None or not stream.isatty():
        return None
    try:
        import fcntl
        import termios

        rows, columns, width, height = struct.unpack(
            "HHHH", fcntl.ioctl(stream.fileno(), termios.TIOCGWINSZ, b"\0" * 8)
        )
    except (ImportError, OSError, ValueError):  # not a POSIX terminal
        return None
    if rows and columns and width >= columns and height >= rows:
        return (width // columns, height // rows)
    return None


def probe_terminal(setting: str = "auto") -> str:
    """Before the app starts (it owns the terminal then): read the pixel size of the terminal's
    cells (``TIOCGWINSZ``) and choose how pictures are drawn (``setting``: ``auto`` asks the
    terminal, see ``ui/graphics.py``; ``kitty``, ``sixel`` or ``halfcell`` force one).

    Returns:
        The way chosen, ``kitty``, ``sixel`` or ``halfcell``.
    """
    import os

    from .. import graphics

    cell = terminal_cell()
    choice = graphics.probe(setting, cell=cell)
    use_protocol(
        choice.protocol,
        cell=choice.cell or cell or DEFAULT_CELL,
        tmux=bool(os.environ.get("TMUX")),
        reason=choice.reason,
    )
    _Terminal.kernel_cell = cell
    if choice.protocol == "kitty" and os.environ.get("COLORTERM", "").lower() not in ("truecolor", "24bit"):
        # A placeholder's colour is its image's id: it must reach the terminal as 24-bit (a Kitty
        # graphics terminal has them), not rounded to 256 colours (ssh often drops COLORTERM).
        os.environ["COLORTERM"] = "truecolor"
    return choice.protocol


def follow_cell_size() -> bool:
    """After a resize: whether the terminal's cells changed their size in pixels (its font made
    larger or smaller) while pictures are drawn in Sixel, whose lines are drawn one cell tall at
    the old size (they would spill over each other, or leave gaps). Then the pictures drawn are
    forgotten and drawn again at the new size (``TIOCGWINSZ``'s: the terminal cannot be asked
    while the app owns it), and the caller lays the post out again. Kitty's terminal scales a
    picture into its cells, and half cells are cells: both need nothing."""
    if _Terminal.protocol != "sixel":
        return False
    now = terminal_cell()
    if now is None or now == _Terminal.kernel_cell:
        return False
    changed = _Terminal.kernel_cell is not None or now != _Terminal.cell
    _Terminal.kernel_cell = now
    if changed:
        use_protocol("sixel", cell=now, tmux=_Terminal.tmux, reason=_Terminal.reason)
    return changed


def use_protocol(
    protocol: str, *, cell: tuple[int, int] | None = None, tmux: bool = False, reason: str = ""
) -> None:
    """Draw pictures the ``protocol`` way (``kitty``, ``sixel`` or ``halfcell``) from now on, with
    cells of ``cell`` pixels (the probe's; tests and benchmarks set it too). Pictures drawn before
    are forgotten (and in Kitty mode deleted from the terminal at the next ``send_uploads``)."""
    if protocol not in IMAGE_PROTOCOLS:
        raise ValueError(f"{protocol}: not a way to draw pictures (kitty, sixel or halfcell)")
    _Terminal.protocol = protocol
    _Terminal.tmux = tmux
    _Terminal.reason = reason or protocol
    if cell is not None:
        _Terminal.cell = cell
    forget_drawn()


def protocol() -> str:
    """How pictures are drawn: ``kitty``, ``sixel`` or ``halfcell``."""
    return _Terminal.protocol


def cell_size() -> tuple[int, int]:
    """The pixel size of a terminal cell (the probe's, else ``DEFAULT_CELL``)."""
    return _Terminal.cell


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


#: Colours a picture is drawn in at most in half cells (an adaptive palette: fewer distinct cells
#: to build and to write to the terminal; at a picture's few thousand pixels it is not seen).
COLOURS = 256
#: The upper half block: its colour the upper pixel, its background the lower one.
_HALF = "\u2580"


def _open(path: Path, size: tuple[int, int]) -> Any:
    """The picture at ``path`` as RGBA, decoded at no more than needed for ``size`` (a JPEG
    decodes at 1/2, 1/4, 1/8 of its size when that is enough).

    Raises:
        OSError: the file cannot be read or decoded.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as opened:
            opened.draft("RGB", size)
            return opened.convert("RGBA")
    except (UnidentifiedImageError, ValueError, SyntaxError, EOFError) as exc:
        raise OSError(f"{path}: {exc}") from None


def picture_strips(path: Path, cells: int, rows: int, background: tuple[int, int, int]) -> tuple[Strip, ...]:
    """A picture drawn as ``rows`` lines of ``cells`` cells, the way chosen (``use_protocol``):
    Kitty placeholders, Sixel lines (``sixel_strips``) or half cells (transparency over
    ``background``). Drawn once per size, then kept. Safe to call from a worker thread.

    Raises:
        OSError: the file cannot be read or decoded (the caller shows the image's link instead).
    """
    if _Terminal.protocol == "kitty" and max(cells, rows) <= len(_tgp()._NUMBER_TO_DIACRITIC):
        return _kitty.strips(path, cells, rows)
    if _Terminal.protocol == "sixel":
        return sixel_strips(path, cells, rows, background, _Terminal.cell)
    # Half cells: the way chosen, or a picture wider than Kitty's placeholders can number (297).
    return halfcell_strips(path, cells, rows, background)


def _palette_picture(path: Path, size: tuple[int, int], background: tuple[int, int, int]) -> Any:
    """The picture at ``path`` at exactly ``size`` pixels, its transparency over ``background``,
    reduced to a palette of ``COLOURS`` (Pillow's mode P: a palette index a pixel).

    Raises:
        OSError: the file cannot be read or decoded.
    """
    from PIL import Image

    image = _open(path, size)
    flat = Image.new("RGBA", image.size, (*background, 255))
    flat.alpha_composite(image)
    picture = flat.convert("RGB").resize(size, Image.Resampling.LANCZOS)
    return picture.quantize(COLOURS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)


@functools.lru_cache(maxsize=KEPT)
def halfcell_strips(path: Path, cells: int, rows: int, background: tuple[int, int, int]) -> tuple[Strip, ...]:
    """A picture drawn as ``rows`` lines of ``cells`` half cells (``▀``: two pixels a cell, the
    upper the colour, the lower the background), transparency over ``background``; kept.

    textual-image's half-cell renderable draws the same cells, but builds a Rich Style and a
    Color for every pixel (15-20 ms a picture, most of a first screen's): here the picture is
    reduced to a palette first and each pair of palette entries is one Style, each run of a pair
    one segment.
    """
    small = _palette_picture(path, (cells, rows * 2), background)
    flat_palette = small.getpalette() or []
    colours = [Color.from_rgb(*flat_palette[i : i + 3]) for i in range(0, len(flat_palette) - 2, 3)]
    pixels = small.tobytes()  # one palette index a pixel, row after row
    styles: dict[int, Style] = {}
    lines: list[Strip] = []
    for row in range(rows):
        upper = pixels[2 * row * cells : (2 * row + 1) * cells]
        lower = pixels[(2 * row + 1) * cells : (2 * row + 2) * cells]
        segments: list[Segment] = []
        run_key, run = -1, 0
        for pair in zip(upper, lower, strict=True):
            key = pair[0] << 8 | pair[1]
            if key != run_key:
                if run:
                    segments.append(Segment(_HALF * run, styles[run_key]))
                if key not in styles:
                    styles[key] = Style(color=colours[pair[0]], bgcolor=colours[pair[1]])
                run_key, run = key, 0
            run += 1
        if run:
            segments.append(Segment(_HALF * run, styles[run_key]))
        lines.append(Strip(segments, cells))
    return tuple(lines)


#: A Sixel colour definition (``#n;2;r;g;b``, RGB in percent), and its register.
_DEFINED = re.compile(r"(#(\d+);2;\d+;\d+;\d+)")

#: Around the Sixel images at the end of a line: the cursor saved (where the compositor has it),
#: then restored, so that what follows is written where the compositor expects.
_SAVE, _RESTORE = "\x1b7", "\x1b8"


def _band_cells(segment: Segment) -> int:
    """The cells a line's Sixel image covers, left of where it stands (0: not a Sixel image)."""
    control = segment.control
    if (
        control
        and len(control) == 1
        and control[0][0] == ControlType.CURSOR_BACKWARD
        and len(control[0]) == 2
    ):
        return int(control[0][1])
    return 0


def is_sixel_line(strip: Strip) -> bool:
    """Whether ``strip`` holds a Sixel image (a line of ``sixel_strips``)."""
    return any(_band_cells(segment) for segment in strip)


#: Pictures kept drawn in Sixel (a 980 x 660 photo is ~200 KB of Sixel; 32 of them ~6 MB).
SIXEL_KEPT = 32


@functools.lru_cache(maxsize=SIXEL_KEPT)
def sixel_strips(
    path: Path, cells: int, rows: int, background: tuple[int, int, int], cell: tuple[int, int]
) -> tuple[Strip, ...]:
    """A picture drawn as ``rows`` lines of ``cells`` cells in Sixel (``cell``: a cell's size in
    pixels); kept. Each line is its cells, blank in ``background``, then a control segment (no
    cells) holding the line's part of the picture: a Sixel image exactly one cell tall and
    ``cells`` wide, its palette shared by the whole picture (textual-image's encoder). A line is
    written with ``sixel_line``, which moves the image to just before the line's last cell
    (Textual's crops count a control segment's text as cells, and would cut it). Fewer are kept
    than of the other ways (``SIXEL_KEPT``): a photo's lines are ~6 KB each.

    Raises:
        OSError: the file cannot be read or decoded.
    """
    from textual_image._sixel import image_to_sixels

    cell_w, cell_h = cell
    size = (cells * cell_w, rows * cell_h)
    picture = _palette_picture(path, size, background)
    blank = Style(bgcolor=Color.from_rgb(*background))
    lines = []
    for row in range(rows):
        band = image_to_sixels(picture.crop((0, row * cell_h, size[0], (row + 1) * cell_h)))
        # Pixels not set (below the line, in the last band of six) left as they are (P2 = 1);
        # each colour selected after it is defined: xterm draws in the colour selected last, and
        # a definition alone does not select it there (textual-image's encoder relies on it).
        band = _DEFINED.sub(r"\1#\2", band.replace("\x1bP0;0;0q", "\x1bP0;1;0q", 1))
        draw = Segment(band, None, ((ControlType.CURSOR_BACKWARD, cells),))
        lines.append(Strip([Segment(" " * cells, blank), draw], cells))
    return tuple(lines)


def split_sixel(strip: Strip) -> tuple[Strip, tuple[tuple[int, int, str], ...]]:
    """A line without its Sixel images, and each image: the cell it starts at, its cells, its
    Sixel data."""
    bands: list[tuple[int, int, str]] = []
    kept: list[Segment] = []
    at = 0
    for segment in strip:
        cells = _band_cells(segment)
        if cells:
            bands.append((at - cells, cells, segment.text))
        else:
            kept.append(segment)
            at += segment.cell_length
    return (Strip(kept, strip.cell_length), tuple(bands)) if bands else (strip, ())


def sixel_line(
    strip: Strip, bands: Sequence[tuple[int, int, str]], column: int, at: int | None = None
) -> Strip:
    """``strip`` (a line as written, starting at the screen's ``column``) with Sixel images
    written after its cells up to ``at`` (default: all of them), save the last: the cursor
    saved, each image at its cell (``CSI n G``), the cursor restored. Written after the cells,
    an image is over them (the cells' own blanks would erase it); an image reaching the last
    cell before ``at`` is left out (that cell is written after it).

    The images are a control segment (no cells) before the last cell: Textual's compositor
    keeps it with the cells before ``at`` when it cuts the line there (at the scroll bar,
    which it writes on its own) and writes them in order. Nothing may crop the line after this
    but the compositor (Textual's own crops count a control segment's text as cells).
    """
    end = strip.cell_length if at is None else min(at, strip.cell_length)
    drawn = "".join(
        f"\x1b[{column + start + 1}G{band}"
        for start, cells, band in bands
        if start >= 0 and start + cells < end
    )
    if not drawn:
        return strip
    images = Segment(f"{_SAVE}{drawn}{_RESTORE}", None, ((ControlType.CURSOR_FORWARD, 0),))
    pieces = strip.divide([end - 1, end, strip.cell_length] if end < strip.cell_length else [end - 1, end])
    return Strip(
        [*pieces[0], images, *(segment for piece in pieces[1:] for segment in piece)], strip.cell_length
    )


@functools.cache
def _tgp() -> Any:
    """textual-image's Kitty graphics module (its placeholder character and the diacritics that
    number rows and columns), loaded from its file as a module of blogtui's: imported the usual
    way, textual-image's ``renderable`` package first asks the terminal whether it speaks Sixel or
    Kitty graphics (escape sequences written, answers read from stdin), which here would happen in
    a worker while Textual owns the terminal. The module itself writes nothing until an image of
    its own is rendered, which blogtui never does (it writes to stdout from the rendering thread,
    beside Textual's output; blogtui's sequences go through Textual's driver)."""
    import importlib.util

    import textual_image

    path = Path(textual_image.__file__).parent / "renderable" / "tgp.py"
    spec = importlib.util.spec_from_file_location("blogtui.ui.widgets._tgp", path)
    if spec is None or spec.loader is None:
        raise OSError(f"{path}: textual-image's Kitty graphics module is not there")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: Kitty's graphics commands: APC ``G``, its keys, the payload, ST.
_APC, _ST = "\x1b_G", "\x1b\\"
#: A chunk of a picture's base64 (the protocol's most a command carries).
_CHUNK = 4096


def kitty_command(keys: str, payload: str = "") -> str:
    """One Kitty graphics command (wrapped for tmux's passthrough when inside tmux)."""
    command = f"{_APC}{keys}{';' + payload if payload else ''}{_ST}"
    if _Terminal.tmux:
        return "\x1bPtmux;" + command.replace("\x1b", "\x1b\x1b") + "\x1b\\"
    return command


def kitty_upload(image_id: int, png: bytes, cells: int, rows: int) -> str:
    """The commands that send a PNG to the terminal as image ``image_id`` and place it virtually
    over ``cells`` x ``rows`` cells (``U=1``: shown wherever its placeholders are), asking for no
    answer (``q=2``: an answer would reach Textual's stdin as keys)."""
    data = base64.standard_b64encode(png).decode("ascii")
    chunks = [data[i : i + _CHUNK] for i in range(0, len(data), _CHUNK)] or [""]
    first = f"a=T,U=1,f=100,t=d,i={image_id},c={cells},r={rows},q=2"
    return "".join(
        kitty_command(f"{first if n == 0 else 'q=2'},m={int(n < len(chunks) - 1)}", chunk)
        for n, chunk in enumerate(chunks)
    )


def kitty_placeholders(image_id: int, cells: int, rows: int) -> tuple[Strip, ...]:
    """A picture's lines as Kitty's Unicode placeholders: each cell U+10EEEE, then its row's and
    its column's diacritic (so any part of a line, cropped or repainted alone, stands for its
    own part of the picture), then the id's highest byte; the id's lower 24 bits in the
    foreground colour (24-bit)."""
    tgp = _tgp()
    table: Sequence[int] = tgp._NUMBER_TO_DIACRITIC
    if cells > len(table) or rows > len(table):
        raise ValueError(f"a picture of {cells}x{rows} cells: Kitty placeholders number at most {len(table)}")
    mark = chr(tgp._PLACEHOLDER)
    high = chr(table[(image_id >> 24) & 255])
    style = Style(color=Color.from_rgb((image_id >> 16) & 255, (image_id >> 8) & 255, image_id & 255))
    columns = [chr(table[c]) + high for c in range(cells)]
    return tuple(
        Strip([Segment("".join(mark + chr(table[r]) + column for column in columns), style)], cells)
        for r in range(rows)
    )


#: The most the pictures kept in Kitty mode take in the terminal's memory, decoded.
KITTY_BYTES = 128 * 1024 * 1024


def _png_pixels(png: bytes) -> int:
    """A PNG's pixels, from its header (width and height at bytes 16-24)."""
    return int.from_bytes(png[16:20], "big") * int.from_bytes(png[20:24], "big")


@dataclass(slots=True)
class _Sent:
    """A picture drawn for Kitty: its id, and its upload until it is written."""

    image_id: int
    strips: tuple[Strip, ...]
    upload: str | None
    #: What the terminal holds of it, decoded (4 bytes a pixel).
    size: int = 0


class _KittyPictures:
    """Pictures drawn as Kitty placeholders (an LRU of ``KEPT``), and what the terminal must be
    sent for them: each picture's upload once, the deletion of those the LRU dropped."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: OrderedDict[tuple[Path, int, int, tuple[int, int]], _Sent] = OrderedDict()
        self._deletions: list[int] = []
        #: The bytes the terminal holds decoded for the pictures kept.
        self._held = 0
        # Ids start anywhere (another program's images in the same terminal keep theirs), never 0.
        self._next = random.randrange(1, 2**24)

    def strips(self, path: Path, cells: int, rows: int) -> tuple[Strip, ...]:
        key = (path, cells, rows, _Terminal.cell)
        with self._lock:
            sent = self._kept.get(key)
            if sent is not None:
                self._kept.move_to_end(key)
                return sent.strips
        png = self._png(path, cells, rows)  # outside the lock: tens of ms
        with self._lock:
            image_id = self._next
            self._next = self._next % (2**24 - 1) + 1  # the id in 24-bit colour, the highest byte 0
            sent = _Sent(
                image_id,
                kitty_placeholders(image_id, cells, rows),
                kitty_upload(image_id, png, cells, rows),
                _png_pixels(png) * 4,
            )
            self._kept[key] = sent
            self._held += sent.size
            # At most KEPT pictures and KITTY_BYTES decoded: the terminal evicts past its own quota
            # (kitty: 320 MB), and a picture it dropped on its own would show blank.
            while len(self._kept) > 1 and (len(self._kept) > KEPT or self._held > KITTY_BYTES):
                _, gone = self._kept.popitem(last=False)
                self._held -= gone.size
                if gone.upload is None:  # the terminal has it
                    self._deletions.append(gone.image_id)
            return sent.strips

    @staticmethod
    def _png(path: Path, cells: int, rows: int) -> bytes:
        """The picture as a PNG of at most the pixels of its cells (never enlarged: the terminal
        scales it into them)."""
        from PIL import Image

        cell_w, cell_h = _Terminal.cell
        box = (cells * cell_w, rows * cell_h)
        image = _open(path, box)
        if image.width > box[0] or image.height > box[1]:
            image.thumbnail(box, Image.Resampling.LANCZOS)
        if image.getextrema()[3][0] == 255:  # opaque: no alpha to send
            image = image.convert("RGB")
        out = io.BytesIO()
        image.save(out, "PNG", compress_level=1)
        return out.getvalue()

    def take(self) -> str:
        """The commands not written yet (uploads, then deletions), as written from now on."""
        with self._lock:
            out = [sent.upload for sent in self._kept.values() if sent.upload is not None]
            for sent in self._kept.values():
                sent.upload = None
            out += [kitty_command(f"a=d,d=I,i={image_id},q=2") for image_id in self._deletions]
            self._deletions.clear()
        return "".join(out)

    def forget(self) -> None:
        """Drop every picture (those sent are deleted from the terminal at the next ``take``)."""
        with self._lock:
            self._deletions += [sent.image_id for sent in self._kept.values() if sent.upload is None]
            self._kept.clear()
            self._held = 0


_kitty = _KittyPictures()


def send_uploads(app: Any) -> None:
    """Write what the terminal must be sent for the pictures drawn (Kitty mode: each new
    picture's upload, the deletions), through the app's driver: in order with its frames, before
    the next one, which shows their placeholders. Call on the app's thread."""
    if _Terminal.protocol != "kitty" and not _kitty._deletions:
        return
    commands = _kitty.take()
    driver = getattr(app, "_driver", None)  # Textual has no public way to write to the terminal
    if commands and driver is not None:
        driver.write(commands)


def forget_drawn() -> None:
    """Drop every picture drawn (both ways): they are drawn again when next shown."""
    halfcell_strips.cache_clear()
    sixel_strips.cache_clear()
    _kitty.forget()


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
