"""Coverage-guided fuzzing of blogtui's parsers (atheris, libFuzzer); not run in CI.

    python benchmarks/fuzz.py                       # every target, 5 minutes each
    python benchmarks/fuzz.py --minutes 2 feed opml # some targets, 2 minutes each
    python benchmarks/fuzz.py --list

Targets and the only exceptions they may raise (the layer's own error type):

    feed       parsing/feed.py parse_feed, every format (RSS, Atom, RDF, JSON Feed)  NotAFeedError
    markdown   content/markdown.py html_to_markdown                                   nothing
    query      query.py parse + compile_query (with views)                            QueryError
    opml       interop.py read_opml                                                   InteropError
    discovery  fetching/discovery.py discover_links, looks_like_html                  nothing
    pages      fetching/archive/pages.py read_post, listing_reason                    NotAPost
    sitemaps   fetching/archive/sitemaps.py the sitemap reader (_document + _parse)    nothing

Each target is seeded from the real corpus (``tests/corpus.py``: feeds; the HTML inside them
for the HTML targets) and the repository's own fixtures. Any other exception, and any input
slower than ``--slow`` seconds, is a *crasher*: its input and traceback are written to
``OUT/crashers/`` (one per distinct exception and place) and fuzzing goes on, so one run finds
more than one bug. Every crasher fixed becomes a test in ``tests/test_fuzz_regressions.py``.

The summary (inputs run, coverage edges and features as libFuzzer counts them, corpus size,
minutes, crashers) is printed at the end and written to ``OUT/summary.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import importlib
import json
import os
import re
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

TARGETS = ("feed", "markdown", "query", "opml", "discovery", "pages", "sitemaps")
#: Packages instrumented for coverage (pure Python; lxml and expat are C and not instrumented).
INSTRUMENTED = ("blogtui", "feedparser", "markdownify", "bs4", "usp", "protego")

#: Modules a target loads only when it first runs.
LAZY = {
    "feed": ("feedparser", "blogtui.parsing.xml_fast", "blogtui.parsing.jsonfeed", "blogtui.parsing.common"),
    "markdown": ("bs4", "markdownify", "blogtui.content.converter", "blogtui.content.text"),
    "pages": ("blogtui.content.article", "blogtui.content.converter", "blogtui.urls"),
    "sitemaps": ("usp.tree", "usp.objects.sitemap"),
}
_STATS_RE = re.compile(r"#(\d+)\s+(?:DONE|pulse|NEW|REDUCE|INITED)\s+cov: (\d+) ft: (\d+) corp: (\d+)")


# -- seeds ---------------------------------------------------------------------------------------


def _corpus_feeds() -> list[bytes]:
    from corpus import corpus_files

    return [p.read_bytes()[: 256 * 1024] for p in corpus_files()]


def _html_fragments(feeds: list[bytes], limit: int = 400) -> list[bytes]:
    """HTML bodies found inside the corpus's feeds (escaped or CDATA), and the golden files."""
    out = [p.read_bytes() for p in sorted((ROOT / "tests" / "golden").glob("*.html"))]
    pattern = re.compile(
        rb"<(?:content|description|summary|content:encoded)[^>]*>(.*?)</(?:content|description|summary|content:encoded)>",
        re.S,
    )
    for body in feeds:
        for match in pattern.finditer(body):
            text = match.group(1).strip()
            if text.startswith(b"<![CDATA["):
                text = text[9:].removesuffix(b"]]>")
            elif b"&lt;" in text:
                text = html.unescape(text.decode("utf-8", "replace")).encode()
            if len(text) > 64:
                out.append(text[: 64 * 1024])
            if len(out) >= limit:
                return out
    return out


def seeds(target: str) -> list[bytes]:
    feeds = _corpus_feeds()
    if target == "feed":
        return feeds
    if target in ("markdown", "pages", "discovery"):
        frags = _html_fragments(feeds)
        if target == "markdown":
            return frags
        page = (
            b"<!doctype html><html><head><title>T</title>%s</head>"
            b"<body><article class='post-content'>%s</article></body></html>"
        )
        meta = (
            b'<link rel="alternate" type="application/rss+xml" href="/feed.xml">'
            b'<meta property="og:title" content="A post"><meta property="article:published_time" '
            b'content="2024-03-04T09:00:00Z"><script type="application/ld+json">'
            b'{"@type":"BlogPosting","headline":"H","datePublished":"2020-01-02","keywords":"a, b"}</script>'
        )
        return [page % (meta, f) for f in frags[:200]]
    if target == "query":
        return [
            q.encode()
            for q in (
                'python -haskell tag:"two words" is:unread after:2020-01 before:2024',
                'feed:example.com "a phrase" -@work @reading c++: http://x',
                "is:starred -tag:x @v1",
                "tag:Python after:2015-13-40",
                '-"not this" pyth',
                "before:2024-02-29 is:backlog",
            )
        ]
    if target == "opml":
        found = [p.read_bytes() for p in ROOT.rglob("*.opml") if ".venv" not in p.parts]
        found.append(
            b'<?xml version="1.0"?><opml version="2.0"><head><title>s</title></head><body>'
            b'<outline text="Folder"><outline type="rss" text="A" xmlUrl="https://a.example/feed" '
            b'htmlUrl="https://a.example/"/></outline></body></opml>'
        )
        return found
    if target == "sitemaps":
        return [
            b'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            b"<url><loc>https://blog.example/2024/01/a-post/</loc><lastmod>2024-01-02</lastmod></url>"
            b"<url><loc>https://blog.example/about/</loc></url></urlset>",
            b'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            b"<sitemap><loc>https://blog.example/post-sitemap.xml</loc></sitemap>"
            b"<sitemap><loc>https://blog.example/page-sitemap.xml</loc></sitemap></sitemapindex>",
            *[f for f in feeds if b"<rss" in f[:2000]][:20],
        ]
    raise SystemExit(f"unknown target {target}")


