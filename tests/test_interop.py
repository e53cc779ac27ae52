"""Interop: OPML in (nested, unknown attributes, duplicates, unsafe XML) and out (round trip),
the JSON backup and the Markdown files, through the library and the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from blogtui.errors import InteropError, LibraryError
from blogtui.interop import read_opml
from blogtui.library import Library
from conftest import run

DATA = Path(__file__).parent / "data"
FEED = DATA / "some-feed.xml"
PAGED = DATA / "paged" / "page-1.xml"


def _opml(path: Path, body: str) -> Path:
    path.write_text(f'<?xml version="1.0"?>\n<opml version="1.0"><head/><body>{body}</body></opml>\n')
    return path


def test_read_opml_walks_folders_and_ignores_unknown_attributes() -> None:
    data = b"""<?xml version="1.0"?>
    <opml version="2.0"><head><title>mine</title></head><body>
      <outline text="Tech" category="x" custom:thing="y" xmlns:custom="urn:x">
        <outline text="Deeper"><outline TEXT="A" XMLURL="https://a.example/feed" weird="1"/></outline>
        <outline title="B title" text="B" xmlUrl="https://b.example/rss" htmlUrl="https://b.example/"/>
      </outline>
      <outline text="a link, not a feed" htmlUrl="https://c.example/"/>
    </body></opml>"""
    outlines = read_opml(data)
    assert [(o.url, o.title, o.site_url) for o in outlines] == [
        ("https://a.example/feed", "A", ""),
        ("https://b.example/rss", "B title", "https://b.example/"),
    ]


@pytest.mark.parametrize(
    ("data", "cause"),
    [
        (b"<opml><body><outline", "not well-formed"),
        (b"<rss><channel/></rss>", "not an OPML file"),
        (b"", "not well-formed"),
        (b'<!DOCTYPE opml [<!ENTITY a "aaaa">]><opml><body/></opml>', "DOCTYPE"),
    ],
)
def test_bad_opml_is_refused_in_one_line(data: bytes, cause: str) -> None:
    with pytest.raises(InteropError) as caught:
        read_opml(data, "subs.opml")
    assert cause in str(caught.value) and str(caught.value).startswith("subs.opml: ")
    assert "\n" not in str(caught.value)


def test_import_skips_duplicates_and_subscribed_feeds(library: Library, tmp_path: Path) -> None:
    library.subscribe([str(FEED)])
    subs = _opml(
        tmp_path / "subs.opml",
        f'<outline text="folder"><outline text="Some" xmlUrl="{FEED.as_uri()}"/>'
        f'<outline text="Paged" xmlUrl="{PAGED.as_uri()}"/></outline>'
        f'<outline text="Paged again" xmlUrl="{PAGED.as_uri()}"/>'
        '<outline text="relative" xmlUrl="feeds/x.xml"/>',
    )
    report = library.import_opml(subs)
    assert [o.url for o in report.added] == [PAGED.as_uri()]
    assert report.already == [FEED.as_uri()]
    assert report.duplicates == [PAGED.as_uri()]
    assert [url for url, _ in report.skipped] == ["feeds/x.xml"]
    assert report.summary() == (
        "imported 1 new feed, 9 new posts, 1 already subscribed, 1 duplicates skipped, 1 not feeds, skipped"
    )
    assert {f.url for f in library.feeds()} == {FEED.as_uri(), PAGED.as_uri()}
    again = library.import_opml(subs)
    assert again.added == [] and len(again.already) == 2


def test_opml_export_imports_back_to_the_same_subscriptions(tmp_path: Path) -> None:
    source = Library(tmp_path / "a")
    try:
        source.subscribe([str(FEED), str(PAGED)])
        (tmp_path / "subs.opml").write_text(source.export_opml(), encoding="utf-8")
        before = sorted((f.url, f.title, f.site_url) for f in source.feeds())
    finally:
        source.close()
    for fetch in (False, True):  # with --no-fetch the OPML's titles stand until the first fetch
        target = Library(tmp_path / f"b-{fetch}")
        try:
            report = target.import_opml(tmp_path / "subs.opml", fetch=fetch)
            assert len(report.added) == 2 and not report.failed
            assert sorted((f.url, f.title, f.site_url) for f in target.feeds()) == before
        finally:
            target.close()


def test_json_export_is_a_whole_backup(library: Library, tmp_path: Path) -> None:
    library.subscribe([str(FEED)])
    first = library.post_ids("cache")[0]
    library.mark_read([first])
    library.star([first])
    library.add_user_tag(first, "keep")
    library.save_view("fmt", "cache")
    out = tmp_path / "backup.json"
    with out.open("w", encoding="utf-8") as handle:
        assert library.export_json(handle) == 10
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["format"] == "blogtui-export" and doc["version"] == 1
    assert [f["url"] for f in doc["feeds"]] == [FEED.as_uri()]
    assert doc["views"] == [{"name": "fmt", "query": "cache"}]
    assert len(doc["posts"]) == 10
    post = next(p for p in doc["posts"] if p["id"] == first)
    assert post["read"] is True and post["starred"] is True
    assert post["user_tags"] == ["keep"] and "keep" in post["tags"]
    assert post["content_html"] and post["guid"]
    with out.open("w", encoding="utf-8") as handle:
        assert library.export_json(handle, "tag:python") == 2
    assert len(json.loads(out.read_text(encoding="utf-8"))["posts"]) == 2
    with pytest.raises(LibraryError, match="not a date"), out.open("w") as handle:
        library.export_json(handle, "after:2015-13-40")


def _front_matter(text: str) -> dict[str, object]:
    lines = text.split("\n")
    assert lines[0] == "---"
    end = lines.index("---", 1)
    return {key: json.loads(value) for key, value in (line.split(": ", 1) for line in lines[1:end])}


def test_markdown_export_one_file_per_post_with_front_matter(library: Library, tmp_path: Path) -> None:
    library.subscribe([str(FEED)])
    post_id = library.post_ids("keyboard")[0]
    library.add_user_tag(post_id, "favourite")
    written: list[Path] = []
    assert library.export_markdown(tmp_path / "md", "tag:design", on_post=written.append) == 3
    files = sorted((tmp_path / "md").iterdir())
    assert files == sorted(written) and len(files) == 3
    page = next(f for f in files if f.name.endswith(f"-{post_id}.md"))
    assert page.name == f"2023-10-20-notes-on-keyboard-flow-{post_id}.md"
    text = page.read_text(encoding="utf-8")
    meta = _front_matter(text)
    assert meta["title"] == "Notes on keyboard flow" and meta["id"] == post_id
    assert meta["published"] == "2023-10-20T09:00:00Z"
    assert meta["tags"] == ["design", "terminal"] and meta["user_tags"] == ["favourite"]
    assert meta["read"] is False and meta["feed"] == FEED.as_uri()
    assert "# Notes on keyboard flow" in text and "```python\nprint('hi')\n```" in text
    (tmp_path / "file").write_text("x")
    with pytest.raises(LibraryError, match="not a directory"):
        library.export_markdown(tmp_path / "file")


def test_cli_import_and_export(capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path) -> None:
    d = str(data_dir)
    assert run(capsys, "--data-dir", d, "add", str(FEED), str(PAGED))[0] == 0
    code, opml, _ = run(capsys, "--data-dir", d, "export")
    assert code == 0 and opml.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert run(capsys, "--data-dir", d, "export", "--format", "opml")[1] == opml
    (tmp_path / "subs.opml").write_text(opml, encoding="utf-8")
    other = str(tmp_path / "other")
    code, _, err = run(capsys, "--data-dir", other, "import", str(tmp_path / "subs.opml"))
    assert code == 0 and err.strip().splitlines()[-1] == "imported 2 new feeds, 19 new posts"
    _, mine, _ = run(capsys, "--data-dir", other, "feeds", "--json")
    _, theirs, _ = run(capsys, "--data-dir", d, "feeds", "--json")
    strip = [{k: f[k] for k in ("url", "title", "site_url", "posts")} for f in json.loads(mine)]
    assert strip == [{k: f[k] for k in ("url", "title", "site_url", "posts")} for f in json.loads(theirs)]
    code, _, err = run(capsys, "--data-dir", other, "import", str(tmp_path / "subs.opml"))
    assert code == 0 and "imported 0 new feeds, 2 already subscribed" in err

    code, out, _ = run(capsys, "--data-dir", d, "export", "--format", "json", "tag:python")
    assert code == 0 and len(json.loads(out)["posts"]) == 2
    code, _, err = run(
        capsys, "--data-dir", d, "export", "--format", "markdown", "--to", str(tmp_path / "md")
    )
    assert code == 0 and err.strip() == f"wrote 19 Markdown files to {tmp_path / 'md'}"
    assert len(list((tmp_path / "md").glob("*.md"))) == 19


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("import", "/nonexistent/subs.opml"), "cannot read it"),
        (("import", str(FEED)), "not an OPML file"),
        (("export", "--format", "markdown"), "needs --to DIR"),
        (("export", "--format", "json", "after:2015-13-40"), "not a date"),
        (("export", "--format", "opml", "tag:x"), "a query applies to json, markdown and epub"),
        (("export", "--format", "json", "--to", "/tmp"), "--to is for markdown and epub"),
        (("export", "--format", "epub"), "needs --to FILE"),
        (("export", "--format", "epub", "--to", "/tmp"), "/tmp: is a directory"),
        (("export", "--format", "yaml"), "invalid choice"),
    ],
)
def test_cli_interop_errors_are_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], data_dir: Path, args: tuple[str, ...], message: str
) -> None:
    code, out, err = run(capsys, "--data-dir", str(data_dir), *args)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err


def test_cli_import_with_failed_feed_exits_1_and_keeps_it(
    capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path
) -> None:
    subs = _opml(
        tmp_path / "subs.opml",
        f'<outline xmlUrl="{FEED.as_uri()}"/><outline text="gone" xmlUrl="file:///nonexistent/feed.xml"/>',
    )
    code, _, err = run(capsys, "--data-dir", str(data_dir), "import", str(subs))
    assert code == 1
    assert "file:///nonexistent/feed.xml: " in err and "1 failed to fetch" in err
    _, out, _ = run(capsys, "--data-dir", str(data_dir), "feeds", "--json")
    assert len(json.loads(out)) == 2


def test_cli_bad_opml_in_a_real_process_has_no_traceback(data_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.opml"
    bad.write_bytes(b"<opml><body><outline xmlUrl='x'")
    done = subprocess.run(
        [sys.executable, "-m", "blogtui", "--data-dir", str(data_dir), "import", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "not well-formed XML" in done.stderr
