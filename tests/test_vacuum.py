"""blogtui vacuum: the retention settings (keep_per_feed, drop_read_before; starred posts and the
user's tagged ones spared), the search indexes kept in step, dropped posts not coming back on a
refresh, the file rebuilt smaller, a read-only cache, and waiting for another process's write."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

import pytest

from blogtui.config import Config, load_config, read_before
from blogtui.errors import ConfigError, StoreError
from blogtui.library import Library
from blogtui.storage import schema
from blogtui.storage.store import Store
from conftest import run
from test_faults import read_only_view  # noqa: F401 - the fixture

DAY = 86_400


def _item(n: int, extra: str = "") -> str:
    day = datetime(2020, 1, n, 12, tzinfo=timezone.utc).strftime("%a, %d %b %Y %H:%M:%S +0000")
    return (
        f"<item><title>Post {n} {extra}</title><guid>post-{n}</guid>"
        f"<link>https://blog.example/post-{n}</link><pubDate>{day}</pubDate>"
        f"<description>common word{n}x {'filler text ' * 200}</description></item>"
    )


def _feed(path: Path, numbers: Sequence[int], *, title: str = "Blog", cjk: int | None = None) -> Path:
    items = "".join(_item(n, "纪念币" if n == cjk else "") for n in numbers)
    path.write_text(
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>https://blog.example/</link>{items}</channel></rss>",
        encoding="utf-8",
    )
    return path


def _guids(library: Library, feed_url: str | None = None) -> set[str]:
    sql = "SELECT p.guid FROM posts p JOIN feeds f ON f.id = p.feed_id"
    rows = library.store.db.execute(
        sql + (" WHERE f.url = ?" if feed_url else ""), (feed_url,) if feed_url else ()
    )
    return {r[0] for r in rows}


def _id(library: Library, guid: str) -> int:
    return int(library.store.db.execute("SELECT id FROM posts WHERE guid = ?", (guid,)).fetchone()[0])


def _fts_count(library: Library, table: str, match: str) -> int:
    return int(
        library.store.db.execute(f"SELECT count(*) FROM {table} WHERE {table} MATCH ?", (match,)).fetchone()[
            0
        ]
    )


def _docs(library: Library, table: str) -> int:
    return int(library.store.db.execute(f"SELECT count(*) FROM {table}_docsize").fetchone()[0])


@pytest.fixture
def blog(tmp_path: Path, data_dir: Path) -> tuple[Library, Path]:
    """A library with one local feed of ten posts (2020-01-01 to 01-10, noon UTC), post 1 with CJK."""
    path = _feed(tmp_path / "feed.xml", range(1, 11), cjk=1)
    library = Library(data_dir)
    [outcome] = library.subscribe([str(path)], archive=False)
    assert outcome.error is None and library.count() == 10
    return library, path


def _with(library: Library, **settings: object) -> Library:
    from dataclasses import replace

    library.config = replace(library.config, **settings)
    return library


def test_drop_read_before_a_date_spares_starred_and_own_tagged_posts(blog: tuple[Library, Path]) -> None:
    library, _ = blog
    library.mark_read([_id(library, f"post-{n}") for n in range(1, 7)])  # 1-6 read
    library.star([_id(library, "post-2")])
    library.add_user_tag(_id(library, "post-3"), "keep")
    library.set_reading_place(_id(library, "post-1"), 0.5)
    assert _docs(library, "posts_cjk") == 1 and _fts_count(library, "posts_fts", "common") == 10
    done = _with(library, drop_read_before="2020-01-05").vacuum()
    # read and published before 2020-01-05: 1, 2, 3, 4; 2 is starred, 3 tagged by the user
    assert done.dropped == 2
    assert _guids(library) == {f"post-{n}" for n in (2, 3, *range(5, 11))}
    # the search indexes lost exactly those posts' text (contentless tables: same text on delete)
    assert _fts_count(library, "posts_fts", "common") == 8
    assert _fts_count(library, "posts_fts", "word1x") == 0 and _fts_count(library, "posts_fts", "word4x") == 0
    assert _fts_count(library, "posts_fts", "word5x") == 1
    assert _docs(library, "posts_fts") == 8 and _docs(library, "posts_cjk") == 0
    assert library.count("纪念币") == 0 and library.count("common") == 8
    assert library.get_state("reading:1") is None
    assert {t.name for t in library.user_tags()} == {"keep"}
    dropped = library.store.db.execute("SELECT guid, canonical FROM dropped_posts ORDER BY guid").fetchall()
    assert [tuple(r) for r in dropped] == [
        ("post-1", "blog.example/post-1"),
        ("post-4", "blog.example/post-4"),
    ]
    # a second vacuum finds nothing more to drop
    assert library.vacuum().dropped == 0


def test_drop_read_before_a_number_of_days(blog: tuple[Library, Path], data_dir: Path) -> None:
    library, _ = blog
    library.mark_read([_id(library, f"post-{n}") for n in range(1, 11)])
    library.star([_id(library, "post-1")])
    library.close()
    # now: 2020-01-11 00:00 UTC; 4 days: published before 2020-01-07 00:00 -> 1..6, 1 starred
    clock = lambda: datetime(2020, 1, 11, tzinfo=timezone.utc)  # noqa: E731
    library = Library(data_dir, Config(drop_read_before=4), clock=clock)
    try:
        assert library.vacuum().dropped == 5
        assert _guids(library) == {f"post-{n}" for n in (1, 7, 8, 9, 10)}
    finally:
        library.close()


def test_keep_per_feed_keeps_each_feeds_newest_and_the_spared(
    blog: tuple[Library, Path], tmp_path: Path
) -> None:
    library, _ = blog
    other = _feed(tmp_path / "other.xml", [1, 2], title="Other")
    other_url = other.as_uri()
    [outcome] = library.subscribe([str(other)], archive=False)
    assert outcome.error is None
    blog_url = next(f.url for f in library.feeds() if f.url != other_url)
    ids = {g: _id(library, g) for g in _guids(library, blog_url)}
    library.star([ids["post-1"]])
    library.add_user_tag(ids["post-2"], "mine")
    library.mark_read([ids["post-4"]])
    done = _with(library, keep_per_feed=3).vacuum()
    assert done.dropped == 5  # 3, 4, 5, 6, 7 of the first feed; the other's two kept
    assert _guids(library, blog_url) == {"post-1", "post-2", "post-8", "post-9", "post-10"}
    assert _guids(library, other_url) == {"post-1", "post-2"}
    assert _fts_count(library, "posts_fts", "common") == 7


def test_no_setting_drops_nothing_and_a_feed_removed_forgets_its_dropped(blog: tuple[Library, Path]) -> None:
    library, _ = blog
    assert library.vacuum().dropped == 0 and library.count() == 10
    assert _with(library, keep_per_feed=8).vacuum().dropped == 2
    assert library.store.db.execute("SELECT count(*) FROM dropped_posts").fetchone()[0] == 2
    assert library.remove(library.feeds()[0].url)
    assert library.store.db.execute("SELECT count(*) FROM dropped_posts").fetchone()[0] == 0


def test_a_refresh_after_vacuum_does_not_bring_dropped_posts_back(blog: tuple[Library, Path]) -> None:
    library, path = blog
    library.mark_read([_id(library, f"post-{n}") for n in range(1, 11)])
    assert _with(library, keep_per_feed=4).vacuum().dropped == 6
    # The feed changes (a new post, the old ones edited), so the refresh parses it again.
    items = "".join(_item(n, "edited") for n in range(1, 12))
    path.write_text(
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Blog</title>'
        f"<link>https://blog.example/</link>{items}</channel></rss>",
        encoding="utf-8",
    )
    [outcome] = library.refresh()
    assert outcome.error is None and outcome.new_posts == 1
    assert _guids(library) == {f"post-{n}" for n in range(7, 12)}
    assert library.count("is:unread") == 1  # only the new post
    assert library.count("edited") == 5
    # the same post under another guid (its URL spelt the same) stays out too
    path.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Blog</title>'
        "<link>https://blog.example/</link><item><title>Again</title><guid>other-guid</guid>"
        "<link>https://blog.example/post-2</link></item></channel></rss>",
        encoding="utf-8",
    )
    [outcome] = library.refresh()
    assert outcome.error is None and outcome.new_posts == 0 and library.count() == 5


def test_vacuum_shrinks_the_file(tmp_path: Path, data_dir: Path) -> None:
    library = Library(data_dir, Config(keep_per_feed=20))
    try:
        [outcome] = library.subscribe([str(_feed(tmp_path / "big.xml", range(1, 29)))], archive=False)
        assert outcome.error is None
        library.mark_read(library.post_ids())
        library.mark_read(library.post_ids(), read=False)  # churn: pages freed in the WAL and the file
        done = library.vacuum()
        assert done.dropped == 8
        assert 0 < done.after < done.before
        assert done.after == library.db_path.stat().st_size  # the WAL folded back and emptied
        wal = Path(f"{library.db_path}-wal")
        assert not wal.exists() or wal.stat().st_size == 0
        with sqlite3.connect(library.db_path) as con:
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert con.execute("PRAGMA freelist_count").fetchone()[0] == 0
    finally:
        library.close()


def test_the_cli_prints_sizes_and_dropped_in_one_line(
    blog: tuple[Library, Path], capsys: pytest.CaptureFixture[str], isolated: Path
) -> None:
    library, _ = blog
    library.close()
    config = isolated / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("keep_per_feed = 7\n")
    code, out, err = run(capsys, "vacuum")
    assert (code, err) == (0, "")
    assert out.count("\n") == 1 and out.startswith(f"{library.db_path}: ")
    assert " KB -> " in out and out.rstrip().endswith("; dropped 3 posts"), out
    code, out, _ = run(capsys, "vacuum")
    assert code == 0 and "dropped" not in out and " -> " in out


def test_a_read_only_cache_says_so_in_one_line(
    read_only_view: tuple[Path, Path],  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data, view = read_only_view
    library = Library(data)
    library.subscribe([str(_feed(tmp_path / "feed.xml", range(1, 4)))], archive=False)
    library.close()
    before = (data / "blogtui.db").stat().st_size
    code, out, err = run(capsys, "vacuum", "--data-dir", str(view))
    assert (code, out) == (1, "")
    assert err.count("\n") == 1 and "read-only" in err and "not vacuumed" in err, err
    with pytest.raises(StoreError, match="read-only"):
        Library(view).vacuum()
    assert (data / "blogtui.db").stat().st_size == before


def test_vacuum_waits_for_another_process_write(
    blog: tuple[Library, Path], data_dir: Path, capsys: pytest.CaptureFixture[str], isolated: Path
) -> None:
    library, _ = blog
    library.close()
    holder = subprocess.Popen(
        [
            sys.executable, "-c",
            "import sqlite3, sys, time\n"
            f"con = sqlite3.connect({str(data_dir / 'blogtui.db')!r}, isolation_level=None)\n"
            "con.execute('BEGIN IMMEDIATE'); print('held', flush=True); time.sleep(1.0)\n"
            "con.execute('COMMIT')",
        ],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        code, out, err = run(capsys, "vacuum")
        assert (code, err) == (0, ""), err
        assert " -> " in out
        assert time.monotonic() - started >= 0.5
    finally:
        holder.wait(timeout=30)
    # held for longer than lock_timeout: the holder is named, exit 1
    config = isolated / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("lock_timeout = 0.3\n")
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
        code, _, err = run(capsys, "vacuum")
        assert code == 1 and err.count("\n") == 1 and f"locked by pid {holder.pid}" in err, err
    finally:
        holder.kill()
        holder.wait()


def test_the_retention_settings_are_checked(isolated: Path) -> None:
    path = isolated / "config.toml"
    for text, problem in (
        ("keep_per_feed = -1", "keep_per_feed = -1: must be at least 0"),
        ('drop_read_before = "2020-13-01"', "must be a date YYYY-MM-DD"),
        ("drop_read_before = true", "must be a date in quotes"),
        ("drop_read_before = -3", "must be from 0 to 100000 days"),
    ):
        path.write_text(text + "\n")
        with pytest.raises(ConfigError, match=problem):
            load_config(path)
    path.write_text('keep_per_feed = 50\ndrop_read_before = "2021-06-30"\n')
    config = load_config(path)
    assert (config.keep_per_feed, config.drop_read_before) == (50, "2021-06-30")
    assert read_before("2021-06-30", 0) == int(datetime(2021, 6, 30, tzinfo=timezone.utc).timestamp())
    assert read_before(10, 100 * DAY) == 90 * DAY
    assert read_before("", 5) is None and read_before(0, 5) is None


def test_schema_10_adds_dropped_posts(tmp_path: Path) -> None:
    path = tmp_path / "blogtui.db"
    db = sqlite3.connect(path, isolation_level=None)
    for step in schema.MIGRATIONS[:9]:
        step(db)
    db.execute("PRAGMA user_version = 9")
    db.execute("INSERT INTO feeds(id, url, title) VALUES (1, 'https://old.example/feed', 'Old')")
    db.close()
    assert schema.needs_upgrade(path)
    store = Store(path)
    try:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION >= 11
        assert store.feed_guids(1) == set()
        store.db.execute("INSERT INTO dropped_posts(feed_id, guid) VALUES (1, 'g')")
        assert store.feed_guids(1) == {"g"}
    finally:
        store.close()
    assert os.path.exists(path)
