"""A real TLS handshake on 127.0.0.1 with an issued certificate and hostname verification."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from cert_checks import secret_dir, write_private
from e2e_project import TempProject, service_line

pytestmark = [pytest.mark.e2e, pytest.mark.conformance]

HOST = "app.internal.example"


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Two separate CAs, so a client trusting the wrong one can be shown to fail."""
    result: dict[str, str] = {}
    for label in ("ours", "other"):
        project = TempProject(tmp_path_factory.mktemp(label) / "project")
        project.write_app(service_line("app", HOST, "app"))
        project.deploy()
        info = project.services()["app"]
        result[f"{label}_ca"] = info["ca_cert_pem"]
        result[f"{label}_cert"] = info["cert_pem"]
        result[f"{label}_key"] = project.private_key("app")
    return result


@contextmanager
def tls_server(cert_pem: str, key_pem: str) -> Iterator[int]:
    """A one-connection-at-a-time TLS server on 127.0.0.1; yields its port."""
    with secret_dir() as folder:
        cert = folder / "crt.pem"
        cert.write_text(cert_pem)
        key = write_private(folder / "key.pem", key_pem)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)
    port = listener.getsockname()[1]
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except (TimeoutError, OSError):
                return
            try:
                with context.wrap_socket(conn, server_side=True) as tls:
                    tls.sendall(b"hello\n")
            except (ssl.SSLError, OSError):
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        stop.set()
        listener.close()
        thread.join(timeout=10)


def _client(ca_pem: str, port: int, server_name: str) -> bytes:
    context = ssl.create_default_context(cadata=ca_pem)
    assert context.check_hostname and context.verify_mode == ssl.CERT_REQUIRED
    with (
        socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=server_name) as tls,
    ):
        return tls.recv(16)


def test_client_trusting_only_our_ca_connects(issued: dict[str, str]) -> None:
    with tls_server(issued["ours_cert"], issued["ours_key"]) as port:
        assert _client(issued["ours_ca"], port, HOST) == b"hello\n"
        assert _client(issued["ours_ca"], port, "app") == b"hello\n"


def test_a_name_outside_the_sans_is_rejected(issued: dict[str, str]) -> None:
    with (
        tls_server(issued["ours_cert"], issued["ours_key"]) as port,
        pytest.raises(ssl.SSLCertVerificationError, match="Hostname mismatch"),
    ):
        _client(issued["ours_ca"], port, "other.internal.example")


def test_a_client_trusting_another_ca_is_rejected(issued: dict[str, str]) -> None:
    assert issued["other_ca"] != issued["ours_ca"]
    with (
        tls_server(issued["ours_cert"], issued["ours_key"]) as port,
        pytest.raises(ssl.SSLCertVerificationError, match="unable to get local issuer"),
    ):
        _client(issued["other_ca"], port, HOST)
