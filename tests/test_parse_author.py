"""Authors read as people's names on both parse paths, and email spellings keep the fast path."""

from __future__ import annotations

import pytest

from blogtui.parsing import feed as parse
from blogtui.parsing import xml_fast as feed_xml
from blogtui.parsing.common import author_name

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>T</title><link>https://blog.example/</link>
<managingEditor>{feed}</managingEditor>
<item><title>One</title><link>https://blog.example/1</link><author>{item}</author></item>
<item><title>Two</title><link>https://blog.example/2</link></item>
</channel></rss>"""


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("ann@some.example (Ann Author)", "Ann Author"),
        ("  ann@some.example ( Ann Author )  ", "Ann Author"),
        ("Ann Author <ann@some.example>", "Ann Author"),
        ("Ann Author (ann@some.example)", "Ann Author"),  # feedparser's Atom name + email
        ("ann@some.example", "ann@some.example"),  # no name given: the address is all there is
        ("(Ann)", "(Ann)"),
        ("Ann (the editor)", "Ann (the editor)"),  # no address: a name with a remark, kept whole
        ("ann@some.example ()", "ann@some.example ()"),
        ("<ann@some.example>", "<ann@some.example>"),
    ],
)
def test_author_name(raw: str, name: str) -> None:
    assert author_name(raw) == name


def test_email_authors_take_the_fast_path_and_both_paths_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    body = RSS.format(item="ann@some.example (Ann Author)", feed="Bob &lt;bob@some.example&gt;").encode()
    assert feed_xml.read(body, "https://blog.example/feed") is not None
    fast = parse.parse_feed(body, "https://blog.example/feed")
    monkeypatch.setattr(feed_xml, "read", lambda body, url: None)
    slow = parse.parse_feed(body, "https://blog.example/feed")
    assert fast == slow
    assert [p.author for p in fast.posts] == ["Ann Author", "Bob"]  # the second inherits the feed's
