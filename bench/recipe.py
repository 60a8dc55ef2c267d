"""The origin document's openssl recipe as a shell script: CA, then per service genrsa (or
ecparam for EC), `req -config -new` and `x509 -req -extfile`, one after another."""

from __future__ import annotations

import shlex

from bench.projects import RSA, dns_names, service_names

_SUBJECT_CONF = """\
[ req ]
prompt = no
distinguished_name = dn
req_extensions = ext
[ dn ]
C = GB
O = Bench Org
CN = {cn}
[ ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, {usage}
extendedKeyUsage = serverAuth
subjectAltName = {sans}
"""


def _genkey(algorithm: str, out: str) -> str:
    if algorithm == RSA:
        return f"openssl genrsa -out {out} 4096 2>/dev/null"
    return f"openssl ecparam -name prime256v1 -genkey -noout -out {out}"


def render_script(count: int, algorithm: str) -> str:
    """A bash script that issues the CA and `count` services in the current folder."""
    usage = "digitalSignature, keyEncipherment" if algorithm == RSA else "digitalSignature"
    lines = [
        "set -eu",
        "umask 077",
        _genkey(algorithm, "ca-private-key.pem"),
        "openssl req -new -x509 -days 3650 -key ca-private-key.pem -out ca-crt.pem "
        "-subj '/C=GB/O=Bench Org/CN=Bench CA'",
    ]
    for serial, name in enumerate(service_names(count), start=1):
        names = dns_names(name)
        conf = _SUBJECT_CONF.format(
            cn=names[0], usage=usage, sans=", ".join(f"DNS:{dns}" for dns in sorted(names))
        )
        lines += [
            f"cat > {name}.conf <<'CONF'\n{conf}CONF",
            _genkey(algorithm, f"{name}-private-key.pem"),
            f"openssl req -config {name}.conf -new -out {name}-csr.pem -key {name}-private-key.pem",
            f"openssl x509 -req -days 397 -in {name}-csr.pem -CA ca-crt.pem "
            f"-CAkey ca-private-key.pem -set_serial {serial} -out {name}-crt.pem "
            f"-extensions ext -extfile {shlex.quote(name + '.conf')} 2>/dev/null",
        ]
    return "\n".join(lines) + "\n"
