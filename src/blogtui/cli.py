"""The ``blogtui`` command: argument parsing and output for every subcommand of the CLI contract."""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import sqlite3
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

from . import __version__
from .config import DB_NAME, Config, data_dir, load_config
from .errors import ConfigError, LibraryError, StoreError, UsageError
from .models import SORT_ORDERS, FeedOutcome, Progress
from .output import (
    NO_TEXT,
    UNTITLED,
    archive_words,
    feed_counts,
    feed_json,
    feed_span,
    post_detail_json,
    post_markdown,
    tag_json,
    view_json,
)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"blogtui: {message} (see blogtui --help)\n")


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r} must be 1 or more")
    return number


def _seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not 0 < number < 3600:
        raise argparse.ArgumentTypeError(f"{value!r} must be between 0 and 3600 seconds")
    return number


def _post_id(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a post id (a number)") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a post id (a number)")
    return number


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for the whole command line."""
    common = _Parser(add_help=False)
    common.add_argument(
        "--data-dir",
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="where the cache lives (default: $BLOGTUI_DATA_DIR, else the platform's data dir)",
    )
    parser = _Parser(
        prog="blogtui",
        description="Read whole blogs offline in the terminal. With no command, opens the reader.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"blogtui {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_text, description=help_text, parents=[common])

    def fetch_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--jobs", type=_positive_int, metavar="N", help="feeds fetched at once (default 8)")
        p.add_argument(
            "--timeout", type=_seconds, metavar="S", help="total deadline per request (default 20 s)"
        )

    command("demo", "open the reader on the bundled sample blog, in a temporary data dir")
    p = command("add", "subscribe to feeds and fetch their whole archive")
    p.add_argument("urls", nargs="+", metavar="URL", help="feed URL, blog home page, file:// URL or path")
    p.add_argument("--no-archive", action="store_true", help="fetch only the feed's current page")
    fetch_options(p)
    p = command("refresh", "fetch subscribed feeds again (all of them when no URL is given)")
    p.add_argument("urls", nargs="*", metavar="URL")
    p.add_argument("--archive", action="store_true", help="walk the archive pages again")
    fetch_options(p)
    p = command("feeds", "list subscribed feeds")
    p.add_argument("--json", action="store_true", help="print one JSON array")
    p = command("posts", "list posts, newest first, optionally matching a query")
    p.add_argument(
        "query", nargs="*", metavar="QUERY", help='words, "phrases", tag:NAME, feed:TEXT, is:unread, ...'
    )
    p.add_argument("--limit", type=_positive_int, metavar="N", help="at most N posts")
    p.add_argument("--json", action="store_true", help="print one JSON array")
    order = p.add_mutually_exclusive_group()
    order.add_argument(
        "--ranked", action="store_true", help="best match first (relevance to the words, then newest)"
    )
    order.add_argument(
        "--sort",
        choices=SORT_ORDERS,
        default="newest",
        help="newest (the default), oldest, feed or title first",
    )
    p = command("tags", "list tags with their post counts")
    p.add_argument("--json", action="store_true", help="print one JSON array")
    p.add_argument("--mine", action="store_true", help="only the tags you put on posts yourself")
    p = command("tag", "put your own tag on a post (kept across refreshes)")
    p.add_argument("post_id", type=_post_id, metavar="POST_ID")
    p.add_argument("name", metavar="NAME", help='the tag (quote a name with spaces: "machine learning")')
    p.add_argument("--remove", action="store_true", help="take your tag off the post instead")
    p = command("views", "list saved views (use one as `blogtui posts @NAME`)")
    p.add_argument("--json", action="store_true", help="print one JSON array")
    p = command("view", "save a query under a name (shown in the sidebar, usable as @NAME)")
    p.add_argument("name", metavar="NAME", help="letters, digits, _ . + - (with or without @)")
    p.add_argument("query", nargs="*", metavar="QUERY", help="the query to save (none: print the saved one)")
    p.add_argument("--delete", action="store_true", help="forget the view")
    p = command(
        "import",
        "subscribe to the feeds of an OPML file (feeds already subscribed are skipped),"
        " or restore a JSON backup (state merged)",
    )
    p.add_argument("file", metavar="FILE", help="an OPML file, or a backup from `export --format json`")
    p.add_argument("--no-fetch", action="store_true", help="subscribe only; fetch at the next refresh")
    p.add_argument("--no-archive", action="store_true", help="fetch only each feed's current page")
    p.add_argument(
        "--include-dropped",
        action="store_true",
        help="a backup: restore the posts `blogtui vacuum` dropped too (left out by default)",
    )
    fetch_options(p)
    p = command(
        "export", "write subscriptions (opml), a backup (json), Markdown files (markdown) or a book (epub)"
    )
    p.add_argument(
        "--format", choices=("opml", "json", "markdown", "epub"), default="opml", help="default: opml"
    )
    p.add_argument(
        "--to",
        metavar="DIR",
        type=Path,
        help="the directory for --format markdown, the file for --format epub",
    )
    p.add_argument(
        "query", nargs="*", metavar="QUERY", help="only the posts matching a query (json, markdown and epub)"
    )
    p = command("images", "the image cache: how much it holds (the default), or fill it for older posts")
    p.add_argument("--fetch", action="store_true", help="fetch the images not kept yet (setting images)")
    p.add_argument("--stats", action="store_true", help="how many images are kept and their size (default)")
    p.add_argument("--json", action="store_true", help="with --stats: print one JSON object")
    p.add_argument("query", nargs="*", metavar="QUERY", help="with --fetch: only the posts matching a query")
    p = command("show", "show one post: paged on a terminal, plain text when piped")
    p.add_argument("post_id", type=_post_id, metavar="POST_ID")
    p.add_argument(
        "--json", action="store_true", help="print the post as one JSON object (with its Markdown)"
    )
    p.add_argument("--markdown", action="store_true", help="print the post's Markdown as it is")
    p.add_argument("--no-pager", action="store_true", help="never page through $PAGER")
    p.add_argument(
        "--full",
        action="store_true",
        help="fetch the post's web page and show its whole article (cached for offline reading)",
    )
    for name, text in (
        ("read", "mark posts read"),
        ("unread", "mark posts unread"),
        ("star", "star posts"),
        ("unstar", "remove the star from posts"),
    ):
        p = command(name, text)
        p.add_argument("post_ids", nargs="+", type=_post_id, metavar="POST_ID")
    p = command("remove", "unsubscribe from a feed and delete its posts")
    p.add_argument("url", metavar="URL")
    p = command("rename", "give a feed your own name (refreshes keep it)")
    p.add_argument("url", metavar="URL")
    p.add_argument("name", metavar="NAME", help='the name ("" gives back the feed\'s own title)')
    command("vacuum", "apply the retention settings and rebuild the cache file compactly")
    command("config", "check config.toml: every setting valid, no key given to two bindings")
    p = command("doctor", "check the cache for damage (SQLite's integrity_check); --repair saves what it can")
    p.add_argument(
        "--repair",
        action="store_true",
        help="copy what can still be read into a new cache, keeping the damaged file beside it",
    )
    return parser


#: Commands whose positional arguments are a query: ``-word`` there excludes a word.
_QUERY_COMMANDS = ("posts", "export", "images")


def _query_args(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """``argv`` with the query of ``posts``/``export`` moved after ``--``.

    A query excludes with a leading dash (``python -haskell``, ``-tag:go``), which argparse would
    take for options (and ``-haskell`` for ``-h`` with a value). Options of the command stay
    where they are; every other word, dashed or not, goes after ``--`` in order.
    """
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    index = 0
    while index < len(argv) and argv[index] not in subparsers.choices:
        index += 2 if argv[index] == "--data-dir" else 1  # the one option before it with a value
    if index >= len(argv) or argv[index] not in _QUERY_COMMANDS:
        return argv
    token = argv[index]
    command = subparsers.choices[token]
    takes_value = {o: a.nargs != 0 for a in command._actions for o in a.option_strings}
    head = argv[: index + 1]
    options: list[str] = []
    words: list[str] = []
    rest = iter(argv[index + 1 :])
    for arg in rest:
        if arg == "--":
            words.extend(rest)
            break
        name = arg.split("=", 1)[0]
        if arg.startswith("--"):
            matches = [o for o in takes_value if o.startswith(name)]
            options.append(arg)
            if "=" not in arg and len(matches) == 1 and takes_value[matches[0]]:
                options.extend(arg for arg in [next(rest, None)] if arg is not None)
        elif arg == "-h":
            options.append(arg)
        else:
            words.append(arg)
    return [*head, *options, "--", *words] if words else [*head, *options]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(_query_args(parser, list(sys.argv[1:] if argv is None else argv)))
    from .errors import LibraryError  # loaded by every command anyway, once its options parse

    try:
        return _dispatch(args)
    except (UsageError, LibraryError) as exc:
        # A request the library refuses (bad query, unknown feed or view, ...) is bad input.
        _error(str(exc))
        return EXIT_USAGE
    except StoreError as exc:
        # The cache could not be read or written: a damaged file is bad input, the rest a fault.
        _error(str(exc))
        return EXIT_USAGE if exc.kind == "damaged" else EXIT_FAILED
    except sqlite3.Error as exc:
        from .library import describe_store_error

        error = describe_store_error(exc, data_dir(getattr(args, "data_dir", None)))
        _error(str(error))
        return EXIT_USAGE if error.kind == "damaged" else EXIT_FAILED
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except BrokenPipeError:
        # The reader of our output went away (e.g. `| head`): not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


def _error(message: str) -> None:
    print(f"blogtui: {message}", file=sys.stderr)


def _config() -> Config:
    try:
        return load_config()
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


def _open_library(args: argparse.Namespace, directory: Path | None = None) -> Any:
    from .errors import StoreError
    from .library import Library

    path = directory or data_dir(getattr(args, "data_dir", None))
    progress = None
    if sys.stderr.isatty() and Library.needs_upgrade(path):
        # The upgrade rebuilds the search index: seconds on a large cache, minutes at a million
        # posts: a line every few seconds says how far it is.
        print(
            "blogtui: upgrading the cache for this version (once; a large one takes a while)…",
            file=sys.stderr,
        )

        def progress(done: int, total: int) -> None:
            print(f"blogtui: upgrading: {done:,} of {total:,} posts indexed again", file=sys.stderr)

    try:
        return Library(path, _config(), progress=progress)
    except StoreError as exc:
        raise UsageError(f"cannot open the cache: {exc}") from None


def _dispatch(args: argparse.Namespace) -> int:
    command = args.command
    if command is None:
        return _run_tui(_open_library(args))
    if command == "demo":
        return _demo(args)
    if command == "doctor":
        return _doctor(args)
    if command == "config":
        return _check_config()
    library = _open_library(args)
    try:
        handler = globals()[f"_cmd_{command}"]
        if command in _NETWORK_COMMANDS:
            return _interruptible(lambda: int(handler(library, args)))
        return int(handler(library, args))
    finally:
        library.close()


#: Commands that wait on the network: a signal abandons their requests at once (not ``show``:
#: its pager, which takes ctrl+c itself, must not outlive it).
_NETWORK_COMMANDS = ("add", "refresh", "import", "images")
#: The signals that stop a command, and their names in the message.
_STOP_SIGNALS = {"SIGINT": "ctrl+c", "SIGTERM": "SIGTERM", "SIGHUP": "SIGHUP"}


def _interruptible(work: Callable[[], int]) -> int:
    """Run ``work`` in a thread of its own; ctrl+c, SIGTERM or SIGHUP end the process within a
    second, whatever the thread waits on (a slow server, a long parse).

    Its requests are abandoned, not waited for. What was committed is kept (each feed is written
    in one transaction); the transaction open at that moment is rolled back (SQLite discards a
    transaction that was never committed, at the next open). Exit code 128 + the signal's number
    (130 for ctrl+c).
    """
    outcome: list[int] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            outcome.append(work())
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread, raised there
            failure.append(exc)

    caught: list[int] = []

    def stop(signum: int, _frame: object) -> None:
        caught.append(signum)
        raise KeyboardInterrupt

    previous = {}
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None:
            previous[number] = signal.signal(number, stop)
    thread = threading.Thread(target=target, name="blogtui-command", daemon=True)
    try:
        thread.start()
        while thread.is_alive():
            thread.join(0.05)
    except KeyboardInterrupt:
        number = caught[-1] if caught else int(signal.SIGINT)
        name = _STOP_SIGNALS.get(signal.Signals(number).name, signal.Signals(number).name)
        if sys.stderr.isatty():
            sys.stderr.write("\x1b[?25h")  # a progress bar hid the cursor
        _error(f"stopped ({name}): the feeds fetched so far are saved; the ones in flight are not")
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(128 + number)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    if failure:
        raise failure[0]
    return outcome[0]


# -- fetching --------------------------------------------------------------------------------


@contextmanager
def _progress_reporter(enabled: bool):  # type: ignore[no-untyped-def]
    """A Rich progress bar on stderr when it is a terminal; otherwise a silent callback."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as ProgressBar

    console = Console(stderr=True)
    bar = ProgressBar(
        TextColumn("[bold]fetching"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[new]} new posts, {task.fields[pages]} pages"),
        TimeElapsedColumn(),
        TextColumn("{task.fields[url]}", markup=False),
        console=console,
        transient=True,
    )
    task = bar.add_task("fetch", total=None, new=0, pages=0, url="")

    def update(event: Progress) -> None:
        bar.update(
            task, completed=event.done, total=event.total, new=event.new_posts,
            # Pages done of pages known, once an archive walk knows how many it has left.
            pages=f"{event.pages} of {event.pages_known}" if event.pages_known > event.pages else event.pages,
            url=event.url[-60:],
        )  # fmt: skip

    with bar:
        yield update


