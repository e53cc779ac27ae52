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


def _text_as_before(fragment: str) -> str:
    """html_to_text as it was: every pass over every post, the tag patterns with IGNORECASE."""
    import html as html_lib

    from blogtui.content import text as text_module
    from blogtui.content.sanitize import COMMENT_RE, DROP_BLOCK_RE, IFRAME_BODY_RE, UNCLOSED_RE, clean_text

    block = re.compile(
        r"</?(p|div|br|li|ul|ol|h[1-6]|pre|blockquote|tr|table|section|article|figure|figcaption)\b[^>]*>",
        re.IGNORECASE,
    )
    cell = re.compile(r"</?(td|th|dd|dt)\b[^>]*>", re.IGNORECASE)
    text = COMMENT_RE.sub(" ", fragment) if "<!--" in fragment else fragment
    text = IFRAME_BODY_RE.sub(" ", UNCLOSED_RE.sub(" ", DROP_BLOCK_RE.sub(" ", text)))
    if "<su" in text or "<SU" in text or "<Su" in text:
        text = text_module._SCRIPT_RE.sub(text_module._script_html, text)
    text = re.sub(r"<[^>]*>", "", cell.sub(" ", block.sub("\n", text)))
    return fold_lines(clean_text(html_lib.unescape(text)))


_NAMES = ["p", "P", "div", "DiV", "br", "Br", "li", "h1", "H6", "h7", "td", "TH", "dd", "dt", "tr", "pre",
          "table", "Figcaption", "figure", "section", "article", "blockquote", "span", "b", "a", "em",
          "script", "SCRIPT", "style", "StYle", "noscript", "template", "object", "embed", "svg", "title",
          "head", "iframe", "IFrame", "sup", "sub", "scripts", "iframes", "svgs"]  # fmt: skip
_PIECES = st.one_of(
    st.sampled_from(_NAMES).map(lambda n: f"<{n}>"),
    st.sampled_from(_NAMES).map(lambda n: f"</{n}>"),
    st.sampled_from(_NAMES).map(lambda n: f'<{n} class="x">'),
    st.sampled_from(["text", " ", "\n", "&amp;", "&lt;p&gt;", "<!-- c -->", "<", ">", "2", "é", "<br/>"]),
)


@settings(max_examples=600, deadline=None, database=None)
@given(st.lists(_PIECES, max_size=30).map("".join))
def test_search_text_as_before_the_tag_patterns_were_letter_classes(fragment: str) -> None:
    # The tag patterns spell each letter as a class ([pP]) instead of IGNORECASE, and the passes
    # that drop scripts, styles and iframes run only when one of them may start: the same text.
    assert html_to_text(fragment) == _text_as_before(fragment)
