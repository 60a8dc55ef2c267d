"""Unit tests of the pieces Terraform cannot easily exercise: unknown-value decoding,
planning rules, the installer's idempotence and the handshake's start-up."""

import datetime as dt
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

import msgpack
import pytest
from e2e_project import pem_begin, pem_end

from tls_standin import clock, planning
from tls_standin.handshake import MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE, sweep_stale_socket_dirs
from tls_standin.install import write_cli_config
from tls_standin.schema import RESOURCES
from tls_standin.values import UNKNOWN, decode_msgpack, encode_msgpack

# PEM-shaped, not a key: what the provider's PEM pattern matches in state.
FAKE_PEM = pem_begin("PRIVATE KEY") + "\nAAAA\n" + pem_end("PRIVATE KEY") + "\n"


def test_both_unknown_forms_decode_as_unknown() -> None:
    refined = msgpack.ExtType(12, msgpack.packb({1: True}))
    data = msgpack.packb({"a": msgpack.ExtType(0, b"\x00"), "b": refined, "c": None, "d": [1]})
    assert decode_msgpack(data) == {"a": UNKNOWN, "b": UNKNOWN, "c": None, "d": [1]}


def test_encode_fills_missing_attributes_and_unknowns() -> None:
    schema = RESOURCES["tls_cert_request"]
    encoded = encode_msgpack({"private_key_pem": "k", "id": UNKNOWN}, schema.type)
    decoded = decode_msgpack(encoded)
    assert set(decoded) == {a.name for a in schema.block.attributes} | {"subject"}
    assert decoded["id"] is UNKNOWN
    assert decoded["dns_names"] is None


def _cert_state(**overrides: object) -> dict[str, object]:
    schema = RESOURCES["tls_self_signed_cert"]
    state: dict[str, object] = {a.name: None for a in schema.block.attributes}
    state.update(
        private_key_pem="k",
        validity_period_hours=48,
        allowed_uses=["server_auth"],
        early_renewal_hours=0,
        is_ca_certificate=False,
        set_subject_key_id=False,
        set_authority_key_id=False,
        subject=[],
        cert_pem="c",
        id="1",
        key_algorithm="ECDSA",
        validity_start_time=clock.rfc3339(clock.now()),
        validity_end_time=clock.rfc3339(clock.now() + dt.timedelta(hours=48)),
        ready_for_renewal=False,
    )
    state.update(overrides)
    return state


def test_plan_create_marks_computed_unknown_and_defaults() -> None:
    schema = RESOURCES["tls_private_key"]
    proposed = {a.name: None for a in schema.block.attributes} | {"algorithm": "ED25519"}
    planned, replace = planning.plan("tls_private_key", schema, None, proposed, proposed)
    assert planned is not None and replace == []
    assert planned["rsa_bits"] == 2048 and planned["ecdsa_curve"] == "P224"
    assert planned["private_key_pem"] is UNKNOWN and planned["id"] is UNKNOWN


def test_plan_refined_unknown_config_forces_replace() -> None:
    schema = RESOURCES["tls_self_signed_cert"]
    prior = _cert_state(private_key_pem=FAKE_PEM)
    proposed = dict(prior, private_key_pem=UNKNOWN)
    planned, replace = planning.plan("tls_self_signed_cert", schema, prior, proposed, proposed)
    assert replace == ["private_key_pem"]
    assert planned is not None and planned["cert_pem"] is UNKNOWN


def test_plan_early_renewal_hours_in_place_and_renewal_window() -> None:
    schema = RESOURCES["tls_self_signed_cert"]
    prior = _cert_state()
    proposed = dict(prior, early_renewal_hours=1)
    planned, replace = planning.plan("tls_self_signed_cert", schema, prior, proposed, proposed)
    assert replace == [] and planned == proposed
    proposed = dict(prior, early_renewal_hours=48)
    planned, replace = planning.plan("tls_self_signed_cert", schema, prior, proposed, proposed)
    assert replace == ["ready_for_renewal"]
    assert planned is not None and planned["ready_for_renewal"] is UNKNOWN
    assert planning.refresh("tls_self_signed_cert", proposed)["ready_for_renewal"] is True


