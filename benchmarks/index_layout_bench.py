"""The search index laid out other ways: what each costs in bytes and what it buys in search time.

Run: python benchmarks/index_layout_bench.py [--cache DB | --corpus DIR] [--posts 50000] [--runs 3]
     [--gaps 16 64 256]

Reads the posts of a cache (``--cache``: a ``blogtui.db``, e.g. one of make_cache.py's) or of
the feeds in a folder (``--corpus``: a gen_corpus.py corpus, or ``../shared/corpus/real``),
stored as ``blogtui add`` stores them; their search text made as the store makes it; and builds
``posts_fts`` again in memory, laid out:

- ``today``: rowid = the post's id, ``detail=full`` (positions), as schema 14 has it;
- ``date-keyed``: rowid = ``published << 28 | id``, so that rowid order is the list's (date, then
  id) and a newest-first page of any search streams from the index (issue 15's 1M search row);
- ``rank x G``: rowid = the post's place in date order times G (``--gaps``, 256 by default: a
  dense key with room for posts to come between; what keeping it would take is not built);
- ``detail=column``: no positions (no phrases), the columns each word is in;
- ``pairs``: a second index of each two adjacent words as one token, without positions
  (``detail=none``): a phrase of two words is one lookup there, exact; of more, a superset.

For each: the bytes of the index's blocks after FTS5 ``optimize``, against ``today``; then the
time to count the matches of two-word phrases (from the posts' titles), of two words together,
of one word, and a first page (256) newest first, where the layout can answer it. Every figure
is the best of ``--runs``. At the end, how often a three-word phrase's pairs match where the
phrase does not (the pairs' false matches).

This measures layouts only: the product's index is ``today``'s (storage/schema.py).
"""

from __future__ import annotations

import argparse
import itertools
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from blogtui.content.text import html_to_text  # noqa: E402
from blogtui.query import index_rows  # noqa: E402
from blogtui.storage.codec import Codec  # noqa: E402
from blogtui.storage.store import Store  # noqa: E402

FTS = "fts5(body, title, author, content='', tokenize='unicode61 remove_diacritics 2', prefix='2'{})"
PAIRS = "fts5(body, content='', detail=none, tokenize='unicode61 remove_diacritics 2 tokenchars _')"
_WORD = re.compile(r"\w+")

#: A post: (id, published, title, author, search text).
Post = tuple[int, int, str, str, str]


def read_cache(path: Path, limit: int) -> list[Post]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    codec = Codec(db)
    rows = db.execute(
        "SELECT id, published, title, author, content_html FROM posts ORDER BY id LIMIT ?", (limit,)
    ).fetchall()
    posts = []
    for post_id, published, title, author, html in rows:
        words = index_rows(title, author, html_to_text(codec.unpack(html)))[0]
        posts.append((post_id, published, words[0], words[1], words[2]))
    db.close()
    return posts


def read_corpus(corpus: Path, limit: int) -> list[Post]:
    """Every feed under ``corpus`` (gen_corpus.py's ``feed-*.xml``, or the shared real corpus's
    files; what does not parse as a feed is passed over), stored as ``blogtui add`` stores them,
    then read back."""
    from blogtui.errors import BlogtuiError
    from blogtui.parsing.feed import parse_feed

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "blogtui.db")
        for path in sorted(f for f in corpus.rglob("*") if f.is_file() and f.suffix != ".tsv"):
            url = f"http://127.0.0.1/{path.relative_to(corpus)}"
            try:
                parsed = parse_feed(path.read_bytes(), url)
            except (BlogtuiError, ValueError):
                continue
            if parsed.posts:
                with store.transaction():
                    store.upsert_posts(store.add_feed(url), parsed.posts)
        store.close()
        return read_cache(Path(tmp) / "blogtui.db", limit)


def pairs(text: str) -> str:
    words = [w.lower() for w in _WORD.findall(text)]
    return " ".join(f"{a}_{b}" for a, b in itertools.pairwise(words))


def build(posts: Sequence[Post], key: Callable[[Post], int], detail: str = "") -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE f USING " + FTS.format(f", detail={detail}" if detail else ""))
    db.executemany(
        "INSERT INTO f(rowid, title, author, body) VALUES (?, ?, ?, ?)", [(key(p), *p[2:]) for p in posts]
    )
    db.execute("INSERT INTO f(f) VALUES ('optimize')")
    return db


def size(db: sqlite3.Connection, table: str = "f") -> int:
    return int(db.execute(f"SELECT sum(length(block)) FROM {table}_data").fetchone()[0])


