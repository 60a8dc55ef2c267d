"""Renewal without a clock shift, so it runs on the real provider too (`make conformance`).

Instead of moving the provider's clock, the state moves: after a deploy, `terraform state pull`
gives the state; one certificate's `validity_end_time` is set inside its renewal window and
another's into the past; the state's serial is bumped and `terraform state push` writes it back.
The provider then finds both ready for renewal at refresh (`ready_for_renewal` is planned false
and set true when read inside the window), and `internal-ca plan` must say "renew" for those two
and nothing else. A deploy renews them, and the next plan is clean.

State holds every private key: it stays in memory and in a 0700 folder that is removed, and is
never printed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cert_checks import public_key_of_cert, secret_dir
from e2e_project import TempProject, redact, service_line

# slow: two deploys and three plans (about 30 s).
pytestmark = [pytest.mark.e2e, pytest.mark.conformance, pytest.mark.slow]

# Default lifetimes: 397 days, renewed in the last 30.
SERVICES = (
    service_line("window", "window.internal.example")
    + service_line("expired", "expired.internal.example")
    + service_line("steady", "steady.internal.example")
)
# RFC 3339 as Go's time.MarshalText writes it: an optional fraction, then Z or an offset.
RFC3339 = re.compile(
    r"^(?P<seconds>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?P<fraction>\.\d+)?(?P<zone>Z|[+-]\d\d:\d\d)$"
)
ROW = re.compile(r"^(issue|re-issue|renew|re-key|remove|unchanged)\s+(\S+)\s*$", re.M)


def moved(stamp: str, to: datetime) -> str:
    """`stamp` moved to the instant `to` (whole seconds), written in stamp's own form.

    The fraction and the zone are kept as they were, so the text differs from what the
    provider wrote only in the date and the time of day.
    """
    match = RFC3339.match(stamp)
    assert match is not None, f"not an RFC 3339 time: {stamp!r}"
    zone = match["zone"]
    offset = timedelta(0)
    if zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        offset = sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
    local = to.astimezone(UTC) + offset
    return local.strftime("%Y-%m-%dT%H:%M:%S") + (match["fraction"] or "") + zone


def test_moved_keeps_fraction_and_zone() -> None:
    instant = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert moved("2026-12-01T20:21:36.301968822Z", instant) == "2030-01-02T03:04:05.301968822Z"
    assert moved("2026-12-01T21:21:36.5+01:00", instant) == "2030-01-02T04:04:05.5+01:00"
    assert moved("2026-12-01T15:21:36-05:30", instant) == "2030-01-01T21:34:05-05:30"


def cert_instance(state: dict[str, Any], name: str) -> dict[str, Any]:
    for resource in state["resources"]:
        if resource["type"] == "tls_locally_signed_cert" and resource["name"] == name:
            instances: list[dict[str, Any]] = resource["instances"]
            assert len(instances) == 1, name
            return instances[0]["attributes"]  # type: ignore[no-any-return]
    raise AssertionError(f"no tls_locally_signed_cert.{name} in state")


def rows(report: str) -> dict[str, str]:
    """service -> action, from the text report of `internal-ca plan`."""
    return {name: action for action, name in ROW.findall(report)}


@dataclass
class Renewal:
    before: dict[str, dict[str, Any]]
    pushed_end_times: dict[str, tuple[str, str]]
    planned: dict[str, list[str]]
    report: str
    after: dict[str, dict[str, Any]]
    plan_exit_after: int


def move_end_times(project: TempProject, now: datetime) -> dict[str, tuple[str, str]]:
    """Pull, move two end times, bump the serial, push. Returns name -> (old, new) end time."""
    state: dict[str, Any] = json.loads(project.terraform("state", "pull").stdout)
    targets = {"window": now + timedelta(days=10), "expired": now - timedelta(days=1)}
    times = {}
    for name, target in targets.items():
        attributes = cert_instance(state, name)
        old = attributes["validity_end_time"]
        attributes["validity_end_time"] = moved(old, target)
        times[name] = (old, attributes["validity_end_time"])
    state["serial"] += 1
    with secret_dir() as folder:
        pushed = folder / "moved.tfstate"
        pushed.write_text(json.dumps(state))
        project.terraform("state", "push", str(pushed))
    return times


@pytest.fixture(scope="module")
def renewal(
    tmp_path_factory: pytest.TempPathFactory,
    planned_changes: Callable[..., dict[str, list[str]]],
) -> Renewal:
    project = TempProject(Path(tmp_path_factory.mktemp("renewal-state")) / "project")
    project.write_app(services=SERVICES)
    project.deploy()
    before = project.services()
    pushed = move_end_times(project, datetime.now(UTC))
    planned = planned_changes(project)
    report = project.cli("plan").stdout
    project.deploy()
    after = project.services()
    return Renewal(before, pushed, planned, report, after, project.plan_exit_code())


def test_the_pushed_times_keep_the_providers_form(renewal: Renewal) -> None:
    for old, new in renewal.pushed_end_times.values():
        written, pushed = RFC3339.match(old), RFC3339.match(new)
        assert written is not None and pushed is not None, (old, new)
        assert (pushed["fraction"], pushed["zone"]) == (written["fraction"], written["zone"])
        assert new != old


def test_terraform_replaces_exactly_the_two_moved_certs(renewal: Renewal) -> None:
    assert {address: sorted(actions) for address, actions in renewal.planned.items()} == {
        "tls_locally_signed_cert.window": ["create", "delete"],
        "tls_locally_signed_cert.expired": ["create", "delete"],
    }


def test_the_plan_says_renew_for_those_two_and_nothing_else(renewal: Renewal) -> None:
    found = rows(renewal.report)
    assert {name: action for name, action in found.items() if action != "unchanged"} == {
        "window": "renew",
        "expired": "renew",
    }, redact(renewal.report)
    assert "steady" not in found or found["steady"] == "unchanged"


def test_renewed_certs_have_new_serials_and_the_same_keys(renewal: Renewal) -> None:
    for name in ("window", "expired"):
        before, after = renewal.before[name], renewal.after[name]
        assert after["serial"] != before["serial"], name
        assert public_key_of_cert(after["cert_pem"]) == public_key_of_cert(before["cert_pem"])


def test_the_untouched_cert_keeps_its_serial(renewal: Renewal) -> None:
    assert renewal.after["steady"]["serial"] == renewal.before["steady"]["serial"]
    assert renewal.after["steady"]["cert_pem"] == renewal.before["steady"]["cert_pem"]


def test_the_next_plan_is_clean(renewal: Renewal) -> None:
    """Terraform's own word (`plan -detailed-exitcode`): the renewed certs are not renewed again."""
    assert renewal.plan_exit_after == 0