# -- the targets ---------------------------------------------------------------------------------


def _text(data: bytes) -> str:
    """Text from fuzz bytes: UTF-8 (replacing), or, when the first byte is 0xff, any code points
    (lone surrogates, NUL and controls included)."""
    if data[:1] == b"\xff":
        return data[1:].decode("utf-16-le", "surrogatepass") if len(data) % 2 else data[1:].decode("latin-1")
    return data.decode("utf-8", "replace")


def make_target(target: str) -> tuple[Callable[[bytes], None], tuple[type[BaseException], ...]]:
    """The function fuzzed for ``target`` and the exceptions it may raise."""
    if target == "feed":
        from blogtui.errors import NotAFeedError
        from blogtui.parsing.feed import parse_feed

        def run(data: bytes) -> None:
            feed = parse_feed(data, "https://blog.example/feed.xml")
            for post in feed.posts:
                assert isinstance(post.guid, str) and isinstance(post.content_html, str)

        return run, (NotAFeedError,)
    if target == "markdown":
        from blogtui.content.markdown import html_to_markdown

        def run(data: bytes) -> None:
            assert isinstance(html_to_markdown(_text(data), "https://blog.example/post/"), str)

        return run, ()
    if target == "query":
        from blogtui.errors import QueryError
        from blogtui.query import compile_query, highlight_spans, parse

        views = {"work": "tag:work -is:read", "v1": "@work python", "loop": "@loop"}

        def run(data: bytes) -> None:
            text = _text(data)
            query = parse(text)
            compiled = compile_query(query, prefix_last=bool(data[:1]) and data[0] & 1 == 1, views=views.get)
            highlight_spans("some python text about work", compiled)

        return run, (QueryError,)
    if target == "opml":
        from blogtui.errors import InteropError
        from blogtui.interop import read_opml

        def run(data: bytes) -> None:
            read_opml(data, "fuzz.opml")

        return run, (InteropError,)
    if target == "discovery":
        from blogtui.fetching.discovery import discover_links, guess_urls, looks_like_html
        from blogtui.models import FetchResult

        def run(data: bytes) -> None:
            links = discover_links(data, "https://blog.example/")
            assert all(link.startswith(("http://", "https://")) for link in links), links
            looks_like_html(FetchResult(url="https://b.example/", final_url="", status=200, body=data))
            guess_urls("https://blog.example/" + _text(data[:60]))

        return run, ()
    if target == "pages":
        from blogtui.fetching.archive.pages import NotAPost, listing_reason, read_post

        def run(data: bytes) -> None:
            read_post(data, "https://blog.example/2024/03/a-post/", "text/html")
            listing_reason("https://blog.example/" + _text(data[:80]), "https://blog.example/")

        return run, (NotAPost,)
    if target == "sitemaps":
        from blogtui.fetching.archive import sitemaps
        from blogtui.models import FetchResult

        def run(data: bytes) -> None:
            text, _cut = sitemaps._document(
                FetchResult(url="https://b.example/s.xml", final_url="", status=200, body=data)
            )
            if text is not None:
                sitemaps._parse(text)

        return run, ()
    raise SystemExit(f"unknown target {target}")


def _signature(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "blogtui" in f.filename] or frames
    where = f"{Path(ours[-1].filename).name}:{ours[-1].lineno}" if ours else "?"
    return f"{type(exc).__name__} at {where}"


