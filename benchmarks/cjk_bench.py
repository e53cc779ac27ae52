"""Search in CJK text at scale: what posts_cjk adds to the database, and the latency of CJK queries.

Run: python benchmarks/cjk_bench.py [--posts 50000] [--cjk-share 1.0] [--dir /tmp/bt-cjk-bench]
     [--rebuild] [--runs 3] [--compare 5000]

Builds a cache (reused when it exists) of ``--posts`` posts, ``--cjk-share`` of them Chinese (the
rest are make_cache.py's English posts): 400-1,500 characters of a seeded 30,000-word Zipf
vocabulary over 5,000 Zipf-weighted Han characters, with some Latin words (``Python``, versions)
written against them, as Chinese blogs do. Then:

- sizes of VACUUMed copies: as built; without posts_cjk; and laid out as before posts_cjk
  (posts_fts holding each CJK run as one token), so the net change is shown too;
- 100 CJK queries (1, 2, 3-4 characters, two words, mixed with Latin, OR, as you type, with
  tag: and is:), each timed as query_bench.py does: the first screen as the reader shows a query
  (query_bench.first_screen: the window, ranked, and the rows on screen; the target is on it),
  and beside it every match listed whole (compile + post_ids, ranked), the count and the tags;
- with ``--compare N``: the index of N CJK posts laid out several ways (one token per character
  with the title or the body first, as posts_cjk is; bigrams; FTS5's trigram tokenizer, which
  cannot search 1-2 characters, so those scan the posts' text with instr; characters or bigrams
  without positions, ``detail=none``, which only narrow the candidates) and their sizes, lookup
  times and matches beyond the exact ones, with the cost of checking a candidate's text.

Targets: posts_cjk adds at most 40 % to the database; p95 under 50 ms for the first screen (the
whole lists, the count and the tags, which the reader does not wait for, are given for the record).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from itertools import accumulate
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import make_cache  # noqa: E402
from query_bench import first_screen, percentile, timed  # noqa: E402  (one timing helper for both benchmarks)

from blogtui.config import DB_NAME  # noqa: E402
from blogtui.content.text import html_to_text  # noqa: E402
from blogtui.library import Library  # noqa: E402
from blogtui.models import ParsedPost  # noqa: E402
from blogtui.query import has_cjk, index_rows  # noqa: E402
from blogtui.storage.codec import Codec  # noqa: E402
from blogtui.storage.store import Store  # noqa: E402

TARGET_MS = 50.0
TARGET_SHARE = 0.40
LATIN = ["Python", "Rust", "SQLite", "Linux", "API", "JSON", "v2", "3.12", "GPU", "HTTP"]
TAGS = ["编程", "数据库", "生活", "读书", "旅行", "技术", "摄影", "音乐", "Python", "Linux"]


class Chinese:
    """A seeded Zipf vocabulary of 1-4 character words over Zipf-weighted Han characters."""

    def __init__(self, seed: str, chars: int = 5_000, words: int = 30_000) -> None:
        rng = random.Random(f"{seed}:cjk")
        pool = [chr(c) for c in range(0x4E00, 0x9FA6)]
        rng.shuffle(pool)
        self.chars = pool[:chars]
        char_cum = list(accumulate(1.0 / r for r in range(1, chars + 1)))
        found: set[str] = set()
        while len(found) < words:
            size = rng.choices([1, 2, 3, 4], [2, 6, 2, 1])[0]
            found.add("".join(rng.choices(self.chars, cum_weights=char_cum, k=size)))
        self.words = sorted(found)
        rng.shuffle(self.words)
        self.cum = list(accumulate(1.0 / r for r in range(1, words + 1)))

    def run(self, rng: random.Random, n: int) -> str:
        return "".join(rng.choices(self.words, cum_weights=self.cum, k=n))

    def sentence(self, rng: random.Random) -> str:
        parts = [self.run(rng, rng.randint(2, 6)) for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.3:
            parts.insert(rng.randrange(len(parts) + 1), rng.choice(LATIN))
        return "".join(parts) + rng.choice("，。。。！？")

    def post_html(self, rng: random.Random, target: int) -> str:
        paragraphs, size = [], 0
        while size < target:
            text = "".join(self.sentence(rng) for _ in range(rng.randint(3, 8)))
            if rng.random() < 0.2:
                text = f"<strong>{self.run(rng, 2)}</strong>" + text
            paragraphs.append(f"<p>{text}</p>")
            size += len(text)
        return "\n".join(paragraphs)


def build(out: Path, posts: int, share: float, seed: str) -> Path:
    """English posts from make_cache.py, then the CJK feeds (500 posts each)."""
    cjk_posts = round(posts * share)
    english = posts - cjk_posts
    if english:
        path = make_cache.build(out, english, seed, False)
    else:
        out.mkdir(parents=True, exist_ok=True)
        path = out / DB_NAME
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    store = Store(path)
    vocab = Chinese(seed)
    end = datetime(2025, 6, 1, tzinfo=timezone.utc)
    for index in range(1, (cjk_posts + 499) // 500 + 1):
        rng = random.Random(f"{seed}:cjk-feed-{index}")
        count = min(500, cjk_posts - (index - 1) * 500)
        parsed = []
        for n in range(count):
            html = vocab.post_html(rng, rng.randint(400, 1500))
            parsed.append(
                ParsedPost(
                    guid=f"cjk-{index}-{n}",
                    url=f"https://cjk{index}.invalid/{n}.html",
                    title=vocab.run(rng, rng.randint(3, 7)) + (f" {rng.choice(LATIN)}" if n % 5 == 0 else ""),
                    author=vocab.run(rng, 1),
                    published=end - timedelta(hours=rng.randrange(24 * 365 * 10)),
                    content_html=html,
                    text=html_to_text(html),
                    tags=tuple(rng.sample(TAGS, rng.randint(1, 3))),
                )
            )
        feed_id = store.add_feed(f"https://cjk{index}.invalid/feed.xml")
        with store.transaction():
            store.upsert_posts(feed_id, parsed)
            store.update_feed(feed_id, title=f"{vocab.run(rng, 2)}博客 {index:03d}")
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return path


def sizes(db_path: Path) -> tuple[int, int, int]:
    """Bytes of VACUUMed copies: as built; without posts_cjk; as laid out before posts_cjk."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "copy.db"
        source = sqlite3.connect(db_path)
        target = sqlite3.connect(copy, isolation_level=None)
        source.backup(target)
        source.close()
        target.execute("VACUUM")
        built = copy.stat().st_size
        target.execute("DROP TABLE posts_cjk")
        target.execute("VACUUM")
        without = copy.stat().st_size
        # Before: the CJK posts' text in posts_fts as it is, each run one token.
        target.execute("BEGIN")
        rows = target.execute("SELECT id, title, author, content_html FROM posts").fetchall()
        unpack = Codec(target).unpack  # the HTML is stored packed
        for post_id, title, author, packed in rows:
            html = unpack(packed)
            if not has_cjk(f"{title} {author} {html}"):
                continue
            text = html_to_text(html)
            words, runs = index_rows(title, author, text)
            if runs is None:
                continue
            target.execute(
                "INSERT INTO posts_fts(posts_fts, rowid, title, author, body) VALUES ('delete', ?, ?, ?, ?)",
                (post_id, *words),
            )
            target.execute(
                "INSERT INTO posts_fts(rowid, title, author, body) VALUES (?, ?, ?, ?)",
                (post_id, title, author, text),
            )
        target.execute("COMMIT")
        target.execute("VACUUM")
        before = copy.stat().st_size
        target.close()
    return built, without, before


