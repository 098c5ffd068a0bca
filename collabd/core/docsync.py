"""The room document and the Yjs sync decisions, with no I/O.

`RoomDoc.check` decides what to do with a client's update before it touches the document:
refuse malformed bytes, refuse updates yrs would not take whole (structs that would sit in its
pending area, deletes of items that do not exist; see yupdate.py), skip updates that change
nothing, keep each participant within its share of the size cap. `integrate` then applies a
checked update; if yrs fails part-way the document may hold half an update, so it raises
`DocBroken` and the caller must rebuild the document from the store. Only updates checked as
APPLY may be stored and relayed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from pycrdt import Doc, Snapshot, merge_updates

from collab_protocol.lib0 import write_var_uint

from . import yupdate
from .deletesets import DeleteSet, read_snapshot_deletes, without_known_deletes
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
    # a sync reply whose delete set the room already had: the update to apply, store and
    # relay instead (its structs, no deletes)
    stripped: bytes | None = None
    # participants whose content the update deletes ranges inside, with how many ranges
    foreign: dict[str, int] | None = None


# What one deleted range can add to the encoded size of the items it falls inside: they split
# into more items, each with its own header (measured: 9 bytes with small client ids, 17 with
# 32-bit ones; two splits per range with 8-byte ids and clocks stay under this).
SPLIT_BYTES = 40


class Share:
    """What one participant holds of the document: its real share when last measured, and an
    estimate of its growth since (the bytes of its updates applied). Deleting inside another
    participant's text splits that participant's items: the deleter pays for it (`caused`,
    SPLIT_BYTES a range) and the owner's measured share is let off as much (`suffered`)."""

    def __init__(self, held: int) -> None:
        self.held = held
        self.grown = 0
        self.deletes = -1  # RoomDoc.deletes when last measured (-1: never)
        self.caused = 0
        self.suffered = 0