def _report(outcomes: list[FeedOutcome], verb: str) -> int:
    """Notes (on a terminal only), one line per failed feed, then a one-line summary; the exit code."""
    from .library import INCOMPLETE_NOTE

    failed = [o for o in outcomes if o.error]
    if sys.stderr.isatty():  # piped output is errors and the summary only
        incomplete = [o for o in outcomes if INCOMPLETE_NOTE in o.notes]
        for outcome in outcomes:
            for note in outcome.notes:
                if note != INCOMPLETE_NOTE or len(incomplete) <= 2:
                    print(f"blogtui: {outcome.url}: {note}", file=sys.stderr)
        if len(incomplete) > 2:
            print(f"blogtui: {len(incomplete)} feeds: {INCOMPLETE_NOTE}", file=sys.stderr)
    _report_failures(failed)
    new = sum(o.new_posts for o in outcomes)
    unchanged = sum(1 for o in outcomes if o.not_modified)
    ok = len(outcomes) - len(failed)
    parts = [f"{verb} {ok} of {len(outcomes)} feed{'s' if len(outcomes) != 1 else ''}", f"{new} new posts"]
    if unchanged:
        parts.append(f"{unchanged} unchanged")
    if failed:
        parts.append(f"{len(failed)} failed")
    print(", ".join(parts), file=sys.stderr)
    return EXIT_FAILED if failed else EXIT_OK


