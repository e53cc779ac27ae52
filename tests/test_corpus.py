"""Every real feed of the corpus: well-formed ones ingest fully, broken ones fail in one line.

The corpus lives outside the repository (tests/corpus.py says where); without it these tests skip.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from blogtui.cli import main
from blogtui.content.markdown import html_to_markdown
from blogtui.library import Library
from corpus import CORPUS, absent_reason


def _manifest() -> list[dict[str, str]]:
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.is_file():
        return []
    with manifest.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


NO_CORPUS = absent_reason()
ROWS = _manifest()
pytestmark = pytest.mark.skipif(NO_CORPUS is not None, reason=NO_CORPUS or "")


def test_manifest_lists_files() -> None:
    assert ROWS, f"{CORPUS / 'MANIFEST.tsv'} lists no files"


def test_every_corpus_file_ingests(library: Library) -> None:
    """All files subscribed in one call (archive walking off: the corpus holds single documents,
    some with http next links); every problem is collected so one run names every broken file."""
    rows = [row for row in ROWS if (CORPUS / row["path"]).is_file()]
    missing = [row["path"] for row in ROWS if row not in rows]
    assert not missing, f"listed in MANIFEST.tsv but missing: {missing}"
    outcomes = library.subscribe([str(CORPUS / row["path"]) for row in rows], archive=False)
    feeds = {feed.url: feed for feed in library.feeds()}
    problems: list[str] = []
    for row, outcome in zip(rows, outcomes, strict=True):
        name, expected = row["path"], int(row["n_items_counted"])
        feed = feeds.get(outcome.url)
        stored = feed.posts if feed else 0
        if outcome.error is not None and ("\n" in outcome.error or not outcome.error.strip()):
            problems.append(f"{name}: error is not one line: {outcome.error!r}")
        if name.startswith("illformed/"):
            if outcome.error is None and feed is None:
                problems.append(f"{name}: no error but no feed stored")
        elif outcome.error is not None:
            problems.append(f"{name} ({row['format']}): error {outcome.error}")
        elif stored != expected:
            problems.append(f"{name} ({row['format']}): {stored} posts, manifest says {expected}")
        if feed is not None:
            # The first posts of every feed are converted too (the reader's path), with no error.
            for (post_id,) in library.store.db.execute(
                "SELECT id FROM posts WHERE feed_id = ? ORDER BY id LIMIT 3", (feed.id,)
            ).fetchall():
                try:
                    post = library.post(post_id)
                except Exception as exc:  # noqa: BLE001 - report every file, not just the first
                    problems.append(f"{name}: post {post_id} raised {type(exc).__name__}: {exc}")
                    continue
                assert post is not None
                if (
                    post.content_html.strip()
                    and not post.content_md.strip()
                    and "<img" not in post.content_html
                ):
                    problems.append(f"{name}: post {post_id} has HTML but converts to nothing")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", ["illformed/fp_aaa_illformed.xml", "illformed/fp_rss_empty_document.xml"])
def test_unreadable_corpus_file_is_a_one_line_cli_error(
    name: str, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"{name} not in the corpus")
    code = main(["--data-dir", str(data_dir), "add", "--no-archive", str(path)])
    err = capsys.readouterr().err
    assert code == 1
    errors = [line for line in err.splitlines() if line.startswith("blogtui: ")]
    assert len(errors) == 1 and "not a feed" in errors[0] and path.name in errors[0]
    assert "Traceback" not in err


def test_xml_base_feed_from_the_corpus_resolves_images(library: Library) -> None:
    path = CORPUS / "atom/feedrs_atom_xml_base.xml"
    if not path.is_file():
        pytest.skip("feedrs_atom_xml_base.xml not in the corpus")
    library.subscribe([str(path)], archive=False)
    (post_id,) = library.post_ids()
    post = library.post(post_id)
    assert post is not None
    assert post.content_md == "[image](https://numi.st/post/2022/travel-uke/IMG_1232.jpeg)"
    assert html_to_markdown(post.content_html, post.url) == post.content_md
