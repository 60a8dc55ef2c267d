"""Adopting a CA the team already has: the recipe's `ca-crt.pem` plus its key, kept elsewhere.

The certificate is public and lives in the repo, so it is read at synth time and checked
there. The private key is a secret kept in a password manager: it reaches Terraform only at
plan and apply time, through a sensitive variable (`TF_VAR_<id>_private_key_pem`), so it never
enters `cdktf.out/`. Whether the key matches the certificate can therefore only be checked at
plan time, by a postcondition that fails the plan before anything is signed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cdktf import (
    Fn,
    Op,
    Postcondition,
    TerraformLocal,
    TerraformResourceLifecycle,
    TerraformSelf,
    TerraformVariable,
)
from cdktf_cdktf_provider_tls.data_tls_public_key import DataTlsPublicKey
from constructs import Construct
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from . import addresses
from .authority import CaFacts
from .ca_output import add_ca_output
from .key_spec import KeySpec, ecdsa
from .key_spec import rsa as rsa_spec
from .subject import DistinguishedName

_MIN_RSA_BITS = 2048
_CURVES = {"secp256r1": "P256", "secp384r1": "P384", "secp521r1": "P521"}
_SUBJECT_FIELDS = {
    "country": NameOID.COUNTRY_NAME,
    "province": NameOID.STATE_OR_PROVINCE_NAME,
    "locality": NameOID.LOCALITY_NAME,
    "organization": NameOID.ORGANIZATION_NAME,
    "organizational_unit": NameOID.ORGANIZATIONAL_UNIT_NAME,
    "common_name": NameOID.COMMON_NAME,
}


def key_variable_name(ca_id: str) -> str:
    """The Terraform variable that carries the CA key: set it as TF_VAR_<this>."""
    return f"{ca_id}_private_key_pem"


class ExistingCa(Construct):
    """Signs service certificates with a CA made outside this project (e.g. by the recipe).

    Nothing is created for the CA itself: there is no CA resource to destroy or replace, and
    the certificate stays byte-for-byte the file the load balancers already trust.
    """

    def __init__(self, scope: Construct, id: str, *, cert_file: str | Path) -> None:
        """
        :param cert_file: the CA certificate PEM in the repo, e.g. "ca-crt.pem"; a relative
            path is relative to the folder `cdktf synth` runs in (the project root). The key is
            never a prop: it comes from the environment as TF_VAR_<id>_private_key_pem at plan
            and apply time.
        """
        name = addresses.check_ca_name(id)
        owner = f"CA {name!r}"
        path = Path(cert_file)
        cert = _load_single_cert(owner, path)
        _check_is_ca(owner, path, cert)
        _check_self_signed(owner, path, cert)
        now = dt.datetime.now(dt.UTC)
        not_after = cert.not_valid_after_utc
        if not_after <= now:
            raise ValueError(
                f"{owner}: the certificate in {path} expired on {_rfc3339(not_after)}; expected "
                "a CA that is still valid (rotate the CA, see README 'Replacing the CA')"
            )
        key_spec = _key_spec(owner, path, cert)
        # Claimed before the construct exists, so a clash is reported in these words rather
        # than as a jsii error about construct names.
        addresses.claim(scope, name, owner)
        super().__init__(scope, id)

        subject = _subject(cert)
        cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
        # The file's NotAfter, held in a local: Terraform refuses a precondition (such as
        # ServiceCert's "does not outlive the CA") that refers to no object at all.
        not_after_local = TerraformLocal(self, "not-after", _rfc3339(not_after))
        not_after_local.override_logical_id(f"{name}_not_after")
        self.variable_name = key_variable_name(name)

        self.key_variable = TerraformVariable(
            self,
            "key",
            type="string",
            sensitive=True,
            nullable=False,
            description=(
                f"The private key PEM of {path.name} (secret: set TF_VAR_{self.variable_name} "
                "from the password manager at plan and apply time; never commit it)."
            ),
        )
        self.key_variable.override_logical_id(self.variable_name)
        self.key_variable.add_validation(
            # Compared with 1, not 0: cdktf drops a falsy right-hand operand.
            condition=Op.gte(Fn.length_of(Fn.trimspace(self.key_variable.string_value)), 1),
            error_message=(
                f"{owner}: TF_VAR_{self.variable_name} is empty; expected the CA private key "
                f"PEM that belongs to {path}."
            ),
        )

        # Every signed certificate forces replacement when this string changes, so a key pasted
        # with or without a trailing newline must not re-issue everything: normalise it.
        private_key_pem = str(Fn.format("%s\n", [Fn.trimspace(self.key_variable.string_value)]))
        self.facts = CaFacts(
            name=owner,
            subject=subject,
            key_spec=key_spec,
            private_key_pem=private_key_pem,
            cert_pem=cert_pem,
            chain_pems=(),
            root_cert_pem=cert_pem,
            validity_end_time=not_after_local.as_string,
            max_leaf_validity_days=(not_after - now).days,
        )

        expected = (
            cert.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
            .strip()
        )
        # Read at plan time (its input, a variable, is known then), so a wrong key fails the
        # plan and no certificate is signed with it.
        self.key_check = DataTlsPublicKey(
            self,
            "key-check",
            private_key_pem=private_key_pem,
            lifecycle=TerraformResourceLifecycle(
                postcondition=[
                    Postcondition(
                        condition=Op.eq(
                            Fn.trimspace(TerraformSelf.get_string("public_key_pem")), expected
                        ),
                        error_message=(
                            f"{owner}: the key in TF_VAR_{self.variable_name} does not match the "
                            f"certificate {path} (their public keys differ); expected the "
                            "private key made with that certificate (the recipe's "
                            "ca-private-key.pem). Nothing was signed."
                        ),
                    )
                ]
            ),
        )
        self.key_check.override_logical_id(name)

        add_ca_output(
            self,
            name,
            description=f"The {name} certificate (not secret): for the load-balancer admins.",
            cert_pem=cert_pem,
            serial=str(cert.serial_number),
            not_before=_rfc3339(cert.not_valid_before_utc),
            not_after=_rfc3339(not_after),
            subject=subject,
            key_spec=key_spec,
        )


def _load_single_cert(owner: str, path: Path) -> x509.Certificate:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ValueError(
            f"{owner}: cert_file {str(path)!r} cannot be read ({error.strerror}); expected the "
            "CA certificate PEM, e.g. the recipe's ca-crt.pem"
        ) from None
    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError:
        raise ValueError(
            f"{owner}: cert_file {str(path)!r} holds no PEM certificate; expected the CA "
            "certificate ('-----BEGIN CERTIFICATE-----'), e.g. the recipe's ca-crt.pem"
        ) from None
    if len(certs) != 1:
        raise ValueError(
            f"{owner}: cert_file {str(path)!r} holds {len(certs)} certificates; expected "
            "exactly one, the CA certificate"
        )
    return certs[0]


def _check_is_ca(owner: str, path: Path, cert: x509.Certificate) -> None:
    try:
        constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        constraints = None
    if constraints is None or not constraints.ca:
        raise ValueError(
            f"{owner}: the certificate in {path} is not a CA certificate (basic constraints "
            "CA:TRUE is missing); expected a CA such as the one from the recipe's "
            "`openssl req -new -x509`"
        )


def _check_self_signed(owner: str, path: Path, cert: x509.Certificate) -> None:
    # Outputs give this certificate to load balancers as the trust anchor; for a CA that is
    # itself signed by another, that would be the wrong anchor and the chain would be missing.
    if cert.issuer != cert.subject:
        raise ValueError(
            f"{owner}: the certificate in {path} is issued by {cert.issuer.rfc4514_string()!r}, "
            "not by itself; expected a self-signed root CA certificate"
        )


def _key_spec(owner: str, path: Path, cert: x509.Certificate) -> KeySpec:
    public = cert.public_key()
    if isinstance(public, rsa.RSAPublicKey):
        if public.key_size < _MIN_RSA_BITS:
            raise ValueError(
                f"{owner}: the certificate in {path} has a {public.key_size}-bit RSA key; "
                f"expected at least {_MIN_RSA_BITS} bits"
            )
        return rsa_spec(public.key_size)
    if isinstance(public, ec.EllipticCurvePublicKey) and public.curve.name in _CURVES:
        return ecdsa(_CURVES[public.curve.name])
    raise ValueError(
        f"{owner}: the certificate in {path} has a {type(public).__name__} key, which this "
        "project cannot sign with; expected RSA (2048 bits or more) or ECDSA P256, P384 or P521"
    )


def _subject(cert: x509.Certificate) -> DistinguishedName:
    """The organisation fields services inherit; the first value where a field repeats."""
    values: dict[str, str | None] = {}
    for field, oid in _SUBJECT_FIELDS.items():
        found = cert.subject.get_attributes_for_oid(oid)
        values[field] = str(found[0].value) if found else None
    return DistinguishedName(**values)


def _rfc3339(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
