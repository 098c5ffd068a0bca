"""Frame codec: bytes <-> messages. Pure: stdlib and msgpack only.

`encode` writes one message. `decode_frame` returns every message in a frame (a frame may hold
several back to back) and raises only ProtocolError subclasses.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from typing import Any

import msgpack  # type: ignore[import-untyped]  # ships no type hints

from . import messages as m
from .errors import BadPayload, DecodeError, InvalidMessage, UnknownKind
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


def decode_frame(frame: bytes) -> list[m.Message]:
    if not frame:
        raise DecodeError("empty frame")
    r = Reader(frame)
    out: list[m.Message] = []
    while r.has_content():
        if len(out) == MAX_MESSAGES_PER_FRAME:
            raise DecodeError("too many messages in one frame")
        out.append(_read_message(r))
    return out


def _read_message(r: Reader) -> m.Message:
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
        return from_map(_unpack(r.read_var_uint8_array()))
    raise DecodeError(f"unknown message type {mtype}")


def _str_keys(pairs: list[tuple[Any, Any]]) -> dict[str, Any]:
    # strict_map_key still lets binary keys through (as bytes); SPEC 7 allows strings only
    for key, _ in pairs:
        if type(key) is not str:
            raise ValueError("map key is not a string")
    return dict(pairs)


def _unpack(payload: bytes) -> Any:
    try:
        return msgpack.unpackb(payload, raw=False, strict_map_key=True,
                               object_pairs_hook=_str_keys, **MSGPACK_LIMITS)
    except Exception as exc:  # msgpack raises many unrelated types for bad input
        raise BadPayload(f"bad msgpack payload: {type(exc).__name__}") from exc


def from_map(data: Any) -> m.CollabMessage:
    if not isinstance(data, dict):
        raise InvalidMessage("collabd payload must be a map")
    kind = data.get("t")
    if not isinstance(kind, str):
        raise InvalidMessage("collabd payload needs a string 't'")
    cls = m.KINDS.get(kind)
    if cls is None:
        raise UnknownKind(f"unknown message kind {kind[:40]!r}")
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


@dataclass(frozen=True)
class _FieldSpec:
    attr: str
    wire: str
    type: Any
    required: bool


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
        )
        for f in dataclasses.fields(cls)
    )


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
