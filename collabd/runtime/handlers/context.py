"""What a message handler is given: the room, the sender's connection, the session (if the
room is an interview's), the store, the limits and a clock. Handlers import this module and
nothing of `Services`, so no concern depends on another or on the services around them."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import msgpack  # type: ignore[import-untyped]  # ships no type hints

from collab_protocol import CollabMessage, Error

from ...config import Limits, Settings
from ...core.ratelimit import TokenBucket
from ..connection import Conn
from ..live import Live, now_ms
from ..stats import Stats

if TYPE_CHECKING:
    from ..room import Room
    from .recording import Recorder

T = TypeVar("T")
M = TypeVar("M", bound=CollabMessage)

HISTORY_CHUNK = 200  # rows read from the store at once for chat and run histories
HISTORY_FRAME_OVERHEAD = 64  # type, length, map header, "t", "messages", array header


class Host(Protocol):
    """What handlers need of the services around them: the store's worker thread, and
    changes of the session (persisted before anyone hears of them)."""

    @property
    def store(self) -> Any: ...
    @property
    def settings(self) -> Settings: ...
    @property
    def stats(self) -> Stats: ...

    async def read(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T: ...
    async def write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T: ...
    async def mutate(self, live: Live, fn: Any, *args: Any,
                     on_durable: Callable[[], None] | None = None) -> list[str]: ...
    async def timeline(self, live: Live) -> tuple[dict[str, Any], list[Any]]: ...


@dataclass
class Buckets:
    """A connection's rates for the messages that make the server write or build."""

    runs: TokenBucket
    saves: TokenBucket
    timeline: TokenBucket

    @classmethod
    def for_limits(cls, lim: Limits, now: float) -> Buckets:
        return cls(TokenBucket(lim.run_rate, lim.run_burst, now),
                   TokenBucket(lim.save_rate, lim.save_burst, now),
                   TokenBucket(lim.timeline_rate, lim.timeline_burst, now))


@dataclass
class RoomShared:
    """What the handlers keep per loaded room (dropped when the room unloads)."""

    # chat ids are handed out, stored and sent in one order
    chat_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # runs, the question and notes: stored and sent in one order; greetings read under it
    save_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    in_call: set[str] = field(default_factory=set)  # participants who offered or answered
    buckets: dict[Conn, Buckets] = field(default_factory=dict)
    recorders: dict[str, Recorder] = field(default_factory=dict)  # participant id -> uploads


class Ctx:
    """One message's context."""

    __slots__ = ("host", "room", "conn", "live", "shared")

    def __init__(self, host: Host, room: Room, conn: Conn, live: Live | None,
                 shared: RoomShared) -> None:
        self.host = host
        self.room = room
        self.conn = conn
        self.live = live
        self.shared = shared

    @property
    def limits(self) -> Limits:
        return self.room.limits

    @property
    def store(self) -> Any:
        return self.host.store

    @staticmethod
    def now_ms() -> int:
        return now_ms()

    @staticmethod
    def loop_time() -> float:
        return asyncio.get_running_loop().time()

    def error(self, code: str, text: str, nonce: str = "") -> None:
        self.conn.send_collab(Error(code, text, nonce))

    def sender(self) -> dict[str, Any]:
        """The sender's pseudonym as stamped on what it posts: {id, name, color}."""
        profile = self.conn.profile
        return {"id": profile["id"], "name": profile["name"], "color": profile["color"]}

    def buckets(self) -> Buckets:
        b = self.shared.buckets.get(self.conn)
        if b is None:
            b = self.shared.buckets[self.conn] = Buckets.for_limits(self.conn.limits,
                                                                    self.loop_time())
        return b

    def to_hello(self, msg: CollabMessage, only_pid: str | None = None) -> None:
        """Send `msg` to every connection of the room that said hello (or only `only_pid`'s)."""
        for c in self.room.conns:
            if c.hello and (only_pid is None or c.claims.pid == only_pid):
                c.send_collab(msg)


Handler = Callable[[Ctx, Any], Awaitable[None]]


def split_by_bytes(rows: list[dict[str, Any]], budget: int) -> list[list[dict[str, Any]]]:
    """Consecutive runs of rows whose MessagePack encodings add up to at most `budget` bytes
    (at least one row each), so that no history frame exceeds the frame limit."""
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


async def send_history(ctx: Ctx, read_rows: Callable[..., list[dict[str, Any]]], after: int,
                       make: Callable[[list[dict[str, Any]]], CollabMessage]) -> None:
    """Rows after id `after`, in frames under the frame limit; at least one (maybe empty)."""
    budget = ctx.limits.max_frame_bytes - HISTORY_FRAME_OVERHEAD
    first = True
    while True:
        rows = await ctx.host.read(read_rows, ctx.room.name, after, HISTORY_CHUNK)
        for chunk in split_by_bytes(rows, budget):
            if chunk or first:
                ctx.conn.send_collab(make(chunk))
            first = False
        if len(rows) < HISTORY_CHUNK:
            break
        after = rows[-1]["id"]
