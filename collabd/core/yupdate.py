"""Reads the structure of a Yjs v1 update without applying it.

Why: yrs keeps structs whose dependencies are missing in a "pending" area, and a client that
sends thousands of such updates can make it allocate without bound (docs/security.md). pycrdt
does not tell us whether an update went pending, so we find out before applying: every struct
must continue its client's clock, and every item's origin, right origin and parent id must point
at something the document (or the update itself) already has (`integrated_state`).

Grammar (lib0 v1 encoding, as written by Yjs' UpdateEncoderV1):
    update    = varUint(nClients) { varUint(nStructs) varUint(client) varUint(clock) struct* }
                deleteSet
    struct    = info:uint8 ...  (GC: len; Skip: len; Item: see _read_item)
    deleteSet = varUint(nClients) { varUint(client) varUint(n) { varUint(clock) varUint(len) }* }
"""

from __future__ import annotations

from dataclasses import dataclass, field

from collab_protocol.errors import DecodeError
from collab_protocol.lib0 import MAX_SAFE_INTEGER, MAX_VAR_UINT_BYTES, Reader

MAX_ANY_DEPTH = 64
_BITS5 = 0x1F
_SKIP = 10
_GC = 0


class InvalidUpdate(ValueError):
    """The bytes are not a Yjs v1 update."""


class TooMuchWork(InvalidUpdate):
    """The update holds more structs, delete ranges and values than one update may (checking
    it would hold the event loop too long)."""


