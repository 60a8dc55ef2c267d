"""Which inherited environment variables Terraform must not see, and why each is refused.

Terraform reads a few variables that silently change what a command works on. TF_WORKSPACE
and TF_DATA_DIR pick another workspace or working directory, so another state; TF_CLI_ARGS and
TF_CLI_ARGS_<command> add arguments such as `-state=` or `-backend-config=` to every run. With
any of them a plan that creates the pinned CA can pass review while deploy writes a new CA into
another state, so they are refused rather than cleared: the user sees what was in effect.
TF_REATTACH_PROVIDERS makes Terraform talk to an already running provider instead of the
installed one, so which provider signed a certificate could not be proven.

The provider and Terraform log at DEBUG and TRACE everything they receive, private keys
included, and Terraform reads a level it does not know as TRACE; those levels need the
explicit `--allow-debug-log` (which reaches this check as INTERNAL_CA_ALLOW_DEBUG_LOG=1).

An error names the variable and, only where it cannot hold a password, its value.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from internal_ca.errors import OperationError

ALLOW_DEBUG_LOG_VAR = "INTERNAL_CA_ALLOW_DEBUG_LOG"
"""Set to 1 by `internal-ca --allow-debug-log`; the environment check reads it."""

_MOVES_STATE = {
    "TF_WORKSPACE": "it selects another Terraform workspace, so another state",
    "TF_DATA_DIR": "it moves Terraform's working data (backend and workspace choice)",
}
_ARGUMENTS = "TF_CLI_ARGS"
_REATTACH = "TF_REATTACH_PROVIDERS"
_CLI_CONFIGS = ("TF_CLI_CONFIG_FILE", "TERRAFORM_CONFIG")
_QUIET_LOG_LEVELS = frozenset({"", "OFF", "ERROR", "WARN", "INFO"})
_LOG_LEVEL_PREFIXES = ("TF_LOG_CORE", "TF_LOG_PROVIDER", "TF_LOG_SDK")


def check_inherited(environ: Mapping[str, str], *, real_provider: bool) -> None:
    """Refuse the first inherited variable that changes state, arguments, provider or logs.

    `real_provider`: hashicorp/tls must come from the registry or a mirror, so an inherited
    CLI config (which may install it from elsewhere, e.g. the stand-in) is refused too.
    """
    for name in sorted(environ):
        value = environ[name]
        if value == "":
            continue  # Terraform treats an empty variable as unset.
        reason = _refusal(name, value, environ, real_provider=real_provider)
        if reason:
            raise OperationError(reason)


def is_tool_argument_variable(name: str) -> bool:
    """TF_CLI_ARGS or TF_CLI_ARGS_<command>: arguments Terraform adds to every run."""
    return name == _ARGUMENTS or name.startswith(_ARGUMENTS + "_")


def _refusal(
    name: str, value: str, environ: Mapping[str, str], *, real_provider: bool
) -> str | None:
    if name in _MOVES_STATE:
        return f"{name}={value!r} is set; {_MOVES_STATE[name]}; expected it unset"
    if is_tool_argument_variable(name):
        # Its value may carry -backend-config=password=... or -var secrets: never shown.
        return (
            f"{name} is set; it adds arguments (such as -state= or -backend-config=) to "
            "Terraform and can move state; expected it unset (internal-ca sets its own)"
        )
    if name == _REATTACH:
        return (
            f"{name} is set; it makes Terraform use an already running provider instead of "
            "the installed hashicorp/tls; expected it unset"
        )
    if real_provider and name in _CLI_CONFIGS and Path(value).exists():
        # A missing file configures nothing (Terraform only warns); an existing one is refused.
        return (
            f"{name}={value!r} is set; with CA_TLS_PROVIDER=registry or mirror internal-ca "
            "installs hashicorp/tls through its own CLI config, and an inherited one may "
            "install it from elsewhere (e.g. the offline stand-in); expected it unset"
        )
    if _is_log_level(name) and value.upper() not in _QUIET_LOG_LEVELS:
        if environ.get(ALLOW_DEBUG_LOG_VAR) == "1":
            return None
        return (
            f"{name}={value!r} is set; at DEBUG, TRACE or JSON (and any level Terraform does "
            "not know, which it reads as TRACE) Terraform and the provider log private keys; "
            "expected it unset or OFF, ERROR, WARN or INFO, or pass --allow-debug-log"
        )
    return None


def _is_log_level(name: str) -> bool:
    if name.endswith("_PATH"):
        return False
    return name == "TF_LOG" or name.startswith(_LOG_LEVEL_PREFIXES)
