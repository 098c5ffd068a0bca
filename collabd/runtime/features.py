"""Runs, the question, private notes and replay (SPEC 8.7-8.10, 18): the room services that
`Services` hands these messages to.

Every accepted message is stored before anyone hears of it (the echo is the sender's
acknowledgement). Notes go only to their owner's connections: that is the one rule here that
protects privacy, and tests/server/test_room_features.py scans every frame for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from collab_protocol import (
    CollabMessage,
    Error,
    Hello,
    Notes,
    NotesSave,
    Question,
    QuestionSet,
    RunHistory,
    RunMsg,
    RunResult,
    Timeline,
    TimelineGet,
)

from ..core.lifecycle import Phase
from ..core.ratelimit import TokenBucket
from ..core.text import shown
from . import timeline
from .connection import Conn
from .runs import check_run, stored

if TYPE_CHECKING:
    from .room import Room
    from .services import Live, Services

MESSAGES = (RunResult, QuestionSet, NotesSave, TimelineGet)
RUN_PHASES = (Phase.LOBBY, Phase.LIVE)
QUESTION_PHASES = (Phase.LOBBY, Phase.LIVE)
HISTORY_CHUNK = 200
FRAME_OVERHEAD = 64
DAY_MS = 86_400_000


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class Buckets:
    runs: TokenBucket
    saves: TokenBucket
    timeline: TokenBucket


class RoomFeatures:
    def __init__(self, services: Services) -> None:
        self.services = services
        self._buckets: dict[Conn, Buckets] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        # the last built timelines (least recently used first), while nothing new can be
        # added to them
        self._timelines: dict[str, tuple[tuple[Any, ...], dict[str, Any], list[Any]]] = {}
        self._builds: asyncio.Semaphore | None = None  # made on first use: limits come later
        self._building: dict[str, tuple[asyncio.Lock, int]] = {}  # sid -> (lock, users)

    @property
    def hub(self) -> Any:
        assert self.services.hub is not None
        return self.services.hub

    def buckets(self, conn: Conn) -> Buckets:
        b = self._buckets.get(conn)
        if b is None:
            lim, now = conn.limits, asyncio.get_running_loop().time()
            b = self._buckets[conn] = Buckets(TokenBucket(lim.run_rate, lim.run_burst, now),
                                              TokenBucket(lim.save_rate, lim.save_burst, now),
                                              TokenBucket(lim.timeline_rate,
                                                          lim.timeline_burst, now))
        return b

    def forget(self, conn: Conn) -> None:
        self._buckets.pop(conn, None)

    def forget_room(self, name: str) -> None:
        self._locks.pop(name, None)  # a cached timeline stays: the embedder may replay later

    def keeps_history(self, live: Live | None) -> bool:
        """A session room keeps every update with its time until the retention has passed."""
        if live is None:
            return False
        days = self.hub.settings.limits.history_retention_days
        return days <= 0 or now_ms() < live.session.created_at + days * DAY_MS

    # -- on hello: the question, the receiver's own notes, then (after chat) the runs

    async def greet(self, room: Room, conn: Conn, live: Live | None) -> None:
        # under the lock saves hold from their write to their broadcast: a save landing while
        # this reads would otherwise reach the newcomer before the older value read here
        async with self._lock(room.name):
            if live is not None:
                conn.send_collab(await self.current_question(room.name))
            notes = await self.services.read(self.hub.store.load_notes, room.name,
                                             conn.claims.pid)
            conn.send_collab(Notes(notes[0], notes[1]) if notes else Notes(""))

    async def current_question(self, room: str, nonce: str = "") -> Question:
        rows = await self.services.read(self.hub.store.questions, room)
        if not rows:
            return Question("")
        last = rows[-1]
        return Question(last["text"], last["ts"], last.get("from"), nonce)

    async def send_runs(self, room: Room, conn: Conn, hello: Hello) -> None:
        from .services import split_by_bytes

        after = max(0, hello.run_after or 0)
        budget = self.hub.settings.limits.max_frame_bytes - FRAME_OVERHEAD
        first = True
        while True:
            rows = await self.services.read(self.hub.store.runs_after, room.name, after,
                                            HISTORY_CHUNK)
            for chunk in split_by_bytes(rows, budget):
                if chunk or first:
                    conn.send_collab(RunHistory(chunk))
                first = False
            if len(rows) < HISTORY_CHUNK:
                break
            after = rows[-1]["id"]

    # -- messages

    async def on_message(self, room: Room, conn: Conn, msg: CollabMessage,
                         live: Live | None) -> None:
        if isinstance(msg, RunResult):
            await self.run(room, conn, msg, live)
        elif isinstance(msg, QuestionSet):
            await self.set_question(room, conn, msg, live)
        elif isinstance(msg, NotesSave):
            await self.save_notes(room, conn, msg)
        elif isinstance(msg, TimelineGet):
            await self.send_timeline(room, conn, msg, live)

    async def run(self, room: Room, conn: Conn, msg: RunResult, live: Live | None) -> None:
        if live is not None and live.session.phase not in RUN_PHASES:
            conn.send_collab(Error("wrong_phase", "runs are shared only during the interview",
                                   msg.nonce))
            return
        problem = check_run(msg, room.limits)
        if problem is not None:
            conn.send_collab(Error(*problem, msg.nonce))
            return
        if not self.buckets(conn).runs.allow(asyncio.get_running_loop().time()):
            conn.send_collab(Error("rate_limited", "too many runs", msg.nonce))
            return
        sender = {k: conn.profile[k] for k in ("id", "name", "color")}
        fields = stored(msg)
        async with self._lock(room.name):  # ids are handed out, stored and sent in one order
            ts = now_ms()
            rid = await self.services.write(self.hub.store.append_run, room.name, ts, sender,
                                           fields)
            for c in room.conns:
                if c.hello:
                    c.send_collab(RunMsg(rid, ts, sender, **fields,
                                         nonce=msg.nonce if c is conn else ""))

    async def set_question(self, room: Room, conn: Conn, msg: QuestionSet,
                           live: Live | None) -> None:
        if live is None:
            conn.send_collab(Error("not_found", "the question belongs to an interview session",
                                   msg.nonce))
            return
        if conn.claims.role != "interviewer":
            conn.send_collab(Error("not_allowed", "only the interviewer can set the question",
                                   msg.nonce))
            return
        if live.session.phase not in QUESTION_PHASES:
            conn.send_collab(Error("wrong_phase", "the interview has ended", msg.nonce))
            return
        if not self._may_save(conn, msg.text, msg.nonce, room.limits.question_max_chars):
            return
        sender = {k: conn.profile[k] for k in ("id", "name", "color")}
        text = shown(msg.text)
        async with self._lock(room.name):
            ts = now_ms()
            await self.services.write(self.hub.store.append_question, room.name, ts, sender,
                                      text)
            for c in room.conns:
                if c.hello:
                    c.send_collab(Question(text, ts, sender,
                                           msg.nonce if c is conn else ""))

    async def save_notes(self, room: Room, conn: Conn, msg: NotesSave) -> None:
        if not self._may_save(conn, msg.text, msg.nonce, room.limits.notes_max_chars):
            return
        pid = conn.claims.pid
        async with self._lock(room.name):  # saves reach the owner's devices in store order
            ts = now_ms()
            await self.services.write(self.hub.store.save_notes, room.name, pid, ts, msg.text)
            for c in room.conns:  # the owner's own connections, nobody else's
                if c.hello and c.claims.pid == pid:
                    c.send_collab(Notes(msg.text, ts, msg.nonce if c is conn else ""))

    async def send_timeline(self, room: Room, conn: Conn, msg: TimelineGet,
                            live: Live | None) -> None:
        if live is None:
            conn.send_collab(Error("not_found", "replay belongs to an interview session",
                                   msg.nonce))
            return
        if conn.claims.role not in ("interviewer", "interviewee"):
            conn.send_collab(Error("not_allowed", "only the participants can replay",
                                   msg.nonce))
            return
        if live.session.revealed_at is None:
            conn.send_collab(Error("wrong_phase", "replay opens once the feedback is revealed",
                                   msg.nonce))
            return
        if not self.buckets(conn).timeline.allow(asyncio.get_running_loop().time()):
            conn.send_collab(Error("rate_limited", "too many timeline requests", msg.nonce))
            return
        info, events = await self.timeline(live)
        if not 0 <= msg.after <= len(events):
            conn.send_collab(Error("bad_message", "after is past the end of the timeline",
                                   msg.nonce))
            return
        part, nxt = timeline.page(events, msg.after, room.limits.timeline_page_bytes)
        conn.send_collab(Timeline(info, part, nxt, msg.nonce))

    async def timeline(self, live: Live) -> tuple[dict[str, Any], list[Any]]:
        """The session's timeline (SPEC 18), built once and shared: one build per session at
        a time (concurrent askers wait for it and then find it cached), at most
        `replay_builds` sessions building at once, the last `replay_cached` timelines kept
        while nothing new can be added to them (pages of one replay reuse it)."""
        sid = live.session.id
        store = self.hub.store
        room = self.hub.rooms.get(sid)
        if room is not None:
            await room.flush()  # every update applied so far is in the store
        async with self._one_build(sid):
            cached = self._timelines.pop(sid, None)
            if cached is not None and await self._unchanged(live, cached[0]):
                self._timelines[sid] = cached  # most recently used last
                return cached[1], cached[2]
            del cached  # a stale one is not kept beside its replacement
            if self._builds is None:
                self._builds = asyncio.Semaphore(self.hub.settings.limits.replay_builds)
            async with self._builds:
                # what the build depends on, read before it: anything stored meanwhile makes
                # the next request build again
                count = await self.services.read(store.count_updates, sid)
                chat = await self.services.read(store.chat_after, sid, 0, 1_000_000)
                runs = await self.services.read(store.runs_after, sid, 0, 1_000_000)
                questions = await self.services.read(store.questions, sid)
                log = await self.services.read(store.events, sid)
                key = (live.session.phase.value, count, chat[-1]["id"] if chat else 0,
                       runs[-1]["id"] if runs else 0, len(questions), len(log))
                history = await self.services.read(store.history, sid)
                info, events = await asyncio.to_thread(timeline.build, live.session, history,
                                                       chat, runs, questions, log)
                del history, chat, runs
            self._timelines[sid] = (key, info, events)
            while len(self._timelines) > self.hub.settings.limits.replay_cached:
                del self._timelines[next(iter(self._timelines))]
            return info, events

    async def _unchanged(self, live: Live, key: tuple[Any, ...]) -> bool:
        """Whether nothing was added since `key` was read: cheap reads only (one row of chat
        and of runs after the last ids, counts), so a page of a built timeline costs the
        store little whatever the session's length."""
        sid, store = live.session.id, self.hub.store
        return (live.session.phase.value == key[0]
                and await self.services.read(store.count_updates, sid) == key[1]
                and not await self.services.read(store.chat_after, sid, key[2], 1)
                and not await self.services.read(store.runs_after, sid, key[3], 1)
                and len(await self.services.read(store.questions, sid)) == key[4]
                and len(await self.services.read(store.events, sid)) == key[5])

    @contextlib.asynccontextmanager
    async def _one_build(self, sid: str) -> AsyncIterator[None]:
        """The session's build lock, forgotten when nobody holds or awaits it."""
        lock, users = self._building.get(sid, (asyncio.Lock(), 0))
        self._building[sid] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._building[sid]
            if users == 1:
                del self._building[sid]
            else:
                self._building[sid] = (lock, users - 1)

    def _may_save(self, conn: Conn, text: str, nonce: str, limit: int) -> bool:
        """A question or notes save within its size and the sender's save rate (else the
        sender is told why)."""
        if len(text) > limit:
            conn.send_collab(Error("too_large", f"at most {limit} characters", nonce))
            return False
        if not self.buckets(conn).saves.allow(asyncio.get_running_loop().time()):
            conn.send_collab(Error("rate_limited", "too many saves", nonce))
            return False
        return True

    def _lock(self, room: str) -> asyncio.Lock:
        return self._locks.setdefault(room, asyncio.Lock())
