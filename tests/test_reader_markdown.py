"""How the reader pane draws converted Markdown (issue 14): tables, footnotes and themed styles,
checked on the rendered lines (render_post), without an app."""

from __future__ import annotations

import html
from collections import Counter
from pathlib import Path

from blogtui.content.markdown import html_to_markdown
from blogtui.models import Post
from blogtui.ui.widgets.reader import Document, render_post

GOLDEN = Path(__file__).parent / "golden"


def _render(markdown: str, width: int = 60, **options: object) -> Document:
    post = Post(id=1, feed_id=1, guid="g", title="T", content_md=markdown)
    return render_post(post, width, **options)  # type: ignore[arg-type]


def _lines(document: Document) -> list[str]:
    return [strip.text.rstrip() for strip in document.strips]


def test_table_cells_wrap_and_fold_never_cut() -> None:
    """A wide table in a narrow pane: every character of every cell is drawn (no "…")."""
    html = (GOLDEN / "tables_spans.html").read_text(encoding="utf-8")
    markdown = html_to_markdown(html)
    cells = [
        cell
        for line in markdown.split("\n")
        if line.startswith("|") and "---" not in line
        for cell in line[1:-1].split("|")
    ]
    wanted = Counter("".join("".join(cells).replace("`", "").split()))
    for width in (30, 40, 60, 100):
        drawn = Counter("".join("\n".join(_lines(_render(markdown, width))).split()))
        assert "…" not in drawn
        assert not wanted - drawn, width  # every character of the cells is on screen


FOOTNOTES = (
    """Bilbrey was misquoted.[^1] Another claim.[^2]

"""
    + "\n\n".join(f"Paragraph {n} of the post." for n in range(40))
    + """

[^1]: Here is a story from [Network World](https://www.networkworld.example/1.html).

[^2]: A second note.

    With a second paragraph.

After the notes, `[^1]` in code stays."""
)


def _mark_at(document: Document, line: int, char: str) -> tuple[int, str]:
    """The cell offset of ``char`` on ``line`` and the click action of its style."""
    offset = 0
    for segment in document.strips[line]:
        if char in segment.text:
            style = segment.style
            assert style is not None
            return offset + segment.text.index(char), str(style.meta.get("@click"))
        offset += len(segment.text)
    raise AssertionError(f"{char!r} not on line {line}")


def test_footnotes_are_numbered_notes_with_marks_to_follow_and_return() -> None:
    document = _render(FOOTNOTES)
    lines = _lines(document)
    text = "\n".join(lines)
    assert text.count("[^") == 1 and "[^1] in code stays" in text  # no raw marks but in code
    assert "Bilbrey was misquoted.¹ Another claim.²" in text
    note_1, note_2 = document.notes[1], document.notes[2]
    assert lines[note_1].strip() == "1. Here is a story from Network World [1]. ↩"
    assert lines[note_2].strip() == "2. A second note. ↩"
    assert "With a second paragraph." in lines[note_2 + 2]
    assert document.refs == {1: 3, 2: 3}  # both on the first line of the text
    assert _mark_at(document, 3, "¹")[1] == "footnote(1)"
    assert _mark_at(document, note_1, "↩")[1] == "footnote_back(1)"
    assert _mark_at(document, note_2, "2")[1] == "footnote_back(2)"
    assert document.links == ["https://www.networkworld.example/1.html"]  # a note's link is numbered


async def test_a_click_on_a_footnote_mark_follows_it_and_its_arrow_returns() -> None:
    from textual.app import App, ComposeResult

    from blogtui.ui.widgets.reader import ReaderView

    document = _render(FOOTNOTES, 60)

    class Reader(App[None]):
        def compose(self) -> ComposeResult:
            yield ReaderView()

    app = Reader()
    async with app.run_test(size=(62, 12)) as pilot:
        reader = app.query_one(ReaderView)
        reader.show(document)
        await pilot.pause()
        reader.scroll_to(y=1, animate=False)
        await pilot.pause()
        x, _ = _mark_at(document, 3, "¹")
        await pilot.click(ReaderView, offset=(x, 3 - 1))
        await pilot.pause()
        top = reader.scroll_offset.y
        assert top > 40 and top <= document.notes[1] < top + reader.size.height  # the note shows
        x, _ = _mark_at(document, document.notes[1], "↩")
        await pilot.click(ReaderView, offset=(x, document.notes[1] - top))
        await pilot.pause()
        assert reader.scroll_offset.y == 1  # back where the reader was


