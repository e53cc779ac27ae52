"""Write the bundled sample blog (src/blogtui/demo/) as Atom pages linked the RFC 5005 way (rel=next),
and its picture (beds.png: `blogtui demo` keeps it in the image cache, so it shows offline)."""

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


def draw_beds(path: Path) -> None:
    """The picture of "Raised beds in a small yard": three beds, a gravel path, a fence (a drawing
    of flat colours, so a small PNG)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 300), (104, 150, 78))  # grass
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 480, 70), fill=(172, 206, 234))  # sky
    draw.ellipse((395, 12, 435, 52), fill=(250, 214, 92))  # sun
    for x in range(0, 480, 24):  # the fence
        draw.rectangle((x + 2, 46, x + 20, 112), fill=(156, 116, 76), outline=(118, 84, 52))
    draw.rectangle((0, 62, 480, 68), fill=(118, 84, 52))
    draw.polygon([(214, 300), (266, 300), (252, 112), (228, 112)], fill=(204, 196, 178))  # the path
    for n in range(60):
        x, y = 218 + (n * 37) % 44, 118 + (n * 53) % 178
        draw.point([(x, y), (x + 1, y)], fill=(160, 152, 136))
    beds = [(24, 140, 200, 210), (24, 226, 200, 292), (290, 140, 456, 292)]
    for left, top, right, bottom in beds:
        draw.rectangle((left, top, right, bottom), fill=(150, 106, 62))  # the frame
        draw.rectangle((left + 6, top + 6, right - 6, bottom - 6), fill=(96, 66, 42))  # soil
    for x in range(44, 190, 34):  # bed one: tomatoes and basil
        draw.ellipse((x - 14, 150, x + 14, 178), fill=(52, 120, 52))
        draw.ellipse((x - 4, 160, x + 4, 168), fill=(214, 56, 42))
        draw.ellipse((x + 4, 184, x + 14, 198), fill=(120, 176, 84))
    for x in range(40, 190, 22):  # bed two: lettuce
        draw.ellipse((x - 9, 250, x + 9, 268), fill=(150, 200, 96), outline=(110, 164, 70))
    for x in range(306, 446, 20):  # bed three: beans up a trellis
        draw.line((x, 100, x, 280), fill=(120, 84, 52), width=2)
        for y in range(110, 280, 16):
            draw.ellipse((x - 6, y, x + 6, y + 10), fill=(64, 140, 60))
    # Drawn at half size, kept at 960 x 600 (the reader never enlarges a picture: this one fills
    # a 100-column reading width at the usual 10-pixel cells).
    image.resize((960, 600), Image.Resampling.NEAREST).save(path, optimize=True)


def main() -> None:
    draw_beds(OUT / "beds.png")
    posts = sorted(POSTS, key=lambda p: p[1], reverse=True)
    pages = [posts[i : i + PER_PAGE] for i in range(0, len(posts), PER_PAGE)]
    OUT.mkdir(parents=True, exist_ok=True)
    for number, chunk in enumerate(pages, 1):
        name = "feed.xml" if number == 1 else f"page-{number}.xml"
        (OUT / name).write_text(page(number, len(pages), chunk), encoding="utf-8")
    print(f"{len(posts)} posts in {len(pages)} pages -> {OUT}")


if __name__ == "__main__":
    main()