def queries(vocab: Chinese, seed: str) -> list[tuple[str, bool]]:
    """100 CJK queries as ``(text, prefix_last)``."""
    rng = random.Random(f"{seed}:cjk-queries")

    seen: set[str] = set()

    def word(sizes: tuple[int, ...]) -> str:  # common words more often, each once
        while True:
            w = rng.choices(vocab.words[:5000], cum_weights=vocab.cum[:5000])[0]
            if len(w) in sizes and w not in seen:
                seen.add(w)
                return w

    out: list[tuple[str, bool]] = []
    out += [(rng.choices(vocab.chars[:2000])[0], False) for _ in range(15)]
    out += [(word((2,)), False) for _ in range(20)]
    out += [(word((3, 4)), False) for _ in range(15)]
    out += [(f"{word((2,))} {word((2, 3))}", False) for _ in range(10)]
    out += [(f"{word((2,))}{rng.choice(LATIN)}", False) for _ in range(5)]
    out += [(f"{rng.choice(LATIN)} {word((2, 3))}", False) for _ in range(5)]
    out += [(f"{word((2,))} OR {word((2, 3))}", False) for _ in range(5)]
    out += [(word((2, 3))[:1], True) for _ in range(5)]  # one character typed so far
    out += [(f'"{vocab.run(rng, 2)}"', False) for _ in range(5)]
    out += [(f"{word((2,))} tag:{rng.choice(TAGS)}", False) for _ in range(5)]
    out += [(f"{word((2,))} is:unread", False) for _ in range(3)]
    out += [(f"{word((2,))} -{word((1, 2))}", False) for _ in range(3)]
    out += [(f"(tag:{rng.choice(TAGS)} OR tag:{rng.choice(TAGS)}) {word((2,))}", False) for _ in range(4)]
    assert len(out) == 100, len(out)
    return out


