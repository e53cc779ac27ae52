"""TUI figures on a big cache: first paint, key repaint, filter change, long-post first screen,
a blog's card, a post opened at its saved place, a sort change, memory.

Run: python benchmarks/tui_bench.py --data-dir /tmp/bt50k [--first-paint SCRIPT] [--runs 5]
     (make the data dir with benchmarks/make_cache.py)

The saved-place figure needs a post longer than a screen: the bench stores one 5,760-word post
(guid ``tui-bench-long-post-5k``, dated 2000-01-01, in the first feed) in the cache the first time
it runs; later runs find it there.

Process start to painted list is measured from outside with a real terminal (tmux), as a person
sees it, by the shared bench harness's tui_first_paint.py (not part of this repository; by
default looked for where CI keeps it, see ``--help``; without it that figure is skipped);
everything else in-process with Pilot. The first paint is timed as an installed blogtui starts:
with its bytecode kept (pip writes it at install, Python at the first start). An environment with
``PYTHONDONTWRITEBYTECODE`` set (as some sandboxes are) would compile every blogtui module at
every start (70-80 ms at 200,000 posts, measured side by side): the bench unsets it for the
timed processes, keeps the bytecode in a folder of its own and discards a first, warming run
(``--compile-each-start`` times the other way).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
#: Default of ``--first-paint``: the shared bench harness, beside the repository as CI has it.
FIRST_PAINT = ROOT.parent / "shared" / "bench" / "tui_first_paint.py"


def first_paint(script: Path, data_dir: Path, runs: int, compile_each_start: bool = False) -> list[float]:
    """Milliseconds from process start until the newest post's title is on a 160x48 tmux screen
    (bytecode kept, as an installed blogtui has it, unless ``compile_each_start``)."""
    blogtui = shutil.which("blogtui") or str(Path(sys.executable).parent / "blogtui")
    env = dict(os.environ)
    if not compile_each_start:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="tui-bench-pyc-")
    out = subprocess.run(
        [blogtui, "--data-dir", str(data_dir), "posts", "--limit", "1", "--json"],
        capture_output=True, text=True, check=True, env=env,
    )  # fmt: skip
    title = json.loads(out.stdout)[0]["title"][:30]
    times = []
    for run in range(runs + (0 if compile_each_start else 1)):
        done = subprocess.run(
            [sys.executable, str(script), "--cmd", f"{blogtui} --data-dir {data_dir}", "--wait", title,
             "--size", "160x48"],
            capture_output=True, text=True, check=True, env=env,
        )  # fmt: skip
        if compile_each_start or run:  # the first run writes the UI's bytecode: not timed
            times.append(float(done.stdout.strip().splitlines()[-1]))
    if "PYTHONPYCACHEPREFIX" in env and env["PYTHONPYCACHEPREFIX"] != os.environ.get("PYTHONPYCACHEPREFIX"):
        shutil.rmtree(env["PYTHONPYCACHEPREFIX"], ignore_errors=True)
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


LONG_GUID = "tui-bench-long-post-5k"
#: The UI state the bench's clicks change (put back when it ends).
UI_STATE = ("ui.filter", "ui.post", "ui.place", "ui.sort", "ui.folded")


def long_post_id(library: Any) -> int:
    """The id of the bench's 5,760-word post in the cache (stored once, see the module's help)."""
    from datetime import datetime, timezone

    from blogtui.content.text import html_to_text
    from blogtui.models import ParsedPost

    store = library.store
    row = store.db.execute("SELECT id FROM posts WHERE guid = ?", (LONG_GUID,)).fetchone()
    if row is None:
        # 16 sections of 4 paragraphs of 90 words: 5,760 words (long_markdown(5000) is 5,320).
        paragraph = (
            "<p>" + "The archive of a blog is a record of how a person thought, one post at a time. " * 5
        )
        html = "".join(f"<h2>Section {n}</h2>{(paragraph + '</p>') * 4}" for n in range(1, 17))
        post = ParsedPost(
            guid=LONG_GUID, url="https://bench.invalid/long-post.html", title="A long post (tui_bench)",
            published=datetime(2000, 1, 1, tzinfo=timezone.utc), content_html=html, text=html_to_text(html),
        )  # fmt: skip
        feed_id = store.db.execute("SELECT min(id) FROM feeds").fetchone()[0]
        with store.transaction():
            store.upsert_posts(feed_id, [post])
        row = store.db.execute("SELECT id FROM posts WHERE guid = ?", (LONG_GUID,)).fetchone()
    return int(row[0])


async def until(test: Any, what: str, limit: float = 30.0, describe: Any = None) -> None:
    """Wait (1 ms steps, the event loop running) until ``test()`` holds."""
    deadline = time.perf_counter() + limit
    while not test():
        if time.perf_counter() > deadline:
            raise RuntimeError(f"timed out waiting for {what}" + (f": {describe()}" if describe else ""))
        await asyncio.sleep(0.001)


async def settle(app: Any) -> None:
    """Wait for the app's workers to end (an exclusive worker replaced meanwhile is no error)."""
    from textual.worker import WorkerCancelled

    for _ in range(100):
        try:
            await app.workers.wait_for_complete()
            return
        except WorkerCancelled:
            await asyncio.sleep(0.01)


