"""Frame codec: bytes <-> messages. Pure: stdlib and msgspec.

`encode` writes one message. `decode_frame` returns every message in a frame (a frame may hold
several back to back) and raises only ProtocolError subclasses.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from . import messages as m
from .errors import BadPayload, DecodeError, InvalidMessage, ProtocolError, TooLarge, UnknownKind
from .lib0 import Reader, write_var_string, write_var_uint, write_var_uint8_array

# y-websocket peers send one message per frame; a few may be batched. A cap keeps one 1 MiB frame
# of 0x03 bytes from turning into a million messages (about a second of CPU, a million replies).
MAX_MESSAGES_PER_FRAME = 100

MSGPACK_LIMITS = {"max_str_len": m.MAX_STR_LEN, "max_bin_len": 1 << 20,
                  "max_array_len": m.MAX_ARRAY_LEN, "max_map_len": m.MAX_MAP_LEN, "max_ext_len": 0}
MAX_DEPTH = m.MAX_DEPTH
_ENCODER = msgspec.msgpack.Encoder()


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
        write_var_uint8_array(out, _ENCODER.encode(to_map(msg)))
    else:
        raise TypeError(f"not a protocol message: {msg!r}")
    return bytes(out)


def to_map(msg: m.CollabMessage) -> dict[str, Any]:
    """The msgpack map of a collabd message; None-valued optional fields are left out."""
    data: dict[str, Any] = {"t": msg.KIND}
    for wire, value in zip(_schema(type(msg)).wire, msgspec.structs.astuple(msg), strict=True):
        if value is not None:
            data[wire] = value
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

    A first pass splits the map into its fields unread (msgspec.Raw) to find the kind, refuse
    unknown fields, bound each field holding maps or arrays to `nested_bytes` encoded bytes
    (0: no bound) and check what such a field holds (section 7), so nothing is built for a
    payload the kind does not describe. The second pass decodes the payload straight into the
    kind's Struct.
    """
    try:
        if not _is_map(payload):
            msgspec.msgpack.decode(payload, type=msgspec.Raw)  # well-formed? (skipped, not built)
            raise InvalidMessage("collabd payload must be a map")
        fields = _TOP.decode(payload)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError) as exc:
        raise BadPayload(f"bad msgpack payload: {_reason(exc)}") from exc
    raw_kind = fields.get("t")
    schema = _schema(_message_class(None if raw_kind is None else _value(raw_kind)))
    kind = schema.cls.KIND
    if not schema.names.issuperset(fields):
        raise _unknown_field(kind, fields, schema)
    for name in schema.nested:
        raw = fields.get(name)
        if raw is not None:
            if nested_bytes and len(raw) > nested_bytes:
                raise TooLarge(f"a field holding maps or arrays is over {nested_bytes} bytes")
            _value(raw)  # section 7's shape, in C (BadPayload); the Struct takes it as Any
    try:
        msg: m.CollabMessage = schema.decoder().decode(payload)
    except msgspec.ValidationError as exc:
        raise _invalid(kind, fields, exc) from exc
    except (msgspec.DecodeError, RecursionError) as exc:
        raise BadPayload(f"bad msgpack payload: {_reason(exc)}") from exc
    return msg


def _message_class(kind: Any) -> type[m.CollabMessage]:
    if not isinstance(kind, str):
        raise InvalidMessage("collabd payload needs a string 't'")
    cls = m.KINDS.get(kind)
    if cls is None:
        raise UnknownKind(f"unknown message kind {kind[:40]!r}")
    return cls


def _unknown_field(kind: str, fields: Any, schema: _Schema) -> InvalidMessage:
    key = next(str(k) for k in fields if k not in schema.names)
    return InvalidMessage(f"{kind} has no field {key[:40]!r}")


def _invalid(kind: str, fields: dict[str, msgspec.Raw], exc: Exception) -> ProtocolError:
    """A field of the wrong type is InvalidMessage, but a scalar field's value that breaks
    section 7 (an extension type) is BadPayload: check each field's shape to tell which (error
    path only)."""
    for raw in fields.values():
        _value(raw)
    return InvalidMessage(f"{kind}: {_reason(exc)}")


def _reason(exc: BaseException) -> str:
    return type(exc).__name__ if isinstance(exc, RecursionError) else str(exc)[:120]


def _value(raw: msgspec.Raw) -> Any:
    """One field's value: nil, a boolean, a number, a string, or arrays and maps of these with
    string keys, at most MAX_DEPTH deep. A binary is never a field's value (returned as b"": the
    kind's type refuses it, InvalidMessage); anything else that breaks section 7's rules is
    BadPayload."""
    data = memoryview(raw)
    if not data:
        raise BadPayload("empty field")
    if data[0] in _BIN:
        return b""
    try:
        return _values().decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError) as exc:
        raise BadPayload(f"bad msgpack payload: {_reason(exc)}") from exc


def from_map(data: Any) -> m.CollabMessage:
    """A message from an already decoded map (checks fields as decode_frame does)."""
    if not isinstance(data, dict):
        raise InvalidMessage("collabd payload must be a map")
    schema = _schema(_message_class(data.get("t")))
    kind = schema.cls.KIND
    if not schema.names.issuperset(data):
        raise _unknown_field(kind, data, schema)
    try:
        msg: m.CollabMessage = msgspec.convert(data, schema.cls)
    except msgspec.ValidationError as exc:
        raise InvalidMessage(f"{kind}: {_reason(exc)}") from exc
    return msg


_BIN = (0xC4, 0xC5, 0xC6)
_TOP = msgspec.msgpack.Decoder(
    Annotated[dict[str, msgspec.Raw], msgspec.Meta(max_length=MSGPACK_LIMITS["max_map_len"])])
_VALUES: list[msgspec.msgpack.Decoder[Any]] = []


def _values() -> msgspec.msgpack.Decoder[Any]:
    """The shape of any field's value (section 7), built on first use (its type tree takes
    ~10 ms)."""
    if not _VALUES:
        _VALUES.append(msgspec.msgpack.Decoder(m.nested_value(MAX_DEPTH)))
    return _VALUES[0]


class _Schema:
    """What the codec needs of one kind, computed once."""

    def __init__(self, cls: type[m.CollabMessage]) -> None:
        self.cls = cls
        info = msgspec.structs.fields(cls)
        self.wire = tuple(f.encode_name for f in info)
        self.names = frozenset(("t", *self.wire))
        self.nested = tuple(f.encode_name for f in info if m.holds_containers(f.type))
        self._decoder: msgspec.msgpack.Decoder[Any] | None = None

    def decoder(self) -> msgspec.msgpack.Decoder[Any]:
        if self._decoder is None:  # built on first use (under a millisecond)
            self._decoder = msgspec.msgpack.Decoder(self.cls)
        return self._decoder


# Keyed by kind name: mypy does not see message classes as hashable (frozen).
_SCHEMAS: dict[str, _Schema] = {}


def _schema(cls: type[m.CollabMessage]) -> _Schema:
    schema = _SCHEMAS.get(cls.KIND)
    if schema is None:
        schema = _SCHEMAS[cls.KIND] = _Schema(cls)
    return schema
