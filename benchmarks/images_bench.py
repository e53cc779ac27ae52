"""Images kept with the archive: the cost per image (fetched from loopback, sniffed, resized,
re-encoded, stored), the bytes kept per image, and whether the text stays responsive meanwhile.

    python benchmarks/images_bench.py [--images 120] [--kind photo|diagram|screenshot|gif|mixed]
    python benchmarks/images_bench.py --reader [--runs 7] [--size 120x40] [--protocol halfcell|kitty|sixel]
    python benchmarks/images_bench.py --leads ../shared/corpus/real

A loopback server serves one feed of ``--images`` posts, each with one image of the kind (made
with Pillow: a photo is a smooth picture with sensor noise, 2400x1600 JPEG q90; a diagram a
1600x1000 PNG of few colours; a screenshot a 1920x1080 PNG of many; a GIF 800x600). Printed:
Pillow's prepare() alone per image by kind, then ``subscribe`` with the background fill: the
wall time per image, the stored KB per image, and the latency of opening a post (``Library.post``
and a list query) on the main thread while images are fetched, against idle.

``--leads CORPUS``: the image cache's bytes per lead image over the posts of the feeds under
CORPUS (e.g. ../shared/corpus/real), which name their images but hold none (and there is no
network): each post's lead image (what ``images = "lead"`` keeps), made at the width and height its
``<img>`` declares, by its name's kind (a ``.png`` a screenshot, a ``.gif`` a GIF, else a photo with
a real photo's detail, ``sized``), through the real ``prepare()``; those declaring no size are
counted apart at the worst case (as large as the cache keeps).

``--reader``: the pictures in the reader (half cells; ``--protocol kitty``: Kitty placeholders,
the images encoded for the terminal but not written, headless; ``--protocol sixel``: each line a
Sixel image, encoded, and written in each frame's output, ``page_output_kb``). One post of ten kept photos
(2400x1600 JPEGs, kept as 1024 px JPEGs) between paragraphs, opened in the app (headless,
``--size``): from ``open_post`` to the first frame composed after its first screen is shown (the
app's ``_display``, which a terminal's driver would write; the drawing of the rest, which starts
then, is not counted), with no picture drawn yet (the LRU emptied) and with the pictures drawn
before (opened again); then, once all of it is laid out, each page down through it to the frame
written (the compositor's update and the terminal output, as tui_bench's key repaint: the
driver's write is left out). Medians of ``--runs`` runs, in wall time and in the process's CPU
time (all its threads: the reader's worker too), which a loaded machine changes less. Copied into
a tree from before Kitty mode (it imports its own tree's ``src``), it measures that tree too.
"""

from __future__ import annotations

import argparse
import html
import io
import random
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from blogtui.config import Config  # noqa: E402
from blogtui.fetching.images import prepare  # noqa: E402
from blogtui.library import Library  # noqa: E402


