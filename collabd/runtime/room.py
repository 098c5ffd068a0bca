"""A room: one document, its connections, and the order in which things reach them.

Document updates are applied to the in-memory doc at once (so the next update is checked against
it), appended to the store, and relayed strictly in arrival order once their commit is done.
SyncStep2 answers wait until everything applied is durable, so no peer ever holds content a
crash could lose.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Awaitable
from time import monotonic
from typing import TYPE_CHECKING, cast

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

from ..core.awareness import AwarenessTable
from ..core.docsync import (
    ApplyResult,
    DocBroken,
    DocTooLarge,
    InvalidUpdate,
    RoomDoc,
    TooMuchWork,
)
from .connection import (
    CLOSE_BAD,
    CLOSE_DOC_TOO_LARGE,
    CLOSE_FORBIDDEN,
    CLOSE_INTERNAL,
    CLOSE_PENDING,
    CLOSE_RATE,
    CLOSE_TRY_AGAIN,
    Budget,
    Conn,
)
from .flag import Flag

if TYPE_CHECKING:
    from .deps import RoomDeps

log = logging.getLogger("collabd.room")


# tasks rooms spawned, kept until done (the loop holds only weak references): one set for all
# rooms, since an empty set costs 216 bytes and idle memory is benchmarked per connection
_spawned: set[asyncio.Task[None]] = set()


def _pid_of(conn: object) -> object:
    return cast(Conn, conn).claims.pid


class RoomState(enum.Enum):
    LOADING = "loading"
    LOADED = "loaded"
    UNLOADING = "unloading"
    UNLOADED = "unloaded"


class Room:
    def __init__(self, name: str, deps: RoomDeps) -> None:
        self.name = name
        limits = deps.limits
        self.limits = limits
        self.store = deps.store
        self.persistence = deps.persistence
        self.stats = deps.stats
        self.hooks = deps.hooks
        self._on_idle = deps.on_idle
        self._on_dropped = deps.on_dropped
        self.state = RoomState.LOADING
        self.loaded = Flag()
        self.unloaded = Flag()
        self.load_error: BaseException | None = None
        self.owners: dict[int, str] = {}  # Yjs client id -> the participant who writes with it
        self.doc = RoomDoc(limits.max_doc_bytes, limits.max_update_work, self.owners,
                           limits.doc_shares)
        self._ids_held: dict[str, int] = {}  # participant -> how many of those it holds
        self.awareness = AwarenessTable.for_room(limits,
                                                 owner_key=_pid_of)
        self.conns: set[Conn] = set()
        self.budgets: dict[str, Budget] = {}  # participant -> what it may still make us do
        self.read_only = False  # set by the session layer once the interview has ended
        # set by the session layer: compaction keeps every timestamped update (replay, SPEC 18)
        self.keep_history = False
        # how long a silent peer goes unpinged: short where presence is shown (session rooms)
        self.ping_seconds = limits.idle_ping_seconds
        self._in_flight = 0  # updates applied, not yet committed and relayed
        self._durable = Flag()  # set whenever _in_flight is 0
        self._durable.set()
        self._seq = 0  # the last update's sequence number handed out
        self._durable_seq = 0  # the last one committed
        self._since_snapshot = 0
        self._compactor: asyncio.Task[None] | None = None
        self._unload_timer: asyncio.TimerHandle | None = None

    # -- lifecycle

    async def load(self) -> None:
        try:
            rows = await self.persistence.read(self.store.load_doc, self.name)
            self._load(rows)
            self.state = RoomState.LOADED
        except Exception as exc:
            log.exception("room load failed", extra={"room": self.name})
            self.load_error = exc
            self.state = RoomState.UNLOADED
            self.unloaded.set()
        finally:
            self.loaded.set()

    def _load(self, rows: tuple[list[bytes], int, dict[int, str]]) -> None:
        updates, self._seq, self.owners = rows
        self._ids_held = {}
        for owner in self.owners.values():
            self._ids_held[owner] = self._ids_held.get(owner, 0) + 1
        self._durable_seq = self._seq
        if self.state is RoomState.LOADING:  # the first load fills the empty doc made at start
            self.doc.owners = self.owners
        else:  # a rebuild: the doc is broken, start over
            self.doc = RoomDoc(self.limits.max_doc_bytes, self.limits.max_update_work,
                               self.owners, self.limits.doc_shares)
        self.doc.load(updates)
        self._since_snapshot = len(updates)

    def _rebuild(self) -> None:
        """Make the in-memory doc what the store holds again (yrs failed part-way through an
        update). Synchronous, so no update is checked against the broken doc meanwhile."""
        self.persistence.flush_now()  # what was applied before is valid: commit it first
        if self.state is not RoomState.LOADED:
            return  # that commit failed: the room was dropped
        try:
            self._load(self.store.load_doc_now(self.name))
        except Exception:
            log.exception("room rebuild failed", extra={"room": self.name})
            self.fail()
        else:
            log.warning("room rebuilt from the store", extra={"room": self.name})

    def fail(self, code: int = CLOSE_TRY_AGAIN, reason: str = "storage failure") -> None:
        """Drop the room: its doc may differ from the store. Everyone is cut (1013, try again
        later: clients reconnect) and the next join loads the room afresh from the store."""
        if self.state is RoomState.UNLOADED:
            return
        self.state = RoomState.UNLOADED
        self.cancel_unload()
        self._on_dropped(self)
        for c in list(self.conns):
            c.close(code, reason)
        self.unloaded.set()

    def schedule_unload(self) -> None:
        if self.conns or self.state is not RoomState.LOADED:
            return
        self.cancel_unload()
        loop = asyncio.get_running_loop()
        self._unload_timer = loop.call_later(
            self.limits.unload_grace_seconds, lambda: self.spawn(self._on_idle(self))
        )

    def spawn(self, work: Awaitable[None]) -> None:
        """Run `work` as a task kept until it is done (and whose failure is logged)."""
        task = asyncio.get_running_loop().create_task(_logged(work, self.name))
        _spawned.add(task)
        task.add_done_callback(_spawned.discard)

    def cancel_unload(self) -> None:
        if self._unload_timer is not None:
            self._unload_timer.cancel()
            self._unload_timer = None

    async def flush(self) -> None:
        """Wait until every applied update is durable and relayed."""
        while self._in_flight:
            await self._durable.wait()

    async def unload(self) -> None:
        self.state = RoomState.UNLOADING
        try:
            await self.flush()
            if self._compactor is not None:
                await asyncio.shield(self._compactor)
            if self._since_snapshot > 1:
                await self._compact_now()
        finally:
            self.state = RoomState.UNLOADED
            self.unloaded.set()

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

    async def _compact(self) -> None:
        try:
            await self._compact_now()
        except Exception:
            log.exception("compaction failed", extra={"room": self.name})
        finally:
            self._compactor = None

    async def _compact_now(self) -> None:
        # a checkpoint on the worker thread moves most of what the store buffers (SQLite's hot
        # log) into its tables, so that compact (on the loop) has little left to move
        await self.persistence.read(self.store.checkpoint)
        await self.flush()
        # Taken while nothing is in flight, so the snapshot holds exactly the rows <= upto.
        snapshot, upto, count = self.doc.snapshot(), self._durable_seq, self._since_snapshot
        keep = self.keep_history
        if keep:  # replay history is capped (history_max_updates): past it, fold it
            kept = await self.persistence.read(self.store.count_updates, self.name)
            keep = kept < self.limits.history_max_updates
        await self.persistence.write(self.store.compact, self.name, snapshot, upto, keep)
        self._since_snapshot -= count - 1
        log.info("compacted", extra={"room": self.name, "updates": count, "bytes": len(snapshot)})


async def _logged(work: Awaitable[None], room: str) -> None:
    try:
        await work
    except Exception:
        log.exception("room task failed", extra={"room": room})
