"""A throw-away PostgreSQL server for tests: initdb and pg_ctl in a temp folder.

It listens only on 127.0.0.1 (a free port) and on a unix socket inside its own folder, and
asks for a password over TCP, so a test can prove that the password reaches Terraform from
PGPASSWORD at run time and from nowhere else. initdb and postgres refuse to run as root, so
under root (as in CI) the server runs as an unprivileged account that owns the temp folder.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "ca_admin"
_UNPRIVILEGED = ("postgres", "nobody")


def find_pg_tool(name: str) -> str | None:
    """A PostgreSQL program from PATH or Debian's versioned folders (newest first)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_version_key)
    return candidates[-1] if candidates else None


def _version_key(path: str) -> tuple[int, str]:
    version = Path(path).parent.parent.name
    return (int(version) if version.isdigit() else 0, path)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class PostgresServer:
    """One server; `database()` hands each test a fresh, empty database."""

    def __init__(self) -> None:
        initdb = find_pg_tool("initdb")
        if initdb is None:
            raise FileNotFoundError("initdb")
        self.bin_dir = Path(initdb).resolve().parent
        self.password = "pw-" + secrets.token_hex(12)
        self.port = _free_port()
        self.host = "127.0.0.1"
        self.user = SUPERUSER
        self._run_as = self._pick_account()
        self.root = Path(tempfile.mkdtemp(prefix="internal-ca-pg-"))
        self.data_dir = self.root / "data"
        self.socket_dir = self.root / "socket"
        self.log_file = self.root / "server.log"
        self._started = False
        self._databases = 0

    @staticmethod
    def _pick_account() -> pwd.struct_passwd | None:
        if os.geteuid() != 0:
            return None
        for name in _UNPRIVILEGED:
            try:
                return pwd.getpwnam(name)
            except KeyError:
                continue
        raise RuntimeError("running as root and no unprivileged account to run PostgreSQL as")

    def _tool(self, name: str) -> str:
        local = self.bin_dir / name
        return str(local) if local.exists() else (find_pg_tool(name) or name)

    def _server_command(self, args: Sequence[str]) -> subprocess.CompletedProcess[str]:
        """Run initdb/pg_ctl as the server's account (never as root)."""
        command = list(args)
        if self._run_as is not None:
            command = ["runuser", "-u", self._run_as.pw_name, "--", *command]
        return subprocess.run(command, text=True, capture_output=True, check=False, cwd=self.root)

    def start(self) -> None:
        self.socket_dir.mkdir()
        password_file = self.root / "pwfile"
        password_file.write_text(self.password + "\n")
        password_file.chmod(0o600)
        if self._run_as is not None:
            for path in (self.root, self.socket_dir, password_file):
                os.chown(path, self._run_as.pw_uid, self._run_as.pw_gid)
        done = self._server_command(
            [
                self._tool("initdb"),
                "-D", str(self.data_dir),
                "-U", self.user,
                f"--pwfile={password_file}",
                "--auth-local=scram-sha-256",
                "--auth-host=scram-sha-256",
                "-E", "UTF8",
                "--no-sync",
            ]
        )  # fmt: skip
        password_file.unlink()
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {done.stdout}{done.stderr}")
        options = (
            f"-c listen_addresses={self.host} -p {self.port} -k {self.socket_dir} "
            "-c fsync=off -c max_connections=40"
        )
        done = self._server_command(
            [self._tool("pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log_file),
             "-o", options, "-w", "-t", "60", "start"]
        )  # fmt: skip
        self._started = True
        if done.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed: {done.stdout}{done.stderr}{self.log()}")

    def stop(self) -> None:
        """Stop the server (fast, no checkpoint wait) and delete its folder."""
        try:
            if self._started:
                self._server_command(
                    [self._tool("pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "-w",
                     "stop"]
                )  # fmt: skip
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        try:
            return self.log_file.read_text()
        except OSError:
            return ""

    def client_env(self, dbname: str = "postgres") -> dict[str, str]:
        """libpq variables for psql/pg_dump as the superuser, over TCP with the password."""
        env = dict(os.environ)
        env.update(
            {
                "PGHOST": self.host,
                "PGPORT": str(self.port),
                "PGUSER": self.user,
                "PGPASSWORD": self.password,
                "PGDATABASE": dbname,
                "PGSSLMODE": "disable",
                "PGCONNECT_TIMEOUT": "10",
            }
        )
        return env

    def client(
        self, tool: str, *args: str, dbname: str = "postgres", check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """psql, pg_dump, pg_restore, createdb or dropdb against this server."""
        done = subprocess.run(
            [self._tool(tool), *args],
            env=self.client_env(dbname),
            text=True,
            capture_output=True,
            check=False,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"{tool} {' '.join(args)} failed: {done.stderr}")
        return done

    def psql(self, sql: str, dbname: str) -> list[list[str]]:
        """Rows of a query, as unaligned text fields."""
        done = self.client("psql", "-X", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                           "-c", sql, dbname=dbname)  # fmt: skip
        return [line.split("\t") for line in done.stdout.splitlines() if line]

    def database(self, prefix: str = "ca") -> str:
        """Create a new empty database and return its name."""
        self._databases += 1
        name = f"{prefix}_{self._databases}_{secrets.token_hex(3)}"
        self.client("createdb", name)
        return name

    def conn_str(self, dbname: str) -> str:
        """A password-free URL for the backend: the password travels in PGPASSWORD."""
        return f"postgres://{self.user}@{self.host}:{self.port}/{dbname}?sslmode=disable"


@dataclass
class PgTarget:
    """One empty database on the test server, and the environment that points a deploy at it."""

    server: PostgresServer
    dbname: str
    schema: str = "internal_ca"

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            "INTERNAL_CA_BACKEND": "pg",
            "INTERNAL_CA_PG_CONN_STR": self.server.conn_str(self.dbname),
            "PGPASSWORD": self.server.password,
            "INTERNAL_CA_LOCK_TIMEOUT": "120s",
        }
        env.update(extra)
        return env

    def sql(self, query: str) -> list[list[str]]:
        return self.server.psql(query, self.dbname)

    def stored_state_names(self) -> list[str]:
        query = f"SELECT name FROM {self.schema}.states ORDER BY name"  # noqa: S608 - fixed name
        return [row[0] for row in self.sql(query)]

    def dump(self, dest: Path) -> None:
        self.server.client("pg_dump", "-Fc", "-f", str(dest), self.dbname, dbname=self.dbname)
