"""Fetch benchmark: cold ``blogtui add`` of N x M posts and an all-304 ``refresh``, over loopback.

    python benchmarks/fetch_bench.py --feeds 100 --posts 100 [--runs 3] [--jobs 8] [--paged K]
        [--latency-ms 0] [--stages] [--blogtui PATH]

Generates the corpus once (benchmarks/gen_corpus.py, seeded) in the temp dir, serves it from
127.0.0.1 (benchmarks/serve.py), then for each run: a fresh data dir, ``add`` of every feed (wall
time, peak RSS of the largest process from /usr/bin/time, posts/s), and two ``refresh`` runs that
should see 304 for every feed. ``--stages`` adds an in-process breakdown of where a cold add's
CPU goes, stage by stage (network, archive probes, XML, posts, text, store with its search
index and commits), in CPU seconds and per 10,000 posts, with the corpus served by a process of
its own (only the client's CPU is counted); ``--runs 0 --stages`` runs only that.
Targets (issue 3, this 2-core machine): add 100x100 < 4 s, 200x250 < 20 s, peak < 300 MB;
all-304 refresh of 100 feeds < 0.5 s, of 200 feeds < 1 s.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from gen_corpus import generate  # noqa: E402
from serve import serve  # noqa: E402


def run_timed(cmd: list[str], env_dir: Path) -> tuple[float, int, int, str]:
    """Wall seconds, peak RSS in KB (largest process), exit code and stderr's last line."""
    time_bin = shutil.which("time") or "/usr/bin/time"
    prefix = [time_bin, "-f", "@@ %M"] if Path(time_bin).exists() else []
    start = time.perf_counter()
    done = subprocess.run(prefix + cmd, capture_output=True, text=True, cwd=env_dir)
    wall = time.perf_counter() - start
    lines = done.stderr.strip().splitlines()
    rss = 0
    if prefix and lines and lines[-1].startswith("@@ "):
        rss = int(lines.pop().split()[1])
    return wall, rss, done.returncode, lines[-1] if lines else ""


def stats(base: str, reset: bool = False) -> dict[str, int]:
    """The loopback server's counters."""
    with urllib.request.urlopen(f"{base}/__stats{'?reset=1' if reset else ''}") as response:
        return json.loads(response.read())


