"""Summary-only feeds: the reader is told; `show --full` and fetch_full_article cache the article."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from blogtui.cli import main
from blogtui.content.article import extract_article, restore_lost_markup
from blogtui.content.markdown import html_to_markdown
from blogtui.errors import LibraryError
from blogtui.library import Library
from feedserver import FeedServer, Request, Response

PARAGRAPH = (
    "<p>Offline reading means the whole archive lives in a local cache, and every post can be read "
    "on a train with no signal. This paragraph is part of the real article body, number {n}.</p>"
)
ARTICLE_PAGE = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>Caches</title>
<script>var tracker = "TRACKER";</script></head><body>
<nav><a href="/">Home</a> <a href="/about">About</a> <a href="/archive">Archive</a></nav>
<main><article><h1>Caches</h1>
{"".join(PARAGRAPH.format(n=n) for n in range(1, 6))}
<h2>Sizes</h2>
<pre><code>cache = {{}}</code></pre>
<p><img src="/img/cache.png" alt="A cache diagram"></p>
{"".join(PARAGRAPH.format(n=n) for n in range(6, 9))}
</article></main>
<aside class="sidebar"><h3>Subscribe</h3><p>SIDEBAR newsletter sign up now.</p></aside>
<footer>© FOOTER 2025</footer></body></html>"""


