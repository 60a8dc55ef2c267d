"""The measured commands: cdktf, internal-ca, terraform, the recipe script and the floor."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.measure import Run, run_measured
from bench.projects import REPO, CdktfProject, PlainProject, tool_env


@dataclass(frozen=True)
class Tools:
    """Measured command runners sharing one private work folder and launch counter."""

    work: Path

    @property
    def launch_log(self) -> Path:
        return self.work / "launches.log"

    def env(self, **extra: str) -> dict[str, str]:
        env = tool_env(self.work, self.launch_log)
        env.update(extra)
        return env

    def _log(self, name: str) -> Path:
        logs = self.work / "logs"
        logs.mkdir(mode=0o700, exist_ok=True)
        return logs / f"{name}.log"

    def run(
        self,
        name: str,
        args: list[str | Path],
        cwd: Path,
        ok_codes: tuple[int, ...] = (0,),
        **extra_env: str,
    ) -> Run:
        return run_measured(
            args,
            cwd=cwd,
            env=self.env(**extra_env),
            log=self._log(name),
            ok_codes=ok_codes,
            launch_log=self.launch_log,
        )

    # --- the CDKTF app -------------------------------------------------------------------

    def inproc_synth(self, project: CdktfProject) -> tuple[Run, dict[str, Any]]:
        result = self.work / "inproc.json"
        run = self.run("inproc", [sys.executable, "-m", "bench.inproc", result], project.root)
        return run, json.loads(result.read_text())

    def cdktf_synth(self, project: CdktfProject) -> Run:
        return self.run("cdktf-synth", [REPO / "node_modules/.bin/cdktf", "synth"], project.root)

    def app_synth(self, project: CdktfProject) -> Run:
        """The app run directly, as `cdktf synth` runs it but without the Node CLI around it."""
        return self.run("app-synth", [sys.executable, "main.py"], project.root)

    def cdktf_deploy(self, project: CdktfProject) -> Run:
        """The Node path: `cdktf deploy` synthesizes through the CLI, then plans and applies."""
        return self.run(
            "cdktf-deploy",
            [REPO / "node_modules/.bin/cdktf", "deploy", "--auto-approve"],
            project.root,
            TF_CLI_CONFIG_FILE=str(project.cli_config),
        )

    def internal_ca(self, project: CdktfProject, *args: str, ok: tuple[int, ...] = (0,)) -> Run:
        command: list[str | Path] = [sys.executable, "-m", "internal_ca", *args]
        return self.run("internal-ca-" + args[0], command, project.root, ok_codes=ok)

    def stack_terraform(self, project: CdktfProject, name: str, *args: str) -> Run:
        return self.run(
            name,
            ["terraform", *args],
            project.stack_dir,
            # A project internal-ca never ran in has no config of its own yet.
            TF_CLI_CONFIG_FILE=str(
                project.cli_config if project.cli_config.exists() else self.cli_config
            ),
        )

    # --- the plain module ----------------------------------------------------------------

    def plain_terraform(self, plain: PlainProject, name: str, *args: str) -> Run:
        return self.run(
            name, ["terraform", *args], plain.root, TF_CLI_CONFIG_FILE=str(self.cli_config)
        )

    @property
    def cli_config(self) -> Path:
        from tls_standin.install import write_cli_config

        return write_cli_config(self.work / "standin")

    # --- the recipe and the floor --------------------------------------------------------

    def recipe(self, folder: Path, script: str) -> Run:
        folder.mkdir(mode=0o700, exist_ok=True)
        (folder / "recipe.sh").write_text(script)
        return self.run("recipe", ["bash", "recipe.sh"], folder)

    def floor(self, count: int, algorithm: str) -> tuple[Run, float]:
        result = self.work / "floor.json"
        run = self.run(
            "floor",
            [sys.executable, "-m", "bench.floor", str(count), algorithm, result],
            self.work,
        )
        return run, float(json.loads(result.read_text())["issue_s"])


def plan_args(plan_file: Path | None = None) -> list[str]:
    args = ["plan", "-input=false", "-no-color"]
    if plan_file is not None:
        args.append(f"-out={plan_file}")
    return args
