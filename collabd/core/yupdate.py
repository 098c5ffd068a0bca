"""Reads the structure of a Yjs v1 update without applying it.

Why: yrs keeps structs whose dependencies are missing in a "pending" area, and a client that
sends thousands of such updates can make it allocate without bound (DESIGN.md section 6). pycrdt
does not tell us whether an update went pending, so we find out before applying: every struct
must continue its client's clock, and every item's origin, right origin and parent id must point
at something the document (or the update itself) already has.

Grammar (lib0 v1 encoding, as written by Yjs' UpdateEncoderV1):
    update    = varUint(nClients) { varUint(nStructs) varUint(client) varUint(clock) struct* }
                deleteSet
    struct    = info:uint8 ...  (GC: len; Skip: len; Item: see _read_item)
    deleteSet = varUint(nClients) { varUint(client) varUint(n) { varUint(clock) varUint(len) }* }
"""

from __future__ import annotations

from dataclasses import dataclass, field

from collab_protocol.errors import DecodeError
from collab_protocol.lib0 import Reader

MAX_ANY_DEPTH = 64
_BITS5 = 0x1F
_SKIP = 10
_GC = 0


class InvalidUpdate(ValueError):
    """The bytes are not a Yjs v1 update."""


@dataclass(slots=True)
class UpdateInfo:
    # client -> clock just past the last struct, counting only the run contiguous from `start`
    ends: dict[int, int] = field(default_factory=dict)
    starts: dict[int, int] = field(default_factory=dict)
    # clocks of structs that come after a Skip (gap inside the update), per client
    after_skip: list[tuple[int, int]] = field(default_factory=list)
    refs: list[tuple[int, int]] = field(default_factory=list)  # ids items point at
    structs: int = 0
    deletes: int = 0


def parse(update: bytes) -> UpdateInfo:
    try:
        return _parse(Reader(update))
    except DecodeError as exc:
        raise InvalidUpdate(str(exc)) from exc


def _parse(r: Reader) -> UpdateInfo:
    info = UpdateInfo()
    for _ in range(r.read_var_uint()):
        n = r.read_var_uint()
        client = r.read_var_uint()
        clock = r.read_var_uint()
        if client in info.starts:
            raise InvalidUpdate("client appears twice")
        info.starts[client] = clock
        contiguous = True
        end = clock
        for _ in range(n):
            tag = r.read_uint8()
            kind = tag & _BITS5
            if kind == _SKIP:
                length = r.read_var_uint()
                contiguous = False
            elif kind == _GC:
                length = r.read_var_uint()
            else:
                length = _read_item(r, tag, info.refs)
                if not contiguous:
                    info.after_skip.append((client, clock))
            if length <= 0:
                raise InvalidUpdate("struct of zero length")
            clock += length
            if contiguous:
                end = clock
            info.structs += 1
        info.ends[client] = end
    for _ in range(r.read_var_uint()):
        r.read_var_uint()
        for _ in range(r.read_var_uint()):
            r.read_var_uint()
            if r.read_var_uint() == 0:
                raise InvalidUpdate("empty delete range")
            info.deletes += 1
    if r.has_content():
        raise InvalidUpdate("trailing bytes after update")
    return info


def _read_item(r: Reader, tag: int, refs: list[tuple[int, int]]) -> int:
    if tag & 0x80:  # origin
        refs.append((r.read_var_uint(), r.read_var_uint()))
    if tag & 0x40:  # right origin
        refs.append((r.read_var_uint(), r.read_var_uint()))
    if not tag & 0xC0:  # no origins: the parent is written out
        if r.read_var_uint() == 1:
            r.read_var_string()  # a root type by name
        else:
            refs.append((r.read_var_uint(), r.read_var_uint()))
        if tag & 0x20:
            r.read_var_string()  # parentSub (map key)
    return _read_content(r, tag & _BITS5)


def _read_content(r: Reader, ref: int) -> int:
    if ref == 1:  # deleted
        return r.read_var_uint()
    if ref == 2:  # JSON
        n = r.read_var_uint()
        for _ in range(n):
            r.read_var_string()
        return n
    if ref == 3:  # binary
        r.read_var_uint8_array()
        return 1
    if ref == 4:  # string: length in UTF-16 code units, as Yjs counts
        return len(r.read_var_string().encode("utf-16-le")) // 2
    if ref == 5:  # embed
        r.read_var_string()
        return 1
    if ref == 6:  # format
        r.read_var_string()
        r.read_var_string()
        return 1
    if ref == 7:  # type
        type_ref = r.read_var_uint()
        if type_ref in (3, 5):  # XmlElement name / XmlHook name
            r.read_var_string()
        elif type_ref > 6:
            raise InvalidUpdate(f"unknown type ref {type_ref}")
        return 1
    if ref == 8:  # any
        n = r.read_var_uint()
        for _ in range(n):
            _skip_any(r, 0)
        return n
    if ref == 9:  # subdocument
        r.read_var_string()
        _skip_any(r, 0)
        return 1
    raise InvalidUpdate(f"unknown content ref {ref}")


def _skip_any(r: Reader, depth: int) -> None:
    if depth > MAX_ANY_DEPTH:
        raise InvalidUpdate("value nested too deeply")
    t = r.read_uint8()
    if t in (127, 126, 121, 120):  # undefined, null, false, true
        return
    if t == 125:
        r.read_var_int()
    elif t == 124:
        r.read_bytes(4)
    elif t in (123, 122):
        r.read_bytes(8)
    elif t == 119:
        r.read_var_string()
    elif t == 118:
        for _ in range(r.read_var_uint()):
            r.read_var_string()
            _skip_any(r, depth + 1)
    elif t == 117:
        for _ in range(r.read_var_uint()):
            _skip_any(r, depth + 1)
    elif t == 116:
        r.read_var_uint8_array()
    else:
        raise InvalidUpdate(f"unknown value type {t}")


def missing_dependencies(info: UpdateInfo, state: dict[int, int]) -> bool:
    """True if applying the update would leave structs pending in a doc with this state vector."""
    have = dict(state)
    for client, start in info.starts.items():
        known = state.get(client, 0)
        if start > known:
            return True
        have[client] = max(known, info.ends[client])
    for client, clock in info.after_skip:
        if clock > have.get(client, 0):
            return True
    return any(clock >= have.get(client, 0) for client, clock in info.refs)


def advances(info: UpdateInfo, state: dict[int, int]) -> bool:
    """True if the update adds structs the doc does not have yet."""
    return any(end > state.get(client, 0) for client, end in info.ends.items())


def decode_state_vector(data: bytes) -> dict[int, int]:
    r = Reader(data)
    try:
        sv = {r.read_var_uint(): r.read_var_uint() for _ in range(r.read_var_uint())}
    except DecodeError as exc:
        raise InvalidUpdate(str(exc)) from exc
    if r.has_content():
        raise InvalidUpdate("trailing bytes after state vector")
    return sv
