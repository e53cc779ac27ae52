"""A loopback HTTP server for tests: routes map paths to canned responses or handler functions."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up (a timeout, a reset keep-alive connection) is not an error worth a
    traceback: socketserver would print one to whatever ``sys.stderr`` is at that moment, which
    can be a later test's captured output."""

    def handle_error(self, request: object, client_address: object) -> None:
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


@dataclass
class Response:
    """A canned response."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/xml"


Handler = Callable[["Request"], Response]


@dataclass
class Request:
    """What the server saw: method, path (with query) and headers."""

    method: str
    path: str
    headers: dict[str, str]


class FeedServer:
    """Serve routes on 127.0.0.1 at a random port; every request is logged in ``requests``."""

    def __init__(self) -> None:
        self.routes: dict[str, Response | Handler] = {}
        #: Paths whose writer gets the raw request handler, to send bytes at its own pace.
        self.raw_routes: dict[str, Callable[[BaseHTTPRequestHandler], None]] = {}
        self.requests: list[Request] = []
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                request = Request("GET", self.path, {k.lower(): v for k, v in self.headers.items()})
                server.requests.append(request)
                if self.path in server.raw_routes:
                    server.raw_routes[self.path](self)
                    return
                route = server.routes.get(self.path)
                if route is None:
                    route = server.routes.get(self.path.split("?", 1)[0])
                if route is None:
                    response = Response(b"not found", 404, content_type="text/plain")
                elif callable(route):
                    response = route(request)
                    if response is None:  # the handler wrote the response itself
                        return
                else:
                    response = route
                self.send_response(response.status)
                self.send_header("Content-Type", response.content_type)
                headers = dict(response.headers)
                if "Content-Length" not in headers and response.status != 304:
                    headers["Content-Length"] = str(len(response.body))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                if response.status != 304:
                    try:
                        self.wfile.write(response.body)
                    except (BrokenPipeError, ConnectionResetError):
                        pass

        self.handler_class = _Handler
        self.httpd = _QuietServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        """The absolute URL of a path on this server."""
        return self.base + path

    def add(self, path: str, route: Response | Handler | bytes | str, **kwargs: object) -> str:
        """Serve ``route`` at ``path``; returns its URL."""
        if isinstance(route, str):
            route = route.encode()
        if isinstance(route, bytes):
            route = Response(route, **kwargs)  # type: ignore[arg-type]
        self.routes[path] = route
        return self.url(path)

    def stream(
        self, path: str, chunks: Iterable[bytes], *, delay: float = 0.0, length: int | None = None
    ) -> str:
        """Serve ``chunks`` one after another, ``delay`` seconds apart (a drip, or a body that never ends)."""

        def write(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(200)
            handler.send_header("Content-Type", "application/xml")
            if length is not None:
                handler.send_header("Content-Length", str(length))
            handler.end_headers()
            try:
                for chunk in chunks:
                    handler.wfile.write(chunk)
                    handler.wfile.flush()
                    time.sleep(delay)
            except OSError:  # the client gave up: what the test wants
                return

        self.raw_routes[path] = write
        return self.url(path)

    def hits(self, path: str) -> list[Request]:
        """Requests made for a path (query string included in the match when given)."""
        return [r for r in self.requests if r.path == path or r.path.split("?", 1)[0] == path]

    def start(self) -> FeedServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
