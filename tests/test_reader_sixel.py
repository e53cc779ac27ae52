"""Pictures in Sixel: each line of a picture its own Sixel image one cell tall, checked as a
terminal would draw what Textual writes (``vt.Terminal``: cursor moves, text, the cursor saved
and restored, Sixel decoded to pixels); scrolling, a toast over a picture, a dialog over the
reader; and the way chosen from the terminal's answers."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from rich.console import Console
from textual._compositor import CompositorUpdate
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen

from blogtui.library import Library
from blogtui.ui.graphics import choose_protocol, parse_answers
from blogtui.ui.widgets import images
from blogtui.ui.widgets.images import DEFAULT_CELL, is_sixel_line, sixel_strips
from blogtui.ui.widgets.reader import ReaderView
from test_reader_images import feed
from ui_harness import frozen_clock, make_app, press, settle
from vt import UNDEFINED, UNSELECTED, SixelImage, Terminal, decode_sixel

WIDTH, HEIGHT = 120, 40
BIG = "https://pics.example/big.png"
#: The four quarters of the big picture, each a flat colour (a palette keeps them exactly).
QUARTERS = ((200, 40, 40), (40, 200, 40), (40, 40, 200), (230, 230, 40))


def big_picture(width: int = 600, height: int = 600) -> bytes:
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    half_w, half_h = width // 2, height // 2
    for n, colour in enumerate(QUARTERS):
        left, top = (n % 2) * half_w, (n // 2) * half_h
        draw.rectangle((left, top, left + half_w - 1, top + half_h - 1), fill=colour)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def near(pixel: tuple[int, int, int], rgb: tuple[int, int, int]) -> bool:
    """Whether a Sixel pixel (in 0-100) is the colour ``rgb`` (a palette may move it a step)."""
    return all(abs(p - c * 100 / 255) <= 2.5 for p, c in zip(pixel, rgb, strict=True))


@pytest.fixture(autouse=True)
def sixel_mode() -> Iterator[None]:
    images.use_protocol("sixel", cell=DEFAULT_CELL)
    yield
    images.use_protocol("halfcell", cell=DEFAULT_CELL)
    images._Terminal.kernel_cell = None


@pytest.fixture
def library(data_dir: Path, tmp_path: Path) -> Iterator[Library]:
    library = Library(data_dir, clock=frozen_clock)
    library.keep_image(BIG, big_picture())
    body = f'<p>Before the picture.</p><p><img src="{BIG}" alt="Four squares"></p><p>After it.</p>'
    outcomes = library.subscribe([str(feed(tmp_path / "feed.xml", body=body))])
    assert not any(o.error for o in outcomes), outcomes
    yield library
    library.close()


@pytest.fixture
def frames(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every frame the app would write to the terminal (the headless app writes none), rendered
    as for a 24-bit terminal."""
    console = Console(color_system="truecolor", force_terminal=True, file=io.StringIO(), width=WIDTH)
    written: list[str] = []

    def display(app: App[object], screen: Screen[object], renderable: object) -> None:
        if isinstance(renderable, CompositorUpdate) and screen is app.screen:
            written.append(renderable.render_segments(console))

    monkeypatch.setattr(App, "_display", display)
    return written


def picture_rows(terminal: Terminal) -> dict[int, SixelImage]:
    """The Sixel images shown (some pixels not written over), by their row."""
    return {image.row: image for image in terminal.images.values() if terminal.shown(image)}


def whole_rows(terminal: Terminal) -> dict[int, SixelImage]:
    """The Sixel images shown, by their row, each checked whole (no pixel written over since)."""
    rows = picture_rows(terminal)
    assert all(len(terminal.shown(image)) == image.width * 20 for image in rows.values())
    return rows


async def open_post(app: App[object], pilot: Pilot[object], *keys: str) -> None:
    """The first post opened (``keys`` after: ``z`` for full screen), everything settled."""
    await settle(pilot, app)
    await press(pilot, "enter", *keys)
    await settle(pilot, app)


# -- the lines --------------------------------------------------------------------------------


def test_each_line_is_its_cells_then_a_one_cell_tall_sixel_image_over_them(tmp_path: Path) -> None:
    path = tmp_path / "big.png"
    path.write_bytes(big_picture())
    strips = sixel_strips(path, 30, 15, (30, 30, 30), DEFAULT_CELL)
    assert len(strips) == 15 and all(strip.cell_length == 30 and is_sixel_line(strip) for strip in strips)
    for row, strip in enumerate(strips):
        blank, draw = list(strip)
        assert blank.text == " " * 30 and not blank.control  # the cells
        assert draw.control and draw.text.startswith("\x1bP") and draw.text.endswith("\x1b\\")
        image = decode_sixel(draw.text[draw.text.index("q") + 1 : -2])
        assert (image.width, image.height) == (300, 20)
        assert len(image.pixels) == 300 * 20  # every pixel: nothing left of what was under it
        # Each in a colour selected after it was defined (xterm draws a definition's colour only
        # once it is selected: else the colour another image left in that register).
        assert not {UNSELECTED, UNDEFINED} & set(image.pixels.values())
        if row == 7:
            continue  # the line across the middle: the two halves blend there
        top = 0 if row < 7 else 2
        assert near(image.pixels[75, 10], QUARTERS[top]) and near(image.pixels[225, 10], QUARTERS[top + 1])
    # Kept: drawn once per size.
    assert sixel_strips(path, 30, 15, (30, 30, 30), DEFAULT_CELL) is strips


