"""Key rotation on purpose: bumping one service's key_version replaces its key, CSR and cert."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from cert_checks import public_key_of_cert, public_key_of_private
from e2e_project import TempProject, service_line

pytestmark = [pytest.mark.e2e, pytest.mark.conformance]

REPLACED = ["create", "delete"]
BETA = service_line("beta", "beta.internal.example")


@dataclass
class Rotation:
    before: dict[str, dict[str, str]]
    after: dict[str, dict[str, str]]
    planned: dict[str, list[str]]
    new_alpha_key_public: str


@pytest.fixture(scope="module")
def rotation(
    tmp_path_factory: pytest.TempPathFactory,
    planned_changes: Callable[..., dict[str, list[str]]],
    synth: Callable[[TempProject], None],
) -> Rotation:
    project = TempProject(Path(tmp_path_factory.mktemp("rotation")))
    project.write_app(services=service_line("alpha", "alpha.internal.example") + BETA)
    project.deploy()
    before = project.services()
    project.write_app(
        services=service_line("alpha", "alpha.internal.example", key_version=2) + BETA
    )
    synth(project)
    planned = planned_changes(project)
    project.deploy()
    # The key leaves the state only through this openssl pipe; it is never printed.
    new_key_public = public_key_of_private(project.private_key("alpha"))
    return Rotation(before, project.services(), planned, new_key_public)


def test_plan_replaces_key_csr_and_cert_of_that_service_only(rotation: Rotation) -> None:
    replaced = {
        address for address, actions in rotation.planned.items() if sorted(actions) == REPLACED
    }
    assert replaced == {
        "tls_private_key.alpha",
        "tls_cert_request.alpha",
        "tls_locally_signed_cert.alpha",
    }


def test_plan_changes_nothing_else_than_the_version_marker(rotation: Rotation) -> None:
    others = {
        address: actions
        for address, actions in rotation.planned.items()
        if sorted(actions) != REPLACED
    }
    assert others == {"terraform_data.alpha_key_version": ["update"]}


def test_rotated_cert_has_a_new_public_key(rotation: Rotation) -> None:
    old = public_key_of_cert(rotation.before["alpha"]["cert_pem"])
    new = public_key_of_cert(rotation.after["alpha"]["cert_pem"])
    assert "BEGIN PUBLIC KEY" in new
    assert new != old


def test_rotated_cert_matches_the_new_private_key(rotation: Rotation) -> None:
    assert public_key_of_cert(rotation.after["alpha"]["cert_pem"]) == (
        rotation.new_alpha_key_public
    )


def test_other_service_is_untouched(rotation: Rotation) -> None:
    assert rotation.after["beta"]["serial"] == rotation.before["beta"]["serial"]
    assert rotation.after["beta"]["cert_pem"] == rotation.before["beta"]["cert_pem"]
