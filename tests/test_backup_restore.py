"""A JSON backup (``export --format json``) restored with ``import FILE.json``: into an empty
library and into one that holds some of it already (state merged, nothing lost), and bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from blogtui.errors import LibraryError
from blogtui.library import Library
from conftest import run

DATA = Path(__file__).parent / "data"
FEED = DATA / "some-feed.xml"


def _state(library: Library) -> dict[str, tuple[bool, bool, tuple[str, ...]]]:
    rows = library.posts_json()
    return {
        str(p["title"]): (
            bool(p["read"]),
            bool(p["starred"]),
            tuple(library.post_tags(int(p["id"]), user=True)),
        )  # type: ignore[call-overload]
        for p in rows
    }


def _backup(library: Library, path: Path) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        library.export_json(handle)
    return path


@pytest.fixture
def source(tmp_path: Path) -> Library:
    library = Library(tmp_path / "source")
    library.subscribe([str(FEED)], archive=False)
    first, second = library.post_ids()[:2]
    library.mark_read([first])
    library.star([second])
    library.add_user_tag(second, "Keep")
    library.save_view("cache", "cache -tag:python")
    return library


def test_restore_into_an_empty_library_brings_everything_back(source: Library, tmp_path: Path) -> None:
    backup = _backup(source, tmp_path / "backup.json")
    target = Library(tmp_path / "target")
    try:
        assert target.is_backup(backup) and not target.is_backup(DATA / "some-feed.xml")
        report = target.import_backup(backup)
        assert (report.feeds_added, report.posts_added, report.posts_merged, report.views_added) == (
            1,
            10,
            0,
            1,
        )
        assert [(f.url, f.title) for f in target.feeds()] == [(f.url, f.title) for f in source.feeds()]
        assert _state(target) == _state(source)
        assert target.views() == source.views()
        # The text came back too: searchable and readable offline.
        assert target.post_ids("cache") == source.post_ids("cache")
        post = target.post(target.post_ids("keyboard")[0])
        assert post is not None and "print('hi')" in post.content_md
        # Restoring twice adds nothing.
        again = target.import_backup(backup)
        assert (again.feeds_added, again.posts_added, again.posts_merged, again.views_added) == (0, 0, 10, 0)
        assert len(target.post_ids()) == 10
    finally:
        target.close()
        source.close()


def test_restore_into_a_library_merges_state_and_loses_nothing(source: Library, tmp_path: Path) -> None:
    backup = _backup(source, tmp_path / "backup.json")
    target = Library(tmp_path / "target")
    try:
        target.subscribe([str(FEED)], archive=False)
        ids = {p["title"]: int(p["id"]) for p in target.posts_json()}  # type: ignore[misc]
        # Read and tagged here, not in the backup: it stays so.
        here = ids["Notes on keyboard flow"]
        target.mark_read([here])
        target.add_user_tag(here, "mine")
        target.save_view("cache", "something else")  # same name, other query: kept
        before = _state(target)
        report = target.import_backup(backup)
        assert (report.feeds_added, report.posts_added, report.posts_merged) == (0, 0, 10)
        assert [name for name, _ in report.views_kept] == ["cache"]
        assert target.view("cache") == "something else"
        after = _state(target)
        wanted = _state(source)
        for title, (read, starred, mine) in after.items():
            old_read, old_starred, old_mine = before[title]
            new_read, new_starred, new_mine = wanted[title]
            assert read == (old_read or new_read) and starred == (old_starred or new_starred)
            assert set(mine) == set(old_mine) | set(new_mine)
    finally:
        target.close()
        source.close()


def test_cli_import_restores_a_backup(
    capsys: pytest.CaptureFixture[str], source: Library, tmp_path: Path
) -> None:
    backup = _backup(source, tmp_path / "backup.json")
    source.close()
    code, _, err = run(capsys, "--data-dir", str(tmp_path / "cli"), "import", str(backup))
    assert code == 0 and err.strip() == "restored 1 new feed, 10 new posts, 0 posts merged, 1 views"
    code, out, _ = run(capsys, "--data-dir", str(tmp_path / "cli"), "posts", "--json", "is:starred")
    assert code == 0 and [p["title"] for p in json.loads(out)] != []


@pytest.mark.parametrize(
    ("body", "cause"),
    [
        ('{"format": "something-else", "version": 1}', "not a blogtui backup"),
        (
            '{"format": "blogtui-export", "version": 99, "posts": []}',
            "made by a newer blogtui (backup version 99",
        ),
        ('{"format": "blogtui-export", "version": 1, "posts": [', "not valid JSON"),
        ("[1, 2, 3]", "not a blogtui backup"),
    ],
)
def test_bad_backups_are_one_line_and_change_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, body: str, cause: str
) -> None:
    library = Library(tmp_path / "lib")
    library.subscribe([str(FEED)], archive=False)
    library.close()
    bad = tmp_path / "bad.json"
    bad.write_text(body, encoding="utf-8")
    code, _, err = run(capsys, "--data-dir", str(tmp_path / "lib"), "import", str(bad))
    assert code == 2 and err.count("\n") == 1 and str(bad) in err and cause in err
    with pytest.raises(LibraryError, match=cause.split(" (")[0]):
        Library(tmp_path / "lib").import_backup(bad)
    code, out, _ = run(capsys, "--data-dir", str(tmp_path / "lib"), "posts", "--json")
    assert len(json.loads(out)) == 10


def test_wrong_types_inside_a_backup_are_skipped_not_fatal(tmp_path: Path) -> None:
    bad = tmp_path / "odd.json"
    bad.write_text(
        json.dumps(
            {
                "format": "blogtui-export",
                "version": 1,
                "feeds": [{"url": "https://a.example/feed", "title": 5}, "nonsense"],
                "views": [{"name": "x"}, {"name": "ok", "query": "tag:a"}],
                "posts": [
                    {
                        "feed": "https://a.example/feed",
                        "guid": "g1",
                        "title": "One",
                        "tags": "a,b",
                        "read": "yes",
                    },
                    {"feed": "https://a.example/feed"},  # no guid: skipped
                    42,
                ],
            }
        ),
        encoding="utf-8",
    )
    library = Library(tmp_path / "lib")
    try:
        report = library.import_backup(bad)
        assert (report.feeds_added, report.posts_added, report.views_added) == (1, 1, 1)
        [post] = library.posts_json()
        assert post["title"] == "One" and post["tags"] == [] and post["read"] is False
    finally:
        library.close()


# -- posts blogtui vacuum dropped on purpose ------------------------------------------------------


def _rss(path: Path, count: int) -> Path:
    """A local feed of ``count`` posts, one a day from 2020-01-01 (post N's guid: ``post-N``)."""
    from datetime import datetime, timezone

    items = "".join(
        f"<item><title>Post {n}</title><guid>post-{n}</guid><link>https://blog.example/post-{n}</link>"
        f"<pubDate>{datetime(2020, 1, n, 12, tzinfo=timezone.utc):%a, %d %b %Y %H:%M:%S +0000}</pubDate>"
        f"<description>post {n} says something</description></item>"
        for n in range(1, count + 1)
    )
    path.write_text(
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Blog</title>'
        f"<link>https://blog.example/</link>{items}</channel></rss>",
        encoding="utf-8",
    )
    return path


def _kept(library: Library, **settings: object) -> Library:
    from dataclasses import replace

    library.config = replace(library.config, **settings)  # type: ignore[arg-type]
    return library


def _titles(library: Library) -> set[str]:
    return {str(p["title"]) for p in library.posts_json()}


@pytest.fixture
def vacuumed(tmp_path: Path) -> tuple[Library, Path, Path]:
    """A library of one feed of ten posts, all read, backed up, then vacuumed to the newest six
    (posts 1-4 dropped); returns it, the backup made before and the feed."""
    feed = _rss(tmp_path / "feed.xml", 10)
    library = Library(tmp_path / "lib")
    library.subscribe([str(feed)], archive=False)
    library.mark_read(library.post_ids())
    backup = _backup(library, tmp_path / "before.json")
    assert _kept(library, keep_per_feed=6).vacuum().dropped == 4
    assert _titles(library) == {f"Post {n}" for n in range(5, 11)}
    return library, backup, feed


def test_a_restore_leaves_out_what_vacuum_dropped_and_says_so(vacuumed: tuple[Library, Path, Path]) -> None:
    library, backup, _ = vacuumed
    try:
        report = library.import_backup(backup)  # the dropped four were read: their state has no post
        assert (report.posts_added, report.posts_merged, report.posts_left_out) == (0, 6, 4)
        assert report.summary() == (
            "restored 0 new feeds, 0 new posts, 6 posts merged, 0 views,"
            " 4 posts left out (dropped by blogtui vacuum; --include-dropped restores them)"
        )
        assert _titles(library) == {f"Post {n}" for n in range(5, 11)}
        [outcome] = library.refresh()  # and they stay out of refreshes, as before
        assert outcome.error is None and library.count() == 6
    finally:
        library.close()


def test_include_dropped_brings_them_back_with_their_state(vacuumed: tuple[Library, Path, Path]) -> None:
    library, backup, _ = vacuumed
    try:
        report = library.import_backup(backup, include_dropped=True)
        assert (report.posts_added, report.posts_merged, report.posts_left_out) == (4, 6, 0)
        assert (
            report.posts_undropped == 4 and "4 posts dropped by blogtui vacuum restored" in report.summary()
        )
        assert _titles(library) == {f"Post {n}" for n in range(1, 11)}
        assert library.count("is:read") == 10  # as the backup had them
        assert library.store.db.execute("SELECT count(*) FROM dropped_posts").fetchone()[0] == 0
        assert library.post_ids("says") and len(library.post_ids("post 2 says")) >= 1  # searchable again
        again = library.import_backup(backup)  # nothing is dropped any more: all merged
        assert (again.posts_added, again.posts_merged, again.posts_left_out) == (0, 10, 0)
    finally:
        library.close()


def test_a_backup_carries_the_drops_into_a_new_library(
    vacuumed: tuple[Library, Path, Path], tmp_path: Path
) -> None:
    """Backed up after the vacuum, restored elsewhere: the feed's next refresh does not bring the
    dropped posts back there either, unless the restore asked for them."""
    library, _, _ = vacuumed
    after = _backup(library, tmp_path / "after.json")
    library.close()
    doc = json.loads(after.read_text(encoding="utf-8"))
    assert {d["guid"] for d in doc["dropped"]} == {f"post-{n}" for n in range(1, 5)}
    assert {d["canonical"] for d in doc["dropped"]} == {f"blog.example/post-{n}" for n in range(1, 5)}
    for include, count in ((False, 6), (True, 10)):
        target = Library(tmp_path / f"target-{include}")
        try:
            report = target.import_backup(after, include_dropped=include)
            assert (report.feeds_added, report.posts_added, report.posts_left_out) == (1, 6, 0)
            [outcome] = target.refresh()
            assert outcome.error is None and target.count() == count
            assert target.count("is:read") == 6  # the restored six keep their state
        finally:
            target.close()


def test_a_post_dropped_here_and_stored_under_its_url_is_merged_not_lost(tmp_path: Path) -> None:
    """A backup's post whose URL is a stored post's (another guid) merges its state into that
    post, as upsert_posts makes them one, instead of failing."""
    library = Library(tmp_path / "lib")
    library.subscribe([str(_rss(tmp_path / "feed.xml", 3))], archive=False)
    backup = _backup(library, tmp_path / "b.json")
    library.close()
    doc = json.loads(backup.read_text(encoding="utf-8"))
    for post in doc["posts"]:
        post["guid"] = "other-" + post["guid"]
        post["starred"] = True
    backup.write_text(json.dumps(doc), encoding="utf-8")
    library = Library(tmp_path / "lib")
    try:
        report = library.import_backup(backup)
        assert (report.posts_added, report.posts_merged, report.posts_left_out) == (0, 3, 0)
        assert library.count() == 3 and library.count("is:starred") == 3
    finally:
        library.close()


def test_cli_include_dropped(
    capsys: pytest.CaptureFixture[str], vacuumed: tuple[Library, Path, Path]
) -> None:
    library, backup, _ = vacuumed
    data_dir = str(library.data_dir)
    library.close()
    code, _, err = run(capsys, "--data-dir", data_dir, "import", str(backup))
    assert code == 0 and err.strip().endswith(
        "4 posts left out (dropped by blogtui vacuum; --include-dropped restores them)"
    )
    code, _, err = run(capsys, "--data-dir", data_dir, "import", "--include-dropped", str(backup))
    assert code == 0 and "4 new posts" in err and "4 posts dropped by blogtui vacuum restored" in err
    code, out, _ = run(capsys, "--data-dir", data_dir, "posts", "--json")
    assert len(json.loads(out)) == 10
