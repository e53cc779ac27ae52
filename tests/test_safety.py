"""Nothing a feed contains can touch the terminal: control characters, markup, scripts, unsafe links."""

from __future__ import annotations

import io
import json
import re
import sqlite3
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blogtui.cli import main
from blogtui.content.markdown import html_to_markdown
from blogtui.content.sanitize import clean_line, clean_text, safe_link
from blogtui.content.text import html_to_text
from blogtui.parsing.feed import parse_feed

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
HOSTILE = "\x1b[31m\x07\x1b]8;;file:///etc/passwd\x1b\\\x9b2J\r\u202e\x00\ud800"
MARKUP_TITLE = "[bold red]x[/] [link=file:///etc/passwd]y[/link] **z** <b>w</b>"

PROPERTY = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY
@given(st.text())
def test_clean_text_never_leaves_control_characters(value: str) -> None:
    assert not CONTROL.search(clean_text(value))
    assert not CONTROL.search(clean_line(value))


_ASCII = st.text(alphabet=st.characters(max_codepoint=0x7F))


@PROPERTY
@given(st.one_of(_ASCII, st.text()))
def test_clean_text_removes_what_the_regex_does(value: str) -> None:
    # ASCII text is cleaned with bytes.translate: the same result as the regex every string had.
    from blogtui.content.sanitize import _CR_RE, _UNSAFE_RE

    assert clean_text(value) == _UNSAFE_RE.sub("", _CR_RE.sub("\n", value))


def test_clean_text_of_every_ascii_character() -> None:
    every = "".join(map(chr, range(128)))
    kept = clean_text(every * 2)
    assert kept == ("\t\n\n" + "".join(map(chr, range(0x20, 0x7F)))) * 2  # the \r a newline
    assert clean_text("plain text, nothing to take out\n") == "plain text, nothing to take out\n"


_tags = st.sampled_from(
    ["p", "div", "a", "img", "pre", "code", "ul", "ol", "li", "table", "tr", "td", "th", "script", "style",
     "iframe", "blockquote", "h1", "h3", "em", "strong", "br", "figure", "figcaption", "sup", "video", "svg"]
)  # fmt: skip
_attrs = st.sampled_from(
    ['', ' href="javascript:x"', ' href="/rel"', ' src="x.png"', ' class="language-py"', ' id="fn:1"',
     ' href="#fn:1"', ' alt="[a]"', ' colspan="3"', ' href="https://e.example/\x1b"']
)  # fmt: skip
_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=20)


@st.composite
def _html(draw: st.DrawFn, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        if depth < 4 and draw(st.booleans()):
            tag = draw(_tags)
            inner = draw(_html(depth + 1))
            close = draw(st.sampled_from([f"</{tag}>", "", f"</{tag}"]))
            parts.append(f"<{tag}{draw(_attrs)}>{inner}{close}")
        else:
            parts.append(draw(_text))
    return "".join(parts)


@PROPERTY
@given(st.one_of(_html(), st.text(max_size=200)))
def test_converter_never_raises_and_never_emits_control_characters(fragment: str) -> None:
    markdown = html_to_markdown(fragment, "https://blog.example/p/")
    text = html_to_text(fragment)
    assert not CONTROL.search(markdown)
    assert not CONTROL.search(text)
    prose = re.sub(r"(`+)[^`]*?\1|^```.*?^```", "", markdown, flags=re.S | re.M)  # code is literal
    assert not re.search(r"(?<!\\)\]\(\s*(?:javascript|vbscript|file|data):", prose, re.I)


@PROPERTY
@given(st.text(max_size=60))
def test_safe_link_only_passes_http_https_mailto(url: str) -> None:
    result = safe_link(url)
    if result is not None:
        assert result.lower().startswith(("http://", "https://", "mailto:"))
        assert not CONTROL.search(result) and " " not in result


def _hostile_json_feed() -> bytes:
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Feed" + HOSTILE,
        "home_page_url": "https://blog.example/" + HOSTILE,
        "authors": [{"name": "Ann" + HOSTILE}],
        "items": [
            {
                "id": "id" + HOSTILE,
                "url": "https://blog.example/p" + HOSTILE,
                "title": MARKUP_TITLE + HOSTILE,
                "summary": "sum" + HOSTILE,
                "content_html": f"<p>body{HOSTILE}</p><script>alert(1)</script>",
                "tags": ["tag" + HOSTILE],
            }
        ],
    }
    return json.dumps(doc).encode()


