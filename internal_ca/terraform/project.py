"""Where a project lives: its cdktf.json, its synthesized stacks and the tools it runs."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from internal_ca.errors import OperationError

_SOURCE_TREE = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Project:
    """A folder with cdktf.json; `tools` is the folder whose node_modules holds the cdktf CLI."""

    root: Path
    tools: Path

    @property
    def outdir(self) -> Path:
        return self.root / "cdktf.out"

    @property
    def state_dir(self) -> Path:
        return self.root / "state"

    @property
    def private_dir(self) -> Path:
        """Generated, git-ignored files: the stand-in mirror and CLI configs."""
        return self.root / ".internal-ca"

    def stack_dir(self, stack: str) -> Path:
        return self.outdir / "stacks" / stack

    def stacks(self) -> list[str]:
        """Stack names from the last synth's manifest."""
        manifest = self.outdir / "manifest.json"
        try:
            data = json.loads(manifest.read_text())
        except FileNotFoundError:
            raise OperationError(
                f"{manifest} does not exist: the app wrote no stacks; expected cdktf.json's "
                '"app" to run a program that calls app.synth()'
            ) from None
        except json.JSONDecodeError as error:
            raise OperationError(f"{manifest} is not valid JSON ({error.msg})") from None
        return sorted(data.get("stacks", {}))

    def bin(self, name: str) -> Path:
        return self.tools / "node_modules" / ".bin" / name


def find_project(start: Path | None = None) -> Project:
    """The nearest folder with cdktf.json at or above `start` (default: the current folder)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "cdktf.json").is_file():
            return Project(folder, _tools_for(folder))
    raise OperationError(f"no cdktf.json in {here} or above; run this inside the project")


def _tools_for(root: Path) -> Path:
    override = os.environ.get("INTERNAL_CA_TOOLS")
    if override:
        return Path(override).resolve()
    if (root / "node_modules" / ".bin" / "cdktf").exists():
        return root
    return _SOURCE_TREE