def best(db: sqlite3.Connection, sql: str, params: tuple[object, ...], runs: int) -> float:
    fastest = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        db.execute(sql, params).fetchall()
        fastest = min(fastest, time.perf_counter() - start)
    return fastest * 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", type=Path, help="a blogtui.db to read the posts of")
    ap.add_argument("--corpus", type=Path, help="a gen_corpus.py corpus (feed-*.xml) to store and read")
    ap.add_argument("--posts", type=int, default=50_000, help="at most this many posts (by id)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", default="index-layouts")
    ap.add_argument(
        "--gaps",
        type=int,
        nargs="+",
        default=[256],
        help="the room between dense keys to measure (16 64 256)",
    )
    ap.add_argument(
        "--buckets",
        type=int,
        nargs="*",
        default=[30],
        help="days per date bucket to measure (rowid = bucket << 32 | id; 7 30 91)",
    )
    args = ap.parse_args()
    if (args.cache is None) == (args.corpus is None):
        ap.error("give --cache DB or --corpus DIR")
    posts = read_cache(args.cache, args.posts) if args.cache else read_corpus(args.corpus, args.posts)
    print(f"{len(posts)} posts, {sum(len(p[4]) for p in posts) / 1e6:.1f} MB of body text")
    rng = random.Random(args.seed)
    rank = {p[0]: n for n, p in enumerate(sorted(posts, key=lambda p: (p[1], p[0])), start=1)}
    layouts = {
        "today": build(posts, lambda p: p[0]),
        "date-keyed": build(posts, lambda p: (p[1] << 28) | p[0]),
        **{f"rank x {gap}": build(posts, lambda p, g=gap: rank[p[0]] * g) for gap in args.gaps},
        **{
            f"{days}-day buckets": build(posts, lambda p, w=days * 86400: (p[1] // w) << 32 | p[0])
            for days in args.buckets
        },
        "detail=column": build(posts, lambda p: p[0], "column"),
    }
    pair_db = sqlite3.connect(":memory:")
    pair_db.execute("CREATE VIRTUAL TABLE p USING " + PAIRS)
    pair_db.executemany(
        "INSERT INTO p(rowid, body) VALUES (?, ?)", [(p[0], pairs(p[2]) + " " + pairs(p[4])) for p in posts]
    )
    pair_db.execute("INSERT INTO p(p) VALUES ('optimize')")
    base = size(layouts["today"])
    print("\nlayout            index MB  against today")
    for name, db in layouts.items():
        print(f"  {name:15} {size(db) / 1e6:8.1f}  {size(db) / base:6.0%}")
    extra = size(pair_db, "p")
    print(f"  {'pairs':15} {extra / 1e6:8.1f}  {extra / base:6.0%}  (beside another index)")
    print(f"  {'column + pairs':15} {(size(layouts['detail=column']) + size(pair_db, 'p')) / 1e6:8.1f}"
          f"  {(size(layouts['detail=column']) + size(pair_db, 'p')) / base:6.0%}")  # fmt: skip

    titles = [p[2] for p in rng.sample(list(posts), min(400, len(posts)))]
    two = [w[:2] for w in ([x.lower() for x in _WORD.findall(t)] for t in titles) if len(w) >= 2][:20]
    vocab = [w.lower() for t in titles for w in _WORD.findall(t)]
    words = rng.sample(vocab, min(20, len(vocab)))
    count = "SELECT count(*) FROM f WHERE f MATCH ?"
    page = "SELECT rowid FROM f WHERE f MATCH ? ORDER BY rowid DESC LIMIT 256"
    classes = {
        "phrase of 2 (count)": (count, [(f'"{a} {b}"',) for a, b in two]),
        "2 words (count)": (count, [(f'"{a}" AND "{b}"',) for a, b in two]),
        "1 word (count)": (count, [(f'"{w}"',) for w in words]),
        "1 word, 256 by rowid": (page, [(f'"{w}"',) for w in words]),
        "2 words, 256 by rowid": (page, [(f'"{a}" AND "{b}"',) for a, b in two]),
    }
    print(
        "\nmedian ms (best of each query's runs)" + "".join(f"  {n:>13}" for n in layouts) + "          pairs"
    )
    for label, (sql, params) in classes.items():
        cells = []
        for name, db in layouts.items():
            if name == "detail=column" and "phrase" in label:
                cells.append(f"  {'-':>13}")
                continue
            cells.append(f"  {statistics.median(best(db, sql, p, args.runs) for p in params):13.2f}")
        pair_cell = ""
        if "phrase" in label:
            ms = statistics.median(
                best(pair_db, "SELECT count(*) FROM p WHERE p MATCH ?", (f'"{a}_{b}"',), args.runs)
                for a, b in two
            )
            pair_cell = f"  {ms:13.2f}"
        print(f"  {label:22}" + "".join(cells) + pair_cell)
    print("  (the order of rowids is the list's for date-keyed and rank x G only)")

    # Three-word phrases: the pairs' matches against the phrase's own.
    three = [
        w[:3]
        for w in ([x.lower() for x in _WORD.findall(p[4])][:60] for p in rng.sample(list(posts), 50))
        if len(w) >= 3
    ]
    exact = extra = 0
    today = layouts["today"]
    for a, b, c in three:
        found = {r[0] for r in today.execute("SELECT rowid FROM f WHERE f MATCH ?", (f'"{a} {b} {c}"',))}
        by_pairs = {
            r[0]
            for r in pair_db.execute("SELECT rowid FROM p WHERE p MATCH ?", (f'"{a}_{b}" AND "{b}_{c}"',))
        }
        assert found <= by_pairs
        exact += len(found)
        extra += len(by_pairs - found)
    print(f"\nthree-word phrases from post bodies ({len(three)}): {exact} matches, the pairs' {exact + extra}"
          f" ({extra} false, {extra / max(1, exact + extra):.1%})")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
