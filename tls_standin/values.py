"""cty values <-> Python: msgpack decoding/encoding with both forms of "unknown".

Terraform sends values as msgpack. An unknown value is a msgpack extension: type 0 for a
plain unknown, type 12 for a "refined" unknown (Terraform >= 1.6 adds refinements such as
"not null"). Both are decoded to the `UNKNOWN` sentinel. Objects are Python dicts, lists
are lists, null is None. Encoding is driven by the cty type so that every object carries
all of its attributes (Terraform rejects an object with a missing attribute).
"""

import json
from typing import Any, Final

import msgpack

# A cty type in its JSON form: "string", "number", "bool", ["list", T], ["object", {...}].
CtyType = Any
Value = Any


class Unknown:
    """Marker for a value not known until apply."""

    _instance: "Unknown | None" = None

    def __new__(cls) -> "Unknown":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = Unknown()
_PLAIN_UNKNOWN_EXT: Final = 0
_REFINED_UNKNOWN_EXT: Final = 12


def is_unknown(value: Value) -> bool:
    """True for the UNKNOWN sentinel."""
    return value is UNKNOWN


def contains_unknown(value: Value) -> bool:
    """True if the value or anything nested in it is unknown."""
    if value is UNKNOWN:
        return True
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    return False


def _ext_hook(code: int, data: bytes) -> Value:
    if code in (_PLAIN_UNKNOWN_EXT, _REFINED_UNKNOWN_EXT):
        return UNKNOWN
    # Any other extension is not something this provider's schema can hold; treat it as
    # unknown rather than crash, which is the safe reading for planning.
    return UNKNOWN


def decode_msgpack(data: bytes) -> Value:
    """Decode a msgpack DynamicValue payload (empty payload means null)."""
    if not data:
        return None
    return msgpack.unpackb(data, raw=False, ext_hook=_ext_hook, strict_map_key=False)


def decode_dynamic(msgpack_bytes: bytes, json_bytes: bytes) -> Value:
    """Decode a DynamicValue given its two optional encodings."""
    if msgpack_bytes:
        return decode_msgpack(msgpack_bytes)
    if json_bytes:
        return json.loads(json_bytes)
    return None


def conform(value: Value, typ: CtyType) -> Value:
    """Shape a Python value to a cty type: fill missing object attributes, drop extra ones."""
    if value is None or value is UNKNOWN:
        return value
    if typ == "number":
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            number = float(value)
            return int(number) if number.is_integer() else number
        return value
    if typ == "string":
        return value if isinstance(value, str) else str(value)
    if typ == "bool":
        return bool(value)
    if isinstance(typ, list) and typ[0] in ("list", "set"):
        return [conform(v, typ[1]) for v in value]
    if isinstance(typ, list) and typ[0] == "object":
        attrs: dict[str, CtyType] = typ[1]
        return {name: conform(value.get(name), t) for name, t in attrs.items()}
    return value


def _to_msgpack_tree(value: Value) -> Value:
    if value is UNKNOWN:
        return msgpack.ExtType(_PLAIN_UNKNOWN_EXT, b"\x00")
    if isinstance(value, list):
        return [_to_msgpack_tree(v) for v in value]
    if isinstance(value, dict):
        return {k: _to_msgpack_tree(v) for k, v in value.items()}
    return value


def encode_msgpack(value: Value, typ: CtyType) -> bytes:
    """Encode a value of the given cty type (None encodes as null)."""
    packed = msgpack.packb(_to_msgpack_tree(conform(value, typ)), use_bin_type=True)
    assert isinstance(packed, bytes)
    return packed
