"""Issued certificates checked by an independent X.509 linter: pkilint (RFC 5280 and CA/B Forum).

One deploy issues a root (RSA 4096, the recipe's subject), an ECDSA P-384 intermediate, and leaves
of every key type, for server and for server plus client use. Each certificate goes through
pkilint's RFC 5280 linter, its CA/Browser Forum TLS Baseline Requirements linter (with the
certificate type named, not guessed), and its issuer/subject chain linter.

Every finding that remains is in ALLOWED below, with the reason it stays. The test fails on a
finding that is not listed, and on a listed finding that no longer occurs, so the list (and the
README's "What the linter says", which a test keeps in step) stays true.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cert_checks import secret_dir
from e2e_project import APP_HEADER, REPO, TempProject, openssl
from pkilint.bin import lint_cabf_serverauth_cert, lint_pkix_cert
from pkilint.bin import lint_pkix_signer_signee_cert_chain as lint_chain

pytestmark = [pytest.mark.e2e, pytest.mark.conformance]

# The recipe's subject: OV-style (C, ST, L, O), so leaves are linted as OV certificates.
CA = """\
stack = CaStack(
    app,
    "internal-ca",
    ca_subject=DistinguishedName(
        country="GB",
        province="Cambridgeshire",
        locality="Cambridge",
        organization="University of Cambridge",
        common_name="Internal CA for the traffic manager",
    ),
)
ca = stack.ca
"""
SERVICES = """\
issuing = IntermediateCa(stack, "issuing", parent=ca, key=ecdsa("P384"))
ServiceCert(stack, "passwords", ca=ca, dns_names=["passwords.internal.example", "passwords"])
ServiceCert(stack, "rsa2048", ca=issuing, dns_names=["rsa2048.internal.example"], key=rsa(2048))
ServiceCert(
    stack,
    "rsa4096",
    ca=issuing,
    dns_names=["rsa4096.internal.example"],
    ip_addresses=["10.1.2.3"],
    key=rsa(4096),
    extra_uses=["client_auth"],
)
ServiceCert(stack, "p256", ca=issuing, dns_names=["p256.internal.example"], key=ecdsa("P256"))
ServiceCert(
    stack,
    "p384",
    ca=issuing,
    dns_names=["p384.internal.example"],
    key=ecdsa("P384"),
    extra_uses=["client_auth"],
)
"""
HEADER = APP_HEADER + "from ca_constructs.intermediate_ca import IntermediateCa\n"

ROOT, INTERMEDIATE = "root", "intermediate"
LEAVES = ("passwords", "rsa2048", "rsa4096", "p256", "p384")
RSA_LEAVES = frozenset({"passwords", "rsa2048", "rsa4096"})
ALL_LEAVES = frozenset(LEAVES)
# CA/B Forum certificate types: the root; an intermediate run by the same organisation, with no
# name constraints; leaves whose subject carries the organisation (Organization Validated).
CABF_TYPES = {ROOT: "ROOT-CA", INTERMEDIATE: "INTERNAL-UNCONSTRAINED-TLS-CA"} | {
    leaf: "OV-FINAL-CERTIFICATE" for leaf in LEAVES
}
ISSUERS = {ROOT: ROOT, INTERMEDIATE: ROOT, "passwords": ROOT} | {
    leaf: INTERMEDIATE for leaf in LEAVES if leaf != "passwords"
}


@dataclass(frozen=True)
class Allowed:
    """A finding that stays, on exactly these certificates, and why."""

    linters: frozenset[str]
    code: str
    certs: frozenset[str]
    reason: str


PUBLIC_TRUST_ONLY = "a CA/B Forum rule for publicly-trusted CAs"
PKIX, CABF, CHAIN = frozenset({"pkix"}), frozenset({"cabf"}), frozenset({"chain"})
# The CA/B Forum linter runs the RFC 5280 checks too, and repeats their findings.
PKIX_AND_CABF = PKIX | CABF
NO_ROOT_AKI = (
    "RFC 5280 4.2.1.1 lets a self-signed root leave it out; adding it would replace every "
    "deployed root, which prevent_destroy refuses"
)

ALLOWED = (
    Allowed(
        PKIX_AND_CABF,
        "pkix.subject_key_identifier_method_1_identified",
        frozenset({ROOT, INTERMEDIATE}) | ALL_LEAVES,
        "INFO, not a problem: the subject key identifier is the SHA-1 of the public key "
        "(RFC 5280 4.2.1.2 method 1), as the provider computes it",
    ),
    Allowed(
        PKIX,
        "pkix.invalid_domain_name_syntax",
        frozenset({"passwords"}),
        "the recipe's single-label SAN `passwords`: legal for an internal name that a resolver "
        "completes with its search domain; pkilint wants at least two labels",
    ),
    Allowed(
        CABF,
        "cabf.serverauth.root.authority_key_identifier_extension_absent",
        frozenset({ROOT}),
        f"WARNING (RECOMMENDED, not required) for a root's authority key identifier: {NO_ROOT_AKI}",
    ),
    Allowed(
        CHAIN,
        "pkix.authority_key_id_extension_missing",
        frozenset({ROOT}),
        f"the root checked as its own issuer has no authority key identifier: {NO_ROOT_AKI}",
    ),
    Allowed(
        CABF,
        "cabf.serverauth.ca.certificate_policies_extension_absent",
        frozenset({INTERMEDIATE}),
        f"{PUBLIC_TRUST_ONLY}: the CA/B Forum policy OIDs assert public-trust validation, "
        "which a private CA must not claim",
    ),
    Allowed(
        CABF,
        "cabf.serverauth.ca.crl_distribution_points_extension_absent",
        frozenset({INTERMEDIATE}),
        f"{PUBLIC_TRUST_ONLY}: no CRL distribution point in the certificate; CRLs are "
        "published out of band (`internal-ca crl`)",
    ),
    Allowed(
        CABF,
        "cabf.serverauth.ca.authority_info_access_extension_absent",
        frozenset({INTERMEDIATE}),
        f"{PUBLIC_TRUST_ONLY} (WARNING): there is no OCSP responder or CA-issuers URL; "
        "services send the chain themselves (NAME-fullchain.pem)",
    ),
    Allowed(
        CABF,
        "cabf.serverauth.ca.extended_key_usage_extension_absent",
        frozenset({INTERMEDIATE}),
        f"{PUBLIC_TRUST_ONLY}: RFC 5280 allows a CA without EKU; restricting the intermediate "
        "to TLS would change its allowed_uses, which re-issues it and every leaf under it",
    ),
    Allowed(
        CABF,
        "cabf.serverauth.certificate_validity_period_exceeds_200_days",
        ALL_LEAVES,
        f"{PUBLIC_TRUST_ONLY} (200 days since March 2026): leaves live 397 days and renew 30 "
        "days early; validity_days shortens them per service",
    ),
    Allowed(
        CABF,
        "cabf.serverauth.ov.common_name_attribute_present",
        ALL_LEAVES,
        "WARNING (NOT RECOMMENDED): the CN repeats the first DNS name for clients that still "
        "read it, as the recipe does; every name is also a SAN",
    ),
    Allowed(
        CABF,
        "cabf.serverauth.subscriber.revocation_information_absent",
        ALL_LEAVES,
        f"{PUBLIC_TRUST_ONLY}: no CRL distribution point or OCSP URL (see the "
        "intermediate's CRL finding)",
    ),
    Allowed(
        CABF,
        "msft.end_entity.revocation_information_absent",
        ALL_LEAVES,
        "Microsoft's root-program rule, for publicly-trusted CAs only: no CRL distribution "
        "point or OCSP URL",
    ),
    Allowed(
        CABF,
        "cabf.serverauth.subscriber.authority_info_access_extension_absent",
        ALL_LEAVES,
        f"{PUBLIC_TRUST_ONLY}: no OCSP responder or CA-issuers URL; services send the chain",
    ),
    Allowed(
        CABF,
        "cabf.serverauth.subscriber.certificate_policies_extension_absent",
        ALL_LEAVES,
        f"{PUBLIC_TRUST_ONLY}: a private CA must not assert the CA/B Forum policy OIDs",
    ),
    Allowed(
        CABF,
        "cabf.serverauth.subscriber.subject_key_identifier_extension_present",
        ALL_LEAVES,
        "WARNING (NOT RECOMMENDED by the CA/B Forum), but RFC 5280 4.2.1.2 says leaves SHOULD "
        "carry it, and chain building uses it; RFC 5280 wins here",
    ),
    Allowed(
        CABF,
        "cabf.serverauth.subscriber_rsa_digitalsignature_and_keyencipherment_present",
        RSA_LEAVES,
        "WARNING (NOT RECOMMENDED): keyEncipherment keeps RSA key exchange working for old "
        "TLS 1.2 clients behind the load balancer, as in the recipe",
    ),
    Allowed(
        CABF,
        "cabf.internal_domain_name",
        ALL_LEAVES,
        "internal names (.example, single labels) are the point of a private CA; a public CA "
        "may not issue for them",
    ),
    Allowed(
        CABF,
        "cabf.internal_ip_address",
        frozenset({"rsa4096"}),
        "a private (RFC 1918) address SAN: the point of a private CA; a public CA may not "
        "issue for it",
    ),
)

Finding = tuple[str, str, str]  # (certificate, linter, code)


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    project = TempProject(Path(tmp_path_factory.mktemp("lint")) / "project")
    project.write_app(services=SERVICES, ca=CA, header=HEADER)
    project.deploy()
    outputs = project.outputs()
    found = {ROOT: outputs["ca"]["cert_pem"], INTERMEDIATE: outputs["issuing"]["cert_pem"]}
    found |= {leaf: outputs[f"service_{leaf}"]["cert_pem"] for leaf in LEAVES}
    return {name: str(pem) for name, pem in found.items()}


@pytest.fixture(scope="module")
def cert_files(certs: dict[str, str]) -> Iterator[dict[str, Path]]:
    with secret_dir() as folder:
        files = {}
        for name, pem in certs.items():
            files[name] = folder / f"{name}.pem"
            files[name].write_text(pem)
        yield files


def run_linter(main: Callable[[list[str]], int], *args: str) -> list[tuple[str, str]]:
    """A pkilint command line, in process (it takes argv); returns (code, message) findings."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["lint", "--severity", "ALL", "--format", "JSON", *args])
    report: dict[str, Any] = json.loads(out.getvalue())
    return [
        (str(finding["code"]), str(finding["message"]))
        for result in report["results"]
        for finding in result["finding_descriptions"]
    ]


