"""Lost state is refused for every CA kind, and --initial is per stack (issue 18, items 5, 13).

An adopted ExistingCa creates no resource, so on lost state its plan only issues certificates:
a new key for every service, which --max-reissue does not count. Its first deploy pins it like
a RootCa, and the pins then refuse any plan that mints while the state holds none of them.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cert_checks import sha256_fingerprint
from e2e_project import (
    DEFAULT_CA,
    PEM_PRIVATE_KEY,
    STACK,
    TempProject,
    adopted_project,
    copy_project,
    openssl,
    redact,
    service_line,
)

pytestmark = [pytest.mark.e2e, pytest.mark.conformance]

GUARD_TRIPPED = 3
PIN_FOLDER = f"pins/{STACK}/"
INTERMEDIATE_SERVICES = """\
from ca_constructs.intermediate_ca import IntermediateCa

issuing = IntermediateCa(stack, "issuing", parent=ca)
ServiceCert(stack, "web", ca=issuing, dns_names=["web.internal.example"])
ServiceCert(stack, "api", ca=ca, dns_names=["api.internal.example"])
"""
SECOND_STACK = """\
second = CaStack(
    app,
    "second",
    ca_subject=DistinguishedName(country="GB", organization="Test Org", common_name="Second CA"),
    ca_key=ecdsa("P256"),
)
ServiceCert(second, "mail", ca=second.ca, dns_names=["mail.internal.example"])
"""


@dataclass
class AdoptedCa:
    cert_pem: str
    # Left out of repr: pytest prints fixture arguments when a test fails.
    key_pem: str = field(repr=False)


def make_ca(folder: Path, subject: str) -> AdoptedCa:
    """A CA made with openssl outside the project, as the recipe does (P-256 here)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    key = folder / "ca-private-key.pem"
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", str(key))
    openssl(
        *("req", "-new", "-x509", "-days", "3650", "-key", str(key)),
        *("-out", str(folder / "ca-crt.pem"), "-subj", subject),
    )
    return AdoptedCa((folder / "ca-crt.pem").read_text(), key.read_text())


@pytest.fixture(scope="module")
def adopted_ca(tmp_path_factory: pytest.TempPathFactory) -> AdoptedCa:
    """The team's CA."""
    return make_ca(Path(tmp_path_factory.mktemp("adopted-ca")), "/C=GB/O=Adopted/CN=Adopted CA")


