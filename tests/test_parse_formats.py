"""Every feed format into the same model; encodings; summaries; ids; xml:base; broken JSON."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from blogtui.content.markdown import html_to_markdown
from blogtui.errors import NotAFeedError
from blogtui.library import Library
from blogtui.models import ParsedFeed, ParsedPost, Post
from blogtui.parsing.feed import parse_feed

WHEN = datetime(2024, 3, 4, 9, 0, tzinfo=timezone.utc)

RSS091 = b"""<?xml version="1.0"?>
<rss version="0.91"><channel><title>Blog</title><link>https://blog.example/</link>
<description>d</description><language>en</language>
<item><title>Hello</title><link>https://blog.example/hello</link>
<description>&lt;p&gt;Body &lt;b&gt;text&lt;/b&gt;&lt;/p&gt;</description></item>
</channel></rss>"""

RSS092 = b"""<?xml version="1.0"?>
<rss version="0.92"><channel><title>Blog</title><link>https://blog.example/</link><description>d</description>
<item><title>Hello</title><link>https://blog.example/hello</link>
<description>&lt;p&gt;Body &lt;b&gt;text&lt;/b&gt;&lt;/p&gt;</description><category>News</category></item>
</channel></rss>"""

RSS10 = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel rdf:about="https://blog.example/"><title>Blog</title><link>https://blog.example/</link><description>d</description>
<items><rdf:Seq><rdf:li resource="https://blog.example/hello"/></rdf:Seq></items></channel>
<item rdf:about="https://blog.example/hello"><title>Hello</title><link>https://blog.example/hello</link>
<dc:date>2024-03-04T09:00:00Z</dc:date><dc:creator>Ann</dc:creator><dc:subject>News</dc:subject>
<content:encoded><![CDATA[<p>Body <b>text</b></p>]]></content:encoded></item>
</rdf:RDF>"""

RSS20 = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Blog</title>
<link>https://blog.example/</link><description>d</description>
<item><title>Hello</title><link>https://blog.example/hello</link><guid>https://blog.example/hello</guid>
<pubDate>Mon, 04 Mar 2024 09:00:00 GMT</pubDate><dc:creator>Ann</dc:creator><category>News</category>
<description><![CDATA[<p>Body <b>text</b></p>]]></description></item>
</channel></rss>"""

ATOM03 = b"""<?xml version="1.0" encoding="utf-8"?>
<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>Blog</title>
<link rel="alternate" type="text/html" href="https://blog.example/"/><modified>2024-03-04T09:00:00Z</modified>
<entry><title>Hello</title><link rel="alternate" type="text/html" href="https://blog.example/hello"/>
<id>https://blog.example/hello</id><issued>2024-03-04T09:00:00Z</issued><modified>2024-03-04T09:00:00Z</modified>
<author><name>Ann</name></author>
<content type="text/html" mode="escaped">&lt;p&gt;Body &lt;b&gt;text&lt;/b&gt;&lt;/p&gt;</content></entry>
</feed>"""

ATOM10 = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Blog</title><link href="https://blog.example/"/>
<id>urn:blog</id><updated>2024-03-04T09:00:00Z</updated>
<entry><title type="html">Hello</title><link href="https://blog.example/hello"/><id>https://blog.example/hello</id>
<updated>2024-03-04T09:00:00Z</updated><published>2024-03-04T09:00:00Z</published>
<author><name>Ann</name></author><category term="News"/>
<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Body <b>text</b></p></div></content>
</entry></feed>"""


def _json_feed(version: str) -> bytes:
    author = {"authors": [{"name": "Ann"}]} if version == "1.1" else {"author": {"name": "Ann"}}
    doc = {
        "version": f"https://jsonfeed.org/version/{version}",
        "title": "Blog",
        "home_page_url": "https://blog.example/",
        "items": [
            {
                "id": "https://blog.example/hello",
                "url": "https://blog.example/hello",
                "title": "Hello",
                "content_html": "<p>Body <b>text</b></p>",
                "date_published": "2024-03-04T09:00:00Z",
                "tags": ["News"],
                **author,
            }
        ],
    }
    return json.dumps(doc).encode()


