"""How the reader pane draws converted Markdown (issue 14): tables, footnotes and themed styles,
checked on the rendered lines (render_post), without an app."""

from __future__ import annotations

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
