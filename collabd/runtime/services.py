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
import time
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

import msgpack  # type: ignore[import-untyped]  # ships no type hints

from collab_protocol import (
    Ack,
    ChatHistory,
    ChatMsg,
    ChatPost,
    ChatTyping,
    CloseCode,
    CollabMessage,
    EndInterview,
    Error,
    FeedbackReveal,
    FeedbackStatus,
    FeedbackSubmit,
    Hello,
    IceServers,
    SessionState,
    Signal,
    UnmaskAnswer,
    UnmaskResult,
    UnmaskStatus,
)

from ..analytics.person import history as person_history
from ..analytics.person import person_key
from ..analytics.records import from_session_rows
from ..core import signaling
from ..core.lifecycle import Phase, SessionError
from ..core.session import PHASE_EVENTS, Identity, Session, SessionOptions
from ..core.text import shown
from ..core.tokens import Claims, mint
from .connection import Conn
from .extensions import Basic
from .features import MESSAGES as FEATURE_MESSAGES
from .features import RoomFeatures
from .webhooks import Webhooks

if TYPE_CHECKING:
    from .hub import Hub
    from .room import Room

log = logging.getLogger("collabd.services")

# core error codes -> the wire codes of SPEC.md
WIRE_CODES = {
    "forbidden": "not_allowed",
    "unknown_participant": "not_allowed",
    "not_connected": "not_allowed",
    "invalid_answer": "bad_message",
    "already_answered": "bad_message",
    "nothing_to_withdraw": "bad_message",
}
CALL_PHASES = (Phase.LOBBY, Phase.LIVE)
HISTORY_CHUNK = 200
HISTORY_FRAME_OVERHEAD = 64  # type, length, map header, "t", "messages", array header
CLOSE_NORMAL = CloseCode.NORMAL  # sent by a client that leaves for good


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class Live:
    """A loaded session and what the runtime keeps beside it."""

    session: Session
    simulated: bool
    extra: dict[str, Any]  # webhook_url, relay_only
    kind: str = "real"  # real | practice | simulated
    interviewee_key: str | None = None  # person key of the candidate (for their history)
    history: dict[str, Any] | None = None  # what the candidate sees of it; {} when nothing
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    timer: asyncio.TimerHandle | None = None

    @classmethod
    def from_row(cls, row: Any) -> Live:
        """From a store's SessionRow; DamagedSession if its row cannot be read."""
        if row.problem is not None:
            raise DamagedSession(row.sid, row.problem)
        try:
            session = Session.from_record(row.record)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise DamagedSession(row.sid, repr(exc)) from None
        return cls(session, row.kind == "simulated", row.extra, row.kind, row.interviewee_key)


class DamagedSession(Exception):
    """A stored session that cannot be read (a damaged row)."""

    def __init__(self, sid: str, reason: str) -> None:
        super().__init__(f"session {sid} cannot be read: {reason}")
        self.sid, self.reason = sid, reason