async def painted(app: Any) -> float:
    """The time once the screen's next refresh (layout, then the frame) has run."""
    done = asyncio.Event()
    app.screen.call_after_refresh(done.set)
    await done.wait()
    return time.perf_counter()


async def card_and_sort(app: Any, library: Any, pilot: Any, figures: dict[str, float]) -> None:
    """Issue 13's figures: a feed chosen in the sidebar to its card with the timeline painted (and
    to its list), a sort change to the re-sorted list painted, and a half-read post opened to it
    painted at its saved place, counted from its first screen handed to the reader."""
    from blogtui.ui.screens.main import HIGHLIGHT_DELAY
    from blogtui.ui.widgets.feed_card import FeedCard
    from blogtui.ui.widgets.reader import PostLayout, ReaderView
    from blogtui.ui.widgets.sidebar import Entry, Sidebar

    screen = app.screen
    card = screen.query_one(FeedCard)
    shown: list[float] = []
    original = screen._show_ids

    def show_ids(*args: Any, **kwargs: Any) -> None:
        original(*args, **kwargs)
        shown.append(time.perf_counter())

    screen._show_ids = show_ids
    # Five different feeds (no cache of a feed's facts helps), then back to All.
    feeds = sorted(library.feeds(), key=lambda f: -f.posts)[:5]
    cards, lists = [], []
    for feed in feeds:
        await settle(app)
        before = len(shown)
        start = time.perf_counter()
        screen.post_message(Sidebar.Chosen(Entry("feed", feed.url)))
        await until(lambda: card.feed is not None and card.feed.url == feed.url, "the card")  # noqa: B023
        cards.append((await painted(app)) - start)
        await until(lambda: len(shown) > before, "the feed's list")  # noqa: B023
        lists.append((await painted(app)) - start)
    figures["card_with_timeline_ms"] = statistics.median(cards) * 1000
    figures["card_with_timeline_ms_max"] = max(cards) * 1000
    figures["feed_chosen_list_ms"] = statistics.median(lists) * 1000
    figures["card_feed_posts"] = feeds[0].posts
    # A sort change (O: newest, oldest, by feed, by title, newest...) in the feed chosen last
    # (2,000 posts), then in All.
    for label, entry in (("sort_change_feed_ms", None), ("sort_change_all_ms", Entry("smart", "all"))):
        await settle(app)
        if entry is not None:
            before = len(shown)
            screen.post_message(Sidebar.Chosen(entry))
            await until(lambda: len(shown) > before, "All")  # noqa: B023
        await settle(app)
        samples: dict[str, list[float]] = {}
        for _ in range(8):
            await settle(app)
            before = len(shown)
            start = time.perf_counter()
            screen.action_cycle_sort()
            order = screen.sort or "newest"
            await until(lambda: len(shown) > before, "the sorted list")  # noqa: B023
            samples.setdefault(order, []).append((await painted(app)) - start)
        every = [t for ts in samples.values() for t in ts]
        figures[label] = statistics.median(every) * 1000
        figures[f"{label}_max"] = max(every) * 1000
        for order, ts in samples.items():
            figures[f"{label}_{order}"] = statistics.median(ts) * 1000
        if screen.sort not in (None, "newest"):
            while screen.sort not in (None, "newest"):
                screen.action_cycle_sort()
                await settle(app)
    # A half-read post opened again: from its first screen to the text at its saved place painted
    # (what a person sees: the lines the whole post, laid out, shows there), then the whole post
    # in place of the first screen without those lines moving.
    post_id = long_post_id(library)
    reader = screen.query_one(ReaderView)
    handed: list[tuple[float, bool]] = []
    original_doc = screen._show_document

    def show_document(document: Any, *args: Any, **kwargs: Any) -> None:
        original_doc(document, *args, **kwargs)
        if document.post_id == post_id:
            handed.append((time.perf_counter(), document.complete))

    def on_screen() -> list[str]:
        document = reader.document
        if document is None or document.post_id != post_id:
            return []
        top = int(reader.scroll_y)
        return [strip.text for strip in document.strips[top : top + reader.scrollable_content_region.height]]

    screen._show_document = show_document
    after_first, from_open, first_done, whole, complete_at = [], [], [], [], []
    for place in (0.3, 0.5, 0.6, 0.7, 0.9):
        await settle(app)
        screen.open_post(1)  # another post first: the long one is loaded afresh
        await settle(app)
        # Past the list's highlight debounce (HIGHLIGHT_DELAY): a preview of the post under the
        # cursor, still due from a list set just before, would otherwise replace the post opened
        # (a bench sequence no person types: 1 run in 5 timed out on it when the machine was quiet).
        await pilot.pause(0.05 + HIGHLIGHT_DELAY)
        await settle(app)
        library.set_reading_place(post_id, place)
        # The lines at the place, from the whole post laid out apart as the reader lays it out.
        height = reader.scrollable_content_region.height
        laid = PostLayout(library.post(post_id), reader.layout_width, dark=app.current_theme.dark).whole()
        top = max(0, min(laid.line_of(place), len(laid.strips) - height))
        expected = [strip.text for strip in laid.strips[top : top + height]]
        handed.clear()
        start = time.perf_counter()
        screen.open_post(post_id)
        await until(
            lambda: on_screen() == expected,  # noqa: B023
            "the saved place",
            describe=lambda: f"y {reader.scroll_y} of {reader.max_scroll_y}, place {place}, handed {handed}",  # noqa: B023
        )
        end = await painted(app)
        await until(lambda: reader.document is not None and reader.document.complete, "the whole post")
        done = await painted(app)
        if on_screen() != expected or int(reader.scroll_y) != top:
            raise RuntimeError(
                f"the whole post moved the lines at place {place}: y {reader.scroll_y}, not {top}"
            )
        first = handed[0][0]
        first_done.append(not handed[0][1])
        after_first.append(end - first)
        whole.append(next(t for t, complete in handed if complete) - first)
        from_open.append(end - start)
        complete_at.append(done - start)
    screen._show_document = original_doc
    screen._show_ids = original
    figures["saved_place_after_first_screen_ms"] = statistics.median(after_first) * 1000
    figures["saved_place_after_first_screen_ms_max"] = max(after_first) * 1000
    figures["saved_place_from_open_ms"] = statistics.median(from_open) * 1000
    # Then: the whole post handed to the reader after its first screen, and painted from the open.
    figures["saved_place_whole_post_handed_ms"] = statistics.median(whole) * 1000
    figures["saved_place_whole_post_painted_from_open_ms"] = statistics.median(complete_at) * 1000
    figures["saved_place_first_screen_was_partial"] = float(all(first_done))


