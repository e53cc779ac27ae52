"""One run asks a host once for what is the same for all its feeds: robots.txt, and the usual
sitemap paths that are not there (a subscription of many feeds of one host asked each of them
once per feed: 7 requests a feed on the bench corpus, half of a cold add's requests)."""

from __future__ import annotations

from pathlib import Path

from blogtui.config import Config
from blogtui.library import Library
from feedserver import FeedServer


def _atom(server: FeedServer, name: str) -> bytes:
    home = server.url(f"/{name}/")
    entries = "".join(
        f"<entry><id>urn:{name}:{n}</id><title>{name} {n}</title><link href='{home}{n}'/>"
        f"<updated>2024-01-0{n}T00:00:00Z</updated>"
        f"<content type='html'>&lt;p&gt;Body {n}&lt;/p&gt;</content></entry>"
        for n in (1, 2, 3)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Blog {name}</title><link rel='alternate' href='{home}'/>{entries}</feed>"
    ).encode()


def test_a_hosts_absent_sitemaps_and_robots_are_asked_for_once_a_run(
    server: FeedServer, data_dir: Path
) -> None:
    names = ["a", "b", "c"]
    urls = [server.add(f"/{name}/feed.xml", _atom(server, name)) for name in names]
    library = Library(data_dir, Config())
    try:
        outcomes = library.subscribe(urls)
    finally:
        library.close()
    assert [o.error for o in outcomes] == [None, None, None]
    assert sum(o.new_posts for o in outcomes) == 9
    assert len(server.hits("/robots.txt")) == 1
    assert len(server.hits("/sitemap.xml")) == 1  # the host's: asked once, for the first feed
    for name in names:  # each blog's own paths: asked for each
        assert len(server.hits(f"/{name}/sitemap.xml")) == 1


def test_the_next_run_asks_again(server: FeedServer, data_dir: Path) -> None:
    """What is not there is kept for one run only: a sitemap added since is found."""
    url = server.add("/a/feed.xml", _atom(server, "a"))
    library = Library(data_dir, Config())
    try:
        library.subscribe([url])
        library.refresh(archive=True)
    finally:
        library.close()
    assert len(server.hits("/sitemap.xml")) == 2
