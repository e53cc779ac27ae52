"""Stored text compressed: zstd frames with a dictionary trained on the cache's own posts.

A post's HTML, summary and Markdown are kept as a BLOB: one byte naming the dictionary it was
compressed with (0: none), then a zstd frame (level 3, no checksum: SQLite checks its pages). A
value stored as TEXT is read as it is (short texts, whose frame would not be shorter, and caches
written before schema 11). Posts of one cache share most of their markup and many words, so a
dictionary of 64 KB trained on them compresses a 2 KB post about 3.8x where zstd alone gets 2.1x
(the bench corpus; benchmarks/RESULTS.md). Dictionaries live in ``codec_dicts`` and are never
changed or dropped while a value names them: a newer one only serves values written after it.

One Codec per connection (zstd contexts are not thread-safe; a Store is used by one thread).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import zstandard

#: Compression level: 3 compresses a post in ~10 µs; 19 saves 14 % more for 40x the time.
LEVEL = 3
#: The dictionary's size: 64 KB (112 KB saved 2 % more of the posts than it costs itself at 10,000 posts).
DICT_BYTES = 64 * 1024
#: A dictionary is trained once the cache holds this many posts (fewer do not train a useful one).
TRAIN_AT = 500
#: Posts sampled to train it (spread over the whole cache).
SAMPLE = 2000
#: Shorter texts are stored as text (a frame's header costs more than it saves).
MIN_BYTES = 48

_STATE_KEY = "codec:next_train"


def _zstd() -> ModuleType:
    """zstandard, imported when first used (10 ms, mostly ``platform``: not at start-up)."""
    import zstandard

    return zstandard


class Codec:
    """Packs text for the ``posts`` columns and unpacks it, with the dictionaries of one cache."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self._compressors: dict[int, zstandard.ZstdCompressor] = {}
        self._decompressors: dict[int, zstandard.ZstdDecompressor] = {}
        self._loaded = False
        self.current = 0  # the dictionary new values are packed with (0: none)

    def _load(self) -> None:
        """Read the cache's dictionaries (again: another connection may have trained one)."""
        self._loaded = True
        try:
            rows = self.db.execute("SELECT id, data FROM codec_dicts ORDER BY id").fetchall()
        except sqlite3.OperationalError:  # a cache older than schema 11 (while it is migrated)
            rows = []
        for dict_id, data in rows:
            if dict_id not in self._decompressors:
                self._add(int(dict_id), bytes(data))
        self.current = max((int(r[0]) for r in rows), default=0)

    def _add(self, dict_id: int, data: bytes) -> None:
        zdict = _zstd().ZstdCompressionDict(data)
        self._compressors[dict_id] = _zstd().ZstdCompressor(
            level=LEVEL, dict_data=zdict, write_checksum=False, write_dict_id=False
        )
        self._decompressors[dict_id] = _zstd().ZstdDecompressor(dict_data=zdict)

    def _plain(self) -> None:
        if 0 not in self._compressors:
            self._compressors[0] = _zstd().ZstdCompressor(level=LEVEL, write_checksum=False)
            self._decompressors[0] = _zstd().ZstdDecompressor()

    def refresh(self) -> None:
        """Pick up a dictionary trained by another connection (cheap: one indexed read)."""
        if not self._loaded:
            self._load()
            return
        try:
            row = self.db.execute("SELECT max(id) FROM codec_dicts").fetchone()
        except sqlite3.OperationalError:
            return
        if row and row[0] and int(row[0]) != self.current:
            self._load()

    def pack(self, text: str) -> str | bytes:
        """``text`` as stored: a BLOB (dictionary byte + frame) when that is shorter, else the text."""
        if not self._loaded:
            self._load()
        raw = text.encode("utf-8", "surrogatepass")
        if len(raw) < MIN_BYTES:
            return text
        if self.current == 0:
            self._plain()
        frame = self._compressors[self.current].compress(raw)
        if len(frame) + 1 >= len(raw):
            return text
        return bytes((self.current,)) + frame

    def unpack(self, value: Any) -> str:
        """The text of a stored value (TEXT as it is; a BLOB decompressed; NULL as '')."""
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        data = bytes(value)
        if not data:
            return ""
        dict_id = data[0]
        if dict_id not in self._decompressors:
            if dict_id == 0:
                self._plain()
            else:
                self._load()
                if dict_id not in self._decompressors:
                    raise sqlite3.DatabaseError(
                        f"a post names compression dictionary {dict_id}, not in the cache"
                    )
        try:
            return self._decompressors[dict_id].decompress(data[1:]).decode("utf-8", "surrogatepass")
        except (_zstd().ZstdError, UnicodeDecodeError) as exc:
            raise sqlite3.DatabaseError(f"a stored text cannot be unpacked (damaged: {exc})") from None

    # -- training ------------------------------------------------------------------------------

    def maybe_train(self, coming: Sequence[str] = ()) -> bool:
        """Train the cache's first dictionary once it holds enough posts, counting the HTML of
        posts about to be stored (``coming``: trained on too, so they are packed with it from the
        start, not repacked into half-empty pages), and repack the posts stored without one
        (inside a write transaction). Returns whether it trained."""
        self.refresh()
        if self.current:
            return False
        total = int(self.db.execute("SELECT count(*) FROM posts").fetchone()[0]) + len(coming)
        row = self.db.execute("SELECT value FROM state WHERE key = ?", (_STATE_KEY,)).fetchone()
        due = int(row[0]) if row else TRAIN_AT
        if total < max(due, TRAIN_AT):
            return False
        if not self.train(coming):
            # Too little text to train on (tiny posts): try again when the cache has doubled.
            self.db.execute(
                "INSERT OR REPLACE INTO state(key, value) VALUES (?, ?)", (_STATE_KEY, str(total * 2))
            )
            return False
        self.db.execute("DELETE FROM state WHERE key = ?", (_STATE_KEY,))
        self.repack()
        return True

    def train(self, coming: Sequence[str] = ()) -> bool:
        """Train a dictionary on a sample of the stored posts' HTML (and of ``coming``, the HTML
        of posts about to be stored) and make it current."""
        total = int(self.db.execute("SELECT count(*) FROM posts").fetchone()[0])
        step = max(1, (total + len(coming)) // SAMPLE)
        samples: list[bytes | bytearray | memoryview[int]] = [
            self.unpack(r[0]).encode("utf-8", "surrogatepass")
            for r in self.db.execute(
                "SELECT content_html FROM posts WHERE id % ? = 0 LIMIT ?", (step, SAMPLE)
            )
        ]
        samples += [html.encode("utf-8", "surrogatepass") for html in coming[::step][:SAMPLE]]
        samples = [s for s in samples if s]
        if len(samples) < 50 or sum(map(len, samples)) < 8 * DICT_BYTES:
            return False
        try:
            zdict = _zstd().train_dictionary(DICT_BYTES, samples, level=LEVEL)
        except _zstd().ZstdError:
            return False
        cur = self.db.execute("INSERT INTO codec_dicts(data) VALUES (?)", (zdict.as_bytes(),))
        dict_id = int(cur.lastrowid or 0)
        if not 0 < dict_id < 256:
            raise sqlite3.DatabaseError(f"compression dictionary {dict_id}: out of range")
        self._add(dict_id, zdict.as_bytes())
        self.current = dict_id
        return True

    def repack(self, where: str = "1") -> int:
        """Pack again, with the current dictionary, the posts matching ``where`` whose text is
        stored otherwise; returns how many rows changed."""
        changed = 0
        last = 0
        while True:
            rows = self.db.execute(
                f"SELECT id, content_html, summary, content_md FROM posts WHERE id > ? AND ({where})"
                " ORDER BY id LIMIT 2000",
                (last,),
            ).fetchall()
            if not rows:
                return changed
            updates = []
            for post_id, html, summary, markdown in rows:
                values = [self._again(v) for v in (html, summary, markdown)]
                if any(v is not None for v in values):
                    new = [old if v is None else v for old, v in zip((html, summary, markdown), values)]
                    updates.append((*new, post_id))
            self.db.executemany(
                "UPDATE posts SET content_html = ?, summary = ?, content_md = ? WHERE id = ?", updates
            )
            changed += len(updates)
            last = int(rows[-1][0])

    def _again(self, value: Any) -> str | bytes | None:
        """``value`` packed with the current dictionary, or None when it already is (or is NULL)."""
        if value is None or (isinstance(value, bytes) and value[:1] == bytes((self.current,))):
            return None
        packed = self.pack(self.unpack(value))
        return None if packed == value else packed
