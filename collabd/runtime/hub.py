"""The hub: the rooms of this process, loaded on first join and unloaded when left empty."""

from __future__ import annotations

import asyncio
import logging
from time import monotonic
from typing import Any

from ..config import Settings
from ..ports import Store
from .connection import Conn
from .deps import RoomDeps
from .heap import trim_loop
from .persistence import Persistence
from .room import Room, RoomState
from .stats import Stats

log = logging.getLogger("collabd.hub")


class RoomUnavailable(Exception):
    pass


class Hub:
    def __init__(self, settings: Settings, store: Store, extensions: Any,
                 persistence: Persistence | None = None) -> None:
        self.settings = settings
        self.store = store
        self.extensions = extensions
        self.rooms: dict[str, Room] = {}  # only the hub adds and removes rooms
        self.stats = Stats()
        self.persistence = persistence or Persistence(store, self.stats,
                                                      settings.commit_window_seconds)
        self.room_deps = RoomDeps(settings.limits, store, self.persistence, self.stats,
                                  extensions, self.unload, self._dropped)
        self._keepalive: asyncio.Task[None] | None = None
        self._trim: asyncio.Task[None] | None = None
        self.closing = False

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._keepalive = loop.create_task(self._keepalive_loop())
        self._trim = loop.create_task(trim_loop(self.settings.limits.heap_trim_seconds))

    async def join(self, name: str, conn: Conn) -> Room:
        conn.stats = self.stats
        while True:
            room = self.rooms.get(name)
            if room is None:
                room = Room(name, self.room_deps)
                self.rooms[name] = room
                room.spawn(room.load())
            if room.state in (RoomState.UNLOADING, RoomState.UNLOADED) and room.loaded.is_set():
                await room.unloaded.wait()
                if self.rooms.get(name) is room:
                    del self.rooms[name]
                if room.load_error is not None:
                    raise RoomUnavailable(name)
                continue
            room.cancel_unload()
            room.conns.add(conn)
            await room.loaded.wait()
            if room.load_error is not None:
                room.conns.discard(conn)
                raise RoomUnavailable(name)
            return room

    def leave(self, room: Room, conn: Conn) -> None:
        self.stats.close_codes[conn.close_code or 1006] += 1
        room.leave(conn)
        if not room.conns:
            room.schedule_unload()

    def drop(self, name: str, code: int, reason: str) -> None:
        """Cluster mode: this node no longer owns the room. Cut its connections with `code` and
        forget it without writing anything (another node may be writing it now)."""
        room = self.rooms.get(name)
        if room is None:
            return
        room.fail(code, reason)  # unloaded as after a failed commit: the next join reloads

    def _dropped(self, room: Room) -> None:
        """A room failed and unloaded itself without writing: the next join loads it anew."""
        if self.rooms.get(room.name) is room:
            del self.rooms[room.name]

    async def unload(self, room: Room) -> None:
        """Unload an empty room. Whatever fails (its last compaction, the session layer's
        hook), the room is forgotten: its updates are in the store already."""
        if room.conns or room.state is not RoomState.LOADED:
            return
        try:
            await room.unload()
        except Exception:
            log.exception("room unload failed", extra={"room": room.name})
        finally:
            if self.rooms.get(room.name) is room:
                del self.rooms[room.name]
        try:
            self.extensions.on_unload(room)
        except Exception:
            log.exception("room unload hook failed", extra={"room": room.name})
        log.info("room unloaded", extra={"room": room.name})

    async def _keepalive_loop(self) -> None:
        limits = self.settings.limits
        # one sweep for every connection (no timer per connection), often enough that a silent
        # peer is pinged and cut close to its deadline
        period = min(limits.keepalive_seconds, limits.ws_ping_seconds) / 2
        while True:
            await asyncio.sleep(period)
            now = monotonic()
            for room in list(self.rooms.values()):
                ping = room.ping_seconds
                for conn in list(room.conns):
                    try:
                        conn.keepalive(now, ping)
                    except Exception:  # one bad socket must not stop the sweep for everyone
                        log.exception("keepalive failed", extra={"conn": conn.id})

    async def close(self) -> None:
        """Flush and compact every room, then close the store."""
        self.closing = True
        for task in (self._keepalive, self._trim):
            if task is not None:
                task.cancel()
        for room in list(self.rooms.values()):
            room.cancel_unload()
            if room.state is RoomState.LOADED:
                try:  # one room's failure must not keep the others from being flushed
                    await room.unload()
                except Exception:
                    log.exception("room unload failed at close", extra={"room": room.name})
        self.rooms.clear()
        await self.persistence.close()
