"""The image cache on disk: content-addressed files in the data dir, indexed by the ``images`` table.

A stored image is ``images/<first two hex digits>/<sha256>.<jpg|png>`` (two URLs with the same
picture share one file). The table says, for each image URL a post names, which file holds it or
why it was refused; refusals are kept so a refresh does not ask again. Past the size cap, the
images read least recently (``used_at``: the reader showing them, an export embedding them) are
deleted to make room; an image stored in the current run is never evicted by that run.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .batches import batches, marks
from .codec import Codec

#: The folder in the data dir.
FOLDER = "images"
#: A post that names an image (what ``LIKE '%<img%'`` found when the HTML was stored as text).
_IMG_RE = re.compile("<img", re.IGNORECASE)
_SUFFIX = {"image/jpeg": ".jpg", "image/png": ".png"}


@dataclass(frozen=True, slots=True)
class CachedImage:
    """One stored image: where its file is, its type and its size in pixels."""

    url: str
    path: Path
    mime: str
    width: int
    height: int
    bytes: int


@dataclass(frozen=True, slots=True)
class CacheStats:
    """How much the cache holds."""

    stored: int
    refused: int
    bytes: int
    directory: Path


class ImageCache:
    """The ``images`` table and its folder, on one SQLite connection (the caller's thread's)."""

    def __init__(self, db: sqlite3.Connection, data_dir: Path) -> None:
        self.db = db
        self.directory = data_dir / FOLDER

    def _path(self, digest: str, mime: str) -> Path:
        return self.directory / digest[:2] / f"{digest}{_SUFFIX.get(mime, '.img')}"

    def known(self, urls: Sequence[str]) -> set[str]:
        """Which of these URLs have a row: stored, or refused before."""
        found: set[str] = set()
        for chunk in batches(urls):
            found.update(
                r[0]
                for r in self.db.execute(f"SELECT url FROM images WHERE url IN ({marks(len(chunk))})", chunk)
            )
        return found

    def total_bytes(self) -> int:
        """Bytes of the stored files (a file two URLs share counts once)."""
        row = self.db.execute(
            "SELECT coalesce(sum(b), 0) FROM (SELECT max(bytes) AS b FROM images"
            " WHERE hash IS NOT NULL GROUP BY hash)"
        ).fetchone()
        return int(row[0])

    def add(self, url: str, data: bytes, mime: str, width: int, height: int, now: int) -> bool:
        """Store an image's file (if no URL stored the same bytes yet) and its row; whether the
        file is new."""
        digest = hashlib.sha256(data).hexdigest()
        path = self._path(digest, mime)
        new = not path.is_file()
        if new:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
        self.db.execute(
            "INSERT OR REPLACE INTO images(url, hash, mime, bytes, width, height, fetched_at, used_at, error)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            (url, digest, mime, len(data), width, height, now, now),
        )
        return new

    def refuse(self, url: str, error: str, now: int) -> None:
        """Remember why an image is not kept (a later run does not fetch it again)."""
        self.db.execute(
            "INSERT OR REPLACE INTO images(url, hash, mime, bytes, width, height, fetched_at, used_at, error)"
            " VALUES (?, NULL, '', 0, 0, 0, ?, 0, ?)",
            (url, now, error),
        )

    def make_room(self, needed: int, cap: int, *, before: int) -> bool:
        """Evict the least recently read images (read before ``before``) until ``needed`` more
        bytes fit under ``cap``; False when they cannot (everything left is newer)."""
        total = self.total_bytes()
        if total + needed <= cap:
            return True
        rows = self.db.execute(
            "SELECT url, hash, mime FROM images WHERE hash IS NOT NULL AND used_at < ? ORDER BY used_at, url",
            (before,),
        ).fetchall()
        for url, digest, mime in rows:
            self.db.execute("DELETE FROM images WHERE url = ?", (url,))
            if self.db.execute("SELECT 1 FROM images WHERE hash = ?", (digest,)).fetchone() is None:
                try:
                    self._path(digest, mime).unlink()
                except FileNotFoundError:
                    pass
                total = self.total_bytes()
            if total + needed <= cap:
                return True
        return total + needed <= cap

    def lookup(self, urls: Iterable[str], *, touch: int | None = None) -> dict[str, CachedImage]:
        """The stored images among these URLs whose files exist; ``touch`` marks them read then."""
        wanted = list(dict.fromkeys(urls))
        out: dict[str, CachedImage] = {}
        for chunk in batches(wanted):
            for row in self.db.execute(
                f"SELECT url, hash, mime, width, height, bytes FROM images"
                f" WHERE hash IS NOT NULL AND url IN ({marks(len(chunk))})",
                chunk,
            ):
                path = self._path(row[1], row[2])
                if path.is_file():
                    out[row[0]] = CachedImage(row[0], path, row[2], row[3], row[4], row[5])
        if touch is not None and out:
            self.db.executemany("UPDATE images SET used_at = ? WHERE url = ?", [(touch, u) for u in out])
        return out

    def stats(self) -> CacheStats:
        """How many images are stored and refused, and the bytes of their files."""
        stored, refused = self.db.execute("SELECT count(hash), count(*) - count(hash) FROM images").fetchone()
        return CacheStats(int(stored), int(refused), self.total_bytes(), self.directory)

    def posts_with_images(
        self, *, after_id: int | None = None, post_ids: Sequence[int] | None = None
    ) -> Iterator[tuple[int, str, str]]:
        """``(post id, HTML, base URL)`` of the posts whose HTML has an ``<img``, newest first:
        all, those after ``after_id`` (a run's new posts), or those of ``post_ids``."""
        # The HTML is stored packed (storage/codec.py): unpacked here, then looked into.
        unpack = Codec(self.db).unpack

        def with_images(rows: Iterable[tuple[int, object, str]]) -> Iterator[tuple[int, str, str]]:
            for post_id, packed, base in rows:
                html = unpack(packed)
                if _IMG_RE.search(html):
                    yield post_id, html, base

        sql = (
            "SELECT p.id, p.content_html, CASE WHEN p.url != '' THEN p.url ELSE f.url END"
            " FROM posts p JOIN feeds f ON f.id = p.feed_id WHERE 1"
        )
        if post_ids is not None:
            for chunk in batches(post_ids):
                rows = self.db.execute(f"{sql} AND p.id IN ({marks(len(chunk))})", chunk).fetchall()
                order = {pid: i for i, pid in enumerate(chunk)}
                yield from sorted(with_images(rows), key=lambda r: order[r[0]])
            return
        params: tuple[int, ...] = ()
        if after_id is not None:
            sql += " AND p.id > ?"
            params = (after_id,)
        cursor = self.db.execute(sql + " ORDER BY p.published DESC, p.id DESC", params)
        while batch := cursor.fetchmany(200):
            yield from with_images(batch)

    def last_post_id(self) -> int:
        """The highest post id (posts stored later have higher ones)."""
        return int(self.db.execute("SELECT coalesce(max(id), 0) FROM posts").fetchone()[0])
