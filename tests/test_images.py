"""Images kept with the archive: fetched from a loopback server after the posts, sniffed, bounded,
re-encoded, stored content-addressed with a cap and least-recently-read eviction; the CLI."""

from __future__ import annotations

import html
import io
import json
import random
import sqlite3
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from PIL import Image

from blogtui.config import Config
from blogtui.fetching.images import MAX_HEIGHT, MAX_WIDTH, image_refs, prepare
from blogtui.library import Library
from blogtui.storage import schema
from blogtui.storage.store import Store
from conftest import run
from feedserver import FeedServer, Request, Response


def picture(fmt: str, size: tuple[int, int] = (64, 48), *, noise: bool = False, mode: str = "RGB") -> bytes:
    """A real image file made with Pillow: a gradient (few colours) or noise (a photo's many)."""
    if noise:
        pixels = random.Random(size[0] * 7919 + size[1]).randbytes(size[0] * size[1] * 3)
        image = Image.frombytes("RGB", size, pixels).convert(mode)
    else:
        image = Image.linear_gradient("L").resize(size).convert(mode)
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def bomb(side: int = 12_000) -> bytes:
    """A PNG of ``side`` x ``side`` one-bit pixels: a few KB that would decode to 100+ MB."""
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, "PNG")
    return out.getvalue()


def feed(server: FeedServer, posts: dict[int, list[str]]) -> str:
    """An RSS feed on the server whose post N shows the images ``posts[N]`` (paths or URLs)."""
    items = "".join(
        f"<item><title>Post {n}</title><link>{server.url(f'/posts/{n}')}</link><guid>p{n}</guid>"
        f"<pubDate>Mon, {n:02d} Jan 2024 10:00:00 GMT</pubDate><description>"
        + html.escape(
            f"<p>Text of post {n}.</p>" + "".join(f'<p><img src="{s}" alt="pic {s}"></p>' for s in srcs)
        )
        + "</description></item>"
        for n, srcs in posts.items()
    )
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Pictures</title>{items}</channel></rss>'
    return server.add("/feed.xml", body.encode(), content_type="application/rss+xml")


def library(data_dir: Path, clock: list[float] | None = None, **config: object) -> Library:
    now = clock or [1_700_000_000.0]
    return Library(
        data_dir,
        Config(**config),  # type: ignore[arg-type]
        clock=lambda: datetime.fromtimestamp(now[0], tz=timezone.utc),
    )