def stages(urls: list[str], jobs: int) -> None:
    """Where a cold add's CPU goes, each stage alone, in this process (CPU seconds, best of 3).

    network: httpx getting every feed; xml: lxml reading the documents; posts: the documents
    read into posts less the text (the fast path's dicts, dates, links, guids, tags); text: the
    plain text of every post for the search index (content/text.py); store: the posts written
    (rows, the search index, tags) one transaction per feed, then split into its parts by timing
    the search index and the commits apart. Figures per 10,000 posts follow each line.
    """
    import asyncio

    from lxml import etree

    from blogtui.content import text as content_text
    from blogtui.fetching import http as fetch
    from blogtui.fetching.archive.base import Site
    from blogtui.fetching.archive.sitemaps import probe_urls
    from blogtui.parsing import feed as feed_module
    from blogtui.parsing import xml_fast
    from blogtui.parsing.feed import parse_feed
    from blogtui.storage.store import Store

    async def download() -> list[bytes]:
        gate = asyncio.Semaphore(jobs)
        async with fetch.make_client(jobs, 60) as client:

            async def one(url: str) -> bytes:
                async with gate:
                    return (await fetch.fetch(client, url, timeout=60)).body

            return list(await asyncio.gather(*(one(u) for u in urls)))

    def best(make: Callable[[], object], runs: int = 3) -> tuple[float, object]:
        seconds, out = float("inf"), None
        for _ in range(runs):
            start = time.process_time()
            out = make()
            seconds = min(seconds, time.process_time() - start)
        return seconds, out

    async def probe(sites: list[Site]) -> int:
        """The archive walk's requests for a feed without paging: robots.txt (once a run) and
        the sitemap names the walk asks for when it names none (sitemaps.probe_urls: under each
        blog's home, and at the host's root once a run; answered 404 here)."""
        from blogtui.errors import FetchError

        origin = urls[0].split("/", 3)[:3]
        asked = ["/".join(origin) + "/robots.txt"]
        asked += list(dict.fromkeys(u for site in sites for u in probe_urls(site)))
        gate = asyncio.Semaphore(2)  # refresh.PER_HOST
        async with fetch.make_client(jobs, 60) as client:

            async def one(url: str) -> None:
                async with gate:
                    try:
                        await fetch.fetch(client, url, timeout=60)
                    except FetchError:
                        pass

            await asyncio.gather(*(one(u) for u in asked))
        return len(asked)

    net, bodies_ = best(lambda: asyncio.run(download()), 1)
    bodies = list(bodies_)  # type: ignore[call-overload]
    xml, _ = best(lambda: [etree.fromstring(b, xml_fast._PARSER) for b in bodies])
    parse, parsed_ = best(lambda: [parse_feed(b, u) for b, u in zip(bodies, urls)])
    parsed = list(parsed_)  # type: ignore[call-overload]
    sites = [Site(u, f.site_url, f, b) for f, u, b in zip(parsed, urls, bodies)]
    probes, asked = best(lambda: asyncio.run(probe(sites)), 1)
    html = [p.content_html for f in parsed for p in f.posts]
    posts = len(html)
    text, _ = best(lambda: [content_text.html_to_text(h) for h in html])
    # parse_feed less its text: the same run with html_to_text answering "" (no other change).
    real = feed_module.html_to_text
    feed_module.html_to_text = lambda fragment: ""  # type: ignore[assignment]
    try:
        no_text, _ = best(lambda: [parse_feed(b, u) for b, u in zip(bodies, urls)])
    finally:
        feed_module.html_to_text = real
    inside = {"fts": 0.0, "commit": 0.0}

    def timed(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.process_time()
            try:
                return method(*args, **kwargs)
            finally:
                inside[name] += time.process_time() - start

        return wrapper

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "blogtui.db")
        store._fts_insert = timed("fts", store._fts_insert)  # type: ignore[method-assign]
        start = time.process_time()
        for url, feed in zip(urls, parsed):
            with store.transaction():
                store.upsert_posts(store.add_feed(url), feed.posts)
        sqlite_cpu = time.process_time() - start
        store.close()
    # The commits alone: the same writes into a fresh cache, timing each feed's COMMIT statement.
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "blogtui.db")
        for url, feed in zip(urls, parsed):
            store.db.execute("BEGIN IMMEDIATE")
            store.upsert_posts(store.add_feed(url), feed.posts)
            start = time.process_time()
            store.db.execute("COMMIT")
            inside["commit"] += time.process_time() - start
        store.close()
    mb = sum(len(b) for b in bodies) / 1e6
    per = 10_000 / max(posts, 1)

    def line(name: str, seconds: float, what: str) -> None:
        print(f"STAGE {name:<8} {seconds:6.2f} s CPU  ({seconds * per:5.2f} s per 10,000 posts)  {what}")

    print(f"stages: {len(urls)} feeds, {posts} posts, {mb:.1f} MB; CPU seconds in this process")
    line("network", net, f"httpx, {jobs} at once, one GET per feed")
    line("probes", probes, f"{asked} GETs of an archive walk's robots.txt and sitemap paths (404 here)")
    line("xml", xml, "lxml.etree.fromstring of every document")
    line("posts", no_text - xml, "documents to posts less xml and text (dicts, dates, links, guids, tags)")
    line("text", parse - no_text, "plain text for the search index (content/text.py html_to_text)")
    line("store", sqlite_cpu, "rows + search index + tags, one transaction per feed, commits included")
    line("  fts", inside["fts"], "of which: the search index inserts (posts_fts, posts_cjk)")
    line("  commit", inside["commit"], "of which: the COMMITs (WAL writes; measured in a second run)")
    print(f"STAGE text alone over the same HTML: {text:.2f} s ({posts / max(text, 1e-9):,.0f} posts/s)")


