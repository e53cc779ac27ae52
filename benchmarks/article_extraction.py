"""Compare trafilatura and readability-lxml on generated blog pages: what each keeps, drops and costs.

Run: python benchmarks/article_extraction.py [--pages N]   (needs the ``bench`` extra: readability-lxml)

Each page is a realistic blog template (WordPress, Ghost, Hugo, Medium-like, Substack-like, a docs
site) around one article with headings, lists, code, a table, images and quotes, surrounded by
navigation, a sidebar, share buttons, related posts, comments, a cookie banner and a footer. The
article's sentences and the boilerplate's sentences are known, so for each extractor we measure
recall (article sentences kept), noise (boilerplate sentences kept), whether code blocks, images
and headings survive, and the time per page.
"""

from __future__ import annotations

import argparse
import logging
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from blogtui.content.article import decode_page, extract_article, extract_with_trafilatura
from blogtui.content.markdown import html_to_markdown
from blogtui.content.text import html_to_text
from blogtui.errors import ArticleError

_VOCABULARY = """
cache index query latency archive feed parser terminal render widget thread worker socket buffer schema
column row page token stream encoding unicode markdown heading layout offline sync backfill migration
transaction vacuum checkpoint journal snapshot compile deploy
"""
WORDS = _VOCABULARY.split()


def sentence(rng: random.Random, tag: str, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(9, 16))]
    return f"{tag}{n} " + " ".join(words).capitalize() + "."


def article(rng: random.Random, short: bool) -> tuple[str, list[str], int]:
    sentences: list[str] = []
    parts: list[str] = []
    n = 0

    def para(count: int) -> str:
        nonlocal n
        out = []
        for _ in range(count):
            n += 1
            s = sentence(rng, "ART", n)
            sentences.append(s)
            out.append(s)
        return "<p>" + " ".join(out) + "</p>"

    parts.append(para(1 if short else 3))
    parts.append("<h2>Why it matters</h2>" + para(2))
    parts.append(
        '<figure><img src="/img/diagram.png" alt="The diagram"><figcaption>A diagram</figcaption></figure>'
    )
    items = []
    for _ in range(3):
        n += 1
        s = sentence(rng, "ART", n)
        sentences.append(s)
        items.append(f"<li>{s}</li>")
    parts.append("<ul>" + "".join(items) + "</ul>")
    parts.append(
        '<pre><code class="language-python">def fetch(url):\n'
        "    return client.get(url)  # CODEMARK\n</code></pre>"
    )
    parts.append("<h3>Details</h3>" + para(2))
    n += 1
    quote = sentence(rng, "ART", n)
    sentences.append(quote)
    parts.append(f"<blockquote><p>{quote}</p></blockquote>")
    rows = "".join(f"<tr><td>{10**i}</td><td>{i + 1} ms</td></tr>" for i in range(rng.choice((1, 2, 5))))
    parts.append(f"<table><tr><th>Size</th><th>Time</th></tr>{rows}</table>")
    parts.append(para(rng.randint(1, 2) if short else rng.randint(4, 8)))
    return "\n".join(parts), sentences, 1


def boilerplate(rng: random.Random, label: str, count: int) -> tuple[str, list[str]]:
    sentences = [sentence(rng, "BOIL", rng.randint(1000, 9999)) for _ in range(count)]
    return "".join(f"<p>{s}</p>" for s in sentences), sentences


TEMPLATES = ("wordpress", "ghost", "hugo", "medium", "substack", "docs")


