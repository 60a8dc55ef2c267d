"""The tfplugin6 Provider service: every RPC Terraform 1.11 calls, written out by hand.

Protobuf stubs come from the `tf` package (tf.gen.tfplugin_pb2); nothing else of it is used.
User errors become ERROR diagnostics; an unexpected exception becomes an "internal error"
diagnostic plus a traceback on stderr (tracebacks name code lines only, never values).
"""

import sys
import threading
import traceback
from collections.abc import Callable
from typing import Any

from tf.gen import tfplugin_pb2 as pb

from tls_standin import planning, resources
from tls_standin.errors import TLSError
from tls_standin.schema import (
    DATA_SOURCES,
    EPHEMERAL_RESOURCES,
    PROVIDER,
    RESOURCES,
    Schema,
    to_proto,
)
from tls_standin.values import Value, conform, decode_dynamic, encode_msgpack

Obj = dict[str, Any]


def _path(attribute: str | None) -> Any:
    if not attribute:
        return None
    return pb.AttributePath(steps=[pb.AttributePath.Step(attribute_name=attribute)])


def _diag(error: TLSError) -> Any:
    return pb.Diagnostic(
        severity=pb.Diagnostic.ERROR,
        summary=error.summary,
        detail=error.detail,
        attribute=_path(error.attribute),
    )


def _error(summary: str, detail: str = "") -> Any:
    return pb.Diagnostic(severity=pb.Diagnostic.ERROR, summary=summary, detail=detail)


def _decode(dynamic: Any, schema: Schema) -> Value:
    return conform(decode_dynamic(dynamic.msgpack, dynamic.json), schema.type)


def _dynamic(value: Value, schema: Schema) -> Any:
    return pb.DynamicValue(msgpack=encode_msgpack(value, schema.type))


