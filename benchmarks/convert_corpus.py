"""Time HTML-to-Markdown conversion over every post of the real-world corpus (the reader's first-open cost).

Run: python benchmarks/convert_corpus.py [--corpus DIR] [--parser lxml|html.parser] [--runs N]

With ``--runs N`` each post is converted N times in turn (every post once, then again) and its
fastest time kept: on a busy machine one run's tail is mostly other processes' time slices.
Targets (issue 14): median at most 0.3 ms, p99 at most 15 ms.

The corpus is the real-world one the tests use: ``--corpus``, else ``$BLOGTUI_CORPUS``, else the
default of tests/corpus.py (beside the repository, where CI keeps it).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from blogtui.content import converter as html_markdown  # noqa: E402
from blogtui.content import markdown as content  # noqa: E402
from blogtui.errors import NotAFeedError  # noqa: E402
from blogtui.models import ParsedPost  # noqa: E402
from blogtui.parsing.feed import parse_feed  # noqa: E402
from corpus import ENV, corpus_dir, corpus_files  # noqa: E402  (where the tests find the corpus)


def add_corpus_argument(parser: argparse.ArgumentParser) -> None:
    """``--corpus DIR``, defaulting to where the tests look for the real-world corpus."""
    parser.add_argument(
        "--corpus",
        type=Path,
        default=corpus_dir(),
        help=f"real-world corpus directory (default: ${ENV}, else tests/corpus.py's: %(default)s)",
    )


def corpus_posts(corpus: Path) -> list[tuple[str, ParsedPost]]:
    """Every post of every readable file of ``corpus``, with the file's name; exits if there is none."""
    files = corpus_files(corpus)
    if not files:
        sys.exit(f"no corpus files in {corpus}: pass --corpus DIR or set ${ENV}")
    posts = []
    for path in files:
        try:
            feed = parse_feed(path.read_bytes(), path.resolve().as_uri())
        except NotAFeedError:
            continue
        posts += [(path.name, p) for p in feed.posts]
    return posts


def main() -> None:
    """Parse every corpus file, convert every post, print totals and the slowest posts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_corpus_argument(parser)
    parser.add_argument("--parser", default=None, help="BeautifulSoup parser to use instead of the default")
    parser.add_argument(
        "--runs", type=int, default=1, help="convert every post N times, keep each one's fastest"
    )
    args = parser.parse_args()
    if args.parser:
        html_markdown.OPTIONS["bs4_options"] = args.parser
    posts = corpus_posts(args.corpus)
    best = [float("inf")] * len(posts)
    for _ in range(max(1, args.runs)):
        for index, (_, post) in enumerate(posts):
            start = time.perf_counter()
            content.html_to_markdown(post.content_html, post.url)
            best[index] = min(best[index], time.perf_counter() - start)
    times = [(seconds, name, len(post.content_html)) for seconds, (name, post) in zip(best, posts)]
    seconds = [t for t, _, _ in times]
    print(
        f"{len(posts)} posts, {sum(len(p.content_html) for _, p in posts) / 1e6:.1f} MB HTML:"
        f" total {sum(seconds):.2f} s, median {statistics.median(seconds) * 1000:.2f} ms,"
        f" p99 {sorted(seconds)[int(len(seconds) * 0.99)] * 1000:.1f} ms, max {max(seconds) * 1000:.1f} ms"
    )
    for seconds_, name, size in sorted(times, reverse=True)[:3]:
        print(f"  {seconds_ * 1000:7.1f} ms  {size:>8} chars  {name}")


if __name__ == "__main__":
    main()
