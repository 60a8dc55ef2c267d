"""Fixtures for the tls stand-in tests: a Terraform CLI config that installs the stand-in,
and throw-away Terraform working directories in tmp dirs.

Nothing here prints key material: command output is captured and only shown (trimmed of
PEM blocks) when a command fails.
"""

import json
import os
import pathlib
import re
import subprocess
from collections.abc import Callable
from typing import Any

import pytest

from tls_standin.install import write_cli_config

TF_TIMEOUT = 300
_PEM = re.compile(r"-----BEGIN [A-Z ]+-----.*?-----END [A-Z ]+-----", re.S)


def redact(text: str) -> str:
    """Hide PEM blocks (keys!) from text shown in a test failure."""
    return _PEM.sub("<PEM redacted>", text)


class Workspace:
    """A Terraform working directory using the stand-in provider."""

    def __init__(self, path: pathlib.Path, rc: pathlib.Path) -> None:
        self.path = path
        self.env = {
            **os.environ,
            "CHECKPOINT_DISABLE": "1",
            "TF_CLI_CONFIG_FILE": str(rc),
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
        }
        # The plugin's socket dir goes here, so a test can check that nothing is left behind.
        self.tmpdir = path / ".tmp"
        self.tmpdir.mkdir()
        self.env["TMPDIR"] = str(self.tmpdir)
        for name in ("TF_LOG", "TF_LOG_PATH", "TLS_STANDIN_CLOCK_SHIFT_HOURS"):
            self.env.pop(name, None)

    def write(self, config: dict[str, Any]) -> None:
        (self.path / "main.tf.json").write_text(json.dumps(config, indent=2))

    def tf(
        self, *args: str, ok: tuple[int, ...] = (0,), env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            ["terraform", *args, "-no-color"],
            cwd=self.path,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=TF_TIMEOUT,
            check=False,
        )
        if proc.returncode not in ok:
            pytest.fail(
                f"terraform {' '.join(args)} exited {proc.returncode}\n"
                f"stdout:\n{redact(proc.stdout)[-4000:]}\nstderr:\n{redact(proc.stderr)[-4000:]}",
                pytrace=False,
            )
        return proc

    def init(self) -> None:
        self.tf("init", "-input=false")

    def apply(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.tf("apply", "-auto-approve", "-input=false", *args, env=env)

    def state(self) -> dict[str, dict[str, Any]]:
        """address -> attribute values of every resource and data source in state."""
        shown = json.loads(self.tf("show", "-json").stdout)
        return {r["address"]: r["values"] for r in shown["values"]["root_module"]["resources"]}

    def plan_json(self, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
        """Plan to a file and return `terraform show -json` of it."""
        self.tf("plan", "-input=false", "-out=tfplan", *args, env=env)
        plan: dict[str, Any] = json.loads(self.tf("show", "-json", "tfplan").stdout)
        return plan

    def plan_exitcode(self, *args: str, env: dict[str, str] | None = None) -> int:
        proc = self.tf("plan", "-input=false", "-detailed-exitcode", *args, ok=(0, 2), env=env)
        return proc.returncode


def changes(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """address -> resource change of a shown plan."""
    return {rc["address"]: rc for rc in plan.get("resource_changes", [])}


@pytest.fixture(scope="session")
def standin_rc(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    return write_cli_config(tmp_path_factory.mktemp("standin-install"))


@pytest.fixture(scope="session")
def make_workspace(
    standin_rc: pathlib.Path, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[dict[str, Any]], Workspace]:
    def make(config: dict[str, Any]) -> Workspace:
        ws = Workspace(tmp_path_factory.mktemp("tfws"), standin_rc)
        ws.write(config)
        ws.init()
        return ws

    return make


REQUIRED_PROVIDERS = {
    "required_providers": {"tls": {"source": "hashicorp/tls", "version": "4.1.0"}}
}


@pytest.fixture(scope="session")
def required_providers() -> dict[str, Any]:
    return REQUIRED_PROVIDERS


@pytest.fixture(scope="session")
def openssl(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., str]:
    """Run the openssl CLI (the independent checker); output captured, never echoed."""

    def run(*args: str, input_text: str | None = None, ok: bool = True) -> str:
        proc = subprocess.run(
            ["openssl", *args],
            input=input_text,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if ok and proc.returncode != 0:
            pytest.fail(
                f"openssl {args[0]} failed ({proc.returncode}): {redact(proc.stderr)[-2000:]}",
                pytrace=False,
            )
        return proc.stdout + (proc.stderr if not ok else "")

    return run


@pytest.fixture(scope="session")
def plan_changes() -> Callable[[dict[str, Any]], dict[str, dict[str, Any]]]:
    """The `changes` helper (test modules cannot import conftest under importlib mode)."""
    return changes
