"""The lxml fast path must read every feed it accepts exactly as feedparser does."""

from __future__ import annotations

from pathlib import Path

import pytest

from blogtui.parsing import feed as parse
from blogtui.parsing import xml_fast as feed_xml
from corpus import absent_reason, corpus_files

ROOT = Path(__file__).resolve().parents[1]
LOCAL = sorted((ROOT / "src" / "blogtui" / "demo").glob("*.xml")) + sorted(
    (ROOT / "tests" / "data").rglob("*.xml")
)
#: Local files the fast path declines on purpose (feedparser reads them), and why.
DECLINED = {
    "src/blogtui/demo/feed.xml": "xml:base, which feedparser resolves",
    "tests/data/some-feed.xml": "a control character, not well-formed XML",
}
NO_CORPUS = absent_reason()


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


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


def test_local_files_are_all_classified() -> None:
    assert set(DECLINED) <= {_name(p) for p in LOCAL}, "a DECLINED file no longer exists"
    assert len(LOCAL) > len(DECLINED), "no local file takes the fast path"


@pytest.mark.parametrize("path", LOCAL, ids=_name)
def test_fast_path_matches_feedparser_on_local_files(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every local feed takes the fast path and reads as feedparser reads it, except the ones
    known to decline, which must still decline (else they belong in the comparison)."""
    pair = _both(path, monkeypatch)
    if _name(path) in DECLINED:
        assert pair is None, f"{_name(path)} now takes the fast path: remove it from DECLINED"
        return
    assert pair is not None, f"{_name(path)} declines the fast path"
    fast, slow = pair
    assert fast == slow, f"{_name(path)}: the fast path and feedparser disagree"


@pytest.mark.skipif(NO_CORPUS is not None, reason=NO_CORPUS or "")
def test_fast_path_matches_feedparser_on_the_corpus(monkeypatch: pytest.MonkeyPatch) -> None:
    """Of the real-world corpus, the files the fast path accepts (some dozens) read alike."""
    compared, disagree = 0, []
    for path in corpus_files():
        pair = _both(path, monkeypatch)
        if pair is None:
            continue
        compared += 1
        fast, slow = pair
        if fast != slow:
            disagree.append(path.name)
    assert not disagree, f"the fast path and feedparser disagree on {disagree}"
    assert compared > 0, "no corpus file takes the fast path"


def test_fast_path_declines_what_it_does_not_know() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><rss version="2.0"><channel/></rss>'
    assert feed_xml.read(bomb, "") is None
    assert feed_xml.read(b"<rss version='2.0'><channel><title>x</title>", "") is None  # truncated
    assert feed_xml.read(b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>', "") is None
    latin = b'<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel/></rss>'
    assert feed_xml.read(latin, "") is None
    simple = b'<rss version="2.0"><channel><title>T</title><link>https://x.example/</link></channel></rss>'
    assert feed_xml.read(simple, "")["feed"]["title"] == "T"
