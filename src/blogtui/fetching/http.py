"""Getting bytes: async HTTP with limits, conditional GET and redirects, and local files the user names."""

from __future__ import annotations

import asyncio
import errno
import os
import re
import ssl
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urljoin, urlsplit

from .. import __version__
from ..errors import FeedGoneError, FetchError
from ..models import FetchResult
from .discovery import FEED_TYPES

if TYPE_CHECKING:
    import httpx

    from ..config import Config

# httpx imports its own command-line client (click, rich, pygments: 40 ms of CPU at every start
# of add or refresh) when it can; blogtui never runs it. A None in sys.modules makes that one
# import fail, and httpx keeps the stub it has for when the client's packages are missing.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

USER_AGENT = f"blogtui/{__version__} (+https://pypi.org/project/blogtui/; terminal blog reader)"
MAX_REDIRECTS = 10


#: Longest Retry-After honoured, in seconds; a server asking for more is reported as busy.
MAX_RETRY_AFTER = 5.0


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date), if short enough."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        from datetime import datetime, timezone
        from email.utils import parsedate_to_datetime

        try:
            seconds = (parsedate_to_datetime(value) - datetime.now(timezone.utc)).total_seconds()
        except (TypeError, ValueError):
            return None
    return max(0.0, seconds) if seconds <= MAX_RETRY_AFTER else None


def is_remote(url: str) -> bool:
    """Whether ``url`` is fetched over HTTP(S) rather than read from disk."""
    return urlsplit(url).scheme in ("http", "https")


def normalise_location(location: str) -> str:
    """A command-line URL or path as a canonical feed URL (local paths become ``file://`` URLs)."""
    location = location.strip()
    scheme = urlsplit(location).scheme.lower()
    if scheme in ("http", "https", "file"):
        return location
    if "://" in location:
        raise FetchError("unsupported URL scheme (use http, https, file or a path)")
    if re.match(r"^[\w.-]+\.[a-z]{2,}(/|$)", location, re.I) and not Path(location).exists():
        return "https://" + location
    return Path(location).expanduser().resolve().as_uri()


def refused(url: str, trusted: bool) -> str | None:
    """Why ``url`` may not be fetched, or None: the trust boundary in one place.

    ``trusted`` says the URL came from the user (the command line, an OPML file or backup they
    import, a feed they subscribed to) or from a local document they named; only then may it be
    a ``file:`` URL. A link taken from a remote document (an archive page, autodiscovery, a
    redirect, a sitemap, an image, an enclosure, an article page) must be http or https.
    """
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return "not a URL: refused"
    if scheme in ("http", "https"):
        return None
    if scheme == "file" and trusted:
        return None
    if scheme == "file":
        return "a local file named by a remote document: refused (only http and https links are followed)"
    return f"not an http(s) link ({scheme or 'relative'}:): refused"


