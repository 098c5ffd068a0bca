"""Delete sets: the ranges of ids a document has deleted, and a sync reply's delete set read
against them.

A Yjs client's sync reply (SyncStep2) carries its whole delete set, so in a room with a long
history most of its ranges are ones the room deleted long ago. `DeleteSet` keeps the room's
ranges to tell a repeated delete from a new one; `without_known_deletes` leaves the repeated
ones out of a reply. Grammar of the delete set: yupdate.py.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable

from collab_protocol.errors import DecodeError
from collab_protocol.lib0 import Reader, write_var_uint

from .yupdate import InvalidUpdate, TooMuchWork, UpdateInfo, _read_structs, _uint, _Work

__all__ = ["DeleteSet", "read_snapshot_deletes", "without_known_deletes"]


class DeleteSet:
    """The ranges of deleted ids per client (sorted, merged), to tell a repeated delete from a
    new one. It only ever holds ranges yrs has deleted, so "covered" means "changes nothing"."""

    def __init__(self) -> None:
        self._starts: dict[int, list[int]] = {}
        self._ends: dict[int, list[int]] = {}
        self.ranges = 0

    def covers(self, client: int, start: int, end: int) -> bool:
        starts = self._starts.get(client)
        if not starts:
            return False
        i = bisect_right(starts, start) - 1
        return i >= 0 and self._ends[client][i] >= end

    def add(self, client: int, start: int, end: int) -> None:
        starts = self._starts.setdefault(client, [])
        ends = self._ends.setdefault(client, [])
        i = bisect_left(ends, start)  # the first range that ends at or after `start`
        j = bisect_right(starts, end)  # past the last range that starts at or before `end`
        if i < j:
            start = min(start, starts[i])
            end = max(end, ends[j - 1])
        starts[i:j] = [start]
        ends[i:j] = [end]
        self.ranges += 1 - (j - i)


def read_snapshot_deletes(data: bytes) -> list[tuple[int, int, int]]:
    """The delete set at the head of an encoded v1 snapshot, as (client, start, end)."""
    r = Reader(data)
    out = []
    for _ in range(r.read_var_uint()):
        client = r.read_var_uint()
        for _ in range(r.read_var_uint()):
            clock = r.read_var_uint()
            out.append((client, clock, clock + r.read_var_uint()))
    return out


def without_known_deletes(update: bytes, max_work: int, max_read: int,
                          known: Callable[[int, int, int], bool]) -> tuple[bytes, int]:
    """The update with the deleted ranges `known` covers left out (they change nothing), and
    how many ranges were read. A sync reply carries the client's whole delete set: this keeps
    what it deletes anew. Raises TooMuchWork past `max_work` structs and new ranges, or past
    `max_read` ranges in all; the ranges read are the caller's to charge."""
    r = Reader(update)
    work = _Work(max_work)
    try:
        _read_structs(r, work, UpdateInfo())
        head = update[:r.pos]
        buf, pos = update, r.pos
        out = bytearray()
        clients = read = 0
        n, pos = _uint(buf, pos)
        for _ in range(n):
            client, pos = _uint(buf, pos)
            ranges, pos = _uint(buf, pos)
            kept = bytearray()
            count = 0
            for _ in range(ranges):
                start = pos
                clock, pos = _uint(buf, pos)
                length, pos = _uint(buf, pos)
                read += 1
                if read > max_read:
                    raise TooMuchWork(f"delete set holds more than {max_read} ranges")
                if length == 0:
                    raise InvalidUpdate("empty delete range")
                if not known(client, clock, clock + length):
                    work.spend(1)
                    kept += buf[start:pos]
                    count += 1
            if count:
                write_var_uint(out, client)
                write_var_uint(out, count)
                out += kept
                clients += 1
    except IndexError as exc:
        raise InvalidUpdate("unexpected end of data") from exc
    except DecodeError as exc:
        raise InvalidUpdate(str(exc)) from exc
    if pos != len(update):
        raise InvalidUpdate("trailing bytes after update")
    tail = bytearray()
    write_var_uint(tail, clients)
    return head + bytes(tail) + bytes(out), read
