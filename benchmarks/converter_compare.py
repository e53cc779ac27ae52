"""markdownify or html2text? Both converters, as they come and as blogtui uses them, on every real post.

Run: python benchmarks/converter_compare.py [--corpus DIR]   (needs the ``bench`` extra: html2text)

For every post of the real-world corpus (``--corpus``, defaulting as in convert_corpus.py), converts
the HTML with plain markdownify, plain html2text (no line wrapping) and blogtui's own converter
(content.html_to_markdown, built on markdownify), and reports speed and, for the posts that hold
each feature, how often the Markdown keeps it: code blocks with their language, tables as Markdown
tables, images as links, nested lists, blockquotes; plus how often a converter raised.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from convert_corpus import add_corpus_argument, corpus_posts  # noqa: E402

from blogtui.content import markdown as content  # noqa: E402

# 1x1 tracking pixels and FeedBurner's ad images: blogtui drops them on purpose, so a post whose only
# images are these does not count as having an image.
_PIXEL_RE = re.compile(r'(?:width|height)=["\']?1["\'\s/>]|feeds\.feedburner\.com/~', re.I)

# (feature, does the HTML have it, does the Markdown keep it)
FEATURES: list[tuple[str, Callable[[str], bool], Callable[[str, str], bool]]] = [
    (
        "code language",
        lambda h: bool(re.search(r'<(?:pre|code)[^>]*class="[^"]*(?:language|lang)-(\w+)', h)),
        lambda h, m: bool(re.search(r"^\s*(```|~~~)\s*[\w+#-]+\s*$", m, re.M)),
    ),
    (
        "table",
        lambda h: "<table" in h.lower() and "<td" in h.lower(),
        lambda h, m: bool(re.search(r"^\s*\|?\s*:?-{3,}", m, re.M)),
    ),
    (
        "image as link",
        lambda h: any(not _PIXEL_RE.search(tag) for tag in re.findall(r"<img\b[^>]+src=[^>]*>", h, re.I)),
        lambda h, m: bool(re.search(r"\]\((?:https?:)?//", m)),
    ),
    (
        "nested list",
        lambda h: bool(re.search(r"<li>(?:(?!</?li>|</[uo]l>).)*<(?:ul|ol)\b", h, re.I | re.S)),
        lambda h, m: bool(re.search(r"^(?:> ?)*(?: {2,}|\t)(?:[-*+]|\d+\.) ", m, re.M)),
    ),
    ("blockquote", lambda h: "<blockquote" in h.lower(), lambda h, m: bool(re.search(r"^> ", m, re.M))),
]


def converters() -> dict[str, Callable[[str, str], str]]:
    """The three converters, each as ``(html, base_url) -> markdown``."""
    import html2text
    from markdownify import markdownify

    def plain_html2text(html: str, base: str) -> str:
        h = html2text.HTML2Text(baseurl=base)
        h.body_width = 0
        return h.handle(html)

    return {
        "markdownify": lambda html, base: markdownify(html, heading_style="ATX"),
        "html2text": plain_html2text,
        "blogtui (markdownify, tuned)": content.html_to_markdown,
    }


def main() -> None:
    """Convert every corpus post with each converter; print a table of speed and fidelity."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_corpus_argument(parser)
    args = parser.parse_args()
    posts = [p for _, p in corpus_posts(args.corpus) if p.content_html.strip()]
    print(f"{len(posts)} posts with HTML from {args.corpus}")
    header = f"{'converter':30} {'median ms':>9} {'total s':>8} {'errors':>6}"
    header += "".join(f" {name:>15}" for name, _, _ in FEATURES)
    print(header)
    having = {name: [p for p in posts if has(p.content_html)] for name, has, _ in FEATURES}
    counts = "".join(f" {f'({len(having[name])} posts)':>15}" for name, _, _ in FEATURES)
    print(f"{'':30} {'':>9} {'':>8} {'':>6}{counts}")
    for label, convert in converters().items():
        times: list[float] = []
        errors = 0
        out: dict[int, str] = {}
        for post in posts:
            start = time.perf_counter()
            try:
                out[id(post)] = convert(post.content_html, post.url)
            except Exception:  # noqa: BLE001 - counted: a converter that raises loses the post
                errors += 1
                out[id(post)] = ""
            times.append(time.perf_counter() - start)
        kept = []
        for name, _, keeps in FEATURES:
            group = having[name]
            share = sum(keeps(p.content_html, out[id(p)]) for p in group) / len(group) if group else 0.0
            kept.append(f" {share:>15.0%}")
        print(
            f"{label:30} {statistics.median(times) * 1000:>9.2f} {sum(times):>8.2f} {errors:>6}"
            + "".join(kept)
        )


if __name__ == "__main__":
    main()