def test_clock_shift(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(clock.CLOCK_SHIFT_ENV, "-2.5")
    delta = dt.datetime.now(dt.UTC) - clock.now()
    assert 2.49 * 3600 < delta.total_seconds() < 2.51 * 3600


def test_install_is_idempotent(tmp_path: pathlib.Path) -> None:
    rc = write_cli_config(tmp_path, python="/usr/bin/python3")
    launcher = next((tmp_path / "mirror").rglob("terraform-provider-tls_v4.1.0"))
    assert launcher.stat().st_mode & 0o777 == 0o755
    assert launcher.read_text().startswith("#!/bin/sh\n")
    assert "exec /usr/bin/python3 -m tls_standin" in launcher.read_text()
    assert (
        launcher.parent == tmp_path / "mirror/registry.terraform.io/hashicorp/tls/4.1.0/linux_amd64"
    )
    text = rc.read_text()
    assert 'include = ["registry.terraform.io/hashicorp/tls"]' in text
    assert 'exclude = ["registry.terraform.io/hashicorp/tls"]' in text
    stamp = launcher.stat().st_mtime_ns
    time.sleep(0.01)
    assert write_cli_config(tmp_path, python="/usr/bin/python3") == rc
    assert launcher.stat().st_mtime_ns == stamp
    write_cli_config(tmp_path, python=sys.executable)
    assert launcher.stat().st_mtime_ns != stamp


def test_install_cli_prints_rc_path(tmp_path: pathlib.Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "tls_standin.install", str(tmp_path)],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    assert out.stdout.strip() == str(tmp_path.resolve() / "terraformrc")


def test_plugin_refuses_to_run_without_cookie() -> None:
    env = {k: v for k, v in os.environ.items() if k != MAGIC_COOKIE_KEY}
    proc = subprocess.run(
        [sys.executable, "-m", "tls_standin"], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 1
    assert "plugin" in proc.stderr and proc.stdout == ""


def _handshake(env: dict[str, str]) -> tuple[str, int]:
    """Start the stand-in, read its handshake line, check its socket folder, SIGKILL it."""
    proc = subprocess.Popen([sys.executable, "-m", "tls_standin"], env=env, stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().decode().strip()
        core, app, network, address, protocol, cert = line.split("|")
        assert (core, app, network, protocol) == ("1", "6", "unix", "grpc")
        assert address.endswith("/plugin.sock") and "=" not in cert and len(cert) > 100
        folder = pathlib.Path(address).parent
        assert folder.name.startswith(f"tls-standin-{proc.pid}-")
        assert folder.stat().st_mode & 0o777 == 0o700
    finally:
        proc.kill()
        proc.wait()
    return address, proc.pid


def test_handshake_line_and_socket_folder() -> None:
    # Not tmp_path: a unix socket path must fit in 108 bytes, and pytest's folders are long.
    base = pathlib.Path(tempfile.mkdtemp(prefix="standin-test-"))
    env = dict(
        os.environ,
        TMPDIR=str(base),
        **{MAGIC_COOKIE_KEY: MAGIC_COOKIE_VALUE, "PLUGIN_PROTOCOL_VERSIONS": "6"},
        PLUGIN_CLIENT_CERT="-----BEGIN CERTIFICATE-----\nunused\n-----END CERTIFICATE-----\n",
    )
    try:
        first, _ = _handshake(env)
        # A SIGKILLed stand-in cannot clean up: its folder stays until the next one starts.
        assert pathlib.Path(first).parent.exists()
        second, _ = _handshake(env)
        assert not pathlib.Path(first).parent.exists()
        assert pathlib.Path(second).parent.exists()
    finally:
        shutil.rmtree(base)


def test_socket_folders_of_dead_stand_ins_are_swept(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    )
    dead = tmp_path / f"tls-standin-{done.stdout.strip()}-abc123"
    live = tmp_path / f"tls-standin-{os.getpid()}-def456"
    unrelated = tmp_path / "tls-standin-old_format"
    for folder in (dead, live, unrelated):
        folder.mkdir()
        (folder / "plugin.sock").touch()
    sweep_stale_socket_dirs()
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([live.name, unrelated.name])
