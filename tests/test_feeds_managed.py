"""Feeds managed: renaming (kept by refreshes), a second subscription refused, per-feed settings."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from blogtui.config import Config, FeedSettings, config_path, load_config, save_feed_setting, save_setting
from blogtui.errors import ConfigError
from blogtui.library import Library
from blogtui.storage import schema
from blogtui.storage.store import Store
from conftest import run
from feedserver import FeedServer, Response
from test_fetch import atom


def test_a_renamed_feed_keeps_its_name_across_refreshes(server: FeedServer, data_dir: Path) -> None:
    server.add("/feed", atom("Their Title", [2, 1]))
    library = Library(data_dir)
    library.subscribe([server.url("/feed")])
    feed = library.rename(server.url("/feed"), "  My   name ")
    assert (feed.title, feed.name) == ("My name", "My name")
    server.add("/feed", atom("Their New Title", [3, 2, 1]))  # new bytes: parsed and written again
    [outcome] = library.refresh()
    assert outcome.error is None and outcome.new_posts == 1
    [stored] = library.feeds()
    assert (stored.title, stored.name) == ("My name", "My name")
    assert {r["feed_title"] for r in library.posts_json()} == {"My name"}
    # Forgetting the name: the feed's own title (as the last refresh read it) at once.
    library.rename(server.url("/feed"), "")
    [stored] = library.feeds()
    assert (stored.title, stored.name) == ("Their New Title", "")


def test_rename_command(server: FeedServer, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    server.add("/feed", atom("Blog", [1]))
    assert run(capsys, "add", "--no-archive", server.url("/feed"))[0] == 0
    code, _, err = run(capsys, "rename", server.url("/feed"), "Reading list")
    assert code == 0 and "renamed" in err and "Reading list" in err
    code, out, _ = run(capsys, "feeds")
    assert "Reading list" in out
    code, _, err = run(capsys, "rename", server.url("/feed"), "")
    assert code == 0 and "Blog" in err
    code, _, err = run(capsys, "rename", "https://nowhere.example/feed", "x")
    assert code == 2 and "not subscribed" in err


def test_a_second_subscription_is_refused(server: FeedServer, data_dir: Path) -> None:
    server.add("/feed", atom("Same Blog", [2, 1]))
    server.add("/old-feed", Response(b"", 301, headers={"Location": server.url("/feed")}))
    server.add("/copy.xml", atom("Same Blog", [2, 1]))  # another URL, same site and title
    server.add("/other.xml", atom("Other Blog", [5]))
    library = Library(data_dir)
    library.subscribe([server.url("/feed")])
    library.rename(server.url("/feed"), "Mine")
    moved, copy, other = library.subscribe(
        [server.url("/old-feed"), server.url("/copy.xml"), server.url("/other.xml")]
    )
    assert moved.error == f"already subscribed as “Mine” ({server.url('/feed')})"
    assert copy.error == f"already subscribed as “Mine” ({server.url('/feed')})"
    assert other.error is None
    assert sorted(f.url for f in library.feeds()) == sorted([server.url("/feed"), server.url("/other.xml")])


def test_the_same_url_added_again_says_it_is_already_subscribed(
    server: FeedServer, data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    server.add("/feed", atom("Same Blog", [2, 1]))
    library = Library(data_dir)
    [first] = library.subscribe([server.url("/feed")])
    assert not any("already subscribed" in note for note in first.notes)
    library.rename(server.url("/feed"), "Mine")
    [again] = library.subscribe([server.url("/feed")])  # fetched again: no second subscription
    assert again.error is None and again.new_posts == 0
    assert f"already subscribed as “Mine” ({server.url('/feed')}): fetched again" in again.notes
    assert [f.url for f in library.feeds()] == [server.url("/feed")]
    library.close()
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)  # notes are for a person at a terminal
    code, _, err = run(capsys, "add", "--no-archive", server.url("/feed"))
    assert code == 0 and f"{server.url('/feed')}: already subscribed as “Mine”" in err


def test_a_home_page_whose_feed_is_subscribed_is_refused(server: FeedServer, data_dir: Path) -> None:
    server.add("/feed", atom("Blog", [1]))
    link = f'<link rel="alternate" type="application/atom+xml" href="{server.url("/feed")}">'
    page = f"<html><head>{link}</head></html>"
    server.add("/", Response(page.encode(), content_type="text/html"))
    library = Library(data_dir)
    library.subscribe([server.url("/feed")])
    [outcome] = library.subscribe([server.url("/")])
    assert outcome.error == f"already subscribed as “Blog” ({server.url('/feed')})"
    assert len(library.feeds()) == 1


def test_schema_9_adds_the_name(tmp_path: Path) -> None:
    path = tmp_path / "blogtui.db"
    db = sqlite3.connect(path, isolation_level=None)
    for step in schema.MIGRATIONS[:8]:
        step(db)
    db.execute("PRAGMA user_version = 8")
    db.execute("INSERT INTO feeds(id, url, title) VALUES (1, 'https://old.example/feed', 'Old')")
    db.close()
    assert schema.needs_upgrade(path)
    store = Store(path)
    try:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        feed = store.feed("https://old.example/feed")
        assert feed is not None and (feed.title, feed.name) == ("Old", "")
    finally:
        store.close()


def test_feed_tables_in_config(isolated: Path) -> None:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        'jobs = 3\n\n[feeds."https://a.example/feed"]\narchive = false\n\n'
        '[feeds."https://b.example/feed"]\nfull_article = true\n',
        encoding="utf-8",
    )
    config = load_config()
    assert config.jobs == 3
    assert config.feed_settings("https://a.example/feed") == FeedSettings(archive=False)
    assert config.feed_settings("https://b.example/feed") == FeedSettings(full_article=True)
    assert config.feed_settings("https://c.example/feed") == FeedSettings()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[feeds."https://a.example/"]\narchiv = false\n', "unknown key archiv (did you mean archive?)"),
        ('[feeds."https://a.example/"]\narchive = "no"\n', 'archive = "no": must be true or false'),
        ("feeds = 3\n", "feeds must be tables"),
        ('[feed."https://a.example/"]\narchive = false\n', "unknown table [feed]"),
    ],
)
def test_bad_feed_tables(isolated: Path, text: str, message: str) -> None:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config()
    assert message in str(info.value)


def test_saving_feed_settings_keeps_the_other_lines(isolated: Path) -> None:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        '# mine\ntheme = "nord"\n\n[feeds."https://a.example/feed"]\narchive = true\n', encoding="utf-8"
    )
    save_feed_setting("https://a.example/feed", "archive", False)
    save_feed_setting("https://a.example/feed", "full_article", True)
    save_feed_setting("https://b.example/feed", "archive", False)
    save_setting("jobs", 4)  # a top-level key still goes above the tables
    text = path.read_text(encoding="utf-8")
    assert text.startswith('# mine\ntheme = "nord"\njobs = 4\n')
    config = load_config()
    assert config.feed_settings("https://a.example/feed") == FeedSettings(archive=False, full_article=True)
    assert config.feed_settings("https://b.example/feed") == FeedSettings(archive=False)
    with pytest.raises(ConfigError):
        save_feed_setting("https://a.example/feed", "nope", True)


def test_archive_off_for_one_feed(server: FeedServer, data_dir: Path, isolated: Path) -> None:
    server.add("/feed", atom("Paged", [4, 3], {"next": "/feed?page=2"}))
    server.routes["/feed?page=2"] = Response(atom("Paged", [2, 1]))
    url = server.url("/feed")
    library = Library(data_dir, Config(feeds={url: FeedSettings(archive=False)}))
    [outcome] = library.subscribe([url])
    assert outcome.new_posts == 2 and not server.hits("/feed?page=2")
    library.refresh(archive=True)
    assert not server.hits("/feed?page=2")
    # Turned on (as the card does): written to config.toml and used by the next run.
    assert library.set_feed_setting(url, "archive", True) == FeedSettings(archive=True)
    assert load_config().feed_settings(url) == FeedSettings(archive=True)
    library.refresh(archive=True)
    assert server.hits("/feed?page=2") and len(library.posts_json()) == 4
