"""Which private keys each root output's value depends on, read from the synthesized stack.

Terraform's plan JSON lists an output's references but does not describe locals, and a key
that went through `base64encode` or a `terraform_data` no longer looks like a key by name or by
value. The synthesized `cdk.tf.json` holds every expression, so this module follows each
output's references through locals, resource, data and module attributes, down to the
private-key sources, attribute by attribute: `tls_locally_signed_cert.x.cert_pem` is signed
with a key but holds none. Where an attribute's origin is unknown it counts as carrying every
argument of its resource. Only names leave this module (the chain of addresses), never a value.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from internal_ca.errors import OperationError
from internal_ca.plan.fields import KEY_HOLDING_TYPES, KEY_NAME_TEXT

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_HEREDOC = re.compile(r"<<-?([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n")
_SPACE = " \t\r\n"
# Arguments through which no value reaches an attribute.
_META_ARGUMENTS = frozenset(
    {"//", "lifecycle", "depends_on", "provider", "providers", "provisioner", "connection"}
)
# Attributes of known types that hold no key whatever their arguments hold (certificates,
# public keys, times, ids), per hashicorp/tls 4.1.0's schema.
_KEY_FREE = {
    "tls_private_key": frozenset(
        {
            "id",
            "public_key_pem",
            "public_key_openssh",
            "public_key_fingerprint_md5",
            "public_key_fingerprint_sha256",
        }
    ),
    "tls_self_signed_cert": frozenset(
        {"cert_pem", "id", "key_algorithm", "validity_start_time", "validity_end_time"}
        | {"ready_for_renewal"}
    ),
    "tls_cert_request": frozenset({"cert_request_pem", "id", "key_algorithm"}),
    "tls_locally_signed_cert": frozenset(
        {"cert_pem", "id", "ca_key_algorithm", "validity_start_time", "validity_end_time"}
        | {"ready_for_renewal"}
    ),
    "tls_public_key": frozenset(
        {
            "id",
            "algorithm",
            "public_key_pem",
            "public_key_openssh",
            "public_key_fingerprint_md5",
            "public_key_fingerprint_sha256",
        }
    ),
    "tls_certificate": frozenset({"id", "certificates"}),
    "terraform_data": frozenset({"id"}),
}
# Computed attributes that copy an argument.
_COPIES = {"terraform_data": {"output": "input"}}
# hashicorp/local's file types: managed, they write a file; as data, every attribute but
# `filename` (content, content_base64, its hashes, id) is what a file holds.
_LOCAL_FILES = frozenset({"local_file", "local_sensitive_file"})

Reference = tuple[str, ...]
"""The names of one traversal, indices and splats dropped: `tls_private_key.x[0].private_key_pem`
is ("tls_private_key", "x", "private_key_pem")."""


class KeyFlowError(OperationError):
    """The synthesized stack is not the shape cdktf writes; the message holds no values."""


def _skip_string(text: str, start: int, found: list[Reference]) -> int:
    """The index after the quoted literal opening at `start`; its interpolations are scanned."""
    index = start + 1
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
        elif char == '"':
            return index + 1
        elif (after := _interpolation(text, index, found)) is not None:
            index = after
        else:
            index += 1
    return index


def _traversal(text: str, start: int, root: str, found: list[Reference]) -> int:
    """Read the steps after a root name: `.name`, `.*`, `.0`, `[expr]`; return where it ends."""
    names = [root]
    index = start
    while True:
        step = index
        while step < len(text) and text[step] in _SPACE:
            step += 1
        if text.startswith(".", step):
            step += 1
            name = _IDENTIFIER.match(text, step)
            if name is not None:
                names.append(name.group())
                index = name.end()
            elif text.startswith("*", step):
                index = step + 1
            else:
                digits = re.compile(r"[0-9]+").match(text, step)
                if digits is None:
                    break
                index = digits.end()
        elif text.startswith("[", step):
            index = _scan(text, step + 1, found, "]") + 1
        else:
            break
    found.append(tuple(names))
    return index


def _scan(text: str, start: int, found: list[Reference], stop: str | None) -> int:
    """Collect the references of an expression from `start` to its closing `stop` (or the end).

    Returns the index of that closing character. Function names, keywords, object keys and
    for-expression symbols are single names, not traversals, and are dropped: whatever a
    for-expression symbol carries comes from its collection, whose references are collected.
    """
    depth = 0
    index = start
    while index < len(text):
        char = text[index]
        if char == '"':
            index = _skip_string(text, index, found)
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            if depth == 0 and char == stop:
                return index
            depth = max(depth - 1, 0)
        elif char == "<" and (heredoc := _HEREDOC.match(text, index)) is not None:
            end = re.compile(rf"^[ \t]*{heredoc[1]}[ \t]*$", re.MULTILINE).search(
                text, heredoc.end()
            )
            body_end = end.start() if end is not None else len(text)
            _template(text[heredoc.end() : body_end], found)
            index = end.end() if end is not None else len(text)
            continue
        elif char == "." and index + 1 < len(text):
            # A step on something that is not a name (`f(x).a`, `(x).a`): no new root.
            name = _IDENTIFIER.match(text, index + 1)
            index = name.end() if name is not None else index + 1
            continue
        elif char == "#" or text.startswith("//", index):
            newline = text.find("\n", index)
            index = len(text) if newline < 0 else newline
            continue
        elif text.startswith("/*", index):
            close = text.find("*/", index + 2)
            index = len(text) if close < 0 else close + 2
            continue
        elif char.isdigit():
            number = re.compile(r"[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?").match(text, index)
            index = number.end() if number is not None else index + 1
            continue
        elif (name := _IDENTIFIER.match(text, index)) is not None:
            after = name.end()
            while after < len(text) and text[after] in _SPACE:
                after += 1
            if text.startswith("::", after):
                # A provider function's namespace: `provider::tls::name(...)`.
                namespaced = re.compile(r"(?:::[A-Za-z_][A-Za-z0-9_-]*)+").match(text, after)
                index = namespaced.end() if namespaced is not None else after + 2
            elif text.startswith("(", after):
                index = name.end()
            else:
                index = _traversal(text, name.end(), name.group(), found)
            continue
        index += 1
    return len(text)


def _template(text: str, found: list[Reference]) -> None:
    """Scan each `${...}` and `%{...}` of a template string; `$${` and `%%{` are literal."""
    index = 0
    while index < len(text):
        after = _interpolation(text, index, found)
        index = index + 1 if after is None else after


def _interpolation(text: str, index: int, found: list[Reference]) -> int | None:
    """Where a template continues after the `$${`/`%%{` (literal) or the `${...}`/`%{...}`
    (scanned) at `index`; None when neither starts there. Quoted literals and templates share it."""
    char = text[index]
    if char not in "$%":
        return None
    if text.startswith(char + char + "{", index):
        return index + 3
    if text.startswith("{", index + 1):
        return _scan(text, index + 2, found, "}") + 1
    return None


def references(value: object) -> list[Reference]:
    """Every reference in a synthesized JSON value: its strings, map keys included, as templates."""
    found: list[Reference] = []
    pending = [value]
    try:
        while pending:
            item = pending.pop()
            if isinstance(item, str):
                _template(item, found)
            elif isinstance(item, dict):
                pending += [key for key in item if key != "//"]
                pending += [item[key] for key in item if key != "//"]
            elif isinstance(item, list):
                pending += item
    except RecursionError:
        raise KeyFlowError("the synthesized stack has an expression nested too deeply") from None
    return [name for name in found if len(name) > 1]


@dataclass(frozen=True)
class Node:
    """A named value of the stack: a local, a variable, or a block or one of its attributes."""

    kind: str
    """local, var, resource, data, ephemeral or module."""
    type: str
    """The resource or data type ("module" for a module, "" for locals and variables)."""
    name: str
    attribute: str = ""
    """"" for the whole block (and for a local or variable unless a step of it is named like
    a key)."""

    @property
    def label(self) -> str:
        parts = [self.type, self.name, self.attribute]
        if self.kind in ("local", "var"):
            parts[0] = self.kind
        if self.kind in ("data", "ephemeral"):
            parts.insert(0, self.kind)
        return ".".join(part for part in parts if part)


def _attribute(steps: Reference) -> str:
    """The attribute a reference reads: its first step, or down to a deeper step named like a
    key (`outputs.web_private_key_pem` of a remote state, a key field of a variable)."""
    for index, step in enumerate(steps):
        if KEY_NAME_TEXT in step:
            return ".".join(steps[: index + 1])
    return steps[0] if steps else ""


def _node(reference: Reference) -> Node | None:
    """The named value a reference reads, or None (path, terraform, each, count, self, ...)."""
    root = reference[0]
    if root in ("local", "var"):
        deeper = _attribute(reference[2:])
        return Node(root, "", reference[1], deeper if KEY_NAME_TEXT in deeper else "")
    if root in ("data", "ephemeral"):
        if len(reference) < 3:
            return None
        return Node(root, reference[1], reference[2], _attribute(reference[3:]))
    if root == "module":
        return Node("module", "module", reference[1], _attribute(reference[2:]))
    if root in ("each", "count", "self", "path", "terraform"):
        return None
    return Node("resource", root, reference[1], _attribute(reference[2:]))


def _objects(value: object, where: str) -> dict[str, object]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise KeyFlowError(f"the synthesized stack's {where} is not an object")
    return value


class _Stack:
    """The blocks of one synthesized stack, with each node's direct dependencies cached."""

    def __init__(self, config: object) -> None:
        document = _objects(config, "document")
        self.outputs = _objects(document.get("output"), "output block")
        self.locals = _objects(document.get("locals"), "locals block")
        variables = _objects(document.get("variable"), "variable block")
        self.secret_variables = frozenset(
            name
            for name, block in variables.items()
            if isinstance(block, dict) and block.get("sensitive") is True
        )
        self.blocks: dict[tuple[str, str, str], dict[str, object]] = {}
        for kind in ("resource", "data", "ephemeral"):
            for type_name, named in _objects(document.get(kind), f"{kind} block").items():
                for name, block in _objects(named, f"{kind} block's {type_name}").items():
                    self.blocks[(kind, type_name, name)] = _objects(block, f"{kind} block")
        for name, block in _objects(document.get("module"), "module block").items():
            self.blocks[("module", "module", name)] = _objects(block, "module block")
        self._edges: dict[Node, tuple[Node, ...]] = {}

    def is_source(self, node: Node) -> bool:
        """A private key itself: a key attribute, a key-holding block, a secret variable."""
        if node.kind == "var" and (
            node.name in self.secret_variables or KEY_NAME_TEXT in node.name
        ):
            return True
        if node.attribute or node.kind in ("local", "var"):
            return KEY_NAME_TEXT in node.attribute
        if node.type in KEY_HOLDING_TYPES:
            return True
        block = self.blocks.get((node.kind, node.type, node.name), {})
        return any(
            KEY_NAME_TEXT in argument for argument in block if argument not in _META_ARGUMENTS
        )

    def _argument(self, key: tuple[str, str, str], argument: str) -> list[Node]:
        """What one argument of a block reads; `each.*` and `count.*` read for_each and count."""
        value = self.blocks[key].get(argument)
        found: list[Node] = []
        # for_each and count cannot read each other (Terraform refuses it): stop there.
        repeating = argument not in ("for_each", "count")
        for reference in references(value):
            node = _node(reference)
            if node is not None:
                found.append(node)
            elif reference[0] in ("each", "count") and repeating:
                found += self._argument(key, "for_each" if reference[0] == "each" else "count")
        return found

    def edges(self, node: Node) -> tuple[Node, ...]:
        """The nodes a node's value comes from."""
        cached = self._edges.get(node)
        if cached is not None:
            return cached
        found: list[Node] = []
        if node.kind == "local" and node.name in self.locals:
            found = [n for n in map(_node, references(self.locals[node.name])) if n is not None]
        elif node.kind not in ("local", "var"):
            key = (node.kind, node.type, node.name)
            block = self.blocks.get(key)
            attribute = _COPIES.get(node.type, {}).get(node.attribute, node.attribute)
            if block is None or attribute in _KEY_FREE.get(node.type, ()):
                found = []
            elif attribute and attribute in block and attribute not in _META_ARGUMENTS:
                found = self._argument(key, attribute)
            else:
                # The whole block, or an attribute whose origin is unknown: every argument.
                for argument in block:
                    if argument not in _META_ARGUMENTS:
                        found += self._argument(key, argument)
        if node.kind == "data" and node.type in _LOCAL_FILES and node.attribute != "filename":
            found += self._written_files()
        result = tuple(dict.fromkeys(found))
        self._edges[node] = result
        return result

    def _written_files(self) -> list[Node]:
        """Every file the stack writes, as what a `data.local_file` may read back.

        Not only the writers whose `filename` matches: one file has many spellings
        (`${path.module}/k`, `./k`, a format() or a module's output), so a match by expression
        would miss some; the cost is a false alarm in a stack that writes a key to one file and
        reads back another, which this project's constructs never do.
        """
        return [
            Node(kind, type_name, name)
            for kind, type_name, name in self.blocks
            if kind == "resource" and type_name in _LOCAL_FILES
        ]

    def chains(self, start: list[Node]) -> Iterator[tuple[Node, ...]]:
        """The shortest chain from the start nodes to each source they depend on."""
        parents: dict[Node, Node | None] = dict.fromkeys(start)
        queue = deque(parents)
        while queue:
            node = queue.popleft()
            if self.is_source(node):
                chain: list[Node] = []
                step: Node | None = node
                while step is not None:
                    chain.append(step)
                    step = parents[step]
                yield tuple(reversed(chain))
                continue
            for following in self.edges(node):
                if following not in parents:
                    parents[following] = node
                    queue.append(following)


def output_key_sources(config: object) -> dict[str, tuple[str, ...]]:
    """For each root output of a synthesized stack, the chains to the private keys its value
    depends on, as "local.k <- tls_private_key.ca.private_key_pem"; empty when none."""
    stack = _Stack(config)
    found: dict[str, tuple[str, ...]] = {}
    for name, block in stack.outputs.items():
        value = _objects(block, "output block").get("value")
        start = [node for node in map(_node, references(value)) if node is not None]
        chains = {" <- ".join(node.label for node in chain) for chain in stack.chains(start)}
        found[name] = tuple(sorted(chains))
    return found
