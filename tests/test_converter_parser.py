"""The converter keeps one lxml parser per thread (content/converter.py: _Builder): what one post
leaves open never reaches the next, threads do not share one, and a parse that fails drops it."""

from __future__ import annotations

import threading

import pytest

from blogtui.content import converter
from blogtui.content.markdown import html_to_markdown


def _fresh(html: str) -> str:
    """``html`` converted by a parser that has read nothing before (a new thread's)."""
    out: list[str] = []
    thread = threading.Thread(target=lambda: out.append(html_to_markdown(html)))
    thread.start()
    thread.join()
    return out[0]


def test_a_post_left_open_does_not_reach_the_next() -> None:
    unclosed = ["<p><b>bold and never closed<ul><li>item", "<table><tr><td>a<td>b", "<pre>code", "<!-- open"]
    following = ["<p>plain</p>", "<td>cell</td> text", "</b> after", "<li>one<li>two"]
    expected = [_fresh(html) for html in following]
    for before in unclosed:
        html_to_markdown(before)
        assert [html_to_markdown(html) for html in following] == expected, before
    assert expected[0] == "plain"
    assert converter._builder() is converter._builder()  # the same one, kept


def test_each_thread_has_its_own_parser() -> None:
    posts = {n: f"<h2>Post {n}</h2><p>text <em>{n}</em> " + "<i>x</i> " * 300 + "</p>" for n in range(6)}
    expected = {n: html_to_markdown(html) for n, html in posts.items()}
    results: dict[int, list[str]] = {n: [] for n in posts}
    builders: set[int] = set()

    def convert(n: int) -> None:
        builders.add(id(converter._builder()))
        for _ in range(20):
            results[n].append(html_to_markdown(posts[n]))

    threads = [threading.Thread(target=convert, args=(n,)) for n in posts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(out == [expected[n]] * 20 for n, out in results.items())
    assert len(builders) == len(posts)


def test_a_parse_that_fails_drops_the_kept_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    builder = converter._builder()
    html_to_markdown("<p>first</p>")
    kept = builder._kept
    assert kept is not None

    class Broken:
        def feed(self, markup: str) -> None:
            raise RuntimeError("half-way")

    monkeypatch.setattr(builder, "_kept", Broken())
    # The converter shows the post as plain text when conversion fails; the parser is not kept.
    assert "first post" in html_to_markdown("<p>first <b>post</b></p>")
    assert builder._kept is None
    monkeypatch.undo()
    builder._kept = None
    assert html_to_markdown("<p>again <b>bold</b></p>") == "again **bold**"
    assert builder._kept is not None and builder._kept is not kept


def test_find_all_by_name_finds_what_bs4_finds() -> None:
    from bs4 import BeautifulSoup, Tag

    html = (
        "<table><thead><tr><th>h<td>x</tr></thead><tr><td>a<table><tr><td>inner</table><th>b</tr>"
        "<tfoot><tr><td>f</tfoot></table><p>text <b>b</b><td>stray</td></p>"
    )
    ours = converter._Document(html, builder=converter._builder(), element_classes=converter._ELEMENT_CLASSES)
    plain = BeautifulSoup(html, "lxml")
    for doc in (ours, ours.table, ours.find_all("tr")[1]):
        same = plain.table if doc is ours.table else plain.find_all("tr")[1] if doc is not ours else plain
        for name in ("td", ["td", "th"], ("tr",), "tfoot", "nothing"):
            for recursive in (True, False):
                found = doc.find_all(name, recursive=recursive)
                expected = Tag.find_all(same, name, recursive=recursive)
                assert [str(t) for t in found] == [str(t) for t in expected], (name, recursive)
    # Anything but names goes to bs4's own search.
    assert [t.get_text() for t in ours.find_all("td", string="f")] == ["f"]
    assert len(ours.find_all("td", limit=2)) == 2