def compare(db_path: Path, vocab: Chinese, n: int, seed: str) -> None:
    """The CJK text of ``n`` posts indexed several ways: sizes, lookup times and, for the layouts
    without positions (a candidate filter only), how many posts they match beyond the exact ones
    (what a check of each candidate's text would have to take out, at the cost printed)."""
    source = sqlite3.connect(db_path)
    rows = source.execute(
        "SELECT id, title, content_html FROM posts WHERE url LIKE 'https://cjk%' ORDER BY id LIMIT ?", (n,)
    ).fetchall()
    codec = Codec(source)
    start = time.perf_counter()
    texts = {i: html_to_text(codec.unpack(h)) for i, _, h in rows}
    check_us = (time.perf_counter() - start) / max(1, len(rows)) * 1e6
    rows = [(i, t, codec.unpack(h)) for i, t, h in rows]
    source.close()
    import re

    run_re = re.compile(r"[\u4e00-\u9fff]+")

    def runs(text: str) -> list[str]:
        return run_re.findall(text)

    def unigram(text: str) -> str:
        return " 0 ".join(" ".join(r) for r in runs(text))

    def bigram(text: str) -> str:
        return " ".join(" ".join([*(r[i : i + 2] for i in range(len(r) - 1)), r[-1]]) for r in runs(text))

    def trigram(text: str) -> str:
        return "  ".join(runs(text))

    def phrase(w: str) -> str:
        return '"' + " ".join(w) + '"'

    def bigram_phrase(w: str) -> str:
        return f'"{w}"*' if len(w) == 1 else '"' + " ".join(w[i : i + 2] for i in range(len(w) - 1)) + '"'

    def every_char(w: str) -> str:
        return " AND ".join(f'"{c}"' for c in w)

    def every_bigram(w: str) -> str:
        return f'"{w}"*' if len(w) == 1 else " AND ".join(f'"{w[i : i + 2]}"' for i in range(len(w) - 1))

    # name: (columns, options, how the text is split, how a probe is searched, exact?)
    variants = {
        "characters, title first (schema 7-12)": ("title, body", "tokenize='ascii'", unigram, phrase, True),
        "characters, body first (posts_cjk)": ("body, title", "tokenize='ascii'", unigram, phrase, True),
        "bigrams, body first": ("body, title", "tokenize='ascii'", bigram, bigram_phrase, True),
        "trigram tokenizer, body first": ("body, title", "tokenize='trigram'", trigram, None, True),
        "characters, detail=none": (
            "body, title",
            "tokenize='ascii', detail=none",
            unigram,
            every_char,
            False,
        ),
        "bigrams, detail=none": ("body, title", "tokenize='ascii', detail=none", bigram, every_bigram, False),
    }
    # The CJK runs of the 100 queries timed above, by length.
    found = sorted({r for text, _ in queries(vocab, seed) for r in runs(text)}, key=lambda r: (len(r), r))
    probes = {1: [r for r in found if len(r) == 1], 2: [r for r in found if len(r) == 2]}
    probes[3] = [r for r in found if len(r) >= 3]
    titles = {i: t for i, t, _ in rows}
    exact = {
        w: sum(1 for i in texts if any(w in r for r in runs(titles[i]) + runs(texts[i])))
        for words in probes.values()
        for w in words
    }
    with tempfile.TemporaryDirectory() as tmp:
        base_path = Path(tmp) / "base.db"
        db = sqlite3.connect(base_path)
        db.execute("CREATE TABLE posts(id INTEGER PRIMARY KEY, title TEXT, content_html TEXT)")
        db.executemany("INSERT INTO posts VALUES (?, ?, ?)", rows)
        db.commit()
        db.execute("VACUUM")
        base = base_path.stat().st_size
        chars = sum(len(r) for i in texts for r in runs(titles[i]) + runs(texts[i]))
        print(
            f"\n{len(rows)} CJK posts ({chars / 1e6:.2f} M CJK characters), their rows alone"
            f" {base / 1e6:.1f} MB; each index of their CJK text (after 'optimize'):"
        )
        print(
            f"{'index':<40}{'MB':>7}{'B/char':>8}{'1 char':>8}{'2 chars':>9}{'3+ chars':>10}"
            "  (median ms)  matches beyond the exact ones (1 / 2 / 3+ chars)"
        )
        for name, (columns, options, split, search, is_exact) in variants.items():
            db.execute("DROP TABLE IF EXISTS x")
            db.execute(f"CREATE VIRTUAL TABLE x USING fts5({columns}, content='', {options})")
            db.executemany(
                "INSERT INTO x(rowid, title, body) VALUES (?, ?, ?)",
                [(i, split(t), split(texts[i])) for i, t, _ in rows],
            )
            db.execute("INSERT INTO x(x) VALUES ('optimize')")
            db.commit()
            db.execute("VACUUM")
            size = base_path.stat().st_size - base
            medians, extra = [], []
            for length, words in probes.items():
                times, beyond, found = [], 0, 0
                for w in words:
                    if search is None and length < 3:  # the trigram tokenizer finds nothing: scan
                        sql, params = (
                            "SELECT id FROM posts WHERE instr(title, ?) OR instr(content_html, ?)",
                            (w, w),
                        )
                    else:
                        sql, params = "SELECT rowid FROM x WHERE x MATCH ?", ((search or phrase)(w),)
                        if search is None:
                            params = (f'"{w}"',)
                    ms, hits = timed(lambda s=sql, p=params: db.execute(s, p).fetchall(), 3)
                    times.append(ms)
                    beyond += len(hits) - exact[w]  # type: ignore[arg-type]
                    found += exact[w]
                medians.append(statistics.median(times))
                extra.append(beyond / max(1, found))
            matches = " / ".join(f"{e:+.0%}" for e in extra) + ("" if is_exact else " (no positions)")
            print(
                f"{name:<40}{size / 1e6:>7.1f}{size / chars:>8.2f}"
                + "".join(f"{m:>9.1f}" for m in medians)
                + f"  {matches}"
            )
        db.close()
    print(f"checking a candidate's text (unpack the stored HTML + html_to_text): {check_us:.0f} us a post")


