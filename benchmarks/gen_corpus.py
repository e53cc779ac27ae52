"""The benchmarks' one generator of posts: seeded feed corpora (fetch benchmark) and cache posts.

    python benchmarks/gen_corpus.py --feeds 100 --posts 100 --out /tmp/fetch-corpus-100x100 [--paged K]

Writes OUT/feed-NNN.xml (odd NNN: RSS 2.0, even NNN: Atom 1.0) and OUT/manifest.json. Each post
has 3-6 paragraphs with links, inline code and emphasis, often a list under a heading, a code block,
a table or a figure, and 1-4 categories out of 40. Absolute URLs are written as ``@@BASE@@``, which
benchmarks/serve.py replaces with its own loopback address. With ``--paged K`` every feed is split
into pages of K posts (``feed-NNN.xml``, ``feed-NNN-p2.xml``, ...) linked by ``rel="next"``; Atom
pages also carry RFC 5005 ``prev-archive`` links, RSS pages carry them as ``atom:link``. The same
arguments and seed give byte-identical files.

``cache_posts`` makes the posts make_cache.py writes straight into a store (the reader and search
benchmarks): the reader-bench flavour of the same kind of post, kept as it was so cache figures stay
comparable.
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

BASE = "@@BASE@@"
END = datetime(2025, 6, 1, tzinfo=timezone.utc)
TAGS = str.split(
    "python rust go linux databases postgres sqlite networking security cryptography compilers "
    "performance testing devops kubernetes containers web css javascript typescript emacs vim "
    "terminal shell git open-source career books math statistics machine-learning "
    "distributed-systems hardware embedded retro-computing photography travel cooking music meta"
)
WORDS = str.split(
    "the a of to and in is it that for on with as was this be by at from or an are which but not have "
    "system data file process memory cache latency thread kernel socket buffer parser feed reader "
    "server client request response header query index table schema migration version release build "
    "compiler function module package library protocol format benchmark profile trace error retry "
    "timeout queue worker scheduler lock channel stream batch page archive simple small large fast "
    "slow careful useful practical old new modern subtle tiny write read parse render measure compare "
    "test ship debug refactor notice learn explain week month year project team idea question answer"
)
NAMES = str.split("Ada Brian Chen Dana Emeka Farah Gus Hana Ivo Jun Kasia Luis Mira Noor Otto Priya")
KINDS = str.split("Log Notes Letters Workshop Field-Journal Digest Lab Musings")


def sentence(rng: random.Random, words: int) -> str:
    """A sentence of plain words, capitalised, with a full stop."""
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def paragraph(rng: random.Random) -> str:
    """A paragraph with a link, inline code and emphasis."""
    parts = [escape(sentence(rng, rng.randint(8, 18))) for _ in range(rng.randint(3, 6))]
    parts.insert(1, f'See <a href="{BASE}/ref/{rng.randint(1, 9999)}">the {rng.choice(WORDS)} notes</a>.')
    parts.insert(2, f"Use <code>{rng.choice(WORDS)}_{rng.choice(WORDS)}()</code> with <em>care</em>.")
    return "<p>" + " ".join(parts) + "</p>"


def post_html(rng: random.Random) -> str:
    """The HTML body of one post."""
    blocks = [paragraph(rng) for _ in range(rng.randint(3, 6))]
    if rng.random() < 0.6:
        items = "".join(f"<li>{escape(sentence(rng, 6))}</li>" for _ in range(rng.randint(2, 5)))
        blocks.insert(1, f"<h2>{escape(sentence(rng, 3))}</h2><ul>{items}</ul>")
    if rng.random() < 0.35:
        lines = "\n".join(
            f"    {rng.choice(WORDS)} = {rng.choice(WORDS)}({rng.randint(0, 99)})" for _ in range(6)
        )
        code = escape(f"def {rng.choice(WORDS)}():\n{lines}")
        blocks.append(f'<pre><code class="language-python">{code}</code></pre>')
    if rng.random() < 0.25:
        rows = "".join(
            f"<tr><td>{rng.choice(WORDS)}</td><td>{rng.randint(1, 999)}</td></tr>" for _ in range(4)
        )
        blocks.append(f"<table><tr><th>name</th><th>value</th></tr>{rows}</table>")
    if rng.random() < 0.4:
        blocks.append(
            f'<figure><img src="{BASE}/img/{rng.randint(1, 999)}.png" alt="a diagram">'
            f"<figcaption>{escape(sentence(rng, 5))}</figcaption></figure>"
        )
    return "\n".join(blocks)


def make_posts(rng: random.Random, feed: int, count: int) -> list[dict[str, object]]:
    """``count`` posts, newest first, dated between 2010 and 2025."""
    start = END - timedelta(days=5500)
    dates = sorted(
        (start + timedelta(seconds=rng.randint(0, 5500 * 86400)) for _ in range(count)), reverse=True
    )
    return [
        {
            "n": count - i,
            "title": sentence(rng, rng.randint(2, 7))[:-1].title(),
            "date": date,
            "tags": rng.sample(TAGS, rng.randint(1, 4)),
            "html": post_html(rng),
            "link": f"{BASE}/blog/{feed:03d}/{count - i}",
        }
        for i, date in enumerate(dates)
    ]


def atom_page(
    title: str, author: str, posts: list[dict[str, object]], links: dict[str, str], site: str
) -> str:
    """One Atom 1.0 document."""
    head = "".join(f"<link rel={quoteattr(rel)} href={quoteattr(href)}/>" for rel, href in links.items())
    entries = "".join(
        f"<entry><id>{p['link']}</id><title>{escape(str(p['title']))}</title>"
        f'<link rel="alternate" href="{p["link"]}"/>'
        f"<published>{p['date'].strftime('%Y-%m-%dT%H:%M:%SZ')}</published>"  # type: ignore[union-attr]
        f"<updated>{p['date'].strftime('%Y-%m-%dT%H:%M:%SZ')}</updated>"  # type: ignore[union-attr]
        f"<author><name>{author}</name></author>"
        + "".join(f"<category term={quoteattr(t)}/>" for t in p["tags"])  # type: ignore[attr-defined]
        + f'<content type="html">{escape(str(p["html"]))}</content></entry>\n'
        for p in posts
    )
    updated = posts[0]["date"].strftime("%Y-%m-%dT%H:%M:%SZ") if posts else "2025-06-01T00:00:00Z"  # type: ignore[union-attr]
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(title)}</title><id>{links['self']}</id><updated>{updated}</updated>"
        f'<link rel="alternate" type="text/html" href="{site}"/>{head}\n'
        f"{entries}</feed>\n"
    )


def rss_page(
    title: str, author: str, posts: list[dict[str, object]], links: dict[str, str], site: str
) -> str:
    """One RSS 2.0 document (paging links as ``atom:link``).

    The author is ``dc:creator``, except in two RSS feeds of five: RSS's own ``email (Name)`` form.
    """
    email_form = site.rstrip("/").endswith(("3", "7"))
    by = (
        f"<author>{author.lower()}@example.org ({author})</author>"
        if email_form
        else f"<dc:creator>{author}</dc:creator>"
    )
    head = "".join(f"<atom:link rel={quoteattr(rel)} href={quoteattr(href)}/>" for rel, href in links.items())
    items = "".join(
        f"<item><title>{escape(str(p['title']))}</title><link>{p['link']}</link>"
        f'<guid isPermaLink="true">{p["link"]}</guid>'
        f"<pubDate>{p['date'].strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"  # type: ignore[union-attr]
        + by
        + "".join(f"<category>{escape(str(t))}</category>" for t in p["tags"])  # type: ignore[attr-defined]
        + f"<description>{escape(str(p['html']))}</description></item>\n"
        for p in posts
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>{escape(title)}</title><link>{site}</link><description>{escape(title)}</description>"
        f"{head}\n{items}</channel></rss>\n"
    )


def generate(feeds: int, posts: int, out: Path, seed: str = "blogtui-fetch-1", paged: int = 0) -> dict:
    """Write the corpus; returns the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, object] = {"feeds": [], "posts_per_feed": posts, "paged": paged, "seed": seed}
    total_bytes = 0
    for n in range(1, feeds + 1):
        rng = random.Random(f"{seed}:{n}")
        author = rng.choice(NAMES)
        title = f"{author}'s {rng.choice(KINDS).replace('-', ' ')} {n:03d}"
        items = make_posts(rng, n, posts)
        size = paged or max(1, posts)
        chunks = [items[i : i + size] for i in range(0, max(1, posts), size)] or [[]]
        names = [f"feed-{n:03d}.xml"] + [f"feed-{n:03d}-p{k}.xml" for k in range(2, len(chunks) + 1)]
        writer = rss_page if n % 2 else atom_page
        for k, (name, chunk) in enumerate(zip(names, chunks)):
            links = {"self": f"{BASE}/{name}"}
            if k + 1 < len(names):
                links["next"] = f"{BASE}/{names[k + 1]}"
                if writer is atom_page:
                    links["prev-archive"] = f"{BASE}/{names[k + 1]}"
            text = writer(title, author, chunk, links, f"{BASE}/blog/{n:03d}/").encode("utf-8")
            total_bytes += len(text)
            (out / name).write_bytes(text)
        manifest["feeds"].append({"path": names[0], "pages": names, "title": title, "posts": posts})  # type: ignore[union-attr]
    manifest["total_posts"] = feeds * posts
    manifest["total_bytes"] = total_bytes
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


