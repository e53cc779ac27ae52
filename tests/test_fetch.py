"""Fetching over HTTP from a loopback server: archives, conditional GET, redirects, errors, limits."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from blogtui.config import Config
from blogtui.library import Library
from blogtui.models import Progress
from feedserver import FeedServer, Request, Response


def atom(title: str, entries: list[int], links: dict[str, str] | None = None, archive: bool = False) -> bytes:
    """An Atom page with entries numbered ``entries`` and the given ``rel -> href`` links."""
    link_xml = "".join(f'<link rel="{rel}" href="{href}"/>' for rel, href in (links or {}).items())
    marker = '<fh:archive xmlns:fh="http://purl.org/syndication/history/1.0"/>' if archive else ""
    body = "".join(
        f"<entry><id>urn:post:{n}</id><title>Post {n}</title><link href='https://blog.example/{n}'/>"
        f"<updated>2024-01-{n % 28 + 1:02d}T00:00:00Z</updated><category term='t{n % 3}'/>"
        f"<content type='html'>&lt;p&gt;Body {n}&lt;/p&gt;</content></entry>"
        for n in entries
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{title}</title><link rel='alternate' href='https://blog.example/'/>{link_xml}{marker}{body}</feed>"
    ).encode()


def rss(title: str, items: list[int]) -> bytes:
    body = "".join(
        f"<item><title>Item {n}</title><link>https://wp.example/{n}</link><guid>wp-{n}</guid>"
        f"<pubDate>Mon, 0{n % 9 + 1} Jan 2024 10:00:00 GMT</pubDate><category>wp</category>"
        f"<description>&lt;p&gt;Item {n}&lt;/p&gt;</description></item>"
        for n in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title><link>https://wp.example/</link>{body}</channel></rss>'.encode()


def lib(data_dir: Path, **config: object) -> Library:
    return Library(data_dir, Config(**config))  # type: ignore[arg-type]


def test_paged_atom_is_walked_to_the_end(server: FeedServer, data_dir: Path) -> None:
    server.add("/feed", atom("Paged", [9, 8, 7], {"next": "/feed?page=2"}))
    server.routes["/feed?page=2"] = Response(atom("Paged", [6, 5, 4], {"next": server.url("/feed?page=3")}))
    server.routes["/feed?page=3"] = Response(atom("Paged", [3, 2, 1]))
    library = lib(data_dir)
    events: list[Progress] = []
    [outcome] = library.subscribe([server.url("/feed")], on_progress=events.append)
    assert (outcome.error, outcome.new_posts, outcome.pages, outcome.archive_complete) == (None, 9, 3, True)
    assert library.feeds()[0].archive_complete
    # One feed, three pages: progress moves with every page, long before the feed is done.
    walked = [(e.pages, e.done, e.url) for e in events if e.message == "page"]
    assert walked == [
        (1, 0, server.url("/feed")),
        (2, 0, server.url("/feed?page=2")),
        (3, 0, server.url("/feed?page=3")),
    ]
    assert events[-1].pages == 3 and events[-1].done == 1


def test_rfc5005_prev_archive_chain(server: FeedServer, data_dir: Path) -> None:
    server.add("/current", atom("Arch", [5, 4], {"prev-archive": "/2023"}))
    server.add("/2023", atom("Arch", [3, 2], {"prev-archive": "/2022"}, archive=True))
    server.add("/2022", atom("Arch", [1], archive=True))
    [outcome] = lib(data_dir).subscribe([server.url("/current")])
    assert (outcome.new_posts, outcome.archive_complete) == (5, True)


def test_archive_loop_and_page_limit(server: FeedServer, data_dir: Path) -> None:
    server.add("/a", atom("Loop", [2], {"next": "/b"}))
    server.add("/b", atom("Loop", [1], {"next": "/a"}))
    [outcome] = lib(data_dir).subscribe([server.url("/a")])
    assert outcome.new_posts == 2 and len(server.hits("/a")) == 1
    for n in range(1, 8):
        server.add(f"/p{n}", atom("Long", [100 - n], {"next": f"/p{n + 1}"}))
    [outcome] = lib(data_dir, max_archive_pages=3).subscribe([server.url("/p1")])
    assert (outcome.pages, outcome.archive_complete) == (3, False)
    assert any("max_archive_pages" in note for note in outcome.notes)


def test_wordpress_paged_until_404(server: FeedServer, data_dir: Path) -> None:
    server.routes["/wp/feed/"] = Response(rss("WP", [9, 8, 7]))
    server.routes["/wp/feed/?paged=2"] = Response(rss("WP", [6, 5, 4]))
    server.routes["/wp/feed/?paged=3"] = Response(rss("WP", [3, 2, 1]))
    server.routes["/wp/feed/?paged=4"] = Response(b"gone", 404, content_type="text/plain")
    [outcome] = lib(data_dir).subscribe([server.url("/wp/feed/")])
    assert (outcome.new_posts, outcome.archive_complete) == (9, True)
    assert [r.path for r in server.requests][-1] == "/wp/feed/?paged=4"


def test_no_archive_fetches_one_page(server: FeedServer, data_dir: Path) -> None:
    server.add("/feed", atom("Paged", [3], {"next": "/more"}))
    server.add("/more", atom("Paged", [2]))
    [outcome] = lib(data_dir).subscribe([server.url("/feed")], archive=False)
    assert outcome.new_posts == 1 and not server.hits("/more")


def test_conditional_get_etag_and_last_modified(server: FeedServer, data_dir: Path) -> None:
    body = atom("Cond", [1, 2])

    def handler(request: Request) -> Response:
        if request.headers.get("if-none-match") == '"v1"':
            return Response(status=304)
        return Response(body, headers={"ETag": '"v1"', "Last-Modified": "Mon, 01 Jan 2024 00:00:00 GMT"})

    server.add("/feed", handler)
    library = lib(data_dir)
    library.subscribe([server.url("/feed")], archive=False)
    [outcome] = library.refresh()
    assert outcome.not_modified and outcome.error is None
    last = server.hits("/feed")[-1]
    assert last.headers["if-none-match"] == '"v1"'
    assert last.headers["if-modified-since"] == "Mon, 01 Jan 2024 00:00:00 GMT"
    assert "blogtui/" in last.headers["user-agent"]
    assert "gzip" in last.headers["accept-encoding"]


def test_unchanged_body_skips_parsing(
    server: FeedServer, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.add("/feed", atom("Same", [1]))
    library = lib(data_dir)
    library.subscribe([server.url("/feed")], archive=False)

    def boom(*args: object) -> None:
        raise AssertionError("parsed an unchanged body")

    monkeypatch.setattr("blogtui.fetching.refresh.parse_feed", boom)
    [outcome] = library.refresh()
    assert outcome.not_modified


def test_permanent_redirect_updates_url_temporary_does_not(server: FeedServer, data_dir: Path) -> None:
    server.add("/old", Response(status=301, headers={"Location": "/new"}))
    server.add("/new", atom("Moved", [1]))
    server.add("/tmp", Response(status=302, headers={"Location": "/new2"}))
    server.add("/new2", atom("Temp", [2]))
    library = lib(data_dir)
    library.subscribe([server.url("/old"), server.url("/tmp")], archive=False)
    urls = {f.url for f in library.feeds()}
    assert urls == {server.url("/new"), server.url("/tmp")}


def test_redirect_loop_and_too_many(server: FeedServer, data_dir: Path) -> None:
    server.add("/x", Response(status=302, headers={"Location": "/y"}))
    server.add("/y", Response(status=302, headers={"Location": "/x"}))
    for n in range(12):
        server.add(f"/r{n}", Response(status=302, headers={"Location": f"/r{n + 1}"}))
    outcomes = lib(data_dir).subscribe([server.url("/x"), server.url("/r0")])
    assert outcomes[0].error == "redirect loop"
    assert outcomes[1].error == "more than 10 redirects"


@pytest.mark.parametrize("status", [404, 500])
def test_http_errors_are_one_line_and_keep_posts(server: FeedServer, data_dir: Path, status: int) -> None:
    state = {"status": 200}
    server.add(
        "/feed",
        lambda request: (
            Response(atom("Err", [1, 2])) if state["status"] == 200 else Response(b"no", state["status"])
        ),
    )
    library = lib(data_dir)
    library.subscribe([server.url("/feed")], archive=False)
    state["status"] = status
    [outcome] = library.refresh()
    assert outcome.error is not None and outcome.error.startswith(f"HTTP {status}")
    feed = library.feeds()[0]
    assert feed.posts == 2 and feed.error == outcome.error


def test_410_marks_gone_and_refresh_skips_it(server: FeedServer, data_dir: Path) -> None:
    state = {"gone": False}
    server.add(
        "/feed", lambda request: Response(status=410) if state["gone"] else Response(atom("Gone", [1]))
    )
    library = lib(data_dir)
    library.subscribe([server.url("/feed")], archive=False)
    state["gone"] = True
    [outcome] = library.refresh()
    assert "410" in (outcome.error or "")
    hits = len(server.hits("/feed"))
    assert library.refresh() == []
    assert len(server.hits("/feed")) == hits
    assert library.feeds()[0].posts == 1


def test_429_retry_after_is_honoured_once(server: FeedServer, data_dir: Path) -> None:
    calls = []

    def handler(request: Request) -> Response:
        calls.append(time.monotonic())
        if len(calls) == 1:
            return Response(b"slow down", 429, headers={"Retry-After": "1"})
        return Response(atom("Busy", [1]))

    server.add("/feed", handler)
    [outcome] = lib(data_dir).subscribe([server.url("/feed")], archive=False)
    assert outcome.error is None and outcome.new_posts == 1
    assert calls[1] - calls[0] >= 0.9


def test_drip_server_hits_the_total_deadline(server: FeedServer, data_dir: Path) -> None:
    body = atom("Drip", [1])
    server.add("/ok", body)
    server.stream("/drip", (bytes([b]) for b in body), delay=1.0, length=len(body))
    start = time.monotonic()
    outcomes = lib(data_dir).subscribe([server.url("/drip"), server.url("/ok")], archive=False, timeout=2)
    elapsed = time.monotonic() - start
    assert outcomes[0].error == "timed out after 2 s"
    assert outcomes[1].error is None
    assert elapsed < 6


def test_endless_body_hits_the_size_cap(server: FeedServer, data_dir: Path) -> None:
    endless = (
        b"<rss><channel>" if n == 0 else b"<item><title>x</title></item>" * 100 for n in range(100_000)
    )
    server.stream("/endless", endless)
    [outcome] = lib(data_dir, max_feed_bytes=2 * 1024 * 1024).subscribe([server.url("/endless")], timeout=10)
    assert outcome.error == "larger than 2 MB"


def test_entity_bomb_garbage_and_truncated(server: FeedServer, data_dir: Path) -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            b'<!ENTITY lol%d "&lol%s;&lol%s;&lol%s;&lol%s;&lol%s;&lol%s;&lol%s;&lol%s;&lol%s;&lol%s;">'
            % ((i,) + (b"" if i == 1 else str(i - 1).encode(),) * 10)
            for i in range(1, 10)
        )
        + b']><rss version="2.0"><channel><title>&lol9;</title><item><title>x</title></item></channel></rss>'
    )
    server.add("/bomb", bomb)
    server.add("/garbage", bytes(range(256)) * 40, content_type="application/octet-stream")
    server.add("/truncated", atom("Cut", [1, 2, 3])[:-120])
    start = time.monotonic()
    library = lib(data_dir)
    outcomes = library.subscribe(
        [server.url("/bomb"), server.url("/garbage"), server.url("/truncated")], archive=False
    )
    assert time.monotonic() - start < 20
    for outcome in outcomes:
        assert outcome.error is None or "\n" not in outcome.error
    assert outcomes[1].error is not None and outcomes[1].error.startswith("not a feed")
    truncated = outcomes[2]
    assert truncated.error is None and truncated.new_posts >= 2
    titles = [p["title"] for p in library.posts_json()]
    assert all(len(t) < 10_000 for t in titles)


def test_autodiscovery_from_html(server: FeedServer, data_dir: Path) -> None:
    page = (
        b'<html><head><link rel="alternate" type="application/atom+xml" href="feeds/main.xml"></head></html>'
    )
    server.add("/blog/", page, content_type="text/html")
    server.add("/blog/feeds/main.xml", atom("Found", [1, 2]))
    server.add("/plain/", b"<html><body>no feed links</body></html>", content_type="text/html")
    server.add("/plain/index.xml", atom("Guessed", [3]))
    server.add("/none/", b"<html><body>nothing</body></html>", content_type="text/html")
    library = lib(data_dir)
    found, guessed, none = library.subscribe(
        [server.url("/blog/"), server.url("/plain/"), server.url("/none/")]
    )
    assert found.url == server.url("/blog/feeds/main.xml") and found.new_posts == 2
    assert any("declared by the page" in note for note in found.notes)
    assert guessed.url == server.url("/plain/index.xml")
    assert none.error is not None and "names no feed" in none.error
    assert {f.title for f in library.feeds()} == {"Found", "Guessed"}


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "blogtui", "--data-dir", str(data_dir), *args],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_kill_mid_refresh_keeps_every_earlier_post(server: FeedServer, data_dir: Path) -> None:
    for n in range(6):
        server.add(f"/f{n}", atom(f"Feed {n}", [n * 10 + i for i in range(5)]))
    urls = [server.url(f"/f{n}") for n in range(6)]
    assert _cli(data_dir, "add", "--no-archive", *urls).returncode == 0
    slow_body = atom("Feed slow", list(range(100, 400)))

    def slow(request: Request) -> Response:
        time.sleep(0.3)
        return Response(slow_body)

    for n in range(6):
        server.add(f"/f{n}", slow)
    proc = subprocess.Popen(
        [sys.executable, "-m", "blogtui", "--data-dir", str(data_dir), "refresh", "--jobs", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 20
    while len(server.requests) < 12 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.4)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    db = sqlite3.connect(data_dir / "blogtui.db")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    guids = {r[0] for r in db.execute("SELECT guid FROM posts")}
    assert {f"urn:post:{n * 10 + i}" for n in range(6) for i in range(5)} <= guids
    db.close()


def test_reader_and_refresh_in_two_processes(server: FeedServer, data_dir: Path) -> None:
    server.add("/feed", atom("Two", [1, 2]))
    assert _cli(data_dir, "add", "--no-archive", server.url("/feed")).returncode == 0
    server.add("/feed", atom("Two", list(range(1, 200))))
    library = Library(data_dir)
    seen: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def read_loop() -> None:
        try:
            while not stop.is_set():
                seen.append(len(library.post_ids()))
                library.mark_read(library.post_ids()[:1])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    reader = threading.Thread(target=read_loop)
    reader.start()
    done = _cli(data_dir, "refresh")
    stop.set()
    reader.join(timeout=30)
    assert done.returncode == 0, done.stderr
    assert "locked" not in done.stderr
    assert not errors
    assert len(library.post_ids()) == 199
    library.close()


def test_feeds_json_shows_error_and_archive_state(server: FeedServer, data_dir: Path) -> None:
    server.add("/ok", atom("Fine", [1]))
    assert _cli(data_dir, "add", server.url("/ok"), server.url("/missing")).returncode == 1
    feeds = json.loads(_cli(data_dir, "feeds", "--json").stdout)
    assert [f["title"] for f in feeds] == ["Fine"]
    assert feeds[0]["archive_complete"] is False
