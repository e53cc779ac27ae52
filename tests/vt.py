"""A terminal as far as the reader's pictures need one, for tests: it follows what Textual writes
(cursor moves, text, the cursor saved and restored, colours skipped) and keeps each Sixel image
drawn, with the cell it was drawn at, decoded to pixels (Sixel's bands of six pixel rows, its
colour registers, repeats). Text written over a cell drops the Sixel pixels of that cell, as
xterm and foot do."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_CSI = re.compile(r"\x1b\[([0-9;?<>=]*)([@-~])")
_DCS = re.compile(r"\x1bP(.*?)\x1b\\", re.S)
_SIXEL = re.compile(r"[0-9;]*q(.*)", re.S)


@dataclass
class SixelImage:
    """A Sixel image as drawn: its top-left cell, and its pixels (RGB by (x, y), in 0-100)."""

    column: int
    row: int
    width: int = 0
    height: int = 0
    pixels: dict[tuple[int, int], tuple[int, int, int]] = field(default_factory=dict)
    #: The cells written over since (their pixels are gone).
    erased: set[tuple[int, int]] = field(default_factory=set)


#: A pixel drawn before any colour was selected, or in a colour never defined: in a real terminal,
#: whatever its register held (xterm: another image's colour, or VT340's default palette).
UNSELECTED = (-1, -1, -1)
UNDEFINED = (-2, -2, -2)


def decode_sixel(body: str, column: int = 0, row: int = 0) -> SixelImage:
    """The pixels of a Sixel image's data (what follows ``q`` up to ST). As xterm reads it: a
    colour is drawn once selected (``#n``), a definition (``#n;2;r;g;b``) alone selects nothing."""
    image = SixelImage(column, row)
    colours: dict[int, tuple[int, int, int]] = {}
    colour = UNSELECTED
    x = band = 0
    at = 0
    raster = re.match(r'"(\d+);(\d+);(\d+);(\d+)', body)
    if raster:
        image.width, image.height = int(raster.group(3)), int(raster.group(4))
        at = raster.end()
    while at < len(body):
        char = body[at]
        if char == "#":
            match = re.match(r"#(\d+)(?:;(\d+);(\d+);(\d+);(\d+))?", body[at:])
            assert match is not None
            number = int(match.group(1))
            if match.group(2) is not None:  # a definition: it does not select the colour (xterm)
                colours[number] = (int(match.group(3)), int(match.group(4)), int(match.group(5)))
            else:
                colour = colours.get(number, UNDEFINED)
            at += match.end()
            continue
        count = 1
        if char == "!":
            match = re.match(r"!(\d+)", body[at:])
            assert match is not None
            count = int(match.group(1))
            at += match.end()
            char = body[at]
        at += 1
        if char == "$":
            x = 0
        elif char == "-":
            x, band = 0, band + 1
        elif "?" <= char <= "~":
            bits = ord(char) - 63
            for column in range(x, x + count):
                for bit in range(6):
                    if bits >> bit & 1:
                        image.pixels[column, band * 6 + bit] = colour
            x += count
    return image


class Terminal:
    """A screen of ``width`` x ``height`` cells fed what an app writes."""

    def __init__(self, width: int, height: int, cell: tuple[int, int] = (10, 20)) -> None:
        self.width, self.height = width, height
        self.cell = cell
        self.x = self.y = 0
        self.saved = (0, 0)
        self.cells: dict[tuple[int, int], str] = {}
        #: Sixel images still (at least partly) shown, by the cell of their top-left corner.
        self.images: dict[tuple[int, int], SixelImage] = {}

    def feed(self, data: str) -> None:
        at = 0
        while at < len(data):
            char = data[at]
            if data.startswith("\x1bP", at):
                match = _DCS.match(data, at)
                assert match is not None, f"a DCS without its end: {data[at : at + 40]!r}"
                sixel = _SIXEL.match(match.group(1))
                if sixel:
                    self.images[self.x, self.y] = decode_sixel(sixel.group(1), self.x, self.y)
                at = match.end()
            elif data.startswith("\x1b[", at):
                match = _CSI.match(data, at)
                assert match is not None
                self._csi(match.group(1), match.group(2))
                at = match.end()
            elif data.startswith("\x1b7", at):
                self.saved = (self.x, self.y)
                at += 2
            elif data.startswith("\x1b8", at):
                self.x, self.y = self.saved
                at += 2
            elif char == "\x1b":
                at += 2  # another two-byte escape: nothing drawn
            elif char == "\r":
                self.x = 0
                at += 1
            elif char == "\n":
                self.y = min(self.height - 1, self.y + 1)
                at += 1
            elif char < " ":
                at += 1
            else:
                self._put(char)
                at += 1

    def _csi(self, params: str, final: str) -> None:
        numbers = [int(p) if p.isdigit() else 0 for p in params.split(";")] if params else []
        if final == "H":
            row, column = [*numbers, 1, 1][:2]
            self.y, self.x = max(1, row) - 1, max(1, column) - 1
        elif final == "G":
            self.x = max(1, (numbers or [1])[0]) - 1
        elif final == "D":
            self.x = max(0, self.x - max(1, (numbers or [1])[0]))
        elif final == "C":
            self.x = min(self.width - 1, self.x + max(1, (numbers or [1])[0]))

    def _put(self, char: str) -> None:
        if self.x >= self.width:
            return
        self.cells[self.x, self.y] = char
        cell_h = self.cell[1]
        for image in self.images.values():
            if image.row <= self.y < image.row + -(-image.height // cell_h) and image.column <= self.x:
                image.erased.add((self.x, self.y))
        self.x += 1

    def shown(self, image: SixelImage) -> dict[tuple[int, int], tuple[int, int, int]]:
        """An image's pixels still shown (not written over since)."""
        cell_w, cell_h = self.cell
        erased = image.erased
        return {
            (px, py): colour
            for (px, py), colour in image.pixels.items()
            if (image.column + px // cell_w, image.row + py // cell_h) not in erased
        }

    def text(self, row: int) -> str:
        """The characters of a row (blank where nothing was written)."""
        return "".join(self.cells.get((x, row), " ") for x in range(self.width))