class _Work:
    """Units of checking work left for one update: a struct, a deleted range, a value inside
    content, a client in the integration replay. Counted before the work is done."""

    __slots__ = ("left", "cap")

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.left = cap

    def spend(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise TooMuchWork(f"update holds more than {self.cap} structs, ranges and values")

    def used(self) -> int:
        return self.cap - self.left


# One struct of an update: its clock, the clock just past it, and the ids it points at.
Struct = tuple[int, int, tuple[tuple[int, int], ...]]


@dataclass(slots=True)
class UpdateInfo:
    # client -> its structs in clock order (Skips left out: they are gaps)
    structs: dict[int, list[Struct]] = field(default_factory=dict)
    # client -> clock just past its last struct in the update
    ends: dict[int, int] = field(default_factory=dict)
    # (client, clock, end) ranges of the delete set
    deletes: list[tuple[int, int, int]] = field(default_factory=list)
    work: int = 1  # units of checking work it took (see _Work); a keystroke is 1


# an update beyond this many units is refused unread (TooMuchWork): ~a few ms of checking
MAX_WORK = 1 << 62


def parse(update: bytes, max_work: int = MAX_WORK) -> UpdateInfo:
    """The structure of an update; TooMuchWork, before reading further, once it holds more
    than `max_work` structs, deleted ranges and values."""
    fast = _keystroke(update)
    if fast is not None:
        return fast
    work = _Work(max_work)
    try:
        info = _parse(Reader(update), work)
    except DecodeError as exc:
        raise InvalidUpdate(str(exc)) from exc
    info.work = max(1, work.used())
    return info


def _uint(buf: bytes, pos: int) -> tuple[int, int]:
    """A lib0 varUint at pos, and the position after it (IndexError if cut short)."""
    b = buf[pos]
    if b < 0x80:
        return b, pos + 1
    value, shift = b & 0x7F, 7
    for _ in range(MAX_VAR_UINT_BYTES - 1):
        pos += 1
        b = buf[pos]
        value |= (b & 0x7F) << shift
        if b < 0x80:
            if value > MAX_SAFE_INTEGER:
                raise InvalidUpdate("varUint exceeds 2**53-1")
            return value, pos + 1
        shift += 7
    raise InvalidUpdate("varUint too long")


def _keystroke(buf: bytes) -> UpdateInfo | None:
    """The two shapes an editor sends for nearly every keystroke, read without the general
    reader: one ASCII string item with origins and no deletes (typing), or one deleted range
    and no structs (backspace). None for anything else, which the general reader then reads
    (and judges: this never refuses)."""
    try:
        if buf[0] == 1 and buf[1] == 1:
            client, pos = _uint(buf, 2)
            clock, pos = _uint(buf, pos)
            tag = buf[pos]
            if tag & 0x3F != 4 or not tag & 0xC0:
                return None  # not a string, a map key, or the parent written out
            refs: list[tuple[int, int]] = []
            pos += 1
            if tag & 0x80:
                c, pos = _uint(buf, pos)
                k, pos = _uint(buf, pos)
                refs.append((c, k))
            if tag & 0x40:
                c, pos = _uint(buf, pos)
                k, pos = _uint(buf, pos)
                refs.append((c, k))
            n, pos = _uint(buf, pos)
            end = pos + n
            if n == 0 or len(buf) != end + 1 or buf[end] != 0 or not buf[pos:end].isascii():
                return None
            return UpdateInfo({client: [(clock, clock + n, tuple(refs))]}, {client: clock + n})
        if buf[0] == 0 and buf[1] == 1:
            client, pos = _uint(buf, 2)
            if buf[pos] != 1:
                return None
            clock, pos = _uint(buf, pos + 1)
            n, pos = _uint(buf, pos)
            if n == 0 or pos != len(buf):
                return None
            return UpdateInfo({}, {}, [(client, clock, clock + n)])
    except IndexError:
        return None
    return None


def _parse(r: Reader, work: _Work) -> UpdateInfo:
    info = UpdateInfo()
    _read_structs(r, work, info)
    for _ in range(r.read_var_uint()):
        client = r.read_var_uint()
        ranges = r.read_var_uint()
        work.spend(ranges + 1)
        buf, pos, deletes = r.buf, r.pos, info.deletes
        try:
            for _ in range(ranges):
                clock, pos = _uint(buf, pos)
                length, pos = _uint(buf, pos)
                if length == 0:
                    raise InvalidUpdate("empty delete range")
                deletes.append((client, clock, clock + length))
        except IndexError as exc:
            raise InvalidUpdate("unexpected end of data") from exc
        r.pos = pos
    if r.has_content():
        raise InvalidUpdate("trailing bytes after update")
    return info


def _read_structs(r: Reader, work: _Work, info: UpdateInfo) -> None:
    for _ in range(r.read_var_uint()):
        n = r.read_var_uint()
        work.spend(n + 1)  # counted from the header, before the structs are read
        client = r.read_var_uint()
        clock = r.read_var_uint()
        if client in info.structs:
            raise InvalidUpdate("client appears twice")
        structs: list[Struct] = []
        info.structs[client] = structs
        for _ in range(n):
            tag = r.read_uint8()
            kind = tag & _BITS5
            refs: list[tuple[int, int]] = []
            if kind == _SKIP or kind == _GC:
                length = r.read_var_uint()
            else:
                length = _read_item(r, tag, refs, work)
            if length <= 0:
                raise InvalidUpdate("struct of zero length")
            if kind != _SKIP:
                structs.append((clock, clock + length, tuple(refs)))
            clock += length
        if structs:
            info.ends[client] = structs[-1][1]


def _read_item(r: Reader, tag: int, refs: list[tuple[int, int]], work: _Work) -> int:
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
    return _read_content(r, tag & _BITS5, work)


def _read_content(r: Reader, ref: int, work: _Work) -> int:
    if ref == 1:  # deleted
        return r.read_var_uint()
    if ref == 2:  # JSON
        n = r.read_var_uint()
        work.spend(n)
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
            _skip_any(r, 0, work)
        return n
    if ref == 9:  # subdocument
        r.read_var_string()
        _skip_any(r, 0, work)
        return 1
    raise InvalidUpdate(f"unknown content ref {ref}")


def _skip_any(r: Reader, depth: int, work: _Work) -> None:
    if depth > MAX_ANY_DEPTH:
        raise InvalidUpdate("value nested too deeply")
    work.spend(1)
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
            _skip_any(r, depth + 1, work)
    elif t == 117:
        for _ in range(r.read_var_uint()):
            _skip_any(r, depth + 1, work)
    elif t == 116:
        r.read_var_uint8_array()
    else:
        raise InvalidUpdate(f"unknown value type {t}")


def integrated_state(info: UpdateInfo, state: dict[int, int],
                     max_visits: int = MAX_WORK) -> dict[int, int] | None:
    """The state vector after yrs integrates the update into a doc with `state`, or None if
    any struct would be left pending.

    Mirrors yrs' and Yjs' integration, taking the stricter of the two: a client's structs go in
    clock order; a struct can go in once its clock is reached (no gap) and every id it points
    at (origin, right origin, parent) is already integrated, also for a struct the doc already
    has (Yjs checks those) and for ids of its own client (yrs and Yjs assume those exist; no
    honest client points at its own later clocks). Structs of several clients may unblock each
    other, so this repeats until nothing moves; whatever is left (a gap, a reference to a later
    or missing clock, a cycle) would be parked as pending.
    """
    have = dict(state)
    left = 0
    progress = True
    todo = {c: 0 for c in info.structs}
    # Each round visits every client: structs of many clients that unblock one another one
    # per round would make that quadratic. Past max_visits it counts as pending (refused);
    # honest updates take a round or two (a chain across 64 clients takes 4096 visits).
    visits = max_visits
    while progress:
        progress = False
        left = 0
        visits -= len(todo)
        if visits < 0:
            return None
        for client, structs in info.structs.items():
            i = todo[client]
            known = have.get(client, 0)
            while i < len(structs):
                clock, end, refs = structs[i]
                if clock > known:
                    break  # a gap before it
                # Yjs checks the references of a struct it already has too, and parks it (and
                # all after it) as pending if they are missing: so do we
                if any(rc >= (clock if c == client else have.get(c, 0)) for c, rc in refs):
                    break
                if end > known:
                    known = end
                    have[client] = end
                progress = True
                i += 1
            todo[client] = i
            left += len(structs) - i
    return None if left else have


def applicable(info: UpdateInfo, state: dict[int, int],
               max_visits: int = MAX_WORK) -> dict[int, int] | None:
    """The state after the update if yrs would take all of it with nothing pending: every
    struct integrates and every deleted range names items that exist. None otherwise."""
    structs = info.structs
    if len(structs) == 1 and not info.deletes:  # a keystroke: one client, usually one struct
        for client, mine in structs.items():
            if len(mine) == 1:
                clock, end, refs = mine[0]
                known = state.get(client, 0)
                if clock > known:
                    return None
                for c, rc in refs:
                    if rc >= (clock if c == client else state.get(c, 0)):
                        return None
                after = dict(state)
                if end > known:
                    after[client] = end
                return after
    have = integrated_state(info, state, max_visits)
    if have is None:
        return None
    for client, _, end in info.deletes:
        if end > have.get(client, 0):
            return None  # a delete of items nobody has: yrs would keep it pending
    return have


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