FORMATS = {
    "rss0.91": RSS091,
    "rss0.92": RSS092,
    "rss1.0": RSS10,
    "rss2.0": RSS20,
    "atom0.3": ATOM03,
    "atom1.0": ATOM10,
    "jsonfeed1.0": _json_feed("1"),
    "jsonfeed1.1": _json_feed("1.1"),
}


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_format_reads_into_the_same_model(name: str) -> None:
    feed = parse_feed(FORMATS[name], "https://blog.example/feed")
    assert isinstance(feed, ParsedFeed)
    assert feed.title == "Blog"
    assert feed.site_url == "https://blog.example/"
    (post,) = feed.posts
    assert isinstance(post, ParsedPost)
    assert post.title == "Hello"
    assert post.url == "https://blog.example/hello"
    assert html_to_markdown(post.content_html, post.url) == "Body **text**"
    assert post.text == "Body text"
    if not name.startswith("rss0.9"):  # RSS 0.9x has no dates or authors on items
        assert post.published == WHEN
        assert post.author == "Ann"
    if name not in ("rss0.91", "atom0.3"):
        assert post.tags == ("News",)


def _rss(title: str, encoding: str | None) -> str:
    declaration = f' encoding="{encoding}"' if encoding else ""
    return (
        f'<?xml version="1.0"{declaration}?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>https://blog.example/</link><description>d</description><item><title>{title}</title>"
        f"<link>https://blog.example/p</link><description>{title}</description></item></channel></rss>"
    )


@pytest.mark.parametrize(
    ("encoding", "title", "declared"),
    [
        ("iso-8859-1", "Café crème", True),
        ("windows-1251", "Привет, мир", True),
        ("shift_jis", "こんにちは", True),
        ("koi8-r", "Привет", True),
        ("utf-16", "Grüße ✓", True),
        ("utf-8", "Grüße ✓ 🎉", False),
        ("utf-8-sig", "Grüße ✓", False),
    ],
)
def test_declared_and_undeclared_encodings(encoding: str, title: str, declared: bool) -> None:
    text = _rss(title, encoding.replace("-sig", "") if declared else None)
    feed = parse_feed(text.encode(encoding), "https://blog.example/feed")
    assert feed.title == title
    assert feed.posts[0].title == title


def test_undeclared_latin1_bytes_are_still_read() -> None:
    feed = parse_feed(_rss("Café", None).encode("latin-1"), "https://blog.example/feed")
    assert feed.posts[0].title in ("Café", "Caf\ufffd")
    assert len(feed.posts) == 1


def test_utf16_json_feed() -> None:
    feed = parse_feed(_json_feed("1.1").decode().encode("utf-16"), "https://blog.example/feed.json")
    assert feed.posts[0].title == "Hello"


def _stored(post: ParsedPost) -> Post:
    return Post(
        id=1, feed_id=1, guid=post.guid, summary=post.summary, content_html=post.content_html,
        summary_only=post.summary_only,
    )  # fmt: skip


def test_atom_summary_without_content_is_summary_only() -> None:
    start, end = ATOM10.index(b"<content"), ATOM10.index(b"</content>") + len(b"</content>")
    body = ATOM10[:start] + b"<summary>The start of it &amp; more</summary>" + ATOM10[end:]
    (post,) = parse_feed(body, "https://blog.example/feed").posts
    assert _stored(post).summary_only
    assert html_to_markdown(post.content_html) == "The start of it & more"


@pytest.mark.parametrize(
    ("description", "summary_only"),
    [
        ("<p>A whole short post.</p>", False),
        ("<p>The beginning of a long post [&#8230;]</p>", True),
        ('<p>The beginning... <a href="/p">Continue reading →</a></p>', True),
        ("<p>The beginning of a long post…</p>", True),
        ('<p>Start. <a href="/p">Read more</a></p>', True),
    ],
)
def test_rss_description_only_is_summary_when_it_looks_cut(description: str, summary_only: bool) -> None:
    body = RSS20.replace(b"<p>Body <b>text</b></p>", description.encode())
    (post,) = parse_feed(body, "https://blog.example/feed").posts
    assert _stored(post).summary_only is summary_only


