"""One participant's connection.

Broadcasting never awaits a peer: `send` writes the frame to the socket's transport, whose
buffer holds what the peer has not taken yet. A peer whose buffer passes outbox_max_bytes is cut
with 4008 (slow consumer), so it cannot hold memory or slow anyone else.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from time import monotonic
from typing import Any, Protocol

from collab_protocol import CloseCode, CollabMessage, Message, encode

from ..adapters.websocket import ws_frame
from ..config import Limits
from ..core.ratelimit import TokenBucket, refill
from ..core.tokens import Claims
from .stats import Stats

log = logging.getLogger("collabd.conn")
_ids = itertools.count(1)

# Short names for the close codes this module and its callers send (SPEC 16.2).
CLOSE_GOING_AWAY = CloseCode.GOING_AWAY
CLOSE_TOO_BIG = CloseCode.TOO_BIG
CLOSE_INTERNAL = CloseCode.INTERNAL
CLOSE_TRY_AGAIN = CloseCode.TRY_AGAIN
CLOSE_SLOW = CloseCode.SLOW
CLOSE_RATE = CloseCode.RATE
CLOSE_BAD = CloseCode.BAD
CLOSE_FORBIDDEN = CloseCode.FORBIDDEN
CLOSE_DOC_TOO_LARGE = CloseCode.DOC_TOO_LARGE
CLOSE_PENDING = CloseCode.PENDING

KEEPALIVE_FRAME = b"\x01\x01\x00"  # an awareness update with no entries
SLOW_CLOSE_SECONDS = 1.0


KEEPALIVE_WS_FRAME = ws_frame(KEEPALIVE_FRAME)


class Socket(Protocol):
    """What a connection needs of its WebSocket (adapters/websocket.py)."""

    transport: asyncio.Transport
    received: float  # loop time of the last bytes from the peer

    def close(self, code: int, reason: str = "") -> None: ...
    def ping(self, then: bytes = b"") -> None: ...


class Rates:
    """The refill rates and bursts of a Budget: one per Limits, shared by every budget."""

    __slots__ = ("frames", "frames_burst", "bytes", "bytes_burst", "work", "work_burst")

    def __init__(self, limits: Limits) -> None:
        self.frames = float(limits.message_rate)
        self.frames_burst = float(limits.message_burst)
        self.bytes = float(limits.message_bytes_rate)
        # a frame up to max_frame_bytes must always fit in a full bucket
        self.bytes_burst = float(max(limits.message_bytes_burst, limits.max_frame_bytes))
        self.work = float(limits.update_work_rate)
        # checking updates; a whole max_update_work update must always fit
        self.work_burst = float(max(limits.update_work_burst, limits.max_update_work))


_rates: dict[Limits, Rates] = {}


def rates_of(limits: Limits) -> Rates:
    rates = _rates.get(limits)
    if rates is None:
        if len(_rates) > 64:
            _rates.clear()  # tests make many Limits; a server has one
        rates = _rates[limits] = Rates(limits)
    return rates


class Budget:
    """What a participant may make the server decode and check, charged before the work.
    Kept by the room per participant, so that reconnecting does not refill it. Three token
    buckets (frames, frame bytes, update-checking work) kept flat, with their rates shared:
    one small object per participant (idle memory is benchmarked per connection)."""

    __slots__ = ("rates", "frames", "bytes", "work", "frames_at", "bytes_at", "work_at")

    def __init__(self, limits: Limits, now: float) -> None:
        rates = self.rates = rates_of(limits)
        self.frames = rates.frames_burst
        self.bytes = rates.bytes_burst
        self.work = rates.work_burst
        self.frames_at = self.bytes_at = self.work_at = now

    def admit(self, now: float, size: int) -> bool:
        """One frame of `size` bytes (both buckets must allow it; neither is charged if not)."""
        rates = self.rates
        frames = refill(self.frames, now - self.frames_at, rates.frames, rates.frames_burst)
        got = refill(self.bytes, now - self.bytes_at, rates.bytes, rates.bytes_burst)
        self.frames, self.bytes, self.frames_at, self.bytes_at = frames, got, now, now
        if frames < 1.0 or got < size:
            return False
        self.frames, self.bytes = frames - 1.0, got - size
        return True

    def allow_work(self, now: float, cost: float) -> bool:
        rates = self.rates
        work = refill(self.work, now - self.work_at, rates.work, rates.work_burst)
        self.work_at = now
        if work < cost:
            self.work = work
            return False
        self.work = work - cost
        return True

    def charge_work(self, now: float, cost: float) -> None:
        """Work already done goes into debt, paid back by the refill before anything else."""
        rates = self.rates
        self.work = refill(self.work, now - self.work_at, rates.work, rates.work_burst) - cost
        self.work_at = now


# counts a connection makes before it joins (none in practice): shared, not one per connection
_UNJOINED = Stats()


class Conn:
    """One participant's connection. Frames are written straight to the socket's transport: no
    task per connection, and the transport's own buffer is the outbox, bounded by
    outbox_max_bytes. Each write is one whole frame."""

    __slots__ = ("id", "sock", "transport", "claims", "profile", "user", "limits", "hello",
                 "closed", "close_code", "pending_strikes", "last_sent", "updates", "awareness",
                 "_chat", "_signals", "syncs", "allowance", "stats", "pinged", "budget",
                 "refused", "__weakref__")

    def __init__(self, claims: Claims, profile: dict[str, Any], limits: Limits) -> None:
        now = monotonic()
        self.id = next(_ids)
        self.sock: Socket | None = None
        self.transport: asyncio.Transport | None = None
        self.claims = claims
        self.profile = profile  # pseudonym: {id, name, color, colorLight, role}
        # what the server stamps into this connection's awareness states
        self.user = {k: profile[k] for k in ("name", "color", "colorLight")}
        self.limits = limits
        self.hello = False
        self.closed = False
        self.close_code: int | None = None
        self.pending_strikes = 0
        self.last_sent = now
        self.updates = TokenBucket(limits.update_rate, limits.update_burst, now)
        self.awareness = TokenBucket(limits.awareness_rate, limits.awareness_burst, now)
        # made at first use: most connections never chat or call, and a bucket made now would
        # be full by then anyway (the refill stops at the burst)
        self._chat: TokenBucket | None = None
        self._signals: TokenBucket | None = None
        self.syncs = TokenBucket(limits.sync_rate, limits.sync_burst, now)
        self.allowance = 0  # outbox room beyond the limit for a sync reply still leaving
        self.stats = _UNJOINED  # the hub's, once joined
        self.pinged = 0.0  # when the last ping went out
        self.budget = Budget(limits, now)  # the room swaps in the participant's (Room.welcome)
        self.refused = 0  # frames and collabd messages refused so far

    def __repr__(self) -> str:
        return f"<Conn {self.id} {self.claims.role} {self.claims.pid}>"

    @property
    def chat(self) -> TokenBucket:
        if self._chat is None:
            self._chat = TokenBucket(self.limits.chat_rate, self.limits.chat_burst, monotonic())
        return self._chat

    @property
    def signals(self) -> TokenBucket:
        if self._signals is None:
            self._signals = TokenBucket(self.limits.signal_rate, self.limits.signal_burst,
                                        monotonic())
        return self._signals

    def attach(self, sock: Socket) -> None:
        self.sock = sock
        self.transport = sock.transport

    def send(self, frame: bytes, reply: bool = False) -> None:
        """With `reply`, the frame is a sync reply: it holds the whole document, which may be
        larger than the outbox limit (any document the server accepts must be joinable), so it
        gets room of its own size until it has left."""
        transport = self.transport
        if self.closed or transport is None or transport.is_closing():
            return
        queued = transport.get_write_buffer_size()
        limit = self.limits.outbox_max_bytes
        if reply:
            self.allowance = max(self.allowance, len(frame) + 16)
        elif self.allowance and queued <= limit:
            self.allowance = 0  # the big reply has (mostly) left: back to the plain limit
        if queued + len(frame) > limit + self.allowance:
            log.warning("slow consumer", extra={"conn": self.id, "queued": queued})
            self.close(CLOSE_SLOW, "slow consumer", drop_queued=True)
            return
        transport.write(ws_frame(frame))
        self.stats.deliveries += 1
        self.last_sent = monotonic()

    def admit(self, size: int) -> bool:
        """Charge one frame of `size` bytes before decoding it; False (and the connection
        closed, 4029) if the sender is over its budget."""
        now = monotonic()
        if self.budget.admit(now, size):
            return True
        self.close(CLOSE_RATE, "message rate exceeded")
        return False

    def refuse(self) -> None:
        """Count a refused frame or message; past refused_messages the sender is cut (4400)."""
        self.refused += 1
        if self.refused > self.limits.refused_messages:
            self.close(CLOSE_BAD, "too many refused messages")

    def send_msg(self, msg: Message) -> None:
        self.send(encode(msg))

    def send_collab(self, msg: CollabMessage) -> None:
        """collabd messages go only to clients that said hello; stock Yjs clients never see them."""
        if self.hello:
            self.send(encode(msg))

    def close(self, code: int, reason: str = "", drop_queued: bool = False) -> None:
        """Close after what was sent (an error sent just before is delivered first); with
        drop_queued, give up on a peer that reads nothing (a slow consumer)."""
        if self.closed:
            return
        self.closed = True
        self.close_code = code
        if self.sock is None:
            return
        self.sock.close(code, reason)
        if drop_queued and self.transport is not None:
            # a peer that reads nothing never takes the close frame: give it a moment, then cut
            asyncio.get_running_loop().call_later(SLOW_CLOSE_SECONDS, self.transport.abort)

    def keepalive(self, now: float, ping: float) -> None:
        """Run by the hub's one periodic sweep: a frame at least every keepalive_seconds (stock
        y-websocket reconnects after 30 s of silence), a ping to a peer silent for `ping`
        seconds, and a cut if nothing has come back half that time after the ping (a half-open
        socket)."""
        if self.closed or self.sock is None:
            return
        if self.pinged and self.sock.received < self.pinged:  # no answer yet
            if now - self.pinged >= ping / 2:
                log.info("no answer to ping, cut", extra={"conn": self.id})
                self.close(CLOSE_GOING_AWAY, "no answer to ping", drop_queued=True)
            return
        due_ping = now - self.sock.received >= ping
        if now - self.last_sent >= self.limits.keepalive_seconds:
            if due_ping:  # both in one write: an idle connection costs one syscall per period
                self.pinged = now
                self.sock.ping(KEEPALIVE_WS_FRAME)
            else:
                self.send(KEEPALIVE_FRAME)
        elif due_ping:
            self.pinged = now
            self.sock.ping()