def _hostile_rss() -> bytes:
    esc = "&#27;[31m&#7;&#x9b;2J&#x202e;\x1b\x07"
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Feed{esc}</title><link>https://blog.example/{esc}</link>
<description>d</description>
<item><title>{MARKUP_TITLE.replace("<", "&lt;")}{esc}</title><link>https://blog.example/p{esc}</link>
<guid>g{esc}</guid><author>ann@example.org (Ann{esc})</author><category>tag{esc}</category>
<description>&lt;p&gt;body{esc}&lt;/p&gt;</description></item></channel></rss>""".encode()


@pytest.mark.parametrize("body", [_hostile_json_feed(), _hostile_rss()], ids=["json", "rss"])
def test_every_parsed_string_is_clean(body: bytes) -> None:
    feed = parse_feed(body, "https://blog.example/feed")
    values = [feed.title, feed.site_url, feed.next_url or "", feed.prev_archive_url or ""]
    for post in feed.posts:
        values += [post.guid, post.url, post.title, post.author, post.summary, post.content_html, post.text]
        values += list(post.tags)
    assert feed.posts
    for value in values:
        assert not CONTROL.search(value), repr(value)


@pytest.mark.parametrize("body", [_hostile_json_feed(), _hostile_rss()], ids=["json", "rss"])
def test_nothing_stored_holds_a_control_character(tmp_path: Path, library: object, body: bytes) -> None:
    path = tmp_path / "feed"
    path.write_bytes(body)
    (outcome,) = library.subscribe([str(path)])  # type: ignore[attr-defined]
    assert outcome.error is None
    for post_id in library.post_ids():  # type: ignore[attr-defined]
        library.post(post_id)  # type: ignore[attr-defined]  # fills content_md
    db = sqlite3.connect(library.db_path)  # type: ignore[attr-defined]
    try:
        for table in ("feeds", "posts", "tags"):
            for row in db.execute(f"SELECT * FROM {table}"):
                for value in row:
                    if isinstance(value, str):
                        assert not CONTROL.search(value), (table, value)
    finally:
        db.close()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_show_on_a_terminal_prints_feed_markup_literally(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = tmp_path / "feed.json"
    feed.write_bytes(_hostile_json_feed())
    assert main(["--data-dir", str(data_dir), "add", str(feed)]) == 0
    screen = _Terminal()
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setattr(sys, "stdout", screen)
    assert main(["--data-dir", str(data_dir), "show", "1"]) == 0
    output = screen.getvalue()
    assert "\x1b]" not in output  # no OSC sequence (hyperlinks, titles)
    assert "\x07" not in output
    plain = re.sub(r"\x1b\[[0-9;]*m", "", output)  # Rich's own colours are fine
    assert "\x1b" not in plain
    assert "[bold red]x[/] [link=file:///etc/passwd]y[/link] **z** <b>w</b>" in plain
    assert "alert(1)" not in plain


def test_show_piped_writes_plain_text_and_markdown_on_request(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # the hostile title is longer than 80 columns
    feed = tmp_path / "feed.json"
    feed.write_bytes(_hostile_json_feed())
    assert main(["--data-dir", str(data_dir), "add", str(feed)]) == 0
    capsys.readouterr()
    assert main(["--data-dir", str(data_dir), "show", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(MARKUP_TITLE)  # plain text: the title exactly as the feed wrote it
    assert not CONTROL.search(out.replace("\r", ""))
    assert "<script>" not in out and "alert(1)" not in out
    assert main(["--data-dir", str(data_dir), "show", "1", "--markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# " + MARKUP_TITLE)
    assert not CONTROL.search(out.replace("\r", ""))
    assert "<script>" not in out and "alert(1)" not in out
