"""Why a deploy failed, in Terraform's words.

`cdktf deploy` sometimes ends with only "Invoking Terraform CLI failed with exit code 1": its
renderer can drop Terraform's diagnostics when the process exits. A precondition that refuses a
wrong CA key, or prevent_destroy refusing to replace the CA, must still reach the user, so the
failing stack is planned again (read-only, no lock) and its error blocks are printed. Terraform
masks sensitive values in diagnostics as "(sensitive value)", and the blocks are passed through
one more filter that drops any line of a PEM private key.
"""

from __future__ import annotations

import re

from .project import Project
from .toolchain import run

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_FRAME = "│╷╵"


def terraform_errors(project: Project, stack: str, env: dict[str, str]) -> list[str]:
    """The `Error:` blocks a read-only plan of `stack` reports now; empty if it plans cleanly."""
    done = run(
        ["terraform", "plan", "-input=false", "-no-color", "-lock=false"],
        cwd=project.stack_dir(stack),
        env=env,
    )
    if done.returncode == 0:
        return []
    return error_blocks(done.stdout + done.stderr)


def error_blocks(output: str) -> list[str]:
    """Terraform's boxed diagnostics that start with "Error:", frame characters removed."""
    blocks: list[str] = []
    current: list[str] | None = None
    for raw in _ANSI.sub("", output).splitlines():
        line = raw.strip()
        if line.startswith("╷"):
            current = []
            continue
        if line.startswith("╵"):
            if current and current[0].startswith("Error:"):
                blocks.append("\n".join(current).strip())
            current = None
            continue
        if current is not None:
            text = line.lstrip(_FRAME)
            if "PRIVATE KEY" in text or _looks_like_key_body(text):
                text = "[withheld]"
            current.append(text.removeprefix(" "))
    return blocks


def _looks_like_key_body(text: str) -> bool:
    """A long unbroken base64 run: never echo it, whatever it is."""
    return re.search(r"[A-Za-z0-9+/]{60,}", text) is not None and "PUBLIC KEY" not in text
