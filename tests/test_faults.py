"""Faults named, nothing lost: a full disk, a read-only cache, a damaged file, a held lock.

The disk-full and read-only cases need a small tmpfs and a read-only bind mount: they run as root
(as in CI) and skip, saying why, where the mount cannot be made.
"""

from __future__ import annotations

import os
import random
import sqlite3
import string
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from blogtui.config import Config
from blogtui.errors import StoreError
from blogtui.library import Library
from conftest import run
from feedserver import FeedServer


def _words(seed: str, size: int) -> str:
    """About ``size`` characters of seeded random words: text that compresses no better than prose
    (the cache stores posts compressed, so a repeated phrase would take almost no room)."""
    rng = random.Random(seed)
    return " ".join(
        "".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 9))) for _ in range(size // 7)
    )


def rss(name: str, count: int, size: int = 200) -> bytes:
    items = "".join(
        f"<item><title>{name} {n}</title><link>https://{name}.example/{n}</link><guid>{name}-{n}</guid>"
        f"<pubDate>Mon, 0{n % 9 + 1} Jan 2024 00:00:00 GMT</pubDate>"
        f"<description>{name} word{n} {_words(f'{name}-{n}', size)}</description></item>"
        for n in range(count)
    )
    head = f'<?xml version="1.0"?><rss version="2.0"><channel><title>{name}</title>'
    return f"{head}{items}</channel></rss>".encode()


def _mount(*args: str) -> str | None:
    """Run mount; the reason it failed, or None."""
    if os.geteuid() != 0:
        return "needs root (mount)"
    try:
        done = subprocess.run(["mount", *args], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"mount failed: {exc}"
    return None if done.returncode == 0 else f"mount {' '.join(args)} failed: {done.stderr.strip()}"


def _umount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=20)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs."""
    where = tmp_path / "small"
    where.mkdir()
    problem = _mount("-t", "tmpfs", "-o", "size=2m", "tmpfs", str(where))
    if problem:
        pytest.skip(problem)
    yield where
    _umount(where)


@pytest.fixture
def read_only_view(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A data dir, and a read-only bind mount of it: (writable, read-only)."""
    data = tmp_path / "data"
    data.mkdir()
    view = tmp_path / "ro"
    view.mkdir()
    problem = _mount("--bind", str(data), str(view))
    if problem:
        pytest.skip(problem)
    problem = _mount("-o", "remount,ro,bind", str(view))
    if problem:
        _umount(view)
        pytest.skip(problem)
    yield data, view
    _umount(view)


def _integrity(db: Path) -> str:
    with sqlite3.connect(db) as con:
        return str(con.execute("PRAGMA integrity_check").fetchone()[0])


# -- a full disk ----------------------------------------------------------------------------------


