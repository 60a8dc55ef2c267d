"""Synthesize stacks in-process and return plain dicts, so failures show readable diffs."""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from collections.abc import Callable
from typing import Any

from cdktf import App, Testing

from ca_constructs.key_spec import ecdsa
from ca_constructs.subject import DistinguishedName
from stacks.ca_stack import CaStack

CA_SUBJECT = DistinguishedName(
    country="GB",
    province="Cambridgeshire",
    locality="Cambridge",
    organization="University of Cambridge",
    common_name="Test Internal CA",
)


# Testing.app() makes a new cdktf.outdir.* in the system temp folder per app and never removes
# it; one folder per test process, removed at exit, leaves nothing behind.
_OUTDIR = tempfile.mkdtemp(prefix="internal-ca-test-synth-")
atexit.register(shutil.rmtree, _OUTDIR, True)


def fresh_app() -> App:
    """A fresh cdktf test app whose output folder is removed when the test process ends."""
    return Testing.app(outdir=_OUTDIR)


def make_stack(**props: Any) -> CaStack:
    """A CA stack in a fresh test app; ECDSA P256 unless a test asks for the default."""
    props.setdefault("ca_subject", CA_SUBJECT)
    props.setdefault("ca_key", ecdsa("P256"))
    return CaStack(fresh_app(), "internal-ca", **props)


def synth(stack: CaStack) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(Testing.synth(stack))
    return result


def synth_with(build: Callable[[CaStack], object], **props: Any) -> dict[str, Any]:
    stack = make_stack(**props)
    build(stack)
    return synth(stack)


def resource(doc: dict[str, Any], kind: str, name: str) -> dict[str, Any]:
    found: dict[str, Any] = doc["resource"][kind][name]
    return found