def make(kind: str, seed: int) -> tuple[bytes, str]:
    """One image file of ``kind`` and its Content-Type."""
    rnd = random.Random(seed)
    out = io.BytesIO()
    if kind == "photo":
        w, h = 2400, 1600
        base = Image.effect_mandelbrot(
            (w // 4, h // 4), (-2 + rnd.random() * 0.5, -1, 1, 1 + rnd.random() * 0.2), 60
        ).resize((w, h))
        rgb = Image.merge("RGB", [base, base.rotate(180), base.transpose(Image.Transpose.FLIP_LEFT_RIGHT)])
        rgb = rgb.filter(ImageFilter.GaussianBlur(6))
        noise = Image.effect_noise((w, h), 12).convert("RGB")
        Image.blend(rgb, noise, 0.08).save(out, "JPEG", quality=90)
        return out.getvalue(), "image/jpeg"
    if kind == "diagram":
        image = Image.new("RGB", (1600, 1000), "white")
        draw = ImageDraw.Draw(image)
        for _ in range(30):
            x, y = rnd.randrange(1400), rnd.randrange(850)
            draw.rectangle(
                (x, y, x + 180, y + 90), outline="black", fill=rnd.choice(["#cde", "#edc", "#dec"]), width=3
            )
            draw.text((x + 10, y + 30), f"box {rnd.randrange(100)}", fill="black")
            draw.line((x + 90, y + 90, rnd.randrange(1600), rnd.randrange(1000)), fill="black", width=2)
        image.save(out, "PNG")
        return out.getvalue(), "image/png"
    if kind == "screenshot":
        image = Image.linear_gradient("L").resize((1920, 1080)).convert("RGB")
        draw = ImageDraw.Draw(image)
        for row in range(0, 1080, 18):
            draw.text(
                (20, row),
                f"def f(x): return x * {rnd.randrange(999)}  # a line of code",
                fill=(rnd.randrange(256), 200, 120),
            )
        image = Image.blend(image, Image.effect_noise((1920, 1080), 30).convert("RGB"), 0.1)
        image.save(out, "PNG")
        return out.getvalue(), "image/png"
    image = Image.effect_mandelbrot((800, 600), (-2, -1.5, 1, 1.5), 30 + seed % 70).convert("P")
    image.save(out, "GIF")
    return out.getvalue(), "image/gif"


#: Bytes a pixel real photos are kept in (prepare(): JPEG q80) on this machine's few: 720x477,
#: 720x477 and 517x606 photos kept at 0.19, 0.26 and 0.20. ``sized("photo", ...)`` is made to match
#: (0.19-0.22), where ``make("photo")``, blurred, is 0.08: too easy to compress for this figure.
def sized(kind: str, width: int, height: int, seed: int) -> bytes:
    """One image of ``kind`` at ``width`` x ``height`` with a photo's detail (``photo``), a
    screenshot's text (``screenshot``) or a GIF's palette (``gif``). Its fine detail is drawn at the
    size the cache keeps (at most 1024 wide), then scaled to the size asked, so a large image shrunk
    by prepare() keeps a real photo's detail instead of averaging its noise away."""
    rnd = random.Random(seed)
    out = io.BytesIO()
    kept_w = min(width, 1024)
    kept_h = max(1, round(height * kept_w / width))
    if kind == "photo":
        base = Image.effect_mandelbrot(
            (max(1, width // 4), max(1, height // 4)),
            (-2 + rnd.random() * 0.5, -1, 1, 1 + rnd.random() * 0.2),
            60,
        ).resize((width, height))
        rgb = Image.merge("RGB", [base, base.rotate(180), base.transpose(Image.Transpose.FLIP_LEFT_RIGHT)])
        rgb = rgb.filter(ImageFilter.GaussianBlur(4))
        noise = Image.effect_noise((kept_w, kept_h), 40).convert("RGB").filter(ImageFilter.GaussianBlur(0.6))
        Image.blend(rgb, noise.resize((width, height)), 0.35).save(out, "JPEG", quality=90)
    elif kind == "screenshot":
        # Text drawn at its size, crisp (a screenshot is never scaled up), in a few colours.
        image = Image.new("RGB", (width, height), (250, 250, 250))
        draw = ImageDraw.Draw(image)
        for row in range(6, height - 10, 18):  # lines of code or prose, ragged, as in a window
            ink = rnd.choice([(30, 30, 30), (160, 40, 40), (40, 90, 170)])
            words = " ".join(
                rnd.choice(("def", "return", "self", "value", "x", "=", "if", "(n)")) for _ in range(20)
            )
            draw.text(
                (8 + 16 * rnd.randrange(4), row), words[: rnd.randrange(10, max(11, width // 7))], fill=ink
            )
        image.save(out, "PNG")
    else:
        image = Image.effect_mandelbrot((width, height), (-2, -1.5, 1, 1.5), 30 + seed % 70).convert("P")
        image.save(out, "GIF")
    return out.getvalue()


def lead_images(corpus: Path) -> list[tuple[str, str, int | None, int | None]]:
    """Each post's lead image in the feeds under ``corpus`` (what ``images = "lead"`` keeps: the
    first of ``image_refs``): its feed, URL, and the width and height its ``<img>`` declares."""
    import feedparser
    import lxml.html

    from blogtui.fetching.images import image_refs

    def number(value: str | None) -> int | None:
        try:
            return int(str(value).strip().removesuffix("px"))
        except ValueError:
            return None

    leads = []
    for path in sorted(corpus.rglob("*")):
        if not path.is_file() or path.suffix in (".tsv", ".md"):
            continue
        parsed = feedparser.parse(path.read_bytes())
        for entry in parsed.entries:
            html_text = (entry.get("content") or [{}])[0].get("value") or entry.get("summary", "")
            refs = image_refs(html_text, entry.get("link", parsed.feed.get("link", "")))
            if not refs:
                continue
            width = height = None
            for img in lxml.html.fragment_fromstring(html_text, create_parent="div").iter("img"):
                name = (img.get("src") or img.get("data-src") or "").rsplit("/", 1)[-1]
                if name and refs[0].src.endswith(name):
                    width, height = number(img.get("width")), number(img.get("height"))
                    break
            leads.append((str(path.relative_to(corpus)), refs[0].src, width, height))
    return leads


def kind_of(url: str) -> str:
    """The kind of picture a URL's name suggests: a PNG a screenshot, a GIF a GIF, else a photo."""
    name = url.lower().split("?")[0]
    return "screenshot" if name.endswith(".png") else "gif" if name.endswith(".gif") else "photo"


def lead_figures(corpus: Path) -> None:
    """The image cache's bytes per lead image over a corpus's posts (see the module's note)."""
    leads = lead_images(corpus)
    known = [
        (url, w, h or round(w * 2 / 3)) for _, url, w, h in leads if w and w > 2 and (h is None or h > 2)
    ]
    print(
        f"{len(leads)} lead images in {corpus}; {len(known)} declare their width (and height, or 3:2 taken)"
    )
    kept: list[int] = []
    by_kind: dict[str, list[int]] = {}
    for n, (url, w, h) in enumerate(known):
        kind = kind_of(url)
        data = prepare(sized(kind, w, h, n)).data
        kept.append(len(data))
        by_kind.setdefault(kind, []).append(len(data))
    mean = statistics.mean(kept) / 1024
    print(f"  declared sizes, made at them: {mean:.1f} KB kept per lead image on average")
    for kind, sizes in sorted(by_kind.items()):
        print(f"    {kind:<10} {len(sizes):4} images, {statistics.mean(sizes) / 1024:6.1f} KB on average")
    unknown = [url for _, url, w, h in leads if not (w and w > 2 and (h is None or h > 2))]
    # The rest declare nothing: taken as large as the cache keeps (1024 wide), the worst case.
    worst = {kind: len(prepare(sized(kind, 1600, 1067, 7)).data) for kind in ("photo", "screenshot", "gif")}
    big = [worst[kind_of(url)] for url in unknown]
    each = ", ".join(f"{kind} {size / 1024:.0f} KB" for kind, size in worst.items())
    print(f"  {len(unknown)} declaring no size, taken as 1600x1067 (kept 1024 wide: {each})")
    bound = statistics.mean(kept + big) / 1024
    print(f"  all {len(leads)}, those at the worst case: {bound:.1f} KB per lead image")


def serve(routes: dict[str, tuple[bytes, str]]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            body, kind = routes.get(self.path, (b"not found", "text/plain"))
            self.send_response(200 if self.path in routes else 404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def percentiles(values: list[float]) -> str:
    values = sorted(values)
    if not values:
        return "no samples"
    p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
    p50, top = statistics.median(values) * 1000, values[-1] * 1000
    return f"p50 {p50:.1f} ms, p95 {p95 * 1000:.1f} ms, max {top:.1f} ms (n={len(values)})"


async def reader_figures(runs: int, size: tuple[int, int], protocol: str = "halfcell") -> dict[str, float]:
    """Opening a post of ten kept photos in the reader, and scrolling it (see the module's note)."""
    import asyncio

    from blogtui.ui.app import BlogApp
    from blogtui.ui.widgets import images as pictures
    from blogtui.ui.widgets.reader import ReaderView

    words = " ".join(f"word{n}" for n in range(70))
    body = "".join(
        f"<p>{words}.</p><p>{words}.</p>"
        f'<figure><img src="https://bench.example/img/{n}.jpg" alt="picture {n}">'
        f"<figcaption>Picture {n}</figcaption></figure>"
        for n in range(10)
    )
    items = "".join(
        f"<item><title>Post {n}</title><link>https://bench.example/{n}</link><guid>g{n}</guid>"
        f"<pubDate>Mon, 01 Jan 2024 10:0{n}:00 GMT</pubDate><description>"
        + html.escape(body if n == 1 else f"<p>{words}</p>")
        + "</description></item>"
        for n in (1, 2)
    )
    figures: dict[str, float] = {}
    if protocol != "halfcell" or hasattr(pictures, "use_protocol"):  # (before 505461c: half cells only)
        pictures.use_protocol(protocol)
    forget = getattr(pictures, "forget_drawn", None) or pictures.picture_strips.cache_clear
    with tempfile.TemporaryDirectory() as tmp:
        feed = Path(tmp) / "feed.xml"
        feed.write_text(
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>Bench</title>{items}</channel></rss>'
        )
        library = Library(Path(tmp) / "data", Config(images="off"))
        for n in range(10):
            library.keep_image(f"https://bench.example/img/{n}.jpg", make("photo", n)[0])
        library.subscribe([str(feed)], archive=False)
        post_id, other = library.post_ids()[1], library.post_ids()[0]  # newest first: post 1 second
        app = BlogApp(library, opener=lambda url: None)
        async with app.run_test(size=size) as pilot:
            await pilot.pause(0.3)
            await idle(app)
            screen = app.screen
            reader = screen.query_one(ReaderView)
            first: list[float] = []
            original = screen._show_document

            # The first screen is up when the first frame after the document's is composed (the
            # app's _display, which a terminal's driver would write): the worker's drawing of the
            # rest, which starts then, is not counted.
            frames: list[tuple[float, float]] = []
            display = app._display

            def show_document(document: object, *args: object, **kwargs: object) -> None:
                original(document, *args, **kwargs)  # type: ignore[arg-type]
                first.append(time.perf_counter())

            def composed(*args: object, **kwargs: object) -> None:
                display(*args, **kwargs)  # type: ignore[arg-type]
                if first and not frames:
                    frames.append((time.perf_counter(), time.process_time()))

            screen._show_document = show_document  # type: ignore[method-assign]
            app._display = composed  # type: ignore[method-assign]
            # cold: no picture drawn yet (the LRU emptied); warm: drawn before; links: the same post
            # with its images as links (I), what the text alone costs.
            for label, cold in (("cold", True), ("warm", False), ("links", False)):
                reader.show_images = label != "links"
                samples, cpu = [], []
                for _ in range(runs):
                    screen.open_post(other)
                    await idle(app)
                    await painted(app)
                    if cold:
                        forget()
                    first.clear()
                    frames.clear()
                    start, used = time.perf_counter(), time.process_time()
                    screen.open_post(post_id)
                    while not first:
                        await asyncio.sleep(0.0005)
                    done = await painted(app)
                    for _ in range(3):  # a refresh already under way may compose it a frame later
                        if frames:
                            break
                        done = await painted(app)
                    end, spent = frames[0] if frames else (done, time.process_time())
                    samples.append(end - start)
                    cpu.append(spent - used)
                    await idle(app)
                figures[f"first_screen_{label}_ms"] = statistics.median(samples) * 1000
                figures[f"first_screen_{label}_ms_max"] = max(samples) * 1000
                figures[f"first_screen_{label}_cpu_ms"] = statistics.median(cpu) * 1000
            reader.show_images = True
            screen.open_post(other)
            await idle(app)
            screen.open_post(post_id)
            await idle(app)
            await painted(app)
            document = reader.document
            assert document is not None and document.complete and document.pictures == 10, document
            figures["post_lines"] = len(document.strips)
            figures["picture_lines"] = len(document.picture_lines)
            tops = [i for i in sorted(document.picture_lines) if i - 1 not in document.picture_lines]
            figures["pictures_on_first_screen"] = sum(top < reader.size.height for top in tops)
            figures["reader_lines"] = reader.size.height
            compositor = screen._compositor
            pages: list[float] = []
            pages_cpu: list[float] = []
            output = 0
            for _ in range(runs):
                reader.scroll_to(y=0, animate=False)
                await painted(app)
                while reader.scroll_y < reader.max_scroll_y:
                    start, used = time.perf_counter(), time.process_time()
                    reader.action_page_down()
                    compositor.update_widgets({reader})
                    update = compositor.render_update(screen_stack=app._background_screens)
                    if update is not None:
                        output += len(update.render_segments(app.console))
                    pages.append((time.perf_counter() - start) * 1000)
                    pages_cpu.append((time.process_time() - used) * 1000)
                    await painted(app)
            assert output > 0
            figures["page_down_ms_median"] = statistics.median(pages)
            figures["page_down_ms_p95"] = sorted(pages)[int(len(pages) * 0.95)]
            figures["page_down_ms_max"] = max(pages)
            figures["page_down_cpu_ms_median"] = statistics.median(pages_cpu)
            figures["pages"] = len(pages)
            figures["page_output_kb"] = output / len(pages) / 1024
        library.close()
    return figures


async def idle(app: object) -> None:
    """Wait for the app's workers (one replaced by a newer one, an exclusive group's, is done too)."""
    from textual.worker import WorkerCancelled

    for worker in list(app.workers):  # type: ignore[attr-defined]
        try:
            await worker.wait()
        except WorkerCancelled:
            pass


async def painted(app: object) -> float:
    """The time once the screen's next refresh (layout, then the frame) has run."""
    import asyncio

    done = asyncio.Event()
    app.screen.call_after_refresh(done.set)  # type: ignore[attr-defined]
    await done.wait()
    return time.perf_counter()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=120)
    parser.add_argument("--kind", default="mixed", choices=("photo", "diagram", "screenshot", "gif", "mixed"))
    parser.add_argument("--reader", action="store_true", help="the pictures in the reader instead")
    parser.add_argument("--runs", type=int, default=7, help="with --reader: runs (medians)")
    parser.add_argument("--size", default="120x40", help="with --reader: the terminal, COLUMNSxLINES")
    parser.add_argument(
        "--protocol",
        default="halfcell",
        choices=("halfcell", "kitty", "sixel"),
        help="with --reader: how pictures are drawn",
    )
    parser.add_argument(
        "--leads",
        type=Path,
        metavar="CORPUS",
        help="the bytes kept per lead image of a corpus's posts instead",
    )
    args = parser.parse_args()
    if args.leads:
        lead_figures(args.leads)
        return
    if args.reader:
        import asyncio

        columns, lines = (int(n) for n in args.size.split("x"))
        for key, value in asyncio.run(reader_figures(args.runs, (columns, lines), args.protocol)).items():
            print(f"{key} {value:.1f}")
        return
    kinds = ["photo", "diagram", "screenshot", "gif"] if args.kind == "mixed" else [args.kind]

    print("prepare() alone (sniff, bound, resize, re-encode), per image:")
    for kind in kinds:
        samples = [make(kind, n) for n in range(3)]
        start = time.perf_counter()
        made = [prepare(body) for body, _ in samples]
        took = (time.perf_counter() - start) / len(samples)
        src = sum(len(b) for b, _ in samples) / len(samples) / 1024
        kept = sum(len(m.data) for m in made) / len(made) / 1024
        print(
            f"  {kind:<10} {took * 1000:6.1f} ms  {src:7.0f} KB in -> {kept:5.0f} KB kept"
            f" ({made[0].mime}, {made[0].width}x{made[0].height})"
        )

    routes: dict[str, tuple[bytes, str]] = {}
    items = []
    for n in range(args.images):
        routes[f"/img/{n}"] = make(kinds[n % len(kinds)], n)  # each a different picture
        items.append(
            f"<item><title>Post {n}</title><link>https://bench.example/{n}</link><guid>g{n}</guid>"
            f"<pubDate>Mon, 01 Jan 2024 10:{n % 60:02d}:00 GMT</pubDate><description>"
            + html.escape(f"<p>Post {n} text. " * 40 + f'</p><img src="@@/img/{n}" alt="picture {n}">')
            + "</description></item>"
        )
    server = serve(routes)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    feed = '<?xml version="1.0"?><rss version="2.0"><channel><title>Bench</title>'
    feed += "".join(items) + "</channel></rss>"
    routes["/feed.xml"] = (feed.replace("@@", base).encode(), "application/rss+xml")

    with tempfile.TemporaryDirectory() as tmp:
        library = Library(Path(tmp) / "data", Config(images="lead"))
        library.subscribe([base + "/feed.xml"], archive=False)
        start = time.perf_counter()
        ids = library.post_ids()
        busy: list[float] = []
        while library.images_pending:
            t = time.perf_counter()
            library.post(random.choice(ids))
            library.post_ids("text")
            busy.append(time.perf_counter() - t)
            time.sleep(0.01)
        report = library.wait_for_images()
        wall = time.perf_counter() - start
        idle: list[float] = []
        for _ in range(max(30, len(busy))):
            t = time.perf_counter()
            library.post(random.choice(ids))
            library.post_ids("text")
            idle.append(time.perf_counter() - t)
        assert report is not None
        stats = library.image_stats()
        library.close()
    server.shutdown()
    print(f"\nsubscribe, then the background fill of {args.images} images ({args.kind}):")
    print(f"  {report.summary()}")
    print(
        f"  wall {wall:.2f} s: {wall / max(1, report.stored) * 1000:.1f} ms per image"
        " (fetch + prepare + store, 6 at once, 2 per host)"
    )
    print(f"  kept {int(stats['bytes']) / max(1, int(stats['stored'])) / 1024:.1f} KB per image on average")  # type: ignore[call-overload]
    print(f"  opening a post + a list query on the main thread, during the fill: {percentiles(busy)}")
    print(f"  the same, idle:                                               {percentiles(idle)}")


if __name__ == "__main__":
    main()
