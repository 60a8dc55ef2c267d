"""The ledger at synth: a revoked live certificate re-keys its service; state records the ledger."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cdktf
import pytest
from cdktf import TerraformStack
from cdktf_cdktf_provider_tls.provider import TlsProvider
from synth_helpers import CA_SUBJECT, fresh_app, synth_with

from ca_constructs.intermediate_ca import IntermediateCa
from ca_constructs.key_spec import ecdsa
from ca_constructs.service_cert import ServiceCert
from stacks.ca_stack import CaStack

LIVE = "4FAF003F016DF5EAB197E9FA4F82F786"


def _ledger(folder: Path, *entries: dict[str, object], stack: str = "internal-ca") -> None:
    (folder / "revocations").mkdir(exist_ok=True)
    text = json.dumps({"format": 1, "stack": stack, "revoked": list(entries)})
    (folder / "revocations" / f"{stack}.json").write_text(text)


def _entry(serial: str, service: str, live: bool) -> dict[str, object]:
    return {
        "ca": "ca",
        "serial": serial,
        "service": service,
        "revoked_at": "2026-12-01T09:30:00Z",
        "reason": "key_compromise",
        "live": live,
    }


def _two_services() -> dict[str, Any]:
    def build(stack: CaStack) -> None:
        ServiceCert(stack, "web", ca=stack.ca, dns_names=["web.internal"])
        ServiceCert(stack, "wiki", ca=stack.ca, dns_names=["wiki.internal"])

    return synth_with(build)


def test_no_ledger_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    doc = _two_services()
    assert set(doc["resource"]["terraform_data"]) == {"web_key_version", "wiki_key_version"}
    assert doc["resource"]["terraform_data"]["web_key_version"]["input"] == {"version": 1}


def test_revoked_live_serial_joins_that_services_key_version_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _ledger(tmp_path, _entry(LIVE, "web", True), _entry("0A", "wiki", False))
    data = _two_services()["resource"]["terraform_data"]
    assert data["web_key_version"]["input"] == {
        "version": 1,
        "revoked": [{"serial": LIVE, "reason": "key_compromise"}],
    }
    assert data["wiki_key_version"]["input"] == {"version": 1}  # not live: no new key


def test_ledger_is_recorded_in_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _ledger(tmp_path, _entry(LIVE, "web", True), _entry("0A", "wiki", False))
    record = _two_services()["resource"]["terraform_data"]["revocation_ledger"]
    assert record["input"] == {"entries": ["ca/0A", f"ca/{LIVE}"]}


def test_a_stack_whose_services_were_all_removed_still_records_its_ledger(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without the record, the plan would show it deleted: entries dropped, deploy refused.
    monkeypatch.chdir(tmp_path)
    _ledger(tmp_path, _entry(LIVE, "web", False))
    doc = synth_with(lambda stack: IntermediateCa(stack, "issuing", parent=stack.ca))
    record = doc["resource"]["terraform_data"]["revocation_ledger"]
    assert record["input"] == {"entries": [f"ca/{LIVE}"]}


def test_a_stack_without_services_or_revocations_has_no_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert "terraform_data" not in synth_with(lambda stack: None)["resource"]


def test_bad_ledger_stops_synth_naming_file_entry_and_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    bad = _entry(LIVE, "web", True) | {"reason": "stolen"}
    _ledger(tmp_path, bad)
    with pytest.raises(ValueError, match=r"revocations/internal-ca.json: entry 0: field 'reason'"):
        _two_services()


def _cross_stack(services: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """The CA's stack and a stack "edge" whose only services the CA in the other one signs.

    Synthesized with validations, as `app.synth()` runs them.
    """
    app = fresh_app()
    home = CaStack(app, "internal-ca", ca_subject=CA_SUBJECT, ca_key=ecdsa("P256"))
    edge = TerraformStack(app, "edge")
    TlsProvider(edge, "tls")
    if services:
        ServiceCert(edge, "api", ca=home.ca, dns_names=["api.internal"])
    return (
        json.loads(cdktf.Testing.synth(home, True)),
        json.loads(cdktf.Testing.synth(edge, True)),
    )


def _record(doc: dict[str, Any]) -> object:
    return doc.get("resource", {}).get("terraform_data", {}).get("revocation_ledger")


def test_removing_cross_stack_services_changes_no_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A cross-stack service's revocation is the signing CA's: `revoke --stack internal-ca
    # --serial` writes it to that stack's ledger, whose CA keeps the record in state. The
    # services' own stack holds no record, so removing them drops none.
    monkeypatch.chdir(tmp_path)
    _ledger(tmp_path, _entry(LIVE, "api", False))
    home_with, edge_with = _cross_stack(services=True)
    home_without, edge_without = _cross_stack(services=False)
    assert _record(home_with) == _record(home_without)
    assert _record(home_with) == {"input": {"entries": [f"ca/{LIVE}"]}}
    assert _record(edge_with) is None
    assert _record(edge_without) is None


def test_a_stack_without_a_ca_cannot_hold_revocations_at_synth(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Why a CA-less stack never has a record in state to lose: its ledger could only name a
    # CA of another stack, refused at synth while it has a service.
    monkeypatch.chdir(tmp_path)
    _ledger(tmp_path, _entry(LIVE, "api", False), stack="edge")
    with pytest.raises(RuntimeError) as raised:
        _cross_stack(services=True)
    assert (
        "revocations/edge.json: the entry for serial 4FAF003F016DF5EAB197E9FA4F82F786 (service "
        "'api'): field 'ca' value 'ca' is not a CA of stack 'edge'; expected one of []"
    ) in str(raised.value)