def page(rng: random.Random, template: str) -> tuple[str, list[str], list[str]]:
    body, art, _ = article(rng, short=rng.random() < 0.4)
    noise: list[str] = []

    def boil(label: str, count: int) -> str:
        html, sentences = boilerplate(rng, label, count)
        noise.extend(sentences)
        return html

    nav = "<nav><ul>" + "".join(f'<li><a href="/{w}">{w.title()}</a></li>' for w in WORDS[:8]) + "</ul></nav>"
    share = '<div class="share"><a href="#">Share on X</a> <a href="#">Share on Mastodon</a></div>'
    cookie = f'<div class="cookie-banner">{boil("cookie", 1)}<button>Accept</button></div>'
    comments = (
        '<section id="comments" class="comments"><h3>12 comments</h3>'
        + "".join(f'<div class="comment"><b>Reader {i}</b>{boil("comment", 2)}</div>' for i in range(6))
        + "</section>"
    )
    related = f'<aside class="related"><h3>Related posts</h3>{boil("related", 3)}</aside>'
    sidebar = f'<aside id="sidebar" class="widget-area"><h3>About me</h3>{boil("sidebar", 2)}</aside>'
    footer = f'<footer class="site-footer">{boil("footer", 1)}<p>© 2025 Someone</p></footer>'
    title = "<h1 class='entry-title'>An article about caches</h1>"
    if template == "wordpress":
        main = (
            f'<div id="page"><header id="masthead">{nav}</header><div id="content"><main id="main">'
            f'<article class="post type-post hentry">{title}'
            '<div class="entry-meta">Posted on May 1 by Ann</div>'
            f'<div class="entry-content">{body}<div class="newsletter">{boil("news", 1)}</div></div>'
            f"{share}</article>{related}{comments}</main>{sidebar}</div>"
            f"{footer}{cookie}</div>"
        )
    elif template == "ghost":
        main = (
            f'<header class="gh-head">{nav}</header><main class="gh-main"><article class="gh-article post">'
            f'<header class="gh-article-header">{title}</header><section class="gh-content gh-canvas">{body}'
            f'</section></article><section class="gh-cta">{boil("cta", 2)}</section>{related}</main>{footer}'
        )
    elif template == "hugo":
        main = (
            f"<header>{nav}</header><main><article><header>{title}<time>2025-05-01</time></header>"
            f'<div class="post-content">{body}</div><footer class="post-footer">{share}</footer></article>'
            f"</main>{footer}"
        )
    elif template == "medium":
        main = (
            f'<div id="root"><div class="metabar">{nav}</div><div class="container"><section>'
            f'<div class="section-content">{title}{body}</div></section><div class="responses">'
            f"{boil('responses', 3)}</div>{related}</div>{cookie}</div>"
        )
    elif template == "substack":
        main = (
            f'<div class="main"><div class="topbar">{nav}</div><div class="post-header">{title}</div>'
            f'<div class="available-content"><div class="body markup">{body}</div></div>'
            f'<div class="subscribe-widget">{boil("subscribe", 2)}<input type="email"></div>{comments}</div>'
        )
    else:
        toc = "<div class='toc'>" + "".join(f"<a href='#s{i}'>Section {i}</a>" for i in range(12)) + "</div>"
        main = (
            f'<div class="wrapper">{nav}<div class="sidebar">{toc}</div><div role="main" class="document">'
            f'<div class="section">{title}{body}</div></div>{footer}</div>'
        )
    html = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>An article about caches</title>"
        "<script>var tracking = 'BOILSCRIPT';</script><style>body{color:red}</style></head>"
        f"<body>{main}</body></html>"
    )
    return html, art, noise


def score(extracted_html: str, art: list[str], noise: list[str]) -> dict[str, float]:
    markdown = html_to_markdown(extracted_html, "https://blog.example/posts/caches/")
    text = " ".join(html_to_text(extracted_html).split())
    kept = sum(1 for s in art if s in text) / len(art)
    noisy = sum(1 for s in noise if s in text) / max(1, len(noise))
    return {
        "recall": kept,
        "noise": noisy,
        "code": float("CODEMARK" in markdown and "```python" in markdown),
        "image": float("[image: The diagram](https://blog.example/img/diagram.png)" in markdown),
        "heading": float("## Why it matters" in markdown),
        "table": float("| Size | Time |" in markdown),
        "caption": float("*A diagram*" in markdown),
        "script": float("BOILSCRIPT" in markdown),
    }


def extract_with_readability(body: bytes | str, url: str = "") -> str | None:
    """The article of a page as HTML, by readability-lxml (Mozilla Readability's algorithm)."""
    from readability import Document

    logging.getLogger("readability").setLevel(logging.CRITICAL)
    html = body if isinstance(body, str) else decode_page(body)
    try:
        return Document(html, url=url or None).summary(html_partial=True)
    except Exception:  # noqa: BLE001 - a page that breaks the extractor simply has no article
        return None


def _blogtui(body: bytes, url: str) -> str | None:
    try:
        return extract_article(body, url)
    except ArticleError:
        return None


def main() -> None:
    """Generate pages, run both extractors (and blogtui's own path), print a table of averages."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=60)
    args = parser.parse_args()
    rng = random.Random(5)
    pages = [page(rng, TEMPLATES[i % len(TEMPLATES)]) for i in range(args.pages)]
    for name, extract in (
        ("trafilatura", extract_with_trafilatura),
        ("readability", extract_with_readability),
        ("blogtui", _blogtui),  # what `show --full` runs: trafilatura, then restore_lost_markup
    ):
        results: list[dict[str, float]] = []
        times = []
        failures = 0
        per_template: dict[str, list[float]] = {t: [] for t in TEMPLATES}
        for index, (html, art, noise) in enumerate(pages):
            start = time.perf_counter()
            out = extract(html.encode(), "https://blog.example/posts/caches/")
            times.append(time.perf_counter() - start)
            if not out:
                failures += 1
                out = ""
            result = score(out, art, noise)
            results.append(result)
            per_template[TEMPLATES[index % len(TEMPLATES)]].append(result["recall"] - result["noise"])
        avg = {k: statistics.mean(r[k] for r in results) for k in results[0]}
        print(
            f"{name:12} recall {avg['recall']:.3f}  noise {avg['noise']:.3f}  code {avg['code']:.2f}"
            f"  image {avg['image']:.2f}  heading {avg['heading']:.2f}  table {avg['table']:.2f}"
            f"  caption {avg['caption']:.2f}"
            f"  script {avg['script']:.2f}  failures {failures}"
            f"  median {statistics.median(times) * 1000:.1f} ms/page"
        )
        print(" " * 13 + "  ".join(f"{t}:{statistics.mean(v):.2f}" for t, v in per_template.items()))
    _ = re


if __name__ == "__main__":
    main()
