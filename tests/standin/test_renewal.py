"""Early renewal with the test-only clock shift (TLS_STANDIN_CLOCK_SHIFT_HOURS).

A cert valid 48 h with early_renewal_hours 24 is due for renewal from hour 24 on: a plan
30 h "later" replaces it on the path ready_for_renewal (as the real provider does), a plan
at the real time changes nothing, and an apply in the future issues a new serial for the
same key.
"""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

SHIFT = "TLS_STANDIN_CLOCK_SHIFT_HOURS"
CERTS = ("tls_self_signed_cert.ca", "tls_locally_signed_cert.leaf")


@pytest.fixture(scope="module")
def ws(make_workspace: Callable[[dict[str, Any]], Any], required_providers: dict[str, Any]) -> Any:
    config = {
        "terraform": required_providers,
        "resource": {
            "tls_private_key": {
                "ca": {"algorithm": "ECDSA", "ecdsa_curve": "P256"},
                "leaf": {"algorithm": "ECDSA", "ecdsa_curve": "P256"},
            },
            "tls_self_signed_cert": {
                "ca": {
                    "private_key_pem": "${tls_private_key.ca.private_key_pem}",
                    "subject": [{"common_name": "Renewal CA"}],
                    "validity_period_hours": 48,
                    "early_renewal_hours": 24,
                    "allowed_uses": ["cert_signing"],
                    "is_ca_certificate": True,
                }
            },
            "tls_cert_request": {
                "leaf": {
                    "private_key_pem": "${tls_private_key.leaf.private_key_pem}",
                    "subject": [{"common_name": "renew.internal.test"}],
                }
            },
            "tls_locally_signed_cert": {
                "leaf": {
                    "cert_request_pem": "${tls_cert_request.leaf.cert_request_pem}",
                    "ca_cert_pem": "${tls_self_signed_cert.ca.cert_pem}",
                    "ca_private_key_pem": "${tls_private_key.ca.private_key_pem}",
                    "validity_period_hours": 48,
                    "early_renewal_hours": 24,
                    "allowed_uses": ["server_auth"],
                }
            },
        },
    }
    workspace = make_workspace(config)
    workspace.apply()
    return workspace


def _parse(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_no_changes_before_the_window(ws: Any) -> None:
    assert ws.plan_exitcode() == 0
    assert ws.plan_exitcode(env={SHIFT: "23"}) == 0


def test_plan_in_the_window_replaces_on_ready_for_renewal(
    ws: Any, plan_changes: Callable[..., Any]
) -> None:
    plan = plan_changes(ws.plan_json(env={SHIFT: "30"}))
    for address in CERTS:
        change = plan[address]
        assert change["change"]["actions"] in (["delete", "create"], ["create", "delete"])
        assert ["ready_for_renewal"] in change["change"]["replace_paths"], address
    assert plan["tls_private_key.leaf"]["change"]["actions"] == ["no-op"]
    assert ws.plan_exitcode(env={SHIFT: "0"}) == 0


def test_apply_in_the_window_renews_with_same_key(ws: Any) -> None:
    before = ws.state()
    ws.apply(env={SHIFT: "30"})
    after = ws.state()
    for address in CERTS:
        assert after[address]["id"] != before[address]["id"]
        shifted = _parse(after[address]["validity_start_time"]) - _parse(
            before[address]["validity_start_time"]
        )
        assert dt.timedelta(hours=29) < shifted < dt.timedelta(hours=31)
        assert after[address]["ready_for_renewal"] is False
    assert after["tls_private_key.leaf"]["id"] == before["tls_private_key.leaf"]["id"]
    assert after["tls_cert_request.leaf"]["id"] == before["tls_cert_request.leaf"]["id"]
    # Issued 30 h "later": no longer due at shift 30, but due again at the real time + 60 h.
    assert ws.plan_exitcode(env={SHIFT: "30"}) == 0
    assert ws.plan_exitcode(env={SHIFT: "60"}) == 2


def test_plugin_leaves_no_socket_dirs(ws: Any) -> None:
    assert ws.plan_exitcode() == 0
    assert [p.name for p in ws.tmpdir.iterdir() if p.name.startswith("tls-standin-")] == []
