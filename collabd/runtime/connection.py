"""One participant's WebSocket.

Broadcasting never awaits a peer: `send` writes the frame to the socket's transport, whose
buffer holds what the peer has not taken yet. A peer whose buffer passes outbox_max_bytes is cut
with 4008 (slow consumer), so it cannot hold memory or slow anyone else.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from typing import Any

from aiohttp import web

from collab_protocol import CollabMessage, Message, encode

from ..config import Limits
from ..core.ratelimit import TokenBucket
from ..core.tokens import Claims
from .stats import Stats

log = logging.getLogger("collabd.conn")
_ids = itertools.count(1)

CLOSE_GOING_AWAY = 1001
CLOSE_TOO_BIG = 1009
CLOSE_INTERNAL = 1011
CLOSE_SLOW = 4008
CLOSE_RATE = 4029
CLOSE_BAD = 4400
CLOSE_FORBIDDEN = 4403
CLOSE_DOC_TOO_LARGE = 4413
CLOSE_PENDING = 4422

KEEPALIVE_FRAME = b"\x01\x01\x00"  # an awareness update with no entries
SLOW_CLOSE_SECONDS = 1.0


def ws_frame(payload: bytes) -> bytes:
    """A final, unmasked binary WebSocket frame (RFC 6455 5.2), as servers send them."""
    n = len(payload)
    if n < 126:
        return bytes((0x82, n)) + payload
    if n < 65536:
        return bytes((0x82, 126)) + n.to_bytes(2, "big") + payload
    return bytes((0x82, 127)) + n.to_bytes(8, "big") + payload


class Conn:
    """Frames are written straight to the socket's transport: no task per connection, and the
    transport's own buffer is the outbox, bounded by outbox_max_bytes. aiohttp still owns the
    handshake, reading, pings and the close frame; each of our writes is one whole frame, so
    they never interleave with its frames."""

    def __init__(self, ws: web.WebSocketResponse, claims: Claims, profile: dict[str, Any],
                 limits: Limits, transport: asyncio.WriteTransport | None = None) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        self.id = next(_ids)
        self.ws = ws
        self.transport = transport
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
        self.chat = TokenBucket(limits.chat_rate, limits.chat_burst, now)
        self.signals = TokenBucket(limits.signal_rate, limits.signal_burst, now)
        self.syncs = TokenBucket(limits.sync_rate, limits.sync_burst, now)
        self.allowance = 0  # outbox room beyond the limit for a sync reply still leaving
        self.stats = Stats()  # the hub's, once joined
        self._loop = loop
        self._closing_task: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"<Conn {self.id} {self.claims.role} {self.claims.pid}>"

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
        self.last_sent = self._loop.time()


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
        coro = self._close_now(reason) if drop_queued else self._close(reason)
        self._closing_task = self._loop.create_task(coro)

    async def _close(self, reason: str) -> None:
        try:
            await self.ws.close(code=self.close_code or 1000, message=reason.encode()[:120])
        except (ConnectionError, RuntimeError):
            pass

    async def _close_now(self, reason: str) -> None:
        # A peer that reads nothing may never take the close frame: give it a moment, then cut.
        try:
            await asyncio.wait_for(self._close(reason), SLOW_CLOSE_SECONDS)
            return
        except TimeoutError:
            pass
        if self.transport is not None:
            self.transport.abort()  # close() would wait for a buffer that never drains

    def keepalive(self, now: float) -> None:
        if now - self.last_sent >= self.limits.keepalive_seconds:
            self.send(KEEPALIVE_FRAME)

    async def finish(self) -> None:
        """The reader is done; let a close in progress end."""
        self.closed = True
        if self._closing_task is not None:
            await asyncio.gather(self._closing_task, return_exceptions=True)
