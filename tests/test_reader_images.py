"""Pictures in the reader: kept images drawn in place (half cells), alt text under them, the others
links; ``I`` toggles them; the reading width, and laying out again whenever the reader's width
changes (the sidebar at 80 columns, 200 columns)."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from rich.console import Console
from textual.app import App, ComposeResult
from textual.drivers.headless_driver import HeadlessDriver

from blogtui.cli import demo_feed_path, keep_demo_pictures
from blogtui.errors import LibraryError
from blogtui.library import Library
from blogtui.models import Post
from blogtui.ui.widgets import images
from blogtui.ui.widgets.images import DEFAULT_CELL, fit, place_pictures, probe_terminal
from blogtui.ui.widgets.reader import Document, ReaderView, render_post
from ui_harness import frozen_clock, make_app, press, settle

SUN = "https://pics.example/sun.png"
MISSING = "https://pics.example/missing.png"


def picture(width: int = 200, height: int = 120) -> bytes:
    """A small drawing (flat colours: kept as a PNG), made here."""
    image = Image.new("RGB", (width, height), (60, 90, 200))
    draw = ImageDraw.Draw(image)
    draw.ellipse((width // 4, height // 4, 3 * width // 4, 3 * height // 4), fill=(250, 200, 40))
    draw.rectangle((0, height - height // 6, width, height), fill=(40, 160, 60))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


BODY = (
    "<p>Before the picture.</p>"
    f'<figure><img src="{SUN}" alt="A sun"><figcaption>The sun, setting</figcaption></figure>'
    "<p>After the picture.</p>"
    f'<p><img src="{MISSING}" alt="Not kept"></p>'
)


def feed(path: Path, body: str = BODY, posts: int = 1) -> Path:
    from html import escape

    items = "".join(
        f"<item><title>Post {n}</title><link>https://pics.example/{n}/</link><guid>{n}</guid>"
        f"<pubDate>Mon, 0{n} Nov 2026 10:00:00 GMT</pubDate><description>{escape(body)}</description></item>"
        for n in range(posts, 0, -1)
    )
    path.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Pictures</title>'
        f"<link>https://pics.example/</link>{items}</channel></rss>",
        encoding="utf-8",
    )
    return path


@pytest.fixture(autouse=True)
def default_cells(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pictures drawn for 10 x 20 pixel cells, whatever another test probed."""
    monkeypatch.setattr(images._Terminal, "cell", DEFAULT_CELL)


@pytest.fixture
def library(data_dir: Path, tmp_path: Path) -> Iterator[Library]:
    library = Library(data_dir, clock=frozen_clock)
    library.keep_image(SUN, picture())  # before subscribing: the image fetch knows it then
    outcomes = library.subscribe([str(feed(tmp_path / "feed.xml"))])
    assert not any(o.error for o in outcomes), outcomes
    yield library
    library.close()


def lines(document: Document) -> list[str]:
    return [strip.text.strip() for strip in document.strips]


def shown(app: App[object]) -> Document:
    document = app.screen.query_one(ReaderView).document
    assert document is not None
    return document


# -- in the app ------------------------------------------------------------------------------


