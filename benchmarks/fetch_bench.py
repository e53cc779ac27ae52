"""Fetch benchmark: cold ``blogtui add`` of N x M posts and an all-304 ``refresh``, over loopback.

    python benchmarks/fetch_bench.py --feeds 100 --posts 100 [--runs 3] [--jobs 8] [--paged K]
        [--latency-ms 0] [--stages] [--blogtui PATH]

Generates the corpus once (benchmarks/gen_corpus.py, seeded) in the temp dir, serves it from
127.0.0.1 (benchmarks/serve.py), then for each run: a fresh data dir, ``add`` of every feed (wall
time, peak RSS of the largest process from /usr/bin/time, posts/s), and two ``refresh`` runs that
should see 304 for every feed. ``--stages`` adds an in-process breakdown of where a cold add's
time goes: network only, parsing only (one core), SQLite writes only.
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
from pathlib import Path

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
    """Where a cold add's time goes, each stage alone: network, parsing, SQLite."""
    import asyncio

    from blogtui.fetching import http as fetch
    from blogtui.parsing.feed import parse_feed
    from blogtui.storage.store import Store

    async def download() -> list[bytes]:
        gate = asyncio.Semaphore(jobs)
        async with fetch.make_client(jobs, 60) as client:

            async def one(url: str) -> bytes:
                async with gate:
                    return (await fetch.fetch(client, url, timeout=60)).body

            return list(await asyncio.gather(*(one(u) for u in urls)))

    t0 = time.perf_counter()
    bodies = asyncio.run(download())
    t1 = time.perf_counter()
    parsed = [parse_feed(body, url) for body, url in zip(bodies, urls)]
    t2 = time.perf_counter()
    posts = sum(len(p.posts) for p in parsed)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "blogtui.db")
        for url, feed in zip(urls, parsed):
            with store.transaction():
                store.upsert_posts(store.add_feed(url), feed.posts)
        t3 = time.perf_counter()
        store.close()
    mb = sum(len(b) for b in bodies) / 1e6
    print(f"STAGE network (httpx, {jobs} at once): {t1 - t0:.2f} s for {len(urls)} feeds, {mb:.1f} MB")
    print(
        f"STAGE parse (one core, lxml/feedparser + text): {t2 - t1:.2f} s, {posts / (t2 - t1):,.0f} posts/s"
    )
    print(
        f"STAGE sqlite (posts + FTS5 + tags, one tx per feed): {t3 - t2:.2f} s,"
        f" {posts / (t3 - t2):,.0f} posts/s"
    )


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
    print(
        f"SUMMARY {label} add median {statistics.median(adds):.2f} s"
        f" (min {min(adds):.2f}, max {max(adds):.2f})"
    )
    print(
        f"SUMMARY {label} all-304 refresh median {statistics.median(refreshes):.2f} s"
        f" (min {min(refreshes):.2f}, max {max(refreshes):.2f})"
    )
    if args.stages:
        stages(urls, args.jobs)
    server.shutdown()


if __name__ == "__main__":
    main()
