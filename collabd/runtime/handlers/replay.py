"""Replay (SPEC 8.10, 18): pages of a revealed session's timeline, built once per session
and shared by every asker (participants here, the embedder through the API)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from collab_protocol import Timeline, TimelineGet

from ...config import Limits
from ...core.lifecycle import allowed
from .. import timeline
from ..live import Live, now_ms
from .context import Ctx, Handler

Key = tuple[Any, ...]
DAY_MS = 86_400_000


def keeps_history(live: Live | None, limits: Limits) -> bool:
    """A session room keeps every update with its time until the retention has passed."""
    if live is None:
        return False
    days = limits.history_retention_days
    return days <= 0 or now_ms() < live.session.created_at + days * DAY_MS


async def get(ctx: Ctx, msg: TimelineGet) -> None:
    live, conn = ctx.live, ctx.conn
    if live is None:
        ctx.error("not_found", "replay belongs to an interview session", msg.nonce)
        return
    if conn.claims.role not in ("interviewer", "interviewee"):
        ctx.error("not_allowed", "only the participants can replay", msg.nonce)
        return
    if live.session.revealed_at is None or not allowed(live.session.phase, "replay"):
        ctx.error("wrong_phase", "replay opens once the feedback is revealed", msg.nonce)
        return
    if not ctx.buckets().timeline.allow(ctx.loop_time()):
        ctx.error("rate_limited", "too many timeline requests", msg.nonce)
        return
    info, events = await ctx.host.timeline(live)
    if not 0 <= msg.after <= len(events):
        ctx.error("bad_message", "after is past the end of the timeline", msg.nonce)
        return
    part, nxt = timeline.page(events, msg.after, ctx.limits.timeline_page_bytes)
    conn.send_collab(Timeline(info, part, nxt, msg.nonce))


HANDLERS: dict[type, Handler] = {TimelineGet: get}


class Replays:
    """The timelines of sessions: one build per session at a time (concurrent askers wait for
    it and then find it cached), at most `replay_builds` sessions building at once, the last
    `replay_cached` timelines kept while nothing new can be added to them (pages of one
    replay reuse it)."""

    def __init__(self, read: Callable[..., Awaitable[Any]], store: Any, limits: Limits,
                 flush: Callable[[str], Awaitable[None]]) -> None:
        self.read, self.store, self.limits = read, store, limits
        self.flush = flush  # every update of a loaded room applied so far reaches the store
        self._timelines: dict[str, tuple[Key, dict[str, Any], list[Any]]] = {}
        self._builds: asyncio.Semaphore | None = None  # made on first use, inside the loop
        self._building: dict[str, tuple[asyncio.Lock, int]] = {}  # sid -> (lock, users)

    async def timeline(self, live: Live) -> tuple[dict[str, Any], list[Any]]:
        sid, store, read = live.session.id, self.store, self.read
        await self.flush(sid)
        async with self._one_build(sid):
            cached = self._timelines.pop(sid, None)
            if cached is not None and await self._unchanged(live, cached[0]):
                self._timelines[sid] = cached  # most recently used last
                return cached[1], cached[2]
            del cached  # a stale one is not kept beside its replacement
            if self._builds is None:
                self._builds = asyncio.Semaphore(self.limits.replay_builds)
            async with self._builds:
                # what the build depends on, read before it: anything stored meanwhile makes
                # the next request build again
                count = await read(store.count_updates, sid)
                chat = await read(store.chat_after, sid, 0, 1_000_000)
                runs = await read(store.runs_after, sid, 0, 1_000_000)
                questions = await read(store.questions, sid)
                log = await read(store.events, sid)
                key = (live.session.phase.value, count, chat[-1]["id"] if chat else 0,
                       runs[-1]["id"] if runs else 0, len(questions), len(log))
                history = await read(store.history, sid)
                info, events = await asyncio.to_thread(timeline.build, live.session, history,
                                                       chat, runs, questions, log)
                del history, chat, runs
            self._timelines[sid] = (key, info, events)
            while len(self._timelines) > self.limits.replay_cached:
                del self._timelines[next(iter(self._timelines))]
            return info, events

    async def _unchanged(self, live: Live, key: Key) -> bool:
        """Whether nothing was added since `key` was read: cheap reads only (one row of chat
        and of runs after the last ids, counts), so a page of a built timeline costs the
        store little whatever the session's length."""
        sid, store, read = live.session.id, self.store, self.read
        return (live.session.phase.value == key[0]
                and await read(store.count_updates, sid) == key[1]
                and not await read(store.chat_after, sid, key[2], 1)
                and not await read(store.runs_after, sid, key[3], 1)
                and len(await read(store.questions, sid)) == key[4]
                and len(await read(store.events, sid)) == key[5])

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