@contextmanager
def ca_key(adopted_ca: AdoptedCa) -> Iterator[None]:
    """The adopted CA's key in the environment, as the password manager would put it there.

    Through os.environ, not an argument: pytest shows call arguments in failure tracebacks.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TF_VAR_ca_private_key_pem", adopted_ca.key_pem)
        yield


@pytest.fixture(scope="module")
def adopted(tmp_path_factory: pytest.TempPathFactory, adopted_ca: AdoptedCa) -> TempProject:
    project = adopted_project(tmp_path_factory.mktemp("adopted") / "project", adopted_ca.cert_pem)
    with ca_key(adopted_ca):
        project.deploy()  # --initial: no pin yet
    return project


@pytest.fixture(scope="module")
def intermediate(tmp_path_factory: pytest.TempPathFactory) -> TempProject:
    """A RootCa and an IntermediateCa in one stack, each signing a service."""
    project = TempProject(tmp_path_factory.mktemp("intermediate") / "project")
    project.write_app(services=INTERMEDIATE_SERVICES, ca=DEFAULT_CA)
    project.deploy()
    return project


@pytest.fixture(scope="module")
def rooted(tmp_path_factory: pytest.TempPathFactory) -> TempProject:
    project = TempProject(tmp_path_factory.mktemp("rooted") / "project")
    project.write_app(services=service_line("web", "web.internal.example"), ca=DEFAULT_CA)
    project.deploy()
    return project


def _state_file(project: TempProject, stack: str = STACK) -> Path:
    return project.root / "state" / f"{stack}.tfstate"


def _lose_state(project: TempProject, how: str, elsewhere: Path) -> bytes | None:
    """Move state/ away, or leave an empty state as an empty pg schema would; the bytes left."""
    state = project.root / "state"
    if how == "moved":
        shutil.move(state, elsewhere)
        return None
    shutil.rmtree(state / "history", ignore_errors=True)
    _state_file(project).write_text(
        '{"version": 4, "serial": 1, "lineage": "x", "resources": [], "outputs": {}}'
    )
    return _state_file(project).read_bytes()


def _refused_as_lost(project: TempProject, *commands: tuple[str, ...]) -> list[str]:
    outputs = []
    for command in commands:
        done = project.cli(*command, check=False)
        output = done.stdout + done.stderr
        assert done.returncode == GUARD_TRIPPED, redact(output)[-3000:]
        assert PEM_PRIVATE_KEY not in output
        (reason,) = [line for line in done.stderr.splitlines() if "internal-ca: guard:" in line]
        assert "the state holds none of the CAs pinned in " + PIN_FOLDER in reason
        assert "restore it" in reason
        outputs.append(reason)
    return outputs


def _assert_nothing_applied(project: TempProject, left: bytes | None) -> None:
    """No state written where it was moved away; the empty state left as it was."""
    if left is None:
        assert not _state_file(project).exists()
    else:
        assert _state_file(project).read_bytes() == left


PLAN_AND_DEPLOY = (("plan",), ("deploy", "--auto-approve"))


def test_the_first_deploy_pins_the_adopted_ca(adopted: TempProject) -> None:
    pin = adopted.root / "pins" / STACK / "ca-crt.pem"
    assert sha256_fingerprint(pin) == sha256_fingerprint(adopted.root / "ca-crt.pem")


@pytest.mark.parametrize("how", ["moved", "empty"])
def test_lost_state_of_an_adopted_ca_is_refused(
    adopted: TempProject, adopted_ca: AdoptedCa, tmp_path: Path, how: str
) -> None:
    project = copy_project(adopted, tmp_path / how)
    left = _lose_state(project, how, tmp_path / "elsewhere")
    with ca_key(adopted_ca):
        for reason in _refused_as_lost(project, *PLAN_AND_DEPLOY):
            assert "the plan would issue 2 certificates" in reason
            assert sha256_fingerprint(project.root / "ca-crt.pem") in reason
    _assert_nothing_applied(project, left)


def test_the_first_deploy_of_an_adopted_ca_needs_initial(
    adopted_ca: AdoptedCa, tmp_path: Path
) -> None:
    """Without it, lost state of a stack never pinned would pass unnoticed too."""
    project = adopted_project(tmp_path / "fresh", adopted_ca.cert_pem)
    with ca_key(adopted_ca):
        done = project.cli("plan", check=False)
    assert done.returncode == GUARD_TRIPPED, redact(done.stdout + done.stderr)[-3000:]
    assert "pass --initial" in done.stderr


def test_an_adopted_ca_deployed_before_it_was_pinned_is_pinned_by_the_next_deploy(
    adopted: TempProject, adopted_ca: AdoptedCa, tmp_path: Path
) -> None:
    project = copy_project(adopted, tmp_path / "upgrade")
    shutil.rmtree(project.root / "pins", ignore_errors=True)
    with ca_key(adopted_ca):
        done = project.cli("deploy", "--auto-approve")
    assert "Nothing to deploy." in done.stdout
    pin = project.root / "pins" / STACK / "ca-crt.pem"
    assert sha256_fingerprint(pin) == sha256_fingerprint(project.root / "ca-crt.pem")


def test_read_only_commands_check_the_adopted_ca_against_its_pin(
    adopted: TempProject, adopted_ca: AdoptedCa, tmp_path: Path
) -> None:
    """State pointed at another CA's stack: here, the pin of another CA stands in for that."""
    project = copy_project(adopted, tmp_path / "foreign")
    pin = project.root / "pins" / STACK / "ca-crt.pem"
    other = openssl(
        *("req", "-new", "-x509", "-days", "30", "-subj", "/CN=Staging CA", "-nodes"),
        *("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-keyout", "/dev/null"),
    ).stdout
    pin.parent.mkdir(parents=True, exist_ok=True)
    pin.write_text(other)
    done = project.cli("inventory", check=False)
    assert done.returncode == 1, redact(done.stdout + done.stderr)[-3000:]
    assert "CA 'ca' in state has fingerprint" in done.stderr and PIN_FOLDER in done.stderr


