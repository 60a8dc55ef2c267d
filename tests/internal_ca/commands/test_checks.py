"""Each verify check on its own, against certificates made by the openssl CLI."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest
from e2e_project import openssl

from internal_ca.certs.checks import ServiceMaterial, check_service


def _now() -> dt.datetime:
    """Read at each check: the module fixture may be made after this module is imported."""
    return dt.datetime.now(dt.UTC)


def _ca(folder: Path, name: str) -> tuple[Path, Path]:
    key, cert = folder / f"{name}.key", folder / f"{name}.pem"
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", str(key))
    openssl(
        "req", "-x509", "-new", "-key", str(key), "-subj", f"/CN={name}", "-days", "30",
        "-addext", "basicConstraints=critical,CA:TRUE", "-out", str(cert),
    )  # fmt: skip
    return key, cert


@pytest.fixture(scope="module")
def material(tmp_path_factory: pytest.TempPathFactory) -> ServiceMaterial:
    folder = tmp_path_factory.mktemp("checks")
    ca_key, ca_cert = _ca(folder, "Test CA")
    key, csr, cert = folder / "leaf.key", folder / "leaf.csr", folder / "leaf.pem"
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", str(key))
    openssl("req", "-new", "-key", str(key), "-subj", "/CN=a.test", "-out", str(csr))
    ext = folder / "ext.cnf"
    ext.write_text("subjectAltName=DNS:a.test,DNS:b.test,IP:10.0.0.1\n")
    openssl(
        "x509", "-req", "-in", str(csr), "-CA", str(ca_cert), "-CAkey", str(ca_key),
        "-days", "30", "-set_serial", "2", "-extfile", str(ext), "-out", str(cert),
    )  # fmt: skip
    return ServiceMaterial(
        name="a",
        cert_pem=cert.read_text(),
        chain_pem="",
        ca_cert_pem=ca_cert.read_text(),
        key_pem=key.read_text(),
        dns_names=["b.test", "a.test"],
        ip_addresses=["10.0.0.1"],
        uris=[],
        renew_before_hours=24.0,
    )


def test_good_certificate_passes(material: ServiceMaterial) -> None:
    assert check_service(material, _now()) == []


def test_other_ca_fails_the_chain(material: ServiceMaterial, tmp_path: Path) -> None:
    _, other = _ca(tmp_path, "Other CA")
    problems = check_service(replace(material, ca_cert_pem=other.read_text()), _now())
    assert problems == ["the chain does not verify to the CA (CN=Other CA)"]


def test_configured_san_missing_from_cert_fails(material: ServiceMaterial) -> None:
    problems = check_service(replace(material, dns_names=["a.test", "b.test", "c.test"]), _now())
    assert len(problems) == 1
    assert "SAN DNS names" in problems[0]
    assert "c.test" in problems[0]


def test_ip_san_mismatch_fails(material: ServiceMaterial) -> None:
    problems = check_service(replace(material, ip_addresses=["10.0.0.2"]), _now())
    assert len(problems) == 1
    assert "SAN IP addresses" in problems[0]


def test_other_key_fails(material: ServiceMaterial, tmp_path: Path) -> None:
    other = tmp_path / "other.key"
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", str(other))
    problems = check_service(replace(material, key_pem=other.read_text()), _now())
    assert problems == ["the private key does not match the certificate"]


def test_renewal_window_fails(material: ServiceMaterial) -> None:
    problems = check_service(replace(material, renew_before_hours=40 * 24.0), _now())
    assert len(problems) == 1
    assert "inside its renewal window" in problems[0]


def test_expired_fails(material: ServiceMaterial) -> None:
    problems = check_service(material, _now() + dt.timedelta(days=31))
    assert len(problems) == 1
    assert problems[0].startswith("expired at ")


def test_unparsable_key_is_reported_without_quoting_it(material: ServiceMaterial) -> None:
    broken = material.key_pem.replace("A", "!")
    problems = check_service(replace(material, key_pem=broken), _now())
    assert problems == ["the private key cannot be parsed"]
