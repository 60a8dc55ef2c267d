"""The card's layout must work however it is run, without shadowing the `constructs` library.

constructs/ has no __init__.py and is installed as `ca_constructs`; these tests prove that
`python main.py`, `cdktf synth`, an editable install and `pip install .` all resolve
`import constructs` to the library and `ca_constructs` to this project.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
IMPORT_CHECK = (
    "import constructs, ca_constructs.service_cert, stacks.ca_stack;"
    "assert hasattr(constructs, 'Construct'), constructs.__file__;"
    "assert 'site-packages' in constructs.__file__, constructs.__file__;"
    "print(ca_constructs.service_cert.__file__)"
)


def _env() -> dict[str, str]:
    env = dict(os.environ, NODE_OPTIONS="--no-deprecation", CHECKPOINT_DISABLE="1")
    env["PATH"] = f"{REPO / 'node_modules' / '.bin'}{os.pathsep}{env['PATH']}"
    return env


def test_constructs_folder_is_not_a_regular_package() -> None:
    assert not (REPO / "constructs" / "__init__.py").exists()


def test_python_main_py_from_the_root(tmp_path: Path) -> None:
    env = dict(_env(), CDKTF_OUTDIR=str(tmp_path / "out"))
    subprocess.run([sys.executable, "main.py"], cwd=REPO, env=env, check=True)
    assert (tmp_path / "out" / "stacks" / "internal-ca" / "cdk.tf.json").is_file()


def test_editable_install_imports_from_any_folder(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_CHECK], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).is_relative_to(REPO / "constructs")


def test_cdktf_synth_with_the_real_cli(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "main.py").write_text((REPO / "main.py").read_text())
    config = json.loads((REPO / "cdktf.json").read_text())
    config["app"] = f"{sys.executable} main.py"
    (project / "cdktf.json").write_text(json.dumps(config))
    subprocess.run(
        [REPO / "node_modules" / ".bin" / "cdktf", "synth"],
        cwd=project,
        env=_env(),
        check=True,
        capture_output=True,
    )
    assert (project / "cdktf.out" / "stacks" / "internal-ca" / "cdk.tf.json").is_file()


@pytest.mark.slow
def test_pip_install_dot_into_a_fresh_venv(tmp_path: Path) -> None:
    target = tmp_path / "venv"
    venv.create(target, system_site_packages=False, with_pip=True)
    python = target / "bin" / "python"
    deps = [
        line.strip()
        for line in (REPO / "constraints.txt").read_text().splitlines()
        if line.split("==")[0].lower()
        in {
            "cdktf",
            "cdktf-cdktf-provider-tls",
            "constructs",
            "jsii",
            "cryptography",
            "typeguard",
            "publication",
            "attrs",
            "cattrs",
            "python-dateutil",
            "six",
            "typing-extensions",
            "importlib-resources",
            "cffi",
            "pycparser",
        }
    ]
    # Dependencies come from the local wheel cache pip already holds; the project is built
    # from source exactly as a user's `pip install .` does.
    subprocess.run(
        [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", *deps],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            python,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--disable-pip-version-check",
            str(REPO),
        ],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    done = subprocess.run(
        [python, "-c", IMPORT_CHECK], cwd=tmp_path, capture_output=True, text=True, env=_env()
    )
    assert done.returncode == 0, done.stderr
    assert "site-packages/ca_constructs/service_cert.py" in done.stdout


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_validation_failure_writes_nothing_into_cdktf_out(tmp_path: Path) -> None:
    """cdktf's App creates empty folders up front; no file may be written or changed."""
    good = (REPO / "main.py").read_text()
    bad = good.replace(
        'dns_names=["passwords.internal.example"', 'dns_names=["bad_name.internal.example"'
    )
    assert "bad_name" in bad
    env = dict(_env(), CDKTF_OUTDIR=str(tmp_path / "cdktf.out"))
    (tmp_path / "main.py").write_text(bad)
    done = subprocess.run(
        [sys.executable, "main.py"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert "service 'passwords': dns_names value 'bad_name.internal.example'" in done.stderr
    assert _files(tmp_path / "cdktf.out") == {}

    (tmp_path / "main.py").write_text(good)
    subprocess.run([sys.executable, "main.py"], cwd=tmp_path, env=env, check=True)
    before = _files(tmp_path / "cdktf.out")
    assert "manifest.json" in before
    (tmp_path / "main.py").write_text(bad)
    again = subprocess.run([sys.executable, "main.py"], cwd=tmp_path, env=env, capture_output=True)
    assert again.returncode != 0
    assert _files(tmp_path / "cdktf.out") == before
