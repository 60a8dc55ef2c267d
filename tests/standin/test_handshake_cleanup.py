"""A stand-in whose Terraform is gone mid-handshake leaves no socket folder behind.

The handshake line is the last step of starting: when it cannot be written (Terraform
closed the pipe), the `tls-standin-<pid>-…` folder already made must go with the error.
"""

from __future__ import annotations

import os
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc  # type: ignore[import-untyped]  # grpcio ships no type stubs
import pytest

from tls_standin import handshake


class _ClosedPipe:
    """Standard output after Terraform has gone: every write fails."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")


@pytest.fixture
def servers(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Every gRPC server main() makes, stopped afterwards; SIGINT as it was before."""
    made: list[Any] = []
    real = grpc.server

    def recording(*args: Any, **kwargs: Any) -> Any:
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(grpc, "server", recording)
    interrupt = signal.getsignal(signal.SIGINT)
    try:
        yield made
    finally:
        signal.signal(signal.SIGINT, interrupt)
        for server in made:
            server.stop(grace=None).wait(5.0)


def test_a_handshake_line_that_cannot_be_written_leaves_no_socket_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, servers: list[Any]
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setenv(handshake.MAGIC_COOKIE_KEY, handshake.MAGIC_COOKIE_VALUE)
    monkeypatch.setenv("PLUGIN_PROTOCOL_VERSIONS", str(handshake.APP_PROTOCOL_VERSION))
    monkeypatch.delenv("PLUGIN_CLIENT_CERT", raising=False)
    monkeypatch.setattr("sys.stdout", _ClosedPipe())
    with pytest.raises(BrokenPipeError):
        handshake.main()
    assert servers, "main() failed before it started serving: not the handshake write"
    left = [path.name for path in tmp_path.iterdir()]
    assert not [name for name in left if name.startswith(f"tls-standin-{os.getpid()}-")], left
