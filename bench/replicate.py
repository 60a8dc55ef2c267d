"""Grow a deployed state of one service to N services without `terraform apply`.

Terraform's apply here costs CPU that grows with the square of the resources created in one
run (measured: 100 ECDSA services in 9.7 s, 300 in 86 s, nearly all of it in the terraform
binary, not the provider), so creating 1000 services would take about 15 minutes per side.
The plan and add-one benchmarks need a state of that size, not its history: the entries of
the one real service are copied under new names. Every copy shares that service's key and
certificate, which is why this is only for benchmarks, and `plan -detailed-exitcode` checks
that the result matches the configuration exactly.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TEMPLATE = "svc-0000"


def _renamed(value: Any, name: str) -> Any:
    # Service names occur only as names and SANs; PEM/base64 text cannot contain "svc-".
    return json.loads(json.dumps(value).replace(TEMPLATE, name))


def replicate(state_file: Path, names: list[str]) -> None:
    """Add copies of the TEMPLATE service's resources and outputs for every name in `names`."""
    state = json.loads(state_file.read_text())
    resources: list[dict[str, Any]] = []
    for resource in state["resources"]:
        resources.append(resource)
        if "module" in resource:
            _replicate_instances(resource, names)
        elif resource["name"] in (TEMPLATE, f"{TEMPLATE}_key_version"):
            resources.extend(_renamed(resource, name) for name in names)
    state["resources"] = resources
    outputs = state.get("outputs", {})
    for key, value in list(outputs.items()):
        if TEMPLATE in key:
            for name in names:
                outputs[key.replace(TEMPLATE, name)] = _renamed(value, name)
    state["serial"] = int(state["serial"]) + 1
    # Rewrite in place so that the file keeps its 0600 mode.
    with state_file.open("w") as out:
        json.dump(state, out)


def _replicate_instances(resource: dict[str, Any], names: list[str]) -> None:
    """The plain module's for_each instances are keyed by service name."""
    instances = resource["instances"]
    template = [item for item in instances if item.get("index_key") == TEMPLATE]
    for item in template:
        instances.extend(_renamed(item, name) for name in names)