@pytest.mark.parametrize(
    ("description", "cut"),
    [
        ("<p>A whole short post.</p>", False),
        ("<p>" + "A long paragraph of words. " * 120 + "</p><p>And its end.</p>", False),
        ("<p>" + "A long paragraph of words. " * 120 + '</p><p><a href="/p">Read more</a></p>', True),
        ("<p>Control\x07 characters dropped, then cut [&#8230;]</p>", True),
    ],
    ids=["short", "long", "long, cut", "a control character, cut"],
)
def test_a_description_is_converted_to_text_once(
    monkeypatch: pytest.MonkeyPatch, description: str, cut: bool
) -> None:
    # The test for a cut description reads its text, which is then the post's search text: one
    # conversion, past 2,000 characters too (its end only was read for the test before) and
    # with a control character in it (the post's HTML is cleaned of it).
    from blogtui.parsing import feed as feed_module

    converted: list[str] = []
    real = feed_module.html_to_text

    def counting(fragment: str) -> str:
        converted.append(fragment)
        return real(fragment)

    monkeypatch.setattr(feed_module, "html_to_text", counting)
    body = RSS20.replace(b"<p>Body <b>text</b></p>", description.encode())
    (post,) = parse_feed(body, "https://blog.example/feed").posts
    assert post.summary_only is cut
    assert converted == [post.content_html] and post.text == real(post.content_html)


def test_content_and_summary_is_full() -> None:
    body = RSS20.replace(
        b"</description>",
        b"</description><content:encoded><![CDATA[<p>All of it</p>]]></content:encoded>",
    ).replace(
        b'<rss version="2.0"', b'<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"'
    )
    (post,) = parse_feed(body, "https://blog.example/feed").posts
    assert post.content_html == "<p>All of it</p>"
    assert not _stored(post).summary_only


def test_json_summary_only_item() -> None:
    doc = json.loads(_json_feed("1.1"))
    del doc["items"][0]["content_html"]
    doc["items"][0]["summary"] = "Only a summary"
    (post,) = parse_feed(json.dumps(doc).encode(), "https://blog.example/feed.json").posts
    assert _stored(post).summary_only


def test_distinct_entries_sharing_an_id_are_all_kept_and_stable() -> None:
    items = "".join(
        f"<item><guid>same</guid><title>T{i}</title><description>d{i}</description></item>" for i in range(3)
    )
    repeat = "<item><guid>same</guid><title>T0</title><description>d0</description></item>"
    body = _rss("x", "utf-8").replace("<item>", items + repeat + "<item>", 1).encode()
    first = parse_feed(body, "https://blog.example/feed")
    guids = [p.guid for p in first.posts]
    assert len(guids) == len(set(guids)) == 4  # three distinct + the original item; the exact repeat dropped
    assert guids[0].endswith("same")
    assert [p.guid for p in parse_feed(body, "https://blog.example/feed").posts] == guids


def test_xml_base_is_recorded_for_relative_links() -> None:
    body = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>x</id><updated>2022-04-27T09:26:27Z</updated>
<entry><title>uke</title><id>https://numi.st/post/2022/travel-uke</id><updated>2022-04-21T00:00:00Z</updated>
<link href="https://numi.st/post/2022/travel-uke"/>
<content type="html" xml:base="https://numi.st/post/2022/travel-uke/">
&lt;p&gt;&lt;img src="IMG_1232.jpeg" /&gt;&lt;/p&gt;</content>
</entry></feed>"""
    (post,) = parse_feed(body, "https://numi.st/feed.xml").posts
    assert html_to_markdown(post.content_html, post.url) == (
        "[image](https://numi.st/post/2022/travel-uke/IMG_1232.jpeg)"
    )
    assert post.text == ""


def test_relative_links_without_xml_base_use_the_entry_then_the_feed_link() -> None:
    body = RSS20.replace(b"<p>Body <b>text</b></p>", b'<p><img src="a.png"></p>')
    (post,) = parse_feed(body, "https://blog.example/feed").posts
    assert html_to_markdown(post.content_html, post.url) == "[image](https://blog.example/a.png)"
    no_link = body.replace(b"<link>https://blog.example/hello</link>", b"").replace(
        b"<guid>https://blog.example/hello</guid>", b""
    )
    (post,) = parse_feed(no_link, "file:///tmp/feed.xml").posts
    assert post.url == ""
    # Library.post falls back to the feed's own URL, a file here: the feed's link must win.
    assert (
        html_to_markdown(post.content_html, "file:///tmp/feed.xml") == "[image](https://blog.example/a.png)"
    )


def test_a_feed_read_from_disk_resolves_against_its_self_link() -> None:
    """As feed-rs's atom_relative.xml: relative links, and a rel=self link saying where it lives."""
    body = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Relative</title>
