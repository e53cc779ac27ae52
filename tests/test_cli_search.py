"""The command line's search side: queries, ranking, your own tags and saved views."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run

FEED = Path(__file__).parent / "data" / "some-feed.xml"


@pytest.fixture
def d(capsys: pytest.CaptureFixture[str], data_dir: Path) -> str:
    code, _, err = run(capsys, "--data-dir", str(data_dir), "add", str(FEED))
    assert code == 0, err
    return str(data_dir)


def titles(capsys: pytest.CaptureFixture[str], d: str, *query: str) -> list[str]:
    code, out, err = run(capsys, "--data-dir", d, "posts", "--json", *query)
    assert code == 0, err
    return [p["title"] for p in json.loads(out)]


def test_query_parts_on_the_command_line(capsys: pytest.CaptureFixture[str], d: str) -> None:
    assert titles(capsys, d, "tag:PYTHON") == ["Python tag spelled differently", "Another Python post"]
    assert titles(capsys, d, "tag:design", "-tag:feeds") == [
        "Choosing a cache format",
        "Notes on keyboard flow",
    ]
    assert titles(capsys, d, '"paged feeds"') == ["Walking an archive backwards"]
    assert titles(capsys, d, "before:2022-01-01") == ["The oldest post"]
    assert titles(capsys, d, "after:2024-01-01", "feed:some") == [
        "Choosing a cache format",
        "Walking an archive backwards",
    ]


def test_dashed_words_are_query_not_options(capsys: pytest.CaptureFixture[str], d: str) -> None:
    python = ["Python tag spelled differently", "Another Python post"]
    # "-haskell" is not "-h askell", "-tag:x" is no option; the command's options still work.
    assert titles(capsys, d, "python", "-haskell") == python
    assert titles(capsys, d, "python", "-another") == python[:1]
    assert titles(capsys, d, "-tag:design", "--limit", "1") == ["A table of timings"]
    assert titles(capsys, d, "--limit=1", "-tag:design") == ["A table of timings"]
    assert len(titles(capsys, d, "--", "-tag:design")) == 7  # after --, all is query
    code, out, _ = run(capsys, "--data-dir", d, "export", "--format", "json", "-tag:design", "-tag:python")
    assert code == 0 and len(json.loads(out)["posts"]) == 5
    code, out, _ = run(capsys, "--data-dir", d, "posts", "-h")
    assert code == 0 and out.startswith("usage: blogtui posts")


@pytest.mark.parametrize("query", ["after:2015-13-40", "is:maybe", "@nothing", "feed:"])
def test_bad_query_is_exit_2_and_one_line(capsys: pytest.CaptureFixture[str], d: str, query: str) -> None:
    code, out, err = run(capsys, "--data-dir", d, "posts", query)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("blogtui: ")


def test_ranked_puts_the_best_match_first(capsys: pytest.CaptureFixture[str], d: str) -> None:
    newest = titles(capsys, d, "python")
    ranked = titles(capsys, d, "python", "--ranked")
    assert sorted(newest) == sorted(ranked) and len(ranked) >= 2
    # Both Python posts have the word in their title; a body-only match would come after them.
    assert set(ranked[:2]) == {"Python tag spelled differently", "Another Python post"}


def test_own_tags(capsys: pytest.CaptureFixture[str], d: str) -> None:
    code, _, err = run(capsys, "--data-dir", d, "tag", "4", "  To   Read ")
    assert code == 0 and err.strip() == "post 4: tagged 'To Read'"
    assert run(capsys, "--data-dir", d, "tag", "4", "PYTHON")[0] == 0  # merges with the feed's python
    _, out, _ = run(capsys, "--data-dir", d, "show", "4")
    assert "Tags: design, terminal\nYour tags: python, To Read\n" in out
    assert titles(capsys, d, 'tag:"to read"') == ["Notes on keyboard flow"]
    _, out, _ = run(capsys, "--data-dir", d, "tags", "--mine", "--json")
    assert json.loads(out) == [{"name": "python", "count": 1}, {"name": "To Read", "count": 1}]
    _, out, _ = run(capsys, "--data-dir", d, "tags", "--json")
    assert {t["name"].lower(): t["count"] for t in json.loads(out)}["python"] == 3
    code, _, err = run(capsys, "--data-dir", d, "tag", "4", "to read", "--remove")
    assert code == 0 and titles(capsys, d, 'tag:"to read"') == []
    code, _, err = run(capsys, "--data-dir", d, "tag", "4", "to read", "--remove")
    assert code == 2 and "has no tag of yours" in err
    code, _, err = run(capsys, "--data-dir", d, "tag", "999", "x")
    assert code == 2 and err.strip() == "blogtui: post 999: no such post"
    code, _, err = run(capsys, "--data-dir", d, "tag", "4", "   ")
    assert code == 2 and "needs a name" in err
    code, _, err = run(capsys, "--data-dir", d, "tag", "4", "DESIGN")  # the feed's own tag
    assert code == 0 and err.strip() == "post 4: its feed already tags it 'design'"
    _, out, _ = run(capsys, "--data-dir", d, "show", "4")
    assert "Tags: design, terminal\nYour tags: python\n" in out


def test_saved_views(capsys: pytest.CaptureFixture[str], d: str) -> None:
    code, _, err = run(capsys, "--data-dir", d, "view", "@py", "tag:python", "is:unread")
    assert code == 0 and err.strip() == "saved @py: 2 posts match"
    assert titles(capsys, d, "@py") == ["Python tag spelled differently", "Another Python post"]
    assert titles(capsys, d, "@PY", "another") == ["Another Python post"]
    _, out, _ = run(capsys, "--data-dir", d, "views")
    assert out == "@py  tag:python is:unread\n"
    _, out, _ = run(capsys, "--data-dir", d, "views", "--json")
    assert json.loads(out) == [{"name": "py", "query": "tag:python is:unread"}]
    assert run(capsys, "--data-dir", d, "view", "py")[1] == "tag:python is:unread\n"
    code, _, err = run(capsys, "--data-dir", d, "view", "loop", "@loop")
    assert code == 2 and "cannot include itself" in err
    code, _, err = run(capsys, "--data-dir", d, "view", "bad", "after:2015-13-40")
    assert code == 2 and "not a date" in err
    assert run(capsys, "--data-dir", d, "view", "--delete", "py")[0] == 0
    code, _, err = run(capsys, "--data-dir", d, "view", "--delete", "py")
    assert code == 2 and "no saved view" in err
    code, _, err = run(capsys, "--data-dir", d, "posts", "@py")
    assert code == 2 and "@py: no saved view" in err
