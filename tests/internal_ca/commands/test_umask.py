"""One umask for all: under a caller's `umask 000`, everything a command writes stays private.

Each command runs as a subprocess started with umask 000 (what `(umask 000; internal-ca ...)`
does in a shell), in a temp project with the stand-in provider. Afterwards every folder under
the project's cdktf.out/, state/ and .internal-ca/ (and an export folder) must be 0700 and
every file must have no group or other bits; in an export folder the public certificates
are 0644 by design, which the 0700 folder around them keeps to the owner anyway.
"""

from __future__ import annotations

import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from e2e_project import STACK, TempProject, redact, service_line, standin_only

pytestmark = [
    pytest.mark.e2e,
    standin_only("allows the stand-in's own launcher and CLI config files by name"),
]

PRIVATE_TREES = ("cdktf.out", "state", ".internal-ca")
# Public contents whose writers set the mode on purpose (all inside 0700 folders): Terraform's
# dependency lock (checksums; Terraform writes it 0644 itself), the stand-in's CLI config and
# launcher (tls_standin.install), and a pinned CA certificate (committed, public).
PUBLIC_FILES = frozenset({".terraform.lock.hcl", "terraformrc", "ca-crt.pem"})
LAUNCHER = "terraform-provider-tls_"


def run_umask_000(
    project: TempProject, *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """`(umask 000; internal-ca ARGS)` in the project."""
    done = subprocess.run(
        [sys.executable, "-m", "internal_ca", *args],
        cwd=project.root,
        env=project.env(),
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
        umask=0,
    )
    if check:
        assert done.returncode == 0, redact(done.stdout + done.stderr)[-3000:]
    return done


def loose(root: Path, *, public_files: bool = False) -> list[str]:
    """Paths under `root` (itself included) that others could use: folders not 0700, files
    writable by others, and files readable by others unless public (see PUBLIC_FILES)."""
    found: list[str] = []
    for path in [root, *sorted(root.rglob("*"))]:
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            continue  # a link's own mode means nothing; its target is checked where it lives
        mode = stat.S_IMODE(info.st_mode)
        if stat.S_ISDIR(info.st_mode):
            bad = mode != 0o700
        else:
            public = public_files or path.name in PUBLIC_FILES or path.name.startswith(LAUNCHER)
            bad = bool(mode & 0o022) or (bool(mode & 0o077) and not public)
        if bad:
            found.append(f"{path.relative_to(root.parent)} {mode:04o}")
    return found


def project_loose(project: TempProject) -> list[str]:
    found: list[str] = []
    for name in PRIVATE_TREES:
        if (project.root / name).exists():
            found += loose(project.root / name)
    return found


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> TempProject:
    """A project whose first deploy ran under umask 000."""
    project = TempProject(tmp_path_factory.mktemp("umask") / "project")
    project.write_app(services=service_line("web", "web.internal"))
    run_umask_000(project, "deploy", "--auto-approve", "--initial")
    return project


def test_the_harness_really_clears_the_umask(tmp_path: Path) -> None:
    """Without this, every check below could pass for the wrong reason."""
    subprocess.run(
        [sys.executable, "-c", "import os; os.mkdir('open'); open('open/file', 'w').close()"],
        cwd=tmp_path,
        check=True,
        umask=0,
    )
    assert stat.S_IMODE((tmp_path / "open").stat().st_mode) == 0o777
    assert stat.S_IMODE((tmp_path / "open" / "file").stat().st_mode) == 0o666


def test_deploy_writes_synth_output_state_and_tools_privately(project: TempProject) -> None:
    for name in PRIVATE_TREES:
        assert (project.root / name).is_dir(), name
    secrets = [project.root / "state" / f"{STACK}.tfstate", project.stack_dir / "cdk.tf.json"]
    for path in secrets:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert project_loose(project) == []


@pytest.mark.parametrize(
    "args", [("plan",), ("inventory",), ("verify",), ("unlock",)], ids=lambda a: a[0]
)
def test_read_and_plan_commands_synthesize_privately(
    project: TempProject, args: tuple[str, ...]
) -> None:
    # Gone first, so what is checked below is what this command's own synth wrote.
    shutil.rmtree(project.root / "cdktf.out")
    run_umask_000(project, *args)
    assert stat.S_IMODE((project.root / "cdktf.out").stat().st_mode) == 0o700
    assert stat.S_IMODE((project.stack_dir / "cdk.tf.json").stat().st_mode) == 0o600
    assert project_loose(project) == []


def test_plan_writes_its_report_privately(project: TempProject, tmp_path: Path) -> None:
    report = tmp_path / "summary.md"
    run_umask_000(project, "plan", "--format", "markdown", "--output", str(report))
    assert report.is_file()
    assert stat.S_IMODE(report.stat().st_mode) & 0o077 == 0
    assert project_loose(project) == []


def test_migrate_state_without_a_pg_backend_still_synthesizes_privately(
    project: TempProject,
) -> None:
    # Without PostgreSQL it refuses (no pg backend configured), after the synth.
    shutil.rmtree(project.root / "cdktf.out")
    done = run_umask_000(project, "migrate-state", check=False)
    assert (project.stack_dir / "cdk.tf.json").is_file()
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert project_loose(project) == []


def test_export_creates_every_missing_parent_0700(project: TempProject, tmp_path: Path) -> None:
    new = tmp_path / "NEW"
    target = new / "a" / "b" / "c"
    run_umask_000(project, "export", str(target))
    for folder in (new, new / "a", new / "a" / "b", target):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert stat.S_IMODE((target / "web-private-key.pem").stat().st_mode) == 0o600
    assert loose(new, public_files=True) == []
    assert project_loose(project) == []


def test_demo_writes_its_scratch_copy_and_files_privately(
    project: TempProject, tmp_path: Path
) -> None:
    new = tmp_path / "NEW"
    run_umask_000(project, "demo", "--dir", str(new / "demo"))
    assert stat.S_IMODE(new.stat().st_mode) == 0o700
    assert (project.root / ".internal-ca" / "demo-work").is_dir()
    assert loose(new, public_files=True) == []
    assert project_loose(project) == []