def run_child(target: str, seconds: int, work: Path, slow: float) -> None:
    """Inside the libFuzzer process: instrument, seed, fuzz for ``seconds``."""
    import atheris

    with atheris.instrument_imports(include=list(INSTRUMENTED)):
        # What the targets import on first use is imported here, so it is instrumented too.
        for name in LAZY.get(target, ()):
            importlib.import_module(name)
        run, allowed = make_target(target)
    crashers = work / "crashers"
    crashers.mkdir(parents=True, exist_ok=True)
    seen: set[str] = {p.stem.split("-", 1)[1] for p in crashers.glob(f"{target}-*.txt")}

    def record(data: bytes, signature: str, detail: str) -> None:
        key = hashlib.sha1(signature.encode()).hexdigest()[:12]
        if key in seen:
            return
        seen.add(key)
        (crashers / f"{target}-{key}.bin").write_bytes(data)
        (crashers / f"{target}-{key}.txt").write_text(f"{signature}\n\n{detail}")
        print(f"CRASHER {target}: {signature}", file=sys.stderr, flush=True)

    def one(data: bytes) -> None:
        started = time.perf_counter()
        try:
            run(data)
        except allowed:
            pass
        except RecursionError as exc:
            record(data, _signature(exc), "RecursionError")
        except Exception as exc:  # noqa: BLE001 - that is what we are looking for
            record(data, _signature(exc), traceback.format_exc())
        took = time.perf_counter() - started
        if took > slow:
            record(data, f"slow input ({target}, over {slow:g} s)", f"{took:.1f} s for {len(data)} bytes")

    corpus = work / "corpus" / target
    if not corpus.is_dir():
        corpus.mkdir(parents=True)
        for seed in seeds(target):
            (corpus / hashlib.sha1(seed).hexdigest()).write_bytes(seed)
    args = [
        sys.argv[0], str(corpus), f"-max_total_time={seconds}", "-timeout=60", "-rss_limit_mb=3072",
        "-max_len=262144", "-print_final_stats=1", f"-artifact_prefix={crashers}/{target}-libfuzzer-",
    ]  # fmt: skip
    atheris.Setup(args, one)
    atheris.Fuzz()


def run_target(target: str, seconds: int, work: Path, slow: float) -> dict[str, object]:
    """Run one target for ``seconds`` (restarting libFuzzer if it dies: a timeout or OOM is a
    crasher too) and return its figures."""
    started = time.monotonic()
    (work / "crashers").mkdir(parents=True, exist_ok=True)
    before = {p.name for p in (work / "crashers").glob(f"{target}-*.txt")}
    log = work / f"{target}.log"
    runs = 0
    stats = (0, 0, 0)
    restarts = 0
    with log.open("w") as out:
        while (left := seconds - (time.monotonic() - started)) > 10:
            child = subprocess.run(
                [sys.executable, __file__, "--child", target, "--seconds", str(int(left)), "--out", str(work),
                 "--slow", str(slow)],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, errors="replace",
            )  # fmt: skip
            out.write(child.stderr)
            for match in _STATS_RE.finditer(child.stderr):
                stats = (int(match.group(2)), int(match.group(3)), int(match.group(4)))
            done = re.findall(r"Done (\d+) runs", child.stderr)
            execs = re.findall(r"stat::number_of_executed_units: (\d+)", child.stderr)
            runs += int((done or execs or ["0"])[-1])
            if child.returncode == 0:
                break
            restarts += 1
    found = sorted(p.name for p in (work / "crashers").glob(f"{target}-*") if p.suffix != ".bin")
    crashers = [name for name in found if name not in before]  # new in this run
    return {
        "target": target,
        "inputs": runs,
        "coverage_edges": stats[0],
        "features": stats[1],
        "corpus": stats[2],
        "minutes": round((time.monotonic() - started) / 60, 1),
        "restarts": restarts,
        "crashers": crashers,
        "crashers_before": len(before),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("targets", nargs="*", default=list(TARGETS), help="targets (default: all)")
    parser.add_argument("--minutes", type=float, default=5.0, help="minutes per target (default 5)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "fuzz-out", help="work directory")
    parser.add_argument("--slow", type=float, default=5.0, help="seconds after which an input is a crasher")
    parser.add_argument("--list", action="store_true", help="list the targets")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=int, help=argparse.SUPPRESS)
    args, _rest = parser.parse_known_args()
    if args.list:
        print("\n".join(TARGETS))
        return
    if args.child:
        sys.argv = [sys.argv[0]]
        run_child(args.child, args.seconds, args.out, args.slow)
        return
    unknown = [t for t in args.targets if t not in TARGETS]
    if unknown:
        parser.error(f"unknown target(s): {', '.join(unknown)} (choose from {', '.join(TARGETS)})")
    args.out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PYTHONHASHSEED", "0")
    results = []
    for target in args.targets:
        result = run_target(target, int(args.minutes * 60), args.out, args.slow)
        results.append(result)
        print(json.dumps(result), flush=True)
    (args.out / "summary.json").write_text(json.dumps(results, indent=2) + "\n")
    total = sum(float(r["minutes"]) for r in results)  # type: ignore[arg-type]
    inputs = sum(int(r["inputs"]) for r in results)  # type: ignore[call-overload]
    print(
        f"{len(results)} targets, {inputs:,} inputs, {total:.1f} minutes, "
        f"{sum(len(r['crashers']) for r in results)} crashers in {args.out / 'crashers'}"
    )  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
