"""Frames the codec must refuse, each with the error it raises."""

from __future__ import annotations

from typing import Any

import collab_protocol as cp
from collab_protocol import messages as m
from collab_protocol.lib0 import write_var_string, write_var_uint, write_var_uint8_array


def frame(*parts: bytes) -> bytes:
    return b"".join(parts)


def vu(n: int) -> bytes:
    out = bytearray()
    write_var_uint(out, n)
    return bytes(out)


def arr(data: bytes) -> bytes:
    out = bytearray()
    write_var_uint8_array(out, data)
    return bytes(out)


def vs(text: str) -> bytes:
    out = bytearray()
    write_var_string(out, text)
    return bytes(out)


def collab(payload: bytes) -> bytes:
    return vu(m.MSG_COLLAB) + arr(payload)


def packb(obj: Any) -> bytes:
    import msgpack  # type: ignore[import-untyped]

    return bytes(msgpack.packb(obj, use_bin_type=True))


def invalid_cases() -> list[tuple[str, bytes, type[cp.ProtocolError]]]:
    D, P, I, U = cp.DecodeError, cp.BadPayload, cp.InvalidMessage, cp.UnknownKind  # noqa: E741
    return [
        ("empty frame", b"", D),
        ("unknown message type 4", vu(4), D),
        ("unknown message type 101", vu(101) + arr(b"x"), D),
        ("sync without a sub-type", vu(0), D),
        ("unknown sync sub-type 3", vu(0) + vu(3) + arr(b"\x00"), D),
        ("SyncStep1 whose length runs past the frame", vu(0) + vu(0) + vu(5) + b"\xaa", D),
        ("varUint with 9 bytes", b"\xff" * 8 + b"\x7f", D),
        ("varUint above 2^53-1 (8 bytes)", b"\xff" * 7 + b"\x10", D),
        ("truncated varUint", b"\x80", D),
        ("awareness without its payload", vu(1), D),
        ("auth with sub-type 1", vu(2) + vu(1) + vs("no"), D),
        ("auth reason that is not UTF-8", vu(2) + vu(0) + arr(b"\xc3\x28"), D),
        ("a valid message followed by a truncated one", vu(3) + vu(0) + vu(0), D),
        ("too many messages in one frame (101 query-awareness)", vu(3) * 101, D),
        ("collabd payload that is not msgpack (0xc1)", collab(b"\xc1"), P),
        ("collabd payload with trailing bytes", collab(packb({"t": "session.end"}) + b"\xc0"), P),
        ("collabd payload with an integer map key", collab(packb({1: "x"})), P),
        ("collabd payload with a binary map key", collab(packb({b"t": "session.end"})), P),
        (
            "signal data with a binary map key (nested maps too)",
            collab(packb({"t": "signal", "kind": "hangup", "data": {b"k": 1}, "to": "p"})),
            P,
        ),
        (
            "collabd payload holding a msgpack extension type",
            collab(packb({"t": "hello", "v": 1})[:-1] + b"\xd4\x01\x00"),
            P,
        ),
        ("collabd payload that is a list", collab(packb(["hello", 1])), I),
        ("collabd map without 't'", collab(packb({"v": 1})), I),
        ("collabd 't' that is not a string", collab(packb({"t": 7})), I),
        ("unknown kind", collab(packb({"t": "teleport", "to": "mars"})), U),
        ("hello without v", collab(packb({"t": "hello"})), I),
        ("hello with a string v", collab(packb({"t": "hello", "v": "1"})), I),
        (
            "hello with v = true (booleans are not integers)",
            collab(packb({"t": "hello", "v": True})),
            I,
        ),
        (
            "hello with a field the kind does not have (unknown fields are refused)",
            collab(packb({"t": "hello", "v": 1, "feature": "x"})),
            I,
        ),
        (
            "chat.msg id above 2^53-1",
            collab(packb({"t": "chat.msg", "id": 2**53, "ts": 1, "from": {}, "text": "x"})),
            I,
        ),
        ("chat.post text as binary", collab(packb({"t": "chat.post", "text": b"hi"})), I),
        (
            "signal data that is a list",
            collab(packb({"t": "signal", "kind": "ice", "data": []})),
            I,
        ),
        (
            "a valid message then an unknown kind: the whole frame is rejected",
            vu(3) + collab(packb({"t": "nope"})),
            U,
        ),
    ]


# ---------------------------------------------------------------- join token and TURN
