"""Shared helpers for the operations CLI tests: call `main(argv)` in-process, capture output."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from e2e_project import REPO, redact

from internal_ca.cli import main


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str

    def explain(self) -> str:
        return redact(f"exit {self.code}\nstdout:\n{self.out}\nstderr:\n{self.err}")[-3000:]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], tool_env: None) -> Callable[..., Ran]:
    """`cli(*argv)` runs internal_ca.cli.main in this process and returns code and output."""

    def call(*argv: str) -> Ran:
        capsys.readouterr()
        try:
            code = main(list(argv))
        except SystemExit as stop:  # argparse: --help and usage errors
            code = int(stop.code or 0)
        captured = capsys.readouterr()
        ran = Ran(code, captured.out, captured.err)
        # Leak canary on every call: no command may print a PEM private key block.
        assert "PRIVATE KEY" not in ran.out + ran.err, f"internal-ca {argv[0]} printed a key"
        return ran

    return call


@pytest.fixture
def tool_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment TempProject uses for its subprocesses, for in-process calls."""
    monkeypatch.setenv("CA_TLS_PROVIDER", "standin")
    monkeypatch.setenv("INTERNAL_CA_TOOLS", str(REPO))
    monkeypatch.setenv("CHECKPOINT_DISABLE", "1")
    monkeypatch.setenv("NODE_OPTIONS", "--no-deprecation")
    monkeypatch.delenv("TLS_STANDIN_CLOCK_SHIFT_HOURS", raising=False)
