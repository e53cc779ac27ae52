"""HTML to Markdown fidelity: golden files for the tricky cases, plus links, images and summaries."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from blogtui.content.markdown import html_to_markdown
from blogtui.content.sanitize import safe_link
from blogtui.content.text import html_to_text, reading_minutes, wants_full_article, without_title
from blogtui.library import Library
from blogtui.models import ParsedPost, Post

GOLDEN = Path(__file__).parent / "golden"
BASE = "https://blog.example/posts/hello/"
CASES = sorted(p.stem for p in GOLDEN.glob("*.html"))


@pytest.mark.parametrize("name", CASES)
def test_golden(name: str) -> None:
    """Each tests/golden/NAME.html converts to NAME.md (BLOGTUI_UPDATE_GOLDEN=1 rewrites them)."""
    html = (GOLDEN / f"{name}.html").read_text(encoding="utf-8")
    markdown = html_to_markdown(html, BASE) + "\n"
    expected = GOLDEN / f"{name}.md"
    if os.environ.get("BLOGTUI_UPDATE_GOLDEN"):
        expected.write_text(markdown, encoding="utf-8")
    assert markdown == expected.read_text(encoding="utf-8")


def test_golden_cases_exist() -> None:
    assert len(CASES) >= 6


@pytest.mark.parametrize(
    ("html", "language"),
    [
        ('<pre><code class="language-x">a</code></pre>', "x"),
        ('<pre><code class="hljs language-typescript">a</code></pre>', "typescript"),
        ('<pre><code class="lang-c++">a</code></pre>', "c++"),
        ('<div class="highlight highlight-source-shell"><pre>a</pre></div>', "shell"),
        ('<pre><code class="language-plaintext">a</code></pre>', ""),
        ('<pre class="prettyprint lang-js">a</pre>', "js"),
        ('<pre><code data-lang="sql">a</code></pre>', "sql"),
    ],
)
def test_code_block_language(html: str, language: str) -> None:
    assert html_to_markdown(html).splitlines()[0] == "```" + language


def test_headings_paragraphs_emphasis_inline_code() -> None:
    markdown = html_to_markdown("<h2>A <em>b</em></h2><p>x <strong>y</strong> <code>z()</code></p>")
    assert markdown == "## A *b*\n\nx **y** `z()`"


def test_script_style_and_iframe_bodies_dropped() -> None:
    html = (
        "<p>keep</p><script>SCRIPT</script><style>STYLE</style><noscript>NOSCRIPT</noscript>"
        '<iframe src="https://example.org/e">IFRAME BODY</iframe><SCRIPT type=x>UPPER</SCRIPT>'
        "<script>never closed SCRIPT2"
    )
    markdown = html_to_markdown(html)
    for word in ("SCRIPT", "STYLE", "NOSCRIPT", "IFRAME BODY", "UPPER", "SCRIPT2"):
        assert word not in markdown
    assert "keep" in markdown
    assert "[embedded: example.org/e](https://example.org/e)" in markdown
    assert "SCRIPT" not in html_to_text(html) and "IFRAME" not in html_to_text(html)


def test_only_safe_links_survive_conversion() -> None:
    html = (
        '<a href="javascript:alert(1)">a</a> <a href="vbscript:x">b</a> <a href="file:///etc/passwd">c</a>'
        ' <a href="data:text/html,x">d</a> <a href="  JaVaScRiPt:alert(1)">e</a>'
        ' <img src="file:///x.png" alt="f">'
    )
    markdown = html_to_markdown(html, BASE)
    assert "](" not in markdown
    for letter in "abcde":
        assert letter in markdown


def test_relative_urls_resolve_against_the_base() -> None:
    markdown = html_to_markdown('<a href="../x">x</a> <img src="/i.png" alt="i">', BASE)
    assert "[x](https://blog.example/posts/x)" in markdown
    assert "[image: i](https://blog.example/i.png)" in markdown
    # A leading <base href> (the parser's record of xml:base) wins over the post's link.
    based = html_to_markdown('<base href="https://other.example/dir/"><img src="i.png">', BASE)
    assert based == "[image](https://other.example/dir/i.png)"


def test_plain_text_is_kept_and_escaped() -> None:
    assert html_to_markdown("just words") == "just words"
    assert html_to_markdown("[x](javascript:alert(1))") == "\\[x\\](javascript:alert(1))"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.org/a?b=1#c", "https://example.org/a?b=1#c"),
        ("http://example.org", "http://example.org"),
        ("HTTPS://EXAMPLE.ORG/", "HTTPS://EXAMPLE.ORG/"),
        ("mailto:ann@example.org", "mailto:ann@example.org"),
        ("  https://example.org/  ", "https://example.org/"),
        ("javascript:alert(1)", None),
        ("JavaScript:alert(1)", None),
        ("file:///etc/passwd", None),
        ("data:text/html,hi", None),
        ("ftp://example.org/", None),
        ("/relative", None),
        ("https:///no-host", None),
        ("https://example.org/\x1b]8;;evil", None),
        ("https://exa mple.org/", None),
        ("mailto:", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_link(url: str | None, expected: str | None) -> None:
    assert safe_link(url) == expected


def _post(**fields: object) -> Post:
    return Post(id=1, feed_id=1, guid="g", **fields)  # type: ignore[arg-type]


def test_wants_full_article() -> None:
    assert wants_full_article(_post(content_html="<p>Start…</p>", summary_only=True))
    assert wants_full_article(_post(content_html="<p>Whole post?</p>"))  # nothing tells
    assert not wants_full_article(_post(summary="<p>Start…</p>", content_html="<p>The whole article</p>"))


def test_converter_survives_deep_nesting() -> None:
    html = "<div>" * 5000 + "deep" + "</div>" * 5000
    assert "deep" in html_to_markdown(html)


def test_reading_minutes() -> None:
    assert reading_minutes("") == 1
    assert reading_minutes("word " * 2300) == 10


@pytest.mark.parametrize(
    ("markdown", "title", "expected"),
    [
        ("# Hello  World\n\nThe body.", "Hello World", "The body."),
        ("\n## \\*Hello\\* ##\nThe body.", "*Hello*", "The body."),  # escapes, closing hashes
        ("# hello world\n\nThe body.", "Hello World", "The body."),
        ("# Another heading\n\nThe body.", "Hello World", "# Another heading\n\nThe body."),
        ("Hello World\n\nThe body.", "Hello World", "Hello World\n\nThe body."),  # not a heading
        ("# Hello World", "Hello World", "# Hello World"),  # nothing else to show: keep it
        ("# Hello World\n\nThe body.", "", "# Hello World\n\nThe body."),
    ],
)
def test_a_first_heading_that_repeats_the_title_goes(markdown: str, title: str, expected: str) -> None:
    assert without_title(markdown, title) == expected


def test_the_reader_shows_the_title_once(library: Library) -> None:
    feed = library.store.add_feed("https://blog.example/feed.xml")
    post = ParsedPost(
        guid="p1", url="https://blog.example/p1", title="Seed saving",
        content_html="<h1>Seed saving</h1><p>Keep the best plants.</p>",
    )  # fmt: skip
    with library.store.transaction():
        library.store.upsert_posts(feed, [post])
    (post_id,) = library.post_ids()
    assert library.post(post_id).content_md == "Keep the best plants."  # type: ignore[union-attr]


def test_wants_full_article_goes_by_the_article_length() -> None:
    """F decides by what the post holds, whichever field it came from."""
    article = "<p>" + "A sentence of the whole article. " * 60 + "</p>"
    # A long article: nothing to add, even with no summary kept apart.
    assert not wants_full_article(_post(content_html=article))
    # A one-line content beside a long summary (stored before the parser preferred the longer).
    assert wants_full_article(_post(content_html="<p>A teaser.</p>", summary=article))
    # Content that ends like a teaser, whatever its summary.
    assert wants_full_article(_post(content_html="<p>It begins here [&#8230;]</p>", summary="<p>x</p>"))
    assert wants_full_article(_post(content_html="<p>Short text</p>", summary="<p>Short text too</p>"))