def test_disk_full_is_one_line_and_the_stored_posts_stay(
    small_disk: Path, server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    small = server.add("/small.xml", rss("small", 5))
    big = server.add("/big.xml", rss("big", 400, size=8000))  # ~3 MB of text: more than the disk
    code, _out, err = run(capsys, "--data-dir", str(small_disk), "add", "--no-archive", small)
    assert code == 0, err
    code, _out, err = run(capsys, "--data-dir", str(small_disk), "add", "--no-archive", big)
    assert code == 1
    lines = [line for line in err.splitlines() if line.startswith("blogtui:")]
    assert len(lines) == 1, err
    assert "the disk is full" in lines[0] and "not saved: 1 feed" in lines[0] and big in lines[0]
    assert str(small_disk / "blogtui.db") in lines[0]
    assert "internal error" not in err and "Traceback" not in err
    assert _integrity(small_disk / "blogtui.db") == "ok"
    code, out, _err = run(capsys, "--data-dir", str(small_disk), "posts", "--json")
    assert code == 0
    assert out.count('"title": "small ') == 5


# -- a read-only cache ------------------------------------------------------------------------------


def _seed(data: Path, server: FeedServer) -> str:
    url = server.add("/feed.xml", rss("feed", 4))
    library = Library(data, Config())
    assert library.subscribe([url], archive=False)[0].error is None
    library.close()
    return url


def test_a_read_only_mount_is_read_and_writes_say_read_only(
    read_only_view: tuple[Path, Path], server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    data, view = read_only_view
    url = _seed(data, server)
    assert not (data / "blogtui.db-wal").exists()  # closed cleanly: a WAL database with no -shm
    code, out, err = run(capsys, "--data-dir", str(view), "posts")
    assert code == 0, err
    assert "feed 3" in out
    assert run(capsys, "--data-dir", str(view), "feeds", "--json")[0] == 0
    post_id = Library(data, Config()).post_ids()[0]
    code, out, err = run(capsys, "--data-dir", str(view), "show", str(post_id), "--no-pager")
    assert code == 0 and "feed" in out, err
    code, _out, err = run(capsys, "--data-dir", str(view), "read", str(post_id))
    assert code == 1
    assert err.count("\n") == 1 and "read-only" in err and str(view / "blogtui.db") in err
    code, _out, err = run(capsys, "--data-dir", str(view), "refresh")
    assert err.count("\n") == 1 and "read-only" in err
    code, _out, err = run(capsys, "--data-dir", str(view), "add", url)
    assert code != 0 and "read-only" in err and "Traceback" not in err


def test_the_library_on_a_read_only_mount(read_only_view: tuple[Path, Path], server: FeedServer) -> None:
    data, view = read_only_view
    _seed(data, server)
    library = Library(view, Config())
    assert library.read_only
    ids = library.post_ids()
    assert len(ids) == 4 and library.post(ids[0]) is not None
    library.set_state("ui.post", str(ids[0]))  # UI state is skipped, not an error
    with pytest.raises(StoreError, match="read-only") as caught:
        library.mark_read([ids[0]])
    assert caught.value.kind == "read-only"
    library.close()


async def test_the_reader_works_read_only_and_says_so_on_a_write(
    read_only_view: tuple[Path, Path], server: FeedServer
) -> None:
    from blogtui.ui.widgets.post_list import PostList
    from ui_harness import make_app, press, settle

    data, view = read_only_view
    _seed(data, server)
    library = Library(view, Config())
    app = make_app(library)
    async with app.run_test(size=(110, 32)) as pilot:
        await settle(pilot, app)
        assert app.screen.query_one(PostList).count == 4
        await press(pilot, "m")
        await settle(pilot, app)
        messages = [n.message for n in app._notifications]
        assert any("read-only" in m for m in messages), messages
    library.close()


# -- a damaged file -------------------------------------------------------------------------------


def _damage(db: Path, where: float = 0.6) -> None:
    """Overwrite a few pages of the posts table (``where``: how far into its pages) with junk.

    The posts' own pages, not a place in the file: their HTML is stored compressed, so the file's
    body is mostly the search index, whose pages a listing may not read."""
    with sqlite3.connect(db) as con:
        pages = [r[0] for r in con.execute("SELECT pageno FROM dbstat WHERE name = 'posts' ORDER BY pageno")]
        page = int(con.execute("PRAGMA page_size").fetchone()[0])
    with db.open("r+b") as handle:
        for number in pages[int(len(pages) * where) :][:3]:
            handle.seek((number - 1) * page)
            handle.write(os.urandom(page))


def _seeded_on_disk(data: Path, server: FeedServer) -> Path:
    url = server.add("/many.xml", rss("many", 300, size=1500))
    library = Library(data, Config())
    assert library.subscribe([url], archive=False)[0].error is None
    library.close()
    db = data / "blogtui.db"
    with sqlite3.connect(db) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return db


def test_a_damaged_cache_is_one_line_exit_2_and_doctor_repairs_it(
    data_dir: Path, server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _seeded_on_disk(data_dir, server)
    assert run(capsys, "doctor")[:2] == (0, f"{db}: ok (integrity_check found no damage)\n")
    _damage(db)
    code, _out, err = run(capsys, "posts", "many", "--json")
    assert code == 2
    assert err.count("\n") == 1 and str(db) in err and "damaged" in err and "blogtui doctor" in err
    code, _out, err = run(capsys, "doctor")
    assert code == 2 and "damaged" in err and "--repair" in err and err.count("\n") == 1
    code, out, err = run(capsys, "doctor", "--repair")
    assert code == 0, err
    assert "repaired" in out and " posts, " in out and "copied" in out
    kept = list(data_dir.glob("blogtui.db.damaged-*"))
    assert [p for p in kept if not p.name.endswith(("-wal", "-shm"))], kept
    assert _integrity(db) == "ok"
    code, out, err = run(capsys, "posts", "--json")
    assert code == 0, err
    recovered = out.count('"title": "many ')
    assert 100 <= recovered <= 300, recovered
    code, out, _err = run(capsys, "posts", "word7", "--json")  # the search index works again
    assert code == 0 and '"title": "many 7"' in out
    assert run(capsys, "doctor")[0] == 0


def test_a_file_that_is_not_a_database_is_named(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "blogtui.db").write_bytes(b"this is no database " * 500)
    code, _out, err = run(capsys, "posts")
    assert code == 2
    assert err.count("\n") == 1 and str(data_dir / "blogtui.db") in err and "damaged" in err
    code, _out, err = run(capsys, "doctor", "--repair")
    assert code == 1 and "not repaired" in err and "Traceback" not in err
    assert (data_dir / "blogtui.db").read_bytes().startswith(b"this is no database")


# -- a lock held by another process ------------------------------------------------------------------


def test_a_lock_held_too_long_names_the_process(
    data_dir: Path, server: FeedServer, capsys: pytest.CaptureFixture[str], isolated: Path
) -> None:
    _seed(data_dir, server)
    config_dir = Path(os.environ["BLOGTUI_CONFIG_DIR"])
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "config.toml").write_text("lock_timeout = 0.5\n")
    holder = subprocess.Popen(
        [
            sys.executable, "-c",
            "import sqlite3, sys, time\n"
            f"con = sqlite3.connect({str(data_dir / 'blogtui.db')!r}, isolation_level=None)\n"
            "con.execute('BEGIN IMMEDIATE'); print('held', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        post_id = Library(data_dir, Config()).post_ids()[0]
        started = time.monotonic()
        code, _out, err = run(capsys, "star", str(post_id))
        took = time.monotonic() - started
        assert code == 1
        assert err.count("\n") == 1 and "locked by pid" in err and f"pid {holder.pid}" in err, err
        assert 0.4 <= took < 10
    finally:
        holder.kill()
        holder.wait()
    assert run(capsys, "star", str(post_id))[0] == 0
