"""Room services beyond Yjs: interview sessions, chat and voice signaling.

A room whose name is a session id is that interview's room: only its two participants may join,
the server drives the pure `core.session.Session`, persists its record before anything is
acknowledged or sent, and sends each participant only the messages derived from
`Session.view_for` that changed. Other rooms (development tokens) get chat and signaling too.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable, Coroutine
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from collab_protocol import (
    CloseCode,
    CollabMessage,
    Error,
    Hello,
)

from ..analytics.person import person_key
from ..analytics.records import from_session_rows
from ..config import Settings
from ..core.lifecycle import Phase, Role, SessionError, allowed
from ..core.session import PHASE_EVENTS, Identity, Session, SessionOptions
from ..core.tokens import Claims, mint
from .connection import Conn
from .extensions import Basic
from .handlers import Ctx, RoomShared, dispatch
from .handlers.greeting import greet
from .handlers.replay import Replays, keeps_history
from .live import DamagedSession, Live, now_ms
from .stats import Stats
from .view import candidate_history, view_messages
from .webhooks import Webhooks

if TYPE_CHECKING:
    from .hub import Hub
    from .room import Room

log = logging.getLogger("collabd.services")

T = TypeVar("T")

CLOSE_NORMAL = CloseCode.NORMAL  # sent by a client that leaves for good


class Services(Basic):
    def __init__(self) -> None:
        self.live: dict[str, Live] = {}
        self._sent: dict[Conn, dict[str, CollabMessage]] = {}
        self.shared: dict[str, RoomShared] = {}  # what the handlers keep per loaded room
        self.replays: Replays | None = None
        self._tasks: set[asyncio.Task[None]] = set()  # timers' work, kept until done
        self.webhooks: Webhooks | None = None
        self.webhook_key = b""  # the API key: embedders verify webhook signatures with it

    def bind(self, hub: Hub, secret: bytes) -> None:
        super().bind(hub, secret)
        self.webhooks = Webhooks(hub.persistence, hub.store, self)
        self.replays = Replays(self.read, hub.store, hub.settings.limits, self._flush_room)

    async def _flush_room(self, name: str) -> None:
        assert self.hub is not None
        room = self.hub.rooms.get(name)
        if room is not None:
            await room.flush()

    # -- what handlers get of the services (handlers.context.Host)

    @property
    def store(self) -> Any:
        assert self.hub is not None
        return self.hub.store

    @property
    def settings(self) -> Settings:
        assert self.hub is not None
        return self.hub.settings

    @property
    def stats(self) -> Stats:
        assert self.hub is not None
        return self.hub.stats

    async def timeline(self, live: Live) -> tuple[dict[str, Any], list[Any]]:
        """The session's replay timeline (SPEC 18), built once and shared."""
        assert self.replays is not None
        return await self.replays.timeline(live)

    async def start(self) -> None:
        """Load the sessions whose timers must run with nobody connected (a phase deadline,
        or a reconnect grace in the lobby); every other session is loaded on demand by `get`,
        so idle lobbies cost no memory. Then start expiring stale practice lobbies."""
        assert self.hub is not None
        for row in await self.read(self.hub.store.timed_sessions):
            if row.sid in self.live:
                continue
            try:
                live = Live.from_row(row)
            except DamagedSession as exc:  # one damaged row must not stop the server
                log.error("damaged session not loaded", extra={"session": exc.sid,
                                                                "reason": exc.reason})
                continue
            self.live[live.session.id] = live
            await self.mutate(live, live.session.disconnect_all)
        assert self.webhooks is not None
        self.webhooks.start()
        self._arm_lobby_sweep(0.0)

    def _arm_lobby_sweep(self, delay: float) -> None:
        """Practice lobbies (POST /api/practice) that never started are cancelled after
        `practice_lobby_seconds`; a sweep over the store finds them, loaded or not."""
        loop = asyncio.get_running_loop()
        self._lobby_sweep = loop.call_later(delay, lambda: self._spawn(self._sweep()))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _sweep(self) -> None:
        assert self.hub is not None
        if self.hub.closing:
            return
        ttl = self.hub.settings.limits.practice_lobby_seconds
        try:
            for sid in await self.read(self.hub.store.stale_practice_lobbies,
                                       now_ms() - int(ttl * 1000), 1000):
                live = await self.get(sid)
                if live is not None and live.session.phase is Phase.LOBBY:
                    await self.mutate(live, live.session.cancel)
                    room = self.hub.rooms.get(sid)
                    if room is None or not room.conns:
                        self.live.pop(sid, None)  # sealed and idle: nothing to keep
            await self._expire_recordings()
        except Exception:
            if self.hub.closing:
                return
            log.exception("practice lobby sweep failed")
        self._arm_lobby_sweep(min(60.0, max(0.05, ttl / 4)))

    def forget_recording(self, sid: str) -> None:
        """After the embedder deleted a room's recording: its uploaders' byte counts are read
        again from the store (the runs go on; their earlier chunks are gone)."""
        shared = self.shared.get(sid)
        if shared is not None:
            for rec in shared.recorders.values():
                rec.stored = None

    async def _expire_recordings(self) -> None:
        """Chunks older than `recording_retention_days` (0: kept for ever) are deleted."""
        assert self.hub is not None
        days = self.hub.settings.limits.recording_retention_days
        if days > 0:
            await self.write(self.hub.store.delete_recordings_before,
                             now_ms() - int(days * 86_400_000))

    async def stop(self) -> None:
        for live in self.live.values():
            if live.timer is not None:
                live.timer.cancel()
        if self.webhooks is not None:
            await self.webhooks.stop()

    async def read(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """A store method that only reads (on the worker thread)."""
        assert self.hub is not None
        return await self.hub.persistence.read(fn, *args, **kwargs)

    async def write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """A store method that writes (where the store's writes belong: persistence.write)."""
        assert self.hub is not None
        return await self.hub.persistence.write(fn, *args, **kwargs)

    # -- sessions: creation and loading

    async def create(self, interviewer: Identity, interviewee: Identity, options: SessionOptions,
                     simulated: bool = False, extra: dict[str, Any] | None = None,
                     kind: str | None = None,
                     external_ids: tuple[str | None, str | None] = (None, None),
                     question: str = "") -> tuple[Session, dict[Role, str]]:
        """A new session in the lobby, stored; returns it and a join token per role.

        external_ids: the embedder's stable ids of (interviewer, interviewee), or None; only
        their keyed hashes are stored (collabd.analytics.person.person_key)."""
        assert self.hub is not None
        now = now_ms()
        sid = "s-" + secrets.token_urlsafe(12)
        pids = ("p-" + secrets.token_urlsafe(9), "p-" + secrets.token_urlsafe(9))
        session = Session.create(sid, interviewer, interviewee, options, now,
                                 secrets.token_bytes(16), pids)
        # stored, not kept: a lobby has no timer, and `get` loads it when someone comes
        keys = tuple(None if x is None else person_key(self.secret, x) for x in external_ids)
        await self.write(self.hub.store.save_session, sid, session.to_record(), now,
                         simulated, extra or {}, kind=kind, keys=keys)
        if question:  # the embedder's question (SPEC 8.8), stored before anyone can join
            await self.write(self.hub.store.append_question, sid, now, None, question)
        # valid until the last deadline can have passed, and a day more to look at the result
        ttl = (options.interview_ms + options.feedback_ms + options.unmask_ms) // 1000 + 86400
        exp = now // 1000 + ttl
        tokens = {p.role: mint(self.secret, Claims(sid, p.id, p.role, exp))
                  for p in session.participants}
        return session, tokens

    async def get(self, sid: str) -> Live | None:
        live = self.live.get(sid)
        if live is not None:
            return live
        assert self.hub is not None
        found = await self.read(self.hub.store.load_session, sid)
        if found is None:
            return None
        live = self.live.get(sid)  # someone else may have loaded it meanwhile
        if live is None:
            live = Live.from_row(found)
            self.live[sid] = live
            self.arm(live)  # a reconnect grace may still be running
        return live

    async def peek(self, sid: str) -> Live | None:
        """The session, for a read: the loaded one, else a copy from the store that is not
        kept (no timer; reading a session must not pin it in memory)."""
        live = self.live.get(sid)
        if live is not None:
            return live
        assert self.hub is not None
        found = await self.read(self.hub.store.load_session, sid)
        return None if found is None else Live.from_row(found)

    def release(self, live: Live) -> None:
        """Forget a loaded session that nothing needs in memory any more: no room of it is
        loaded, no timer is armed and no change of it is being written (the store has it)."""
        assert self.hub is not None
        sid = live.session.id
        if (self.live.get(sid) is live and live.timer is None and not live.lock.locked()
                and sid not in self.hub.rooms):
            del self.live[sid]

    async def mutate(self, live: Live, fn: Any, *args: Any,
                     on_durable: Callable[[], None] | None = None) -> list[str]:
        """Run one session method; persist before anyone hears of the change."""
        async with live.lock:
            events: list[str] = fn(*args, now_ms())
            if events:
                await self.save(live)
            if on_durable is not None:
                on_durable()
            if events:
                await self.load_history(live)
                self.publish(live, events)
            self.arm(live)
            return events

    async def save(self, live: Live) -> None:
        """Store the session's record (cluster mode: only over the version this node read)."""
        assert self.hub is not None
        await self.write(self.hub.store.save_session, live.session.id, live.session.to_record(),
                         now_ms(), live.simulated, None)

    async def load_history(self, live: Live) -> None:
        """Once the feedback is revealed, the candidate's calibration over their last
        interviews (when the embedder gave their external id and there are at least two)."""
        key = live.interviewee_key
        if key is None or live.history is not None or live.session.revealed_at is None:
            return
        assert self.hub is not None
        rows = await self.read(self.hub.store.candidate_sessions, key)
        live.history = candidate_history(from_session_rows(rows)[0])

    def arm(self, live: Live) -> None:
        if live.timer is not None:
            live.timer.cancel()
            live.timer = None
        deadline = live.session.next_deadline()
        if deadline is None:
            return
        loop = asyncio.get_running_loop()
        delay = max(0.0, (deadline - now_ms()) / 1000)
        live.timer = loop.call_later(delay, lambda: self._spawn(self._tick(live)))

    async def _tick(self, live: Live) -> None:
        try:
            await self.mutate(live, live.session.tick)
        except Exception:
            log.exception("session timer failed", extra={"session": live.session.id})
        self.release(live)  # nobody there and nothing more to time: no need to keep it

    def publish(self, live: Live, events: list[str]) -> None:
        session = live.session
        assert self.hub is not None
        room = self.hub.rooms.get(session.id)
        if room is not None:
            room.read_only = session.is_read_only()
            for conn in room.conns:
                if conn.hello:
                    self.send_view(live, conn)
        phase_events = [e for e in events if e in PHASE_EVENTS.values()]
        if phase_events and self.webhooks is not None:
            url = live.extra.get("webhook_url")
            if url:
                for event in phase_events:
                    self.webhooks.queue(url, {"event": event, "session": session.admin_view()})

    def send_view(self, live: Live, conn: Conn) -> None:
        """Send `conn` the messages of its view that changed since the last ones it got."""
        sent = self._sent.setdefault(conn, {})
        view = live.session.view_for(conn.claims.pid)
        calibration = (view["reveal"] or {}).get("calibration")
        if live.history and calibration is not None:  # the candidate's view only
            calibration["history"] = live.history
        for msg in view_messages(view):
            if sent.get(msg.KIND) != msg:
                sent[msg.KIND] = msg
                conn.send_collab(msg)

    # -- hooks

    async def authorize(self, claims: Claims) -> str | None:
        live = await self.get(claims.room)
        if live is None:
            return "not_found" if claims.role != "guest" else None
        try:
            p = live.session.participant(claims.pid)
        except SessionError:
            self.release(live)  # refused: it stays loaded only if something else needs it
            return "not_allowed"
        if p.role != claims.role:
            self.release(live)
            return "not_allowed"
        return None

    def pseudonym(self, claims: Claims) -> dict[str, Any]:
        live = self.live.get(claims.room)
        if live is None:
            return super().pseudonym(claims)
        p = live.session.participant(claims.pid).pseudonym
        return {"id": claims.pid, "name": p.name, "color": p.color, "colorLight": p.color_light,
                "role": claims.role}

    async def on_join(self, room: Room, conn: Conn) -> None:
        # released since `authorize` loaded it (its room unloaded meanwhile): load it again
        live = self.live.get(room.name) or await self.get(room.name)
        if live is not None:
            room.read_only = live.session.is_read_only()
            room.ping_seconds = room.limits.ws_ping_seconds  # presence is shown: notice drops fast
            room.keep_history = keeps_history(live, room.limits)  # replay (SPEC 18)
            before = live.session.status(conn.claims.pid)
            await self.mutate(live, live.session.join, conn.claims.pid)
            if before in ("reconnecting", "away", "left"):
                await self.log_presence(room, live, conn.claims.pid, "connected")

    async def on_leave(self, room: Room, conn: Conn) -> None:
        self._sent.pop(conn, None)
        shared = self.shared.get(room.name)
        if shared is not None:
            shared.buckets.pop(conn, None)
            shared.in_call.discard(conn.claims.pid)
        live = self.live.get(room.name)
        if live is not None:
            try:
                # a goodbye: 1000 comes only from the client (the server never closes with it)
                clean = conn.close_code == CLOSE_NORMAL
                events = await self.mutate(live, partial(live.session.leave, clean=clean),
                                           conn.claims.pid)
            except SessionError:
                return  # joined before a restart; the session already counts it gone
            if events:
                await self.log_presence(room, live, conn.claims.pid,
                                        live.session.status(conn.claims.pid))

    async def log_presence(self, room: Room, live: Live, pid: str, status: str) -> None:
        """A leave, a drop or a return during the interview, for the replay (SPEC 18)."""
        if allowed(live.session.phase, "call"):
            assert self.hub is not None
            await self.write(self.hub.store.log_event, room.name, now_ms(), "presence",
                             {"by": pid, "status": status})

    def on_unload(self, room: Room) -> None:
        self.shared.pop(room.name, None)  # a cached timeline stays: the embedder may replay
        live = self.live.get(room.name)
        if live is not None:
            if live.session.is_terminal() and live.timer is not None:
                live.timer.cancel()
                live.timer = None
            self.release(live)  # kept only while a timer needs it

    def refuse_update(self, room: Room, conn: Conn) -> None:
        conn.send_collab(Error("read_only", "the interview has ended: the document is read-only"))

    def context(self, room: Room, conn: Conn) -> Ctx:
        shared = self.shared.get(room.name)
        if shared is None:
            shared = self.shared[room.name] = RoomShared()
        return Ctx(self, room, conn, self.live.get(room.name), shared)

    async def after_hello(self, room: Room, conn: Conn, msg: Hello) -> None:
        ctx = self.context(room, conn)
        if ctx.live is not None:
            await self.load_history(ctx.live)
            self.send_view(ctx.live, conn)
        await greet(ctx, msg)

    async def on_message(self, room: Room, conn: Conn, msg: CollabMessage) -> None:
        await dispatch(self.context(room, conn), msg)
