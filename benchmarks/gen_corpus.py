"""Seeded generator of a feed corpus for the fetch benchmark: N feeds x M posts of realistic HTML.

    python benchmarks/gen_corpus.py --feeds 100 --posts 100 --out /tmp/fetch-corpus-100x100 [--paged K]

Writes OUT/feed-NNN.xml (odd NNN: RSS 2.0, even NNN: Atom 1.0) and OUT/manifest.json. Each post
has 3-6 paragraphs with links, inline code and emphasis, often a list under a heading, a code block,
a table or a figure, and 1-4 categories out of 40. Absolute URLs are written as ``@@BASE@@``, which
benchmarks/serve.py replaces with its own loopback address. With ``--paged K`` every feed is split
into pages of K posts (``feed-NNN.xml``, ``feed-NNN-p2.xml``, ...) linked by ``rel="next"``; Atom
pages also carry RFC 5005 ``prev-archive`` links, RSS pages carry them as ``atom:link``. The same
arguments and seed give byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
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
