"""Networking like a good citizen: proxies and CAs from the environment and the config, TLS errors
that name the cause, one host's self-signed certificate trusted on purpose. Loopback only: a TLS
server with a certificate made here (openssl), and a loopback proxy."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from blogtui.config import Config, load_config
from blogtui.errors import ConfigError
from blogtui.library import Library
from feedserver import FeedServer, Request, Response


def rss(title: str, count: int = 2) -> bytes:
    items = "".join(
        f"<item><title>{title} {n}</title><link>https://x.example/{n}</link><guid>{title}-{n}</guid></item>"
        for n in range(count)
    )
    head = f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
    return f"{head}{items}</channel></rss>".encode()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost: (cert.pem, key.pem)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("needs the openssl command to make a certificate (cryptography is not installed)")
    where = tmp_path_factory.mktemp("tls")
    cert, key = where / "cert.pem", where / "key.pem"
    done = subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
            "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"openssl could not make a certificate: {done.stderr.strip()[:200]}")
    return cert, key


@pytest.fixture
def tls_server(certificate: tuple[Path, Path]) -> Iterator[FeedServer]:
    server = FeedServer()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(certificate[0]), str(certificate[1]))
    server.httpd.socket = context.wrap_socket(server.httpd.socket, server_side=True)
    server.add("/feed.xml", rss("Secure"))
    server.start()
    yield server
    server.stop()


def https_url(server: FeedServer, path: str = "/feed.xml") -> str:
    return f"https://127.0.0.1:{server.port}{path}"


def subscribe(data_dir: Path, url: str, **config: object) -> tuple[str | None, int]:
    library = Library(data_dir, Config(**config))  # type: ignore[arg-type]
    try:
        [outcome] = library.subscribe([url], archive=False)
        return outcome.error, outcome.new_posts
    finally:
        library.close()


# -- TLS ----------------------------------------------------------------------------------------


def test_a_self_signed_certificate_is_named(tls_server: FeedServer, data_dir: Path) -> None:
    error, _ = subscribe(data_dir, https_url(tls_server))
    assert error is not None and "certificate verify failed: self-signed certificate" in error
    assert "event loop" not in error


def test_https_to_a_plain_http_port_says_not_tls(server: FeedServer, data_dir: Path) -> None:
    server.add("/feed.xml", rss("Plain"))
    error, _ = subscribe(data_dir, f"https://127.0.0.1:{server.port}/feed.xml")
    assert error is not None and error.startswith("not TLS: wrong version number")


def test_the_cli_names_the_tls_cause(
    tls_server: FeedServer, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from conftest import run

    code, _out, err = run(capsys, "add", "--no-archive", https_url(tls_server))
    assert code == 1
    assert "certificate verify failed: self-signed certificate" in err and "no running event loop" not in err


def test_trust_cert_trusts_that_host_only(
    tls_server: FeedServer, certificate: tuple[Path, Path], data_dir: Path
) -> None:
    error, new = subscribe(data_dir, https_url(tls_server), trust_cert=f"127.0.0.1={certificate[0]}")
    assert error is None and new == 2
    # The same certificate does not vouch for another host name.
    error, _ = subscribe(
        data_dir, f"https://localhost:{tls_server.port}/feed.xml", trust_cert=f"x.example={certificate[0]}"
    )
    assert error is not None and "self-signed" in error


def test_ca_file_adds_a_ca(tls_server: FeedServer, certificate: tuple[Path, Path], data_dir: Path) -> None:
    error, new = subscribe(data_dir, https_url(tls_server), ca_file=str(certificate[0]))
    assert error is None and new == 2


def test_ssl_cert_file_is_honoured(
    tls_server: FeedServer, certificate: tuple[Path, Path], data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    error, new = subscribe(data_dir, https_url(tls_server))
    assert error is None and new == 2


def test_ssl_cert_dir_is_honoured(
    tls_server: FeedServer,
    certificate: tuple[Path, Path],
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    openssl = shutil.which("openssl")
    assert openssl is not None
    ca_dir = tmp_path / "certs"
    ca_dir.mkdir()
    subject_hash = subprocess.run(
        [openssl, "x509", "-hash", "-noout", "-in", str(certificate[0])],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    shutil.copy(certificate[0], ca_dir / f"{subject_hash}.0")
    monkeypatch.setenv("SSL_CERT_DIR", str(ca_dir))
    error, new = subscribe(data_dir, https_url(tls_server))
    assert error is None and new == 2


# -- proxies ------------------------------------------------------------------------------------


@pytest.fixture
def proxy() -> Iterator[FeedServer]:
    """A loopback HTTP proxy: it answers absolute-URI requests itself (no request goes further)."""
    server = FeedServer()
    server.add("http://feeds.example/feed.xml", rss("Proxied"))
    server.start()
    yield server
    server.stop()


def test_http_proxy_from_the_environment(
    proxy: FeedServer, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("http_proxy", proxy.base)
    monkeypatch.setenv("NO_PROXY", "")
    error, new = subscribe(data_dir, "http://feeds.example/feed.xml")
    assert error is None and new == 2
    assert [r.path for r in proxy.requests] == ["http://feeds.example/feed.xml"]


def test_no_proxy_goes_straight_there(
    proxy: FeedServer, server: FeedServer, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = server.add("/direct.xml", rss("Direct"))
    monkeypatch.setenv("http_proxy", proxy.base)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    error, new = subscribe(data_dir, url)
    assert error is None and new == 2
    assert proxy.requests == [] and len(server.hits("/direct.xml")) == 1
    # ... and with the config's proxy too.
    error, _ = subscribe(data_dir, url, proxy=proxy.base)
    assert error is None and proxy.requests == []


def test_the_config_proxy_replaces_the_environments(
    proxy: FeedServer, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("NO_PROXY", "")
    error, new = subscribe(data_dir, "http://feeds.example/feed.xml", proxy=proxy.base)
    assert error is None and new == 2
    assert len(proxy.requests) == 1


def test_a_proxy_that_is_down_is_named(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "")
    error, _ = subscribe(data_dir, "http://feeds.example/feed.xml", proxy="http://127.0.0.1:9")
    assert error is not None and "refused" in error


def test_the_proxy_sees_a_407_as_an_error(
    proxy: FeedServer, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def ask(_request: Request) -> Response:
        return Response(b"", 407, headers={"Proxy-Authenticate": 'Basic realm="x"'})

    proxy.add("http://feeds.example/feed.xml", ask)
    monkeypatch.setenv("NO_PROXY", "")
    error, _ = subscribe(data_dir, "http://feeds.example/feed.xml", proxy=proxy.base)
    assert error is not None and "407" in error


# -- the settings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('proxy = "proxy.example:3128"', "must be a proxy URL"),
        ('ca_file = "/nonexistent/ca.pem"', "no such file"),
        ('trust_cert = "nas.lan"', 'must be "HOST=CERT.pem"'),
        ('trust_cert = "nas.lan=/nonexistent.pem"', "/nonexistent.pem: no such file"),
    ],
)
def test_bad_network_settings_are_one_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(line + "\n")
    with pytest.raises(ConfigError, match="^" + str(path).replace(".", r"\.")) as caught:
        load_config(path)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_good_network_settings_load(tmp_path: Path, certificate: tuple[Path, Path]) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        'proxy = "http://proxy.example:3128"\n'
        f'ca_file = "{certificate[0]}"\ntrust_cert = "nas.lan:8443={certificate[0]}"\n'
    )
    config = load_config(path)
    assert config.proxy == "http://proxy.example:3128" and config.trust_cert.startswith("nas.lan:8443=")
