"""Archive benchmark: a blog known only by its sitemap, brought home over loopback.

    python benchmarks/archive_bench.py [--posts 2000] [--latency-ms 50] [--page-delay 0.05]
        [--feed-limit 10]

A server process (127.0.0.1, HTTP/1.1 keep-alive, a thread per connection) serves a blog of
``--posts`` posts: a feed of the newest ``--feed-limit``, ``/sitemap.xml`` listing every post,
and post pages with OpenGraph metadata and an article container, each response held
``--latency-ms``. ``blogtui add`` is then run in this process against it (a fresh data dir), and:

- wall time, against what the politeness limit allows: 2 connections per host, each holding its
  slot ``page_delay`` after a page, so ``ceil(pages / 2) * (latency + delay)`` for the pages, plus
  one latency for each of the feed, robots.txt and the sitemap (target: at most 1.3x);
- CPU per page for extraction and storing, measured offline on the same pages (read_post and
  upsert in batches, as the walk does; target: at most 5 ms), and this process's CPU per page
  during the walk (HTTP client, event loop, extraction, SQLite);
- peak RSS of this process (target: at most 200 MB).
"""

from __future__ import annotations

import argparse
import html
import math
import multiprocessing
import resource
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

TOPICS = ["python", "sqlite", "terminals", "feeds", "testing"]


def _post(n: int, total: int, base: str) -> tuple[str, bytes, datetime, str]:
    published = datetime(2024, 5, 1, tzinfo=timezone.utc) - timedelta(days=total - n)
    title = f"Post number {n}: on {TOPICS[n % 5]}"
    path = f"/posts/post-number-{n}/"
    words = " ".join(f"word{n}x{i}" for i in range(120))
    body = (
        f"<p>This is post number {n}. {words}.</p><p>A second paragraph with a "
        f"<a href='{base}/posts/post-number-{max(1, n - 1)}/'>link</a> and <em>emphasis</em>.</p>"
        f"<pre><code class='language-python'>print({n})</code></pre><ul><li>one</li><li>two</li></ul>"
    )
    page = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        "<meta property='og:type' content='article'>"
        f"<meta property='og:title' content='{html.escape(title)}'>"
        f"<meta property='article:published_time' content='{published.isoformat()}'>"
        f"<meta property='article:tag' content='{TOPICS[n % 5]}'>"
        f"<meta property='article:tag' content='s{n % 3}'>"
        f"<link rel='canonical' href='{base}{path}'></head><body><header><nav><a href='/'>Home</a></nav>"
        f"</header><main><article><h1>{html.escape(title)}</h1><div class='post-content'>{body}</div>"
        "</article></main><footer>(c) 2024</footer></body></html>"
    )
    return path, page.encode(), published, title


def site(total: int, feed_limit: int, base: str) -> dict[str, tuple[bytes, str]]:
    """Every route of the blog: path -> (body, content type)."""
    routes: dict[str, tuple[bytes, str]] = {}
    items = []
    urls = []
    for n in range(total, 0, -1):
        path, page, published, title = _post(n, total, base)
        routes[path] = (page, "text/html; charset=utf-8")
        urls.append(f"<url><loc>{base}{path}</loc><lastmod>2024-06-01</lastmod></url>")
        if len(items) < feed_limit:
            items.append(
                f"<item><title>{html.escape(title)}</title><link>{base}{path}</link><guid>{base}{path}</guid>"
                f"<pubDate>{published:%a, %d %b %Y %H:%M:%S +0000}</pubDate>"
                f"<description>summary {n}</description></item>"
            )
    routes["/feed.xml"] = (
        (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Sitemap blog</title>'
            f"<link>{base}/</link>{''.join(items)}</channel></rss>"
        ).encode(),
        "application/rss+xml",
    )
    routes["/sitemap.xml"] = (
        (
            '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + "".join(urls)
            + "</urlset>"
        ).encode(),
        "application/xml",
    )
    return routes


def _serve(total: int, feed_limit: int, latency: float, port_out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    routes: dict[str, tuple[bytes, str]] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            time.sleep(latency)
            body, kind = routes.get(self.path.split("?", 1)[0], (b"not found", "text/plain"))
            self.send_response(200 if kind != "text/plain" else 404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    base = f"http://127.0.0.1:{server.server_address[1]}"
    routes.update(site(total, feed_limit, base))
    port_out.put(server.server_address[1])
    server.timeout = 1
    deadline = time.monotonic() + 3600
    while time.monotonic() < deadline:
        server.handle_request()


def offline_cpu(total: int, base: str) -> float:
    """CPU seconds per page to read a post from its page and store it (batches of 20)."""
    from blogtui.fetching.archive.pages import read_post
    from blogtui.storage.store import Store

    pages = [_post(n, total, base) for n in range(total, 0, -1)]
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "blogtui.db")
        feed_id = store.add_feed(base + "/feed.xml")
        started = time.process_time()
        batch = []
        for path, page, _, _ in pages:
            batch.append(read_post(page, base + path, "text/html; charset=utf-8"))
            if len(batch) == 20:
                with store.transaction():
                    store.upsert_posts(feed_id, batch, backlog=True)
                batch = []
        if batch:
            with store.transaction():
                store.upsert_posts(feed_id, batch, backlog=True)
        spent = time.process_time() - started
        store.close()
    return spent / total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--page-delay", type=float, default=0.05)
    parser.add_argument("--feed-limit", type=int, default=10)
    args = parser.parse_args()
    latency = args.latency_ms / 1000

    from blogtui.config import Config
    from blogtui.library import Library

    ports: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    server = multiprocessing.Process(
        target=_serve, args=(args.posts, args.feed_limit, latency, ports), daemon=True
    )
    server.start()
    try:
        port = ports.get(timeout=60)
        base = f"http://127.0.0.1:{port}"
        per_page = offline_cpu(args.posts, base)
        with tempfile.TemporaryDirectory() as tmp:
            library = Library(Path(tmp) / "data", Config(page_delay=args.page_delay, jobs=1))
            cpu0, wall0 = time.process_time(), time.monotonic()
            [outcome] = library.subscribe([base + "/feed.xml"])
            wall = time.monotonic() - wall0
            cpu = time.process_time() - cpu0
            [feed] = library.feeds()
            library.close()
    finally:
        server.terminate()
    fetched = args.posts - args.feed_limit
    limit = math.ceil(fetched / 2) * (latency + args.page_delay) + 3 * latency
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"posts home: {feed.posts} of {args.posts} ({outcome.error or 'no error'});"
        f" method {feed.archive_method}, complete {feed.archive_complete}, note {feed.archive_note!r}"
    )
    print(
        f"wall: {wall:.1f} s; politeness limit ({fetched} pages, 2 connections,"
        f" {args.latency_ms:g} ms latency, {args.page_delay:g} s delay): {limit:.1f} s;"
        f" ratio {wall / limit:.2f} (target <= 1.3)"
    )
    print(f"CPU per page, extraction + store (offline): {per_page * 1000:.2f} ms (target <= 5)")
    print(f"CPU per page, whole walk in this process: {cpu / max(1, fetched) * 1000:.2f} ms")
    print(f"peak RSS: {peak_mb:.0f} MB (target <= 200)")
    ok = feed.posts == args.posts and wall / limit <= 1.3 and per_page <= 0.005 and peak_mb <= 200
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
