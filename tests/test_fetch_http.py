"""HTTP behaviour of the fetcher over loopback: validators, moves, busy servers, limits, encodings,
per-host connections, discovery choices, connection causes and progress events."""

from __future__ import annotations

import gzip
import socket
import threading
import time
from pathlib import Path

import pytest

from blogtui.config import Config
from blogtui.fetching import http as fetch
from blogtui.library import Library
from blogtui.models import Progress
from feedserver import FeedServer, Request, Response


def atom(entries: list[int], title: str = "Feed") -> bytes:
    body = "".join(
        f"<entry><id>urn:h:{n}</id><title>P {n}</title><link href='https://h.example/{n}'/>"
        f"<updated>2024-03-{n % 28 + 1:02d}T00:00:00Z</updated><content type='html'>b {n}</content></entry>"
        for n in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{title}</title><link rel='alternate' href='https://h.example/'/>{body}</feed>"
    ).encode()


def lib(data_dir: Path, **config: object) -> Library:
    return Library(data_dir, Config(**config))  # type: ignore[arg-type]


def test_last_modified_alone_gives_a_304_and_no_parse(
    server: FeedServer, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stamp = "Tue, 02 Jan 2024 00:00:00 GMT"

    def handler(request: Request) -> Response:
        if request.headers.get("if-modified-since") == stamp:
            return Response(status=304)
        return Response(atom([1, 2]), headers={"Last-Modified": stamp})

    server.add("/feed", handler)
    library = lib(data_dir)
    library.subscribe([server.url("/feed")], archive=False)

    def boom(*args: object) -> None:
        raise AssertionError("parsed a 304")

    monkeypatch.setattr("blogtui.fetching.refresh.parse_feed", boom)
    [outcome] = library.refresh()
    assert outcome.not_modified and outcome.error is None
    last = server.hits("/feed")[-1]
    assert last.headers["if-modified-since"] == stamp and "if-none-match" not in last.headers
    library.close()


def test_304_with_a_new_etag_keeps_the_new_one(server: FeedServer, data_dir: Path) -> None:
    seen: list[str | None] = []

    def handler(request: Request) -> Response:
        seen.append(request.headers.get("if-none-match"))
        if request.headers.get("if-none-match"):
            return Response(status=304, headers={"ETag": '"v2"'})
        return Response(atom([1]), headers={"ETag": '"v1"'})

    server.add("/feed", handler)
    library = lib(data_dir)
    library.subscribe([server.url("/feed")], archive=False)
    library.refresh()
    library.refresh()
    assert seen == [None, '"v1"', '"v2"']
    library.close()


def test_301_and_308_move_the_subscription_even_when_unchanged(
    server: FeedServer, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = atom([1, 2])

    def feed(request: Request) -> Response:
        if request.headers.get("if-none-match") == '"x"':
            return Response(status=304)
        return Response(body, headers={"ETag": '"x"'})

    server.add("/a", feed)
    server.add("/b", feed)
    library = lib(data_dir)
    library.subscribe([server.url("/a"), server.url("/b")], archive=False)
    server.add("/a", Response(status=301, headers={"Location": "/a-new"}))
    server.add("/b", Response(status=308, headers={"Location": "/b-new"}))
    server.add("/a-new", feed)
    server.add("/b-new", lambda request: Response(body, headers={"ETag": '"x"'}))  # unchanged bytes

    def boom(*args: object) -> None:
        raise AssertionError("parsed a body that had not changed")

    monkeypatch.setattr("blogtui.fetching.refresh.parse_feed", boom)
    outcomes = library.refresh()
    assert {o.url for o in outcomes} == {server.url("/a-new"), server.url("/b-new")}
    assert all(o.not_modified and any("moved permanently" in n for n in o.notes) for o in outcomes)
    assert {f.url for f in library.feeds()} == {server.url("/a-new"), server.url("/b-new")}
    assert sum(f.posts for f in library.feeds()) == 4
    library.close()


def test_503_retry_after_is_honoured_and_a_long_wait_is_an_error(server: FeedServer, data_dir: Path) -> None:
    calls: list[float] = []

    def busy_once(request: Request) -> Response:
        calls.append(time.monotonic())
        if len(calls) == 1:
            return Response(b"busy", 503, headers={"Retry-After": "1"}, content_type="text/plain")
        return Response(atom([1]))

    server.add("/once", busy_once)
    server.add("/long", Response(b"busy", 503, headers={"Retry-After": "3600"}, content_type="text/plain"))
    server.add("/bare", Response(b"slow down", 429, content_type="text/plain"))
    start = time.monotonic()
    once, long, bare = lib(data_dir).subscribe(
        [server.url("/once"), server.url("/long"), server.url("/bare")], archive=False
    )
    assert once.error is None and calls[1] - calls[0] >= 0.9
    assert long.error == "HTTP 503 Service Unavailable (the server asks to retry after 3600)"
    assert bare.error == "HTTP 429 Too Many Requests"
    assert time.monotonic() - start < 8
    assert len(server.hits("/long")) == 1


def test_declared_length_over_the_cap_is_refused_unread(server: FeedServer, data_dir: Path) -> None:
    server.stream("/huge", iter([b"<rss>"]), length=50 * 1024 * 1024)
    [outcome] = lib(data_dir, max_feed_bytes=1024 * 1024).subscribe([server.url("/huge")], timeout=5)
    assert outcome.error == "larger than 1 MB"


def test_gzip_bomb_hits_the_cap_on_decoded_bytes(server: FeedServer, data_dir: Path) -> None:
    bomb = gzip.compress(b"<rss><channel>" + b" " * (30 * 1024 * 1024))
    server.add("/bomb", Response(bomb, headers={"Content-Encoding": "gzip"}))
    [outcome] = lib(data_dir, max_feed_bytes=1024 * 1024).subscribe([server.url("/bomb")], timeout=10)
    assert outcome.error == "larger than 1 MB"


def test_gzip_deflate_and_brotli_bodies(server: FeedServer, data_dir: Path) -> None:
    import zlib

    server.add("/gz", Response(gzip.compress(atom([1])), headers={"Content-Encoding": "gzip"}))
    server.add("/df", Response(zlib.compress(atom([2])), headers={"Content-Encoding": "deflate"}))
    urls = [server.url("/gz"), server.url("/df")]
    try:
        import brotli
    except ImportError:  # pragma: no cover - brotli is a test dependency here
        brotli = None
    if brotli is not None:
        server.add("/br", Response(brotli.compress(atom([3])), headers={"Content-Encoding": "br"}))
        urls.append(server.url("/br"))
    outcomes = lib(data_dir).subscribe(urls, archive=False)
    assert [(o.error, o.new_posts) for o in outcomes] == [(None, 1)] * len(urls)
    assert (
        "br" in server.hits("/gz")[0].headers["accept-encoding"].replace(" ", "").split(",") or brotli is None
    )


class Concurrency:
    """Serves ``/<prefix>N`` slowly and counts the most requests the server held at once."""

    def __init__(self, server: FeedServer, prefix: str, feeds: int, delay: float) -> None:
        self.most = 0
        self._now = 0
        self._lock = threading.Lock()
        self._delay = delay
        self.urls: list[str] = []
        for n in range(1, feeds + 1):
            server.add(f"/{prefix}{n}", self._serve)
            self.urls.append(server.url(f"/{prefix}{n}"))

    def _serve(self, request: Request) -> Response:
        with self._lock:
            self._now += 1
            self.most = max(self.most, self._now)
        time.sleep(self._delay)
        with self._lock:
            self._now -= 1
        return Response(atom([int(request.path.strip("/abcdefghijklmnopqrstuvwxyz"))]))


def test_at_most_two_connections_per_host(server: FeedServer, data_dir: Path) -> None:
    feeds = Concurrency(server, "f", 6, delay=0.15)
    outcomes = lib(data_dir).subscribe(feeds.urls, archive=False, jobs=8)
    assert all(o.error is None for o in outcomes)
    assert feeds.most == 2


def test_one_job_fetches_one_feed_at_a_time(server: FeedServer, data_dir: Path) -> None:
    feeds = Concurrency(server, "g", 3, delay=0.05)
    lib(data_dir).subscribe(feeds.urls, archive=False, jobs=1)
    assert feeds.most == 1


def test_discovery_prefers_feed_types_and_resolves_base(server: FeedServer, data_dir: Path) -> None:
    page = (
        b"<html><head><base href='/site/'>"
        b'<link rel="alternate" type="application/json" href="/wp-json/wp/v2/pages/2">'
        b'<link rel="alternate" type="application/json" href="api.json">'
        b'<link rel="alternate" type="application/rss+xml" href="/site/comments/feed/">'
        b'<link rel="alternate" type="application/feed+json" href="feed.json">'
        b"</head></html>"
    )
    server.add("/blog/", page, content_type="text/html")
    json_feed = (
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "JSON blog",'
        b' "items": [{"id": "j1", "content_html": "<p>hi</p>", "url": "https://j.example/1"}]}'
    )
    server.add("/site/feed.json", json_feed, content_type="application/feed+json")
    library = lib(data_dir)
    [outcome] = library.subscribe([server.url("/blog/")])
    assert (outcome.error, outcome.url, outcome.new_posts) == (None, server.url("/site/feed.json"), 1)
    assert any("declared by the page" in note for note in outcome.notes)
    assert not server.hits("/wp-json/wp/v2/pages/2") and not server.hits("/site/api.json")
    library.close()


def test_discovery_falls_back_to_usual_paths_when_declared_feeds_fail(
    server: FeedServer, data_dir: Path
) -> None:
    page = b'<html><head><link rel="alternate" type="application/atom+xml" href="/gone.xml"></head></html>'
    server.add("/", page, content_type="text/html")
    server.add("/feed/", atom([1, 2], "Guessed"))
    [outcome] = lib(data_dir).subscribe([server.url("/")])
    assert (outcome.error, outcome.url) == (None, server.url("/feed/"))
    assert any("usual feed path" in note for note in outcome.notes)


def test_a_feed_that_turns_into_a_web_page_is_an_error_on_refresh(server: FeedServer, data_dir: Path) -> None:
    server.add("/feed", atom([1, 2]))
    library = lib(data_dir)
    library.subscribe([server.url("/feed")], archive=False)
    server.add("/feed", b"<!doctype html><html><body>moved</body></html>", content_type="text/html")
    [outcome] = library.refresh()
    assert outcome.error == "not a feed: the server sent a web page"
    feed = library.feeds()[0]
    assert (feed.url, feed.posts, feed.error) == (server.url("/feed"), 2, outcome.error)
    library.close()


def test_tls_and_refused_connections_are_named(server: FeedServer, data_dir: Path) -> None:
    server.add("/feed", atom([1]))
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    tls, refused = lib(data_dir).subscribe(
        [f"https://127.0.0.1:{server.port}/feed", f"http://127.0.0.1:{port}/feed"], archive=False, timeout=5
    )
    assert tls.error is not None and "\n" not in tls.error
    assert tls.error.startswith("not TLS: wrong version number")
    assert refused.error == "connection refused"


@pytest.mark.parametrize(
    ("text", "cause"),
    [
        ("[Errno -2] Name or service not known", "DNS lookup failed"),
        ("[Errno -3] Temporary failure in name resolution", "DNS lookup failed"),
        (
            "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed (_ssl.c:1006)",
            "TLS error",
        ),
        ("[Errno 111] Connection refused", "connection refused"),
    ],
)
def test_connect_causes(text: str, cause: str) -> None:
    message = fetch._connect_cause(Exception(text))
    assert message.startswith(cause) and "_ssl.c" not in message


def test_progress_events_start_and_end_every_feed(server: FeedServer, data_dir: Path) -> None:
    server.add("/one", atom([1, 2]))
    server.add("/two", atom([3]))
    events: list[Progress] = []
    lib(data_dir).subscribe(
        [server.url("/one"), server.url("/two"), server.url("/404")], on_progress=events.append
    )
    assert events[0] == Progress(0, 3)
    starts = [e for e in events if e.message == "fetching"]
    ends = [e for e in events[1:] if e.message not in ("fetching", "page")]
    assert len(starts) == 3 and [e.done for e in ends] == [1, 2, 3]
    assert ends[-1].new_posts == 3 and ends[-1].total == 3
    assert any(e.url == server.url("/404") and e.message.startswith("HTTP 404") for e in ends)


def test_a_feed_served_as_text_html_is_read_as_a_feed(server: FeedServer, data_dir: Path) -> None:
    server.add("/feed", atom([1, 2]), content_type="text/html; charset=utf-8")
    library = lib(data_dir)
    [added] = library.subscribe([server.url("/feed")], archive=False)
    server.add("/feed", atom([1, 2, 3]), content_type="text/html; charset=utf-8")
    [refreshed] = library.refresh()
    assert (added.error, added.url, added.new_posts) == (None, server.url("/feed"), 2)
    assert (refreshed.error, refreshed.new_posts) == (None, 1)
    library.close()