def _guard(response_type: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Turn exceptions of an RPC handler into diagnostics on its response type."""

    def wrap(handler: Callable[..., Any]) -> Callable[..., Any]:
        def run(self: "ProviderService", request: Any, context: Any) -> Any:
            try:
                return handler(self, request, context)
            except TLSError as exc:
                return response_type(diagnostics=[_diag(exc)])
            except Exception as exc:
                traceback.print_exc(file=sys.stderr)
                return response_type(
                    diagnostics=[
                        _error(
                            "Internal error in the tls stand-in provider",
                            f"{type(exc).__name__} while handling {handler.__name__}.",
                        )
                    ]
                )

        run.__name__ = handler.__name__
        return run

    return wrap


def _resource_schema(type_name: str) -> Schema:
    schema = RESOURCES.get(type_name)
    if schema is None:
        raise TLSError("Unknown resource type", f'This provider has no resource "{type_name}".')
    return schema


def _data_schema(type_name: str) -> Schema:
    schema = DATA_SOURCES.get(type_name)
    if schema is None:
        raise TLSError("Unknown data source", f'This provider has no data source "{type_name}".')
    return schema


class ProviderService:
    """Implements tfplugin6.Provider (registered with add_ProviderServicer_to_server)."""

    def __init__(self) -> None:
        self.stopped = threading.Event()
        self._schema_response: Any = None

    # --- metadata and schema -------------------------------------------------------------

    def GetMetadata(self, request: Any, context: Any) -> Any:
        response = pb.GetMetadata.Response(
            server_capabilities=pb.ServerCapabilities(),
            resources=[pb.GetMetadata.ResourceMetadata(type_name=n) for n in RESOURCES],
            data_sources=[pb.GetMetadata.DataSourceMetadata(type_name=n) for n in DATA_SOURCES],
        )
        # ephemeral_resources = 6: repeated EphemeralResourceMetadata { type_name = 1 }
        extra = b"".join(_field(6, _field(1, name.encode())) for name in EPHEMERAL_RESOURCES)
        return _with_extra_fields(response, extra)

    def GetProviderSchema(self, request: Any, context: Any) -> Any:
        if self._schema_response is None:
            response = pb.GetProviderSchema.Response(
                provider=to_proto(pb, PROVIDER),
                resource_schemas={n: to_proto(pb, s) for n, s in RESOURCES.items()},
                data_source_schemas={n: to_proto(pb, s) for n, s in DATA_SOURCES.items()},
                server_capabilities=pb.ServerCapabilities(),
            )
            # ephemeral_resource_schemas = 8: map<string, Schema>, one entry message each.
            extra = b"".join(
                _field(
                    8,
                    _field(1, name.encode()) + _field(2, to_proto(pb, schema).SerializeToString()),
                )
                for name, schema in EPHEMERAL_RESOURCES.items()
            )
            self._schema_response = _with_extra_fields(response, extra)
        return self._schema_response

    def GetFunctions(self, request: Any, context: Any) -> Any:
        return pb.GetFunctions.Response()

    def CallFunction(self, request: Any, context: Any) -> Any:
        return pb.CallFunction.Response(
            error=pb.FunctionError(text=f'The tls provider has no function "{request.name}".')
        )

    # --- provider --------------------------------------------------------------------------

    @_guard(pb.ValidateProviderConfig.Response)
    def ValidateProviderConfig(self, request: Any, context: Any) -> Any:
        return pb.ValidateProviderConfig.Response()

    @_guard(pb.ConfigureProvider.Response)
    def ConfigureProvider(self, request: Any, context: Any) -> Any:
        # `proxy` only matters for data tls_certificate's `url`, which this stand-in refuses.
        return pb.ConfigureProvider.Response()

    def StopProvider(self, request: Any, context: Any) -> Any:
        # Every RPC here is short and CPU-bound; there is nothing long-running to cancel.
        return pb.StopProvider.Response()

    # --- resources -------------------------------------------------------------------------

    @_guard(pb.ValidateResourceConfig.Response)
    def ValidateResourceConfig(self, request: Any, context: Any) -> Any:
        schema = _resource_schema(request.type_name)
        config = _decode(request.config, schema) or {}
        errors = planning.validate_resource(request.type_name, config)
        return pb.ValidateResourceConfig.Response(diagnostics=[_diag(e) for e in errors])

    @_guard(pb.UpgradeResourceState.Response)
    def UpgradeResourceState(self, request: Any, context: Any) -> Any:
        import json

        schema = _resource_schema(request.type_name)
        raw = request.raw_state
        if not raw.json:
            if raw.flatmap:
                raise TLSError(
                    "Unsupported state format",
                    "Flatmap state (Terraform < 0.12) cannot be upgraded by this stand-in.",
                )
            return pb.UpgradeResourceState.Response(upgraded_state=_dynamic(None, schema))
        state = json.loads(raw.json)
        if request.type_name == "tls_private_key" and request.version < 1:
            state = _upgrade_private_key_v0(state)
        return pb.UpgradeResourceState.Response(upgraded_state=_dynamic(state, schema))

    @_guard(pb.ReadResource.Response)
    def ReadResource(self, request: Any, context: Any) -> Any:
        schema = _resource_schema(request.type_name)
        state = _decode(request.current_state, schema)
        if state is not None:
            state = planning.refresh(request.type_name, state)
        return pb.ReadResource.Response(new_state=_dynamic(state, schema), private=request.private)

    @_guard(pb.PlanResourceChange.Response)
    def PlanResourceChange(self, request: Any, context: Any) -> Any:
        schema = _resource_schema(request.type_name)
        prior = _decode(request.prior_state, schema)
        proposed = _decode(request.proposed_new_state, schema)
        config = _decode(request.config, schema)
        if config is not None:
            errors = planning.validate_resource(request.type_name, config)
            if errors:
                return pb.PlanResourceChange.Response(diagnostics=[_diag(e) for e in errors])
        planned, replace = planning.plan(request.type_name, schema, prior, proposed, config)
        return pb.PlanResourceChange.Response(
            planned_state=_dynamic(planned, schema),
            requires_replace=[_path(name) for name in replace],
            planned_private=request.prior_private,
        )

    @_guard(pb.ApplyResourceChange.Response)
    def ApplyResourceChange(self, request: Any, context: Any) -> Any:
        schema = _resource_schema(request.type_name)
        prior = _decode(request.prior_state, schema)
        planned = _decode(request.planned_state, schema)
        if planned is None:  # destroy: the tls provider only forgets
            return pb.ApplyResourceChange.Response(new_state=_dynamic(None, schema))
        # With a prior state this is an in-place update: only early_renewal_hours changes.
        new_state = resources.CREATORS[request.type_name](planned) if prior is None else planned
        return pb.ApplyResourceChange.Response(
            new_state=_dynamic(new_state, schema), private=request.planned_private
        )

    @_guard(pb.ImportResourceState.Response)
    def ImportResourceState(self, request: Any, context: Any) -> Any:
        raise TLSError(
            "Resource Import Not Implemented",
            f"This resource does not support import ({request.type_name}). Please contact "
            "the provider developer for additional information.",
        )

    @_guard(pb.MoveResourceState.Response)
    def MoveResourceState(self, request: Any, context: Any) -> Any:
        raise TLSError(
            "Unable to Move Resource State",
            f"The tls provider cannot move state into {request.target_type_name}.",
        )

    # --- data sources ----------------------------------------------------------------------

    @_guard(pb.ValidateDataResourceConfig.Response)
    def ValidateDataResourceConfig(self, request: Any, context: Any) -> Any:
        schema = _data_schema(request.type_name)
        config = _decode(request.config, schema) or {}
        errors = planning.validate_data_source(request.type_name, config)
        return pb.ValidateDataResourceConfig.Response(diagnostics=[_diag(e) for e in errors])

    @_guard(pb.ReadDataSource.Response)
    def ReadDataSource(self, request: Any, context: Any) -> Any:
        schema = _data_schema(request.type_name)
        config = _decode(request.config, schema) or {}
        state = resources.READERS[request.type_name](config)
        return pb.ReadDataSource.Response(state=_dynamic(state, schema))


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    """One length-delimited protobuf field (wire type 2)."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _with_extra_fields(message: Any, extra: bytes) -> Any:
    """Add fields the `tf` package's older tfplugin6 stubs lack (ephemeral resources,
    protocol 6.7+) as raw wire bytes: protobuf keeps unknown fields when it re-parses, and
    writes them back when gRPC serialises the response."""
    if not extra:
        return message
    merged = type(message)()
    merged.ParseFromString(message.SerializeToString() + extra)
    return merged


def _upgrade_private_key_v0(state: Obj) -> Obj:
    """Schema v0 (SDKv2) -> v1: recompute the derived formats from private_key_pem."""
    from tls_standin import keys

    pem = state.get("private_key_pem")
    if not isinstance(pem, str) or not pem:
        return state
    key = keys.load_private_key_pem(pem)
    public = key.public_key()
    return {
        **state,
        **keys.public_attributes(public),
        **keys.private_attributes(key),
    }