# -- Posts for a cache (make_cache.py, and query_bench.py through it) ---------------------------
# The reader benchmarks' posts (the same generator as the newsboat comparison harness, so caches
# built by make_cache.py hold the content earlier figures were measured on): a bigger vocabulary,
# a summary and an author per post, several code languages, and posts are dicts with ``pid``, ``t``,
# ``title``, ``cats``, ``body``, ``summary`` and ``author``. Same seed => same posts.

CACHE_END = datetime(2025, 6, 1, 12, 0, 0, tzinfo=timezone.utc)
CACHE_WORDS = str.split(
    "the a of to and in is it that for on with as was this be by at from or an "
    "are which but not have has had can will would could should into than then there their "
    "system systems data file files process memory cache latency throughput thread threads "
    "kernel socket buffer parser feed feeds reader server client request response header "
    "query index table column row schema migration version release build compiler linker "
    "function method class module package library dependency interface protocol format "
    "benchmark profile trace sample measurement result results error errors failure retry "
    "timeout queue worker scheduler lock mutex channel stream batch page pages archive "
    "simple complex small large fast slow careful quick honest strange useful practical "
    "old new recent modern classic early late better worse hidden obvious subtle tiny "
    "write read parse render measure compare test ship deploy debug refactor rewrite "
    "notice learn explain remember forget assume expect prefer avoid allow require "
    "week month year morning evening weekend project team note idea question answer "
    "problem solution approach pattern trick detail example case story lesson mistake"
)
CACHE_NAMES = str.split(
    "Ada Brian Chen Dana Emeka Farah Gus Hana Ivo Jun Kasia Luis Mira Noor Otto Priya Quinn Rosa Sven Tomoko"
)
TOPICS = [
    "Systems", "Notes", "Field Journal", "Log", "Workshop", "Dispatch", "Digest",
    "Scratchpad", "Musings", "Engineering", "Lab", "Letters",
]  # fmt: skip
CODE_SNIPPETS = [
    ("python", "def parse(feed):\n    for entry in feed.entries:\n        if entry.id in seen:\n"
               "            continue\n        yield normalize(entry)\n"),
    ("rust", "fn main() {\n    let items: Vec<_> = feed.items().filter(|i| !i.read).collect();\n"
             "    println!(\"{} unread\", items.len());\n}\n"),
    ("sh", "$ curl -sI http://127.0.0.1/feed.xml | grep -i etag\nETag: \"5d41402abc4b2a76\"\n"
           "$ time ./reader refresh\n"),
    ("sql", "SELECT f.title, count(*) AS n\n  FROM posts p JOIN feeds f ON f.id = p.feed_id\n"
            " WHERE p.read = 0\n GROUP BY f.title ORDER BY n DESC;\n"),
    ("go", "func fetch(ctx context.Context, url string) (*http.Response, error) {\n"
           "\treq, _ := http.NewRequestWithContext(ctx, \"GET\", url, nil)\n\treturn client.Do(req)\n}\n"),
    ("c", "for (size_t i = 0; i < n; i++) {\n    if (buf[i] == '<' && buf[i + 1] == '/')\n"
          "        depth--;\n}\n"),
]  # fmt: skip