def _report_failures(failed: Sequence[FeedOutcome]) -> None:
    """One line per failed feed; the feeds the cache could not store (a full disk, a read-only
    cache), one line for them all: the cause once, then which feeds were not saved."""
    from .library import NOT_SAVED

    unsaved: dict[str, list[str]] = {}
    for outcome in failed:
        error = outcome.error or ""
        if error.startswith(NOT_SAVED):
            unsaved.setdefault(error[len(NOT_SAVED) :], []).append(outcome.url)
        else:
            _error(f"{outcome.url}: {error}")
    for cause, urls in unsaved.items():
        shown = ", ".join(urls[:3]) + (f" and {len(urls) - 3} more" if len(urls) > 3 else "")
        _error(f"{cause}; not saved: {len(urls)} feed{'s' if len(urls) != 1 else ''} ({shown})")


def _cmd_add(library: Any, args: argparse.Namespace) -> int:
    with _progress_reporter(True) as progress:
        outcomes = library.subscribe(
            args.urls, archive=not args.no_archive, jobs=args.jobs, timeout=args.timeout, on_progress=progress
        )
    code = _report(outcomes, "added")
    _wait_for_images(library)
    return code


def _cmd_refresh(library: Any, args: argparse.Namespace) -> int:
    with _progress_reporter(True) as progress:
        outcomes = library.refresh(
            args.urls, archive=args.archive, jobs=args.jobs, timeout=args.timeout, on_progress=progress
        )
    code = _report(outcomes, "refreshed")
    _wait_for_images(library)
    return code


