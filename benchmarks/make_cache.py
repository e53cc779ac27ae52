"""Write a seeded cache of N posts straight into a blogtui store (for the search and reader benchmarks).

Run: python benchmarks/make_cache.py --posts 50000 --out /tmp/bt-50k [--plain] [--seed S] [--per-feed N]

The four sizes of the scale benchmarks (about 3 s, 13 s, 1 minute and 5 minutes on 2 cores; a
million posts take ~6.3 GB of /tmp):

    for n in 1000:1k 50000:50k 200000:200k 1000000:1m; do
        python benchmarks/make_cache.py --posts ${n%%:*} --out /tmp/bt-${n##*:}
    done

Posts are the reader benchmarks' posts of benchmarks/gen_corpus.py (2-3 KB of HTML per post, 1-4
tags each, dates from 2010 to 2025), in feeds of ``--per-feed`` (2,000: a million posts are 500
blogs). The generator's vocabulary is ~250 words; unless ``--plain``, about a third of the words
are swapped for words of a 40,000-word Zipf vocabulary, and each post adds 24 words of its own
from it, so the index holds as many distinct words as real blogs do. Same arguments => same
database content.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from datetime import datetime, timezone
from itertools import accumulate
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import gen_corpus  # noqa: E402

from blogtui.config import DB_NAME  # noqa: E402
from blogtui.content.text import html_to_text  # noqa: E402
from blogtui.query import index_key  # noqa: E402
from blogtui.storage.store import Store  # noqa: E402
from blogtui.urls import canonical_url  # noqa: E402

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


def build(out: Path, posts: int, seed: str, plain: bool, per_feed: int = 2000) -> Path:
    """Create ``out/blogtui.db`` with ``posts`` posts in feeds of ``per_feed``; returns the db path.

    Bodies come from a pool of up to 2,000 generated posts (the generator costs ~1 ms a post, which
    would be 20 minutes at a million), each post adding a paragraph of its own Zipf words and its
    own title, so rare words stay rare. Rows go straight into the tables (posts, posts_fts,
    post_tags: what ``Store.upsert_posts`` writes for a new post, the text packed by the store's
    codec and its dictionary trained after the first feed), one transaction per feed.
    """
    out.mkdir(parents=True, exist_ok=True)
    path = out / DB_NAME
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    store = Store(path)
    db = store.db
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -400000")
    vocab = None if plain else Vocabulary(seed)
    rng = random.Random(f"{seed}:pool")
    pool = []
    for n in range(min(posts, 2000)):
        html = gen_corpus._cache_post_html(rng, f"pool-{n % 50:03d}", n + 1).replace("@@BASE@@", BASE)
        if vocab is not None:
            html = enrich(html, rng, vocab)
        pool.append((html, html_to_text(html)))
    summaries = [gen_corpus._cache_sentence(rng) + " " + gen_corpus._cache_sentence(rng) for _ in range(500)]
    with store.transaction():
        tag_ids = {name: store._tag_id(name) for name in gen_corpus.TAGS}
    words = gen_corpus.CACHE_WORDS
    with store.transaction():  # the dictionary, trained as upsert_posts trains it on a first feed
        store.codec.maybe_train([html for html, _text in pool])
    pack = store.codec.pack  # HTML and summaries are stored compressed (storage/codec.py)
    feeds = (posts + per_feed - 1) // per_feed
    post_id = 0
    for index in range(1, feeds + 1):
        fid = f"feed-{index:03d}"
        rng = random.Random(f"{seed}:{fid}")
        title = f"{rng.choice(gen_corpus.CACHE_NAMES)}'s {rng.choice(gen_corpus.TOPICS)} {index:03d}"
        count = min(per_feed, posts - (index - 1) * per_feed)
        start = datetime(rng.randint(2010, 2020), rng.randint(1, 12), rng.randint(1, 28), tzinfo=timezone.utc)
        base = int(start.timestamp())
        span = int(gen_corpus.CACHE_END.timestamp()) - base
        stamps = sorted((rng.randrange(span) for _ in range(count)), reverse=True)
        rows, fts, tags = [], [], []
        for i, offset in enumerate(stamps):
            post_id += 1
            pid = count - i
            html, text = pool[rng.randrange(len(pool))]
            own = rng.choices(words, k=rng.randint(3, 8))
            if vocab is not None:
                own.append(vocab.sample(rng))
                extra = " ".join(rng.choices(vocab.words, cum_weights=vocab.cum, k=24))
                html = f"{html}\n<p>{extra}.</p>"
                text = f"{text}\n\n{extra}."
            post_title = f"{gen_corpus._title_case(' '.join(own))} ({fid}#{pid})"
            author = rng.choice(gen_corpus.CACHE_NAMES)
            url = f"{BASE}/posts/{fid}/{pid}.html"
            rows.append((
                post_id, index, f"tag:bench.invalid,2024:{fid}/{pid}", url, post_title, author,
                base + offset, pack(rng.choice(summaries)), pack(html), canonical_url(url),
                int(post_id % 3 == 0), int(post_id % 40 == 0),
            ))  # fmt: skip
            fts.append(
                (index_key(base + offset, post_id), post_title, author, text)
            )  # by date, as the store keys it
            tags += [(post_id, tag_ids[t]) for t in rng.sample(gen_corpus.TAGS, rng.randint(1, 4))]
        feed_id = store.add_feed(f"{BASE}/feeds/{fid}.xml")
        assert feed_id == index, (feed_id, index)
        with store.transaction():
            db.executemany(
                "INSERT INTO posts(id, feed_id, guid, url, title, author, published, summary,"
                " content_html, canonical, read, starred) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            fts.sort(key=lambda row: row[0])  # by key, as the store writes them (Store._fts_insert)
            db.executemany("INSERT INTO posts_fts(rowid, title, author, body) VALUES (?, ?, ?, ?)", fts)
            db.executemany("INSERT INTO post_tags(post_id, tag_id) VALUES (?, ?)", tags)
            store.update_feed(
                feed_id, title=title, site_url=f"{BASE}/posts/{fid}/", fetched_at=datetime.now()
            )
        if index % 25 == 0:
            print(f"  {post_id:,} posts", file=sys.stderr, flush=True)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
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
    parser.add_argument("--per-feed", type=int, default=2000, help="posts per feed (default: %(default)s)")
    args = parser.parse_args()
    start = time.perf_counter()
    path = build(args.out, args.posts, args.seed, args.plain, args.per_feed)
    size = path.stat().st_size
    print(f"{path}: {args.posts} posts, {size / 1e6:.1f} MB, {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