def read_local(url: str, max_bytes: int) -> FetchResult:
    """Read a ``file://`` URL the user named: a regular file only, at most ``max_bytes``.

    The limit holds while reading, not from ``st_size`` (0 for ``/dev/zero`` and ``/proc``
    files); devices, FIFOs and sockets are refused before a byte is read (opened non-blocking, so
    a FIFO with no writer does not hang).
    """
    path = Path(unquote(urlsplit(url).path))
    too_large = f"larger than {_size(max_bytes)}"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise FetchError("no such file") from None
    except IsADirectoryError:
        raise FetchError("is a directory, not a feed file") from None
    except OSError as exc:
        raise FetchError(exc.strerror or str(exc)) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise FetchError("is a directory, not a feed file")
        if not stat.S_ISREG(info.st_mode):
            raise FetchError("not a regular file (a device, FIFO or socket): refused")
        if info.st_size > max_bytes:
            raise FetchError(too_large)
        chunks: list[bytes] = []
        size = 0
        while chunk := os.read(fd, min(1024 * 1024, max_bytes + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
            if size > max_bytes:
                raise FetchError(too_large)
    except FetchError:
        raise
    except OSError as exc:
        raise FetchError(exc.strerror or str(exc)) from None
    finally:
        os.close(fd)
    return FetchResult(url=url, final_url=url, status=200, body=b"".join(chunks))


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit:,} bytes"


def make_client(jobs: int = 8, timeout: float = 20.0, config: Config | None = None) -> httpx.AsyncClient:
    """An HTTP client with blogtui's limits (two connections per host is enforced by the caller).

    Networking as the machine is set up: ``http_proxy``, ``https_proxy``, ``all_proxy`` and
    ``NO_PROXY`` are honoured, and so are ``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` (certifi's CAs
    otherwise). The config's ``proxy`` replaces the environment's proxies (``NO_PROXY`` still
    applies), ``ca_file`` adds CAs (a TLS-inspecting firewall's), and ``trust_cert`` trusts one
    host's own (self-signed) certificate, for that host only.
    """
    import httpx  # imported on first use: the reader starts without it

    limits = httpx.Limits(max_connections=max(2, jobs * 2), max_keepalive_connections=max(2, jobs * 2))
    proxy = (config.proxy if config else "") or None
    ca_file = config.ca_file if config else ""
    mounts: dict[str, httpx.AsyncBaseTransport | None] = {}
    if proxy:
        for pattern, target in _environment_proxies().items():
            if target is None:  # a NO_PROXY host: straight there
                mounts[pattern] = httpx.AsyncHTTPTransport(verify=ssl_context(ca_file), limits=limits)
    for host, cert in trusted_certs(config.trust_cert if config else "").items():
        host_proxy = proxy or _environment_proxy(f"https://{host}/")
        mounts[f"https://{host}"] = httpx.AsyncHTTPTransport(
            verify=ssl_context(ca_file, cert), limits=limits, proxy=host_proxy
        )
    return httpx.AsyncClient(
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": _accept_encoding()},
        follow_redirects=False,
        timeout=httpx.Timeout(timeout),
        limits=limits,
        verify=ssl_context(ca_file),
        proxy=proxy,
        mounts=mounts or None,
        trust_env=True,
    )


def ssl_context(ca_file: str = "", host_cert: str = "") -> ssl.SSLContext:
    """The CAs blogtui trusts: ``SSL_CERT_FILE``/``SSL_CERT_DIR`` or certifi's, plus ``ca_file``,
    plus ``host_cert`` (one host's own certificate, for that host's connections only)."""
    import httpx

    context = httpx.create_ssl_context(trust_env=True)
    cert_dir = os.environ.get("SSL_CERT_DIR", "")
    if cert_dir and os.environ.get("SSL_CERT_FILE") and os.path.isdir(cert_dir):
        context.load_verify_locations(capath=cert_dir)  # httpx reads the directory only without the file
    for extra in (ca_file, host_cert):
        if extra:
            try:
                context.load_verify_locations(cafile=str(Path(extra).expanduser()))
            except (OSError, ssl.SSLError) as exc:
                raise FetchError(f"{extra}: cannot read the certificates ({_tls_reason(str(exc))})") from None
    return context


def trusted_certs(setting: str) -> dict[str, str]:
    """``trust_cert = "HOST[:PORT]=PATH, ..."`` as {host: certificate file}."""
    found: dict[str, str] = {}
    for part in setting.split(","):
        host, sep, path = part.partition("=")
        if sep and host.strip() and path.strip():
            found[host.strip().lower()] = path.strip()
    return found


def _environment_proxies() -> dict[str, str | None]:
    try:
        from httpx._utils import get_environment_proxies

        return dict(get_environment_proxies())
    except (ImportError, AttributeError):  # httpx's own reading of the variables moved
        return {}


def _environment_proxy(url: str) -> str | None:
    import urllib.request

    host = urlsplit(url).hostname or ""
    if urllib.request.proxy_bypass_environment(host):  # type: ignore[attr-defined]  # not in typeshed
        return None
    proxies = urllib.request.getproxies_environment()
    return proxies.get(urlsplit(url).scheme) or proxies.get("all")


def _accept_encoding() -> str:
    try:
        import brotli  # noqa: F401
    except ImportError:
        return "gzip, deflate"
    return "gzip, deflate, br"


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    timeout: float = 20.0,
    max_bytes: int = 25 * 1024 * 1024,
    trusted: bool = False,
) -> FetchResult:
    """Fetch one URL with a total deadline, following up to 10 redirects (to http and https only).

    Args:
        trusted: the URL came from the user, or from a local document the user named (see
            :func:`refused`); only then may it be a ``file:`` URL, read by :func:`read_local`.

    Raises:
        FetchError: the cause in a few words (HTTP status, timeout, too large, TLS, DNS, a URL
            the trust boundary refuses, ...).
    """
    problem = refused(url, trusted)
    if problem:
        raise FetchError(problem)
    if urlsplit(url).scheme.lower() == "file":
        return await asyncio.to_thread(read_local, url, max_bytes)
    try:
        return await asyncio.wait_for(_fetch(client, url, etag, last_modified, max_bytes), timeout=timeout)
    except (asyncio.TimeoutError, _Timeout):
        raise FetchError(f"timed out after {timeout:g} s") from None


class _Timeout(Exception):
    """httpx gave up on one phase (connect, read, ...) before the total deadline."""


