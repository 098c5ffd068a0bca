"""Frame codec: bytes <-> messages. Pure: stdlib, msgpack (to write) and msgspec (to read).

`encode` writes one message. `decode_frame` returns every message in a frame (a frame may hold
several back to back) and raises only ProtocolError subclasses.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from typing import Annotated, Any

import msgpack  # type: ignore[import-untyped]  # ships no type hints
import msgspec

from . import messages as m
from .errors import BadPayload, DecodeError, InvalidMessage, TooLarge, UnknownKind
from .lib0 import Reader, write_var_string, write_var_uint, write_var_uint8_array

# y-websocket peers send one message per frame; a few may be batched. A cap keeps one 1 MiB frame
# of 0x03 bytes from turning into a million messages (about a second of CPU, a million replies).
MAX_MESSAGES_PER_FRAME = 100

MSGPACK_LIMITS = {"max_str_len": 1 << 20, "max_bin_len": 1 << 20, "max_array_len": 10_000,
                  "max_map_len": 1_000, "max_ext_len": 0}


# ---------------------------------------------------------------- encode


def encode(msg: m.Message) -> bytes:
    out = bytearray()
    if isinstance(msg, m.SyncStep1 | m.SyncStep2 | m.SyncUpdate):
        write_var_uint(out, m.MSG_SYNC)
        sub, payload = {
            m.SyncStep1: (m.SYNC_STEP1, "state_vector"),
            m.SyncStep2: (m.SYNC_STEP2, "update"),
            m.SyncUpdate: (m.SYNC_UPDATE, "update"),
        }[type(msg)]
        write_var_uint(out, sub)
        write_var_uint8_array(out, getattr(msg, payload))
    elif isinstance(msg, m.AwarenessMessage):
        write_var_uint(out, m.MSG_AWARENESS)
        write_var_uint8_array(out, msg.update)
    elif isinstance(msg, m.AuthDenied):
        write_var_uint(out, m.MSG_AUTH)
        write_var_uint(out, 0)
        write_var_string(out, msg.reason)
    elif isinstance(msg, m.QueryAwareness):
        write_var_uint(out, m.MSG_QUERY_AWARENESS)
    elif isinstance(msg, m.CollabMessage):
        write_var_uint(out, m.MSG_COLLAB)
        write_var_uint8_array(out, msgpack.packb(to_map(msg), use_bin_type=True))
    else:
        raise TypeError(f"not a protocol message: {msg!r}")
    return bytes(out)


def to_map(msg: m.CollabMessage) -> dict[str, Any]:
    """The msgpack map of a collabd message; None-valued optional fields are left out."""
    data: dict[str, Any] = {"t": msg.KIND}
    for f in dataclasses.fields(msg):
        value = getattr(msg, f.name)
        if value is not None:
            data[m.wire_name(f)] = value
    return data


# ---------------------------------------------------------------- decode


def decode_frame(frame: bytes, nested_bytes: int = 0) -> list[m.Message]:
    """`nested_bytes`: the longest encoding a collabd field holding maps or arrays may have
    (0: no bound beyond the frame's). A server passes its bound, so that what a client sends
    builds few objects."""
    if not frame:
        raise DecodeError("empty frame")
    r = Reader(frame)
    out: list[m.Message] = []
    while r.has_content():
        if len(out) == MAX_MESSAGES_PER_FRAME:
            raise DecodeError("too many messages in one frame")
        out.append(_read_message(r, nested_bytes))
    return out


def _read_message(r: Reader, nested_bytes: int = 0) -> m.Message:
    mtype = r.read_var_uint()
    if mtype == m.MSG_SYNC:
        sub = r.read_var_uint()
        data = r.read_var_uint8_array()
        if sub == m.SYNC_STEP1:
            return m.SyncStep1(data)
        if sub == m.SYNC_STEP2:
            return m.SyncStep2(data)
        if sub == m.SYNC_UPDATE:
            return m.SyncUpdate(data)
        raise DecodeError(f"unknown sync message type {sub}")
    if mtype == m.MSG_AWARENESS:
        return m.AwarenessMessage(r.read_var_uint8_array())
    if mtype == m.MSG_AUTH:
        sub = r.read_var_uint()
        if sub != 0:
            raise DecodeError(f"unknown auth message type {sub}")
        return m.AuthDenied(r.read_var_string())
    if mtype == m.MSG_QUERY_AWARENESS:
        return m.QueryAwareness()
    if mtype == m.MSG_COLLAB:
        return _unpack(r.read_var_uint8_array(), nested_bytes)
    raise DecodeError(f"unknown message type {mtype}")


def _is_map(payload: bytes) -> bool:
    return bool(payload) and (0x80 <= payload[0] <= 0x8F or payload[0] in (0xDE, 0xDF))


def _unpack(payload: bytes, nested_bytes: int) -> m.CollabMessage:
    """Decode a collabd payload in C (msgspec): no Python call per map or array.

    Only the fields of the kind are decoded; unknown fields are skipped unread (msgspec skips
    them without building anything). A field holding a map or an array is decoded only if its
    encoding is at most `nested_bytes` long (0: no bound), so the objects built stay in
    proportion to what the kind needs.
    """
    try:
        if not _is_map(payload):
            msgspec.msgpack.decode(payload, type=msgspec.Raw)  # well-formed? (skipped, not built)
            raise InvalidMessage("collabd payload must be a map")
        fields = _TOP.decode(payload)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError) as exc:
        raise BadPayload(f"bad msgpack payload: {_reason(exc)}") from exc
    raw_kind = fields.get("t")
    kind = None if raw_kind is None else _value(raw_kind, 0)
    cls = _message_class(kind)
    kwargs: dict[str, Any] = {}
    for spec in _fields(cls):
        raw = fields.get(spec.wire)
        if raw is not None:
            value = _value(raw, nested_bytes if spec.nested else 0)
            if not _matches(value, spec.type):
                raise InvalidMessage(f"{kind}.{spec.wire} has the wrong type")
            kwargs[spec.attr] = value
        elif spec.required:
            raise InvalidMessage(f"{kind}.{spec.wire} is missing")
    return cls(**kwargs)


def _message_class(kind: Any) -> type[m.CollabMessage]:
    if not isinstance(kind, str):
        raise InvalidMessage("collabd payload needs a string 't'")
    cls = m.KINDS.get(kind)
    if cls is None:
        raise UnknownKind(f"unknown message kind {kind[:40]!r}")
    return cls


def _reason(exc: BaseException) -> str:
    return type(exc).__name__ if isinstance(exc, RecursionError) else str(exc)[:120]


def _value(raw: msgspec.Raw, nested_bytes: int) -> Any:
    """One field's value: nil, a boolean, a number, a string, or arrays and maps of these with
    string keys, at most MAX_DEPTH deep. A binary is never a field's value (InvalidMessage);
    anything else that breaks section 7's rules is BadPayload."""
    data = memoryview(raw)
    if not data:
        raise BadPayload("empty field")
    if data[0] in _BIN:
        return b""  # a binary where the kind wants something else: _matches says so
    if nested_bytes and len(data) > nested_bytes:
        raise TooLarge(f"a field holding maps or arrays is over {nested_bytes} bytes")
    try:
        return _values().decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError) as exc:
        raise BadPayload(f"bad msgpack payload: {_reason(exc)}") from exc


