"""One spelling per post URL: the key under which a feed item, an API row and a page of the same
post are one post (a Ghost feed's guid is an opaque id, a WordPress feed's is ``?p=123``; their
links and the pages' URLs agree once spelt alike)."""

from __future__ import annotations

import functools
from urllib.parse import parse_qsl, urlencode, urlsplit

#: Query parameters that only track where a reader came from.
_TRACKING = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid", "ref", "source")
_INDEX_FILES = ("index.html", "index.htm", "index.php")


@functools.lru_cache(maxsize=8192)
def canonical_url(url: str) -> str:
    """``url`` without what does not name a different page: scheme, ``www.``, default port,
    fragment, tracking parameters, a trailing slash or ``index.html``; host in lower case.

    Not a URL (no host): returned as it is, stripped. Kept for the last 8,192 URLs: storing a
    feed's posts asks for each one's two or three times (merging by URL, retention, the row).
    """
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return url
    host = parts.hostname.lower()
    if host.startswith("www."):
        host = host[4:]
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    path = parts.path or "/"
    for name in _INDEX_FILES:
        if path.endswith("/" + name):
            path = path[: -len(name)]
    path = path.rstrip("/") or "/"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not any(k == t or (t.endswith("_") and k.startswith(t)) for t in _TRACKING)
    ]
    tail = "?" + urlencode(sorted(query)) if query else ""
    return f"{host}{path}{tail}"


def same_site(url: str, host: str) -> bool:
    """Whether ``url`` is on ``host`` (a ``www.`` on either side ignored; ports must agree)."""
    try:
        parts = urlsplit(url)
        netloc = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    except ValueError:
        return False
    return _bare(netloc) == _bare(host.lower())


def _bare(netloc: str) -> str:
    return netloc[4:] if netloc.startswith("www.") else netloc
