"""The room document and the Yjs sync decisions, with no I/O.

`RoomDoc.apply` decides what to do with a client's update before it touches the document:
refuse malformed bytes, refuse updates whose dependencies are missing (they would sit in yrs'
pending area; see yupdate.py), skip updates that add nothing, enforce the size cap. Only updates
it reports as APPLIED may be stored and relayed.
"""

from __future__ import annotations

import enum
from typing import Any

from pycrdt import Doc

from . import yupdate
from .yupdate import InvalidUpdate

__all__ = ["ApplyResult", "DocTooLarge", "InvalidUpdate", "RoomDoc"]


class ApplyResult(enum.Enum):
    APPLIED = "applied"  # new content: store, then relay
    NOOP = "noop"  # nothing new (a duplicate): drop quietly
    PENDING = "pending"  # depends on structs the doc lacks: refused, counts against the sender


class DocTooLarge(ValueError):
    pass


class RoomDoc:
    def __init__(self, max_bytes: int) -> None:
        self.doc: Doc[Any] = Doc()
        self.max_bytes = max_bytes
        self.size = 0  # bytes of updates applied since the last snapshot, plus the snapshot
        self.state: dict[int, int] = {}

    def load(self, updates: list[bytes]) -> None:
        """Apply stored updates (trusted: they were checked when they arrived)."""
        for update in updates:
            self.doc.apply_update(update)
            self.size += len(update)
        self.state = yupdate.decode_state_vector(self.doc.get_state())

    def apply(self, update: bytes) -> ApplyResult:
        info = yupdate.parse(update)
        if yupdate.missing_dependencies(info, self.state):
            return ApplyResult.PENDING
        if not info.deletes and not yupdate.advances(info, self.state):
            return ApplyResult.NOOP
        if self.size + len(update) > self.max_bytes:
            raise DocTooLarge(f"document would exceed {self.max_bytes} bytes")
        try:
            self.doc.apply_update(update)
        except ValueError as exc:
            raise InvalidUpdate(str(exc)) from exc
        for client, end in info.ends.items():
            if end > self.state.get(client, 0):
                self.state[client] = end
        self.size += len(update)
        return ApplyResult.APPLIED

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
