"""Stable Terraform addresses for the resources this project creates.

Construct ids are a public contract: the Terraform address of a key or certificate is derived
from them, and a changed address means a new key and a new certificate. Logical ids are set
explicitly (no hash suffixes) so plans read well and the plan summary can map resources back
to services. This module hands each name out once per stack, so two constructs can never
silently share a Terraform address.
"""

from __future__ import annotations

import re
import weakref

from cdktf import TerraformStack
from constructs import Construct

_SERVICE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
_CA_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_claimed: weakref.WeakKeyDictionary[TerraformStack, dict[str, str]] = weakref.WeakKeyDictionary()


def check_service_name(name: object) -> str:
    """Service ids become addresses, output names and file names: keep them plain."""
    if not isinstance(name, str) or not _SERVICE_NAME.match(name) or name.endswith("-"):
        raise ValueError(
            f"service id {name!r} is not valid; expected lower-case letters, digits and "
            "hyphens, starting with a letter, at most 63 characters (e.g. 'passwords')"
        )
    return name


def check_ca_name(name: object) -> str:
    if not isinstance(name, str) or not _CA_NAME.match(name):
        raise ValueError(
            f"CA id {name!r} is not valid; expected lower-case letters, digits and "
            "underscores, starting with a letter (e.g. 'ca')"
        )
    return name


def claim(scope: Construct, name: str, owner: str) -> None:
    """Reserve `name` in the stack of `scope`, or raise naming both owners."""
    stack = TerraformStack.of(scope)
    names = _claimed.setdefault(stack, {})
    if name in names:
        raise ValueError(
            f"{owner}: the id {name!r} is already used by {names[name]} in stack "
            f"{stack.node.id!r}; expected each service and CA id to be unique"
        )
    names[name] = owner
