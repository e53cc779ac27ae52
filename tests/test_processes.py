"""No orphans, quick exits: a real ``blogtui`` process, killed or signalled while it fetches.

Each test runs the command as a subprocess against a loopback server whose slow routes hold
their requests for longer than the test lasts; "quick" is within a second of the signal.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from feedserver import FeedServer, Request, Response

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux's /proc")


def atom(name: str, entries: int, size: int = 600) -> bytes:
    body = "".join(
        f"<entry><id>urn:{name}:{n}</id><title>{name} {n}</title><link href='https://h.example/{name}/{n}'/>"
        f"<updated>2024-03-{n % 28 + 1:02d}T00:00:00Z</updated><content type='html'>{'word ' * (size // 5)}"
        "</content></entry>"
        for n in range(entries)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{name}</title>{body}</feed>"
    ).encode()


def _stat(pid: int) -> tuple[int, str, str] | None:
    """(parent pid, state, start time) of a process, None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()
    return int(fields[1]), fields[0], fields[19]


def descendants(root: int) -> dict[int, str]:
    """Every process below ``root``, with its start time (a pid may be reused later)."""
    table: dict[int, tuple[int, str, str]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            found = _stat(int(entry))
            if found is not None:
                table[int(entry)] = found
    out: dict[int, str] = {}
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, _state, started) in table.items():
            if ppid == parent and pid not in out:
                out[pid] = started
                frontier.append(pid)
    return out


def survivors(processes: dict[int, str]) -> list[int]:
    """The processes of ``processes`` still running (a zombie is dead, only not reaped)."""
    left = []
    for pid, started in processes.items():
        found = _stat(pid)
        if found is not None and found[2] == started and found[1] != "Z":
            left.append(pid)
    return left


@pytest.fixture(autouse=True)
def ctrl_c_not_ignored() -> Iterator[None]:
    """ctrl+c's signal handled in the blogtui started here, as a shell's foreground job has it.

    A job started in the background by a shell without job control (a CI script run with ``&``)
    inherits SIGINT ignored, down to the tests' own children, and a program respects that
    (Python then makes no KeyboardInterrupt of it). A handler is not inherited through exec (the
    child starts with the default), an ignored signal is: so the test process handles it
    meanwhile, as Python does by default."""
    ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    if ignored:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    if ignored:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def blogtui(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "blogtui", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def slow_site(server: FeedServer) -> tuple[FeedServer, list[str], list[str]]:
    """Three big feeds served at once (parsed in the pool: its workers start) and two that hold
    their request for 60 s."""
    release = threading.Event()

    def slow(_request: Request) -> Response:
        release.wait(60)
        return Response(atom("slow", 2))

    fast = [server.add(f"/big{n}.xml", atom(f"big{n}", 80)) for n in range(3)]
    slow_urls = [server.add(f"/slow{n}.xml", slow) for n in range(2)]
    yield server, fast, slow_urls
    release.set()


#: The parse pool starts whatever the machine's load (it is made only when cores are idle, and
#: a test run keeps them busy): these tests are about its processes.
POOL_ON = {"BLOGTUI_PARSE_POOL": "on"}


def wait_for(predicate, timeout: float = 20.0) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_kill_9_of_add_leaves_no_process_behind(slow_site: tuple[FeedServer, list[str], list[str]]) -> None:
    server, fast, slow = slow_site
    proc = blogtui("add", "--jobs", "8", *fast, *slow, env=POOL_ON)
    try:
        # The pool's workers are up once two processes below blogtui parse (server and workers).
        assert wait_for(lambda: len(descendants(proc.pid)) >= 3), "the parse pool never started"
        assert wait_for(lambda: len(server.hits("/slow0.xml")) == 1 and len(server.hits("/slow1.xml")) == 1)
        time.sleep(0.3)  # the big feeds parsed and stored meanwhile
        helpers = descendants(proc.pid)
        assert len(helpers) >= 2, helpers
        proc.kill()  # SIGKILL: no handler, no cleanup in blogtui
        proc.wait(5)
        assert wait_for(lambda: not survivors(helpers), timeout=5), (
            f"still running after kill -9 of blogtui: {survivors(helpers)}"
        )
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize(
    ("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129), (signal.SIGINT, 130)]
)
def test_a_signal_stops_add_within_a_second_and_keeps_what_was_saved(
    slow_site: tuple[FeedServer, list[str], list[str]], data_dir: Path, signum: int, code: int
) -> None:
    server, fast, slow = slow_site
    proc = blogtui("add", "--jobs", "8", *fast, *slow, env=POOL_ON)
    try:
        db = data_dir / "blogtui.db"

        def stored() -> int:
            if not db.exists():
                return 0
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
                try:
                    return int(con.execute("SELECT count(DISTINCT feed_id) FROM posts").fetchone()[0])
                except sqlite3.OperationalError:
                    return 0

        assert wait_for(lambda: stored() == 3), "the fast feeds were never stored"
        assert wait_for(lambda: len(server.hits("/slow0.xml")) == 1)
        helpers = descendants(proc.pid)
        started = time.monotonic()
        proc.send_signal(signum)
        _out, err = proc.communicate(timeout=10)
        took = time.monotonic() - started
        assert took < 1.0, f"took {took:.2f} s to stop"
        assert proc.returncode == code
        lines = err.strip().splitlines()
        assert lines[-1].startswith("blogtui: stopped") and "saved" in lines[-1], err
        assert "Traceback" not in err
        assert wait_for(lambda: not survivors(helpers), timeout=5), survivors(helpers)
        with sqlite3.connect(db) as con:
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert con.execute("SELECT count(*) FROM posts").fetchone()[0] == 3 * 80
            assert con.execute("SELECT count(*) FROM feeds WHERE fetched_at IS NOT NULL").fetchone()[0] == 3
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _pty_blogtui(data_dir: Path) -> tuple[subprocess.Popen[bytes], int]:
    import pty

    leader, follower = pty.openpty()
    os.set_blocking(leader, False)
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "blogtui", "--data-dir", str(data_dir)],
        stdin=follower, stdout=follower, stderr=follower, env=env, start_new_session=True,
    )  # fmt: skip
    os.close(follower)
    return proc, leader


