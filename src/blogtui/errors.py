"""One family of errors: every failure blogtui can name in one line is a :class:`BlogtuiError`.

The CLI catches the family once and prints the message; the TUI shows it in the status line.
Each message names the input (a URL, a file, a key, a query) and the cause.
"""

from __future__ import annotations


class BlogtuiError(Exception):
    """A failure with a one-line message that names the input and the cause."""


class UsageError(BlogtuiError):
    """The command line asks for something that cannot be done (exit code 2)."""


class ConfigError(BlogtuiError):
    """``config.toml`` cannot be read, or a key or value in it is wrong."""


class FetchError(BlogtuiError):
    """One URL could not be fetched; the message is the cause."""


class FeedGoneError(FetchError):
    """The server says the feed is gone for good (HTTP 410)."""


class NotAFeedError(BlogtuiError):
    """The document is not a feed blogtui can read."""


class ArticleError(BlogtuiError):
    """A web page holds no article that can be extracted."""


class StoreError(BlogtuiError):
    """The database cannot be opened or written."""

    #: What SQLite said, when it did: ``full``, ``read-only``, ``damaged``, ``locked``, ``io``.
    kind: str | None = None


class QueryError(BlogtuiError, ValueError):
    """A query is malformed; the message names the part."""


class InteropError(BlogtuiError):
    """A file that cannot be imported or written; the message names the file and the cause."""


class LibraryError(BlogtuiError):
    """A request the library cannot carry out (unknown feed, bad query, ...)."""
