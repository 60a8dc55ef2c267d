"""End-to-end: state in a real PostgreSQL through Terraform's pg backend.

Checks read the backend's own table with psql and the certificates with openssl, never with
internal_ca's code.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cert_checks import sha256_fingerprint
from e2e_project import TempProject, openssl, service_line
from postgres_server import PgTarget

pytestmark = [pytest.mark.e2e, pytest.mark.pg, pytest.mark.conformance]

TWO = service_line("web", "web.example") + service_line("api", "api.example")


def _stored_serials(pg: PgTarget) -> dict[str, str]:
    """Certificate serials straight from the states table (decimal ids, as Terraform keeps)."""
    rows = pg.sql(
        "SELECT r->>'name', i->'attributes'->>'id' "  # noqa: S608 - fixed schema name
        f"FROM {pg.schema}.states s, jsonb_array_elements(s.data::jsonb->'resources') r, "
        "jsonb_array_elements(r->'instances') i "
        "WHERE r->>'type' IN ('tls_locally_signed_cert', 'tls_self_signed_cert') "
        "AND s.name = 'default'"
    )
    return {name: serial for name, serial in rows}


def _openssl_serial(pem: str) -> int:
    done = openssl("x509", "-noout", "-serial", input=pem)
    return int(done.stdout.strip().split("=", 1)[1], 16)


def test_deploy_keeps_state_in_postgres_and_second_plan_is_clean(
    tmp_path: Path, pg: PgTarget
) -> None:
    project = TempProject(tmp_path / "p")
    project.write_app(TWO)
    project.deploy(**pg.env())

    assert pg.stored_state_names() == ["default"]
    stored = _stored_serials(pg)
    assert set(stored) == {"ca", "web", "api"}
    for name, info in project.services().items():
        assert _openssl_serial(info["cert_pem"]) == int(stored[name])
    assert not (tmp_path / "p" / "state" / "internal-ca.tfstate").exists()
    assert project.plan_exit_code(**pg.env()) == 0


def test_synthesized_stack_holds_no_password(tmp_path: Path, pg: PgTarget) -> None:
    project = TempProject(tmp_path / "p")
    project.write_app(TWO)
    project.deploy(**pg.env())

    backend = json.loads((project.stack_dir / "cdk.tf.json").read_text())["terraform"]["backend"]
    assert backend["pg"]["schema_name"] == "internal_ca"
    assert pg.server.password not in backend["pg"]["conn_str"]
    for path in (tmp_path / "p" / "cdktf.out").rglob("*"):
        if path.is_file():
            assert pg.server.password.encode() not in path.read_bytes(), path


def test_backup_and_restore_keeps_every_serial(tmp_path: Path, pg: PgTarget) -> None:
    project = TempProject(tmp_path / "p")
    project.write_app(TWO)
    project.deploy()
    before = _stored_serials(pg)

    dump = tmp_path / "backup.dump"
    pg.dump(dump)
    pg.server.client("dropdb", pg.dbname)
    assert pg.dbname not in _databases(pg)
    pg.server.client("createdb", pg.dbname)
    pg.server.client("pg_restore", "--no-owner", "-d", pg.dbname, str(dump))

    assert _stored_serials(pg) == before
    assert project.plan_exit_code() == 0
    assert {name: int(serial) for name, serial in project.serials().items()} == {
        name: int(before[name]) for name in ("web", "api")
    }


def _databases(pg: PgTarget) -> list[str]:
    return [row[0] for row in pg.server.psql("SELECT datname FROM pg_database", "postgres")]


def test_migration_from_local_state_preserves_every_serial(tmp_path: Path, pg: PgTarget) -> None:
    project = TempProject(tmp_path / "p")
    project.write_app(TWO)
    project.deploy(INTERNAL_CA_BACKEND="local")
    local = tmp_path / "p" / "state" / "internal-ca.tfstate"
    local_serials = {
        r["name"]: r["instances"][0]["attributes"]["id"]
        for r in json.loads(local.read_text())["resources"]
        if r["type"] in ("tls_locally_signed_cert", "tls_self_signed_cert")
    }

    refused = project.cli("deploy", "--auto-approve", check=False)
    assert refused.returncode == 1
    assert "internal-ca migrate-state" in refused.stderr
    assert _tables(pg) == []

    done = project.cli("migrate-state")
    assert "every serial preserved" in done.stdout
    assert not local.exists()
    assert (local.parent / "internal-ca.tfstate.migrated").exists()
    assert _stored_serials(pg) == local_serials
    assert project.plan_exit_code() == 0
    project.deploy()
    assert _stored_serials(pg) == local_serials


def _tables(pg: PgTarget) -> list[str]:
    return [
        row[0]
        for row in pg.sql(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
        )
    ]


def test_migration_refuses_to_overwrite_a_pg_state(tmp_path: Path, pg: PgTarget) -> None:
    team = TempProject(tmp_path / "team")
    team.write_app(TWO)
    team.deploy()
    before = _stored_serials(pg)
    mine = TempProject(tmp_path / "mine")
    mine.write_app(TWO)
    mine.deploy(INTERNAL_CA_BACKEND="local")

    refused = mine.cli("migrate-state", check=False)
    assert refused.returncode == 1
    assert "already holds" in refused.stderr
    assert (tmp_path / "mine" / "state" / "internal-ca.tfstate").exists()
    assert _stored_serials(pg) == before


def test_a_mistyped_schema_is_refused_naming_the_pinned_ca(tmp_path: Path, pg: PgTarget) -> None:
    """An empty schema looks like a new stack: the CA pin stops plan and deploy."""
    project = TempProject(tmp_path / "p")
    project.write_app(TWO)
    project.deploy(**pg.env())
    before = _stored_serials(pg)
    pin = project.root / "pins" / "internal-ca" / "ca-crt.pem"
    fingerprint = sha256_fingerprint(pin)
    typo = {**pg.env(), "INTERNAL_CA_PG_SCHEMA": "internal_ca_typo"}
    # As on a fresh CI runner: no .terraform/ remembering the old backend (with one, init
    # itself refuses: "Backend configuration changed").
    shutil.rmtree(project.stack_dir / ".terraform")
    for command in (("plan",), ("deploy", "--auto-approve")):
        done = project.cli(*command, check=False, env=typo)
        output = done.stdout + done.stderr
        assert done.returncode == 3, output[-2000:]
        assert fingerprint in output
        assert "the plan would create CA 'ca'" in output
    assert _stored_serials(pg) == before
    stored = pg.sql(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'internal_ca_typo'"
    )
    if stored[0][0] != "0":  # Terraform's init may create the empty table; never a state row
        assert pg.sql("SELECT count(*) FROM internal_ca_typo.states") == [["0"]]