<link href="/blog/"/><link rel="self" href="https://example.com/blog/feed.xml"/>
<id>urn:f</id><updated>2003-12-13T18:30:02Z</updated>
<entry><title>Robots</title><link href="/blog/2003/12/13/atom03"/><id>urn:e</id>
<updated>2003-12-13T18:30:02Z</updated><content type="html">&lt;img src="robot.png"&gt;</content></entry>
</feed>"""
    feed = parse_feed(body, "file:///tmp/feed.xml")
    assert feed.site_url == "https://example.com/blog/"
    (post,) = feed.posts
    assert post.url == "https://example.com/blog/2003/12/13/atom03"
    assert (
        html_to_markdown(post.content_html, post.url)
        == "[image](https://example.com/blog/2003/12/13/robot.png)"
    )
    # Fetched over HTTP, the address it was fetched from wins.
    (fetched,) = parse_feed(body, "https://mirror.example/feed.xml").posts
    assert fetched.url == "https://mirror.example/blog/2003/12/13/atom03"


def test_rss_in_json() -> None:
    doc = {
        "rss": {
            "version": "2.0",
            "channel": {
                "title": "Scripting News",
                "link": "http://scripting.com/",
                "item": [
                    {
                        "description": "Hello <a href='http://x.example/'>x</a>",
                        "guid": "http://scripting.com/a",
                        "link": "http://scripting.com/a",
                        "pubDate": "Mon, 26 Jun 2017 12:20:05 GMT",
                    }
                ],
            },
        }
    }
    feed = parse_feed(json.dumps(doc).encode(), "http://scripting.com/rss.json")
    assert feed.title == "Scripting News"
    (post,) = feed.posts
    assert post.published == datetime(2017, 6, 26, 12, 20, 5, tzinfo=timezone.utc)
    assert post.url == "http://scripting.com/a"


def test_truncated_json_feed_keeps_its_complete_items() -> None:
    body = _json_feed("1").decode()
    doc = json.loads(body)
    doc["items"] = [dict(doc["items"][0], id=str(i), title=f"T{i}") for i in range(3)]
    text = json.dumps(doc)
    cut = text[: text.index('"T2"') + 2]
    feed = parse_feed(cut.encode(), "https://blog.example/feed.json")
    assert [p.title for p in feed.posts] == ["T0", "T1"]
    assert feed.title == "Blog"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   ",
        b"<html><body>hello</body></html>",
        b"{}",
        b"[1, 2]",
        b'{"version": 3}',
        b"{not json",
        b"\xff\xfe\x00",
    ],
)
def test_not_a_feed_is_a_one_line_error(body: bytes) -> None:
    with pytest.raises(NotAFeedError) as info:
        parse_feed(body, "https://blog.example/feed")
    assert "\n" not in str(info.value)


def test_enclosures_and_attachments_become_links() -> None:
    body = RSS20.replace(
        b"</description>",
        b'</description><enclosure url="https://cdn.example/ep1.mp3" type="audio/mpeg" length="1"/>',
    )
    (post,) = parse_feed(body, "https://blog.example/feed").posts
    assert html_to_markdown(post.content_html, post.url).endswith(
        "[audio: ep1.mp3](https://cdn.example/ep1.mp3)"
    )
    doc = json.loads(_json_feed("1.1"))
    doc["items"][0]["attachments"] = [
        {"url": "https://cdn.example/v.mp4", "mime_type": "video/mp4", "title": "The talk"},
        {"url": "javascript:alert(1)", "mime_type": "audio/mpeg"},
    ]
    (post,) = parse_feed(json.dumps(doc).encode(), "https://blog.example/feed.json").posts
    markdown = html_to_markdown(post.content_html, post.url)
    assert markdown.endswith("[video: The talk](https://cdn.example/v.mp4)")
    assert "javascript" not in markdown


TEASER_RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>Blog</title>
<link>https://blog.example/</link><description>d</description>
<item><title>Hello</title><link>https://blog.example/hello</link>
<description>&lt;p&gt;The whole article starts here.&lt;/p&gt;&lt;p&gt;%s&lt;/p&gt;</description>
<og xmlns:og="http://ogp.me/ns#"><type>article</type><description>A one-sentence teaser.</description></og>
</item></channel></rss>""" % (b"More of the article. " * 40)