def _cache_words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(CACHE_WORDS) for _ in range(n))


def _cache_sentence(rng: random.Random) -> str:
    text = _cache_words(rng, rng.randint(6, 16))
    return text[0].upper() + text[1:] + rng.choice([".", ".", ".", "?", "!"])


def _title_case(text: str) -> str:
    return " ".join(w[0].upper() + w[1:] if len(w) > 3 else w for w in text.split())


def _cache_paragraph(rng: random.Random, link_base: str) -> str:
    parts = []
    for _ in range(rng.randint(3, 6)):
        text = escape(_cache_sentence(rng))
        r = rng.random()
        if r < 0.25:
            word = rng.choice(CACHE_WORDS)
            text = text.replace(" ", f' <a href="{link_base}/{word}.html">{word}</a> ', 1)
        elif r < 0.4:
            text = text.replace(" ", f" <code>{rng.choice(CACHE_WORDS)}()</code> ", 1)
        elif r < 0.5:
            text = text.replace(" ", f" <em>{rng.choice(CACHE_WORDS)}</em> ", 1)
        elif r < 0.6:
            text = text.replace(" ", f" <strong>{rng.choice(CACHE_WORDS)}</strong> ", 1)
        parts.append(text)
    return "<p>" + " ".join(parts) + "</p>"


