"""Write a seeded cache of N posts straight into a blogtui store (for the search benchmarks).

Run: python benchmarks/make_cache.py --posts 50000 --out /tmp/bt-50k [--plain] [--seed S]

Posts come from benchmarks/gen_corpus.py (``cache_posts``, the reader benchmarks' posts: 2-3 KB of
HTML per post, 1-4 tags each, dates from 2010 to 2025). Its vocabulary is ~250 words; unless ``--plain``,
about a third of the words are swapped for words of a 40,000-word Zipf vocabulary, so the index
holds as many distinct words as real blogs do (a larger index than the tiny vocabulary gives).
Same arguments => same database content.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from datetime import datetime
from itertools import accumulate
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import gen_corpus  # noqa: E402

from blogtui.config import DB_NAME  # noqa: E402
from blogtui.content.text import html_to_text  # noqa: E402
from blogtui.models import ParsedPost  # noqa: E402
from blogtui.storage.store import Store  # noqa: E402

BASE = "https://bench.invalid"
_TEXT_RE = re.compile(r">([^<>]+)<")
_WORD_RE = re.compile(r"[a-z]{4,}")


class Vocabulary:
    """A large seeded vocabulary with Zipf frequencies (rank r drawn with weight 1/r)."""

    def __init__(self, seed: str, size: int = 40_000) -> None:
        rng = random.Random(f"{seed}:vocab")
        syllables = [a + b for a in "bcdfghjklmnprstvwz" for b in "aeiou"] + ["th", "sh", "st", "ck"]
        words: set[str] = set()
        while len(words) < size:
            words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
        self.words = sorted(words)
        rng.shuffle(self.words)
        self.cum = list(accumulate(1.0 / rank for rank in range(1, size + 1)))

    def sample(self, rng: random.Random) -> str:
        """One word, common words more often."""
        return rng.choices(self.words, cum_weights=self.cum)[0]


def enrich(html: str, rng: random.Random, vocab: Vocabulary) -> str:
    """Swap about a third of the words of ``html``'s text for Zipf-distributed ones."""

    def words(match: re.Match[str]) -> str:
        return _WORD_RE.sub(lambda w: vocab.sample(rng) if rng.random() < 0.33 else w.group(), match.group())

    return _TEXT_RE.sub(words, html)


def build(out: Path, posts: int, seed: str, plain: bool, per_feed: int = 500) -> Path:
    """Create ``out/blogtui.db`` with ``posts`` posts in feeds of ``per_feed``; returns the db path."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / DB_NAME
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    store = Store(path)
    vocab = None if plain else Vocabulary(seed)
    feeds = (posts + per_feed - 1) // per_feed
    for index in range(1, feeds + 1):
        fid = f"feed-{index:03d}"
        rng = random.Random(f"{seed}:{fid}")
        title = f"{rng.choice(gen_corpus.CACHE_NAMES)}'s {rng.choice(gen_corpus.TOPICS)} {index:03d}"
        count = min(per_feed, posts - (index - 1) * per_feed)
        parsed = []
        for entry in gen_corpus.cache_posts(rng, fid, count):
            html = entry["body"].replace("@@BASE@@", BASE)
            if vocab is not None:
                html = enrich(html, rng, vocab)
            parsed.append(
                ParsedPost(
                    guid=f"tag:bench.invalid,2024:{fid}/{entry['pid']}",
                    url=f"{BASE}/posts/{fid}/{entry['pid']}.html",
                    title=entry["title"],
                    author=entry["author"],
                    published=entry["t"],
                    summary=entry["summary"],
                    content_html=html,
                    text=html_to_text(html),
                    tags=tuple(entry["cats"]),
                )
            )
        url = f"{BASE}/feeds/{fid}.xml"
        feed_id = store.add_feed(url)
        with store.transaction():
            store.upsert_posts(feed_id, parsed)
            store.update_feed(
                feed_id, title=title, site_url=f"{BASE}/posts/{fid}/", fetched_at=datetime.now()
            )
        # Some state to filter on: every 3rd post read, every 40th starred.
    with store.transaction():
        store.db.execute("UPDATE posts SET read = 1 WHERE id % 3 = 0")
        store.db.execute("UPDATE posts SET starred = 1 WHERE id % 40 = 0")
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return path


def main() -> None:
    """Build the cache and say how long it took."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--posts", type=int, default=50_000)
    parser.add_argument("--out", type=Path, required=True, help="data dir to create (blogtui.db inside)")
    parser.add_argument("--seed", default="blogtui-query-bench-1")
    parser.add_argument("--plain", action="store_true", help="keep the generator's ~250-word vocabulary")
    args = parser.parse_args()
    start = time.perf_counter()
    path = build(args.out, args.posts, args.seed, args.plain)
    size = path.stat().st_size
    print(f"{path}: {args.posts} posts, {size / 1e6:.1f} MB, {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
