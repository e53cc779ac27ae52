"""Frozen dataclasses passed between the layers: feeds, posts, tags, fetch results, progress."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

#: The orders a list of posts can be in (``posts --sort``, the reader's sort key): newest first,
#: oldest first (reading a blog from its first post), by feed (then newest), by title.
SORT_ORDERS = ("newest", "oldest", "feed", "title")
#: The note on a feed whose archive may be incomplete (the feed offers no older pages).
INCOMPLETE_NOTE = "archive may be incomplete (the feed offers no older pages)"
#: How a feed's error starts when the cache could not store it (the CLI says the cause once).
NOT_SAVED = "not saved: "


@dataclass(frozen=True, slots=True)
class Feed:
    """A subscribed feed as stored, with its post counts."""

    id: int
    url: str
    title: str = ""
    site_url: str = ""
    etag: str | None = None
    last_modified: str | None = None
    fetched_at: datetime | None = None
    error: str | None = None
    archive_complete: bool = False
    posts: int = 0
    unread: int = 0
    #: Posts recovered from the archive and not opened yet (out of ``unread``).
    backlog: int = 0
    #: How the archive was found (``"sitemap"``, ``"feed-pages"``, ``"api:NAME"``, ...), or None.
    archive_method: str | None = None
    #: How many posts the archive source says exist, when it says.
    archive_expected: int | None = None
    #: The publication date of the oldest stored post.
    archive_oldest: datetime | None = None
    #: Why the archive is incomplete, when it is.
    archive_note: str | None = None
    #: The first (oldest dated) and latest post's publication.
    first_post: datetime | None = None
    latest_post: datetime | None = None
    #: The words of its posts' text, as the search index counts them (None: not counted).
    words: int | None = None
    #: When it was subscribed.
    added_at: datetime | None = None
    #: Its folder ("Tech/Python", from an OPML file); each part also tags its posts.
    folder: str = ""
    #: The user's own name for it ("" when none); when set, ``title`` is this name (refreshes keep it).
    name: str = ""


@dataclass(frozen=True, slots=True)
class FeedState:
    """What a refresh needs to know of a subscribed feed (the feeds table alone, no counts)."""

    id: int
    url: str
    title: str = ""
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    archive_complete: bool = False
    gone: bool = False
    #: When the feed was last fetched (None: never, e.g. ``import --no-fetch``).
    fetched_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ParsedPost:
    """One entry as read from a feed document, before it is stored."""

    guid: str
    url: str = ""
    title: str = ""
    author: str = ""
    published: datetime | None = None
    updated: datetime | None = None
    summary: str = ""
    content_html: str = ""
    text: str = ""
    tags: tuple[str, ...] = ()
    #: ``content_html`` is only the feed's summary of the post, not the whole article.
    summary_only: bool = False
    #: Read from the post's web page (an archive crawl): a feed's or an API's content of the
    #: same post wins over it.
    from_page: bool = False


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A feed document: its metadata, its entries and the links to other archive pages."""

    title: str = ""
    site_url: str = ""
    posts: tuple[ParsedPost, ...] = ()
    next_url: str | None = None
    prev_archive_url: str | None = None
    is_archive: bool = False
    bozo: str | None = None


@dataclass(frozen=True, slots=True)
class Post:
    """A stored post. ``content_md`` is empty until converted (see ``Library.post``)."""

    id: int
    feed_id: int
    guid: str
    url: str = ""
    title: str = ""
    author: str = ""
    published: datetime | None = None
    updated: datetime | None = None
    summary: str = ""
    content_html: str = ""
    content_md: str = ""
    read: bool = False
    starred: bool = False
    tags: tuple[str, ...] = ()
    feed_url: str = ""
    feed_title: str = ""
    #: ``content_html`` is only the feed's summary: the reader offers ``F`` (fetch the article).
    summary_only: bool = False


@dataclass(frozen=True, slots=True)
class PostRow:
    """The light form of a post used by lists: no content."""

    id: int
    title: str
    feed_title: str
    published: datetime | None
    read: bool
    starred: bool
    #: Recovered from the blog's archive and not opened yet (``read`` is False, yet not unread).
    backlog: bool = False
    #: An untitled post's opening words (its text, cut short), shown in place of the title.
    opening: str = ""


@dataclass(frozen=True, slots=True)
class PostRecord:
    """A post as exported (``posts --json``, the JSON backup): its state and metadata, no Markdown.

    The backup fields (``guid`` on) are filled only when asked for; ``tags`` has every tag, and
    ``user_tags`` the user's own among them.
    """

    id: int
    feed_url: str
    feed_title: str
    title: str
    url: str
    author: str
    published: datetime | None
    read: bool
    starred: bool
    tags: tuple[str, ...] = ()
    #: Recovered from the blog's archive and not opened yet (neither unread nor read).
    backlog: bool = False
    guid: str = ""
    updated: datetime | None = None
    summary: str = ""
    content_html: str = ""
    summary_only: bool = False
    user_tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Tag:
    """A tag with the number of posts carrying it (within the current filter)."""

    name: str
    count: int


@dataclass(frozen=True, slots=True)
class FetchResult:
    """The outcome of fetching one URL."""

    url: str
    final_url: str = ""
    status: int = 0
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    content_type: str = ""
    not_modified: bool = False
    permanent_redirect: bool = False
    error: str | None = None


@dataclass(frozen=True, slots=True)
class FeedOutcome:
    """What a subscribe or refresh did to one feed."""

    url: str
    title: str = ""
    new_posts: int = 0
    pages: int = 0
    error: str | None = None
    not_modified: bool = False
    archive_complete: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class Progress:
    """A progress event emitted while feeds are fetched."""

    done: int
    total: int
    url: str = ""
    new_posts: int = 0
    message: str = ""
    #: Documents fetched so far in this run (first pages, archive pages, discovery), so a long
    #: archive walk of a single feed still shows it is moving.
    pages: int = 0
    #: Documents known so far: those fetched and those an archive walk knows it has left (0: no
    #: walk knows; progress shows pages done of pages known).
    pages_known: int = 0
