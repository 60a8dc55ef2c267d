"""Resource and output blocks kept as plain data in Python, handed to cdktf once per stack.

Why: every construct created, property read and override set through cdktf's classes is a
synchronous round trip to the jsii kernel, a separate Node process. A ServiceCert built from
the provider's classes cost about 30 of them, 12 to 26 ms per service (docs/benchmarks.md).
Here a construct writes each of its resources and outputs as the dict cdktf would have
synthesized for it, `//` metadata included, and one `Blocks` element per stack hands them all
to cdktf at synth. A reference between blocks is the string cdktf renders for a reference
token, `${type.name.attribute}`, built in Python. Tokens (e.g. a CA's certificate) may appear
in the data: cdktf resolves them at synth as it would in a resource's arguments.

Each resource block can still give a handle: the provider's own class (LocallySignedCert, ...)
at the same address, made on first use, so other resources can reference it
(`svc.cert.cert_pem`, `depends_on=[svc.cert]`, also from another stack). A handle renders
nothing itself; its block is the resource. Aspects that look for the provider's classes in
the construct tree therefore see only the handles that were asked for.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from cdktf import IResolvable, TerraformElement, TerraformResource, TerraformStack, Token
from constructs import Construct

R = TypeVar("R", bound=TerraformResource)
R_co = TypeVar("R_co", bound=TerraformResource, covariant=True)

BLOCKS_ID = "Blocks"
"""The construct id of each stack's Blocks element: upper case, so no service or CA id
(lower case by naming.py's rules) can take it."""


class Blocks(TerraformElement):
    """Renders the blocks that constructs in one stack added as data."""

    def __init__(self, stack: TerraformStack) -> None:
        super().__init__(stack, BLOCKS_ID)
        self._resources: dict[str, dict[str, dict[str, Any]]] = {}
        self._outputs: dict[str, dict[str, Any]] = {}
        self._output_paths: dict[str, Any] = {}
        self._overridden: dict[str, list[str]] = {}
        self._sent: IResolvable | None = None

    def add_resource(
        self, kind: str, name: str, body: dict[str, Any], overridden: tuple[str, ...]
    ) -> None:
        self._sent = None
        self._resources.setdefault(kind, {})[name] = body
        if overridden:
            # cdktf's stack metadata lists, per resource type, each argument set through
            # add_override; kept so the JSON is the same as with the provider's classes.
            self._overridden.setdefault(kind, []).extend(overridden)

    def add_output(self, name: str, path: str, body: dict[str, Any]) -> None:
        self._sent = None
        self._outputs[name] = body
        # cdktf maps each output's construct path to its name in the stack metadata.
        *scopes, last = path.split("/")
        level = self._output_paths
        for part in scopes:
            level = level.setdefault(part, {})
        level[last] = name

    def to_terraform(self) -> Any:
        """The fragment cdktf merges into the stack's JSON (called back by the jsii kernel).

        A synth asks twice (to prepare, then for the JSON). The data crosses to the kernel
        once, as a token that resolves to it: sending it costs a good part of what cdktf's own
        work on it does.
        """
        if self._sent is None:
            self._sent = Token.as_any(self._fragment())
        return self._sent

    def _fragment(self) -> dict[str, Any]:
        fragment: dict[str, Any] = {}
        if self._resources:
            fragment["resource"] = self._resources
        if self._outputs:
            fragment["output"] = self._outputs
        meta: dict[str, Any] = {"outputs": self._output_paths} if self._output_paths else {}
        if self._overridden:
            meta["metadata"] = {"overrides": self._overridden}
        if meta:
            fragment["//"] = meta
        return fragment

    def to_hcl_terraform(self) -> Any:
        raise ValueError(
            "HCL output is not supported: the CA and service constructs render their blocks as "
            "JSON; synthesize without hclOutput"
        )


@dataclass(frozen=True)
class Place:
    """A construct with its path and stack, known without asking the jsii kernel again."""

    construct: Construct
    path: str
    stack: TerraformStack
    blocks: Blocks

    def child(self, construct: Construct, id: str) -> Place:
        """The place of `construct`, just created with `id` inside this one."""
        return Place(construct, f"{self.path}/{id}", self.stack, self.blocks)

    def resource(
        self,
        id: str,
        address: str,
        handle: type[R],
        args: Mapping[str, Any],
        *,
        block_only: Mapping[str, Any] | None = None,
        overridden: tuple[str, ...] = (),
    ) -> Block[R]:
        """Add resource `address` (from naming.py) as construct `id` here; see Block.

        :param args: the resource's arguments, also handed to `handle`'s constructor.
        :param block_only: arguments after them in the block only, in Terraform's JSON shape
            (nested blocks, lifecycle): the class would want its own structs for them, and the
            handle renders nothing anyway. Default: none.
        :param overridden: arguments cdktf would list as set through add_override. Default: none.
        """
        return Block(self, id, address, handle, args, block_only or {}, overridden)

    def output(self, id: str, name: str, body: dict[str, Any]) -> None:
        """Add output `name` (from naming.py) as construct `id` here."""
        self.blocks.add_output(name, f"{self.path}/{id}", body)


_places: weakref.WeakKeyDictionary[Construct, Place] = weakref.WeakKeyDictionary()
_stack_blocks: weakref.WeakKeyDictionary[TerraformStack, Blocks] = weakref.WeakKeyDictionary()


def place_of(scope: Construct) -> Place:
    """Where constructs created in `scope` go; looked up in the kernel once per scope."""
    found = _places.get(scope)
    if found is None:
        stack = TerraformStack.of(scope)
        blocks = _stack_blocks.get(stack)
        if blocks is None:
            blocks = _stack_blocks[stack] = Blocks(stack)
        found = _places[scope] = Place(scope, scope.node.path, stack, blocks)
    return found


class Block(Generic[R_co]):
    """One resource rendered from data at `address`; `handle` gives the provider's class."""

    def __init__(
        self,
        owner: Place,
        id: str,
        address: str,
        handle: type[R_co],
        args: Mapping[str, Any],
        block_only: Mapping[str, Any],
        overridden: tuple[str, ...],
    ) -> None:
        kind, _, name = address.partition(".")
        self.address = address
        self._owner = owner
        self._id = id
        self._name = name
        self._handle_type = handle
        self._handle_args = args
        self._handle: R_co | None = None
        metadata = {"metadata": {"path": f"{owner.path}/{id}", "uniqueId": name}}
        body = {"//": metadata, **args, **block_only}
        owner.blocks.add_resource(kind, name, body, overridden)

    def ref(self, attribute: str) -> str:
        """`${type.name.attribute}`: what cdktf renders for a reference to that attribute."""
        return "${" + f"{self.address}.{attribute}" + "}"

    @property
    def handle(self) -> R_co:
        """The provider's class at this address, for references; made on first use."""
        if self._handle is None:
            made = self._handle_type(self._owner.construct, self._id, **self._handle_args)
            made.override_logical_id(self._name)
            self._handle = made
        return self._handle


class Handle:
    """Mixin for a block's handle: a real element at the block's address that renders nothing.

    Its arguments only satisfy the class's constructor; the block is what Terraform sees, so
    changing the handle would change nothing, and add_override says so.
    """

    def to_terraform(self) -> Any:
        return {}

    def add_override(self, path: str, value: Any) -> None:
        raise TypeError(
            f"add_override({path!r}) on a reference handle changes nothing: the resource is "
            "rendered from its construct's arguments (see constructs/rendered.py)"
        )