async def test_a_kept_image_is_drawn_in_place_with_its_alt_text_and_caption_below(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await press(pilot, "enter")
        await settle(pilot, app)
        document = shown(app)
        assert document.pictures == 1
        text = lines(document)
        rows = sorted(document.picture_lines)
        # 200 x 120 pixels at 10 x 20 pixel cells: 20 cells, 6 lines; never enlarged.
        assert len(rows) == 6 and rows == list(range(rows[0], rows[0] + 6))
        assert all(set(text[i]) == {"▀"} and len(text[i]) == 20 for i in rows)
        assert text[rows[0] - 2] == "Before the picture."
        assert text[rows[-1] + 1] == "image: A sun [1]"  # right under it, its link's number kept
        assert text[rows[-1] + 3] == "The sun, setting"
        strip = document.strips[rows[0]]
        colours = [seg.style.color.triplet for seg in strip if seg.style and seg.style.color]
        # The sky, as drawn (a palette of 256 colours may move it by a step or two).
        assert any(c and max(abs(a - b) for a, b in zip(c, (60, 90, 200))) <= 3 for c in colours), colours
        # The image not kept is its labelled link, as before pictures.
        assert "image: Not kept [2]" in text
        assert "[2] https://pics.example/missing.png" in text


async def test_I_shows_images_as_links_and_back(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await press(pilot, "enter")
        await settle(pilot, app)
        assert shown(app).pictures == 1
        await press(pilot, "I")
        await settle(pilot, app)
        document = shown(app)
        assert document.pictures == 0 and not document.picture_lines
        assert "image: A sun [1]" in lines(document)
        assert "images as links" in str(app.screen.query_one("#status").render())
        await press(pilot, "I")
        await settle(pilot, app)
        assert shown(app).pictures == 1


async def test_show_images_false_starts_with_links(library: Library, tmp_path: Path) -> None:
    config_dir = Path(os.environ["BLOGTUI_CONFIG_DIR"])
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "config.toml").write_text("show_images = false\n", encoding="utf-8")
    from blogtui.config import load_config
    from blogtui.ui.app import BlogApp
    from ui_harness import FakeBrowser

    app = BlogApp(library, load_config(), clock=frozen_clock, opener=FakeBrowser())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await press(pilot, "enter")
        await settle(pilot, app)
        assert shown(app).pictures == 0
        assert "image: A sun [1]" in lines(shown(app))


async def test_an_image_not_fetched_is_its_labelled_link(data_dir: Path, tmp_path: Path) -> None:
    library = Library(data_dir, clock=frozen_clock)
    library.subscribe([str(feed(tmp_path / "feed.xml"))])  # nothing kept (offline: no network)
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await press(pilot, "enter")
        await settle(pilot, app)
        document = shown(app)
        assert document.pictures == 0
        text = lines(document)
        assert "image: A sun [1]" in text and "image: Not kept [2]" in text
    library.close()


async def test_an_evicted_file_is_its_link_again(library: Library) -> None:
    for path in (library.data_dir / "images").rglob("*.png"):
        path.unlink()
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await press(pilot, "enter")
        await settle(pilot, app)
        assert shown(app).pictures == 0
        assert "image: A sun [1]" in lines(shown(app))


async def test_opening_marks_the_images_read(library: Library) -> None:
    before = library.store.db.execute("SELECT used_at FROM images WHERE url = ?", (SUN,)).fetchone()[0]
    app = make_app(library)
    app.library.clock = lambda: frozen_clock().replace(year=2027)  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await press(pilot, "enter")
        await settle(pilot, app)
    after = library.store.db.execute("SELECT used_at FROM images WHERE url = ?", (SUN,)).fetchone()[0]
    assert after > before


async def test_the_demo_shows_its_bundled_picture_offline(data_dir: Path) -> None:
    library = Library(data_dir, clock=frozen_clock)
    keep_demo_pictures(library)
    library.subscribe([str(demo_feed_path())])
    assert library.image_stats()["stored"] == 1
    app = make_app(library)
    async with app.run_test(size=(96, 40)) as pilot:
        await settle(pilot, app)
        await press(pilot, *"jjjjjjjj", "enter")
        await settle(pilot, app)
        document = shown(app)
        assert lines(document)[0] == "Raised beds in a small yard"
        assert document.pictures == 1
        text = lines(document)
        last = max(document.picture_lines)
        assert text[last + 1] == "image: Three raised beds with a gravel path [1]"
        assert text[last + 3].startswith("The beds in their second summer")
    library.close()


# -- laying out again, reading width ----------------------------------------------------------


def _widest(document: Document) -> int:
    return max(len(strip.text.rstrip()) for strip in document.strips)


async def test_the_reader_wraps_again_when_the_sidebar_shows_or_hides_at_80_columns(
    data_dir: Path, tmp_path: Path
) -> None:
    words = " ".join(f"word{n}" for n in range(400))
    library = Library(data_dir, clock=frozen_clock)
    library.subscribe([str(feed(tmp_path / "feed.xml", f"<p>{words}</p>"))])
    app = make_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await press(pilot, "enter")
        await settle(pilot, app)
        reader = app.screen.query_one(ReaderView)
        wide = shown(app).width
        assert wide == reader.layout_width and not app.screen.query_one("#sidebar").display
        for key in ("b", "b", "t"):  # shown, hidden, shown (t shows it to focus the tags)
            await press(pilot, key)
            await settle(pilot, app)
            document = shown(app)
            assert document.width == reader.layout_width == reader.scrollable_content_region.width
            assert _widest(document) <= document.width  # nothing cut off at the right edge
            shown_sidebar = app.screen.query_one("#sidebar").display
            assert (document.width < wide) == shown_sidebar
    library.close()


async def test_the_reading_width_is_at_most_100_columns_centred_at_200(
    data_dir: Path, tmp_path: Path
) -> None:
    words = " ".join(f"word{n}" for n in range(400))
    library = Library(data_dir, clock=frozen_clock)
    library.subscribe([str(feed(tmp_path / "feed.xml", f"<p>{words}</p>"))])
    app = make_app(library)
    async with app.run_test(size=(200, 60)) as pilot:
        await settle(pilot, app)
        await press(pilot, "enter")
        await settle(pilot, app)
        reader = app.screen.query_one(ReaderView)
        document = shown(app)
        pane = reader.scrollable_content_region.width
        assert pane > 150 and document.width == reader.layout_width == 100
        assert 90 <= _widest(document) <= 99
        margin = (pane - 100) // 2
        line = reader.render_line(4).text  # a line of the paragraph, as drawn: centred
        assert line[:margin].strip() == "" and line[margin + 1 : margin + 5] == "word"
    library.close()


async def test_reading_width_0_uses_the_whole_pane(data_dir: Path, tmp_path: Path) -> None:
    config_dir = Path(os.environ["BLOGTUI_CONFIG_DIR"])
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "config.toml").write_text("reading_width = 0\n", encoding="utf-8")
    from blogtui.config import load_config
    from blogtui.ui.app import BlogApp

    library = Library(data_dir, clock=frozen_clock)
    library.subscribe([str(feed(tmp_path / "feed.xml"))])
    app = BlogApp(library, load_config(), clock=frozen_clock)
    async with app.run_test(size=(200, 60)) as pilot:
        await settle(pilot, app)
        await press(pilot, "enter")
        await settle(pilot, app)
        reader = app.screen.query_one(ReaderView)
        assert shown(app).width == reader.scrollable_content_region.width > 150
    library.close()


