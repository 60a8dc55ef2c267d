"""Inherited variables that would move state, add arguments, swap the provider or log keys."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from internal_ca.cli import main
from internal_ca.errors import OperationError
from internal_ca.terraform.environment import ALLOW_DEBUG_LOG_VAR, check_inherited

ARGUMENTS = "-backend-config=password=hunter2"


def refusal(environ: dict[str, str], *, real_provider: bool = True) -> str:
    with pytest.raises(OperationError) as caught:
        check_inherited(environ, real_provider=real_provider)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_an_ordinary_environment_passes() -> None:
    check_inherited(
        {"PATH": "/usr/bin", "TF_LOG_PATH": "terraform.log", "TF_IN_AUTOMATION": "1"},
        real_provider=True,
    )


@pytest.mark.parametrize("name", ["TF_WORKSPACE", "TF_DATA_DIR"])
def test_a_variable_that_moves_state_is_refused_with_its_value(name: str) -> None:
    message = refusal({name: "other"})
    assert message.startswith(f"{name}='other' is set;")
    assert message.endswith("expected it unset")


@pytest.mark.parametrize(
    "name", ["TF_CLI_ARGS", "TF_CLI_ARGS_plan", "TF_CLI_ARGS_apply", "TF_CLI_ARGS_init"]
)
def test_tool_arguments_are_refused_and_never_echoed(name: str) -> None:
    message = refusal({name: ARGUMENTS})
    assert message.startswith(f"{name} is set;")
    assert "hunter2" not in message
    assert "expected it unset" in message


def test_an_empty_variable_is_unset_for_terraform() -> None:
    check_inherited({"TF_WORKSPACE": "", "TF_CLI_ARGS_plan": ""}, real_provider=True)


def test_reattached_providers_are_refused() -> None:
    assert refusal({"TF_REATTACH_PROVIDERS": "{}"}).startswith("TF_REATTACH_PROVIDERS is set;")


@pytest.mark.parametrize("name", ["TF_CLI_CONFIG_FILE", "TERRAFORM_CONFIG"])
def test_real_provider_modes_refuse_an_inherited_cli_config(name: str, tmp_path: Path) -> None:
    config = tmp_path / "terraformrc"
    config.write_text("")
    message = refusal({name: str(config)})
    assert message.startswith(f"{name}={str(config)!r} is set;")
    assert "registry or mirror" in message


def test_a_cli_config_that_does_not_exist_configures_nothing(tmp_path: Path) -> None:
    check_inherited({"TF_CLI_CONFIG_FILE": str(tmp_path / "missing")}, real_provider=True)


def test_the_standin_mode_replaces_an_inherited_cli_config(tmp_path: Path) -> None:
    check_inherited({"TF_CLI_CONFIG_FILE": str(tmp_path)}, real_provider=False)


LOG_NAMES = [
    "TF_LOG",
    "TF_LOG_CORE",
    "TF_LOG_PROVIDER",
    "TF_LOG_PROVIDER_TLS",
    "TF_LOG_SDK",
    "TF_LOG_SDK_PROTO",
    "TF_LOG_SDK_FRAMEWORK",
]


@pytest.mark.parametrize("name", LOG_NAMES)
@pytest.mark.parametrize("level", ["DEBUG", "trace", "Json", "1"])
def test_logging_that_shows_keys_is_refused(name: str, level: str) -> None:
    message = refusal({name: level}, real_provider=False)
    assert message.startswith(f"{name}={level!r} is set;")
    assert "log private keys" in message
    assert "--allow-debug-log" in message


@pytest.mark.parametrize("name", LOG_NAMES)
@pytest.mark.parametrize("level", ["INFO", "warn", "Error", "off"])
def test_quiet_log_levels_pass(name: str, level: str) -> None:
    check_inherited({name: level}, real_provider=True)


@pytest.mark.parametrize("name", LOG_NAMES)
def test_the_explicit_flag_allows_debug_logs(name: str) -> None:
    check_inherited({name: "TRACE", ALLOW_DEBUG_LOG_VAR: "1"}, real_provider=True)


def test_the_flag_allows_logs_only() -> None:
    message = refusal({"TF_LOG": "TRACE", ALLOW_DEBUG_LOG_VAR: "1", "TF_WORKSPACE": "x"})
    assert message.startswith("TF_WORKSPACE=")


def test_the_flag_is_a_global_option_and_does_not_outlive_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(ALLOW_DEBUG_LOG_VAR, raising=False)
    assert main(["--allow-debug-log", "inventory"]) == 1
    assert "no cdktf.json" in capsys.readouterr().err
    assert ALLOW_DEBUG_LOG_VAR not in os.environ