def test_a_teaser_beside_the_whole_article_gives_way_to_it() -> None:
    """Google's Cloud Blog nests an Open Graph <description> that feedparser reads as the content:
    the longer field is the article, the teaser its summary, and F has nothing to add."""
    from blogtui.content.text import wants_full_article

    (post,) = parse_feed(TEASER_RSS, "https://blog.example/feed").posts
    assert post.content_html.startswith("<p>The whole article starts here.</p>")
    assert post.summary == "<p>A one-sentence teaser.</p>"
    assert "More of the article" in post.text  # searchable
    assert not post.summary_only and not wants_full_article(_stored(post))


@pytest.mark.parametrize(
    ("content", "summary", "swapped"),
    [
        (
            "<p>The start of the post…</p>",
            "<p>The start of the post, and all the rest of it." + " x" * 40 + "</p>",
            True,
        ),
        ("<p>Same text twice</p>", "<p>Same text twice...</p>", False),  # about as long: kept
        ("<p>" + "A long content. " * 20 + "</p>", "<p>A summary.</p>", False),  # content longer
    ],
)
def test_content_that_is_a_prefix_of_the_description(content: str, summary: str, swapped: bool) -> None:
    body = (
        RSS20.replace(b"<p>Body <b>text</b></p>", summary.encode())
        .replace(
            b"</description>",
            b"</description><content:encoded><![CDATA[" + content.encode() + b"]]></content:encoded>",
        )
        .replace(
            b'<rss version="2.0"',
            b'<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"',
        )
    )
    (post,) = parse_feed(body, "https://blog.example/feed").posts
    assert (post.content_html, post.summary) == ((summary, content) if swapped else (content, summary))


TRUNCATED_RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Blog</title><link>https://blog.example/</link><description>d</description>
<item><title>One</title><link>https://blog.example/1</link><description>First.</description></item>
<item><title>Two</title><link>https://blog.example/2</link><description>Second.</description></item>
<item><title>Thr"""


def test_a_truncated_document_is_read_in_part_and_says_so() -> None:
    feed = parse_feed(TRUNCATED_RSS, "https://blog.example/feed")
    assert [p.title for p in feed.posts][:2] == ["One", "Two"]
    assert feed.bozo == "the document ends early"
    doc = json.loads(_json_feed("1.1"))
    doc["items"] = [dict(doc["items"][0], id=str(n), url=f"https://blog.example/{n}") for n in range(3)]
    cut = json.dumps(doc)
    cut = cut[: cut.rindex('{"id": "2"')] + '{"id": "2", "title": "Thr'
    feed = parse_feed(cut.encode(), "https://blog.example/feed.json")
    assert len(feed.posts) == 2 and feed.bozo == "the document ends early"


def test_an_ill_formed_document_says_where() -> None:
    body = TRUNCATED_RSS.replace(
        b"<item><title>Thr", b"<item><title>Three & four</title></item></channel></rss>"
    )
    feed = parse_feed(body, "https://blog.example/feed")
    assert feed.bozo is not None and feed.bozo.startswith("the document is ill-formed at line 5")


@pytest.mark.parametrize("body", [RSS20, b"\n  " + RSS20])  # whitespace before <?xml: read whole
def test_a_whole_document_has_no_note(body: bytes) -> None:
    assert parse_feed(body, "https://blog.example/feed").bozo is None


def test_the_refresher_notes_a_document_read_in_part(library: Library, tmp_path: Path) -> None:
    """The note reaches the feed's outcome (what `blogtui add/refresh` and the TUI show)."""
    path = tmp_path / "cut.xml"
    path.write_bytes(TRUNCATED_RSS)
    (outcome,) = library.subscribe([str(path)], archive=False)
    assert outcome.error is None
    assert "read 3 of ? items: the document ends early" in outcome.notes  # the third cut short


def test_json_feed_tags_string_and_entities_in_titles() -> None:
    """jsonfeed/nnw_rose.json writes "tags": "workflow,omnifocus" (one string) and titles as HTML."""
    doc = json.loads(_json_feed("1.1"))
    doc["title"] = "Rose &amp; Co"
    doc["items"][0].update(tags="workflow,omnifocus, sneak peek,", title="Add Task &amp; Sub Tasks &#8211; x")
    feed = parse_feed(json.dumps(doc).encode(), "https://blog.example/feed.json")
    (post,) = feed.posts
    assert post.tags == ("workflow", "omnifocus", "sneak peek")
    assert post.title == "Add Task & Sub Tasks – x" and feed.title == "Rose & Co"
