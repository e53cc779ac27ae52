"""Archive backfill over loopback: atom:link paging in RSS, WordPress edges, re-walks and resumes."""

from __future__ import annotations

from pathlib import Path

from blogtui.config import Config
from blogtui.library import Library
from feedserver import FeedServer, Response


def rss_page(items: list[int], next_href: str | None = None, *, email_author: bool = False) -> bytes:
    """An RSS 2.0 page whose paging link is an ``atom:link`` inside the channel.

    ``email_author`` writes RSS's ``email (Name)`` author, which sends the page to feedparser
    instead of the lxml fast path, so both readers of ``atom:link`` are exercised.
    """
    link = f'<atom:link rel="next" href="{next_href}"/>' if next_href else ""
    author = "<author>jo@example.org (Jo)</author>" if email_author else ""
    body = "".join(
        f"<item><title>Item {n}</title><link>https://rss.example/{n}</link><guid>rss-{n}</guid>"
        f"<pubDate>Mon, 0{n % 9 + 1} Jan 2024 10:00:00 GMT</pubDate>{author}"
        f"<description>&lt;p&gt;Item {n}&lt;/p&gt;</description></item>"
        for n in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">'
        f"<channel><title>Paged RSS</title><link>https://rss.example/</link>{link}{body}</channel></rss>"
    ).encode()


def atom_page(entries: list[int], next_href: str | None = None) -> bytes:
    """An Atom page with a ``rel="next"`` link when ``next_href`` is given."""
    link = f'<link rel="next" href="{next_href}"/>' if next_href else ""
    body = "".join(
        f"<entry><id>urn:a:{n}</id><title>A {n}</title><link href='https://atom.example/{n}'/>"
        f"<updated>2024-02-{n % 28 + 1:02d}T00:00:00Z</updated><content type='html'>x {n}</content></entry>"
        for n in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>Paged Atom</title>"
        f"<link rel='alternate' href='https://atom.example/'/>{link}{body}</feed>"
    ).encode()


def lib(data_dir: Path, **config: object) -> Library:
    return Library(data_dir, Config(**config))  # type: ignore[arg-type]


def test_rss_atom_link_next_is_followed_on_both_parsers(server: FeedServer, data_dir: Path) -> None:
    for email in (False, True):
        prefix = "/slow" if email else "/fast"
        server.add(f"{prefix}/feed", rss_page([6, 5], f"{prefix}/feed/2", email_author=email))
        server.add(f"{prefix}/feed/2", rss_page([4, 3], f"{prefix}/feed/3", email_author=email))
        server.add(f"{prefix}/feed/3", rss_page([2, 1], email_author=email))
    library = lib(data_dir)
    fast, slow = library.subscribe([server.url("/fast/feed"), server.url("/slow/feed")])
    for outcome in (fast, slow):
        assert (outcome.error, outcome.new_posts, outcome.pages, outcome.archive_complete) == (
            None,
            6,
            3,
            True,
        )
    library.close()


def test_wordpress_stops_when_paged_repeats_the_first_page(server: FeedServer, data_dir: Path) -> None:
    # A server that ignores ?paged= answers the first page again: stop there, archive not complete.
    server.add("/feed", rss_page([3, 2, 1]))
    library = lib(data_dir)
    [outcome] = library.subscribe([server.url("/feed")])
    assert (outcome.error, outcome.new_posts, outcome.archive_complete) == (None, 3, False)
    # The feed's pages: the first and ?paged=2; then the blog's sitemaps are looked for (none here).
    feed_requests = [r.path for r in server.requests if r.path.startswith("/feed")]
    assert feed_requests == ["/feed", "/feed?paged=2"]
    assert server.hits("/robots.txt") and server.hits("/sitemap.xml")
    assert library.feeds()[0].archive_complete is False
    library.close()


def test_wordpress_stops_at_a_page_with_nothing_new(server: FeedServer, data_dir: Path) -> None:
    server.routes["/wp/feed/"] = Response(rss_page([6, 5]))
    server.routes["/wp/feed/?paged=2"] = Response(rss_page([4, 3]))
    server.routes["/wp/feed/?paged=3"] = Response(rss_page([4, 3]))  # the last page, repeated
    library = lib(data_dir)
    [outcome] = library.subscribe([server.url("/wp/feed/")])
    assert (outcome.new_posts, outcome.archive_complete) == (4, True)
    assert not server.hits("/wp/feed/?paged=4")
    library.close()


def test_rewalk_of_a_complete_archive_stays_complete(server: FeedServer, data_dir: Path) -> None:
    server.add("/feed", atom_page([6, 5], "/feed/2"))
    server.add("/feed/2", atom_page([4, 3], "/feed/3"))
    server.add("/feed/3", atom_page([2, 1]))
    library = lib(data_dir)
    [outcome] = library.subscribe([server.url("/feed")])
    assert outcome.archive_complete
    server.add("/feed", atom_page([7, 6, 5], "/feed/2"))  # one new post on the first page
    [again] = library.refresh(archive=True)
    assert (again.error, again.new_posts, again.archive_complete) == (None, 1, True)
    assert len(server.hits("/feed/3")) == 1  # stopped at the first page it already held
    assert library.feeds()[0].archive_complete
    library.close()


def test_archive_walk_resumes_where_the_page_limit_stopped(server: FeedServer, data_dir: Path) -> None:
    for n in range(1, 7):
        nxt = f"/p{n + 1}" if n < 6 else None
        server.add(f"/p{n}", atom_page([100 - 2 * n, 99 - 2 * n], nxt))
    [first] = lib(data_dir, max_archive_pages=3).subscribe([server.url("/p1")])
    assert (first.new_posts, first.archive_complete) == (6, False)
    library = lib(data_dir)
    [rest] = library.refresh(archive=True)
    assert (rest.error, rest.new_posts, rest.archive_complete) == (None, 6, True)
    assert library.feeds()[0].posts == 12
    library.close()


def test_plain_refresh_reads_only_the_first_page(server: FeedServer, data_dir: Path) -> None:
    server.add("/feed", atom_page([2], "/feed/2"))
    server.add("/feed/2", atom_page([1]))
    library = lib(data_dir)
    library.subscribe([server.url("/feed")])
    server.add("/feed", atom_page([3, 2], "/feed/2"))
    before = len(server.hits("/feed/2"))
    [outcome] = library.refresh()
    assert outcome.new_posts == 1 and len(server.hits("/feed/2")) == before
    library.close()


def test_broken_archive_page_keeps_earlier_pages(server: FeedServer, data_dir: Path) -> None:
    server.add("/feed", atom_page([4, 3], "/feed/2"))
    server.add("/feed/2", atom_page([2, 1], "/feed/3"))
    server.add("/feed/3", Response(b"boom", 500, content_type="text/plain"))
    library = lib(data_dir)
    [outcome] = library.subscribe([server.url("/feed")])
    assert (outcome.error, outcome.new_posts, outcome.archive_complete) == (None, 4, False)
    assert any("/feed/3" in note and "HTTP 500" in note for note in outcome.notes)
    library.close()
