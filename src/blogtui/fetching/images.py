"""Getting a post's pictures: which images a post has, fetching them politely, and making them small.

Untrusted all the way: only ``http``/``https`` URLs, a body bounded in bytes, the type sniffed by
Pillow from the bytes (the URL's suffix and the Content-Type mean nothing), the pixels bounded
before anything is decoded (a decompression bomb is refused), then re-encoded at most
``MAX_WIDTH`` x ``MAX_HEIGHT`` (what a reader pane can use) as JPEG, or PNG for drawings and
transparency. Each refusal is a :class:`FetchError` of a few words.
"""

from __future__ import annotations

import asyncio
import io
import re
import threading
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from ..content.sanitize import safe_link
from ..errors import FeedGoneError, FetchError
from . import http

if TYPE_CHECKING:
    import httpx

    from ..config import Config

#: The image types kept (Pillow's format names); anything else (SVG, TIFF, ...) is refused.
FORMATS = ("PNG", "JPEG", "GIF", "WEBP")
#: A larger download is refused (checked against Content-Length and while reading).
MAX_DOWNLOAD_BYTES = 15 * 1024 * 1024
#: More pixels than this are refused before decoding (Pillow's own bomb check is set to it too).
MAX_PIXELS = 40_000_000
#: The stored size at most: wider than a reader pane's pixels gains nothing; a tall comic may be tall.
MAX_WIDTH, MAX_HEIGHT = 1024, 2048
JPEG_QUALITY = 80
#: Images fetched at once, and from one host at once (the fetcher's politeness).
JOBS, PER_HOST = 6, 2

_BASE_RE = re.compile(r'^\s*<base\s+href="([^"]*)"\s*/?>', re.IGNORECASE)
_URL_UNSAFE = str.maketrans({" ": "%20", "(": "%28", ")": "%29", "<": "%3C", ">": "%3E"})


@dataclass(frozen=True, slots=True)
class ImageRef:
    """An image as a post places it: its address, the link around it (if any) and its alt text."""

    src: str
    alt: str = ""
    #: The ``<a href>`` wrapping the image: the reader's Markdown shows this link in its place.
    link: str = ""


@dataclass(frozen=True, slots=True)
class Prepared:
    """An image ready to store: re-encoded bytes, their type and size in pixels."""

    data: bytes
    mime: str
    width: int
    height: int


class ImageRefused(FetchError):
    """An image that will not be kept whatever the next try: not an image, too large, 404, ...

    A plain :class:`FetchError` (a timeout, no network, a server error) may go better later.
    """


@dataclass
class ImageReport:
    """What one run of fetching images did."""

    stored: int = 0
    #: Refused for good (remembered: not asked again).
    refused: int = 0
    #: Failed for now (a timeout, no network, a server error): asked again by the next run.
    failed: int = 0
    #: Already in the cache (or refused before).
    cached: int = 0
    #: Bytes of the files stored by this run.
    bytes: int = 0
    #: The cap was reached and nothing older was left to evict: the run stopped.
    full: bool = False
    #: One line per image not kept: ``URL: cause``.
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line: what was stored, refused and failed."""
        parts = [f"{self.stored} image{'s' if self.stored != 1 else ''} stored ({self.bytes / 1e6:.1f} MB)"]
        if self.cached:
            parts.append(f"{self.cached} already kept")
        if self.refused:
            parts.append(f"{self.refused} refused")
        if self.failed:
            parts.append(f"{self.failed} failed (tried again next time)")
        if self.full:
            parts.append("the cache is full (image_cache_bytes): the rest were not fetched")
        return ", ".join(parts)


def _tiny(value: str | None) -> bool:
    try:
        return value is not None and 0 <= int(value.strip().rstrip("px")) <= 2
    except ValueError:
        return False


def _resolve(value: str | None, base: str) -> str | None:
    value = "%20".join((value or "").split())
    if not value or value.startswith("data:"):
        return None
    try:
        value = urljoin(base, value) if base else value
    except ValueError:
        return None
    safe = safe_link(value)
    if not safe or urlsplit(safe).scheme not in ("http", "https"):
        return None
    return safe.translate(_URL_UNSAFE)


def image_refs(html: str, base_url: str = "") -> list[ImageRef]:
    """The images a post's HTML shows, in order, once each (tracking pixels and ``data:`` left out).

    URLs resolve as the reader's converter resolves them (a leading ``<base href>``, else
    ``base_url``); only absolute http(s) images are kept: a post never names a local file.
    """
    if not html or "<img" not in html.lower():
        return []
    declared = _BASE_RE.match(html)
    if declared:
        from html import unescape

        base = unescape(declared.group(1))
        base_url = urljoin(base_url, base) if base_url else base
    import lxml.html

    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (ValueError, TypeError, lxml.etree.ParserError):
        return []
    refs: list[ImageRef] = []
    seen: set[str] = set()
    for img in root.iter("img"):
        if _tiny(img.get("width")) or _tiny(img.get("height")):
            continue
        src = img.get("src") or ""
        if not src or src.startswith("data:"):
            src = img.get("data-src") or img.get("data-lazy-src") or img.get("data-original") or src
        url = _resolve(src, base_url)
        if url is None or url in seen:
            continue
        seen.add(url)
        link = ""
        parent = img.getparent()
        while parent is not None and parent.tag != "a":
            parent = parent.getparent()
        if parent is not None:
            link = _resolve(parent.get("href"), base_url) or ""
        alt = " ".join((img.get("alt") or img.get("title") or "").split())
        refs.append(ImageRef(url, alt.replace("[", "(").replace("]", ")"), link))
    return refs


def _sniffed(body: bytes) -> str:
    """What a body that is not a kept image looks like, for the note."""
    head = body[:512].lstrip().lower()
    if b"<svg" in head or (head.startswith(b"<?xml") and b"<svg" in body[:4096].lower()):
        return "an SVG (vector images are not kept)"
    if head.startswith((b"<!doctype html", b"<html")) or b"<body" in head or b"<head" in head:
        return "an HTML page, not an image"
    if not body:
        return "an empty body, not an image"
    return "not a PNG, JPEG, GIF or WebP image"


_pillow_lock = threading.Lock()


def prepare(body: bytes) -> Prepared:
    """Sniff, bound and re-encode one downloaded image (CPU work: run it in a thread).

    Raises:
        FetchError: not a kept image type, too many pixels (a decompression bomb), or broken.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    with _pillow_lock:
        if Image.MAX_IMAGE_PIXELS is None or Image.MAX_IMAGE_PIXELS > MAX_PIXELS:
            Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow warns past it and refuses twice past it
    kind = "image"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(body), formats=FORMATS) as opened:
                kind = opened.format or kind
                width, height = opened.size
                if width * height > MAX_PIXELS:
                    raise ImageRefused(
                        f"{width}x{height} pixels, more than {MAX_PIXELS // 1_000_000} million"
                        " (a decompression bomb?)"
                    )
                opened.seek(0)  # an animation: its first frame
                image = ImageOps.exif_transpose(opened)
                return _encode(image)
    except UnidentifiedImageError:
        raise ImageRefused(_sniffed(body)) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRefused(f"a decompression bomb ({exc})".split(". ")[0] + ")") from None
    except (OSError, ValueError, SyntaxError, EOFError, MemoryError) as exc:
        raise ImageRefused(f"a broken {kind} file ({exc})") from None


