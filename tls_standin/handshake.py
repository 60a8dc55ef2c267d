"""go-plugin handshake and process lifecycle for the stand-in provider.

Terraform starts the plugin with TF_PLUGIN_MAGIC_COOKIE, PLUGIN_PROTOCOL_VERSIONS and (auto
mTLS) PLUGIN_CLIENT_CERT. We generate an ephemeral self-signed server certificate in memory
(never written to disk), listen on a unix socket in a private (0700) temp dir and answer with
`1|6|unix|<socket>|grpc|<base64 DER cert>` on stdout. Heavy imports happen here, once, and
the crypto modules only where needed, because Terraform launches the plugin several times
per command.
"""

import base64
import os
import shutil
import signal
import sys
import tempfile
import threading
from typing import Any

MAGIC_COOKIE_KEY = "TF_PLUGIN_MAGIC_COOKIE"
MAGIC_COOKIE_VALUE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
CORE_PROTOCOL_VERSION = 1
APP_PROTOCOL_VERSION = 6
WORKERS = 10
SOCKET_DIR_PREFIX = "tls-standin-"
"""Socket folders are named tls-standin-<pid>-<random>, so a later start can tell whose they are."""


def sweep_stale_socket_dirs() -> None:
    """Remove socket folders whose stand-in is gone: a SIGKILLed one cannot remove its own."""
    base = tempfile.gettempdir()
    for name in os.listdir(base):
        pid, _, rest = name.removeprefix(SOCKET_DIR_PREFIX).partition("-")
        if not name.startswith(SOCKET_DIR_PREFIX) or not pid.isdigit() or not rest:
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(os.path.join(base, name), ignore_errors=True)
        except PermissionError:
            continue  # another user's live process


def _server_certificate() -> tuple[bytes, bytes, bytes]:
    """(cert PEM, key PEM, cert DER) for localhost, shaped like go-plugin's own cert."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "HashiCorp"),
            x509.NameAttribute(NameOID.COMMON_NAME, "localhost"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(seconds=30))
        .not_valid_after(now + dt.timedelta(hours=262980))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return (
        cert.public_bytes(serialization.Encoding.PEM),
        key_pem,
        cert.public_bytes(serialization.Encoding.DER),
    )


def _refuse(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.exit(1)


def main() -> None:
    """Serve the provider until Terraform asks it to shut down."""
    if os.environ.get(MAGIC_COOKIE_KEY) != MAGIC_COOKIE_VALUE:
        _refuse(
            "This binary is a plugin (an offline stand-in for hashicorp/tls 4.1.0). "
            "It is not meant to be executed directly; Terraform runs it."
        )
    versions = os.environ.get("PLUGIN_PROTOCOL_VERSIONS", str(APP_PROTOCOL_VERSION))
    if str(APP_PROTOCOL_VERSION) not in [v.strip() for v in versions.split(",")]:
        _refuse(f"Terraform asked for plugin protocol {versions}; this plugin speaks only 6.")
    # go-plugin servers keep running on Ctrl-C; Terraform stops them over gRPC.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    from concurrent import futures

    import grpc  # type: ignore[import-untyped]  # grpcio ships no type stubs
    from tf.gen import grpc_controller_pb2 as controller_pb
    from tf.gen import grpc_controller_pb2_grpc as controller_rpc
    from tf.gen import grpc_stdio_pb2_grpc as stdio_rpc
    from tf.gen import tfplugin_pb2_grpc as provider_rpc

    from tls_standin.server import ProviderService

    shutdown = threading.Event()
    sweep_stale_socket_dirs()
    sock_dir = tempfile.mkdtemp(prefix=f"{SOCKET_DIR_PREFIX}{os.getpid()}-")
    socket_path = os.path.join(sock_dir, "plugin.sock")

    def cleanup() -> None:
        # The live connection does not need the path; remove it first so a SIGKILL that
        # follows a slow exit (go-plugin waits 2 s) leaves nothing behind in /tmp.
        shutil.rmtree(sock_dir, ignore_errors=True)

    class Controller:
        """plugin.GRPCController: Shutdown ends the process."""

        def Shutdown(self, request: Any, context: Any) -> Any:
            cleanup()
            shutdown.set()
            return controller_pb.Empty()

    class Stdio:
        """plugin.GRPCStdio: we never forward stdout/stderr over gRPC; end at once."""

        def StreamStdio(self, request: Any, context: Any) -> Any:
            return iter(())

    try:
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=WORKERS))
        provider_rpc.add_ProviderServicer_to_server(ProviderService(), server)
        controller_rpc.add_GRPCControllerServicer_to_server(Controller(), server)
        stdio_rpc.add_GRPCStdioServicer_to_server(Stdio(), server)

        client_cert = os.environ.get("PLUGIN_CLIENT_CERT", "").encode()
        cert_field = ""
        if client_cert:
            cert_pem, key_pem, cert_der = _server_certificate()
            # Terraform's client certificate is ECDSA P-521/SHA-512, which gRPC's BoringSSL does
            # not accept for client authentication, so Go would send no certificate and the
            # handshake would fail. The server side of auto-mTLS is kept (Terraform pins our
            # cert), and the socket lives in a 0700 directory only this user can reach.
            credentials = grpc.ssl_server_credentials(
                [(key_pem, cert_pem)], require_client_auth=False
            )
            server.add_secure_port(f"unix:{socket_path}", credentials)
            cert_field = base64.b64encode(cert_der).decode().rstrip("=")
        else:
            server.add_insecure_port(f"unix:{socket_path}")
        server.start()
        line = (
            f"{CORE_PROTOCOL_VERSION}|{APP_PROTOCOL_VERSION}|unix|{socket_path}|grpc|{cert_field}"
        )
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
    except BaseException:
        # Terraform gone mid-handshake (the handshake line cannot be written): leave nothing.
        cleanup()
        raise
    signal.signal(signal.SIGTERM, lambda signum, frame: shutdown.set())
    try:
        shutdown.wait()
        server.stop(grace=1.0).wait(2.0)
    finally:
        cleanup()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