@pytest.fixture(scope="module")
def findings(cert_files: dict[str, Path]) -> dict[Finding, list[str]]:
    """Every finding of the three linters on every certificate, with its messages."""
    found: dict[Finding, list[str]] = {}

    def add(cert: str, linter: str, results: list[tuple[str, str]]) -> None:
        for code, message in results:
            found.setdefault((cert, linter, code), []).append(message)

    for name, path in cert_files.items():
        add(name, "pkix", run_linter(lint_pkix_cert.main, str(path)))
        add(
            name,
            "cabf",
            run_linter(lint_cabf_serverauth_cert.main, "--type", CABF_TYPES[name], str(path)),
        )
        issuer = str(cert_files[ISSUERS[name]])
        add(name, "chain", run_linter(lint_chain.main, issuer, str(path)))
    return found


def allowed_findings() -> set[Finding]:
    return {(cert, linter, a.code) for a in ALLOWED for cert in a.certs for linter in a.linters}


def test_every_key_type_and_use_is_covered(certs: dict[str, str]) -> None:
    """What was linted, read back with openssl: every key type, and client auth too."""
    assert set(certs) == set(CABF_TYPES)
    texts = {
        name: openssl("x509", "-noout", "-text", input=pem).stdout for name, pem in certs.items()
    }
    keys = {
        re.search(r"Public-Key: \((\d+) bit\)", text).group(1)  # type: ignore[union-attr]
        + (" EC" if "id-ecPublicKey" in text else " RSA")
        for name, text in texts.items()
        if name in LEAVES
    }
    assert keys == {"2048 RSA", "4096 RSA", "256 EC", "384 EC"}
    client_auth = {name for name, text in texts.items() if "TLS Web Client Authentication" in text}
    assert {"rsa4096", "p384"} <= client_auth
    assert "CA:TRUE" in texts[ROOT] and "CA:TRUE" in texts[INTERMEDIATE]