def _wait_for_images(library: Any) -> None:
    """The posts are stored: wait for their images (on a terminal, say so and what came of it)."""
    if sys.stderr.isatty() and library.images_pending:
        print(
            "blogtui: fetching the new posts' images (ctrl+c stops; the posts are stored)…", file=sys.stderr
        )
    report = library.wait_for_images()
    if report is not None and sys.stderr.isatty():
        for note in report.notes[:10]:
            _error(note)
        if len(report.notes) > 10:
            _error(f"… and {len(report.notes) - 10} more images not kept")
        print(report.summary(), file=sys.stderr)


def _cmd_images(library: Any, args: argparse.Namespace) -> int:
    if args.fetch:
        if args.stats or args.json:
            raise UsageError("images --fetch fills the cache; --stats and --json say what it holds")
        report = library.fetch_images(" ".join(args.query), on_note=_error)
        print(report.summary(), file=sys.stderr)
        return EXIT_OK
    if args.query:
        raise UsageError("images: a query applies to --fetch")
    stats = library.image_stats()
    if args.json:
        _print_json(stats)
        return EXIT_OK
    which = {"off": "none (images = off)", "lead": "each post's first", "all": "all of each post's"}
    print(
        f"{stats['stored']} images kept, {_size(stats['bytes'])} of {_size(stats['cap_bytes'])}"
        f" ({which.get(stats['setting'], stats['setting'])}); {stats['refused']} refused\n"
        f"  {stats['directory']}"
    )
    return EXIT_OK


