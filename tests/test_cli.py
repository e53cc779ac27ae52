"""The command-line contract of DESIGN.md: commands, JSON shapes, exit codes, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import run

FEED = Path(__file__).parent / "data" / "some-feed.xml"


@pytest.fixture
def added(capsys: pytest.CaptureFixture[str], data_dir: Path) -> Path:
    code, _, err = run(capsys, "--data-dir", str(data_dir), "add", str(FEED))
    assert code == 0, err
    return data_dir


def test_add_then_posts_json_has_every_post_with_tags(
    capsys: pytest.CaptureFixture[str], added: Path
) -> None:
    code, out, _ = run(capsys, "--data-dir", str(added), "posts", "--json")
    assert code == 0
    posts = json.loads(out)
    assert len(posts) == 10
    assert set(posts[0]) == {
        "id",
        "feed",
        "feed_title",
        "title",
        "url",
        "author",
        "published",
        "tags",
        "read",
        "starred",
        "backlog",
    }
    assert posts[0]["title"] == "Choosing a cache format"
    assert posts[0]["tags"] == ["design", "SQLite"]
    assert posts[0]["published"] == "2024-03-04T09:00:00Z"
    assert posts[0]["feed"].startswith("file://")
    dates = [p["published"] for p in posts]
    assert dates == sorted(dates, reverse=True)


def test_control_characters_never_stored(capsys: pytest.CaptureFixture[str], added: Path) -> None:
    _, out, _ = run(capsys, "--data-dir", str(added), "posts", "--json")
    titles = [p["title"] for p in json.loads(out)]
    assert "Control [31m characters" in titles
    assert not any("\x1b" in t for t in titles)
    assert "[bold red]Not markup[/]" in titles


def test_posts_query_limit_and_tags(capsys: pytest.CaptureFixture[str], added: Path) -> None:
    d = str(added)
    _, out, _ = run(capsys, "--data-dir", d, "posts", "tag:python", "--json")
    assert {p["title"] for p in json.loads(out)} == {"Python tag spelled differently", "Another Python post"}
    _, out, _ = run(capsys, "--data-dir", d, "posts", "slowly", "--json")
    assert [p["title"] for p in json.loads(out)] == ["Untitled thoughts on reading"]
    _, out, _ = run(capsys, "--data-dir", d, "posts", "--limit", "3", "--json")
    assert len(json.loads(out)) == 3
    _, out, _ = run(capsys, "--data-dir", d, "tags", "--json")
    tags = {t["name"].lower(): t["count"] for t in json.loads(out)}
    assert tags["python"] == 2 and tags["design"] == 3


def test_posts_sort_orders(capsys: pytest.CaptureFixture[str], added: Path) -> None:
    d = str(added)

    def listed(*args: str) -> list[dict[str, object]]:
        code, out, err = run(capsys, "--data-dir", d, "posts", *args, "--json")
        assert code == 0, err
        return json.loads(out)

    newest = listed()
    dates = [p["published"] or "" for p in newest]
    assert dates == sorted(dates, reverse=True)
    assert [p["id"] for p in listed("--sort", "oldest")] == [p["id"] for p in newest][::-1]
    titles = [str(p["title"]) for p in listed("--sort", "title")]
    assert titles == sorted(titles, key=str.casefold)
    assert [p["id"] for p in listed("--sort", "newest", "--limit", "2")] == [p["id"] for p in newest[:2]]
    code, _, err = run(capsys, "--data-dir", d, "posts", "--sort", "random")
    assert code == 2 and "invalid choice: 'random'" in err
    code, _, err = run(capsys, "--data-dir", d, "posts", "--sort", "oldest", "--ranked", "x")
    assert code == 2 and "not allowed with" in err


def test_feeds_json(capsys: pytest.CaptureFixture[str], added: Path) -> None:
    _, out, _ = run(capsys, "--data-dir", str(added), "feeds", "--json")
    [feed] = json.loads(out)
    assert set(feed) == {
        "url",
        "title",
        "site_url",
        "posts",
        "unread",
        "fetched_at",
        "error",
        "archive_complete",
        "archive_method",
        "archive_expected",
        "archive_oldest",
        "archive_note",
        "backlog",
        "first_post",
        "latest_post",
        "words",
        "folder",
    }
    assert (feed["title"], feed["posts"], feed["unread"], feed["error"]) == ("Some Feed", 10, 10, None)
    assert feed["site_url"] == "https://some.example/"
    _, out, _ = run(capsys, "--data-dir", str(added), "posts", "--json", "--sort", "oldest")
    dated = [p["published"] for p in json.loads(out) if p["published"]]
    assert (feed["first_post"], feed["latest_post"]) == (min(dated), max(dated))
    assert isinstance(feed["words"], int) and feed["words"] > 10
    _, out, _ = run(capsys, "--data-dir", str(added), "feeds")
    assert f"first post {min(dated)[:10]}, latest {max(dated)[:10]}, {feed['words']:,} words" in out


def test_read_star_and_show(capsys: pytest.CaptureFixture[str], added: Path) -> None:
    d = str(added)
    assert run(capsys, "--data-dir", d, "read", "1", "2")[0] == 0
    assert run(capsys, "--data-dir", d, "star", "2")[0] == 0
    assert run(capsys, "--data-dir", d, "unread", "1")[0] == 0
    _, out, _ = run(capsys, "--data-dir", d, "posts", "--json")
    state = {p["id"]: (p["read"], p["starred"]) for p in json.loads(out)}
    assert state[1] == (False, False) and state[2] == (True, True)
    assert run(capsys, "--data-dir", d, "unstar", "2")[0] == 0
    code, out, _ = run(capsys, "--data-dir", d, "show", "4", "--markdown")
    assert code == 0
    assert out.startswith("# Notes on keyboard flow")
    assert "```python\nprint('hi')\n```" in out
    assert "Tags: design, terminal" in out
    # Piped, without --markdown: plain text, laid out, no Markdown syntax and no trailing spaces.
    code, out, _ = run(capsys, "--data-dir", d, "show", "4")
    lines = out.split("\n")
    assert code == 0 and lines[:4] == [
        "Notes on keyboard flow",
        "Some Feed · by Ann Author · 2023-10-20",
        "https://some.example/posts/3/",
        "Tags: design, terminal",
    ]
    assert "print('hi')" in out and "```" not in out and "#" not in out
    assert all(line == line.rstrip() for line in lines)
    code, out, _ = run(capsys, "--data-dir", d, "show", "4", "--json")
    post = json.loads(out)
    assert code == 0 and post["id"] == 4 and post["title"] == "Notes on keyboard flow"
    assert post["tags"] == ["design", "terminal"] and post["user_tags"] == []
    assert post["published"] == "2023-10-20T09:00:00Z" and post["summary_only"] is False
    assert "```python\nprint('hi')\n```" in post["markdown"]
    assert set(post) == {
        "id", "feed", "feed_title", "title", "url", "author", "published", "updated", "tags",
        "user_tags", "read", "starred", "summary_only", "markdown",
    }  # fmt: skip


def test_show_on_a_terminal_pages_through_pager(
    capsys: pytest.CaptureFixture[str], added: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import sys

    paged = tmp_path / "paged.txt"
    master, slave = os.openpty()
    terminal = open(slave, "w", encoding="utf-8")  # noqa: SIM115 - closed below
    try:
        monkeypatch.setattr(sys, "stdout", terminal)
        monkeypatch.setenv("PAGER", f"sh -c 'cat > {paged}'")
        monkeypatch.setenv("LINES", "5")
        monkeypatch.setenv("COLUMNS", "60")
        from blogtui.cli import main

        assert main(["--data-dir", str(added), "show", "4"]) == 0
        assert "Notes on keyboard flow" in paged.read_text(encoding="utf-8")
        paged.unlink()
        assert main(["--data-dir", str(added), "show", "4", "--no-pager"]) == 0
        assert not paged.exists()
    finally:
        terminal.close()
        os.close(master)


def test_unknown_post_is_bad_input(capsys: pytest.CaptureFixture[str], added: Path) -> None:
    code, _, err = run(capsys, "--data-dir", str(added), "show", "999")
    assert code == 2 and err.strip() == "blogtui: post 999: no such post (see blogtui posts)"
    code, _, err = run(capsys, "--data-dir", str(added), "read", "1", "999")
    assert code == 2 and "post 999" in err


def test_refresh_unchanged_and_remove(capsys: pytest.CaptureFixture[str], added: Path) -> None:
    d = str(added)
    code, _, err = run(capsys, "--data-dir", d, "refresh")
    assert code == 0 and "0 new posts" in err
    code, _, err = run(capsys, "--data-dir", d, "remove", "https://nowhere.example/feed")
    assert code == 2 and "not subscribed" in err
    code, _, _ = run(capsys, "--data-dir", d, "remove", str(FEED))
    assert code == 0
    _, out, _ = run(capsys, "--data-dir", d, "posts", "--json")
    assert json.loads(out) == []


def test_failed_feed_exit_1_keeps_others(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    code, _, err = run(capsys, "--data-dir", str(data_dir), "add", str(FEED), str(data_dir / "missing.xml"))
    assert code == 1
    lines = [line for line in err.splitlines() if "missing.xml" in line]
    assert lines == [f"blogtui: {(data_dir / 'missing.xml').as_uri()}: no such file"]
    _, out, _ = run(capsys, "--data-dir", str(data_dir), "posts", "--json")
    assert len(json.loads(out)) == 10


def test_bad_usage_exit_2_one_line(capsys: pytest.CaptureFixture[str], added: Path) -> None:
    for args in (
        ["posts", "--limit", "zero"],
        ["show", "abc"],
        ["frobnicate"],
        ["posts", "after:2015-13-40"],
    ):
        code, _, err = run(capsys, "--data-dir", str(added), *args)
        assert code == 2, args
        assert len(err.strip().splitlines()) == 1, err
        assert "Traceback" not in err


def test_not_a_feed_is_one_line(capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path) -> None:
    junk = tmp_path / "junk.xml"
    junk.write_bytes(b"\x00\x01garbage \xff\xfe not xml at all")
    code, _, err = run(capsys, "--data-dir", str(data_dir), "add", str(junk))
    assert code == 1
    assert err.splitlines()[0].startswith(f"blogtui: {junk.as_uri()}: not a feed")


def test_corrupt_database_is_reported_not_raised(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    (data_dir / "blogtui.db").write_bytes(b"garbage" * 1000)
    code, _, err = run(capsys, "--data-dir", str(data_dir), "posts")
    assert code == 2 and "cannot open the cache" in err and len(err.strip().splitlines()) == 1


def test_version_and_help_in_a_real_process(data_dir: Path) -> None:
    exe = [sys.executable, "-m", "blogtui"]
    out = subprocess.run([*exe, "--version"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.startswith("blogtui ")
    out = subprocess.run([*exe, "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    for command in (
        "demo",
        "add",
        "refresh",
        "feeds",
        "posts",
        "tags",
        "show",
        "read",
        "unread",
        "star",
        "unstar",
        "remove",
    ):
        assert command in out.stdout
    out = subprocess.run(
        [*exe, "--data-dir", str(data_dir), "add", str(FEED)], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0 and "Traceback" not in out.stderr
    out = subprocess.run(
        [*exe, "--data-dir", str(data_dir), "posts", "--json"], capture_output=True, text=True, timeout=60
    )
    assert len(json.loads(out.stdout)) == 10


def test_a_data_dir_that_is_a_file_is_named_in_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    not_a_dir = tmp_path / "notes.txt"
    not_a_dir.write_text("mine")
    code, _, err = run(capsys, "--data-dir", str(not_a_dir), "feeds")
    assert code == 2
    assert (
        err.strip()
        == f"blogtui: cannot open the cache: {not_a_dir}: not a directory (the data dir must be one)"
    )
    assert not_a_dir.read_text() == "mine"


def test_a_bug_gives_one_line_not_a_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> None:
    from blogtui import cli

    def broken(*args: object) -> int:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(cli, "_dispatch", broken)
    monkeypatch.setattr(sys, "argv", ["blogtui", "--data-dir", str(data_dir), "feeds"])
    monkeypatch.delenv("BLOGTUI_DEBUG", raising=False)
    with pytest.raises(SystemExit) as exited:
        cli.entry()
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert (
        err == "blogtui: internal error: ZeroDivisionError: division by zero (BLOGTUI_DEBUG=1 shows where)\n"
    )
    monkeypatch.setenv("BLOGTUI_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        cli.entry()


def test_backlog_posts_say_so_in_posts_and_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from blogtui.cli import demo_feed_path

    d = str(tmp_path / "data")
    assert run(capsys, "--data-dir", d, "add", str(demo_feed_path()))[0] == 0
    _, out, _ = run(capsys, "--data-dir", d, "posts", "--json")
    posts = json.loads(out)
    backlog = [p for p in posts if p["backlog"]]
    assert backlog and len(backlog) < len(posts)  # the archive's older pages, not the feed's own
    assert all(not p["read"] for p in backlog)
    _, out, _ = run(capsys, "--data-dir", d, "posts", "is:backlog", "--json")
    assert [p["id"] for p in json.loads(out)] == [p["id"] for p in backlog]
    _, out, _ = run(capsys, "--data-dir", d, "posts")
    marks = {int(line.split()[0]): line.split()[1] for line in out.splitlines()}
    assert {marks[p["id"]] for p in backlog} == {"B"}
    assert {marks[p["id"]] for p in posts if not p["backlog"]} == {"N"}


def test_posts_shows_an_untitled_post_by_its_opening_words(
    capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path
) -> None:
    feed = tmp_path / "untitled.xml"
    feed.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Notes</title><link>https://n.example/</link>'
        "<item><guid>a</guid><description>&lt;p&gt;Walked to the river this morning and watched the"
        " herons.&lt;/p&gt;</description><pubDate>Mon, 04 Mar 2024 09:00:00 GMT</pubDate></item>"
        "<item><guid>b</guid><title>A titled one</title><description>Text.</description>"
        "<pubDate>Sun, 03 Mar 2024 09:00:00 GMT</pubDate></item></channel></rss>",
        encoding="utf-8",
    )
    code, _, err = run(capsys, "--data-dir", str(data_dir), "add", str(feed))
    assert code == 0, err
    code, out, _ = run(capsys, "--data-dir", str(data_dir), "posts")
    lines = out.splitlines()
    assert "Walked to the river this morning and watched the herons." in lines[0], out
    assert "(untitled)" not in out and "A titled one" in lines[1]
    _, out, _ = run(capsys, "--data-dir", str(data_dir), "posts", "--json")
    assert [p["title"] for p in json.loads(out)] == ["", "A titled one"]  # the contract: the title as stored