def from_map(data: Any) -> m.CollabMessage:
    """A message from an already decoded map (checks types as decode_frame does)."""
    if not isinstance(data, dict):
        raise InvalidMessage("collabd payload must be a map")
    kind = data.get("t")
    cls = _message_class(kind)
    kwargs: dict[str, Any] = {}
    for spec in _fields(cls):
        if spec.wire in data:
            value = data[spec.wire]
            if not _matches(value, spec.type):
                raise InvalidMessage(f"{kind}.{spec.wire} has the wrong type")
            kwargs[spec.attr] = value
        elif spec.required:
            raise InvalidMessage(f"{kind}.{spec.wire} is missing")
    return cls(**kwargs)


# The shape of every value (section 7): built once, on first use (its type tree takes ~10 ms).
MAX_DEPTH = 8  # maps and arrays nested inside one field
_Str = Annotated[str, msgspec.Meta(max_length=MSGPACK_LIMITS["max_str_len"])]
_BIN = (0xC4, 0xC5, 0xC6)
_TOP = msgspec.msgpack.Decoder(
    Annotated[dict[str, msgspec.Raw], msgspec.Meta(max_length=MSGPACK_LIMITS["max_map_len"])])
_VALUES: list[msgspec.msgpack.Decoder[Any]] = []


def _values() -> msgspec.msgpack.Decoder[Any]:
    if not _VALUES:
        value: Any = None | bool | int | float | _Str
        for _ in range(MAX_DEPTH):
            value = (None | bool | int | float | _Str
                     | Annotated[list[value], msgspec.Meta(
                         max_length=MSGPACK_LIMITS["max_array_len"])]
                     | Annotated[dict[str, value], msgspec.Meta(
                         max_length=MSGPACK_LIMITS["max_map_len"])])
        _VALUES.append(msgspec.msgpack.Decoder(value))
    return _VALUES[0]


@dataclass(frozen=True)
class _FieldSpec:
    attr: str
    wire: str
    type: Any
    required: bool
    nested: bool  # holds maps or arrays


# Keyed by kind name: mypy does not see message classes as hashable (frozen dataclasses).
_FIELD_CACHE: dict[str, tuple[_FieldSpec, ...]] = {}


def _fields(cls: type[m.CollabMessage]) -> tuple[_FieldSpec, ...]:
    cached = _FIELD_CACHE.get(cls.KIND)
    if cached is None:
        cached = _FIELD_CACHE[cls.KIND] = _field_specs(cls)
    return cached


def _field_specs(cls: type[m.CollabMessage]) -> tuple[_FieldSpec, ...]:
    hints = typing.get_type_hints(cls)
    return tuple(
        _FieldSpec(
            f.name,
            m.wire_name(f),
            hints[f.name],
            f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
            _nested(hints[f.name]),
        )
        for f in dataclasses.fields(cls)
    )


def _nested(tp: Any) -> bool:
    if typing.get_origin(tp) in (types.UnionType, typing.Union):
        return any(_nested(arg) for arg in typing.get_args(tp))
    return tp in (dict, list) or typing.get_origin(tp) in (dict, list) or tp is Any


def _matches(value: Any, tp: Any) -> bool:
    origin = typing.get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        return any(_matches(value, arg) for arg in typing.get_args(tp))
    if tp is type(None):
        return value is None
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool) and -(2**53) < value < 2**53
    if tp is float:
        return isinstance(value, float | int) and not isinstance(value, bool)
    if tp is bool or tp is str or tp is bytes:
        return isinstance(value, tp)
    if origin is dict or tp is dict:
        return isinstance(value, dict)
    if origin is list or tp is list:
        return isinstance(value, list)
    raise TypeError(f"unsupported field type {tp!r}")  # a bug in messages.py, not bad input
