"""Loopback HTTP server for the fetch benchmark: serves a corpus from gen_corpus.py on 127.0.0.1.

    python benchmarks/serve.py CORPUS [--port-file F] [--latency-ms 0] [--gzip] [--max-seconds 1800]

HTTP/1.1 keep-alive; ETag and Last-Modified on every file, 304 for If-None-Match/If-Modified-Since;
WordPress-style ``feed-NNN.xml?paged=N`` serves page N (404 past the last); ``/__stats`` returns
counters as JSON (``?reset=1`` zeroes them). ``@@BASE@@`` in the files becomes the server's URL.
Binds 127.0.0.1 only and exits by itself after ``--max-seconds``.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

STATS_KEYS = ("requests", "http200", "http304", "http404", "conditional", "bytes")


def serve(
    corpus: Path, port: int = 0, latency_ms: float = 0.0, use_gzip: bool = False
) -> ThreadingHTTPServer:
    """A started server for ``corpus`` (runs in a daemon thread)."""
    files: dict[str, bytes] = {}
    stats = dict.fromkeys(STATS_KEYS, 0)
    lock = threading.Lock()
    stamp = formatdate(1_700_000_000, usegmt=True)
    pages: dict[str, list[str]] = {}
    manifest = json.loads((corpus / "manifest.json").read_text())
    for feed in manifest["feeds"]:
        pages["/" + feed["path"]] = ["/" + p for p in feed["pages"]]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path == "/__stats":
                with lock:
                    body = json.dumps(stats).encode()
                    if "reset=1" in parts.query:
                        stats.update(dict.fromkeys(STATS_KEYS, 0))
                self._send(200, body, {"Content-Type": "application/json"})
                return
            if latency_ms:
                time.sleep(latency_ms / 1000)
            path = parts.path
            page = parse_qs(parts.query).get("paged", ["1"])[0]
            if page != "1":
                chain = pages.get(path, [])
                number = int(page) if page.isdigit() else 0
                path = chain[number - 1] if 1 <= number <= len(chain) else ""
            body = files.get(path)
            if body is None and path and (corpus / path.lstrip("/")).is_file() and ".." not in path:
                raw = (corpus / path.lstrip("/")).read_bytes()
                body = files[path] = raw.replace(
                    b"@@BASE@@", f"http://127.0.0.1:{self.server.server_port}".encode()
                )
            with lock:
                stats["requests"] += 1
            if body is None:
                with lock:
                    stats["http404"] += 1
                self._send(404, b"not found", {"Content-Type": "text/plain"})
                return
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
            if inm or ims:
                with lock:
                    stats["conditional"] += 1
            if inm == etag or (ims == stamp and not inm):
                with lock:
                    stats["http304"] += 1
                self._send(304, b"", {"ETag": etag, "Last-Modified": stamp})
                return
            headers = {"Content-Type": "application/xml; charset=utf-8", "ETag": etag, "Last-Modified": stamp}
            if use_gzip and "gzip" in (self.headers.get("Accept-Encoding") or ""):
                body = gzip.compress(body, 5)
                headers["Content-Encoding"] = "gzip"
            with lock:
                stats["http200"] += 1
                stats["bytes"] += len(body)
            self._send(200, body, headers)

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status != 304:
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

    class Server(ThreadingHTTPServer):
        def handle_error(self, request: object, client_address: object) -> None:
            pass  # a client closing its keep-alive connection is not news

    server = Server(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.request_queue_size = 128
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    """Command line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", type=Path)
    ap.add_argument("--latency-ms", type=float, default=0.0)
    ap.add_argument("--gzip", action="store_true")
    ap.add_argument("--max-seconds", type=float, default=1800.0)
    args = ap.parse_args()
    server = serve(args.corpus, args.port, args.latency_ms, args.gzip)
    port = server.server_address[1]
    if args.port_file:
        args.port_file.write_text(str(port))
    print(f"serving {args.corpus} at http://127.0.0.1:{port}/", flush=True)
    time.sleep(args.max_seconds)
    server.shutdown()


if __name__ == "__main__":
    main()
