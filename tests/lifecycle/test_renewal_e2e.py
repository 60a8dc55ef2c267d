"""Renewal end to end: moving the clock into one service's window re-issues only that cert.

The provider re-issues a cert whose renewal window has started on the next plan/apply, with a
new serial and the same key. The stand-in's test-only clock shift stands in for the months a
real team would wait.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from cert_checks import public_key_of_cert
from e2e_project import TempProject, service_line, uses_standin_clock

pytestmark = [pytest.mark.e2e, uses_standin_clock()]

SHIFT = "TLS_STANDIN_CLOCK_SHIFT_HOURS"
# "short" lives 10 days and renews 2 days before expiry: its window opens on day 8.
# "long" keeps the defaults (397 days, window from day 367), so day 8.5 is outside it.
INSIDE_SHORT_WINDOW = str(int(8.5 * 24))


@dataclass
class Renewal:
    before: dict[str, dict[str, str]]
    after: dict[str, dict[str, str]]
    planned: dict[str, list[str]]
    plan_exit_after: int


@pytest.fixture(scope="module")
def renewal(
    tmp_path_factory: pytest.TempPathFactory,
    planned_changes: Callable[..., dict[str, list[str]]],
) -> Renewal:
    project = TempProject(Path(tmp_path_factory.mktemp("renewal")))
    project.write_app(
        services=service_line(
            "short", "short.internal.example", validity_days=10, renew_before_days=2
        )
        + service_line("long", "long.internal.example")
    )
    project.deploy()
    before = project.services()
    planned = planned_changes(project, **{SHIFT: INSIDE_SHORT_WINDOW})
    project.deploy(**{SHIFT: INSIDE_SHORT_WINDOW})
    after = project.services()
    return Renewal(before, after, planned, project.plan_exit_code(**{SHIFT: INSIDE_SHORT_WINDOW}))


def test_plan_inside_one_window_replaces_only_that_cert(renewal: Renewal) -> None:
    assert {address: sorted(actions) for address, actions in renewal.planned.items()} == {
        "tls_locally_signed_cert.short": ["create", "delete"]
    }


def test_renewed_cert_has_a_new_serial(renewal: Renewal) -> None:
    assert renewal.after["short"]["serial"] != renewal.before["short"]["serial"]


def test_other_cert_keeps_its_serial(renewal: Renewal) -> None:
    assert renewal.after["long"]["serial"] == renewal.before["long"]["serial"]


def test_renewed_cert_keeps_the_same_key(renewal: Renewal) -> None:
    old = public_key_of_cert(renewal.before["short"]["cert_pem"])
    new = public_key_of_cert(renewal.after["short"]["cert_pem"])
    assert "BEGIN PUBLIC KEY" in old
    assert new == old


def test_renewed_cert_starts_at_the_shifted_time(renewal: Renewal) -> None:
    assert renewal.after["short"]["not_after"] > renewal.before["short"]["not_after"]


def test_renewal_settles_after_the_deploy(renewal: Renewal) -> None:
    assert renewal.plan_exit_after == 0
