"""Moving a library in and out: OPML subscription lists (read and written), JSON backups, Markdown files."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from xml.parsers import expat
from xml.sax.saxutils import escape, quoteattr

from .content.sanitize import clean_line, clean_text
from .content.text import html_to_text
from .errors import InteropError
from .models import Feed, FeedOutcome, ParsedPost, Post
from .output import feed_json, iso, markdown_document, view_json
from .parsing.common import from_iso
from .query import is_view_name
from .urls import canonical_url

if TYPE_CHECKING:
    from .storage.store import Store

#: An OPML file larger than this is refused (subscription lists are a few hundred KB at most).
MAX_OPML_BYTES = 20 * 1024 * 1024
#: Version of the JSON export's shape (``"version"`` in the document).
JSON_VERSION = 1

# Characters XML 1.0 cannot hold, even escaped.
_NOT_XML_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_SLUG_RE = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Outline:
    """One feed named by an OPML file."""

    url: str
    title: str = ""
    site_url: str = ""
    #: The folders it sits in, outermost first, joined by "/" ("Tech/Python"); "" at the top.
    folder: str = ""


@dataclass
class ImportReport:
    """What ``Library.import_opml`` did with each feed an OPML file names."""

    #: Feeds newly subscribed, with their fetch outcomes (``error`` set when a fetch failed).
    added: list[FeedOutcome] = field(default_factory=list)
    #: URLs already subscribed before the import (left as they were).
    already: list[str] = field(default_factory=list)
    #: URLs the file names more than once (counted once).
    duplicates: list[str] = field(default_factory=list)
    #: ``(url, reason)`` for entries that are not feed locations.
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def failed(self) -> list[FeedOutcome]:
        """Added feeds whose first fetch failed (they stay subscribed; a refresh retries)."""
        return [o for o in self.added if o.error]

    def summary(self) -> str:
        """One line: how many feeds were added, fetched, failed and skipped."""
        fetched_posts = sum(o.new_posts for o in self.added)
        parts = [f"imported {len(self.added)} new feed{'s' if len(self.added) != 1 else ''}"]
        if fetched_posts:
            parts.append(f"{fetched_posts} new posts")
        if self.failed:
            parts.append(f"{len(self.failed)} failed to fetch (kept; `blogtui refresh` retries)")
        if self.already:
            parts.append(f"{len(self.already)} already subscribed")
        if self.duplicates:
            parts.append(f"{len(self.duplicates)} duplicates skipped")
        if self.skipped:
            parts.append(f"{len(self.skipped)} not feeds, skipped")
        return ", ".join(parts)


# -- OPML --------------------------------------------------------------------------------------


def read_opml_file(path: Path | str) -> list[Outline]:
    """The feeds an OPML file names, in document order (see :func:`read_opml`).

    Raises:
        InteropError: the file cannot be read, is too large, or is not safe, well-formed OPML.
    """
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_OPML_BYTES + 1)
    except OSError as exc:
        raise InteropError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    if len(data) > MAX_OPML_BYTES:
        raise InteropError(f"{path}: too large for a subscription list (over {MAX_OPML_BYTES // 2**20} MB)")
    return read_opml(data, str(path))


def read_opml(data: bytes, source: str = "OPML") -> list[Outline]:
    """The feeds (``outline`` elements with an ``xmlUrl``) of an OPML document, in order.

    Nested outlines (folders) are walked; unknown attributes are ignored; an outline without
    ``xmlUrl`` is a folder or a link, not a feed. A DOCTYPE or entity declaration is refused:
    entity expansion ("billion laughs") is the classic way an XML file eats a machine.

    Raises:
        InteropError: not well-formed XML, not OPML, or a DOCTYPE/entity; the message names
            ``source`` and the cause.
    """
    parser = expat.ParserCreate()
    outlines: list[Outline] = []
    root: list[str] = []
    # One entry per open <outline>: the folder name it opens, or None (a feed or a link).
    opened: list[str | None] = []

    def refuse(*_args: object) -> None:
        raise InteropError(f"{source}: refused: the file declares a DOCTYPE or entities (unsafe in OPML)")

    def start(name: str, attrs: dict[str, str]) -> None:
        if not root:
            root.append(name)
            if name.lower() != "opml":
                raise InteropError(f"{source}: not an OPML file (the document is <{name[:40]}>, not <opml>)")
        if name.lower() != "outline":
            return
        lowered = {key.lower(): value for key, value in attrs.items()}
        url = clean_line(lowered.get("xmlurl"))
        title = clean_line(lowered.get("title") or lowered.get("text"))
        folder = "/".join(f for f in opened if f)
        if url:
            outlines.append(Outline(url, title, clean_line(lowered.get("htmlurl")), folder))
            opened.append(None)
        else:  # a folder (or a plain link): what it holds sits in it
            opened.append(title.replace("/", "-") if title and not lowered.get("htmlurl") else None)

    def end(name: str) -> None:
        if name.lower() == "outline" and opened:
            opened.pop()

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse  # type: ignore[assignment]  # never returns: it raises
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        reason = expat.errors.messages[exc.code]
        raise InteropError(f"{source}: not well-formed XML ({reason}, line {exc.lineno})") from None
    except RecursionError:
        raise InteropError(f"{source}: nested too deeply") from None
    if not root:
        raise InteropError(f"{source}: not an OPML file (empty)")
    return outlines


def _xml_text(value: str) -> str:
    return _NOT_XML_RE.sub("", clean_line(value))


def write_opml(
    feeds: Iterable[Feed], *, now: datetime | None = None, title: str = "blogtui subscriptions"
) -> str:
    """An OPML 2.0 document listing ``feeds`` (readers everywhere import it)."""
    now = now or datetime.now(timezone.utc)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        "  <head>",
        f"    <title>{escape(_xml_text(title))}</title>",
        f"    <dateCreated>{format_datetime(now.astimezone(timezone.utc), usegmt=True)}</dateCreated>",
        "  </head>",
        "  <body>",
    ]
    # Feeds in folders are nested in outlines named for them, folders after the feeds at each level.
    tree: dict[str, Any] = {}
    for feed in feeds:
        node = tree
        for part in (p for p in feed.folder.split("/") if p.strip()):
            node = node.setdefault(part, {})
        node.setdefault("", []).append(feed)

    def write(node: dict[str, Any], depth: int) -> None:
        indent = "  " * (depth + 2)
        for feed in node.get("", []):
            name = _xml_text(feed.title) or _xml_text(feed.url)
            attrs = [("type", "rss"), ("text", name), ("title", name), ("xmlUrl", _xml_text(feed.url))]
            if feed.site_url:
                attrs.append(("htmlUrl", _xml_text(feed.site_url)))
            pairs = " ".join(f"{key}={quoteattr(value)}" for key, value in attrs)
            lines.append(f"{indent}<outline {pairs}/>")
        for folder in sorted((k for k in node if k), key=str.casefold):
            text = quoteattr(_xml_text(folder))
            lines.append(f"{indent}<outline text={text} title={text}>")
            write(node[folder], depth + 1)
            lines.append(f"{indent}</outline>")

    write(tree, 0)
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)


# -- JSON ----------------------------------------------------------------------------------------


def write_json(
    out: TextIO,
    *,
    feeds: Iterable[Feed],
    views: Iterable[tuple[str, str]],
    posts: Iterable[dict[str, object]],
    query: str = "",
    now: datetime | None = None,
    dropped: Iterable[dict[str, object]] = (),
) -> int:
    """Write the JSON export (feeds, saved views, the posts ``blogtui vacuum`` dropped, then posts
    with their state) to ``out``.

    Posts are written one by one, so a 50,000-post backup never sits in memory as one string.
    ``dropped`` are ``{"feed", "guid", "canonical"}`` objects (:func:`dropped_json`): a restore
    keeps them out, as this library does. Returns how many posts were written.
    """
    head = {
        "format": "blogtui-export",
        "version": JSON_VERSION,
        "exported_at": iso(now or datetime.now(timezone.utc)),
        "query": query,
        "feeds": [feed_json(f) for f in feeds],
        "views": [view_json(name, text) for name, text in views],
        "dropped": list(dropped),
    }
    body = json.dumps(head, ensure_ascii=False, indent=2)
    out.write(body[: body.rindex("}")].rstrip() + ',\n  "posts": [')
    count = 0
    for post in posts:
        out.write(("," if count else "") + "\n    " + json.dumps(post, ensure_ascii=False))
        count += 1
    out.write("\n  ]\n}\n" if count else "]\n}\n")
    return count


# -- JSON backup, read back -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BackupPost:
    """One post of a backup: what it is, and the reader's state to merge."""

    post: ParsedPost
    read: bool = False
    starred: bool = False
    user_tags: tuple[str, ...] = ()


