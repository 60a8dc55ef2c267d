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
    """Terraform's diagnostics that start with "Error:", with or without their box frames.

    Everything before the first "Error:" (the plan itself) is ignored; a block ends at its
    closing frame, at the next "Warning:" or "Error:", or at the end of the output.
    """
    blocks: list[str] = []
    current: list[str] | None = None

    def close() -> None:
        if current:
            blocks.append("\n".join(current).strip())

    for raw in _ANSI.sub("", output).splitlines():
        line = raw.strip()
        if line.startswith("╷"):
            continue
        if line.startswith("╵"):
            close()
            current = None
            continue
        text = line.lstrip(_FRAME).strip()
        if text.startswith(("Error:", "Warning:")):
            close()
            current = [text] if text.startswith("Error:") else None
            continue
        if current is not None:
            if "PRIVATE KEY" in text or _looks_like_key_body(text):
                text = "[withheld]"
            current.append(text)
    close()
    return blocks


def _looks_like_key_body(text: str) -> bool:
    """A long unbroken base64 run: never echo it, whatever it is."""
    return re.search(r"[A-Za-z0-9+/]{60,}", text) is not None and "PUBLIC KEY" not in text
