"""The ledger at synth names only CAs of the stack, and never an ExistingCa's own serial.

Checked by a validation cdktf runs at synth, once main.py has built every CA; the error
reaches Python as jsii's RuntimeError, carrying the project's ValueError text.
"""

from __future__ import annotations

import json
from pathlib import Path

import cdktf
import pytest
from ca_factory import self_signed_ca_pem
from cdktf import TerraformStack
from cdktf_cdktf_provider_tls.provider import TlsProvider
from synth_helpers import fresh_app, make_stack

from ca_constructs.existing_ca import ExistingCa
from ca_constructs.intermediate_ca import IntermediateCa
from ca_constructs.service_cert import ServiceCert

STACK = "internal-ca"
ADOPTED_SERIAL = 0x1234


def _ledger(folder: Path, ca: str, serial: str) -> None:
    entry = {
        "ca": ca,
        "serial": serial,
        "service": "web",
        "revoked_at": "2026-12-01T09:30:00Z",
        "reason": "key_compromise",
        "live": False,
    }
    (folder / "revocations").mkdir()
    text = json.dumps({"format": 1, "stack": STACK, "revoked": [entry]})
    (folder / "revocations" / f"{STACK}.json").write_text(text)


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _root_stack_with_intermediate() -> TerraformStack:
    stack = make_stack()
    issuing = IntermediateCa(stack, "issuing", parent=stack.ca)
    ServiceCert(stack, "web", ca=issuing, dns_names=["web.internal"])
    return stack


def test_an_entry_naming_no_ca_of_the_stack_is_refused_at_synth(in_tmp: Path) -> None:
    _ledger(in_tmp, "nosuch", "0A")
    stack = _root_stack_with_intermediate()
    with pytest.raises(RuntimeError) as raised:
        cdktf.Testing.synth(stack, True)
    assert (
        f"revocations/{STACK}.json: the entry for serial 0A (service 'web'): field 'ca' value "
        f"'nosuch' is not a CA of stack '{STACK}'; expected one of ['ca', 'issuing']"
    ) in str(raised.value)


def test_an_entry_under_an_intermediate_created_after_the_ledger_was_read_passes(
    in_tmp: Path,
) -> None:
    _ledger(in_tmp, "issuing", "0A")
    doc = json.loads(cdktf.Testing.synth(_root_stack_with_intermediate(), True))
    assert doc["resource"]["terraform_data"]["revocation_ledger"]["input"] == {
        "entries": ["issuing/0A"]
    }


def _adopted_stack(folder: Path) -> TerraformStack:
    pem = self_signed_ca_pem("Adopted CA", serial=ADOPTED_SERIAL, days=3650, backdate_days=1)
    (folder / "ca-crt.pem").write_text(pem)
    stack = TerraformStack(fresh_app(), STACK)
    TlsProvider(stack, "tls")
    ca = ExistingCa(stack, "ca", cert_file="ca-crt.pem")
    ServiceCert(stack, "web", ca=ca, dns_names=["web.internal"])
    return stack


def test_an_entry_revoking_the_adopted_cas_own_certificate_is_refused_at_synth(
    in_tmp: Path,
) -> None:
    _ledger(in_tmp, "ca", f"{ADOPTED_SERIAL:04X}")
    stack = _adopted_stack(in_tmp)
    with pytest.raises(RuntimeError) as raised:
        cdktf.Testing.synth(stack, True)
    assert "serial 1234 is CA 'ca''s own certificate (the root); revoking a CA is not" in str(
        raised.value
    )