@pytest.mark.parametrize("linter", ["pkix", "cabf", "chain"])
def test_no_finding_outside_the_allow_list(findings: dict[Finding, list[str]], linter: str) -> None:
    unexpected = {
        finding: messages
        for finding, messages in findings.items()
        if finding[1] == linter and finding not in allowed_findings()
    }
    assert unexpected == {}


@pytest.mark.parametrize("linter", ["pkix", "cabf", "chain"])
def test_every_allowed_finding_still_occurs(
    findings: dict[Finding, list[str]], linter: str
) -> None:
    """A finding that went away leaves the list, so the list never excuses more than it must."""
    stale = {finding for finding in allowed_findings() if finding[1] == linter} - set(findings)
    assert stale == set()


def test_every_allowance_has_a_reason_and_one_entry() -> None:
    keys = [(linter, a.code) for a in ALLOWED for linter in a.linters]
    assert len(keys) == len(set(keys))
    for allowed in ALLOWED:
        assert allowed.certs and allowed.certs <= set(CABF_TYPES), allowed.code
        assert len(allowed.reason) > 30, allowed.code


def test_readme_lists_each_remaining_finding() -> None:
    readme = (REPO / "README.md").read_text()
    section = re.search(r"\n### What the linter says\n(.*?)(?=\n#{2,3} )", readme, re.S)
    assert section is not None, "README has no '### What the linter says' section"
    listed = set(re.findall(r"`((?:pkix|cabf|msft)\.[a-z0-9_.]+)`", section.group(1)))
    assert listed == {allowed.code for allowed in ALLOWED}