def test_each_real_type_is_kept_and_each_bad_one_refused_in_one_line(
    server: FeedServer, data_dir: Path
) -> None:
    server.add("/a.png", picture("PNG", (3000, 1500)), content_type="image/png")
    server.add("/b.jpg", picture("JPEG", (800, 600), noise=True), content_type="image/jpeg")
    server.add("/c.gif", picture("GIF"), content_type="image/gif")
    server.add("/d.webp", picture("WEBP", noise=True), content_type="image/webp")
    server.add("/bomb.png", bomb(), content_type="image/png")
    server.add(
        "/e.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>', content_type="image/svg+xml"
    )
    server.add("/page.png", b"<!DOCTYPE html><html><body>hi</body></html>", content_type="image/png")
    paths = ["/a.png", "/b.jpg", "/c.gif", "/d.webp", "/bomb.png", "/e.svg", "/page.png", "/missing.png"]
    url = feed(server, {n + 1: [p] for n, p in enumerate(paths)})
    lib = library(data_dir, images="lead")
    try:
        [outcome] = lib.subscribe([url], archive=False)
        assert outcome.error is None and outcome.new_posts == 8
        # The text is stored before any image: the posts are readable while images come.
        assert lib.count() == 8
        report = lib.wait_for_images()
        assert report is not None
        assert (report.stored, report.refused, report.failed) == (4, 4, 0), report.notes
        notes = {n.split(": ", 1)[0].rsplit("/", 1)[1]: n.split(": ", 1)[1] for n in report.notes}
        assert (
            notes["bomb.png"].startswith("a decompression bomb") or "decompression bomb" in notes["bomb.png"]
        )
        assert notes["e.svg"] == "an SVG (vector images are not kept)"
        assert notes["page.png"] == "an HTML page, not an image"
        assert notes["missing.png"] == "HTTP 404 Not Found"
        assert all("\n" not in n for n in report.notes)
        stats = lib.image_stats()
        assert (stats["stored"], stats["refused"]) == (4, 4)
        files = sorted((data_dir / "images").rglob("*.*"))
        assert len(files) == 4 and stats["bytes"] == sum(f.stat().st_size for f in files)
        for (ref, cached), name in zip(
            [lib.post_images(pid)[0] for pid in lib.post_ids()[::-1][:4]],
            ["a.png", "b.jpg", "c.gif", "d.webp"],
        ):
            assert ref.src == server.url(f"/{name}") and cached is not None
            with Image.open(cached.path) as stored:
                assert stored.format in ("PNG", "JPEG")
                assert stored.size == (cached.width, cached.height)
                assert stored.width <= MAX_WIDTH and stored.height <= MAX_HEIGHT
            assert cached.path.stem == __import__("hashlib").sha256(cached.path.read_bytes()).hexdigest()
        big = lib.post_images(lib.post_ids()[-1])[0][1]
        assert big is not None and (big.width, big.height) == (1024, 512)  # 3000x1500 made small
        # A second run asks for nothing again: stored and refused images are remembered.
        before = len(server.requests)
        again = lib.fetch_images()
        assert (again.stored, again.cached, len(server.requests)) == (0, 8, before)
    finally:
        lib.close()


def test_lead_keeps_the_first_image_all_keeps_every_one(server: FeedServer, data_dir: Path) -> None:
    for name in "xyz":
        server.add(f"/{name}.png", picture("PNG", (40 + ord(name), 30)), content_type="image/png")
    url = feed(server, {1: ["/x.png", "/y.png"], 2: ["/z.png", "/x.png"]})
    lib = library(data_dir)  # lead, the default
    try:
        lib.subscribe([url], archive=False)
        report = lib.wait_for_images()
        assert report is not None and report.stored == 2
        assert {r.path for r in server.requests} >= {"/x.png", "/z.png"}
        assert not server.hits("/y.png")
    finally:
        lib.close()
    lib = library(data_dir, images="all")
    try:
        report = lib.fetch_images()
        assert (report.stored, report.cached) == (1, 2)  # y.png; x.png is named twice, asked once
        assert len(server.hits("/x.png")) == 1
    finally:
        lib.close()


def test_images_off_fetches_nothing_and_fetch_says_why(server: FeedServer, data_dir: Path) -> None:
    server.add("/x.png", picture("PNG"), content_type="image/png")
    url = feed(server, {1: ["/x.png"]})
    lib = library(data_dir, images="off")
    try:
        lib.subscribe([url], archive=False)
        assert lib.wait_for_images() is None
        assert not server.hits("/x.png")
        with pytest.raises(Exception, match=r'images = "off" in config\.toml'):
            lib.fetch_images()
    finally:
        lib.close()


def test_at_most_two_images_at_once_from_one_host(server: FeedServer, data_dir: Path) -> None:
    body = picture("PNG")
    lock = threading.Lock()
    active = [0, 0]  # now, most

    def slow(request: Request) -> Response:
        with lock:
            active[0] += 1
            active[1] = max(active[1], active[0])
        time.sleep(0.05)
        with lock:
            active[0] -= 1
        return Response(body, content_type="image/png")

    for n in range(8):
        server.add(f"/{n}.png", slow)
    url = feed(server, {n + 1: [f"/{n}.png"] for n in range(8)})
    lib = library(data_dir)
    try:
        lib.subscribe([url], archive=False)
        report = lib.wait_for_images()
        assert report is not None and report.stored == 8
        assert report.bytes == lib.image_stats()["bytes"]  # one picture, eight URLs: one file
        assert len(list((data_dir / "images").rglob("*.png"))) == 1
        assert active[1] == 2
    finally:
        lib.close()


