"""The hub: the rooms of this process, loaded on first join and unloaded when left empty."""

from __future__ import annotations

import asyncio
import logging
from time import monotonic
from typing import Any

from ..config import Settings
from .connection import Conn
from .persistence import Persistence
from .room import Room, RoomState
from .stats import Stats

log = logging.getLogger("collabd.hub")


class RoomUnavailable(Exception):
    pass


class Hub:
    def __init__(self, settings: Settings, store: Any, extensions: Any) -> None:
        self.settings = settings
        self.store = store
        self.extensions = extensions
        self.rooms: dict[str, Room] = {}
        self.stats = Stats()
        self.persistence = Persistence(store, self.stats, settings.commit_window_seconds)
        self._keepalive: asyncio.Task[None] | None = None
        self.closing = False

    def start(self) -> None:
        self._keepalive = asyncio.get_running_loop().create_task(self._keepalive_loop())

    async def join(self, name: str, conn: Conn) -> Room:
        conn.stats = self.stats
        while True:
            room = self.rooms.get(name)
            if room is None:
                room = Room(name, self)
                self.rooms[name] = room
                asyncio.get_running_loop().create_task(room.load())
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

    async def unload(self, room: Room) -> None:
        if room.conns or room.state is not RoomState.LOADED:
            return
        await room.unload()
        if self.rooms.get(room.name) is room:
            del self.rooms[room.name]
        self.extensions.on_unload(room)
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
        if self._keepalive is not None:
            self._keepalive.cancel()
        for room in list(self.rooms.values()):
            room.cancel_unload()
            if room.state is RoomState.LOADED:
                await room.unload()
        self.rooms.clear()
        await self.persistence.close()