def _size(count: int) -> str:
    return f"{count / 1024**3:.1f} GB" if count >= 1024**3 else f"{count / 1024**2:.1f} MB"


# -- listing ---------------------------------------------------------------------------------


def _print_json(value: object) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def _cmd_feeds(library: Any, args: argparse.Namespace) -> int:
    feeds = library.feeds(words=True)
    if args.json:
        _print_json([feed_json(f) for f in feeds])
        return EXIT_OK
    if not feeds:
        print("No feeds yet: add one with `blogtui add URL` (or try `blogtui demo`).", file=sys.stderr)
    for f in feeds:
        archive = archive_words(f)
        fetched = f.fetched_at.strftime("%Y-%m-%d %H:%M") if f.fetched_at else "never"
        line = f"{f.title or f.url}\n  {f.url}\n  {feed_counts(f)}, fetched {fetched}\n  {archive}"
        if f.first_post:
            line += f"\n  {feed_span(f)}"
        if f.error:
            line += f"\n  last error: {f.error}"
        print(line)
    return EXIT_OK


def _cmd_posts(library: Any, args: argparse.Namespace) -> int:
    text = " ".join(args.query)
    posts = library.posts_json(text, limit=args.limit, ranked=args.ranked, order=args.sort)
    if args.json:
        _print_json(posts)
        return EXIT_OK
    # An untitled post reads as its opening words, as in the reader's list (--json keeps "").
    untitled = [int(post["id"]) for post in posts if not post["title"]]
    openings = {row.id: row.opening for row in library.rows(untitled)} if untitled else {}
    for post in posts:
        marker = "*" if post["starred"] else ("B" if post["backlog"] else "N" if not post["read"] else " ")
        day = (post["published"] or "")[:10] or "          "
        title = post["title"] or openings.get(int(post["id"])) or "(untitled)"
        print(f"{post['id']:>7} {marker} {day}  {title}  — {post['feed_title']}")
    return EXIT_OK


def _cmd_tags(library: Any, args: argparse.Namespace) -> int:
    tags = library.user_tags() if args.mine else library.tags()
    if args.json:
        _print_json([tag_json(t) for t in tags])
        return EXIT_OK
    for tag in tags:
        print(f"{tag.count:>7}  {tag.name}")
    return EXIT_OK