# -- in the app -------------------------------------------------------------------------------


async def test_the_reader_draws_each_picture_line_at_its_cells_and_again_when_scrolled(
    library: Library, frames: list[str]
) -> None:
    app = make_app(library)
    async with app.run_test(size=(WIDTH, HEIGHT)) as pilot:
        await open_post(app, pilot, "z")  # the post, full screen
        reader = app.screen.query_one(ReaderView)
        document = reader.document
        assert document is not None and document.pictures == 1
        terminal = Terminal(WIDTH, HEIGHT)
        terminal.feed("".join(frames))
        rows = whole_rows(terminal)
        top = reader.content_region.y + min(document.picture_lines) - int(reader.scroll_y)
        bottom = min(reader.content_region.bottom, top + len(document.picture_lines))
        # Every line of the picture on screen, and only those, drawn in its place: one column,
        # consecutive rows, each whole (nothing written over it since).
        assert sorted(rows) == list(range(top, bottom))
        assert len({image.column for image in rows.values()}) == 1
        assert near(rows[top].pixels[5, 5], QUARTERS[0])
        before = len(frames)
        await press(pilot, "j", "j", "j")
        await settle(pilot, app)
        terminal.feed("".join(frames[before:]))
        rows = whole_rows(terminal)
        assert sorted(rows) == list(range(top - 3, bottom - 3))
        # The line that was the picture's first row three lines down is drawn as its fourth now.
        assert near(rows[top].pixels[5, 5], QUARTERS[0])


