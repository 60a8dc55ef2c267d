"""Revocation in the plan: the re-key's reason, the ledger record, the unrevoke guard, the text."""

from __future__ import annotations

from typing import Any

from plan_builders import ca, change, plan, service

from internal_ca.plan.guard import GuardOptions, check, ledger_entry_removed
from internal_ca.plan.model import Action, LedgerChange, ServiceRow, Summary, Why, summarize_plan
from internal_ca.plan.render import old_certificate_text, render_markdown, render_text

REPLACE = ("delete", "create")
SERIAL = "4D85729BB4066478465F0A3F3648535A"  # plan_builders' default serial, in hex
RECORD = "terraform_data.revocation_ledger"


def revoked_rekey(name: str = "pw") -> list[dict[str, Any]]:
    """A service whose key_version input gains its live serial: what synth writes after revoke."""
    items = service(name, cert=REPLACE, key=REPLACE, key_reason="replace_by_triggers")
    marker = items[0]
    marker["change"]["actions"] = ["update"]
    marker["change"]["after"]["input"] = {
        "version": 1,
        "revoked": [{"serial": SERIAL, "reason": "key_compromise"}],
    }
    return items


def record(before: list[str] | None, after: list[str] | None) -> list[dict[str, Any]]:
    actions = ["create"] if before is None else ["delete"] if after is None else ["update"]
    if before == after:
        actions = ["no-op"]
    return [
        change(
            RECORD,
            actions,
            None if before is None else {"id": "u", "input": {"entries": before}},
            None if after is None else {"id": "u", "input": {"entries": after}},
        )
    ]


def summary(*groups: list[dict[str, Any]]) -> Summary:
    return summarize_plan("internal-ca", plan(*groups))


def only(result: Summary) -> ServiceRow:
    (row,) = result.services
    return row


def test_revoked_live_serial_is_a_rekey_saying_why() -> None:
    row = only(summary(ca(), revoked_rekey(), record(None, [f"ca/{SERIAL}"])))
    assert row.action is Action.REKEY
    assert [reason.text for reason in row.reasons if reason.why is Why.REVOKED] == [
        f"serial {SERIAL} revoked (key_compromise)"
    ]
    assert not row.has(Why.KEY_ROTATION)
    assert row.revoked == (SERIAL,)


def test_record_is_not_an_other_change_and_is_something_to_do() -> None:
    result = summary(ca(), service("pw"), record([], [f"ca/{SERIAL}"]))
    assert result.others == ()
    assert result.ledger == LedgerChange(frozenset(), frozenset({f"ca/{SERIAL}"}))
    assert not result.nothing_to_do


def test_unchanged_record_is_nothing_to_do() -> None:
    assert summary(ca(), service("pw"), record(["ca/0A"], ["ca/0A"])).nothing_to_do


# --- the guard rule: pass, trip, flag ---------------------------------------------------------


def test_growing_ledger_passes() -> None:
    result = summary(ca(), service("pw"), record(["ca/0A"], ["ca/0A", "ca/0B"]))
    assert ledger_entry_removed(result, GuardOptions()) is None


def test_removed_entry_trips() -> None:
    result = summary(ca(), service("pw"), record(["ca/0A", "ca/0B"], ["ca/0B"]))
    reason = ledger_entry_removed(result, GuardOptions())
    assert reason is not None
    assert "drop 1 revocation ledger entry (ca/0A)" in reason
    assert "revocations/internal-ca.json" in reason
    assert "--allow-unrevoke" in reason
    assert check([result], GuardOptions()) == [reason]


def test_deleted_ledger_file_trips_for_every_entry() -> None:
    result = summary(ca(), service("pw"), record(["ca/0A", "ca/0B"], None))
    reason = ledger_entry_removed(result, GuardOptions())
    assert reason is not None and "drop 2 revocation ledger entries (ca/0A, ca/0B)" in reason


def test_allow_unrevoke_lets_it_pass() -> None:
    result = summary(ca(), service("pw"), record(["ca/0A"], []))
    assert ledger_entry_removed(result, GuardOptions(allow_unrevoke=True)) is None


# --- replaced and removed certificates are named ----------------------------------------------


def test_key_rotation_names_the_old_serial_most_plainly() -> None:
    rotated = service(
        "pw", cert=REPLACE, key=REPLACE, key_reason="replace_by_triggers", version=(1, 2)
    )
    result = summary(ca(), rotated)
    text = render_text([result], [])
    assert (
        f"KEY ROTATION: the old key's certificate, serial {SERIAL}, stays valid until "
        "2027-01-01T00:00:00Z unless revoked" in text
    )
    assert f"internal-ca revoke pw --serial {SERIAL} --reason key_compromise" in text
    assert f"internal-ca revoke pw --serial {SERIAL}" in render_markdown([result], [])


def test_removed_and_renewed_certificates_name_serial_expiry_and_command() -> None:
    removed = only(summary(ca(), service("old", cert=["delete"])))
    assert old_certificate_text(removed, None) == (
        f"serial {SERIAL} stays valid until 2027-01-01T00:00:00Z unless revoked: "
        f"internal-ca revoke old --serial {SERIAL} --reason cessation_of_operation"
    )
    renewed = only(summary(ca(), service("pw", cert=REPLACE, cert_paths=[["ready_for_renewal"]])))
    assert "--reason superseded" in (old_certificate_text(renewed, None) or "")


def test_already_revoked_old_certificate_says_publish_the_crl() -> None:
    result = summary(ca(), revoked_rekey(), record(None, [f"ca/{SERIAL}"]))
    text = old_certificate_text(only(result), result.ledger) or ""
    assert text.startswith(f"serial {SERIAL} (expires 2027-01-01T00:00:00Z) is revoked")
    assert "internal-ca crl" in text


def test_unchanged_and_new_certificates_have_no_old_certificate_line() -> None:
    assert old_certificate_text(only(summary(ca(), service("pw"))), None) is None
    assert old_certificate_text(only(summary(ca(), service("pw", cert=["create"]))), None) is None


def test_ledger_lines_in_text_and_markdown() -> None:
    result = summary(ca(), service("pw"), record(["ca/0A"], ["ca/0B"]))
    text = render_text([result], [])
    assert "revocation ledger adds: ca/0B" in text
    assert "!! revocation ledger REMOVES: ca/0A (trusted again)" in text
    assert "revocation ledger REMOVES: ca/0A" in render_markdown([result], [])
