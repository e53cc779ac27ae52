"""OPML folders: an outline's folders become its feed's folder (whose parts tag the feed's posts,
kept on every refresh) and nested outlines again on export; the backup keeps them; schema 8."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from blogtui.interop import read_opml
from blogtui.library import Library
from blogtui.storage import schema
from blogtui.storage.store import Store

DATA = Path(__file__).parent / "data"
FEED = DATA / "some-feed.xml"


def test_read_opml_gives_each_feed_its_folders() -> None:
    outlines = read_opml(b"""<?xml version="1.0"?><opml version="2.0"><body>
      <outline text="Top" xmlUrl="https://top.example/feed"/>
      <outline text="Tech">
        <outline text="A" xmlUrl="https://a.example/feed"/>
        <outline title="Python" text="py">
          <outline text="B" xmlUrl="https://b.example/feed"/>
        </outline>
        <outline text="a link" htmlUrl="https://link.example/"><outline text="C" xmlUrl="https://c.example/feed"/></outline>
      </outline>
      <outline text="Slash/Name"><outline text="D" xmlUrl="https://d.example/feed"/></outline>
    </body></opml>""")
    assert [(o.url, o.folder) for o in outlines] == [
        ("https://top.example/feed", ""),
        ("https://a.example/feed", "Tech"),
        ("https://b.example/feed", "Tech/Python"),
        ("https://c.example/feed", "Tech"),  # a plain link is not a folder
        ("https://d.example/feed", "Slash-Name"),  # "/" separates folders: kept as one name
    ]


def test_import_tags_the_posts_with_the_folder_and_export_nests_it(tmp_path: Path) -> None:
    opml = tmp_path / "subs.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><body><outline text="Reading">'
        f'<outline text="Deep"><outline text="Some" xmlUrl="{FEED.as_uri()}"/></outline>'
        "</outline></body></opml>",
        encoding="utf-8",
    )
    library = Library(tmp_path / "lib")
    try:
        report = library.import_opml(opml, archive=False)
        assert [o.error for o in report.added] == [None]
        (feed,) = library.feeds()
        assert feed.folder == "Reading/Deep"
        every = set(library.post_ids())
        assert set(library.post_ids("tag:reading")) == every and set(library.post_ids("tag:deep")) == every
        # A refresh keeps the folder's tags (they are the feed's, like its categories).
        library.refresh(archive=False)
        assert set(library.post_ids("tag:Reading")) == every
        exported = library.export_opml()
        assert '<outline text="Reading" title="Reading">' in exported
        assert '<outline text="Deep" title="Deep">' in exported
        again = read_opml(exported.encode())
        assert [(o.url, o.folder) for o in again] == [(FEED.as_uri(), "Reading/Deep")]
        # The backup keeps the folder, and a restore brings it back.
        backup = tmp_path / "backup.json"
        with backup.open("w", encoding="utf-8") as handle:
            library.export_json(handle)
        assert json.loads(backup.read_text(encoding="utf-8"))["feeds"][0]["folder"] == "Reading/Deep"
        other = Library(tmp_path / "other")
        try:
            other.import_backup(backup)
            assert other.feeds()[0].folder == "Reading/Deep"
        finally:
            other.close()
    finally:
        library.close()


def test_migration_8_adds_the_folder_column(tmp_path: Path) -> None:
    path = tmp_path / "blogtui.db"
    db = sqlite3.connect(path, isolation_level=None)
    for step in schema.MIGRATIONS[:7]:
        step(db)
    db.execute("PRAGMA user_version = 7")
    db.execute("INSERT INTO feeds(id, url, title) VALUES (1, 'https://old.example/feed', 'Old')")
    db.close()
    store = Store(path)
    try:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        feed = store.feed("https://old.example/feed")
        assert feed is not None and feed.folder == ""
    finally:
        store.close()
