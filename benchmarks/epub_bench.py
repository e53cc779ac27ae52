"""A blog as a book: the time of ``blogtui export --format epub`` for 2,000 posts (issue 16's target:
at most 20 s), with the posts' lead images kept and embedded, and epubcheck's verdict on the book.

    python benchmarks/epub_bench.py [--posts 2000] [--runs 3] [--dir /tmp/bt-epub]

The cache is one blog of ``--posts`` posts from make_cache.py (its posts' HTML: paragraphs, lists,
code, links, a figure in some). Each post's lead image that the posts name is kept in the image
cache first (a 1024 x 683 JPEG photo, made here with Pillow, as images_bench.py's photos), so the
book embeds them as a reader's would. Timed from outside, as a user runs it: the process's start to
its exit, the median of ``--runs``. epubcheck (Debian's package) checks the last book when it is
installed.
"""

from __future__ import annotations

import argparse
import io
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageFilter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "tests"))

import make_cache  # noqa: E402

from blogtui.library import Library  # noqa: E402
from external import epubcheck  # noqa: E402  (as the tests run it)


def photo(seed: int) -> bytes:
    """A photo-like JPEG: smooth colour with detail, as a blog's lead picture."""
    rng = random.Random(seed)
    small = Image.new("RGB", (32, 22))
    small.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(32 * 22)])
    image = small.resize((1024, 683), Image.Resampling.BICUBIC).filter(ImageFilter.DETAIL)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def prepare(data: Path, posts: int) -> int:
    """The cache of ``posts`` posts in one feed, its lead images kept; returns how many images."""
    if not (data / "blogtui.db").exists():
        make_cache.build(data, posts, "blogtui-epub-bench-1", False, per_feed=posts)
    library = Library(data)
    try:
        kept = 0
        for n, post_id in enumerate(library.post_ids()):
            refs = library.post_images(post_id, touch=False)
            if refs and refs[0][1] is None:
                library.keep_image(refs[0][0].src, photo(n))
            kept += bool(refs)
        return kept
    finally:
        library.close()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "bt-epub")
    args = parser.parse_args()
    data = args.dir / str(args.posts)
    images = prepare(data, args.posts)
    blogtui = shutil.which("blogtui") or str(Path(sys.executable).parent / "blogtui")
    book = args.dir / "book.epub"
    times = []
    for _ in range(args.runs):
        book.unlink(missing_ok=True)
        start = time.perf_counter()
        subprocess.run(
            [blogtui, "--data-dir", str(data), "export", "--format", "epub", "--to", str(book)],
            check=True, capture_output=True,
        )  # fmt: skip
        times.append(time.perf_counter() - start)
    print(f"posts {args.posts}, lead images embedded {images}, book {book.stat().st_size / 1e6:.1f} MB")
    median = statistics.median(times)
    print(
        f"export --format epub: median {median:.2f} s of {args.runs}"
        f" (min {min(times):.2f}, max {max(times):.2f})"
    )
    print(f"target <= 20 s: {'OK' if median <= 20 else 'MISSED'}")
    command = epubcheck()
    if command is not None:
        checked = subprocess.run([*command, str(book)], capture_output=True, text=True)
        lines = (checked.stdout + checked.stderr).strip().splitlines()
        print("epubcheck:", next((line for line in reversed(lines) if "error" in line.lower()), lines[-1]))
        return 0 if median <= 20 and checked.returncode == 0 else 1
    print("epubcheck: not installed (apt-get install epubcheck)")
    return 0 if median <= 20 else 1


if __name__ == "__main__":
    sys.exit(main())
