"""The cache's own costs on a make_cache.py cache: where its bytes go, opening a post, sorting by title.

Run: python benchmarks/store_bench.py --db /tmp/bt-50k/blogtui.db [--posts-opened 200] [--runs 5]

Prints, for the cache at ``--db`` (built by ``benchmarks/make_cache.py``; opened as is, so a cache
of an older schema is migrated first, in place; copy it to keep it):

- bytes per post, and per table and index (``dbstat``: pages, and the bytes they use);
- opening a post as the reader does (``Library.post``: the row, its text unpacked, and its Markdown
  converted and stored the first time), median and p95 over ``--posts-opened`` posts: first
  opening, then again (the Markdown stored); target at most 20 ms;
- the list sorted by title (``Library.post_window(order="title")``), all posts and unread ones,
  median of ``--runs``; target at most 100 ms at 200,000 posts.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from blogtui.library import Library  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def where_bytes_go(path: Path) -> None:
    db = sqlite3.connect(path)
    posts = db.execute("SELECT count(*) FROM posts").fetchone()[0]
    pages = db.execute("PRAGMA page_count").fetchone()[0] * db.execute("PRAGMA page_size").fetchone()[0]
    print(f"{path}: {posts} posts, {pages / 1e6:.1f} MB, {pages / max(posts, 1) / 1e3:.2f} KB per post")
    print(f"{'table or index':<28}{'MB':>8}{'used MB':>9}{'B/post':>8}")
    rows = db.execute(
        "SELECT name, sum(pgsize), sum(pgsize - unused) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 16"
    ).fetchall()
    for name, size, used in rows:
        print(f"{name:<28}{size / 1e6:>8.2f}{used / 1e6:>9.2f}{size / max(posts, 1):>8.0f}")
    for column in ("content_html", "summary", "content_md"):
        stored = db.execute(f"SELECT sum(length(CAST({column} AS BLOB))) FROM posts").fetchone()[0] or 0
        print(f"  posts.{column}: {stored / 1e6:.2f} MB stored")
    db.close()


def timed(fn: object, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", type=Path, required=True, help="a blogtui.db made by make_cache.py")
    parser.add_argument("--posts-opened", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", default="store-bench-1")
    args = parser.parse_args()
    library = Library(args.db.parent)  # migrates an older cache first
    where_bytes_go(args.db)
    ids = [r[0] for r in library.store.db.execute("SELECT id FROM posts WHERE content_md IS NULL")]
    picked = random.Random(args.seed).sample(ids, min(args.posts_opened, len(ids)))
    for label in ("first opening (Markdown converted, stored)", "opened again (Markdown stored)"):
        times = []
        for post_id in picked:
            start = time.perf_counter()
            post = library.post(post_id)
            times.append((time.perf_counter() - start) * 1000)
            assert post is not None and post.content_md
        print(
            f"open a post, {label}: median {statistics.median(times):.2f} ms,"
            f" p95 {percentile(times, 95):.2f} ms"
        )
    for text in ("", "is:unread"):
        compiled = library.compile(text)

        def window(c: object = compiled) -> None:
            ids = library.store.post_window(c, order="title")  # type: ignore[arg-type]
            list(ids[:60])  # the first screen

        ms = timed(window, args.runs)
        print(f"sort by title, {text or 'all posts'}: {ms:.1f} ms (median of {args.runs})")
    library.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