class RoomDoc:
    def __init__(self, max_bytes: int, max_work: int = MAX_WORK,
                 owners: dict[int, str] | None = None, shares: int = 2) -> None:
        self.doc: Doc[Any] = Doc()
        self.max_bytes = max_bytes
        # each participant may hold this much of the encoded document (its structs): the
        # other side can never fill the cap for you
        self.share = max_bytes // max(1, shares)
        self.max_work = max_work  # structs, ranges and values one update may hold
        self.size = 0  # bytes of updates applied since the last snapshot, plus the snapshot
        self.loaded = 0  # bytes loaded: more than anyone's share in them (the first estimate)
        self.owners: dict[int, str] = {} if owners is None else owners  # client id -> writer
        self.shares: dict[str, Share] = {}
        self.deletes = 0  # updates with deletes applied: a share may have shrunk since
        self.spent = 0  # work units of measuring not yet charged to whoever caused it
        self._ds = b""  # the room's delete set as an update, when self.deletes was _ds_at
        self._ds_at = -1
        self.state: dict[int, int] = {}
        self.deleted = DeleteSet()

    def load(self, updates: list[bytes]) -> None:
        """Apply stored updates (trusted: they were checked when they arrived)."""
        for update in updates:
            self.doc.apply_update(update)
            self.size += len(update)
        self.loaded = self.size
        self.state = yupdate.decode_state_vector(self.doc.get_state())
        for client, start, end in read_snapshot_deletes(Snapshot.from_doc(self.doc).encode()):
            self.deleted.add(client, start, end)

    def check(self, update: bytes, writer: str = "", reply: bool = False) -> Checked:
        """Decide without changing anything. Raises InvalidUpdate (TooMuchWork past max_work,
        before reading further) or DocTooLarge (`writer`'s share would pass `share`).
        `info.work` says how much checking it took; `spent` what measuring a share cost, for
        the caller to charge to the writer (and reset)."""
        stripped = None
        try:
            info = yupdate.parse(update, self.max_work)
        except TooMuchWork:
            if not reply:
                raise
            update = stripped = self._known_deletes_left_out(update)
            info = yupdate.parse(update, self.max_work)
        state = self.state
        after = yupdate.applicable(info, state, self.max_work)
        if after is None:
            return Checked(ApplyResult.PENDING, info)
        writers = tuple([c for c, end in info.ends.items() if end > state.get(c, 0)])
        if not writers and all(self.deleted.covers(c, s, e) for c, s, e in info.deletes):
            return Checked(ApplyResult.NOOP, info)
        share = self.shares.get(writer)
        if share is None:
            share = self.shares[writer] = Share(self.loaded)
        cost = len(update)
        foreign = None
        if info.deletes:
            foreign = self._foreign(info.deletes, writer)
            if foreign:
                cost += SPLIT_BYTES * sum(foreign.values())
        if share.held + share.grown + cost > self.share and not self._fits(writer, share, cost):
            raise DocTooLarge(f"a participant's share of the document is {self.share} bytes")
        straddles = False
        for c in writers:
            known = state.get(c, 0)
            if info.structs[c][0][0] < known:
                straddles = any(clock < known < end for clock, end, _ in info.structs[c])
        return Checked(ApplyResult.APPLY, info, after, writers, straddles, stripped, foreign)

    def _foreign(self, deletes: list[tuple[int, int, int]],
                 writer: str) -> dict[str, int] | None:
        """Per other participant, the ranges of `deletes` inside their content (None if none:
        a backspace in one's own text allocates nothing)."""
        owners = self.owners
        out: dict[str, int] | None = None
        for client, _start, _end in deletes:
            owner = owners.get(client, writer)
            if owner != writer:
                if out is None:
                    out = {}
                out[owner] = out.get(owner, 0) + 1
        return out

    def _known_deletes_left_out(self, update: bytes) -> bytes:
        """A sync reply (SyncStep2) carries the client's whole delete set, which in a room with
        a long history (or one the other side filled with scattered deletes) holds more ranges
        than max_work: the reply of every honest client would be refused. Merging the reply
        with the room's delete set (in yrs, at C speed) tells whether it deletes anything new;
        if not, its structs alone are what to check and apply. If it does (deletes made while
        offline), the ranges the room has deleted already are left out one by one: at most as
        many as the room holds, plus max_work new ones. Raises TooMuchWork otherwise. What it
        costs is charged to `spent`: one unit per KiB merged, one per 4 ranges read."""
        if self._ds_at != self.deletes:
            self._ds = self.doc.get_update(self.doc.get_state())  # no structs: the delete set
            self._ds_at = self.deletes
        known = self._ds[1:]
        try:
            merged: bytes = merge_updates(update, self._ds)
        except BaseException as exc:  # pyo3 panics are BaseExceptions (as in integrate)
            if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
                raise
            raise InvalidUpdate(str(exc)) from exc
        self.spent += (len(update) + len(merged)) // 1024
        if merged.endswith(known):
            return merged[:len(merged) - len(known)] + b"\x00"
        deleted = self.deleted
        try:
            kept, read = without_known_deletes(
                update, self.max_work, deleted.ranges + self.max_work, deleted.covers)
        except TooMuchWork:
            self.spent += (deleted.ranges + self.max_work) // 4
            raise
        self.spent += read // 4
        return kept

    def _fits(self, writer: str, share: Share, more: int) -> bool:
        """The estimate says no: measure the writer's real share (typing and deleting grows the
        estimate, not the document), at most once per eighth of the share of growth, so
        measuring costs O(1) per byte of updates; and once after any delete (an emptied share
        would otherwise read as full for ever). What measuring read is added to `info.work`
        (one unit per 64 bytes) goes to `spent`: the writer pays for it."""
        if share.grown < self.share // 8 and share.deletes == self.deletes:
            return False
        share.held = max(0, self.measure(writer) - share.suffered) + share.caused
        share.grown = 0
        share.deletes = self.deletes
        self.spent += share.held // 64
        return share.held + more <= self.share

    def measure(self, writer: str) -> int:
        """The bytes of `writer`'s structs in the encoded document: the diff against the state
        vector without its client ids holds exactly them, plus the delete set that the diff
        against the full state vector holds alone."""
        owners = self.owners
        full = bytearray()
        without = bytearray()
        mine = 0
        for client, clock in self.state.items():
            if owners.get(client) == writer:
                mine += 1
            else:
                write_var_uint(without, client)
                write_var_uint(without, clock)
            write_var_uint(full, client)
            write_var_uint(full, clock)
        if not mine:
            return 0
        head = bytearray()
        write_var_uint(head, len(self.state))
        rest = bytearray()
        write_var_uint(rest, len(self.state) - mine)
        doc = self.doc
        return len(doc.get_update(bytes(rest + without))) - len(doc.get_update(bytes(head + full)))

    def integrate(self, update: bytes, checked: Checked, writer: str = "") -> None:
        """Apply an update `check` said APPLY to, from `writer`. Raises DocBroken if yrs
        fails."""
        assert checked.result is ApplyResult.APPLY and checked.after is not None
        native = self.doc._doc  # pycrdt's wrapper adds ~10 us of bookkeeping we do not use
        txn = native.create_transaction()
        try:
            try:
                native.apply_update(txn, update)
            finally:
                txn.commit()
                txn.drop()
        except BaseException as exc:
            # pyo3 panics are BaseExceptions; the others (KeyboardInterrupt, SystemExit, a
            # cancelled task) are not the document's fault
            if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
                raise
            raise DocBroken(str(exc)) from exc
        if checked.straddles and yupdate.decode_state_vector(self.doc.get_state()) != \
                checked.after:
            raise DocBroken("a split struct did not go in whole")
        self.state = checked.after
        if checked.info.deletes:
            self.deletes += 1
            for client, start, end in checked.info.deletes:
                self.deleted.add(client, start, end)
        self.size += len(update)
        share = self.shares.get(writer)
        if share is not None:  # check made it
            share.grown += len(update)
            if checked.foreign:
                for owner, ranges in checked.foreign.items():
                    split = SPLIT_BYTES * ranges
                    share.caused += split
                    share.grown += split
                    self.shares.setdefault(owner, Share(self.loaded)).suffered += split

    def apply(self, update: bytes, writer: str = "") -> ApplyResult:
        """check + integrate, for callers with nothing to decide in between."""
        checked = self.check(update, writer)
        if checked.result is ApplyResult.APPLY:
            self.integrate(update, checked, writer)
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
        self.size = len(data)
        return data