def _drain(leader: int) -> bytes:
    out = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except (BlockingIOError, OSError):
            return out
        if not chunk:
            return out
        out += chunk


@pytest.mark.parametrize("key", [b"q", b"\x03"], ids=["q", "ctrl+c"])
def test_the_reader_quits_within_a_second_while_a_refresh_waits(
    server: FeedServer, data_dir: Path, key: bytes
) -> None:
    from blogtui.config import Config
    from blogtui.library import Library

    release = threading.Event()
    url = server.add("/feed.xml", atom("feed", 3))
    library = Library(data_dir, Config())
    assert library.subscribe([url], archive=False)[0].error is None
    library.close()

    def slow(_request: Request) -> Response:
        release.wait(60)
        return Response(atom("feed", 3))

    server.add("/feed.xml", slow)
    proc, leader = _pty_blogtui(data_dir)
    try:
        seen = b""

        def drawn() -> bool:
            nonlocal seen
            seen += _drain(leader)
            return b"feed 2" in seen

        assert wait_for(drawn, timeout=30), seen[-500:]
        os.write(leader, b"r")
        assert wait_for(lambda: len(server.hits("/feed.xml")) >= 2, timeout=10), "no refresh started"
        time.sleep(0.2)
        started = time.monotonic()
        os.write(leader, key)

        def ended() -> bool:
            _drain(leader)
            return proc.poll() is not None

        assert wait_for(ended, timeout=10), "the reader did not quit"
        took = time.monotonic() - started
        assert took < 1.0, f"took {took:.2f} s to quit"
        with sqlite3.connect(data_dir / "blogtui.db") as con:
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert con.execute("SELECT count(*) FROM posts").fetchone()[0] == 3
    finally:
        release.set()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(leader)