def _feed(server: FeedServer, summary: str = "The start of a post about caches…") -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Blog</title><id>urn:b</id>
<link href="{server.url("/")}"/><updated>2025-01-01T00:00:00Z</updated>
<entry><title>Caches</title><id>urn:caches</id><link href="{server.url("/posts/caches/")}"/>
<updated>2025-01-01T00:00:00Z</updated><summary>{summary}</summary></entry>
</feed>"""


@pytest.fixture
def subscribed(server: FeedServer, library: Library) -> tuple[Library, int]:
    server.add("/feed.xml", _feed(server), content_type="application/atom+xml")
    server.add("/posts/caches/", ARTICLE_PAGE, content_type="text/html; charset=utf-8")
    (outcome,) = library.subscribe([server.url("/feed.xml")], archive=False)
    assert outcome.error is None
    (post_id,) = library.post_ids()
    return library, post_id


def test_summary_only_post_is_marked(subscribed: tuple[Library, int]) -> None:
    library, post_id = subscribed
    post = library.post(post_id)
    assert post is not None
    assert post.summary_only
    assert post.content_md == "The start of a post about caches…"


def test_fetch_full_article_caches_it_and_a_refresh_keeps_it(
    subscribed: tuple[Library, int], server: FeedServer
) -> None:
    library, post_id = subscribed
    post = library.fetch_full_article(post_id, timeout=10)
    assert not post.summary_only
    assert post.summary.strip()  # the feed's summary is kept beside the article
    for n in range(1, 9):
        assert f"number {n}." in post.content_md
    assert "TRACKER" not in post.content_md and "SIDEBAR" not in post.content_md
    assert "FOOTER" not in post.content_md
    assert f"[image: A cache diagram]({server.url('/img/cache.png')})" in post.content_md
    assert library.post_ids("train signal") == [post_id]  # the article is searchable
    page_hits = len(server.hits("/posts/caches/"))
    # Offline: the cached article comes back without the network.
    server.routes.clear()
    assert library.post(post_id).content_md == post.content_md  # type: ignore[union-attr]
    # A refresh that still carries only the summary (the feed changed elsewhere) keeps the article.
    server.add("/feed.xml", _feed(server).replace("<title>Blog</title>", "<title>Blog!</title>"))
    (outcome,) = library.refresh()
    assert outcome.error is None and not outcome.not_modified
    again = library.post(post_id)
    assert again is not None and "number 8." in again.content_md
    assert len(server.hits("/posts/caches/")) == page_hits


def test_a_new_summary_from_the_feed_replaces_the_cached_article(
    subscribed: tuple[Library, int], server: FeedServer
) -> None:
    library, post_id = subscribed
    library.fetch_full_article(post_id, timeout=10)
    server.add("/feed.xml", _feed(server, summary="A rewritten start…"))
    library.refresh()
    post = library.post(post_id)
    assert post is not None and post.summary_only and "rewritten" in post.content_md


@pytest.mark.parametrize(
    ("route", "cause"),
    [
        (Response(b"gone", 404, content_type="text/plain"), "HTTP 404"),
        (Response(b"<html><body><p>tiny</p></body></html>", content_type="text/html"), "no article"),
    ],
)
def test_fetch_errors_are_one_line(
    subscribed: tuple[Library, int], server: FeedServer, route: Response, cause: str
) -> None:
    library, post_id = subscribed
    server.add("/posts/caches/", route)
    with pytest.raises(LibraryError) as info:
        library.fetch_full_article(post_id, timeout=10)
    message = str(info.value)
    assert cause in message and "\n" not in message and server.url("/posts/caches/") in message
    assert library.post(post_id).summary_only  # type: ignore[arg-type]


def test_fetch_respects_the_timeout(subscribed: tuple[Library, int], server: FeedServer) -> None:
    library, post_id = subscribed
    release = threading.Event()

    def stall(request: Request) -> Response:
        release.wait(10)
        return Response(ARTICLE_PAGE.encode(), content_type="text/html")

    server.add("/posts/caches/", stall)
    try:
        with pytest.raises(LibraryError, match="timed out"):
            library.fetch_full_article(post_id, timeout=0.5)
    finally:
        release.set()


def test_no_web_link_is_an_error(library: Library, tmp_path: Path) -> None:
    feed = tmp_path / "feed.json"
    feed.write_text('{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "1", "summary": "s"}]}')
    library.subscribe([str(feed)], archive=False)
    (post_id,) = library.post_ids()
    with pytest.raises(LibraryError, match="no web page"):
        library.fetch_full_article(post_id)
    with pytest.raises(LibraryError, match="no such post"):
        library.fetch_full_article(post_id + 1)


def test_cli_show_says_summary_and_full_fetches(
    subscribed: tuple[Library, int], data_dir: Path, capsys: pytest.CaptureFixture[str], server: FeedServer
) -> None:
    library, post_id = subscribed
    library.close()
    assert main(["--data-dir", str(data_dir), "show", str(post_id)]) == 0
    out, err = capsys.readouterr()
    assert "only a summary" in err and f"show --full {post_id}" in err
    assert "number 3." not in out
    assert main(["--data-dir", str(data_dir), "show", "--full", str(post_id)]) == 0
    out, err = capsys.readouterr()
    assert "number 3." in out and err == ""
    server.routes.clear()  # offline now: the cached article is shown, nothing is fetched
    hits = len(server.requests)
    assert main(["--data-dir", str(data_dir), "show", "--full", str(post_id)]) == 0
    out, _ = capsys.readouterr()
    assert "number 3." in out and len(server.requests) == hits


def test_cli_show_full_failure_is_one_line_and_shows_the_summary(
    subscribed: tuple[Library, int], data_dir: Path, capsys: pytest.CaptureFixture[str], server: FeedServer
) -> None:
    library, post_id = subscribed
    library.close()
    server.routes.pop("/posts/caches/")
    assert main(["--data-dir", str(data_dir), "show", "--full", str(post_id)]) == 1
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and "HTTP 404" in err and "Traceback" not in err
    assert "The start of a post about caches" in out


FIGURE_PAGE = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>Figures</title></head><body>
<nav><a href="/">Home</a></nav><main><article><h1>Figures</h1>
{"".join(PARAGRAPH.format(n=n) for n in range(1, 4))}
<pre><code class="language-python">def fetch(url):
    return client.get(url)</code></pre>
<div class="highlight"><pre class="highlight objective_c"><code>[self fetch];</code></pre></div>
<figure><img src="/img/plot.png" alt="A plot"><figcaption>Latency by <em>cache</em> size</figcaption></figure>
<figure><img src="/img/again.png" alt="Again"><figcaption>number 3.</figcaption></figure>
{"".join(PARAGRAPH.format(n=n) for n in range(4, 7))}
</article></main><footer>FOOTER</footer></body></html>"""


def test_extracted_article_keeps_code_languages_and_captions() -> None:
    """trafilatura drops both; extract_article puts them back from the page."""
    url = "https://blog.example/posts/figures/"
    markdown = html_to_markdown(extract_article(FIGURE_PAGE.encode(), url), url)
    assert "```python\ndef fetch(url):\n    return client.get(url)\n```" in markdown
    assert "```objective-c\n[self fetch];\n```" in markdown
    assert "[image: A plot](https://blog.example/img/plot.png)\n\n*Latency by cache size*" in markdown
    # A caption whose words the article already holds is not repeated.
    assert "[image: Again](https://blog.example/img/again.png)" in markdown
    assert markdown.count("number 3.") == 1
    assert "FOOTER" not in markdown


def test_restore_lost_markup_leaves_unmatched_blocks_alone() -> None:
    page = '<pre><code class="language-go">x := 1</code></pre>'
    extracted = "<p>text</p><pre>y := 2</pre>"
    assert restore_lost_markup(extracted, page, "https://blog.example/") == extracted