class Services(Basic):
    def __init__(self) -> None:
        self.live: dict[str, Live] = {}
        self._sent: dict[Conn, dict[str, CollabMessage]] = {}
        self._chat_locks: dict[str, asyncio.Lock] = {}
        self._in_call: dict[str, set[str]] = {}
        self.features = RoomFeatures(self)  # runs, the question, notes, replay
        self.webhooks: Webhooks | None = None
        self.webhook_key = b""  # the API key: embedders verify webhook signatures with it

    def bind(self, hub: Hub, secret: bytes) -> None:
        super().bind(hub, secret)
        self.webhooks = Webhooks(hub.persistence, hub.store, self)

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
        self._lobby_sweep = loop.call_later(delay, lambda: loop.create_task(self._sweep()))

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
        except Exception:
            if self.hub.closing:
                return
            log.exception("practice lobby sweep failed")
        self._arm_lobby_sweep(min(60.0, max(0.05, ttl / 4)))

    async def stop(self) -> None:
        for live in self.live.values():
            if live.timer is not None:
                live.timer.cancel()
        if self.webhooks is not None:
            await self.webhooks.stop()

    async def read(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """A store method that only reads (on the worker thread)."""
        assert self.hub is not None
        return await self.hub.persistence.read(fn, *args, **kwargs)

    async def write(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """A store method that writes (where the store's writes belong: persistence.write)."""
        assert self.hub is not None
        return await self.hub.persistence.write(fn, *args, **kwargs)

    # -- sessions: creation and loading

    async def create(self, interviewer: Identity, interviewee: Identity, options: SessionOptions,
                     simulated: bool = False, extra: dict[str, Any] | None = None,
                     kind: str | None = None,
                     external_ids: tuple[str | None, str | None] = (None, None),
                     question: str = "") -> tuple[Session, dict[str, str]]:
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

    async def mutate(self, live: Live, fn: Any, *args: Any, on_durable: Any = None) -> list[str]:
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
        live.timer = loop.call_later(delay, lambda: loop.create_task(self._tick(live)))

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
            room.keep_history = self.features.keeps_history(live)  # replay (SPEC 18)
            before = live.session.status(conn.claims.pid)
            await self.mutate(live, live.session.join, conn.claims.pid)
            if before in ("reconnecting", "away", "left"):
                await self.log_presence(room, live, conn.claims.pid, "connected")

    async def on_leave(self, room: Room, conn: Conn) -> None:
        self._sent.pop(conn, None)
        self.features.forget(conn)
        calls = self._in_call.get(room.name)
        if calls and conn.claims.pid in calls:
            calls.discard(conn.claims.pid)
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
        if live.session.phase in CALL_PHASES:
            assert self.hub is not None
            await self.write(self.hub.store.log_event, room.name, now_ms(), "presence",
                             {"by": pid, "status": status})

    def on_unload(self, room: Room) -> None:
        self._chat_locks.pop(room.name, None)
        self._in_call.pop(room.name, None)
        self.features.forget_room(room.name)
        live = self.live.get(room.name)
        if live is not None:
            if live.session.is_terminal() and live.timer is not None:
                live.timer.cancel()
                live.timer = None
            self.release(live)  # kept only while a timer needs it

    def refuse_update(self, room: Room, conn: Conn) -> None:
        conn.send_collab(Error("read_only", "the interview has ended: the document is read-only"))

    async def after_hello(self, room: Room, conn: Conn, msg: Hello) -> None:
        assert self.hub is not None
        settings = self.hub.settings
        live = self.live.get(room.name)
        if live is not None:
            await self.load_history(live)
            self.send_view(live, conn)
        await self.features.greet(room, conn, live)
        relay_only = settings.relay_only or bool(live and live.extra.get("relay_only"))
        turn_secret = settings.turn_secret.encode() or None
        servers = signaling.ice_servers(list(settings.stun_urls), list(settings.turn_urls),
                                        turn_secret, conn.claims.pid, int(time.time()),
                                        settings.limits.turn_ttl)
        conn.send_collab(IceServers(servers, relay_only))
        after = max(0, msg.chat_after)
        budget = settings.limits.max_frame_bytes - HISTORY_FRAME_OVERHEAD
        first = True
        while True:
            rows = await self.read(self.hub.store.chat_after, room.name, after, HISTORY_CHUNK)
            for chunk in split_by_bytes(rows, budget):
                if chunk or first:
                    conn.send_collab(ChatHistory(chunk))
                first = False
            if len(rows) < HISTORY_CHUNK:
                break
            after = rows[-1]["id"]
        await self.features.send_runs(room, conn, msg)

    async def on_message(self, room: Room, conn: Conn, msg: CollabMessage) -> None:
        live = self.live.get(room.name)
        try:
            if isinstance(msg, ChatPost):
                await self.chat_post(room, conn, msg, live)
            elif isinstance(msg, ChatTyping):
                self.chat_typing(room, conn, msg)
            elif isinstance(msg, Signal):
                await self.signal(room, conn, msg, live)
            elif isinstance(msg, Hello):
                conn.send_collab(Error("bad_message", "hello was already received"))
            elif isinstance(msg, FEATURE_MESSAGES):
                await self.features.on_message(room, conn, msg, live)
            elif live is None:
                conn.send_collab(Error("not_found", f"{msg.KIND} needs an interview session"))
            elif isinstance(msg, EndInterview):
                await self.mutate(live, live.session.end, conn.claims.pid)
            elif isinstance(msg, FeedbackSubmit):
                await self.mutate(live, live.session.submit_feedback, conn.claims.pid, msg.form,
                                  on_durable=lambda: conn.send_collab(Ack(msg.nonce)))
            elif isinstance(msg, UnmaskAnswer):
                await self.mutate(live, live.session.answer_unmask, conn.claims.pid, msg.answer)
            else:
                conn.send_collab(Error("not_allowed", f"clients do not send {msg.KIND}"))
        except SessionError as exc:
            code = WIRE_CODES.get(exc.code, exc.code)
            conn.send_collab(Error(code, str(exc), getattr(msg, "nonce", "")))

    # -- chat

    async def chat_post(self, room: Room, conn: Conn, msg: ChatPost, live: Live | None) -> None:
        limits = room.limits
        if live is not None and live.session.phase is Phase.SEALED:
            conn.send_collab(Error("chat_closed", "the session is sealed", msg.nonce))
            return
        if len(msg.text) > limits.chat_max_chars:
            conn.send_collab(Error("too_large", f"at most {limits.chat_max_chars} characters",
                                   msg.nonce))
            return
        text = shown(msg.text)  # SPEC 9: no bidi overrides, no control characters
        if not text.strip():
            conn.send_collab(Error("bad_message", "empty message", msg.nonce))
            return
        if not conn.chat.allow(asyncio.get_running_loop().time()):
            conn.send_collab(Error("rate_limited", "too many chat messages", msg.nonce))
            return
        assert self.hub is not None
        sender = {k: conn.profile[k] for k in ("id", "name", "color")}
        lock = self._chat_locks.setdefault(room.name, asyncio.Lock())
        async with lock:  # ids are handed out, stored and sent in one order
            ts = now_ms()
            cid = await self.write(self.hub.store.append_chat, room.name, ts, sender, text)
            self.hub.stats.chat_messages += 1
            for c in room.conns:
                if c.hello:
                    c.send_collab(ChatMsg(cid, ts, sender, text,
                                          msg.nonce if c is conn else ""))

    def chat_typing(self, room: Room, conn: Conn, msg: ChatTyping) -> None:
        if not conn.awareness.allow(asyncio.get_running_loop().time()):
            return
        out = ChatTyping(msg.on, {k: conn.profile[k] for k in ("id", "name", "color")})
        room.broadcast_collab(out, exclude=conn)

    # -- voice signaling

    async def signal(self, room: Room, conn: Conn, msg: Signal, live: Live | None) -> None:
        limits = room.limits
        if msg.kind not in signaling.KINDS:
            conn.send_collab(Error("bad_message", f"unknown signal kind {msg.kind[:20]!r}"))
            return
        if live is not None and msg.kind != "hangup" and live.session.phase not in CALL_PHASES:
            conn.send_collab(Error("wrong_phase", "calls are over once the interview has ended"))
            return
        if not conn.signals.allow(asyncio.get_running_loop().time()):
            conn.send_collab(Error("rate_limited", "too many signaling messages"))
            return
        data = dict(msg.data)
        problem = check_signal_data(msg.kind, data, limits.max_sdp_bytes,
                                    limits.max_candidate_bytes, limits.max_signal_other_bytes)
        if problem is not None:
            conn.send_collab(Error(*problem))
            return
        targets = [c for c in room.conns if c.hello and c.claims.pid == msg.to
                   and c.claims.pid != conn.claims.pid]
        if not targets:
            conn.send_collab(Error("bad_target", "no such member connected"))
            return
        assert self.hub is not None
        self.hub.stats.signals += 1
        if self.hub.settings.relay_only or bool(live and live.extra.get("relay_only")):
            if msg.kind in ("offer", "answer"):
                data["sdp"] = signaling.relay_only_sdp(data["sdp"])
            elif msg.kind == "ice" and data.get("candidate"):
                kept = signaling.relay_candidate(data["candidate"])
                if kept is None:
                    return  # a host/srflx candidate: it would reveal an address
                data["candidate"] = kept
        out = Signal(msg.kind, data, msg.to, {k: conn.profile[k] for k in ("id", "name", "color")})
        for c in targets:
            c.send_collab(out)
        await self.log_call(room, conn, msg.kind)

    async def log_call(self, room: Room, conn: Conn, kind: str) -> None:
        calls = self._in_call.setdefault(room.name, set())
        event = None
        if kind == "offer" and not calls:
            event = "call_started"
        if kind in ("offer", "answer"):
            calls.add(conn.claims.pid)
        answered = True
        if kind == "hangup" and calls:
            answered = len(calls) > 1  # only the caller had offered: nobody picked up
            calls.clear()
            event = "call_ended"
        if event is not None:
            assert self.hub is not None
            data: dict[str, Any] = {"by": conn.claims.pid}
            if not answered:
                data["answered"] = False
            await self.write(self.hub.store.log_event, room.name, now_ms(), event, data)


def split_by_bytes(rows: list[dict[str, Any]], budget: int) -> list[list[dict[str, Any]]]:
    """Consecutive runs of rows whose MessagePack encodings add up to at most `budget` bytes
    (at least one row each), so that no chat.history frame exceeds the frame limit."""
    chunks: list[list[dict[str, Any]]] = [[]]
    used = 0
    for row in rows:
        size = msgpack_size(row)
        if chunks[-1] and used + size > budget:
            chunks.append([])
            used = 0
        chunks[-1].append(row)
        used += size
    return chunks


def msgpack_size(value: Any) -> int:
    return len(msgpack.packb(value, use_bin_type=True))


def check_signal_data(kind: str, data: dict[str, Any], max_sdp: int,
                      max_candidate: int, max_other: int = 1024) -> tuple[str, str] | None:
    """None if `data` may be relayed, else (error code, message). Besides the SDP or the
    candidate, everything in `data` together is at most `max_other` MessagePack bytes."""
    other = {k: v for k, v in data.items() if k not in ("sdp", "candidate")}
    if msgpack_size(other) > max_other:
        return ("too_large", f"{kind} data beyond sdp/candidate over {max_other} bytes")
    if kind in ("offer", "answer"):
        sdp = data.get("sdp")
        if not isinstance(sdp, str) or not isinstance(data.get("type", kind), str):
            return ("bad_message", f"{kind} needs data.sdp (string)")
        if len(sdp.encode()) > max_sdp:
            return ("too_large", f"SDP over {max_sdp} bytes")
    elif kind == "ice":
        cand = data.get("candidate")
        if not isinstance(cand, str):
            return ("bad_message", "ice needs data.candidate (string)")
        if len(cand.encode()) > max_candidate:
            return ("too_large", f"candidate over {max_candidate} bytes")
        mid, index = data.get("sdpMid"), data.get("sdpMLineIndex")
        if not (mid is None or isinstance(mid, str)) or not (
                index is None or (isinstance(index, int) and not isinstance(index, bool))):
            return ("bad_message", "ice data.sdpMid / sdpMLineIndex have the wrong type")
    return None


def view_messages(view: dict[str, Any]) -> list[CollabMessage]:
    """The protocol messages that carry one participant's view of the session."""
    participants = [{"id": p["id"], "name": p["name"], "color": p["color"], "role": p["role"],
                     "status": p["status"]} for p in view["participants"]]
    out: list[CollabMessage] = [SessionState(
        view["phase"], participants, view["ends_at"], view["read_only"],
        view["unmask"]["offered"], view["close_reason"],
    )]
    if view["phase"] not in ("lobby", "live"):
        fb = view["feedback"]
        out.append(FeedbackStatus(fb["mine"], fb["theirs"]))
    if view["reveal"] is not None:
        r = view["reveal"]
        out.append(FeedbackReveal(r["mine"], r["theirs"], r.get("calibration")))
    if view["unmask"]["offered"] and view["phase"] == "revealed":
        out.append(UnmaskStatus(view["unmask"]["mine"], view["unmask"]["deadline"]))
    if view["unmask_result"] is not None:
        res = view["unmask_result"]
        out.append(UnmaskResult(res["unmasked"], res["identity"]))
    return out


HISTORY_SHOWN = 10  # the candidate sees their last interviews, at most this many


def candidate_history(records: list[Any]) -> dict[str, Any]:
    """What a candidate sees of their own history in the reveal: guess and actual per interview
    (no session ids, nothing about anyone else) and one sentence; {} under two interviews."""
    h = person_history(records, last=HISTORY_SHOWN)
    if h["n"] < 2:
        return {}
    points = [{"ended_at": x["ended_at"], "guess": x["guess"], "actual": x["actual"]}
              for x in h["sessions"]]
    return {"points": points, "tendency": h["tendency"]}

