"""Backend choice and lock timeouts: pure rules, one behaviour per test."""

from __future__ import annotations

import pytest

from internal_ca.errors import OperationError
from internal_ca.state.lock import lock_timeout_env
from stacks.backend_config import backend_choice, reject_password, sanitize_schema

URL = "postgres://ca@db.example:5432/ca_state?sslmode=verify-full"


def test_local_state_is_the_default() -> None:
    assert backend_choice("internal-ca", {}).kind == "local"


def test_pg_takes_conn_str_and_a_schema_named_after_the_stack() -> None:
    choice = backend_choice(
        "internal-ca", {"INTERNAL_CA_BACKEND": "pg", "INTERNAL_CA_PG_CONN_STR": URL}
    )
    assert choice.pg is not None
    assert (choice.pg.conn_str, choice.pg.schema_name) == (URL, "internal_ca")


def test_pg_without_conn_str_leaves_it_to_pg_conn_str_at_run_time() -> None:
    choice = backend_choice("internal-ca", {"INTERNAL_CA_BACKEND": "pg"})
    assert choice.pg is not None
    assert choice.pg.conn_str is None


def test_schema_can_be_chosen() -> None:
    env = {"INTERNAL_CA_BACKEND": "pg", "INTERNAL_CA_PG_SCHEMA": "team_ca"}
    choice = backend_choice("internal-ca", env)
    assert choice.pg is not None
    assert choice.pg.schema_name == "team_ca"


def test_unsafe_schema_name_is_rejected() -> None:
    env = {"INTERNAL_CA_BACKEND": "pg", "INTERNAL_CA_PG_SCHEMA": "x; drop table y"}
    with pytest.raises(ValueError, match="not a plain PostgreSQL schema name"):
        backend_choice("internal-ca", env)


def test_unknown_backend_is_rejected() -> None:
    with pytest.raises(ValueError, match="INTERNAL_CA_BACKEND='s3' is not known"):
        backend_choice("internal-ca", {"INTERNAL_CA_BACKEND": "s3"})


@pytest.mark.parametrize(
    "conn_str",
    [
        "postgres://ca:hunter2@db.example/ca_state",
        "postgresql://ca:@db.example/ca_state",
        "postgres://ca@db.example/ca_state?password=hunter2",
        "host=db.example user=ca password=hunter2 dbname=ca_state",
        "host=db.example PASSWORD = hunter2",
    ],
)
def test_conn_str_with_a_password_is_rejected(conn_str: str) -> None:
    with pytest.raises(ValueError, match="must not contain a password"):
        reject_password(conn_str)


@pytest.mark.parametrize(
    "conn_str", [URL, "host=db.example user=ca dbname=ca_state sslmode=require"]
)
def test_conn_str_without_password_is_accepted(conn_str: str) -> None:
    reject_password(conn_str)


def test_rejection_message_never_echoes_the_password() -> None:
    with pytest.raises(ValueError) as caught:
        reject_password("postgres://ca:hunter2@db.example/ca_state")
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize(("stack", "schema"), [("internal-ca", "internal_ca"), ("9x", "s_9x")])
def test_schema_from_stack_name(stack: str, schema: str) -> None:
    assert sanitize_schema(stack) == schema


def test_lock_timeout_defaults_to_two_minutes_for_plan_and_apply() -> None:
    env = lock_timeout_env({})
    assert env["TF_CLI_ARGS_plan"] == "-lock-timeout=120s"
    assert env["TF_CLI_ARGS_apply"] == "-lock-timeout=120s"


def test_lock_timeout_is_configurable() -> None:
    env = lock_timeout_env({"INTERNAL_CA_LOCK_TIMEOUT": "5m"})
    assert env["TF_CLI_ARGS_plan"] == "-lock-timeout=5m"


def test_lock_timeout_never_inherits_the_users_arguments() -> None:
    """A user's TF_CLI_ARGS_plan could say -state=elsewhere: only our own flag is set."""
    user = {"TF_CLI_ARGS_plan": "-state=elsewhere", "TF_CLI_ARGS_apply": "-lock-timeout=9s"}
    env = lock_timeout_env(user)
    assert env["TF_CLI_ARGS_plan"] == "-lock-timeout=120s"
    assert env["TF_CLI_ARGS_apply"] == "-lock-timeout=120s"


def test_bad_lock_timeout_is_rejected() -> None:
    with pytest.raises(OperationError, match="is not a duration"):
        lock_timeout_env({"INTERNAL_CA_LOCK_TIMEOUT": "soon"})
