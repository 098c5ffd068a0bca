"""The room document and the Yjs sync decisions, with no I/O.

`RoomDoc.check` decides what to do with a client's update before it touches the document:
refuse malformed bytes, refuse updates yrs would not take whole (structs that would sit in its
pending area, deletes of items that do not exist; see yupdate.py), skip updates that change
nothing, enforce the size cap. `integrate` then applies a checked update; if yrs fails part-way
the document may hold half an update, so it raises `DocBroken` and the caller must rebuild the
document from the store. Only updates checked as APPLY may be stored and relayed.
"""

from __future__ import annotations

import asyncio
import enum
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Any

from pycrdt import Doc, Snapshot

from collab_protocol.lib0 import Reader

from . import yupdate
from .yupdate import MAX_WORK, InvalidUpdate, TooMuchWork, UpdateInfo

__all__ = ["ApplyResult", "Checked", "DeleteSet", "DocBroken", "DocTooLarge", "InvalidUpdate",
           "RoomDoc", "TooMuchWork"]


class ApplyResult(enum.Enum):
    APPLY = "apply"  # new content: store, then relay
    NOOP = "noop"  # changes nothing (a duplicate): drop quietly
    PENDING = "pending"  # depends on structs the doc lacks: refused, counts against the sender


class DocTooLarge(ValueError):
    pass


class DocBroken(Exception):  # not RuntimeError: mypyc compiles this module (native.py)
    """yrs failed while applying: the in-memory doc may hold part of the update."""


@dataclass(slots=True)
class Checked:
    result: ApplyResult
    info: UpdateInfo
    after: dict[int, int] | None = None  # the state vector once applied
    writers: tuple[int, ...] = ()  # client ids the update adds structs for
    # a struct starts before and ends after what the doc has: yrs splits it, and a forged one
    # (ids reused for other content) may not go in whole, so the result gets checked
    straddles: bool = False


class DeleteSet:
    """The ranges of deleted ids per client (sorted, merged), to tell a repeated delete from a
    new one. It only ever holds ranges yrs has deleted, so "covered" means "changes nothing"."""

    def __init__(self) -> None:
        self._starts: dict[int, list[int]] = {}
        self._ends: dict[int, list[int]] = {}

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


class RoomDoc:
    def __init__(self, max_bytes: int, max_work: int = MAX_WORK) -> None:
        self.doc: Doc[Any] = Doc()
        self.max_bytes = max_bytes
        self.max_work = max_work  # structs, ranges and values one update may hold
        self.size = 0  # bytes of updates applied since the last snapshot, plus the snapshot
        self.measured = 0  # the real size when last measured (self.size then)
        self.shrunk = False  # a delete went in since: the real size may be far below the estimate
        self.state: dict[int, int] = {}
        self.deleted = DeleteSet()

    def load(self, updates: list[bytes]) -> None:
        """Apply stored updates (trusted: they were checked when they arrived)."""
        for update in updates:
            self.doc.apply_update(update)
            self.size += len(update)
        self.state = yupdate.decode_state_vector(self.doc.get_state())
        for client, start, end in read_snapshot_deletes(Snapshot.from_doc(self.doc).encode()):
            self.deleted.add(client, start, end)

    def check(self, update: bytes) -> Checked:
        """Decide without changing anything. Raises InvalidUpdate (TooMuchWork past max_work,
        before reading further) or DocTooLarge. `info.work` says how much checking it took."""
        info = yupdate.parse(update, self.max_work)
        state = self.state
        after = yupdate.applicable(info, state, self.max_work)
        if after is None:
            return Checked(ApplyResult.PENDING, info)
        writers = tuple([c for c, end in info.ends.items() if end > state.get(c, 0)])
        if not writers and all(self.deleted.covers(c, s, e) for c, s, e in info.deletes):
            return Checked(ApplyResult.NOOP, info)
        if self.size + len(update) > self.max_bytes and not self._fits(len(update)):
            raise DocTooLarge(f"document would exceed {self.max_bytes} bytes")
        straddles = False
        for c in writers:
            known = state.get(c, 0)
            if info.structs[c][0][0] < known:
                straddles = any(clock < known < end for clock, end, _ in info.structs[c])
        return Checked(ApplyResult.APPLY, info, after, writers, straddles)

    def _fits(self, more: int) -> bool:
        """The estimate (bytes applied since the last measure) says no: measure the real size
        (typing and deleting grows the estimate, not the document), at most once per eighth of
        the cap of growth, so measuring costs O(1) per byte of updates; and once after any
        delete: a document filled, then emptied, would otherwise read as full for ever, since
        no update could go in to move the estimate (a refused sender is closed, so repeating
        this costs the sender a reconnect per measure)."""
        if self.size - self.measured < self.max_bytes // 8 and not self.shrunk:
            return False
        self.size = self.measured = len(self.doc.get_update())
        self.shrunk = False
        return self.size + more <= self.max_bytes

    def integrate(self, update: bytes, checked: Checked) -> None:
        """Apply an update `check` said APPLY to. Raises DocBroken if yrs fails."""
        assert checked.result is ApplyResult.APPLY and checked.after is not None
        native = self.doc._doc  # pycrdt's wrapper adds ~10 us of bookkeeping we do not use
        txn = native.create_transaction()
        try:
            try:
                native.apply_update(txn, update)
            finally:
                txn.commit()
                txn.drop()
        except BaseException as exc:  # pyo3 panics are BaseExceptions
            if isinstance(exc, KeyboardInterrupt | SystemExit | asyncio.CancelledError):
                raise
            raise DocBroken(str(exc)) from exc
        if checked.straddles and yupdate.decode_state_vector(self.doc.get_state()) != \
                checked.after:
            raise DocBroken("a split struct did not go in whole")
        self.state = checked.after
        for client, start, end in checked.info.deletes:
            self.deleted.add(client, start, end)
            self.shrunk = True
        self.size += len(update)

    def apply(self, update: bytes) -> ApplyResult:
        """check + integrate, for callers with nothing to decide in between."""
        checked = self.check(update)
        if checked.result is ApplyResult.APPLY:
            self.integrate(update, checked)
        return checked.result

    def diff(self, state_vector: bytes) -> bytes:
        """The update a peer with this state vector lacks (the payload of SyncStep2)."""
        yupdate.decode_state_vector(state_vector)  # raises InvalidUpdate on bad bytes
        try:
            return self.doc.get_update(state_vector)
        except ValueError as exc:
            raise InvalidUpdate(str(exc)) from exc

    def state_vector(self) -> bytes:
        return self.doc.get_state()

    def snapshot(self) -> bytes:
        """The whole document as one update; resets the size estimate to its real size."""
        data = self.doc.get_update()
        self.size = self.measured = len(data)
        self.shrunk = False
        return data