def _cmd_show(library: Any, args: argparse.Namespace) -> int:
    from .content.sanitize import clean_line, clean_text
    from .content.text import wants_full_article
    from .errors import LibraryError

    post = library.post(args.post_id)
    if post is None:
        raise UsageError(f"post {args.post_id}: no such post (see blogtui posts)")
    code = EXIT_OK
    if args.full and wants_full_article(post):
        try:
            post = library.fetch_full_article(args.post_id)
        except LibraryError as exc:
            _error(f"{exc} (showing what the feed gave)")
            code = EXIT_FAILED
    elif post.summary_only and post.url.startswith(("http://", "https://")):
        _error(f"post {post.id}: the feed gives only a summary (`blogtui show --full {post.id}` fetches all)")
    mine = library.post_tags(post.id, user=True)
    post = replace(post, tags=tuple(library.post_tags(post.id, user=False)))
    if args.json:
        _print_json(post_detail_json(post, mine))
        return code
    if args.markdown:
        sys.stdout.write(clean_text(post_markdown(post, mine)))
        return code
    from rich.console import Console, Group
    from rich.markdown import Markdown
    from rich.text import Text

    # Feed text is never markup: the header is plain Text (never parsed), the body Markdown
    # without control characters (even from a cache written by an older version).
    header = [Text(clean_line(post.title) or UNTITLED, style="bold")]
    meta = [clean_line(post.feed_title), f"by {clean_line(post.author)}" if post.author else ""]
    meta.append(post.published.strftime("%Y-%m-%d") if post.published else "")
    header.append(Text(" · ".join(m for m in meta if m), style="dim"))
    if post.url:
        header.append(Text(clean_line(post.url), style="underline"))
    if post.tags:
        header.append(Text("Tags: " + ", ".join(clean_line(t) for t in post.tags)))
    if mine:
        header.append(Text("Your tags: " + ", ".join(clean_line(t) for t in mine)))
    body = clean_text(post.content_md or post.summary) or NO_TEXT
    document = Group(*header, Text(""), Markdown(body, hyperlinks=False))
    if not sys.stdout.isatty():  # plain text: Rich's layout without colours or escape sequences
        width = int(os.environ.get("COLUMNS", "") or 0) or 80
        buffer = io.StringIO()
        Console(file=buffer, width=width, color_system=None, force_terminal=False).print(document)
        sys.stdout.write("\n".join(line.rstrip() for line in buffer.getvalue().split("\n")))
        return code
    console = Console()
    with console.capture() as captured:
        console.print(document)
    text = captured.get()
    if args.no_pager or text.count("\n") < console.height or not _page(text):
        sys.stdout.write(text)
    return code


def _page(text: str) -> bool:
    """Show ``text`` through ``$PAGER`` (else ``less``); False if there is no pager to run.

    ``less`` gets ``-FRX`` unless ``$LESS`` says otherwise: colours pass, one screen quits.
    """
    import shlex
    import shutil
    import subprocess

    try:
        if not os.isatty(sys.stdout.fileno()):
            return False
    except (OSError, ValueError, AttributeError):
        return False
    command = os.environ.get("PAGER")
    if command is None:
        command = "less" if shutil.which("less") else ""
    argv = shlex.split(command) if command.strip() else []
    if not argv or argv[0] == "cat":
        return False
    env = {**os.environ, "LESS": os.environ.get("LESS", "FRX")}
    try:
        pager = subprocess.Popen(argv, stdin=subprocess.PIPE, env=env)
    except OSError:
        return False
    assert pager.stdin is not None
    try:
        pager.stdin.write(text.encode("utf-8", "replace"))
        pager.stdin.close()
    except BrokenPipeError:  # the reader quit the pager early
        pass
    pager.wait()
    return True


def _mark(library: Any, args: argparse.Namespace, **state: bool) -> int:
    missing = library.missing_posts(args.post_ids)
    present = [i for i in args.post_ids if i not in missing]
    if present:
        if "read" in state:
            library.mark_read(present, state["read"])
        else:
            library.star(present, state["starred"])
    for post_id in missing:
        _error(f"post {post_id}: no such post")
    return EXIT_USAGE if missing else EXIT_OK


def _cmd_read(library: Any, args: argparse.Namespace) -> int:
    return _mark(library, args, read=True)


def _cmd_unread(library: Any, args: argparse.Namespace) -> int:
    return _mark(library, args, read=False)


def _cmd_star(library: Any, args: argparse.Namespace) -> int:
    return _mark(library, args, starred=True)


def _cmd_unstar(library: Any, args: argparse.Namespace) -> int:
    return _mark(library, args, starred=False)


def _cmd_vacuum(library: Any, args: argparse.Namespace) -> int:
    done = library.vacuum()
    change = f" ({(done.after - done.before) * 100 / done.before:+.0f}%)" if done.before else ""
    posts = f"; dropped {done.dropped:,} post{'' if done.dropped == 1 else 's'}" if done.dropped else ""
    print(f"{library.db_path}: {_file_size(done.before)} -> {_file_size(done.after)}{change}{posts}")
    return EXIT_OK


def _file_size(count: int) -> str:
    return _size(count) if count >= 1024**2 else f"{count / 1024:.0f} KB"


def _cmd_remove(library: Any, args: argparse.Namespace) -> int:
    if not library.remove(args.url):
        raise UsageError(f"{args.url}: not subscribed (see blogtui feeds)")
    print(f"removed {args.url}", file=sys.stderr)
    return EXIT_OK


