"""The search text and titles read as the reader shows them (issue 14): superscripts and
subscripts, markup in titles. The corpus items these come from are in test_content_corpus.py."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blogtui.content.markdown import html_to_markdown
from blogtui.content.text import fold_lines, html_to_text, script_text, title_from_markup
from blogtui.parsing.common import title_text
from blogtui.parsing.feed import parse_feed


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>a total of <i>N</i><sup>2</sup> hashes</p>", "a total of N² hashes"),
        ("<p>H<sub>2</sub>O and x<sub>i</sub></p>", "H₂O and xᵢ"),
        ("<p>2<sup>n+1</sup> and 10<SUP>-6</SUP></p>", "2ⁿ⁺¹ and 10⁻⁶"),
        ("<p>e<sup>i&pi;</sup> = -1</p>", "e^(iπ) = -1"),  # no superscript π: ^(...), decoded once
        ("<p>x<sup>&#50;</sup> and Brand<sup>&reg;</sup></p>", "x² and Brand®"),
        ("<p>a<sup>&lt;b&gt;</sup></p>", "a^(<b>)"),
        ("<p>x<sub>max!</sub></p>", "x_(max!)"),
        ('<p>a claim<sup><a href="#fn1">1</a></sup> and more</p>', "a claim 1 and more"),
        ("<p>no scripts here</p>", "no scripts here"),
    ],
)
def test_search_text_scripts_as_the_reader_shows_them(html: str, expected: str) -> None:
    assert html_to_text(html) == expected


def test_search_text_and_reader_agree_on_a_superscript() -> None:
    html = "<p>a total of <i>N</i><sup>2</sup> hashes</p>"
    assert "N²" in html_to_text(html)
    assert "*N*²" in html_to_markdown(html)  # N in italics, then the raised 2


@pytest.mark.parametrize(
    ("inner", "sub", "expected"),
    [("2", False, "²"), ("n-1", False, "ⁿ⁻¹"), ("2", True, "₂"), ("™", False, "™"), ("π", False, "^(π)"),
     ("q", True, "_(q)"), (" ", False, "")],
)  # fmt: skip
def test_script_text(inner: str, sub: bool, expected: str) -> None:
    assert script_text(inner, sub=sub) == expected


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("<b>Slack</b> Stock Has a Story", "Slack Stock Has a Story"),
        ("Sentry Calming Collar for <i>dogs</i>", "Sentry Calming Collar for dogs"),
        ("&lt;em&gt;x&lt;/em&gt; marks the spot", "x marks the spot"),
        ("Apartment 1930ft<sup>2</sup>", "Apartment 1930ft²"),
        ("Raise <span class='webrupee'>₹</span>4,000 crore", "Raise ₹4,000 crore"),
        ("Line one<br/>line two</b>", "Line one line two"),
        ("Add Task &amp; Sub Tasks", "Add Task & Sub Tasks"),
        ("Die Rückkehr von <i> und <b>", "Die Rückkehr von <i> und <b>"),  # no markup: tags named
        ("<b>Bold</b> &amp; more", "Bold & more"),
        ("Use &lt;div&gt; for blocks", "Use <div> for blocks"),
        ("Generics: List<T> and </T>", "Generics: List<T> and </T>"),  # not an HTML element
        ("   A   title\n", "A title"),
    ],
)
def test_titles_read_as_text(title: str, expected: str) -> None:
    assert title_text(title) == expected
    assert " ".join(title_from_markup(title).split()) == expected


def test_json_feed_titles_are_plain_text() -> None:
    """A JSON Feed title is text by its spec: tags in it are characters, entities decoded."""
    assert title_text("<b>w</b> &amp; x", markup=False) == "<b>w</b> & x"


def _rss(title_xml: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
        "<link>https://blog.example/</link><item><title>" + title_xml + "</title>"
        "<link>https://blog.example/1</link><description>body</description></item></channel></rss>"
    ).encode()


@pytest.mark.parametrize(
    ("title_xml", "expected"),
    [
        ("&lt;b&gt;Slack&lt;/b&gt; wins", "Slack wins"),
        ("<![CDATA[Flat 560ft<sup>2</sup>]]>", "Flat 560ft²"),
        ("Q&amp;amp;A", "Q&A"),
    ],
)
def test_rss_titles_with_markup_on_both_parse_paths(title_xml: str, expected: str) -> None:
    """The lxml fast path and feedparser (forced by a DOCTYPE-free extension it defers) agree."""
    fast = parse_feed(_rss(title_xml), "https://blog.example/feed")
    assert fast.posts[0].title == expected
    slow_body = _rss(title_xml).replace(
        b'<rss version="2.0">', b'<rss version="2.0" xml:base="https://blog.example/">'
    )
    slow = parse_feed(slow_body, "https://blog.example/feed")  # xml:base: feedparser's job
    assert slow.posts[0].title == expected


_LINES = st.text(alphabet=st.sampled_from(["a", "b", " ", "\n", "\t", "\xa0", "\u2028", "\u3000", "é"]))


@settings(max_examples=400, deadline=None, database=None)
@given(st.one_of(_LINES, st.text()))
def test_fold_lines_as_the_search_text_was_folded(text: str) -> None:
    # Before: every line folded, then runs of blank lines made one newline, then stripped.
    folded = "\n".join(" ".join(line.split()) for line in text.split("\n"))
    assert fold_lines(text) == re.sub(r"\n\s*\n+", "\n", folded).strip()
