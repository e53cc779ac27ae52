"""Every module the product loads on first use imports, and works, in a fresh interpreter.

blogtui imports its heavy libraries lazily (the reader starts without them), so an install that
lacks one passes every import-time check and fails only when a user first opens an article.
Each case runs in its own subprocess, as a first use would, and does a small piece of real work:
importing is not enough (trafilatura imports fine without ``lxml_html_clean``; its first
extraction fails). Nothing here touches the network: HTTP goes to an ``httpx.MockTransport``.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>On caches</title></head><body>
<nav><a href="/">Home</a> <a href="/about">About</a></nav>
<article><h1>On caches</h1>
<p>A cache keeps the answers to questions that were already asked, so the next time costs less.
Every reader of feeds keeps one, because fetching a whole archive again is slow and impolite.</p>
<p>The hard part is knowing when an answer is stale. Feeds help: a server that sends an ETag lets
the client ask whether anything changed, and a 304 answer costs almost nothing to send.</p>
<pre><code class="language-python">def cached(key):
    return store.get(key)</code></pre>
<figure><img src="/img/cache.png" alt="a diagram"><figcaption>Where the cache sits.</figcaption></figure>
<p>The last part of the article says that small tools with a single file of state are easy to
back up, to move and to reason about, which is why a single SQLite file is a good cache.</p>
</article><footer>Copyright, cookies and a newsletter box.</footer></body></html>"""

RSS = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Blog</title>
<link>https://blog.example/</link><item><title>Caches</title><link>https://blog.example/caches</link>
<guid>https://blog.example/caches</guid><pubDate>Mon, 04 Mar 2024 09:00:00 +0000</pubDate>
<description>&lt;p&gt;Hello &lt;b&gt;world&lt;/b&gt;&lt;/p&gt;</description></item></channel></rss>"""

# RSS 1.0: the fast path declines it, so feedparser reads it.
RDF = """<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
xmlns="http://purl.org/rss/1.0/"><channel rdf:about="https://blog.example/"><title>Old blog</title>
<link>https://blog.example/</link><description>d</description></channel>
<item rdf:about="https://blog.example/1"><title>First</title><link>https://blog.example/1</link>
<description>One</description></item></rdf:RDF>"""

PRELUDE = f"PAGE = {PAGE!r}\nRSS = {RSS!r}\nRDF = {RDF!r}\n"

CASES = {
    "trafilatura": """
        import trafilatura
        text = trafilatura.extract(PAGE, output_format="html", include_formatting=True)
        assert text and "304 answer" in text, text
    """,
    "lxml.html.clean": """
        from lxml.html.clean import Cleaner  # what justext (trafilatura's) needs
        assert "<script" not in Cleaner(javascript=True).clean_html("<div><script>x()</script><p>y</p></div>")
    """,
    "markdownify": """
        from markdownify import markdownify
        assert markdownify("<p><b>bold</b></p>").strip() == "**bold**"
    """,
    "bs4": """
        from bs4 import BeautifulSoup
        assert BeautifulSoup("<p>one<b>two</b></p>", "lxml").b.get_text() == "two"
    """,
    "feedparser": """
        import feedparser
        parsed = feedparser.parse(RDF.encode())
        assert parsed.entries[0].title == "First", parsed
    """,
    "lxml.etree": """
        from lxml import etree
        assert etree.fromstring(RSS.encode()).findtext("channel/title") == "Blog"
    """,
    "httpx": """
        import httpx
        transport = httpx.MockTransport(lambda request: httpx.Response(200, text=request.url.path))
        with httpx.Client(transport=transport) as client:
            assert client.get("https://feed.invalid/x").text == "/x"
    """,
    "pygments.lexers": """
        from pygments.lexers import get_all_lexers, get_lexer_by_name
        assert get_lexer_by_name("python").name == "Python"
        assert any("rust" in aliases for _, aliases, _, _ in get_all_lexers())
    """,
    "rich.markdown": """
        import io
        from rich.console import Console
        from rich.markdown import Markdown
        from rich.progress import Progress
        out = io.StringIO()
        Console(file=out, width=60, color_system=None).print(Markdown("# Title\\n\\nSome *text*."))
        assert "Title" in out.getvalue() and "text" in out.getvalue()
        with Progress(console=Console(file=io.StringIO())) as progress:
            progress.add_task("x", total=1)
    """,
    "blogtui.content.article": """
        from blogtui.content.article import extract_article
        html = extract_article(PAGE.encode(), "https://blog.example/caches", "text/html; charset=utf-8")
        assert "304 answer" in html and "newsletter" not in html, html
        assert 'class="language-python"' in html, html  # restored from the page (bs4)
    """,
    "blogtui.content.converter": """
        from blogtui.content.converter import code_language
        from bs4 import BeautifulSoup
        pre = BeautifulSoup('<pre><code class="language-rust">fn main() {}</code></pre>', "lxml").pre
        assert code_language(pre) == "rust"
    """,
    "blogtui.content.markdown": """
        from blogtui.content.markdown import html_to_markdown
        html = '<p><b>bold</b> <a href="/x">link</a></p>'
        html += '<pre><code class="language-python">x = 1</code></pre>'
        md = html_to_markdown(html, "https://blog.example/")
        assert "**bold**" in md and "(https://blog.example/x)" in md and "```python" in md, md
    """,
    "blogtui.parsing.feed": """
        from blogtui.parsing.feed import parse_feed
        feed = parse_feed(RSS.encode(), "https://blog.example/feed.xml")
        assert feed.title == "Blog" and [p.title for p in feed.posts] == ["Caches"]
        old = parse_feed(RDF.encode(), "https://blog.example/index.rdf")  # through feedparser
        assert [p.title for p in old.posts] == ["First"]
    """,
    "blogtui.parsing.xml_fast": """
        from blogtui.parsing import xml_fast
        read = xml_fast.read(RSS.encode(), "https://blog.example/feed.xml")
        assert read is not None and read["entries"][0]["published_dt"].timetuple()[:3] == (2024, 3, 4), read
    """,
    "blogtui.fetching.http": """
        import asyncio
        import httpx
        from blogtui.fetching import http

        async def main():
            async with http.make_client(jobs=1):
                pass
            def answer(request):
                assert request.headers["user-agent"].startswith("blogtui/")
                return httpx.Response(200, content=RSS.encode(), headers={"ETag": '"v1"'})
            async with httpx.AsyncClient(transport=httpx.MockTransport(answer),
                                         headers={"User-Agent": http.USER_AGENT}) as client:
                return await http.fetch(client, "https://blog.example/feed.xml")

        result = asyncio.run(main())
        assert result.status == 200 and result.etag == '"v1"' and b"<rss" in result.body
    """,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_lazily_loaded_module_works_in_a_fresh_interpreter(name: str) -> None:
    code = PRELUDE + textwrap.dedent(CASES[name])
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, f"{name}:\n{done.stderr[-3000:]}"