def _refused_as_unpinned(
    project: TempProject, command: tuple[str, ...], ca: str, deployed: TempProject
) -> None:
    """Exit 1 with one line naming the CA, its fingerprint (taken by openssl from the pin the
    untouched `deployed` project keeps) and the pin folder."""
    done = project.cli(*command, check=False)
    assert done.returncode == 1, redact(done.stdout + done.stderr)[-3000:]
    assert PEM_PRIVATE_KEY not in done.stdout + done.stderr
    expected = sha256_fingerprint(deployed.root / "pins" / STACK / f"{ca}-crt.pem")
    (line,) = done.stderr.splitlines()
    assert (
        f"stack {STACK}: CA {ca!r} in state (fingerprint {expected}) has no pin in {PIN_FOLDER}; "
        "expected the pinned CA: restore pins/ from git"
    ) in line


def test_export_refuses_a_ca_with_no_pin_and_writes_nothing(
    intermediate: TempProject, tmp_path: Path
) -> None:
    """pins/ deleted (or a checkout without it): export would hand out whatever CA the backend
    holds (issue 18, item 4)."""
    project = copy_project(intermediate, tmp_path / "no-pins")
    shutil.rmtree(project.root / "pins")
    out = tmp_path / "out"
    _refused_as_unpinned(project, ("export", str(out)), "ca", intermediate)
    assert not out.exists()


def test_crl_refuses_an_intermediate_with_no_pin_and_writes_nothing(
    intermediate: TempProject, tmp_path: Path
) -> None:
    project = copy_project(intermediate, tmp_path / "no-issuing-pin")
    (project.root / "pins" / STACK / "issuing-crt.pem").unlink()
    shutil.rmtree(project.root / "crl", ignore_errors=True)
    _refused_as_unpinned(project, ("crl",), "issuing", intermediate)
    assert not (project.root / "crl").exists()


def test_swapping_the_adopted_ca_file_is_a_ca_replacement(
    adopted: TempProject, tmp_path: Path
) -> None:
    """Another CA's certificate and key in place of the adopted one: every service would be
    signed by a CA the load balancers do not trust, so the pin rule for replacing a CA holds."""
    project = copy_project(adopted, tmp_path / "swapped")
    pin = project.root / "pins" / STACK / "ca-crt.pem"
    pinned, pinned_fingerprint = pin.read_bytes(), sha256_fingerprint(pin)
    other = make_ca(tmp_path / "other-ca", "/C=GB/O=Adopted/CN=Another CA")
    (project.root / "ca-crt.pem").write_text(other.cert_pem)
    new_fingerprint = sha256_fingerprint(project.root / "ca-crt.pem")
    state = _state_file(project).read_bytes()
    with ca_key(other):
        for command in PLAN_AND_DEPLOY:
            done = project.cli(*command, check=False)
            output = done.stdout + done.stderr
            assert done.returncode == GUARD_TRIPPED, redact(output)[-3000:]
            assert PEM_PRIVATE_KEY not in output
            (guard,) = [line for line in done.stderr.splitlines() if "internal-ca: guard:" in line]
            assert (
                f"the plan would replace or remove CA 'ca', pinned in {PIN_FOLDER} as "
                f"{pinned_fingerprint} (planned: {new_fingerprint}); pass --allow-ca-replacement"
            ) in guard
        assert _state_file(project).read_bytes() == state
        assert pin.read_bytes() == pinned
        done = project.cli("deploy", "--auto-approve", "--allow-ca-replacement", check=False)
    assert done.returncode == 0, redact(done.stdout + done.stderr)[-3000:]
    assert sha256_fingerprint(pin) == new_fingerprint
    for name, service in project.services().items():
        verified = openssl("verify", "-CAfile", str(pin), input=service["cert_pem"], check=False)
        assert verified.returncode == 0, f"{name}: {verified.stdout}{verified.stderr}"


