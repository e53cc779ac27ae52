"""The trust boundary: content from the network never makes blogtui read the local disk.

Every link taken from a remote document (autodiscovery, archive pages, redirects, sitemaps, post
pages) must be http or https; local files are read only when the user names them (the command
line, an OPML file they import), only regular files, and the size limit holds while reading.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from blogtui.config import Config
from blogtui.errors import FetchError
from blogtui.fetching import discovery
from blogtui.fetching import http as fetching
from blogtui.library import Library
from feedserver import FeedServer, Response


def atom(entries: list[int], extra: str = "", title: str = "Feed") -> bytes:
    body = "".join(
        f"<entry><id>urn:{title}:{n}</id><title>{title} {n}</title><link href='https://h.example/{n}'/>"
        f"<updated>2024-03-{n % 28 + 1:02d}T00:00:00Z</updated><content type='html'>b {n}</content></entry>"
        for n in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{title}</title>{extra}{body}</feed>"
    ).encode()


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A local feed file a remote document might try to make blogtui read."""
    path = tmp_path / "secret.xml"
    path.write_bytes(atom([1, 2, 3], title="Secret"))
    return path


def titles(library: Library) -> set[str]:
    return {row.title for row in library.rows(library.post_ids())}


def test_remote_page_alternate_link_to_a_file_is_not_followed(
    server: FeedServer, data_dir: Path, secret: Path
) -> None:
    server.add(
        "/",
        f'<html><head><link rel="alternate" type="application/atom+xml" href="{secret.as_uri()}">'
        "</head><body>hi</body></html>",
        content_type="text/html",
    )
    library = Library(data_dir, Config())
    [outcome] = library.subscribe([server.url("/")], archive=False)
    assert outcome.error and "names no feed" in outcome.error
    assert titles(library) == set()
    library.close()


def test_discovery_keeps_only_http_links_of_a_remote_page(secret: Path) -> None:
    page = (
        f'<link rel="alternate" type="application/rss+xml" href="{secret.as_uri()}">'
        '<link rel="alternate" type="application/rss+xml" href="/feed.xml">'
        '<base href="file:///etc/"><link rel="alternate" type="application/atom+xml" href="passwd">'
    ).encode()
    assert discovery.discover_links(page, "https://blog.example/") == []
    without_base = page.split(b"<base")[0]
    assert discovery.discover_links(without_base, "https://blog.example/") == [
        "https://blog.example/feed.xml"
    ]
    # A local page the user named may name a local feed.
    local = discovery.discover_links(without_base, "file:///home/me/page.html")
    assert secret.as_uri() in local


def test_remote_feed_next_and_prev_archive_links_to_files_are_refused(
    server: FeedServer, data_dir: Path, secret: Path
) -> None:
    server.add("/next", atom([10, 11], f'<link rel="next" href="{secret.as_uri()}"/>', title="Remote"))
    server.add("/prev", atom([20], f'<link rel="prev-archive" href="{secret.as_uri()}"/>', title="Prev"))
    library = Library(data_dir, Config())
    outcomes = library.subscribe([server.url("/next"), server.url("/prev")], archive=True)
    assert all(o.error is None for o in outcomes), outcomes
    assert not any(t.startswith("Secret") for t in titles(library))
    assert {"Remote 10", "Remote 11", "Prev 20"} <= titles(library)
    library.close()


def test_a_redirect_to_a_file_url_is_refused(server: FeedServer, data_dir: Path, secret: Path) -> None:
    server.add("/moved", Response(status=302, headers={"Location": secret.as_uri()}))
    library = Library(data_dir, Config())
    [outcome] = library.subscribe([server.url("/moved")], archive=False)
    assert outcome.error and "refused" in outcome.error and "redirected" in outcome.error
    assert titles(library) == set()
    library.close()


def test_fetch_refuses_file_urls_unless_trusted(secret: Path) -> None:
    async def get(url: str, trusted: bool) -> bytes:
        async with fetching.make_client(1, 5) as client:
            return (await fetching.fetch(client, url, timeout=5, trusted=trusted)).body

    with pytest.raises(FetchError, match="remote document: refused"):
        asyncio.run(get(secret.as_uri(), False))
    with pytest.raises(FetchError, match=r"not an http\(s\) link \(ftp:\)"):
        asyncio.run(get("ftp://h.example/feed", True))
    assert b"Secret" in asyncio.run(get(secret.as_uri(), True))
    assert fetching.refused("https://h.example/", False) is None
    assert fetching.refused("javascript:alert(1)", False)


def test_the_user_names_local_files_and_they_are_read(data_dir: Path, secret: Path) -> None:
    library = Library(data_dir, Config())
    [by_path] = library.subscribe([str(secret)], archive=False)
    assert by_path.error is None and by_path.new_posts == 3
    library.close()


def test_a_local_feed_may_page_to_local_files(data_dir: Path, tmp_path: Path) -> None:
    second = tmp_path / "page-2.xml"
    second.write_bytes(atom([5], title="Two"))
    first = tmp_path / "feed.xml"
    first.write_bytes(atom([1], '<link rel="next" href="page-2.xml"/>', title="One"))
    library = Library(data_dir, Config())
    [outcome] = library.subscribe([str(first)], archive=True)
    assert outcome.error is None
    assert {"One 1", "Two 5"} <= titles(library)
    library.close()


def test_an_opml_file_the_user_imports_may_name_local_feeds(
    data_dir: Path, secret: Path, tmp_path: Path
) -> None:
    opml = tmp_path / "subs.opml"
    opml.write_text(
        f'<?xml version="1.0"?><opml version="2.0"><body><outline text="s" xmlUrl="{secret.as_uri()}"/>'
        "</body></opml>"
    )
    library = Library(data_dir, Config())
    report = library.import_opml(opml, archive=False)
    assert report is not None
    assert {"Secret 1", "Secret 2", "Secret 3"} <= titles(library)
    library.close()


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_devices_are_refused_before_a_byte_is_read(device: str) -> None:
    if not os.path.exists(device):
        pytest.skip(f"{device} does not exist here")
    with pytest.raises(FetchError, match="not a regular file"):
        fetching.read_local(Path(device).as_uri(), 1024 * 1024)


def test_a_fifo_is_refused_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(FetchError, match="not a regular file"):
        fetching.read_local(fifo.as_uri(), 1024)


def test_proc_files_with_st_size_zero_are_refused_or_bounded() -> None:
    path = Path("/proc/self/status")
    if not path.exists():
        pytest.skip("no /proc here")
    assert path.stat().st_size == 0
    # A /proc file is a regular file with st_size 0: the limit holds while reading.
    with pytest.raises(FetchError, match="larger than"):
        fetching.read_local(path.as_uri(), 16)


def test_the_size_limit_holds_while_reading_a_growing_file(tmp_path: Path) -> None:
    big = tmp_path / "big.xml"
    big.write_bytes(b"x" * (3 * 1024 * 1024))
    with pytest.raises(FetchError, match="larger than 2 MB"):
        fetching.read_local(big.as_uri(), 2 * 1024 * 1024)
    assert fetching.read_local(big.as_uri(), 4 * 1024 * 1024).body == b"x" * (3 * 1024 * 1024)


def test_add_dev_zero_is_one_line(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from conftest import run

    code, _out, err = run(capsys, "add", "/dev/zero", "--no-archive")
    assert code == 1
    assert "not a regular file" in err and "Traceback" not in err
