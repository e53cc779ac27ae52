"""`blogtui add` / `refresh` as processes: piped output, exit codes, stored errors, two processes at once."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from feedserver import FeedServer


def atom(entries: list[int], next_href: str | None = None, title: str = "CLI feed") -> bytes:
    link = f'<link rel="next" href="{next_href}"/>' if next_href else ""
    body = "".join(
        f"<entry><id>urn:c:{n}</id><title>C {n}</title><link href='https://c.example/{n}'/>"
        f"<updated>2024-04-{n % 28 + 1:02d}T00:00:00Z</updated><category term='cli'/>"
        f"<content type='html'>&lt;p&gt;text {n}&lt;/p&gt;</content></entry>"
        for n in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{title}</title><link rel='alternate' href='https://c.example/'/>{link}{body}</feed>"
    ).encode()


def blogtui(data_dir: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "blogtui", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_piped_add_prints_one_line_per_failure_and_a_summary(server: FeedServer, data_dir: Path) -> None:
    server.add("/ok", atom([2, 1]))
    server.add("/garbage", bytes(range(256)) * 8, content_type="application/octet-stream")
    urls = [server.url("/ok"), server.url("/missing"), server.url("/garbage")]
    done = blogtui(data_dir, "add", "--no-archive", "--timeout", "5", *urls)
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[0] == f"blogtui: {urls[1]}: HTTP 404 Not Found"
    assert lines[1].startswith(f"blogtui: {urls[2]}: not a feed")
    assert lines[2] == "added 1 of 3 feeds, 2 new posts, 2 failed"
    assert len(lines) == 3 and "Traceback" not in done.stderr and "\x1b" not in done.stderr
    assert done.stdout == ""


def test_failures_are_stored_on_the_feed_with_their_time(server: FeedServer, data_dir: Path) -> None:
    server.add("/feed", atom([3], "/feed/2"))
    server.add("/feed/2", atom([2, 1]))
    assert blogtui(data_dir, "add", server.url("/feed")).returncode == 0
    [feed] = json.loads(blogtui(data_dir, "feeds", "--json").stdout)
    assert (feed["posts"], feed["archive_complete"], feed["error"]) == (3, True, None)
    server.add("/feed", b"no", status=500, content_type="text/plain")
    done = blogtui(data_dir, "refresh")
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == f"blogtui: {server.url('/feed')}: HTTP 500 Internal Server Error"
    [feed] = json.loads(blogtui(data_dir, "feeds", "--json").stdout)
    assert (feed["posts"], feed["error"]) == (3, "HTTP 500 Internal Server Error")
    import sqlite3

    db = sqlite3.connect(data_dir / "blogtui.db")
    assert db.execute("SELECT error_at > 0 FROM feeds").fetchone()[0] == 1
    db.close()
    text = blogtui(data_dir, "feeds").stdout
    assert "last error: HTTP 500" in text and "posts via feed-pages, complete" in text


def test_refresh_archive_flag_walks_the_pages(server: FeedServer, data_dir: Path) -> None:
    server.add("/feed", atom([2]))
    assert blogtui(data_dir, "add", "--no-archive", server.url("/feed")).returncode == 0
    server.add("/feed", atom([3, 2], "/feed/2"))
    server.add("/feed/2", atom([1]))
    assert blogtui(data_dir, "refresh").returncode == 0
    assert not server.hits("/feed/2")
    done = blogtui(data_dir, "refresh", "--archive")
    assert done.returncode == 0 and "1 new posts" in done.stderr
    [feed] = json.loads(blogtui(data_dir, "feeds", "--json").stdout)
    assert (feed["posts"], feed["archive_complete"]) == (3, True)


READER = textwrap.dedent(
    """
    import sys, time
    from blogtui.library import Library
    library = Library(sys.argv[1])
    most, deadline = 0, time.monotonic() + 40
    while time.monotonic() < deadline:
        ids = library.post_ids()
        most = max(most, len(ids))
        library.mark_read(ids[:1])
        library.tags()
        if most >= int(sys.argv[2]):
            break
    print(most)
    """
)


def test_a_reader_process_and_a_refresh_process_at_once(server: FeedServer, data_dir: Path) -> None:
    server.add("/feed", atom([1, 2]))
    assert blogtui(data_dir, "add", "--no-archive", server.url("/feed")).returncode == 0
    server.add("/feed", atom(list(range(1, 301))))
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(data_dir), "300"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        done = blogtui(data_dir, "refresh")
        out, err = reader.communicate(timeout=60)
    finally:
        reader.kill()
    assert done.returncode == 0, done.stderr
    assert "locked" not in done.stderr and "locked" not in err and "Traceback" not in err
    assert out.strip() == "300"