@dataclass
class Backup:
    """A JSON backup (``export --format json``) as read back: feeds, saved views, posts by feed URL."""

    source: str
    feeds: list[Outline] = field(default_factory=list)
    views: list[tuple[str, str]] = field(default_factory=list)
    posts: dict[str, list[BackupPost]] = field(default_factory=dict)
    #: ``(guid, canonical URL)`` of the posts the backed-up library had dropped, by feed URL.
    dropped: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


@dataclass
class RestoreReport:
    """What ``Library.import_backup`` did."""

    feeds_added: int = 0
    posts_added: int = 0
    #: Posts already stored whose state (read, starred, your tags) was merged.
    posts_merged: int = 0
    views_added: int = 0
    #: ``(name, reason)`` for saved views kept as they were (a view of that name exists).
    views_kept: list[tuple[str, str]] = field(default_factory=list)
    #: Posts of the backup left out: ``blogtui vacuum`` dropped them from this library on
    #: purpose (``include_dropped`` restores them).
    posts_left_out: int = 0
    #: Dropped posts restored because ``include_dropped`` was asked (no longer kept out).
    posts_undropped: int = 0

    def summary(self) -> str:
        """One line: what the restore added and merged (and left out, and how to have it)."""
        parts = [
            f"restored {self.feeds_added} new feed{'s' if self.feeds_added != 1 else ''}",
            f"{self.posts_added} new posts",
            f"{self.posts_merged} posts merged",
            f"{self.views_added} views",
        ]
        if self.views_kept:
            parts.append(f"{len(self.views_kept)} views kept as they were")
        if self.posts_undropped:
            parts.append(f"{self.posts_undropped} posts dropped by blogtui vacuum restored")
        if self.posts_left_out:
            parts.append(
                f"{self.posts_left_out} posts left out (dropped by blogtui vacuum;"
                " --include-dropped restores them)"
            )
        return ", ".join(parts)


