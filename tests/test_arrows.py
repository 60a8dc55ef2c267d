"""Imports run one way: main.py -> stacks -> constructs; the CLI reads what they produce.

Read from the sources with `ast`, so a lazy import inside a function counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _imports(folder: str) -> list[tuple[str, str]]:
    """(file, imported module) for every import in every module under `folder`."""
    found: list[tuple[str, str]] = []
    for path in sorted((REPO / folder).rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [(str(path.relative_to(REPO)), alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.append((str(path.relative_to(REPO)), node.module))
    return found


def _offenders(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{file} imports {module}"
        for file, module in _imports(folder)
        if module.split(".")[0] in forbidden
    ]


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("internal_ca", ("tls_standin",)),
        ("stacks", ("internal_ca", "tls_standin")),
        ("constructs", ("internal_ca", "stacks", "tls_standin")),
        ("tls_standin", ("internal_ca", "stacks", "ca_constructs")),
    ],
)
def test_imports_run_one_way(folder: str, forbidden: tuple[str, ...]) -> None:
    assert _offenders(folder, forbidden) == []


def test_the_check_sees_imports() -> None:
    """The reader above finds real imports, so an empty result means something."""
    assert ("internal_ca/cli.py", "internal_ca.errors") in _imports("internal_ca")
    assert any(module.startswith("ca_constructs") for _, module in _imports("internal_ca"))