def _cmd_rename(library: Any, args: argparse.Namespace) -> int:
    try:
        feed = library.rename(args.url, args.name)
    except LibraryError as exc:
        raise UsageError(str(exc)) from None
    if feed.name:
        print(f"renamed {feed.url}: {feed.name}", file=sys.stderr)
    else:
        print(f"{feed.url}: its feed's title again: {feed.title or feed.url}", file=sys.stderr)
    return EXIT_OK


# -- tags, saved views, import and export ----------------------------------------------------


def _cmd_tag(library: Any, args: argparse.Namespace) -> int:
    if args.remove:
        if not library.remove_user_tag(args.post_id, args.name):
            if library.missing_posts([args.post_id]):
                raise UsageError(f"post {args.post_id}: no such post (see blogtui posts)")
            raise UsageError(f"post {args.post_id}: has no tag of yours named {args.name!r}")
        print(f"post {args.post_id}: removed your tag {args.name!r}", file=sys.stderr)
        return EXIT_OK
    stored = library.add_user_tag(args.post_id, args.name)
    if stored in library.post_tags(args.post_id, user=False):
        print(f"post {args.post_id}: its feed already tags it {stored!r}", file=sys.stderr)
    else:
        print(f"post {args.post_id}: tagged {stored!r}", file=sys.stderr)
    return EXIT_OK


def _cmd_views(library: Any, args: argparse.Namespace) -> int:
    views = library.views()
    if args.json:
        _print_json([view_json(name, query) for name, query in views])
        return EXIT_OK
    if not views:
        print("No saved views: save one with `blogtui view NAME QUERY`.", file=sys.stderr)
    for name, query in views:
        print(f"@{name}  {query}")
    return EXIT_OK


def _cmd_view(library: Any, args: argparse.Namespace) -> int:
    name = args.name.strip().lstrip("@")
    if args.delete:
        if args.query:
            raise UsageError("view --delete takes a name only")
        if not library.delete_view(name):
            raise UsageError(f"@{name}: no saved view of that name (see blogtui views)")
        print(f"deleted @{name}", file=sys.stderr)
        return EXIT_OK
    if not args.query:
        query = library.view(name)
        if query is None:
            raise UsageError(f"@{name}: no saved view of that name (see blogtui views)")
        print(query)
        return EXIT_OK
    library.save_view(name, " ".join(args.query))
    print(f"saved @{name}: {library.count(f'@{name}')} posts match", file=sys.stderr)
    return EXIT_OK


def _check_config() -> int:
    """``blogtui config``: a setting that is not valid is the one-line error every command gives
    (exit 2); a key ``[keys]`` gives a binding that another live binding has too is one warning
    line each (exit 2: only one of them would work); else the file is ok."""
    from .config import config_path

    path = config_path()
    config = _config()
    clashes: list[str] = []
    if config.keys:  # only then is the reader's code loaded, to read its bindings
        from .ui.app import BlogApp
        from .ui.screens.help import key_clashes

        clashes = key_clashes(BlogApp, config.keys)
    for line in clashes:
        _error(f"{path}: {line}")
    if clashes:
        return EXIT_USAGE
    print(f"{path}: ok" if path.exists() else f"{path}: no such file (every setting has its default)")
    return EXIT_OK


def _doctor(args: argparse.Namespace) -> int:
    from .library import Library

    path = data_dir(getattr(args, "data_dir", None)) / DB_NAME
    report = Library.check_cache(path)
    if report.missing:
        _error(f"{path}: no cache here (nothing to check)")
        return EXIT_USAGE
    if report.ok:
        print(f"{path}: ok (integrity_check found no damage)")
        return EXIT_OK
    more = len(report.problems) - 3
    problems = "; ".join(report.problems[:3]) + (f"; and {more} more" if more > 0 else "")
    if not args.repair:
        _error(f"{path}: damaged: {problems} (`blogtui doctor --repair` saves what can be read)")
        return EXIT_USAGE
    _error(f"{path}: damaged: {problems}")
    repaired = Library.repair_cache(path)
    if repaired.problem:
        _error(repaired.summary())
        return EXIT_FAILED
    print(repaired.summary())
    return EXIT_OK


