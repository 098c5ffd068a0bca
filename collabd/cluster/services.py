"""The session services on a cluster node: a session is kept (and its timer armed) only on the
node that owns its room, saved only over the version that node read, and handed back when its
room is unloaded. The leader fires the due timers of sessions nobody owns."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ..core.lifecycle import Phase
from ..core.session import Session
from ..runtime.connection import (
    CLOSE_TRY_AGAIN,  # SPEC 16.2: reconnect, another node
    Conn,
)
from ..runtime.live import Live, now_ms
from ..runtime.services import Services
from .webhooks import ClaimingWebhooks

if TYPE_CHECKING:
    from ..runtime.hub import Hub
    from ..runtime.room import Room
    from .node import Cluster

log = logging.getLogger("collabd.cluster")


class NotOwner(Exception):
    """This node does not (or no longer) own the session's room."""


class ClusterServices(Services):
    def __init__(self, cluster: Cluster) -> None:
        super().__init__()
        self.cluster = cluster
        self.versions: dict[str, int] = {}  # session id -> the stored version we hold
        self._last_lobby_sweep = 0.0

    def bind(self, hub: Hub, secret: bytes) -> None:
        super().bind(hub, secret)
        self.webhooks = ClaimingWebhooks(hub.persistence, hub.store, self)
        self.cluster.bind(hub, self)

    async def start(self) -> None:
        """No session is loaded at start: each is loaded by the node that takes its room, and
        the leader's sweep fires the timers of sessions nobody owns."""
        assert self.webhooks is not None
        self.webhooks.start()
        await self.cluster.start()

    async def stop(self) -> None:
        await super().stop()
        await self.cluster.stop()

    async def get(self, sid: str) -> Live | None:
        live = self.live.get(sid)
        if live is not None:
            return live
        assert self.hub is not None
        found = await self.read(self.hub.store.load_session_versioned, sid)
        if found is None:
            return None
        row, version = found
        if not self.cluster.owns(sid):
            return Live.from_row(row)  # a look at the stored state: not kept, no timer
        live = self.live.get(sid)  # someone else may have loaded it meanwhile
        if live is None:
            live = Live.from_row(row)
            self.live[sid] = live
            self.versions[sid] = version
            # taken over: whoever the record says is connected was connected to another node
            await self.mutate(live, live.session.disconnect_all)
        return live

    async def save(self, live: Live) -> None:
        assert self.hub is not None
        sid = live.session.id
        version = self.versions.get(sid)
        if version is None or not self.cluster.owns(sid):
            self.lost(sid)
            raise NotOwner(sid)
        saved = await self.write(self.hub.store.save_session_if, sid, live.session.to_record(),
                                 now_ms(), version)
        if not saved:  # another node wrote it: ours is stale, nothing of it was acknowledged
            log.warning("session saved by another node", extra={"session": sid})
            self.lost(sid)
            raise NotOwner(sid)
        self.versions[sid] = version + 1

    def lost(self, name: str) -> None:
        """This node no longer owns the room: cut its connections (1013: reconnect, which
        lands on the owner) and forget the room and its session without writing anything."""
        assert self.hub is not None
        self.hub.drop(name, CLOSE_TRY_AGAIN, "the room moved to another node")
        self._forget(name)
        self.cluster.held.pop(name, None)

    def _forget(self, name: str) -> None:
        live = self.live.pop(name, None)
        if live is not None and live.timer is not None:
            live.timer.cancel()
        self.versions.pop(name, None)

    def settle(self, name: str) -> None:
        """Hand the room back when nothing of it is left here (no room loaded)."""
        assert self.hub is not None
        if name in self.hub.rooms:
            return
        live = self.live.get(name)
        if live is not None and live.lock.locked():
            return  # a change is being written; the next settle (or unload) hands it back
        self._forget(name)
        self.cluster.release(name)

    def release(self, live: Live) -> None:
        """Forget it and hand its room back, once no room or timer of it is left here."""
        if live.timer is None:
            self.settle(live.session.id)

    def on_unload(self, room: Room) -> None:
        super().on_unload(room)
        self.settle(room.name)

    async def on_join(self, room: Room, conn: Conn) -> None:
        if not self.cluster.owns(room.name):
            conn.close(CLOSE_TRY_AGAIN, "the room moved to another node")
            return
        await super().on_join(room, conn)

    # -- the leader's sweep

    async def sweep(self) -> None:
        """Fire the due timers of sessions that no node owns (their owner died or unloaded
        them): take the room's lease, load, tick, hand back. Then stale practice lobbies and
        recorded calls past their retention."""
        assert self.hub is not None
        now = now_ms()
        for row in await self.read(self.hub.store.timed_sessions):
            sid = row.record["session_id"]
            if sid in self.live:
                continue  # ours: our own timer fires it
            deadline = Session.from_record(row.record).next_deadline()
            if deadline is None or deadline > now:
                continue
            await self._adopt(sid, lambda live: live.session.tick)
        ttl = self.hub.settings.limits.practice_lobby_seconds
        if now - self._last_lobby_sweep >= min(60_000, max(50, ttl * 250)):
            self._last_lobby_sweep = now
            for sid in await self.read(self.hub.store.stale_practice_lobbies,
                                       now - int(ttl * 1000), 1000):
                await self._adopt(sid, lambda live: live.session.cancel, Phase.LOBBY)
            await self._expire_recordings()  # the shared store's old recorded calls

    async def _adopt(self, sid: str, action: Any, phase: Phase | None = None) -> None:
        try:
            if await self.cluster.route(sid) is not None:
                return  # someone owns it: their timer fires it
            live = await self.get(sid)
            if live is not None and (phase is None or live.session.phase is phase):
                await self.mutate(live, action(live))
        except Exception:
            log.exception("taking over a session failed", extra={"session": sid})
        finally:
            self.settle(sid)

    # -- REST mutations on this node (collabd.cluster.http)

    async def after_request(self, sid: str) -> None:
        self.settle(sid)


__all__ = ["ClusterServices", "NotOwner", "CLOSE_TRY_AGAIN"]
