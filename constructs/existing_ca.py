"""Adopting a CA the team already has: the recipe's `ca-crt.pem` plus its key, kept elsewhere.

The certificate is public and lives in the repo, so it is read at synth time and checked
there. The private key is a secret kept in a password manager: it reaches Terraform only at
plan and apply time, through a sensitive variable (`TF_VAR_<id>_private_key_pem`), so it never
enters `cdktf.out/`. Whether the key matches the certificate can therefore only be checked at
plan time, by a postcondition that fails the plan before anything is signed.
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

from cdktf import (
    Fn,
    Op,
    Postcondition,
    Precondition,
    TerraformLocal,
    TerraformResourceLifecycle,
    TerraformSelf,
    TerraformVariable,
)
from cdktf_cdktf_provider_tls.data_tls_public_key import DataTlsPublicKey
from constructs import Construct
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import NameOID, PublicKeyAlgorithmOID

from . import naming, revocations
from .authority import CaFacts
from .ca_output import add_ca_output
from .key_spec import KEY_PEM_TYPES, key_spec_of
from .lifetimes import utc_text
from .rendered import place_of
from .subject import DistinguishedName

# Patterns are RE2, as Terraform's regex() runs them: no capture groups (regex() would return
# the groups instead of the match) and no backslashes (cdktf writes them into the HCL template
# as they are, where `\s` is an invalid escape), hence [:space:]. "-{5}" and "[ ]" keep the
# literal PEM markers out of cdk.tf.json, where the leak canaries and the diagnostics redaction
# look for them.
KEY_BLOCK_PATTERN = "|".join(
    f"-{{5}}BEGIN {kind}-{{5}}[A-Za-z0-9+/=[:space:]]+-{{5}}END {kind}-{{5}}"
    for kind in (pem.replace("PRIVATE KEY", "PRIVATE[ ]KEY") for pem in KEY_PEM_TYPES)
)
"""The first unencrypted key block (PKCS#8, PKCS#1 or SEC 1) in the variable."""
ENCRYPTED_KEY_PATTERN = "ENCRYPTED PRIVATE[ ]KEY|Proc-Type: 4,ENCRYPTED"
"""PKCS#8 `ENCRYPTED PRIVATE KEY` or a traditional key with a DEK-Info header."""
CARRIAGE_RETURN = "\\r"
"""An HCL escape, written as backslash-r: cdktf would put a raw CR into the template."""
_RSASSA_PSS = PublicKeyAlgorithmOID.RSASSA_PSS
"""id-RSASSA-PSS as a key algorithm: Go's x509 has no key type for it (rsaEncryption only)."""
_SUBJECT_FIELDS = {
    "country": NameOID.COUNTRY_NAME,
    "province": NameOID.STATE_OR_PROVINCE_NAME,
    "locality": NameOID.LOCALITY_NAME,
    "organization": NameOID.ORGANIZATION_NAME,
    "organizational_unit": NameOID.ORGANIZATIONAL_UNIT_NAME,
    "common_name": NameOID.COMMON_NAME,
}


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
        names = naming.ca_names(id)
        name = names.name
        owner = f"CA {name!r}"
        path = Path(cert_file)
        cert = _load_single_cert(owner, path)
        serial = _serial(cert)
        _check_go_reads(owner, path, cert, serial)
        _check_is_ca(owner, path, cert)
        _check_self_signed(owner, path, cert)
        now = dt.datetime.now(dt.UTC)
        not_after = cert.not_valid_after_utc
        if not_after <= now:
            raise ValueError(
                f"{owner}: the certificate in {path} expired on {utc_text(not_after)}; expected "
                "a CA that is still valid (rotate the CA, see README 'Replacing the CA')"
            )
        key_spec = key_spec_of(cert.public_key(), f"{owner}: the certificate in {path}")
        place = place_of(scope)
        naming.claim(
            place.stack,
            owner,
            name,
            names=(
                names.key_check_address,
                names.key_variable_address,
                names.not_after_address,
                names.output,
            ),
        )
        super().__init__(scope, id)
        # Also without a ServiceCert: the ledger may list services since removed.
        revocations.stack_ledger(place.stack)

        subject = _subject(cert)
        cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
        # The file's NotAfter, held in a local: Terraform refuses a precondition (such as
        # ServiceCert's "does not outlive the CA") that refers to no object at all.
        not_after_local = TerraformLocal(self, "not-after", utc_text(not_after))
        not_after_local.override_logical_id(names.not_after_local)
        self.variable_name = names.key_variable
        self.key_env_var = names.key_env_var

        self.key_variable = TerraformVariable(
            self,
            "key",
            type="string",
            sensitive=True,
            nullable=False,
            description=(
                f"The private key PEM of {path.name} (secret: set {self.key_env_var} "
                "from the password manager at plan and apply time; never commit it)."
            ),
        )
        self.key_variable.override_logical_id(self.variable_name)
        key_text = self.key_variable.string_value
        self.key_variable.add_validation(
            # Compared with 1, not 0: cdktf drops a falsy right-hand operand. This is the only
            # check on the variable itself: Terraform (1.11) prints a variable's value, even a
            # sensitive one, when its validation fails; a blank value is no secret.
            condition=Op.gte(Fn.length_of(Fn.trimspace(key_text)), 1),
            error_message=(
                f"{owner}: {self.key_env_var} is empty; expected the CA private key "
                f"PEM that belongs to {path}."
            ),
        )

        # The provider reads only the first PEM block, so only the key block is handed on:
        # not `openssl ecparam`'s EC PARAMETERS block, not the "Bag Attributes" preamble of
        # `openssl pkcs12 -nodes` (metadata, dropped on purpose), not CR line endings. Every
        # signed certificate forces replacement when this string changes, so the same key
        # pasted with or without CRs or a final newline re-issues nothing.
        lf_text = Fn.replace(key_text, CARRIAGE_RETURN, "")
        is_encrypted = Fn.can(Fn.regex(ENCRYPTED_KEY_PATTERN, key_text))
        has_key_block = Fn.can(Fn.regex(KEY_BLOCK_PATTERN, lf_text))
        expected = (
            cert.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
            .strip()
        )
        # Read at plan time (its input, a variable, is known then). Its preconditions judge
        # the key's shape (in preconditions, unlike variable validations, Terraform never
        # prints the value) and its postcondition that the key matches the certificate. Every
        # certificate is signed with the key as read here, so none is signed before both pass.
        self.key_check = DataTlsPublicKey(
            self,
            "key-check",
            private_key_pem=Fn.format("%s\n", [Fn.regex(KEY_BLOCK_PATTERN, lf_text)]),
            lifecycle=TerraformResourceLifecycle(
                precondition=[
                    Precondition(
                        condition=Op.not_(is_encrypted),
                        error_message=(
                            f"{owner}: {self.key_env_var} holds an encrypted key, "
                            "which the tls provider cannot read; expected the unencrypted "
                            f"key that belongs to {path}. Decrypt it with `openssl pkey -in "
                            "key.pem -out plain-key.pem` and keep the plain key only in the "
                            "password manager. Nothing was signed."
                        ),
                    ),
                    Precondition(
                        # An encrypted key is reported once, above.
                        condition=Op.or_(is_encrypted, has_key_block),
                        error_message=(
                            f"{owner}: {self.key_env_var} holds no unencrypted key block "
                            f"in PEM form; expected the key that belongs to {path}, in PKCS#8, "
                            "PKCS#1 (RSA) or SEC 1 (EC) PEM as `openssl genpkey`, `openssl "
                            "genrsa` or `openssl ecparam -genkey` write it (e.g. the recipe's "
                            "ca-private-key.pem). Nothing was signed."
                        ),
                    ),
                ],
                postcondition=[
                    Postcondition(
                        condition=Op.eq(
                            Fn.trimspace(TerraformSelf.get_string("public_key_pem")), expected
                        ),
                        error_message=(
                            f"{owner}: the key in {self.key_env_var} does not match the "
                            f"certificate {path} (their public keys differ); expected the "
                            "private key made with that certificate (the recipe's "
                            "ca-private-key.pem). Nothing was signed."
                        ),
                    )
                ],
            ),
        )
        self.key_check.override_logical_id(name)
        self.facts = CaFacts(
            name=owner,
            subject=subject,
            key_spec=key_spec,
            private_key_pem=self.key_check.private_key_pem,
            cert_pem=cert_pem,
            chain_pems=(),
            root_cert_pem=cert_pem,
            validity_end_time=not_after_local.as_string,
            max_leaf_validity_days=(not_after - now).days,
        )

        add_ca_output(
            place.child(self, id),
            names.output,
            description=f"The {name} certificate (not secret): for the load-balancer admins.",
            cert_pem=cert_pem,
            serial=str(serial),
            not_before=utc_text(cert.not_valid_before_utc),
            not_after=utc_text(not_after),
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
        with warnings.catch_warnings():
            # A non-positive serial: _check_go_reads refuses the negative ones in its words.
            warnings.simplefilter("ignore", CryptographyDeprecationWarning)
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


def _serial(cert: x509.Certificate) -> int:
    """The serial, without cryptography's warning about zero or negative ones (checked here)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        return cert.serial_number


def _check_go_reads(owner: str, path: Path, cert: x509.Certificate, serial: int) -> None:
    """Refuse a CA certificate that hashicorp/tls 4.1.0 (Go's crypto/x509) cannot sign with.

    cryptography reads all of these, and re-encodes their keys in the usual form, so the plan
    would pass; the real provider fails at apply instead, after keys and requests are made.
    """
    where = f"{owner}: cert_file {str(path)!r}"
    if serial < 0:
        # Go 1.23+ x509.ParseCertificate; the provider's go.mod (go 1.23.7) keeps that default.
        raise ValueError(
            f"{where} has a negative serial ({serial}); the tls provider (Go) refuses to "
            "parse it; expected a positive serial: re-issue the CA certificate with the same "
            "key and a positive -set_serial"
        )
    if cert.public_key_algorithm_oid == _RSASSA_PSS:
        # Go parses the certificate but has no such key type, nor can it read the private key.
        raise ValueError(
            f"{where} has an RSASSA-PSS public key ({_RSASSA_PSS.dotted_string}); the tls "
            "provider (Go) can neither read its private key nor sign with it; expected an "
            "rsaEncryption RSA key (`openssl genrsa`) or a named-curve ECDSA key"
        )
    public_key = cert.public_key()
    # cryptography hands an EC key back on its named curve with an uncompressed point: the
    # file must hold that form. Go refuses both other forms: a compressed point (its BIT
    # STRING is in the TBS) and explicit curve parameters.
    if isinstance(public_key, ec.EllipticCurvePublicKey) and (
        public_key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        not in cert.tbs_certificate_bytes
    ):
        if _compressed_point(public_key) in cert.tbs_certificate_bytes:
            raise ValueError(
                f"{where} has an ECDSA key with a compressed public point; the tls provider "
                "(Go) refuses to parse it; expected an uncompressed point, as `openssl ecparam "
                "-name prime256v1 -genkey -noout` writes it (no -conv_form compressed)"
            )
        raise ValueError(
            f"{where} has an ECDSA key with explicit curve parameters; the tls provider (Go) "
            "refuses to parse it; expected a named curve (P256, P384 or P521), as `openssl "
            "ecparam -name prime256v1 -genkey -noout` writes it (no -param_enc explicit)"
        )


def _compressed_point(public_key: ec.EllipticCurvePublicKey) -> bytes:
    """The DER BIT STRING an SPKI holds for this key's point in compressed form (02/03 || X)."""
    point = public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
    )
    return bytes([0x03, len(point) + 1, 0x00]) + point  # at most 67 bytes: a short length


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


def _subject(cert: x509.Certificate) -> DistinguishedName:
    """The organisation fields services inherit; the first value where a field repeats."""
    values: dict[str, str | None] = {}
    for field, oid in _SUBJECT_FIELDS.items():
        found = cert.subject.get_attributes_for_oid(oid)
        values[field] = str(found[0].value) if found else None
    return DistinguishedName(**values)