def test_the_cap_evicts_the_least_recently_read_and_never_this_runs_images(
    server: FeedServer, data_dir: Path
) -> None:
    for n in range(4):
        server.add(f"/{n}.jpg", picture("JPEG", (850 + n, 600), noise=True), content_type="image/jpeg")
    size = len(prepare(picture("JPEG", (850, 600), noise=True)).data)
    cap = 1024 * 1024
    assert 3 * size < cap < 4 * size  # noise does not compress: three fit, four do not
    clock = [1_000.0]
    url = feed(server, {1: ["/0.jpg"], 2: ["/1.jpg"]})
    lib = library(data_dir, clock, image_cache_bytes=cap)
    try:
        lib.subscribe([url], archive=False)
        assert lib.wait_for_images().stored == 2  # type: ignore[union-attr]
        first = min(lib.post_ids())
        clock[0] = 2_000.0
        assert lib.post_images(first)[0][1] is not None  # read: post 1's image is the newer
        clock[0] = 3_000.0
        feed(server, {1: ["/0.jpg"], 2: ["/1.jpg"], 3: ["/2.jpg"], 4: ["/3.jpg"]})
        lib.refresh()
        report = lib.wait_for_images()
        assert report is not None and report.stored == 2 and not report.full
        kept = {
            ref.src.rsplit("/", 1)[1]
            for pid in lib.post_ids()
            for ref, c in lib.post_images(pid, touch=False)
            if c
        }
        assert kept == {"0.jpg", "2.jpg", "3.jpg"}  # 1.jpg, read longest ago, made room
        assert lib.image_stats()["bytes"] <= cap  # type: ignore[operator]
        assert len(list((data_dir / "images").rglob("*.jpg"))) == 3
        # Filling again wants 1.jpg back: the image read longest ago (0.jpg, at 2,000) goes.
        clock[0] = 4_000.0
        again = lib.fetch_images()
        assert again.stored == 1
        kept = {
            ref.src.rsplit("/", 1)[1]
            for pid in lib.post_ids()
            for ref, c in lib.post_images(pid, touch=False)
            if c
        }
        assert kept == {"1.jpg", "2.jpg", "3.jpg"}
    finally:
        lib.close()


def test_a_full_cache_with_nothing_older_stops_the_run(server: FeedServer, data_dir: Path) -> None:
    for n in range(5):
        server.add(f"/{n}.jpg", picture("JPEG", (1000, 700 + n), noise=True), content_type="image/jpeg")
    url = feed(server, {n + 1: [f"/{n}.jpg"] for n in range(5)})
    lib = library(data_dir, image_cache_bytes=1024 * 1024)
    try:
        lib.subscribe([url], archive=False)
        report = lib.wait_for_images()
        assert report is not None and report.full and 1 <= report.stored <= 3
        assert "the cache is full" in report.summary()
        assert lib.image_stats()["bytes"] <= 1024 * 1024  # type: ignore[operator]
    finally:
        lib.close()


def test_a_timeout_or_server_error_is_tried_again_a_404_is_not(server: FeedServer, data_dir: Path) -> None:
    server.add("/busy.png", Response(b"busy", 500, content_type="text/plain"))
    server.add("/gone.png", Response(b"", 404, content_type="text/plain"))
    url = feed(server, {1: ["/busy.png"], 2: ["/gone.png"]})
    lib = library(data_dir)
    try:
        lib.subscribe([url], archive=False)
        report = lib.wait_for_images()
        assert report is not None and (report.failed, report.refused) == (1, 1)
        server.add("/busy.png", picture("PNG"), content_type="image/png")
        again = lib.fetch_images()
        assert (again.stored, again.cached) == (1, 1)
        assert len(server.hits("/gone.png")) == 1
    finally:
        lib.close()


