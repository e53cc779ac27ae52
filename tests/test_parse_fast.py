"""The lxml fast path must read every feed it accepts exactly as feedparser does."""

from __future__ import annotations

from pathlib import Path

import pytest

from blogtui.parsing import feed as parse
from blogtui.parsing import xml_fast as feed_xml
from conftest import CORPUS

ROOT = Path(__file__).resolve().parents[1]
LOCAL = sorted((ROOT / "src" / "blogtui" / "demo").glob("*.xml")) + sorted(
    (ROOT / "tests" / "data").rglob("*.xml")
)
REAL = sorted(p for p in CORPUS.glob("*/*") if p.suffix != ".tsv") if CORPUS.exists() else []


def _both(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object] | None:
    body = path.read_bytes()
    url = path.as_uri()
    if feed_xml.read(body, url) is None:
        return None
    fast = parse.parse_feed(body, url)
    with monkeypatch.context() as patch:
        patch.setattr(feed_xml, "read", lambda body, url: None)
        slow = parse.parse_feed(body, url)
    return fast, slow


def test_fast_path_matches_feedparser(monkeypatch: pytest.MonkeyPatch) -> None:
    compared = 0
    for path in LOCAL + REAL:
        pair = _both(path, monkeypatch)
        if pair is None:
            continue
        compared += 1
        fast, slow = pair
        assert fast == slow, f"{path}: the fast path and feedparser disagree"
    assert compared >= len(LOCAL)


def test_fast_path_declines_what_it_does_not_know() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><rss version="2.0"><channel/></rss>'
    assert feed_xml.read(bomb, "") is None
    assert feed_xml.read(b"<rss version='2.0'><channel><title>x</title>", "") is None  # truncated
    assert feed_xml.read(b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>', "") is None
    latin = b'<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel/></rss>'
    assert feed_xml.read(latin, "") is None
    simple = b'<rss version="2.0"><channel><title>T</title><link>https://x.example/</link></channel></rss>'
    assert feed_xml.read(simple, "")["feed"]["title"] == "T"
