"""Where a stack keeps its state: the CA's database, with every private key in plain text.

Local state is the default so that one person needs nothing else. It lives in `state/`
(git-ignored) beside cdktf.json; the deploy runner creates that folder with mode 0700 and
runs Terraform under umask 077, so the state file is 0600.
"""

from __future__ import annotations

from cdktf import LocalBackend, TerraformStack

STATE_DIR = "state"


def local_state_path(stack_name: str) -> str:
    """Relative to the stack's working directory, cdktf.out/stacks/<stack>/."""
    return f"../../../{STATE_DIR}/{stack_name}.tfstate"


def configure_backend(stack: TerraformStack, stack_name: str) -> None:
    LocalBackend(stack, path=local_state_path(stack_name))