async def test_a_toast_over_a_picture_is_shown_and_the_picture_whole_again_when_it_goes(
    library: Library, frames: list[str]
) -> None:
    app = make_app(library)
    async with app.run_test(size=(WIDTH, HEIGHT), notifications=True) as pilot:
        await open_post(app, pilot)  # the reader below the list: the picture at the bottom right
        reader = app.screen.query_one(ReaderView)
        terminal = Terminal(WIDTH, HEIGHT)
        terminal.feed("".join(frames))
        whole = picture_rows(terminal)
        assert len(whole) >= 10 and max(whole) == reader.content_region.bottom - 1
        app.notify("A toast over the picture", timeout=3)
        await settle(pilot, app)
        [toast] = list(app.screen.query("Toast"))
        region = toast.region
        assert region.overlaps(reader.region)
        reader.refresh()  # the reader drawn again under the toast: its lines written whole
        await settle(pilot, app)
        terminal.feed("".join(frames))
        assert any("A toast over the picture" in terminal.text(row) for row in region.line_range)
        for image in terminal.images.values():
            cells = {(image.column + x // 10, image.row) for x, _ in terminal.shown(image)}
            assert not any(region.contains(x, y) for x, y in cells), "a picture drawn over the toast"
        # The lines under the toast in half cells, the others still Sixel.
        under = set(region.line_range)
        assert set(picture_rows(terminal)) == set(whole) - under
        assert all("▀" in terminal.text(row) for row in set(whole) & under)
        before = len(frames)
        await pilot.pause(3.2)
        await settle(pilot, app)
        assert not list(app.screen.query("Toast"))
        terminal.feed("".join(frames[before:]))
        assert not any("A toast" in terminal.text(row) for row in range(HEIGHT))
        rows = whole_rows(terminal)
        assert sorted(rows) == sorted(whole)


async def test_under_a_dialog_the_picture_is_half_cells_and_in_sixel_again_after(
    library: Library, frames: list[str]
) -> None:
    app = make_app(library)
    async with app.run_test(size=(WIDTH, HEIGHT)) as pilot:
        await open_post(app, pilot, "z")
        terminal = Terminal(WIDTH, HEIGHT)
        terminal.feed("".join(frames))
        whole = picture_rows(terminal)
        before = len(frames)
        await press(pilot, "question_mark")  # the help, a dialog's screen over the main one
        await settle(pilot, app)
        assert app.screen.__class__.__name__ == "HelpScreen"
        written = "".join(frames[before:])
        assert "\x1bP" not in written and "▀" in written  # the picture behind it in half cells
        before = len(frames)
        await press(pilot, "escape")
        await settle(pilot, app)
        terminal.feed("".join(frames[before:]))
        rows = whole_rows(terminal)
        assert sorted(rows) == sorted(whole)


# -- the way chosen -----------------------------------------------------------------------------

DA1_SIXEL = b"\x1b[?62;4;22c"
CELL_ANSWER = b"\x1b[6;18;9t"


def test_the_cell_size_answer_is_read_and_sixel_chosen_only_when_a_cell_is_known() -> None:
    answers = parse_answers(b"\x1bP>|foot(1.16.2)\x1b\\" + CELL_ANSWER + DA1_SIXEL)
    assert answers.sixel and answers.cell == (9, 18)
    choice = choose_protocol("auto", answers, {})
    assert choice.protocol == "sixel" and choice.cell == (9, 18) and "foot" in choice.reason
    # No answer to CSI 16 t: the size TIOCGWINSZ gave, else half cells.
    plain = parse_answers(DA1_SIXEL)
    assert choose_protocol("auto", plain, {}, cell=(8, 16)).protocol == "sixel"
    unknown = choose_protocol("auto", plain, {})
    assert unknown.protocol == "halfcell" and "pixel size" in unknown.reason
    # Kitty graphics still come first; a terminal with Kitty graphics but no placeholders
    # (WezTerm) draws Sixel.
    kitty = parse_answers(b"\x1b_Gi=31;OK\x1b\\" + CELL_ANSWER + DA1_SIXEL)
    assert choose_protocol("auto", kitty, {}).protocol == "kitty"
    wezterm = parse_answers(b"\x1b_Gi=31;OK\x1b\\\x1bP>|WezTerm 20240203\x1b\\" + CELL_ANSWER + DA1_SIXEL)
    assert choose_protocol("auto", wezterm, {}).protocol == "sixel"
    # Forced; inside tmux, half cells unless forced.
    assert choose_protocol("sixel", None, {}).protocol == "sixel"
    assert choose_protocol("auto", answers, {"TMUX": "/tmp/tmux-0/default,1,0"}).protocol == "halfcell"
    # A zero size is no size.
    assert parse_answers(b"\x1b[6;0;0t" + DA1_SIXEL).cell is None


# -- the font made larger -----------------------------------------------------------------------


async def test_a_font_made_smaller_draws_the_pictures_again_for_the_new_cells(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Sixel line is one cell tall in pixels: when a resize comes with cells of another pixel
    size (the terminal's font made smaller), the post is laid out again with its pictures drawn
    for them; a resize that keeps the cells' size draws nothing again."""
    kernel = [(10, 20)]  # what TIOCGWINSZ says
    monkeypatch.setattr(images, "terminal_cell", lambda: kernel[0])
    images._Terminal.kernel_cell = (10, 20)
    app = make_app(library)
    async with app.run_test(size=(WIDTH, HEIGHT)) as pilot:
        await open_post(app, pilot, "z")
        reader = app.screen.query_one(ReaderView)

        def band_height() -> tuple[int, int]:
            document = reader.document
            assert document is not None and document.under
            strip = document.strips[min(document.under)]
            band = next(segment.text for segment in strip if segment.control)
            image = decode_sixel(band[band.index("q") + 1 : -2])
            return image.width, image.height

        width, height = band_height()
        assert height == 20 and width % 10 == 0
        await pilot.resize_terminal(WIDTH - 2, HEIGHT)  # the same cells: nothing drawn again
        await settle(pilot, app)
        assert band_height() == (width, height)
        # The font made smaller, the window following it (xterm): as many cells, each smaller.
        kernel[0] = (8, 16)
        await pilot.resize_terminal(WIDTH - 2, HEIGHT)
        await settle(pilot, app)
        new_width, new_height = band_height()
        assert new_height == 16 and new_width % 8 == 0
        assert images.cell_size() == (8, 16)
        # Smaller again, the window kept: more cells.
        kernel[0] = (6, 12)
        await pilot.resize_terminal(WIDTH + 30, HEIGHT + 10)
        await settle(pilot, app)
        assert band_height()[1] == 12 and images.cell_size() == (6, 12)


def test_follow_cell_size_only_for_sixel_and_only_when_the_cells_change(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(images, "terminal_cell", lambda: (8, 16))
    images._Terminal.kernel_cell = (8, 16)
    assert not images.follow_cell_size()  # the same size
    images._Terminal.kernel_cell = (10, 20)
    images.use_protocol("halfcell", cell=DEFAULT_CELL)
    assert not images.follow_cell_size()  # half cells are cells
    images.use_protocol("sixel", cell=DEFAULT_CELL)
    assert images.follow_cell_size() and images.cell_size() == (8, 16)
    assert not images.follow_cell_size()  # once
    monkeypatch.setattr(images, "terminal_cell", lambda: None)  # not a terminal
    assert not images.follow_cell_size()