@pytest.mark.parametrize("how", ["moved", "empty"])
def test_lost_state_of_a_root_and_intermediate_is_refused(
    intermediate: TempProject, tmp_path: Path, how: str
) -> None:
    project = copy_project(intermediate, tmp_path / how)
    left = _lose_state(project, how, tmp_path / "elsewhere")
    for reason in _refused_as_lost(project, *PLAN_AND_DEPLOY):
        assert "create CA 'ca' and create CA 'issuing' and issue 2 certificates" in reason
        for pin in ("ca-crt.pem", "issuing-crt.pem"):
            assert sha256_fingerprint(project.root / "pins" / STACK / pin) in reason
    _assert_nothing_applied(project, left)


def test_a_leftover_pin_does_not_stand_in_for_initial(rooted: TempProject, tmp_path: Path) -> None:
    """The CA was renamed in pins/ (or its old pin left behind): lost state is still lost."""
    project = copy_project(rooted, tmp_path / "leftover")
    _lose_state(project, "moved", tmp_path / "elsewhere")
    pins = project.root / "pins" / STACK
    (pins / "ca-crt.pem").rename(pins / "old-crt.pem")
    (reason, _) = _refused_as_lost(project, *PLAN_AND_DEPLOY)
    assert "the plan would create CA 'ca' and issue 1 certificate" in reason
    done = project.cli("deploy", "--auto-approve", "--initial", check=False)
    assert done.returncode == 1 and "already has a CA pinned" in done.stderr
    _assert_nothing_applied(project, None)


def test_initial_onboards_a_second_stack_beside_a_pinned_one(
    rooted: TempProject, tmp_path: Path
) -> None:
    project = copy_project(rooted, tmp_path / "onboard")
    serials = project.serials()
    first_pin = (project.root / "pins" / STACK / "ca-crt.pem").read_bytes()
    project.write_app(services=service_line("web", "web.internal.example") + SECOND_STACK)
    done = project.cli("deploy", "--auto-approve", "--initial", check=False)
    assert done.returncode == 0, redact(done.stdout + done.stderr)[-3000:]
    second_pin = project.root / "pins" / "second" / "ca-crt.pem"
    second_state = project.root / "state" / "second.tfstate"
    assert second_state.is_file() and second_pin.is_file()
    assert project.serials() == serials
    assert (project.root / "pins" / STACK / "ca-crt.pem").read_bytes() == first_pin
    # Now every stack has a pin: --initial has nothing left to apply to.
    again = project.cli("deploy", "--auto-approve", "--initial", check=False)
    assert again.returncode == 1 and "every stack already has a CA pinned" in again.stderr
    alone = project.cli("deploy", "--auto-approve", "--initial", "--stack", STACK, check=False)
    assert alone.returncode == 1 and f"stack {STACK!r} already has a CA pinned" in alone.stderr


def test_initial_for_a_new_stack_lets_no_lost_state_through_beside_it(
    rooted: TempProject, tmp_path: Path
) -> None:
    project = copy_project(rooted, tmp_path / "onboard-lost")
    _lose_state(project, "moved", tmp_path / "elsewhere")
    project.write_app(services=service_line("web", "web.internal.example") + SECOND_STACK)
    (reason,) = _refused_as_lost(project, ("deploy", "--auto-approve", "--initial"))
    assert f"stack {STACK}: the plan would create CA 'ca'" in reason
    _assert_nothing_applied(project, None)
    assert not _state_file(project, "second").exists()
    assert not (project.root / "pins" / "second").exists()


def test_an_unchanged_stack_is_pinned_by_a_deploy_that_changes_another(
    rooted: TempProject, tmp_path: Path
) -> None:
    """Upgrading with several stacks: each stack of the run gets its pin, changed or not."""
    project = copy_project(rooted, tmp_path / "upgrade-two")
    shutil.rmtree(project.root / "pins")
    project.write_app(services=service_line("web", "web.internal.example") + SECOND_STACK)
    done = project.cli("deploy", "--auto-approve", "--initial", check=False)
    assert done.returncode == 0, redact(done.stdout + done.stderr)[-3000:]
    assert sha256_fingerprint(project.root / "pins" / STACK / "ca-crt.pem") == sha256_fingerprint(
        rooted.root / "pins" / STACK / "ca-crt.pem"
    )
    assert (project.root / "pins" / "second" / "ca-crt.pem").is_file()
