"""Frames the cost tests and bench/attacks.py send: hostile payloads, and for each one a
control of the same size that the server refuses at once (what the flood costs without the
work the payload tries to cause)."""

from __future__ import annotations

import msgpack  # type: ignore[import-untyped]
from pycrdt import Doc, Text

from collab_protocol import SyncUpdate, encode
from collab_protocol.lib0 import write_var_uint, write_var_uint8_array

from .yforge import Forged, Item

MILLION = 1_000_000


def collab(payload: bytes) -> bytes:
    out = bytearray()
    write_var_uint(out, 100)
    write_var_uint8_array(out, payload)
    return bytes(out)


def million_containers() -> list[bytes]:
    """Collabd frames of about a million tiny maps and arrays each, in three places: the whole
    payload, a field the kind has (signal.data) and a field it does not have."""
    maps = b"\xdd" + MILLION.to_bytes(4, "big") + b"\x80" * MILLION
    arrays = b"\xdd" + MILLION.to_bytes(4, "big") + b"\x90" * MILLION
    signal = msgpack.packb({"t": "signal", "kind": "offer", "to": "x"})
    hello = msgpack.packb({"t": "hello", "v": 1})
    return [
        collab(maps),
        collab(bytes([signal[0] + 1]) + signal[1:] + msgpack.packb("data") + b"\xdf"
               + (MILLION // 2).to_bytes(4, "big") + b"\xa0\x80" * (MILLION // 2)),
        collab(bytes([hello[0] + 1]) + hello[1:] + msgpack.packb("junk") + arrays),
    ]


def same_size_but_flat(frames: list[bytes]) -> list[bytes]:
    """Frames as long as `frames` whose collabd payload is one binary: what the attack would
    cost if containers cost no more than other bytes (the WebSocket layer's share)."""
    out = []
    for f in frames:
        head = msgpack.packb({"t": "hello", "v": 1})
        pad = len(f) - len(head) - 20
        out.append(collab(bytes([head[0] + 1]) + head[1:] + msgpack.packb("pad")
                          + msgpack.packb(b"\x00" * pad, use_bin_type=True)))
    return out


def deleted_block(n: int) -> tuple[int, list[bytes]]:
    """An insert of n characters and its deletion: afterwards every delete inside is a no-op."""
    doc = Doc()
    text = doc.get("code", type=Text)
    sv = doc.get_state()
    text += "d" * n
    insert = doc.get_update(sv)
    sv = doc.get_state()
    del text[0:n]
    return doc.client_id, [insert, doc.get_update(sv)]


def noop_deletes(client: int, ranges: int) -> bytes:
    """A delete set of many one-item ranges inside the deleted block: changes nothing."""
    return Forged(deletes=[(client, 2 * i, 1) for i in range(ranges)]).encode()


def frame(update: bytes) -> bytes:
    return encode(SyncUpdate(update))


def malformed_like(frames: list[bytes]) -> list[bytes]:
    """Frames as long as `frames` holding an update that fails at its first byte: what the
    flood costs without any checking (the WebSocket layer, the cut, the reconnects)."""
    return [frame(b"\xff" * (len(f) - 5)) for f in frames]


def many_structs(updates: int, per_update: int) -> list[bytes]:
    """Updates of `per_update` separate structs each (every insert at the start of the text:
    nothing merges), for a document that takes yrs a while to load."""
    doc = Doc()
    text = doc.get("code", type=Text)
    out = []
    for _ in range(updates):
        sv = doc.get_state()
        with doc.transaction():
            for _ in range(per_update):
                text.insert(0, "r" * 40)
        out.append(doc.get_update(sv))
    return out


def half_failing() -> bytes:
    """yrs takes the first item, then fails on the second: the room is rebuilt."""
    f = Forged()
    f.clients[77] = (0, [Item("a"), Item("b", parent_id=(77, 0))])
    return f.encode()
