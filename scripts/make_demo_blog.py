"""Write the bundled sample blog (src/blogtui/demo/) as Atom pages linked the RFC 5005 way (rel=next)."""

from __future__ import annotations

import sys
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).parent))

from demo_posts import POSTS

OUT = Path(__file__).resolve().parents[1] / "src" / "blogtui" / "demo"
SITE = "https://gardener.example/"
PER_PAGE = 6
AUTHOR = "Wren Okafor"


def entry(slug: str, date: str, tags: list[str], title: str, html: str) -> str:
    cats = "".join(f'\n    <category term="{escape(t)}"/>' for t in tags)
    return f"""  <entry>
    <id>tag:gardener.example,2022:{slug}</id>
    <title>{escape(title)}</title>
    <link rel="alternate" type="text/html" href="{SITE}posts/{slug}/"/>
    <published>{date}</published>
    <updated>{date}</updated>
    <author><name>{AUTHOR}</name></author>{cats}
    <content type="html">{escape(html.strip())}</content>
  </entry>"""


def page(number: int, total: int, posts: list[tuple[str, str, list[str], str, str]]) -> str:
    name = "feed.xml" if number == 1 else f"page-{number}.xml"
    links = [
        f'  <link rel="self" href="{name}"/>',
        f'  <link rel="alternate" type="text/html" href="{SITE}"/>',
    ]
    if number < total:
        links.append(f'  <link rel="next" href="page-{number + 1}.xml"/>')
    if number > 1:
        previous = "feed.xml" if number == 2 else f"page-{number - 1}.xml"
        links.append(f'  <link rel="previous" href="{previous}"/>')
    entries = "\n".join(entry(*p) for p in posts)
    updated = posts[0][1]
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>The Terminal Gardener</title>
  <subtitle>Notes on reading, small tools and a small garden, written in a terminal.</subtitle>
  <id>tag:gardener.example,2022:feed</id>
  <updated>{updated}</updated>
  <author><name>{AUTHOR}</name></author>
{chr(10).join(links)}
{entries}
</feed>
"""


def main() -> None:
    posts = sorted(POSTS, key=lambda p: p[1], reverse=True)
    pages = [posts[i : i + PER_PAGE] for i in range(0, len(posts), PER_PAGE)]
    OUT.mkdir(parents=True, exist_ok=True)
    for number, chunk in enumerate(pages, 1):
        name = "feed.xml" if number == 1 else f"page-{number}.xml"
        (OUT / name).write_text(page(number, len(pages), chunk), encoding="utf-8")
    print(f"{len(posts)} posts in {len(pages)} pages -> {OUT}")


if __name__ == "__main__":
    main()
