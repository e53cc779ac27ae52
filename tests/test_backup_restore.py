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