async def test_inline_code_follows_the_theme() -> None:
    """Inline code is drawn in the theme's colours: not Rich's black box on a light theme."""
    from rich.color import Color
    from textual.app import App, ComposeResult

    from blogtui.ui.widgets.reader import CODE_MARK, ReaderView

    document = _render("Call `frobnicate()` twice.", 60)
    (line,) = document.code_lines

    class Reader(App[None]):
        def compose(self) -> ComposeResult:
            yield ReaderView()

    drawn = {}
    for theme in ("textual-light", "textual-dark"):
        app = Reader()
        async with app.run_test(size=(62, 10)) as pilot:
            app.theme = theme
            reader = app.query_one(ReaderView)
            reader.show(document)
            await pilot.pause()
            (style,) = {seg.style for seg in reader.render_line(line) if "frobnicate" in seg.text}
            assert style is not None and style.bgcolor is not None
            assert style.bgcolor not in (CODE_MARK, Color.parse("black"))
            assert style.bgcolor == reader.get_component_rich_style("reader--code").bgcolor
            background = reader.rich_style.bgcolor
            assert background is not None and style.bgcolor != background  # still a box, a themed one
            drawn[theme] = style.bgcolor.get_truecolor()
    light, dark = drawn["textual-light"], drawn["textual-dark"]
    assert sum(light) > 600 and sum(dark) < 200  # a light box on light, a dark one on dark


async def test_the_footnote_key_follows_each_note_in_turn_and_returns() -> None:
    """``^`` (the main screen's ``footnote``) without a mouse: the next reference from the top
    of the screen, then back; the next press goes on to the following note; past the last,
    False (the screen says there is none below)."""
    from textual.app import App, ComposeResult

    from blogtui.ui.widgets.reader import ReaderView

    document = _render(FOOTNOTES, 60)

    class Reader(App[None]):
        def compose(self) -> ComposeResult:
            yield ReaderView()

    app = Reader()
    async with app.run_test(size=(62, 12)) as pilot:
        reader = app.query_one(ReaderView)
        reader.show(document)
        await pilot.pause()
        reader.scroll_to(y=1, animate=False)
        await pilot.pause()
        for note in (1, 2):
            assert reader.follow_footnote()
            await pilot.pause()
            top = reader.scroll_offset.y
            assert top <= document.notes[note] < top + reader.size.height, note  # the note shows
            assert reader.follow_footnote()  # back
            await pilot.pause()
            assert reader.scroll_offset.y == 1
        assert not reader.follow_footnote()  # none left below the screen's top
        assert reader.follow_footnote()  # and the next press starts again from note 1
        await pilot.pause()
        assert reader.scroll_offset.y <= document.notes[1]
        other = Post(id=2, feed_id=1, guid="h", title="U", content_md="No notes here, only text.")
        reader.show(render_post(other, 60))  # another post: nothing to return to
        await pilot.pause()
        assert not reader.follow_footnote()


async def test_caret_follows_a_footnote_in_the_app_and_returns(tmp_path: Path, data_dir: Path) -> None:
    from blogtui.ui.widgets.reader import ReaderView
    from ui_harness import make_app, press, seeded_library, settle

    body = (
        '<p>A claim.<sup id="fnref:1"><a href="#fn:1" class="footnote-ref">1</a></sup></p>'
        + "<p>Filler that pushes the notes below the first screen.</p>" * 40
        + '<div class="footnotes"><ol><li id="fn:1"><p>The note itself.'
        ' <a href="#fnref:1" class="footnote-backref">&#8617;</a></p></li></ol></div>'
    )
    feed = tmp_path / "notes.xml"
    feed.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Notes</title><link>https://n.example/</link>'
        f"<item><guid>n1</guid><title>Noted</title><description>{html.escape(body)}</description>"
        "<pubDate>Mon, 04 Mar 2024 09:00:00 GMT</pubDate></item></channel></rss>",
        encoding="utf-8",
    )
    library = seeded_library(data_dir, feed)
    app = make_app(library)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot, app)
            await press(pilot, "enter")
            await settle(pilot, app)
            reader = app.screen.query_one(ReaderView)
            document = reader.document
            assert document is not None and set(document.notes) == {1}
            assert reader.scroll_offset.y == 0
            await press(pilot, "circumflex_accent")
            await settle(pilot, app)
            top = reader.scroll_offset.y
            assert top > 0 and top <= document.notes[1] < top + reader.size.height
            await press(pilot, "circumflex_accent")
            await settle(pilot, app)
            assert reader.scroll_offset.y == 0  # back to the text
    finally:
        library.close()