def _cmd_import(library: Any, args: argparse.Namespace) -> int:
    if library.is_backup(args.file):
        report = library.import_backup(args.file, include_dropped=args.include_dropped)
        for name, reason in report.views_kept:
            _error(f"@{name}: kept as it was: {reason}")
        print(report.summary(), file=sys.stderr)
        return EXIT_OK
    with _progress_reporter(not args.no_fetch) as progress:
        report = library.import_opml(
            args.file,
            fetch=not args.no_fetch,
            archive=not args.no_archive,
            jobs=args.jobs,
            timeout=args.timeout,
            on_progress=progress,
        )
    for outcome in report.failed:
        _error(f"{outcome.url}: {outcome.error}")
    for url, reason in report.skipped:
        _error(f"{url or '(empty)'}: skipped: {reason}")
    print(report.summary(), file=sys.stderr)
    return EXIT_FAILED if report.failed else EXIT_OK


def _cmd_export(library: Any, args: argparse.Namespace) -> int:
    text = " ".join(args.query)
    if args.format == "markdown":
        if args.to is None:
            raise UsageError("export --format markdown needs --to DIR (one file per post)")
        written = library.export_markdown(args.to, text)
        print(f"wrote {written} Markdown file{'s' if written != 1 else ''} to {args.to}", file=sys.stderr)
        return EXIT_OK
    if args.format == "epub":
        if args.to is None:
            raise UsageError("export --format epub needs --to FILE (the book, e.g. blog.epub)")
        if args.to.is_dir():
            raise UsageError(f"{args.to}: is a directory (--to names the book's file)")
        written = library.export_epub(args.to, text)
        print(f"wrote {written} post{'s' if written != 1 else ''} to {args.to}", file=sys.stderr)
        return EXIT_OK
    if args.to is not None:
        raise UsageError(f"export --format {args.format} writes to stdout; --to is for markdown and epub")
    if args.format == "opml":
        if text:
            raise UsageError(
                "export --format opml lists subscriptions; a query applies to json, markdown and epub"
            )
        sys.stdout.write(library.export_opml())
        return EXIT_OK
    library.compile(text)  # a bad query fails before any output
    library.export_json(sys.stdout, text)
    return EXIT_OK


# -- the TUI ---------------------------------------------------------------------------------


def _run_tui(library: Any) -> int:
    try:
        from .ui.app import run
        from .ui.widgets.images import probe_terminal

        # The cell size pictures are drawn for, and the way (Kitty graphics or half cells): the
        # terminal is asked before the app owns it.
        probe_terminal(library.config.image_protocol)
        code = int(run(library))
    except BaseException:
        library.close()
        raise
    _exit_if_busy(code)
    library.close()
    return code


def _exit_if_busy(code: int) -> None:
    """The reader has quit (the terminal is restored): if a worker thread still waits on a slow
    server, do not wait for it; end now. Its open transaction is rolled back (never committed)."""
    busy = [t for t in threading.enumerate() if t is not threading.current_thread() and not t.daemon]
    if busy:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def demo_feed_path() -> Path:
    """The first page of the bundled sample blog."""
    return Path(str(resources.files("blogtui.demo").joinpath("feed.xml")))


def keep_demo_pictures(library: Any) -> None:
    """Keep the demo's pictures in its image cache (bundled: they show offline, nothing fetches them)."""
    from .demo import PICTURES

    folder = resources.files("blogtui.demo")
    for url, name in PICTURES.items():
        library.keep_image(url, folder.joinpath(name).read_bytes())


def _demo(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="blogtui-demo-") as tmp:
        library = _open_library(args, Path(tmp))
        keep_demo_pictures(library)  # before subscribing: the image fetch then knows them
        outcomes = library.subscribe([str(demo_feed_path())])
        if any(o.error for o in outcomes):
            library.close()
            return _report(outcomes, "added")
        return _run_tui(library)


def entry() -> None:
    """Console-script entry point: no traceback reaches the user, whatever goes wrong.

    A bug still gets one line naming it (``BLOGTUI_DEBUG=1`` shows the traceback instead).
    """
    try:
        code = main()
    except Exception as exc:  # the last line of defence, not a way to handle errors
        if os.environ.get("BLOGTUI_DEBUG"):
            raise
        _error(f"internal error: {type(exc).__name__}: {exc} (BLOGTUI_DEBUG=1 shows where)")
        code = EXIT_FAILED
    sys.exit(code)


if __name__ == "__main__":
    entry()
