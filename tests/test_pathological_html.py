"""Bounded work on pathological HTML: each post converts within 2 s on this machine and never
raises (no RecursionError); what cannot be converted shows as plain text with a note."""

from __future__ import annotations

import time

import pytest

from blogtui.content.markdown import MAX_TAGS, PLAIN_TEXT_NOTE, html_to_markdown

CASES = {
    "20,000 nested divs": ("<div>" * 20_000 + "deep text" + "</div>" * 20_000, "deep text"),
    "20,000 nested blockquotes": ("<blockquote>" * 20_000 + "quoted", "quoted"),
    "20,000 nested mixed, unclosed": (
        "".join(f"<{t}>" for t in ["div", "span", "b", "i", "blockquote", "ul", "li"] * 2858) + "bottom",
        "bottom",
    ),
    "a 4 MB paragraph": ("<p>" + "word " * 800_000 + "</p>", "word word"),
    "a paragraph of 200,000 bold words": ("<p>" + "<b>w</b> " * 200_000 + "</p>", "w w"),
    "a 60,000-cell table": (
        "<table>"
        + "".join("<tr>" + "".join(f"<td>c{r}.{c}</td>" for c in range(60)) + "</tr>" for r in range(1000))
        + "</table>",
        "c999.59",
    ),
    "50,000 links": (
        "<p>" + "".join(f'<a href="https://x.example/{n}">link {n}</a> ' for n in range(50_000)) + "</p>",
        "link 49999",
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_pathological_html_is_bounded(name: str) -> None:
    html, expected = CASES[name]
    # The bound is on the work (this thread's CPU), as the converter's deadline is: a busy machine
    # stretches the wall clock, not what the post costs.
    started = time.thread_time()
    markdown = html_to_markdown(html, "https://x.example/post/")
    took = time.thread_time() - started
    assert took < 2.0, f"{name}: {took:.2f} s of CPU"
    assert expected in markdown


@pytest.mark.parametrize("name", ["20,000 nested divs", "20,000 nested blockquotes", "a 60,000-cell table"])
def test_what_cannot_be_converted_is_plain_text_with_a_note(name: str) -> None:
    markdown = html_to_markdown(CASES[name][0], "https://x.example/post/")
    first = markdown.splitlines()[0]
    assert first.startswith(f"*{PLAIN_TEXT_NOTE}: ") and first.endswith(".*")


def test_plain_text_is_escaped_markdown() -> None:
    html = "<div>" * (MAX_TAGS + 1) + "**not bold** [not a link](x) # not a heading"
    markdown = html_to_markdown(html)
    assert "\\*\\*not bold\\*\\*" in markdown and "\\[not a link\\]" in markdown


def test_a_post_just_under_the_limit_is_still_formatted() -> None:
    html = "".join(
        f"<p><b>bold {n}</b> and <a href='https://x.example/{n}'>a link</a></p>" for n in range(1500)
    )
    markdown = html_to_markdown(html)
    assert PLAIN_TEXT_NOTE not in markdown
    assert "**bold 1499**" in markdown and "[a link](https://x.example/1499)" in markdown


def test_the_deadline_stops_a_slow_conversion(monkeypatch: pytest.MonkeyPatch) -> None:
    import blogtui.content.markdown as markdown_module

    monkeypatch.setattr(markdown_module, "MAX_SECONDS", 0.0)
    markdown = html_to_markdown("<p>" + "<b>x</b> " * 2000 + "</p>")
    assert markdown.startswith(f"*{PLAIN_TEXT_NOTE}: too long to format in 0 s.*")
