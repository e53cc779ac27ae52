"""A blog as a book: ``export --format epub`` (one chapter per post, oldest first, a table of
contents by year and month, kept images embedded, code and tables kept), checked by epubcheck."""

from __future__ import annotations

import html
import io
import subprocess
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from blogtui.config import Config
from blogtui.interop_epub import Chapter, post_xhtml
from blogtui.library import Library
from conftest import run
from external import epubcheck
from feedserver import FeedServer

HOSTILE = """
<p>Intro with <b>bold <div>a block inside a paragraph</div></b> and <span><p>a p in a span</p></span>.</p>
<p align="center"><font color="red">obsolete attributes</font>
<img src="/pic.png" alt="A picture" width="640"></p>
<pre><code class="language-python">def f(x):
    return x &lt; 1  # &amp; more
</code></pre>
<table border="1" align="left"><tr><th colspan="2">Head</th></tr><tr><td>a</td><td rowspan="x">b</td></tr>
<tbody><tr><td><table><tr><td>nested</td></tr></table></td></tr></tbody>text in a table</table>
<li>an item without a list</li><ul>text in a list<li>one</li><p>stray</p></ul>
<dl><dd>a description without a term</dd></dl>
<a href="#fn1" id="r1">1</a> <a href="javascript:alert(1)">js</a>
<a href="https://x.example/"><div>block in a link</div><a href="https://y.example/">nested</a></a>
<figure><img src="https://cdn.example/missing.png" alt="not kept"><figcaption>A caption</figcaption></figure>
<script>alert(1)</script><iframe src="https://www.youtube.com/embed/abc"></iframe><svg><circle/></svg>
<h1>A heading</h1><hr><p>Control\x07chars\u202e and <img src="file:///etc/passwd" alt="local"></p>
"""


def png() -> bytes:
    out = io.BytesIO()
    Image.linear_gradient("L").resize((300, 200)).save(out, "PNG")
    return out.getvalue()


def blog(server: FeedServer) -> str:
    server.add("/pic.png", png(), content_type="image/png")
    dates = [
        "Mon, 05 Feb 2024 10:00:00 GMT",
        "Tue, 12 Dec 2023 10:00:00 GMT",
        "Wed, 01 Feb 2024 09:00:00 GMT",
    ]
    bodies = [HOSTILE, "<p>The oldest post.</p>", "<p>Second, with <code>code</code>.</p>"]
    items = "".join(
        f"<item><title>Post {n} &amp; more</title><link>{server.url(f'/posts/{n}')}</link><guid>g{n}</guid>"
        f"<author>ada@example.com (Ada)</author><pubDate>{date}</pubDate>"
        f"<description>{html.escape(body)}</description></item>"
        for n, (date, body) in enumerate(zip(dates, bodies), 1)
    )
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>The Blog</title>{items}</channel></rss>'
    return server.add("/feed.xml", body.encode(), content_type="application/rss+xml")


