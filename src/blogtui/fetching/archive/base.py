"""The interface every archive source implements, and what the refresher hands each one.

A source is chosen by :meth:`Source.applies` from what is known of the blog (:class:`Site`: the
feed's first page, its bytes, the home page), then :meth:`Source.walk` yields batches of posts as
it goes, so the refresher can store each batch in its own transaction (a killed walk keeps what it
fetched) and report progress. Every request goes through the refresher's :class:`Getter`, which
keeps to the politeness rules (connections per host, a delay between pages, ``Retry-After``,
robots.txt for page crawls) and to the trust boundary (http and https only, the blog's own host).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from ...models import FetchResult, ParsedFeed, ParsedPost


@dataclass(frozen=True)
class Site:
    """What is known of a blog when its archive is walked."""

    #: The feed's URL after redirects.
    feed_url: str
    #: The blog's home page ('' when neither the feed nor the user said).
    site_url: str
    #: The feed's first page, parsed.
    feed: ParsedFeed
    #: The feed's bytes (a generator tag or a ``wp-json`` link tells the platform).
    feed_body: bytes = b""
    #: The home page's HTML when it was fetched (discovery, or a source that needed it).
    home: bytes | None = None

    def fingerprint(self) -> str:
        """Lower-cased text in which platforms show themselves: the feed's and the home page's heads."""
        head = self.feed_body[:4096] + b"\n" + (self.home or b"")[:65536]
        return head.decode("utf-8", errors="replace").lower()


class Getter(Protocol):
    """A polite GET for archive sources; raises :class:`~blogtui.errors.FetchError` with the cause."""

    def __call__(self, url: str, *, crawl: bool = False) -> Awaitable[FetchResult]:
        """Fetch ``url`` (``crawl``: a post page or listing, so robots.txt ``Disallow`` applies)."""
        ...


#: The refresher's parser for feed documents (off the event loop: a thread or the parse pool).
Parse = Callable[[bytes, str], Awaitable[ParsedFeed]]


@dataclass
class Walk:
    """One source's walk of one blog: what is stored already, and what the walk found out."""

    #: Canonical URLs of the feed's stored posts (a source skips fetching what is here).
    known_urls: set[str] = field(default_factory=set)
    #: Guids of the feed's stored posts.
    known_guids: set[str] = field(default_factory=set)
    #: Set by the source when it knows: the whole archive came home (True) or cannot (False).
    complete: bool | None = None
    #: How many posts the source says exist, when it says (``archive_expected``).
    expected: int | None = None
    #: Why the archive is incomplete, when it is (``archive_note``), in a few words.
    note: str | None = None
    #: Things worth telling the user on the command line (one line each).
    notes: list[str] = field(default_factory=list)
    #: Documents fetched and documents known to be left (progress: pages done of pages known).
    pages_done: int = 0
    pages_known: int | None = None
    #: Whether the archive was complete before this walk (a re-walk that reaches known posts keeps it).
    was_complete: bool = False
    #: Canonical URLs of pages found before not to be posts (a page crawl skips them too).
    skip_urls: set[str] = field(default_factory=set)
    #: When the stored copy of each post read from its page last changed (``posts.updated``,
    #: which a sitemap walk sets to the page's ``<lastmod>``; else its publication time), by
    #: canonical URL: the sitemap source reads a stored page again when its ``<lastmod>`` is
    #: newer. A post not here (none given: every stored page) is not read again.
    page_times: dict[str, datetime] = field(default_factory=dict)


@dataclass(frozen=True)
class Batch:
    """Posts a source found, stored together in one transaction."""

    posts: tuple[ParsedPost, ...]
    #: ``(canonical URL, reason)`` of pages found not to be posts, remembered so a re-walk skips them.
    skipped: tuple[tuple[str, str], ...] = ()


class Source(Protocol):
    """One way of enumerating a blog's archive."""

    #: The ``archive_method`` recorded when this source brought the archive home:
    #: ``"feed-pages"``, ``"wordpress-paged"``, ``"blogger"``, ``"bear"``, ``"wordpress-rest"``,
    #: ``"sitemap"``, ``"api:NAME"``.
    method: str

    def applies(self, site: Site) -> bool:
        """Whether this source may work for the blog (cheap: no request)."""
        ...

    def walk(self, site: Site, get: Getter, parse: Parse, state: Walk) -> AsyncIterator[Batch]:
        """Yield the blog's posts in batches, updating ``state`` as it learns.

        Must stop by itself (at the end, at a loop, at ``max_archive_pages``) and never raise for a
        cause it can name: a failed request ends the walk with ``state.note`` saying why, and the
        batches already yielded are kept.
        """
        ...