def _cache_post_html(rng: random.Random, fid: str, pid: int) -> str:
    link_base = f"{BASE}/posts/{fid}"
    out = [_cache_paragraph(rng, link_base)]
    if rng.random() < 0.4:
        out.append(
            f'<figure><img src="{BASE}/img/{fid}-{pid}.png" alt={quoteattr(_cache_words(rng, 4))} '
            f'width="640" height="360"/><figcaption>{escape(_cache_sentence(rng))}</figcaption></figure>'
        )
    out.append(_cache_paragraph(rng, link_base))
    tag = rng.choice(["ul", "ol"])
    items = "".join(f"<li>{escape(_cache_sentence(rng))}</li>" for _ in range(rng.randint(3, 6)))
    out.append(f"<h2>{escape(_title_case(_cache_words(rng, 3)))}</h2><{tag}>{items}</{tag}>")
    if rng.random() < 0.35:
        lang, code = rng.choice(CODE_SNIPPETS)
        out.append(f'<pre><code class="language-{lang}">{escape(code)}</code></pre>')
    for _ in range(rng.randint(0, 2)):
        out.append(_cache_paragraph(rng, link_base))
    if rng.random() < 0.25:
        ncol = rng.randint(3, 4)
        head = "".join(f"<th>{escape(_title_case(rng.choice(CACHE_WORDS)))}</th>" for _ in range(ncol))
        rows = "".join(
            "<tr>"
            + f"<td>{escape(rng.choice(CACHE_WORDS))}</td>"
            + "".join(f"<td>{rng.randint(1, 9999)}</td>" for _ in range(ncol - 1))
            + "</tr>"
            for _ in range(rng.randint(3, 5))
        )
        out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    out.append(
        f'<p>See also <a href="{BASE}/feeds/{fid}.xml">the feed</a> and '
        f'<a href="{link_base}/{pid - 1 if pid > 1 else 1}.html">the previous post</a>.</p>'
    )
    return "\n".join(out)


def cache_posts(rng: random.Random, fid: str, n: int) -> list[dict[str, Any]]:
    """``n`` posts of the feed ``fid``, newest first (post 1 is the oldest), dated from 2010-2020 on."""
    start = datetime(rng.randint(2010, 2020), rng.randint(1, 12), rng.randint(1, 28), tzinfo=timezone.utc)
    span = int((CACHE_END - start).total_seconds())
    stamps = sorted((rng.randrange(span) for _ in range(n)), reverse=True)
    posts = []
    for i, offset in enumerate(stamps):
        pid = n - i
        when = start + timedelta(seconds=offset)
        title = _title_case(_cache_words(rng, rng.randint(3, 8)))
        cats = rng.sample(TAGS, rng.randint(1, 4))
        body = _cache_post_html(rng, fid, pid)
        summary = _cache_sentence(rng) + " " + _cache_sentence(rng)
        posts.append(
            {
                "pid": pid, "t": when, "title": f"{title} ({fid}#{pid})", "cats": cats,
                "body": body, "summary": summary, "author": rng.choice(CACHE_NAMES),
            }
        )  # fmt: skip
    return posts


def main() -> None:
    """Command line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=int, required=True)
    ap.add_argument("--posts", type=int, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", default="blogtui-fetch-1")
    ap.add_argument("--paged", type=int, default=0, metavar="K", help="split each feed into pages of K posts")
    args = ap.parse_args()
    manifest = generate(args.feeds, args.posts, args.out, args.seed, args.paged)
    print(
        f"{args.out}: {args.feeds} feeds, {manifest['total_posts']} posts,"
        f" {manifest['total_bytes'] / 1e6:.1f} MB"
    )


if __name__ == "__main__":
    main()