def main() -> None:
    """Command line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=int, default=100)
    ap.add_argument("--posts", type=int, default=100)
    ap.add_argument("--paged", type=int, default=0)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=8)
    ap.add_argument("--latency-ms", type=float, default=0.0)
    ap.add_argument("--corpus", type=Path, help="corpus dir (default /tmp/blogtui-fetch-FxP[-pK])")
    ap.add_argument("--blogtui", default=str(Path(sys.executable).with_name("blogtui")))
    ap.add_argument("--stages", action="store_true", help="also time network, parsing and SQLite alone")
    args = ap.parse_args()

    name = f"blogtui-fetch-{args.feeds}x{args.posts}" + (f"-p{args.paged}" if args.paged else "")
    corpus = args.corpus or Path(tempfile.gettempdir()) / name
    if not (corpus / "manifest.json").exists():
        generate(args.feeds, args.posts, corpus, paged=args.paged)
    manifest = json.loads((corpus / "manifest.json").read_text())
    server = serve(corpus, latency_ms=args.latency_ms)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    urls = [f"{base}/{f['path']}" for f in manifest["feeds"]]
    label = f"{args.feeds}x{args.posts}" + (f" paged {args.paged}" if args.paged else "")
    print(f"corpus {corpus}: {manifest['total_posts']} posts, {manifest['total_bytes'] / 1e6:.1f} MB")
    adds, refreshes = [], []
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory(prefix="blogtui-bench-") as tmp:
            data = Path(tmp) / "data"
            stats(base, reset=True)
            add = [args.blogtui, "--data-dir", str(data), "add", "--jobs", str(args.jobs), *urls]
            wall, rss, rc, last = run_timed(add, Path(tmp))
            s = stats(base, reset=True)
            feeds = json.loads(subprocess.run(
                [args.blogtui, "--data-dir", str(data), "feeds", "--json"], capture_output=True, text=True
            ).stdout)  # fmt: skip
            stored = sum(f["posts"] for f in feeds)
            adds.append(wall)
            print(
                f"RESULT {label} run={run} add: {wall:.2f} s, peak {rss / 1024:.0f} MB, rc={rc},"
                f" {stored} posts stored ({stored / wall:,.0f} posts/s), {s['requests']} requests | {last}"
            )
            for n in (1, 2):
                refresh = [args.blogtui, "--data-dir", str(data), "refresh", "--jobs", str(args.jobs)]
                wall, rss, rc, last = run_timed(refresh, Path(tmp))
                s = stats(base, reset=True)
                refreshes.append(wall)
                print(
                    f"RESULT {label} run={run} refresh{n}: {wall:.2f} s, peak {rss / 1024:.0f} MB, rc={rc},"
                    f" {s['http304']} of {s['requests']} answered 304, {s['bytes']} body bytes | {last}"
                )
    if not adds:  # --runs 0: the stages only
        server.shutdown()
        if args.stages:
            _stages_served(corpus, manifest, args)
        return
    print(
        f"SUMMARY {label} add median {statistics.median(adds):.2f} s"
        f" (min {min(adds):.2f}, max {max(adds):.2f})"
    )
    print(
        f"SUMMARY {label} all-304 refresh median {statistics.median(refreshes):.2f} s"
        f" (min {min(refreshes):.2f}, max {max(refreshes):.2f})"
    )
    server.shutdown()
    if args.stages:
        _stages_served(corpus, manifest, args)


def _stages_served(corpus: Path, manifest: dict[str, Any], args: argparse.Namespace) -> None:
    """The stages against the corpus served by a process of its own: a server thread in this
    process would add the server's CPU to the network and probe stages (about a third of them)."""
    with tempfile.TemporaryDirectory(prefix="blogtui-serve-") as tmp:
        port_file = Path(tmp) / "port"
        command = [sys.executable, str(HERE / "serve.py"), str(corpus), "--port-file", str(port_file)]
        command += ["--latency-ms", str(args.latency_ms)]
        server = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        try:
            for _ in range(200):
                if port_file.exists() and port_file.read_text().strip():
                    break
                time.sleep(0.05)
            base = f"http://127.0.0.1:{port_file.read_text().strip()}"
            stages([f"{base}/{f['path']}" for f in manifest["feeds"]], args.jobs)
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
