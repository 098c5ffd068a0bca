"""A room: one document, its connections, and the order in which things reach them.

Document updates are applied to the in-memory doc at once (so the next update is checked against
it), appended to the store, and relayed strictly in arrival order once their commit is done.
SyncStep2 answers wait until everything applied is durable, so no peer ever holds content a
crash could lose.
"""

from __future__ import annotations

import asyncio
import logging
from time import monotonic

from collab_protocol import (
    AwarenessMessage,
    CollabMessage,
    SyncStep1,
    SyncStep2,
    SyncUpdate,
    decode_awareness,
    encode,
    encode_awareness,
)
from collab_protocol.errors import DecodeError

from ..core.docsync import (
    ApplyResult,
    DocBroken,
    DocTooLarge,
    InvalidUpdate,
    TooMuchWork,
)
from .connection import (
    CLOSE_BAD,
    CLOSE_DOC_TOO_LARGE,
    CLOSE_FORBIDDEN,
    CLOSE_INTERNAL,
    CLOSE_PENDING,
    CLOSE_RATE,
    Conn,
)
from .room_lifecycle import RoomLifecycle, RoomState

__all__ = ["Room", "RoomState"]

log = logging.getLogger("collabd.room")


class Room(RoomLifecycle):
    """What a room's connections send, and what it relays to them; loading, unloading and
    compaction are RoomLifecycle's."""

    # -- joining and leaving

    def welcome(self, conn: Conn) -> None:
        # a participant's budget outlives its connections: reconnecting does not refill it
        conn.budget = self.budgets.setdefault(conn.claims.pid, conn.budget)
        conn.send_msg(SyncStep1(self.doc.state_vector()))
        states = self.awareness.snapshot()
        if states:
            conn.send_msg(AwarenessMessage(encode_awareness(states)))

    def leave(self, conn: Conn) -> None:
        self.conns.discard(conn)
        gone = self.awareness.remove_owner(conn)
        if gone:
            self.broadcast(encode(AwarenessMessage(encode_awareness(gone))), exclude=conn)

    # -- messages from a connection

    def sync_allowed(self, conn: Conn) -> bool:
        """Sync and awareness queries make the server encode the whole state: budgeted."""
        if conn.syncs.allow(monotonic()):
            self.stats.sync_requests += 1
            return True
        conn.close(CLOSE_RATE, "sync request rate exceeded")
        return False

    async def on_sync_step1(self, conn: Conn, msg: SyncStep1) -> None:
        if not self.sync_allowed(conn):
            return
        await self.flush()
        if conn.closed:
            return
        try:
            diff = self.doc.diff(msg.state_vector)
        except InvalidUpdate:
            conn.close(CLOSE_BAD, "invalid state vector")
            return
        conn.send(encode(SyncStep2(diff)), reply=True)

    def on_update(self, conn: Conn, update: bytes, frame: bytes | None = None,
                  reply: bool = False) -> None:
        """`frame`, if given, is the client's frame holding exactly SyncUpdate(update): relayed
        as it is instead of encoding it again. `reply`: a SyncStep2, which carries the client's
        whole delete set."""
        if conn.closed:
            return
        stats = self.stats
        if not conn.updates.allow(monotonic()):
            stats.updates_refused += 1
            conn.close(CLOSE_RATE, "update rate exceeded")
            return
        if self.state is not RoomState.LOADED:
            conn.close(CLOSE_INTERNAL, "room unavailable")
            return
        doc = self.doc
        pid = conn.claims.pid
        try:
            checked = doc.check(update, pid, reply)
        except TooMuchWork:
            stats.updates_refused += 1
            self._charge_measure(conn)  # a sync reply's delete set was read before refusing
            log.warning("update over max_update_work", extra={"room": self.name,
                                                               "conn": conn.id})
            conn.close(CLOSE_BAD, "update too big to check")
            return
        except InvalidUpdate:
            stats.updates_refused += 1
            log.warning("invalid update", extra={"room": self.name, "conn": conn.id})
            conn.close(CLOSE_BAD, "invalid update")
            return
        except DocTooLarge:
            stats.updates_refused += 1
            self._charge_measure(conn)
            if self.read_only:
                self.hooks.refuse_update(self, conn)
            else:
                conn.close(CLOSE_DOC_TOO_LARGE, "document size cap")
            return
        if doc.spent:
            self._charge_measure(conn)
        work = checked.info.work
        if work > 1 and not conn.budget.allow_work(monotonic(), work):
            # what the checking cost, refused and no-op updates too (a keystroke is free)
            stats.updates_refused += 1
            conn.close(CLOSE_RATE, "update work rate exceeded")
            return
        if checked.result is ApplyResult.NOOP:
            return  # also in a read-only room: a client's empty sync reply changes nothing
        if self.read_only:
            stats.updates_refused += 1
            self.hooks.refuse_update(self, conn)
            return
        if checked.result is ApplyResult.PENDING:
            stats.updates_refused += 1
            conn.pending_strikes += 1
            if conn.pending_strikes > self.limits.pending_updates:
                log.warning("pending update bound", extra={"room": self.name, "conn": conn.id})
                conn.close(CLOSE_PENDING, "too many updates with missing dependencies")
            return
        if checked.stripped is not None:
            update, frame = checked.stripped, None
        new_owners = self._claim(conn, checked.writers)
        if new_owners is None:
            stats.updates_refused += 1
            log.warning("write under a foreign client id or too many ids",
                        extra={"room": self.name, "conn": conn.id})
            conn.close(CLOSE_FORBIDDEN, "update under another participant's client id, or "
                       "under more client ids than max_client_ids")
            return
        try:
            doc.integrate(update, checked, pid)
        except DocBroken as exc:
            stats.updates_refused += 1
            log.warning("update failed in yrs", extra={"room": self.name, "conn": conn.id,
                                                       "error": str(exc)})
            conn.close(CLOSE_BAD, "invalid update")
            # the rebuild reads and applies the whole document: the sender's participant pays
            # for it (one unit per 64 bytes), so coming back to do it again must wait
            conn.budget.charge_work(monotonic(), self.doc.size / 64)
            self._rebuild()
            return
        stats.updates_applied += 1
        self._enqueue(update, conn, frame, new_owners)

    def _charge_measure(self, conn: Conn) -> None:
        """Measuring the sender's share of the document (its estimate said no) is its cost."""
        conn.budget.charge_work(monotonic(), self.doc.spent)
        self.doc.spent = 0

    def _claim(self, conn: Conn, writers: tuple[int, ...]) -> list[tuple[str, int, str]] | None:
        """Bind each client id the update writes with to the sender's participant, or None if
        one already belongs to someone else (by an earlier write, or as their awareness id,
        live or reserved) or the participant would hold more than max_client_ids."""
        pid = conn.claims.pid
        new: list[tuple[str, int, str]] = []
        for client in writers:
            owner = self.owners.get(client)
            if owner is None:
                holder = self.awareness.holder(client)
                if holder is not None and holder != pid:
                    return None
                new.append((self.name, client, pid))
            elif owner != pid:
                return None
        if new:
            held = self._ids_held.get(pid, 0) + len(new)
            if held > self.limits.max_client_ids:
                return None  # GC structs under fresh ids would grow every state vector
            self._ids_held[pid] = held
            for _, client, _ in new:
                self.owners[client] = pid
        return new

    def on_awareness(self, conn: Conn, msg: AwarenessMessage) -> None:
        if not conn.awareness.allow(monotonic()):
            return  # dropped: awareness is soft state and clients resend it every 15 s
        try:
            entries = decode_awareness(msg.update)
        except DecodeError:
            conn.close(CLOSE_BAD, "malformed awareness update")
            return
        out = self.awareness.apply(conn, entries, conn.user)
        if out:
            self.broadcast(encode(AwarenessMessage(encode_awareness(out))), exclude=conn)

    def on_query_awareness(self, conn: Conn) -> None:
        if not self.sync_allowed(conn):
            return
        conn.send_msg(AwarenessMessage(encode_awareness(self.awareness.snapshot())))

    # -- relaying

    def broadcast(self, frame: bytes, exclude: Conn | None = None) -> None:
        for c in self.conns:
            if c is not exclude:
                c.send(frame)

    def broadcast_collab(self, msg: CollabMessage, exclude: Conn | None = None) -> None:
        frame = encode(msg)
        for c in self.conns:
            if c is not exclude and c.hello:
                c.send(frame)

    def _enqueue(self, update: bytes, sender: Conn | None, frame: bytes | None = None,
                 owners: list[tuple[str, int, str]] | None = None) -> None:
        relay = frame or encode(SyncUpdate(update))
        self._in_flight += 1
        self._durable.clear()

        self._seq += 1
        seq = self._seq

        def committed(error: BaseException | None) -> None:
            # called by the group commit, in append order, right after the transaction
            self._in_flight -= 1
            if self._in_flight == 0:
                self._durable.set()
            if error is not None:
                # our doc holds content the store does not: nobody may get it, nothing may be
                # written on top of it
                log.error("store append failed", extra={"room": self.name, "error": str(error)})
                self.fail()
                return
            self._durable_seq = seq
            self.broadcast(relay, exclude=sender)
            self._since_snapshot += 1
            if (self._since_snapshot >= self.limits.compact_every_updates
                    and self._compactor is None and self.state is RoomState.LOADED):
                self._compactor = asyncio.get_running_loop().create_task(self._compact())

        self.persistence.append(self.name, seq, update, committed, owners)
