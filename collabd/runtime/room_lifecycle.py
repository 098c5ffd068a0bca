"""A room's lifecycle and durability: loading its document from the store, rebuilding it,
dropping the room when the store fails, unloading it when idle, and compacting its log.
Room (room.py) adds what its connections send and what it relays to them."""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, cast

from ..core.awareness import AwarenessTable
from ..core.docsync import RoomDoc
from .connection import CLOSE_TRY_AGAIN, Budget, Conn
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


class RoomLifecycle:
    """The fields of a room, and how it is loaded, dropped, unloaded and compacted."""

    def __init__(self, name: str, deps: RoomDeps) -> None:
        self.name = name
        limits = deps.limits
        self.limits = limits
        self.store = deps.store
        self.persistence = deps.persistence
        self.stats = deps.stats
        self.hooks = deps.hooks
        # typed for any room: these are the keeper's, called with the Room this base is part of
        self._on_idle: Callable[[Any], Awaitable[None]] = deps.on_idle
        self._on_dropped: Callable[[Any], None] = deps.on_dropped
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
