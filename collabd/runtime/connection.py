"""One participant's WebSocket: a bounded outbox drained by its own writer task.

Broadcasting never awaits a peer: `send` only queues. A peer whose queue passes the bounds is
closed with 4008 (slow consumer) so it cannot hold memory or slow anyone else.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import deque
from typing import Any

from aiohttp import web

from collab_protocol import CollabMessage, Message, encode

from ..config import Limits
from ..core.ratelimit import TokenBucket
from ..core.tokens import Claims

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


class Conn:
    def __init__(self, ws: web.WebSocketResponse, claims: Claims, profile: dict[str, Any],
                 limits: Limits, transport: asyncio.BaseTransport | None = None) -> None:
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
        self._outbox: deque[bytes] = deque()
        self._outbox_bytes = 0
        self._wake = asyncio.Event()
        self._close_reason = b""
        self.writer = loop.create_task(self._write_loop())

    def __repr__(self) -> str:
        return f"<Conn {self.id} {self.claims.role} {self.claims.pid}>"

    def send(self, frame: bytes) -> None:
        if self.closed:
            return
        if (len(self._outbox) >= self.limits.outbox_max_frames
                or self._outbox_bytes + len(frame) > self.limits.outbox_max_bytes):
            log.warning("slow consumer", extra={"conn": self.id, "queued": len(self._outbox)})
            self.close(CLOSE_SLOW, "slow consumer", drop_queued=True)
            return
        self._outbox.append(frame)
        self._outbox_bytes += len(frame)
        self._wake.set()

    def send_msg(self, msg: Message) -> None:
        self.send(encode(msg))

    def send_collab(self, msg: CollabMessage) -> None:
        """collabd messages go only to clients that said hello; stock Yjs clients never see them."""
        if self.hello:
            self.send(encode(msg))

    def close(self, code: int, reason: str = "", drop_queued: bool = False) -> None:
        """Close after the queued frames went out (an error before the close is delivered);
        with drop_queued, at once (a slow consumer would never drain its queue)."""
        if self.closed:
            return
        self.closed = True
        self.close_code = code
        self._close_reason = reason.encode()[:120]
        if drop_queued:
            self._outbox.clear()
            asyncio.get_running_loop().create_task(self._close_now())
        self._wake.set()

    async def _close_now(self) -> None:
        # A peer that reads nothing may never take the close frame: give it a moment, then cut.
        try:
            await asyncio.wait_for(
                self.ws.close(code=self.close_code or CLOSE_SLOW, message=self._close_reason),
                SLOW_CLOSE_SECONDS,
            )
            return
        except (TimeoutError, ConnectionError, RuntimeError):
            pass
        if self.transport is not None:
            self.transport.abort()  # close() would wait for a buffer that never drains

    async def _write_loop(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                while self._outbox:
                    frame = self._outbox.popleft()
                    self._outbox_bytes -= len(frame)
                    await self.ws.send_bytes(frame)
                    self.last_sent = loop.time()
                if self.closed:
                    break
                self._wake.clear()
                await self._wake.wait()
            if self.close_code is not None and not self.ws.closed:
                await self.ws.close(code=self.close_code, message=self._close_reason)
        except (ConnectionError, RuntimeError):
            self.closed = True  # the socket went away under us; the reader will notice

    def keepalive(self, now: float) -> None:
        if now - self.last_sent >= self.limits.keepalive_seconds and not self._outbox:
            self.send(KEEPALIVE_FRAME)
            self.last_sent = now

    async def finish(self) -> None:
        """The reader is done: let the writer flush what is queued, then stop."""
        self.closed = True
        self._wake.set()
        await asyncio.gather(self.writer, return_exceptions=True)