def test_only_http_images_are_named_and_urls_resolve_like_the_reader() -> None:
    refs = image_refs(
        '<base href="https://cdn.example/x/"><p><a href="full.png"><img src="a.png" alt="A [b]"></a>'
        '<img src="file:///etc/passwd"><img src="data:image/png;base64,AA"><img src="/p.gif" width="1">'
        '<img data-src="lazy.jpg" src="data:,"><img src="a.png"><img src="javascript:alert(1)"></p>',
        "https://blog.example/post/",
    )
    assert [(r.src, r.alt, r.link) for r in refs] == [
        ("https://cdn.example/x/a.png", "A (b)", "https://cdn.example/x/full.png"),
        ("https://cdn.example/x/lazy.jpg", "", ""),
    ]
    assert image_refs("<p>no pictures</p>") == [] and image_refs("") == []


def test_pixels_are_bounded_before_decoding() -> None:
    from blogtui.errors import FetchError

    for side in (7_000, 12_000):  # past the bound, and past twice it (Pillow's own refusal)
        with pytest.raises(FetchError, match="decompression bomb") as caught:
            prepare(bomb(side))
        assert "\n" not in str(caught.value)
    with pytest.raises(FetchError, match="a broken PNG file"):
        prepare(picture("PNG")[:60])


def test_cli_images_stats_and_fetch_for_older_posts(
    server: FeedServer, isolated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = isolated / "config" / "config.toml"
    config.parent.mkdir()
    config.write_text('images = "off"\n')
    server.add("/x.png", picture("PNG"), content_type="image/png")
    server.add("/y.png", picture("PNG", (80, 20)), content_type="image/png")
    url = feed(server, {1: ["/x.png"], 2: ["/y.png"]})
    code, _, err = run(capsys, "add", "--no-archive", url)
    assert code == 0, err
    assert not server.hits("/x.png")
    code, out, err = run(capsys, "images", "--fetch")
    assert code == 2 and 'images = "off"' in err
    config.write_text('images = "lead"\n')
    code, out, err = run(capsys, "images", "--fetch", "post", "-2")  # a query, dashes and all
    assert code == 0, err
    assert err.strip() == "1 image stored (0.0 MB)"
    assert server.hits("/x.png") and not server.hits("/y.png")
    code, out, err = run(capsys, "images", "--stats", "--json")
    stats = json.loads(out)
    assert stats["stored"] == 1 and stats["refused"] == 0 and stats["setting"] == "lead"
    assert stats["cap_bytes"] == 1024**3 and Path(stats["directory"]) == isolated / "data" / "images"
    code, out, err = run(capsys, "images")
    assert code == 0 and out.startswith("1 images kept, 0.0 MB of 1.0 GB (each post's first); 0 refused")
    code, out, err = run(capsys, "images", "--fetch", "--json")
    assert code == 2 and "--stats and --json" in err
    code, out, err = run(capsys, "images", "word")
    assert code == 2 and "a query applies to --fetch" in err


def test_migration_from_the_previous_schema_adds_the_image_index(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path, isolation_level=None)
    for step in schema.MIGRATIONS[:-1]:
        db.execute("BEGIN")
        step(db)
        db.execute("COMMIT")
    db.execute(f"PRAGMA user_version = {len(schema.MIGRATIONS) - 1}")
    db.execute("INSERT INTO feeds(url) VALUES ('https://blog.example/feed')")
    db.execute("INSERT INTO posts(feed_id, guid, title, content_html) VALUES (1, 'g', 'Kept', '<img src=x>')")
    db.close()
    store = Store(path)
    try:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        columns = {r[1] for r in store.db.execute("PRAGMA table_info(images)")}
        assert columns == {
            "url",
            "hash",
            "mime",
            "bytes",
            "width",
            "height",
            "fetched_at",
            "used_at",
            "error",
        }
        assert store.db.execute("SELECT title FROM posts").fetchone()[0] == "Kept"
    finally:
        store.close()
