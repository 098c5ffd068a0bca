"""Awareness update payload (y-protocols awareness): the bytes inside an awareness message.

    awarenessUpdate = varUint(n) { varUint(clientID) varUint(clock) varString(stateJSON) }*n

A state of JSON `null` means the client left.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import DecodeError
from .lib0 import Reader, write_var_string, write_var_uint

MAX_ENTRIES = 1000


@dataclass(frozen=True, slots=True)
class AwarenessEntry:
    client_id: int
    clock: int
    state_json: str  # "null" when the client is gone


def decode_awareness(update: bytes) -> list[AwarenessEntry]:
    r = Reader(update)
    n = r.read_var_uint()
    if n > MAX_ENTRIES:
        raise DecodeError("too many awareness entries")
    entries = [AwarenessEntry(r.read_var_uint(), r.read_var_uint(), r.read_var_string())
               for _ in range(n)]
    if r.has_content():
        raise DecodeError("trailing bytes after awareness update")
    return entries


def encode_awareness(entries: list[AwarenessEntry]) -> bytes:
    out = bytearray()
    write_var_uint(out, len(entries))
    for e in entries:
        write_var_uint(out, e.client_id)
        write_var_uint(out, e.clock)
        write_var_string(out, e.state_json)
    return bytes(out)