def _encode(image: object) -> Prepared:
    from PIL import Image

    assert isinstance(image, Image.Image)
    alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    image = image.convert("RGBA" if alpha else "RGB")
    # A drawing (a diagram, a screenshot of text, a chart) has few colours, a few thousand at most
    # with anti-aliased edges: PNG, quantised to a palette, keeps it sharp and small. A photo is a
    # JPEG. Transparency needs PNG. Counted before resizing, which blends edges into new colours.
    drawing = image.getcolors(4096) is not None
    image.thumbnail((MAX_WIDTH, MAX_HEIGHT), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if drawing or alpha:
        method = Image.Quantize.FASTOCTREE if alpha else Image.Quantize.MEDIANCUT
        image.quantize(256, method=method).save(out, "PNG", optimize=True)
        mime = "image/png"
    else:
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
        mime = "image/jpeg"
    return Prepared(out.getvalue(), mime, image.width, image.height)


#: What receives each image, or the error that stopped it: False stops the run.
Keep = Callable[[str, "Prepared | FetchError"], bool]


async def fetch_image(client: httpx.AsyncClient, url: str, *, timeout: float) -> Prepared:
    """Download one image and prepare it.

    Raises:
        FetchError: not http(s), the fetch failed, too large, or refused by :func:`prepare`.
    """
    if urlsplit(url).scheme not in ("http", "https"):
        raise ImageRefused("not an http or https URL")
    try:
        result = await http.fetch(client, url, timeout=timeout, max_bytes=MAX_DOWNLOAD_BYTES)
    except FeedGoneError:
        raise ImageRefused("HTTP 410 Gone") from None
    except FetchError as exc:
        cause = str(exc)
        # A 4xx (but a timeout or too many requests) or a body too large will not change.
        if re.match(r"HTTP 4(?!08|29)\d\d", cause) or cause.startswith(
            ("larger than", "redirect loop", "more than")
        ):
            raise ImageRefused(cause) from None
        raise
    if urlsplit(result.final_url or url).scheme not in ("http", "https"):
        raise ImageRefused("redirected away from http(s)")
    return await asyncio.to_thread(prepare, result.body)


async def fetch_images(
    urls: Iterable[str],
    keep: Keep,
    *,
    timeout: float = 20.0,
    stop: threading.Event | None = None,
    client: httpx.AsyncClient | None = None,
    config: Config | None = None,
) -> None:
    """Fetch images, ``JOBS`` at once and at most ``PER_HOST`` from one host, handing each to ``keep``.

    ``keep(url, prepared)`` for an image, ``keep(url, error)`` for one that failed (an
    :class:`ImageRefused` for good, a plain :class:`FetchError` for now); it runs on the event
    loop's thread (where the caller's database connection lives). When it returns False, or
    ``stop`` is set, no further image is started.
    """
    own = client is None
    if client is None:
        client = http.make_client(JOBS, timeout, config)  # the proxy and CA settings apply
    hosts: dict[str, asyncio.Semaphore] = {}
    slots = asyncio.Semaphore(JOBS)
    halt = asyncio.Event()

    async def one(url: str) -> None:
        host = urlsplit(url).netloc.lower()
        async with slots, hosts.setdefault(host, asyncio.Semaphore(PER_HOST)):
            if halt.is_set() or (stop is not None and stop.is_set()):
                return
            result: Prepared | FetchError
            try:
                result = await fetch_image(client, url, timeout=timeout)
            except FetchError as exc:
                result = exc
            if not keep(url, result):
                halt.set()

    try:
        pending: set[asyncio.Task[None]] = set()
        for url in urls:
            if halt.is_set() or (stop is not None and stop.is_set()):
                break
            pending.add(asyncio.ensure_future(one(url)))
            if len(pending) >= JOBS * 4:  # a bounded queue: 50,000 URLs are not 50,000 tasks
                _done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        if pending:
            await asyncio.gather(*pending)
    finally:
        if own:
            await client.aclose()