@pytest.fixture
def book(server: FeedServer, data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    code, _, err = run(capsys, "add", "--no-archive", blog(server))
    assert code == 0, err
    path = tmp_path / "blog.epub"
    code, out, err = run(capsys, "export", "--format", "epub", "--to", str(path))
    assert (code, out) == (0, ""), err
    assert err == f"wrote 3 posts to {path}\n"
    return path


def test_one_chapter_per_post_oldest_first_with_a_toc_by_year_and_month(book: Path) -> None:
    from ebooklib import ITEM_DOCUMENT, ITEM_IMAGE, epub

    read = epub.read_epub(str(book))
    assert read.get_metadata("DC", "title")[0][0] == "The Blog"
    assert read.get_metadata("DC", "creator")[0][0] == "Ada"
    chapters = [i for i in read.get_items_of_type(ITEM_DOCUMENT) if i.file_name.startswith("posts/")]
    texts = [c.get_content().decode() for c in chapters]
    assert [t.split("<h1>", 1)[1].split("</h1>", 1)[0] for t in texts] == [
        "Post 2 &amp; more", "Post 3 &amp; more", "Post 1 &amp; more",
    ]  # fmt: skip
    nav = zipfile.ZipFile(book).read("EPUB/nav.xhtml").decode()
    assert nav.index("2023") < nav.index("December 2023") < nav.index("2024") < nav.index("February 2024")
    hostile = texts[2]
    assert "<pre><code>def f(x):\n    return x &lt; 1  # &amp; more\n</code></pre>" in hostile
    assert '<th colspan="2">Head</th>' in hostile and "<td>nested</td>" in hostile
    [image] = list(read.get_items_of_type(ITEM_IMAGE))
    assert image.media_type == "image/png" and image.file_name.startswith("images/")
    assert f'<img src="../{image.file_name}" alt="A picture"/>' in hostile
    assert '<a href="https://cdn.example/missing.png">[image: not kept]</a>' in hostile  # not kept: a link
    for gone in (
        "<script",
        "alert",
        "align=",
        "<font",
        "javascript:",
        "file:",
        "<svg",
        "\x07",
        "\u202e",
        'id="',
    ):
        assert gone not in hostile, gone
    assert "[embedded: www.youtube.com/embed/abc]" in hostile


def test_the_book_passes_epubcheck(book: Path) -> None:
    command = epubcheck()
    if command is None:
        pytest.skip("epubcheck is not installed (Debian: apt-get install epubcheck; CI installs it)")
    done = subprocess.run([*command, str(book)], capture_output=True, text=True, timeout=300)
    report = done.stdout + done.stderr
    assert done.returncode == 0, report
    assert "0 fatals / 0 errors / 0 warnings" in report, report


def test_a_query_picks_the_posts_and_an_empty_one_still_makes_a_book(
    book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from ebooklib import ITEM_DOCUMENT, epub

    path = tmp_path / "one.epub"
    code, _, err = run(capsys, "export", "--format", "epub", "--to", str(path), "oldest")
    assert code == 0 and err == f"wrote 1 post to {path}\n"
    read = epub.read_epub(str(path))
    assert read.get_metadata("DC", "title")[0][0] == "The Blog (oldest)"
    path = tmp_path / "none.epub"
    code, _, err = run(capsys, "export", "--format", "epub", "--to", str(path), "nothingmatches")
    assert code == 0 and err == f"wrote 0 posts to {path}\n"
    pages = [i.file_name for i in epub.read_epub(str(path)).get_items_of_type(ITEM_DOCUMENT)]
    assert "posts/empty.xhtml" in pages
    code, _, err = run(capsys, "export", "--format", "epub", "--to", str(tmp_path / "no" / "dir" / "x.epub"))
    assert code == 2 and err.startswith(f"blogtui: {tmp_path / 'no' / 'dir' / 'x.epub'}: cannot write")
    assert err.count("\n") == 1


def test_post_xhtml_never_raises_and_is_well_formed_xml() -> None:
    from lxml import etree

    for fragment in (
        "",
        "plain text & <",
        "<p><p><p>",
        "<table><td>x",
        "<ul><ul><li>x</ul>",
        "<a href=x><a>",
    ):
        body = post_xhtml(Chapter(title="T", html=fragment, base_url="https://b.example/"), {})
        etree.fromstring(f"<div>{body}</div>")


def test_library_export_epub_marks_the_embedded_images_read(
    server: FeedServer, data_dir: Path, tmp_path: Path
) -> None:
    clock = [1_000.0]
    from datetime import datetime, timezone

    lib = Library(data_dir, Config(), clock=lambda: datetime.fromtimestamp(clock[0], tz=timezone.utc))
    try:
        lib.subscribe([blog(server)], archive=False)
        lib.wait_for_images()
        clock[0] = 5_000.0
        assert lib.export_epub(tmp_path / "b.epub") == 3
        used = lib.store.db.execute("SELECT used_at FROM images WHERE hash IS NOT NULL").fetchall()
        assert [r[0] for r in used] == [5_000]
    finally:
        lib.close()
