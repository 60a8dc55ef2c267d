"""Every error path shows Terraform's reason and never its key material.

A fake `terraform` on PATH fails the one subcommand a test names, printing a private key
(PEM, bare base64 body, and inside a JSON string) with its error on both streams. The real
commands run against a tiny app, through the real workspace and diagnostics code.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from plan_builders import service

REPO = Path(__file__).resolve().parents[2]
STACK = "canary"

_KEY = ec.generate_private_key(ec.SECP256R1())
CANARY_PEM = _KEY.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
).decode()
CANARY_BODY = [line for line in CANARY_PEM.splitlines() if not line.startswith("-----")]

FAKE_APP = textwrap.dedent(
    f"""\
    import json, os, pathlib
    out = pathlib.Path(os.environ["CDKTF_OUTDIR"])
    stack = out / "stacks" / {STACK!r}
    stack.mkdir(parents=True, exist_ok=True)
    (stack / "cdk.tf.json").write_text(json.dumps({{"terraform": {{}}}}))
    (out / "manifest.json").write_text(json.dumps({{"stacks": {{{STACK!r}: {{}}}}}}))
    """
)

FAKE_TERRAFORM = textwrap.dedent(
    """\
    import json, os, pathlib, sys
    args = sys.argv[1:]
    command = args[0]
    if command == os.environ["FAKE_TF_FAIL"]:
        noise = pathlib.Path(os.environ["FAKE_TF_NOISE"]).read_text()
        print(noise)
        print(noise, file=sys.stderr)
        sys.exit(1)
    if command == "plan":
        out = [arg for arg in args if arg.startswith("-out=")]
        if out:
            pathlib.Path(out[0][len("-out="):]).write_text("fake plan")
    if command == "show":
        print(pathlib.Path(os.environ["FAKE_TF_SHOW"]).read_text())
    if command == "state" and args[1] == "pull":
        print(json.dumps({"version": 4, "serial": 1, "resources": []}))
    if command == "output":
        print("{}")
    """
)


def _noise() -> str:
    """What a misbehaving provider or a crash could print: the key in every shape."""
    return "\n".join(
        [
            "Error: planted failure",
            "",
            "  on cdk.tf.json line 1, in resource.tls_private_key.web:",
            CANARY_PEM,
            "│ " + "".join(CANARY_BODY),
            *(f"│   {line}" for line in CANARY_BODY),
            json.dumps({"private_key_pem": CANARY_PEM}),
        ]
    )


def _leaks(text: str) -> list[str]:
    found = [line for line in CANARY_BODY if line in text or line in text.replace("\\n", "")]
    if "PRIVATE KEY" in text:
        found.append("PRIVATE KEY")
    return found


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "app.py").write_text(FAKE_APP)
    config = {"language": "python", "app": f"{sys.executable} app.py", "context": {}}
    (root / "cdktf.json").write_text(json.dumps(config))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "terraform"
    fake.write_text(f"#!{sys.executable}\n" + FAKE_TERRAFORM)
    fake.chmod(0o755)
    (tmp_path / "noise.txt").write_text(_noise())
    document = {
        "format_version": "1.2",
        "planned_values": {"root_module": {}},
        "resource_changes": service("web", cert=("create",), key=("create",)),
        "output_changes": {},
    }
    (tmp_path / "show.json").write_text(json.dumps(document))
    return root


def _run(project: Path, fail: str, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.update(
        {
            "PATH": f"{project.parent / 'bin'}{os.pathsep}{env['PATH']}",
            "CA_TLS_PROVIDER": "registry",
            "FAKE_TF_FAIL": fail,
            "FAKE_TF_NOISE": str(project.parent / "noise.txt"),
            "FAKE_TF_SHOW": str(project.parent / "show.json"),
            "INTERNAL_CA_TOOLS": str(REPO),
            **extra,
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "internal_ca", *args],
        cwd=project,
        env=env,
        text=True,
        capture_output=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize(
    ("fail", "args"),
    [
        ("init", ("plan",)),
        ("plan", ("plan",)),
        ("show", ("plan",)),
        ("init", ("deploy", "--auto-approve")),
        ("plan", ("deploy", "--auto-approve")),
        # The fake plan issues a certificate with no CA in state: a first deploy.
        ("apply", ("deploy", "--auto-approve", "--initial")),
    ],
)
def test_no_error_path_echoes_a_key(project: Path, fail: str, args: tuple[str, ...]) -> None:
    done = _run(project, fail, *args)
    output = done.stdout + done.stderr
    assert done.returncode != 0, output[-2000:]
    assert _leaks(output) == []
    assert "planted failure" in output  # the reason itself reaches the user


@pytest.mark.parametrize(
    "state_text",
    [
        '{"version": 4, "serial": 1, "lineage": "x", "outputs": KEY, "resources": []}',
        '{"version": 4, "serial": 1, "lineage": "x", "resources": [KEY]}',
        '{"version": 4, "serial": "KEY", "resources": []}',
        "KEY",
    ],
)
@pytest.mark.parametrize("args", [("inventory",), ("verify",), ("export", "out")])
def test_read_only_commands_echo_no_key_from_a_broken_state(
    project: Path, state_text: str, args: tuple[str, ...]
) -> None:
    """They read the state themselves: its errors name positions, never values."""
    state = project / "state"
    state.mkdir(mode=0o700)
    (state / f"{STACK}.tfstate").write_text(state_text.replace("KEY", json.dumps(CANARY_PEM)))
    done = _run(project, "none", *args)
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert _leaks(output) == []
    assert "state" in output


def test_migrate_state_error_path_echoes_no_key(project: Path) -> None:
    state = project / "state"
    state.mkdir(mode=0o700)
    local = {"version": 4, "serial": 1, "lineage": "canary", "resources": []}
    (state / f"{STACK}.tfstate").write_text(json.dumps(local))
    done = _run(
        project,
        "init",
        "migrate-state",
        INTERNAL_CA_BACKEND="pg",
        INTERNAL_CA_MIGRATING="1",
    )
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert _leaks(output) == []
    assert "planted failure" in output
