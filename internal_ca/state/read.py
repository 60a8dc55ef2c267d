"""A stack's state, read directly: the read-only commands need no provider and no init.

Local state is the file in state/; pg state is the one row of <schema>.states, read with
psql. Either way the document holds every private key, so it is parsed in memory through an
allow-list (serial, lineage, output values, resource attributes by address), errors name
positions in the document and never values, and nothing of it is printed or written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from internal_ca.errors import OperationError
from internal_ca.state import pg
from internal_ca.state.local import load_local_state
from internal_ca.terraform.project import Project
from stacks.backend_config import LOCAL, BackendChoice, backend_choice


@dataclass(frozen=True)
class StackState:
    """What the operations commands read from a state; `_attributes` may hold keys."""

    stack: str
    serial: int
    lineage: str
    outputs: Mapping[str, object]
    addresses: frozenset[str]
    _attributes: Mapping[str, Mapping[str, object]] = field(repr=False)

    def attribute(self, address: str, name: str) -> object:
        """One attribute of a managed resource (`TYPE.NAME`), or None."""
        return self._attributes.get(address, {}).get(name)


class StateFormatError(OperationError):
    """The state is not shaped as Terraform writes it; the message names a position only."""


def _choice(stack: str, environ: Mapping[str, str]) -> BackendChoice:
    try:
        return backend_choice(stack, environ)
    except ValueError as error:
        raise OperationError(str(error)) from None


def uses_local_state(stack: str, environ: Mapping[str, str]) -> bool:
    choice = _choice(stack, environ)
    return choice.kind == LOCAL or choice.pg is None


def check_usable(project: Project, stack: str, environ: Mapping[str, str]) -> None:
    """Refuse a damaged local state before Terraform reads it as "nothing deployed"."""
    if uses_local_state(stack, environ):
        load_local_state(project, stack)


def read_state(project: Project, stack: str, environ: Mapping[str, str]) -> StackState | None:
    """The stack's state, or None when it has none yet (never deployed)."""
    choice = _choice(stack, environ)
    if choice.kind == LOCAL or choice.pg is None:
        document = load_local_state(project, stack)
        where = f"state file of stack {stack!r}"
    else:
        text = pg.state_document(choice.pg)
        document = None if text is None else _json(text, f"pg state of stack {stack!r}")
        where = f"pg state of stack {stack!r} (schema {choice.pg.schema_name})"
    if document is None:
        return None
    return parse_state(stack, document, where)


def _json(text: str, where: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise StateFormatError(
            f"the {where} is not valid JSON (line {error.lineno}, column {error.colno})"
        ) from None


def parse_state(stack: str, document: object, where: str) -> StackState | None:
    """Allow-listed fields of a Terraform state (format version 4)."""
    doc = _mapping(document, where)
    if doc.get("version") != 4:
        raise StateFormatError(f"the {where} has version {doc.get('version')!r}; expected 4")
    serial = doc.get("serial")
    lineage = doc.get("lineage")
    if not isinstance(serial, int) or not isinstance(lineage, str):
        raise StateFormatError(f"the {where} has no integer serial and string lineage")
    outputs: dict[str, object] = {}
    for output, item in _mapping(doc.get("outputs", {}), f"{where}: outputs").items():
        outputs[output] = _mapping(item, f"{where}: outputs.{output}").get("value")
    attributes: dict[str, Mapping[str, object]] = {}
    resources = doc.get("resources", [])
    if not isinstance(resources, list):
        raise StateFormatError(f"the {where}: resources is not a list")
    for index, resource in enumerate(resources):
        at = f"{where}: resources[{index}]"
        item = _mapping(resource, at)
        if item.get("mode") != "managed" or item.get("module"):
            continue
        kind, name = item.get("type"), item.get("name")
        instances = item.get("instances")
        if (
            not isinstance(kind, str)
            or not isinstance(name, str)
            or not isinstance(instances, list)
        ):
            raise StateFormatError(f"the {at} has no type, name and instances")
        if instances:
            first = _mapping(instances[0], f"{at}.instances[0]")
            attributes[f"{kind}.{name}"] = _mapping(
                first.get("attributes", {}), f"{at}.instances[0].attributes"
            )
    if not outputs and not attributes:
        return None
    return StackState(stack, serial, lineage, outputs, frozenset(attributes), attributes)


def _mapping(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise StateFormatError(f"the {where} is not an object")
    return value
