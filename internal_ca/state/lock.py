"""How long Terraform waits for someone else's state lock before giving up.

Without a timeout, the second of two concurrent deploys fails at once with "Error acquiring
the state lock". A team would rather have it wait a little, so every state-changing command
gets `-lock-timeout` through Terraform's own TF_CLI_ARGS_<command> variables. Those carry
only this flag: a user's own TF_CLI_ARGS* could add `-state=` and is refused, never inherited
(internal_ca.terraform.environment).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from internal_ca.errors import OperationError

LOCK_TIMEOUT_VAR = "INTERNAL_CA_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = "120s"
_LOCKING_COMMANDS = ("plan", "apply", "destroy", "refresh", "import")
_DURATION = re.compile(r"^\d+(ms|s|m|h)$")


def lock_timeout(environ: Mapping[str, str]) -> str:
    value = (environ.get(LOCK_TIMEOUT_VAR) or DEFAULT_LOCK_TIMEOUT).strip()
    if not _DURATION.match(value):
        raise OperationError(
            f"{LOCK_TIMEOUT_VAR}={value!r} is not a duration; use e.g. 30s, 5m or 0s"
        )
    return value


def lock_timeout_env(environ: Mapping[str, str]) -> dict[str, str]:
    """TF_CLI_ARGS_<cmd> for each locking command, holding -lock-timeout and nothing else."""
    flag = f"-lock-timeout={lock_timeout(environ)}"
    return {f"TF_CLI_ARGS_{command}": flag for command in _LOCKING_COMMANDS}