def looks_like_json(path: Path | str) -> bool:
    """Whether a file starts like a JSON document (a backup) rather than XML (OPML)."""
    try:
        with Path(path).open("rb") as handle:
            head = handle.read(512)
    except OSError:
        return False
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _names(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(clean_line(v) for v in value if isinstance(v, str) and clean_line(v))


def read_backup_file(path: Path | str) -> Backup:
    """A JSON backup written by ``blogtui export --format json``, checked field by field.

    Raises:
        InteropError: the file cannot be read, is not JSON, is not a blogtui backup, or was made
            by a newer blogtui (one line naming the file and the cause).
    """
    path = Path(path)
    try:
        with path.open("rb") as handle:
            doc = json.load(handle)
    except OSError as exc:
        raise InteropError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    except (ValueError, RecursionError) as exc:
        raise InteropError(f"{path}: not valid JSON ({str(exc)[:120]})") from None
    if not isinstance(doc, dict) or doc.get("format") != "blogtui-export":
        raise InteropError(f'{path}: not a blogtui backup (no "format": "blogtui-export")')
    version = doc.get("version")
    if not isinstance(version, int) or version < 1:
        raise InteropError(f"{path}: not a blogtui backup (version {version!r})")
    if version > JSON_VERSION:
        raise InteropError(
            f"{path}: made by a newer blogtui (backup version {version}; this one reads {JSON_VERSION})"
        )
    backup = Backup(source=str(path))
    for feed in doc.get("feeds") or []:
        url = clean_line(_text(feed.get("url"))) if isinstance(feed, dict) else ""
        if url:
            backup.feeds.append(
                Outline(
                    url,
                    clean_line(_text(feed.get("title"))),
                    clean_line(_text(feed.get("site_url"))),
                    clean_line(_text(feed.get("folder"))),
                )
            )
    for view in doc.get("views") or []:
        if isinstance(view, dict) and _text(view.get("name")) and _text(view.get("query")):
            backup.views.append((clean_line(view["name"]), clean_line(view["query"])))
    for item in doc.get("dropped") or []:
        feed_url = clean_line(_text(item.get("feed"))) if isinstance(item, dict) else ""
        guid = clean_line(_text(item.get("guid"))) if isinstance(item, dict) else ""
        if feed_url and guid:
            backup.dropped.setdefault(feed_url, []).append((guid, clean_line(_text(item.get("canonical")))))
    known = {f.url for f in backup.feeds}
    for item in doc.get("posts") or []:
        if not isinstance(item, dict):
            continue
        feed_url = clean_line(_text(item.get("feed")))
        guid = clean_line(_text(item.get("guid")))
        if not feed_url or not guid:
            continue
        if feed_url not in known:  # a post of a feed the backup does not list: keep it anyway
            known.add(feed_url)
            backup.feeds.append(Outline(feed_url, clean_line(_text(item.get("feed_title")))))
        mine = _names(item.get("user_tags"))
        html = clean_text(_text(item.get("content_html")))
        post = ParsedPost(
            guid=guid,
            url=clean_line(_text(item.get("url"))),
            title=clean_line(_text(item.get("title"))),
            author=clean_line(_text(item.get("author"))),
            published=from_iso(item.get("published")),
            updated=from_iso(item.get("updated")),
            summary=clean_text(_text(item.get("summary"))),
            content_html=html,
            text=html_to_text(html),
            tags=tuple(t for t in _names(item.get("tags")) if t not in mine),
            summary_only=item.get("summary_only") is True,
        )
        backup.posts.setdefault(feed_url, []).append(
            BackupPost(post, item.get("read") is True, item.get("starred") is True, mine)
        )
    return backup


def dropped_json(store: Store) -> list[dict[str, object]]:
    """The posts ``blogtui vacuum`` dropped, as the backup's ``dropped`` objects (by feed URL)."""
    rows = store.db.execute(
        "SELECT f.url, d.guid, d.canonical FROM dropped_posts d JOIN feeds f ON f.id = d.feed_id"
        " ORDER BY f.url, d.guid"
    )
    return [{"feed": url, "guid": guid, "canonical": canonical} for url, guid, canonical in rows]


def restore_backup(
    store: Store, backup: Backup, *, include_dropped: bool = False, now: datetime | None = None
) -> RestoreReport:
    """Restore a backup into ``store``: the feeds it names subscribed if they are not, its posts
    not stored yet added, the state of every post merged (read or starred on either side stays
    so, the user's tags added), its saved views added unless one of that name exists.

    A post ``blogtui vacuum`` dropped on purpose (its guid or URL in ``dropped_posts``) stays out
    and is counted in ``posts_left_out``: a restore does not undo a retention setting. The
    backup's own ``dropped`` (what the backed-up library had dropped) join this library's, so a
    restore into a new library keeps them out of its refreshes too. With ``include_dropped``
    the posts come back and are no longer kept out (a later vacuum applies the settings again).
    """
    report = RestoreReport()
    stamp = int((now or datetime.now(timezone.utc)).timestamp())
    for outline in backup.feeds:
        items = backup.posts.get(outline.url, [])
        with store.transaction():
            if store.feed(outline.url) is None:
                report.feeds_added += 1
                feed_id = store.add_feed(outline.url, now)
                store.update_feed(
                    feed_id, title=outline.title, site_url=outline.site_url, folder=outline.folder
                )
            else:
                feed_id = store.add_feed(outline.url)
            guids = [i.post.guid for i in items]
            stored = store.post_ids_by_guid(feed_id, guids)
            fresh = {i.post.guid: i.post for i in items if i.post.guid not in stored}
            undropped: set[str] = set()
            if include_dropped:
                undropped = _forget_dropped(store, feed_id, fresh.values())
            else:
                store.db.executemany(
                    "INSERT OR IGNORE INTO dropped_posts(feed_id, guid, canonical, dropped_at)"
                    " SELECT ?1, ?2, ?3, ?4 WHERE NOT EXISTS (SELECT 1 FROM posts WHERE feed_id = ?1"
                    " AND (guid = ?2 OR (?3 != '' AND canonical = ?3)))",
                    [(feed_id, guid, url, stamp) for guid, url in backup.dropped.get(outline.url, [])],
                )
            added = store.upsert_posts(feed_id, fresh.values())
            report.posts_added += added
            ids = store.post_ids_by_guid(feed_id, guids)
            # A post stored under another guid with the same URL is that post (upsert_posts).
            by_url = _by_url(store, feed_id, [i for i in items if i.post.guid not in ids])
            ids.update(by_url)
            report.posts_merged += len(set(guids) & set(ids)) - added
            report.posts_left_out += len(set(guids) - set(ids))
            report.posts_undropped += len(undropped & set(ids))
        kept = [i for i in items if i.post.guid in ids]
        store.mark([ids[i.post.guid] for i in kept if i.read], read=True)
        store.mark([ids[i.post.guid] for i in kept if i.starred], starred=True)
        for item in kept:
            for name in item.user_tags:
                store.add_user_tag(ids[item.post.guid], name)
    for name, query in backup.views:
        existing = store.view_query(name)
        if existing is None and is_view_name(name):
            store.save_view(name, query)
            report.views_added += 1
        elif existing is not None and existing != query:
            report.views_kept.append((name, f"a view @{name} exists ({existing})"))
    return report


def _forget_dropped(store: Store, feed_id: int, posts: Iterable[ParsedPost]) -> set[str]:
    """Take these posts out of the feed's dropped ones (by guid or URL); returns the guids of
    those that were dropped."""
    rows = [(feed_id, p.guid, canonical_url(p.url) if p.url else "") for p in posts]
    test = "feed_id = ?1 AND (guid = ?2 OR (?3 != '' AND canonical = ?3))"
    found = {guid for _, guid, url in rows if store.db.execute(f"SELECT 1 FROM dropped_posts WHERE {test}",
                                                               (feed_id, guid, url)).fetchone()}  # fmt: skip
    store.db.executemany(f"DELETE FROM dropped_posts WHERE {test}", rows)
    return found


def _by_url(store: Store, feed_id: int, items: list[BackupPost]) -> dict[str, int]:
    """Posts of the backup stored under another guid (the same URL: one post, ``upsert_posts``)."""
    found: dict[str, int] = {}
    for item in items:
        if item.post.url:
            row = store.db.execute(
                "SELECT id FROM posts WHERE feed_id = ? AND canonical = ? LIMIT 1",
                (feed_id, canonical_url(item.post.url)),
            ).fetchone()
            if row is not None:
                found[item.post.guid] = int(row[0])
    return found


# -- Markdown ------------------------------------------------------------------------------------


def markdown_filename(post: Post) -> str:
    """``YYYY-MM-DD-title-slug-ID.md``: sorts by date, readable, unique (the id), safe on any OS."""
    ascii_title = unicodedata.normalize("NFKD", post.title).encode("ascii", "ignore").decode().lower()
    slug = _SLUG_RE.sub("-", ascii_title).strip("-")[:60].rstrip("-") or "post"
    day = post.published.astimezone(timezone.utc).strftime("%Y-%m-%d") if post.published else "undated"
    return f"{day}-{slug}-{post.id}.md"


def write_markdown_file(
    directory: Path, post: Post, feed_tags: Iterable[str], user_tags: Iterable[str]
) -> Path:
    """Write one post's Markdown file into ``directory``; returns its path.

    Raises:
        InteropError: the file cannot be written (the message names it and the cause).
    """
    path = directory / markdown_filename(post)
    try:
        path.write_text(markdown_document(post, feed_tags, user_tags), encoding="utf-8")
    except OSError as exc:
        raise InteropError(f"{path}: cannot write it ({exc.strerror or exc})") from None
    return path


def prepare_directory(directory: Path | str) -> Path:
    """Create the export directory if needed.

    Raises:
        InteropError: it exists and is not a directory, or cannot be created.
    """
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise InteropError(f"{directory}: not a directory") from None
    except OSError as exc:
        raise InteropError(f"{directory}: cannot create it ({exc.strerror or exc})") from None
    return directory
