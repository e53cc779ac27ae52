"""TUI figures on a big cache: first paint, key repaint, filter change, long-post first screen, memory.

Run: python benchmarks/tui_bench.py --data-dir /tmp/bt50k [--first-paint SCRIPT] [--runs 5]
     (make the data dir with benchmarks/make_cache.py)

Process start to painted list is measured from outside with a real terminal (tmux), as a person
sees it, by the shared bench harness's tui_first_paint.py (not part of this repository; by
default looked for where CI keeps it, see ``--help``; without it that figure is skipped);
everything else in-process with Pilot.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
#: Default of ``--first-paint``: the shared bench harness, beside the repository as CI has it.
FIRST_PAINT = ROOT.parent / "shared" / "bench" / "tui_first_paint.py"


def first_paint(script: Path, data_dir: Path, runs: int) -> list[float]:
    """Milliseconds from process start until the newest post's title is on a 160x48 tmux screen."""
    blogtui = shutil.which("blogtui") or str(Path(sys.executable).parent / "blogtui")
    out = subprocess.run(
        [blogtui, "--data-dir", str(data_dir), "posts", "--limit", "1", "--json"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    title = json.loads(out.stdout)[0]["title"][:30]
    times = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, str(script), "--cmd", f"{blogtui} --data-dir {data_dir}", "--wait", title,
             "--size", "160x48"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        times.append(float(done.stdout.strip().splitlines()[-1]))
    return times


def long_markdown(words: int) -> str:
    """A post of about ``words`` words with headings, lists and code, like a long essay."""
    sentence = "The archive of a blog is a record of how a person thought, one post at a time. "
    parts = []
    count = 0
    section = 0
    while count < words:
        section += 1
        parts.append(f"## Section {section}\n")
        for _ in range(4):
            parts.append(sentence * 5 + "\n")
            count += 5 * len(sentence.split())
        parts.append("- one point\n- another point\n  - a nested one\n")
        parts.append("```python\nfor post in archive:\n    read(post)\n```\n")
    return "\n".join(parts)


async def in_process(data_dir: Path, presses: int) -> dict[str, float]:
    from blogtui.library import Library
    from blogtui.models import Post
    from blogtui.ui.app import BlogApp
    from blogtui.ui.widgets.post_list import PostList
    from blogtui.ui.widgets.reader import render_post

    library = Library(data_dir)
    app = BlogApp(library, opener=lambda url: None)
    figures: dict[str, float] = {}
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause(0.3)
        await app.workers.wait_for_complete()
        posts = app.screen.query_one(PostList)
        figures["posts"] = posts.count
        # Key press to repaint, the work of one frame as Textual does it: the key's action (cursor
        # move, a scroll once the cursor leaves the view), then the frame: the compositor takes
        # the list's changed regions, asks it for those lines (the row cache, the styles cache and
        # the strip cache answer for lines that did not change), composes the screen and encodes
        # the terminal output. Only the driver's write is left out (the headless driver has none).
        # Waiting for the next frame tick (up to 1/60 s) is pacing, not cost, and is not counted.
        compositor = app.screen._compositor
        calls = {"render_line": 0, "_render_row": 0}
        originals = {name: getattr(posts, name) for name in calls}

        def counting(name: str) -> Any:
            def call(*args: Any) -> Any:
                calls[name] += 1
                return originals[name](*args)

            return call

        for name in calls:
            setattr(posts, name, counting(name))
        samples = []
        output = 0
        for _ in range(presses):
            start = time.perf_counter()
            posts.action_cursor_down()
            compositor.update_widgets({posts})
            update = compositor.render_update(screen_stack=app._background_screens)
            if update is not None:
                output += len(update.render_segments(app.console))
            samples.append((time.perf_counter() - start) * 1000)
        for name, original in originals.items():
            setattr(posts, name, original)
        # Not a cached no-op: every press asked the list for at least the two lines whose cursor
        # state flipped (all of them after a scroll) and wrote a frame.
        assert calls["render_line"] >= 2 * presses and output > 0, (calls, output)
        figures["key_repaint_ms_median"] = statistics.median(samples)
        figures["key_repaint_ms_p95"] = sorted(samples)[int(len(samples) * 0.95)]
        figures["key_repaint_lines_asked_per_press"] = calls["render_line"] / presses
        figures["key_repaint_rows_built_per_press"] = calls["_render_row"] / presses
        figures["key_repaint_output_bytes_per_press"] = output / presses
        round_trips = []
        for _ in range(50):
            start = time.perf_counter()
            await pilot.press("j")
            round_trips.append((time.perf_counter() - start) * 1000)
        figures["pilot_press_round_trip_ms_median"] = statistics.median(round_trips)
        # Filter change as the main screen does it: compile, the list's window of ids (best match
        # first when the query has words; Library.post_window: a count and the first page, not
        # every id), hand it to the list, repaint: the first screen (LABEL). Then the sidebar's
        # tag counts within the filter, which the screen gathers in a worker after that first
        # screen (LABEL_with_tags: both). Median of five, once the presses' workers end.
        await app.workers.wait_for_complete()
        tag = library.tags()[0].name
        for label, query in (("tag_filter_ms", f"tag:{tag}"), ("query_filter_ms", "archive"),
                             ("two_tags_unread_ms", f"tag:{tag} tag:{library.tags()[1].name} is:unread"),
                             ("unfiltered_ms", "")):  # fmt: skip
            runs, with_tags = [], []
            for _ in range(5):
                start = time.perf_counter()
                compiled = library.compile(query, prefix_last=True)
                ids = library.post_window(compiled, ranked=compiled.match is not None)
                posts.set_posts(ids)
                posts.render_lines(posts.region.reset_offset)
                runs.append((time.perf_counter() - start) * 1000)
                library.tags(compiled)
                with_tags.append((time.perf_counter() - start) * 1000)
            figures[label] = statistics.median(runs)
            figures[f"{label}_with_tags"] = statistics.median(with_tags)
    # A 5,000-word post: its first screen (what the reader shows first) and the whole of it.
    markdown = long_markdown(5000)
    post = Post(id=1, feed_id=1, guid="g", title="A long post", content_md=markdown, feed_title="Bench")
    start = time.perf_counter()
    render_post(post, 110, first_only=True)
    figures["long_post_first_screen_ms"] = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    render_post(post, 110)
    figures["long_post_whole_ms"] = (time.perf_counter() - start) * 1000
    figures["long_post_words"] = len(markdown.split())
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    library.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=5, help="first-paint runs")
    parser.add_argument("--presses", type=int, default=500)
    parser.add_argument(
        "--first-paint",
        type=Path,
        default=FIRST_PAINT,
        metavar="SCRIPT",
        help="tui_first_paint.py of the shared bench harness (needs tmux; default: %(default)s)",
    )
    args = parser.parse_args()
    if args.first_paint.is_file():
        paints = first_paint(args.first_paint, args.data_dir, args.runs)
        print(
            f"first_paint_ms median={statistics.median(paints):.0f}"
            f" min={min(paints):.0f} max={max(paints):.0f}"
        )
    else:
        print(f"first_paint_ms skipped: no {args.first_paint} (pass --first-paint SCRIPT)")
    for key, value in asyncio.run(in_process(args.data_dir, args.presses)).items():
        print(f"{key} {value:.1f}")


if __name__ == "__main__":
    main()