async def in_process(data_dir: Path, presses: int) -> dict[str, float]:
    from blogtui.library import Library

    library = Library(data_dir)
    long_id = long_post_id(library)
    # What the bench changes is put back at the end, so the next run starts as this one did.
    kept_state = {key: library.get_state(key) for key in UI_STATE}
    kept_read = library.store.db.execute(
        "SELECT id, read, backlog FROM posts WHERE id IN (1, ?)", (long_id,)
    ).fetchall()
    try:
        return await measure(library, presses)
    finally:
        for key, value in kept_state.items():
            library.set_state(key, value)
        library.set_reading_place(long_id, None)
        with library.store.transaction():
            library.store.db.executemany("UPDATE posts SET read = ?, backlog = ? WHERE id = ?",
                                         [(r[1], r[2], r[0]) for r in kept_read])  # fmt: skip
        library.close()


async def measure(library: Any, presses: int) -> dict[str, float]:
    from blogtui.models import Post
    from blogtui.ui.app import BlogApp
    from blogtui.ui.widgets.post_list import PostList
    from blogtui.ui.widgets.reader import render_post

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
        await app.workers.wait_for_complete()
        await card_and_sort(app, library, pilot, figures)
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
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=5, help="first-paint runs")
    parser.add_argument(
        "--compile-each-start",
        action="store_true",
        help="time the first paint with no bytecode kept (PYTHONDONTWRITEBYTECODE as the environment has it)",
    )
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
        paints = first_paint(args.first_paint, args.data_dir, args.runs, args.compile_each_start)
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