def main() -> int:
    """Build or reuse the cache, measure sizes, time the queries, print the figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--posts", type=int, default=50_000)
    parser.add_argument("--cjk-share", type=float, default=1.0, help="the share of posts in Chinese")
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "bt-cjk-bench")
    parser.add_argument("--seed", default="blogtui-cjk-bench-1")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--runs", type=int, default=3, help="runs per query (the median is kept)")
    parser.add_argument(
        "--compare", type=int, default=0, metavar="N", help="compare index layouts on N posts"
    )
    args = parser.parse_args()
    data = args.dir / f"{args.posts}-{args.cjk_share:g}"
    if args.rebuild or not (data / DB_NAME).exists():
        start = time.perf_counter()
        build(data, args.posts, args.cjk_share, args.seed)
        print(f"built {data / DB_NAME} in {time.perf_counter() - start:.0f} s")
    vocab = Chinese(args.seed)
    library = Library(data)
    db = library.store.db
    total = db.execute("SELECT count(*) FROM posts").fetchone()[0]
    with_cjk = db.execute("SELECT count(*) FROM posts_cjk").fetchone()[0]
    print(f"cache: {total} posts, {with_cjk} with CJK text")
    rows = []
    for text, prefix in queries(vocab, args.seed):
        compiled = library.compile(text, prefix_last=prefix)
        list_ms, ids = timed(
            lambda t=text, p=prefix: library.post_ids(library.compile(t, prefix_last=p)), args.runs
        )
        ranked_ms, _ = timed(lambda c=compiled: library.post_ids(c, ranked=True), args.runs)
        count_ms, _ = timed(lambda c=compiled: library.store.count(c), args.runs)
        tags_ms, _ = timed(lambda c=compiled: library.tags(c), args.runs)
        screen_ms, _ = timed(lambda t=text, p=prefix: first_screen(library, t, p), args.runs)
        rows.append((text, prefix, len(ids), list_ms, ranked_ms, count_ms, tags_ms, screen_ms))  # type: ignore[arg-type]
    print(f"\n{'operation':<40}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}")
    ok = True
    figures = (
        (7, "first screen (the reader's query path)"),
        (3, "whole list: compile + post_ids"),
        (4, "whole list: post_ids ranked"),
        (5, "count"),
        (6, "tags within the query"),
    )
    for index, name in figures:
        values = [r[index] for r in rows]
        p95 = percentile(values, 95)
        print(f"{name:<40}{statistics.median(values):>8.1f}{p95:>8.1f}{max(values):>8.1f}")
        if index == 7:
            ok = ok and p95 < TARGET_MS
    print("\nslowest queries (compile + post_ids, ms; matches):")
    for text, prefix, n, list_ms, ranked_ms, *_ in sorted(rows, key=lambda r: -r[3])[:8]:
        print(
            f"  {list_ms:7.1f}  ranked {ranked_ms:7.1f}  {n:>6}  {text}{'▌ (as you type)' if prefix else ''}"
        )
    library.close()
    built, without, before = sizes(data / DB_NAME)
    share = built / without - 1
    print(
        f"\ndatabase {built / 1e6:.1f} MB; without posts_cjk {without / 1e6:.1f} MB:"
        f" posts_cjk adds {share:.0%}"
        f" (target <= {TARGET_SHARE:.0%}); laid out as before posts_cjk (CJK runs as posts_fts tokens)"
        f" {before / 1e6:.1f} MB: net change {built / before - 1:+.0%}"
    )
    print("latency:", "OK" if ok else "MISSED", "| size:", "OK" if share <= TARGET_SHARE else "MISSED")
    if args.compare:
        compare(data / DB_NAME, vocab, args.compare, args.seed)
    shutil.rmtree(data / "export", ignore_errors=True)
    return 0 if ok and share <= TARGET_SHARE else 1


if __name__ == "__main__":
    sys.exit(main())
