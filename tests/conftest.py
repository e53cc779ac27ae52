"""Shared fixtures: every test runs with its own data/config dirs and no network beyond loopback."""

from __future__ import annotations

import ipaddress
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from feedserver import FeedServer

DATA = Path(__file__).parent / "data"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real"


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every blogtui and XDG path into ``tmp_path``; the real home is never touched."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("BLOGTUI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BLOGTUI_CONFIG_DIR", str(tmp_path / "config"))
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(name, str(home / name.lower()))
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    return tmp_path


@pytest.fixture(autouse=True)
def instant_debounce(monkeypatch: pytest.MonkeyPatch) -> None:
    """The reader's debounce delays are 0 in tests (a test of the debounce itself sets them back)."""
    from blogtui.ui.screens.main import MainScreen

    monkeypatch.setattr(MainScreen, "highlight_delay", 0.0)
    monkeypatch.setattr(MainScreen, "query_delay", 0.0)


_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: object) -> object:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and self.family in (socket.AF_INET, socket.AF_INET6):
        if not (host.startswith("127.") or host in ("::1", "localhost")):
            raise OSError(f"test tried to reach the network: {address!r}")
    return _real_connect(self, address)


_real_getaddrinfo = socket.getaddrinfo


def _no_name_lookups(host: object, *args: object, **kwargs: object) -> object:
    # A name other than localhost would be looked up by the system's resolver, over the network:
    # how long that takes to fail is the machine's (seconds where no DNS server answers), and
    # what a test sees must not depend on it.
    name = host.decode() if isinstance(host, bytes) else host
    if isinstance(name, str) and name and name != "localhost" and not _is_address(name):
        raise socket.gaierror(socket.EAI_NONAME, f"test tried to look up {name!r} (no network)")
    return _real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection to a non-loopback address fails the test, and a name other than localhost
    is not looked up (it fails at once, as a name no resolver knows)."""
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)
    monkeypatch.setattr(socket, "getaddrinfo", _no_name_lookups)


@pytest.fixture
def data_dir(isolated: Path) -> Path:
    """The data dir the test's library uses."""
    return isolated / "data"


@pytest.fixture
def server() -> Iterator[FeedServer]:
    """A loopback HTTP server on 127.0.0.1 for this test."""
    srv = FeedServer()
    # stop() waits for serve_forever's next poll: at its default 0.5 s, half a second per test.
    srv.thread = threading.Thread(target=srv.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def library(data_dir: Path) -> Iterator[object]:
    """An empty library in the test's data dir."""
    from blogtui.library import Library

    lib = Library(data_dir)
    try:
        yield lib
    finally:
        lib.close()


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the CLI in-process: its exit code, stdout and stderr (argparse's exits included)."""
    from blogtui.cli import main

    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse rejects bad usage by exiting
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err