async def _fetch(
    client: httpx.AsyncClient,
    url: str,
    etag: str | None,
    last_modified: str | None,
    max_bytes: int,
) -> FetchResult:
    import httpx

    headers = {"Accept": ", ".join(FEED_TYPES) + ", text/html;q=0.8, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    current = url
    seen = {url}
    permanent = True
    retries_left = 1
    for _ in range(MAX_REDIRECTS + 1):
        try:
            async with client.stream("GET", current, headers=headers) as response:
                if response.status_code in (301, 302, 303, 307, 308):
                    location = response.headers.get("location")
                    if not location:
                        raise FetchError(f"HTTP {response.status_code} without a Location")
                    permanent = permanent and response.status_code in (301, 308)
                    current = urljoin(current, location)
                    if urlsplit(current).scheme.lower() not in ("http", "https"):
                        raise FetchError(f"redirected to {current[:80]}: {refused(current, False)}")
                    if current in seen:
                        raise FetchError("redirect loop")
                    seen.add(current)
                    continue
                if response.status_code == 304:
                    # A 304 may carry a fresh validator; otherwise the one we sent stays good.
                    return FetchResult(
                        url=url, final_url=current, status=304, not_modified=True,
                        etag=response.headers.get("etag") or etag,
                        last_modified=response.headers.get("last-modified") or last_modified,
                        permanent_redirect=permanent and current != url,
                    )  # fmt: skip
                if response.status_code in (429, 503):
                    asked = response.headers.get("retry-after")
                    wait = retry_after(asked)
                    if wait is not None and retries_left > 0:
                        retries_left -= 1
                        await asyncio.sleep(wait)
                        continue
                    if asked:
                        raise FetchError(
                            f"HTTP {response.status_code} {response.reason_phrase}".strip()
                            + f" (the server asks to retry after {asked.strip()[:40]})"
                        )
                if response.status_code == 410:
                    raise FeedGoneError("HTTP 410 Gone: the feed was removed (it will not be fetched again)")
                if response.status_code >= 400:
                    raise FetchError(f"HTTP {response.status_code} {response.reason_phrase}".strip())
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > max_bytes:
                    raise FetchError(f"larger than {max_bytes // (1024 * 1024)} MB")
                chunks = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise FetchError(f"larger than {max_bytes // (1024 * 1024)} MB")
                    chunks.append(chunk)
                return FetchResult(
                    url=url,
                    final_url=current,
                    status=response.status_code,
                    body=b"".join(chunks),
                    etag=response.headers.get("etag"),
                    last_modified=response.headers.get("last-modified"),
                    content_type=response.headers.get("content-type", ""),
                    permanent_redirect=permanent and current != url,
                )
        except FetchError:
            raise
        except httpx.ProxyError as exc:
            raise FetchError(f"the proxy refused it: {_connect_cause(exc)}") from None
        except httpx.ConnectError as exc:
            raise FetchError(_connect_cause(exc)) from None
        except httpx.TimeoutException:
            raise _Timeout from None
        except httpx.DecodingError:
            raise FetchError("bad compressed body") from None
        except httpx.HTTPError as exc:
            raise FetchError(f"HTTP error: {type(exc).__name__} {exc}".strip()) from None
        except ssl.SSLError as exc:
            raise FetchError(_connect_cause(exc)) from None
    raise FetchError(f"more than {MAX_REDIRECTS} redirects")


def _connect_cause(exc: BaseException) -> str:
    """The cause of a failed connection in a few words, from the exception and what it wraps."""
    chain: list[BaseException] = []
    node: BaseException | None = exc
    while node is not None and node not in chain and len(chain) < 8:
        chain.append(node)
        node = node.__cause__ or node.__context__
    # A RuntimeError the error was raised while handling ("no running event loop": the check
    # before asyncio.run) is no part of the cause.
    chain = [e for e in chain if type(e) is not RuntimeError]
    tls = _tls_cause(chain)
    if tls:
        return tls
    errnos = {getattr(e, "errno", None) for e in chain}
    if errno.ECONNREFUSED in errnos:
        return "connection refused"
    # The innermost message is the telling one ("All connection attempts failed" wraps it).
    text = next((str(e) for e in reversed(chain) if str(e)), "")
    lowered = " ".join(str(e) for e in chain).lower()
    if any(
        sign in lowered
        for sign in (
            "name or service not known", "nodename nor servname", "getaddrinfo", "name resolution",
            "no address associated", "errno -2]", "errno -3]", "errno -5]",
        )
    ):  # fmt: skip
        return f"DNS lookup failed ({text})" if text else "DNS lookup failed"
    if "certificate" in lowered or "ssl" in lowered or "tls" in lowered:
        return f"TLS error: {_tls_reason(text)}"
    if "refused" in lowered:
        return "connection refused"
    return f"cannot connect: {text}" if text else "cannot connect"


def _tls_cause(chain: list[BaseException]) -> str | None:
    """The TLS failure in a chain of exceptions, in words: "certificate verify failed: self-signed
    certificate", "not TLS: wrong version number", ...; None when TLS is not the cause."""
    for error in chain:
        if isinstance(error, ssl.SSLCertVerificationError):
            why = error.verify_message or _tls_reason(str(error))
            return f"TLS: certificate verify failed: {why} (ca_file or trust_cert in config.toml trusts it)"
    for error in chain:
        if isinstance(error, ssl.SSLError):
            reason = str(error.reason or "")
            words = _tls_reason(str(error)).removeprefix("[SSL] ").strip()
            if reason in ("WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "HTTP_REQUEST") or (
                "wrong version number" in words
            ):
                return "not TLS: wrong version number (the server does not speak TLS there: http:// perhaps)"
            return f"TLS error: {words or reason or type(error).__name__}"
    return None


def _tls_reason(text: str) -> str:
    # "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: ... (_ssl.c:1006)" -> the words.
    text = re.sub(r"\s*\(_ssl\.c:\d+\)", "", text)
    return re.sub(r"^\[SSL: [A-Z_]+\]\s*", "", text) or text