def test_reading_width_and_show_images_are_checked_settings() -> None:
    from blogtui.config import setting_problem

    assert setting_problem("reading_width", 80) is None
    assert setting_problem("reading_width", -1) == "reading_width = -1: must be at least 0"
    assert setting_problem("reading_width", "wide") == 'reading_width = "wide": must be a whole number'
    assert setting_problem("show_images", "no") == 'show_images = "no": must be true or false'


# -- the parts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ref:
    src: str
    alt: str = ""
    link: str = ""


@dataclass(frozen=True)
class Kept:
    path: Path
    width: int = 200
    height: int = 100


def test_place_pictures_marks_only_kept_images_alone_on_their_line(tmp_path: Path) -> None:
    kept = Kept(tmp_path / "a.png")
    markdown = "\n".join(
        [
            "[image: A](https://x.example/a.png)",
            "",
            "Text with [image: A](https://x.example/a.png) inside.",
            "",
            "```",
            "[image: A](https://x.example/a.png)",
            "```",
            "",
            "[image: B](https://x.example/b.png) [image](https://x.example/page/)",
        ]
    )
    refs = [(Ref("https://x.example/a.png"), kept), (Ref("https://x.example/b.png"), None)]
    refs.append((Ref("https://x.example/c.png", link="https://x.example/page/"), kept))
    out, pictures = place_pictures(markdown, refs)
    assert len(pictures) == 2  # the first line, and the image linked to a page
    lines = out.split("\n")
    assert lines[0] == "\ue030\ue040\\" and lines[1] == "[image: A](https://x.example/a.png)"
    assert "Text with [image: A](https://x.example/a.png) inside." in lines  # in a sentence: a link
    assert lines.count("[image: A](https://x.example/a.png)") == 2  # and in code, untouched
    assert "[image: B](https://x.example/b.png)" in lines  # not kept: a link
    assert lines[-2:] == ["\ue030\ue041\\", "[image](https://x.example/page/)"]


