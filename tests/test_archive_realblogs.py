"""Real statically built blogs (Jekyll, Hugo, Hexo, Eleventy, Pelican) from ../shared/realblogs,
served on loopback with their base URL replaced: the archive comes home from the feed, the
sitemap and the post pages, with no listing stored as a post and no post twice.

Skips, with the reason, where the folder is absent (a clone has no ../shared)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from blogtui.config import Config
from blogtui.fetching.archive.pages import listing_reason
from blogtui.library import Library
from blogtui.urls import canonical_url
from feedserver import FeedServer, Response

REALBLOGS = Path(__file__).resolve().parents[1].parent / "shared" / "realblogs"

#: folder -> (the base URL it was built for, its feed's path, whether its feed holds only the
#: newest posts so that the sitemap must bring more), as its README says and its files show.
BLOGS = {
    "bruce30262": ("http://0.0.0.0:4000/", "/feed.xml", True),
    "0xnf": ("https://0xnf.github.io/", "/index.xml", False),
    "immaxfang": ("http://www.immaxfang.com/", "/atom.xml", True),
    "toddl": ("https://toddl.dev/", "/feed/feed.xml", True),
    "zhangliyong": ("http://zhangliyong.github.io/", "/feeds/all-en.atom.xml", False),
    "brocanelli": ("http://localhost:1313/", "/index.xml", True),
}
TYPES = {".html": "text/html; charset=utf-8", ".xml": "application/xml", ".json": "application/json"}


def serve(server: FeedServer, root: Path, base: str) -> None:
    """Every file of the built site at its path (``dir/index.html`` at ``dir/`` too), the base URL
    it was built for replaced by the server's."""
    ours = server.base + "/"
    variants = {
        base,
        base.rstrip("/") + "/",
        base.replace("http://", "https://"),
        base.replace("https://", "http://"),
    }
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        body = path.read_bytes()
        for variant in variants:
            body = body.replace(variant.encode(), ours.encode())
            body = body.replace(variant.rstrip("/").encode() + b'"', server.base.encode() + b'"')
        relative = "/" + path.relative_to(root).as_posix()
        response = Response(body, content_type=TYPES.get(path.suffix, "text/plain"))
        server.add(relative, response)
        if path.name == "index.html":
            server.add(relative[: -len("index.html")], response)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(BLOGS))
def test_real_blog_archive_comes_home(name: str, server: FeedServer, data_dir: Path) -> None:
    root = REALBLOGS / name
    if not root.is_dir():
        pytest.skip(f"{root} is absent (the real blogs live in the shared folder beside the repository)")
    base, feed_path, capped = BLOGS[name]
    serve(server, root, base)
    library = Library(data_dir, Config(page_delay=0.0))
    [outcome] = library.subscribe([server.url(feed_path)])
    assert outcome.error is None, outcome.error
    [feed] = library.feeds()
    db = sqlite3.connect(data_dir / "blogtui.db")
    rows = db.execute("SELECT url, title, published, backlog FROM posts").fetchall()
    db.close()
    in_feed = sum(1 for r in rows if not r[3])
    assert feed.archive_method == "sitemap", (feed.archive_method, feed.archive_note)
    # The sitemap was read whole; where the feed holds only the newest, more than the feed came
    # home (as backlog); each post once, none of them a listing or the home page.
    assert feed.archive_complete, feed.archive_note
    if capped:
        assert len(rows) > in_feed and feed.backlog == len(rows) - in_feed, (len(rows), in_feed)
    assert len({canonical_url(r[0]) for r in rows}) == len(rows)
    for url, title, published, _ in rows:
        assert listing_reason(url, server.url("/")) is None, url
        assert title.strip() and published > 0, url
    library.close()