def test_images_linking_to_one_page_are_placed_in_the_posts_order(tmp_path: Path) -> None:
    """A gallery: each thumbnail links to the same page (the Markdown holds only that link)."""
    a, c = Kept(tmp_path / "a.png"), Kept(tmp_path / "c.png")
    page = "https://x.example/gallery/"
    refs = [
        (Ref("https://x.example/a.png", link=page), a),
        (Ref("https://x.example/b.png", link=page), None),  # not kept: its link stays
        (Ref("https://x.example/c.png", link=page), c),
    ]
    markdown = "\n\n".join(f"[image: {n}]({page})" for n in "abc")
    out, pictures = place_pictures(markdown, refs)
    assert [p.path.name for p in pictures] == ["a.png", "c.png"]
    assert out.split("\n\n") == [
        f"\ue030\ue040\\\n[image: a]({page})",
        f"[image: b]({page})",
        f"\ue030\ue041\\\n[image: c]({page})",
    ]


def test_fit_never_enlarges_keeps_the_shape_and_bounds_the_height() -> None:
    assert fit(200, 120, 98) == (20, 6)  # its own size at 10 x 20 pixel cells
    assert fit(1024, 768, 98) == (98, 37)  # shrunk to the width, 4:3 on 1:2 cells
    assert fit(100, 2048, 98) == (10, 102)
    assert fit(400, 4000, 98) == (24, 120)  # at most MAX_ROWS lines, narrower
    assert fit(0, 10, 98) == (0, 0)


def test_probe_reads_the_cell_size_from_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cell size from TIOCGWINSZ; with the protocol forced (and stdin not a terminal, as here
    under pytest, whatever the setting) nothing is written to the terminal."""
    import fcntl
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    try:
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 1080, 720))
        with os.fdopen(os.dup(follower), "w") as stream:
            monkeypatch.setattr(sys, "__stdout__", stream)
            monkeypatch.setattr(sys, "__stdin__", io.StringIO())
            assert probe_terminal("auto") == "halfcell"
        assert images.cell_size() == (9, 18)
        os.set_blocking(leader, False)
        with pytest.raises(BlockingIOError):
            os.read(leader, 100)  # nothing was written to the terminal (no query to answer)
    finally:
        os.close(leader)
        os.close(follower)
    monkeypatch.setattr(sys, "__stdout__", io.StringIO())
    assert probe_terminal() == "halfcell"  # not a terminal
    assert images.cell_size() == DEFAULT_CELL


@pytest.mark.parametrize("protocol", ["halfcell", "kitty"])
def test_drawing_a_picture_never_asks_the_terminal(
    protocol: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """textual-image's Sixel and TGP probe (its renderable package's import) must not run once the
    app does, nor may a picture be written to stdout beside Textual's output: with a terminal on
    stdout, drawing writes nothing to it (Kitty's upload waits for the driver)."""
    import pty

    path = tmp_path / "p.png"
    path.write_bytes(picture())
    leader, follower = pty.openpty()
    try:
        with os.fdopen(os.dup(follower), "w") as stream:
            monkeypatch.setattr(sys, "__stdout__", stream)
            images._tgp.cache_clear()
            images.use_protocol(protocol)
            strips = images.picture_strips(path, 20, 6, (30, 30, 30))
        assert len(strips) == 6 and all(s.cell_length == 20 for s in strips)
        os.set_blocking(leader, False)
        with pytest.raises(BlockingIOError):
            os.read(leader, 100)
    finally:
        os.close(leader)
        os.close(follower)
        images.use_protocol("halfcell")


async def test_the_reader_shows_a_kitty_picture_as_placeholders_and_sends_it_once(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kitty mode in the app: the picture's lines are placeholders of one image id, whose upload
    went through the driver before the frame that shows them, once; scrolling sends nothing."""
    images.use_protocol("kitty", cell=DEFAULT_CELL)
    # Everything the driver writes, from the app's start: the first post's preview may be shown
    # (and its picture sent) before run_test hands over the pilot.
    written: list[str] = []
    write = HeadlessDriver.write
    monkeypatch.setattr(
        HeadlessDriver, "write", lambda self, data: (written.append(data), write(self, data))[1]
    )
    try:
        app = make_app(library)
        async with app.run_test(size=(120, 40)) as pilot:
            assert isinstance(app._driver, HeadlessDriver)
            await settle(pilot, app)
            await press(pilot, "enter")
            await settle(pilot, app)
            document = shown(app)
            assert document.pictures == 1
            rows = sorted(document.picture_lines)
            assert len(rows) == 6  # 200 x 120 pixels at 10 x 20 pixel cells, as in half cells
            ids = set()
            for i in rows:
                strip = document.strips[i]
                marks = [seg for seg in strip if "\U0010eeee" in seg.text]
                assert len(marks) == 1 and marks[0].text.count("\U0010eeee") == 20
                assert marks[0].style is not None and marks[0].style.color is not None
                assert marks[0].style.color.triplet is not None
                ids.add(int.from_bytes(bytes(marks[0].style.color.triplet), "big"))
            [image_id] = ids
            uploads = [w for w in written if "\x1b_Ga=T" in w]
            assert len(uploads) == 1 and f",i={image_id},c=20,r=6," in uploads[0]
            assert "image: A sun [1]" in lines(document)  # the alt text under it, as in half cells
            before = len(written)
            await press(pilot, "j", "j", "k")
            await settle(pilot, app)
            assert not any("\x1b_G" in w for w in written[before:])
            # A frame as Textual writes it carries the placeholders, in the id's 24-bit colour.
            r, g, b = (image_id >> 16) & 255, (image_id >> 8) & 255, image_id & 255
            await press(pilot, "g")
            await settle(pilot, app)
            # (The test console has 16 colours; Kitty's terminals have 24-bit, COLORTERM says so.)
            console = Console(color_system="truecolor", force_terminal=True, file=io.StringIO())
            frame = app.screen._compositor.render_full_update().render_segments(console)
            assert f"38;2;{r};{g};{b}" in frame and frame.count("\U0010eeee") == 20 * 6
    finally:
        images.use_protocol("halfcell", cell=DEFAULT_CELL)


def test_keep_image_refuses_what_is_not_an_image(library: Library) -> None:
    with pytest.raises(LibraryError, match=r"^https://pics.example/x.png: an HTML page, not an image$"):
        library.keep_image("https://pics.example/x.png", b"<html><body>404</body></html>")


# -- the look ---------------------------------------------------------------------------------


class ReaderApp(App[None]):
    """The reader pane alone, showing one rendered post."""

    def __init__(self, document: Document) -> None:
        super().__init__()
        self.document = document

    def compose(self) -> ComposeResult:
        yield ReaderView(id="reader")

    def on_mount(self) -> None:
        self.query_one(ReaderView).show(self.document)


def test_snapshot_of_a_post_with_a_half_cell_picture(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "sun.png"
    path.write_bytes(picture(240, 160))
    post = Post(
        id=1,
        feed_id=1,
        guid="1",
        feed_url="https://pics.example/feed.xml",
        feed_title="Pictures",
        title="A picture",
        url="https://pics.example/1/",
        author="Ann",
        published=frozen_clock(),
        content_md=f"Before the picture.\n\n[image: A sun]({SUN})\n\n*The sun, setting*\n\nAfter it.",
    )
    document = render_post(post, 58, images=[(Ref(SUN, "A sun"), Kept(path, 240, 160))])
    assert document.pictures == 1
    assert snap_compare(ReaderApp(document), terminal_size=(60, 24))
