"""Running the aiohttp application with the connection-level guards aiohttp lacks.

aiohttp has no bound on the time a client takes to send its request headers (only its
keep-alive timer, 75 s by default under run_app), and nothing counts connections that have not
yet sent a whole request: a slowloris trickling header bytes holds a file descriptor for free.
`GuardedRunner` wraps each connection's protocol:

* a connection has `header_timeout_seconds` to send complete request headers, then it is cut;
* at most `handshakes_per_address` such unfinished connections per remote address (an IPv6
  /64; a trusted proxy is exempt, adapters/addresses.py); one more is closed at once, without a
  response (SPEC section 3.3);
* at most `handshakes_max` unfinished connections in all, and new connections never take the
  last `fd_reserve` descriptors (RLIMIT_NOFILE): past either, the oldest unfinished connection
  is cut to make room, and if there is none the new one is closed at once.

An idle kept-alive connection is closed after `http_idle_seconds`: longer than HTTP clients keep
pooled connections, so a client never sends a request on a connection the server is closing.
A request aiohttp cannot parse (an over-long URL or header, a bad method) gets the JSON error
body of SPEC 3.3 rather than aiohttp's plain text, which also quoted the request's bytes back.
`serve` replaces `web.run_app` for the CLI.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import resource
from collections.abc import Callable
from typing import Any, Protocol, cast

from aiohttp import web
from aiohttp.http_exceptions import LineTooLong
from aiohttp.web_protocol import RequestHandler

from ..config import Limits
from .addresses import TrustedProxies, address_key


class Admission(Protocol):
    """What the guard needs of the app (its RoomEndpoint, under ADMISSION)."""

    trusted: TrustedProxies

    def established(self) -> int: ...  # connections handed over to WebSocket rooms


ADMISSION = web.AppKey("admission", Admission)


class HandshakeGuard:
    def __init__(self, limits: Limits, trusted: TrustedProxies | None = None,
                 established: Callable[[], int] = lambda: 0) -> None:
        self.per_address = limits.handshakes_per_address
        self.header_timeout = limits.header_timeout_seconds
        self.max_waiting = limits.handshakes_max
        self.fd_reserve = limits.fd_reserve
        self.trusted = trusted or TrustedProxies(())
        self.established = established  # connections handed over to WebSocket rooms
        self.pending: dict[str, int] = {}
        self.waiting: dict[GuardedProtocol, None] = {}  # without complete headers, oldest first
        self.live = 0  # connections served through the guard, not handed over
        # counted for /metrics (metrics.py)
        self.refused = 0  # connections closed at once: too many unfinished ones from there
        self.refused_reserve = 0  # closed at once: only the descriptor reserve was left
        self.expired = 0  # connections cut for taking too long over their headers
        self.shed = 0  # unfinished connections cut to make room for a new one (handshakes_max)
        self.shed_reserve = 0  # the same, for the descriptor reserve

    def admit(self, proto: GuardedProtocol, peer: str) -> bool:
        key = address_key(peer)
        if self.pending.get(key, 0) >= self.per_address and not self.trusted.trusts(peer):
            self.refused += 1
            return False
        while self.waiting:
            if len(self.waiting) >= self.max_waiting:
                self.shed += 1
            elif self._short():
                self.shed_reserve += 1
            else:
                break
            next(iter(self.waiting)).cut()
        if self._short():
            self.refused_reserve += 1
            return False
        self.pending[key] = self.pending.get(key, 0) + 1
        self.waiting[proto] = None
        self.live += 1
        proto.addr = key
        return True

    def _short(self) -> bool:
        """Would one more connection take a descriptor of the reserve?"""
        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        if soft == resource.RLIM_INFINITY:
            return False
        return self.live + self.established() + 1 + self.fd_reserve > soft

    def release(self, proto: GuardedProtocol, addr: str) -> None:
        self.waiting.pop(proto, None)
        n = self.pending.get(addr, 0) - 1
        if n > 0:
            self.pending[addr] = n
        else:
            self.pending.pop(addr, None)

    def wrap(self, factory: Callable[[], asyncio.Protocol]) -> Callable[[], asyncio.Protocol]:
        def make() -> asyncio.Protocol:
            inner = factory()
            if type(inner) is RequestHandler:
                inner.__class__ = JsonErrors  # same slots: only handle_error differs
            return GuardedProtocol(self, inner)

        return make


GUARD = web.AppKey("guard", HandshakeGuard)


class JsonErrors(RequestHandler):
    """aiohttp's request handler, answering what it cannot parse with a JSON error."""

    __slots__ = ()

    def handle_error(self, request: Any, status: int = 500, exc: BaseException | None = None,
                     message: str | None = None) -> web.StreamResponse:
        plain = super().handle_error(request, status, exc, message)  # logs it, checks state
        if plain.status != 400:
            return plain
        if isinstance(exc, LineTooLong):
            code, text = "request_too_long", "the URL or a header line is too long"
        else:
            code, text = "bad_request", "the request is not valid HTTP"
        answer = web.json_response({"error": {"code": code, "message": text}},
                                   status=plain.status)
        answer.force_close()
        return answer


class GuardedProtocol(asyncio.Protocol):
    """Forwards every protocol callback to aiohttp's handler; counts and times the handshake."""

    def __init__(self, guard: HandshakeGuard, inner: asyncio.Protocol) -> None:
        self.guard = guard
        self.inner = inner
        self.addr: str | None = None  # the address key, while the request headers are incomplete
        self.made = False
        self.counted = False  # in guard.live
        self.transport: asyncio.Transport | None = None
        self.tail = b""
        self.timer: asyncio.TimerHandle | None = None

    def connection_made(self, base: asyncio.BaseTransport) -> None:
        transport = cast(asyncio.Transport, base)  # uvloop's are not asyncio.Transport
        peer = transport.get_extra_info("peername")
        addr = str(peer[0]) if isinstance(peer, tuple) and peer else "?"
        if not self.guard.admit(self, addr):  # sets self.addr
            transport.abort()
            return
        self.counted = True
        self.transport = transport
        self.timer = asyncio.get_running_loop().call_later(
            self.guard.header_timeout, self._expire, transport)
        self.made = True
        self.inner.connection_made(transport)

    def _expire(self, transport: asyncio.BaseTransport) -> None:
        self.timer = None
        if self.addr is not None:
            self.guard.expired += 1
            self.cut()

    def _headers_done(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if self.addr is not None:
            self.guard.release(self, self.addr)
            self.addr = None

    def _uncount(self) -> None:
        if self.counted:
            self.counted = False
            self.guard.live -= 1

    def cut(self) -> None:
        """Shed: the oldest unfinished connection makes room for a new one."""
        self._headers_done()
        self._uncount()
        if self.transport is not None:
            self.transport.abort()

    def data_received(self, data: bytes) -> None:
        if self.addr is not None:
            seen = self.tail + data
            if b"\r\n\r\n" in seen or b"\n\n" in seen:
                self._headers_done()
            else:
                self.tail = seen[-3:]
        if self.made:
            self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received() if self.made else None

    def connection_lost(self, exc: Exception | None) -> None:
        self._headers_done()
        self._uncount()  # closed, or handed over to a WebSocket room (counted there)
        if self.made:
            self.inner.connection_lost(exc)

    def pause_writing(self) -> None:
        if self.made:
            self.inner.pause_writing()

    def resume_writing(self) -> None:
        if self.made:
            self.inner.resume_writing()


class GuardedRunner(web.AppRunner):
    """An AppRunner whose sites serve through the handshake guard."""

    def __init__(self, app: web.Application, limits: Limits, **kwargs: Any) -> None:
        kwargs.setdefault("access_log", None)  # request lines carry join tokens
        kwargs.setdefault("keepalive_timeout", limits.http_idle_seconds)
        super().__init__(app, **kwargs)
        rooms = app.get(ADMISSION)
        self.guard = (HandshakeGuard(limits, rooms.trusted, rooms.established)
                      if rooms is not None else HandshakeGuard(limits))
        app[GUARD] = self.guard  # its counters, for /metrics

    @property
    def server(self) -> Any:
        inner = super().server
        return None if inner is None else self.guard.wrap(inner)


def serve(app: web.Application, host: str, port: int, limits: Limits,
          shutdown_timeout: float = 10.0) -> None:
    """What `web.run_app` does for us, with the guard: serve until SIGINT/SIGTERM."""

    async def main() -> None:
        runner = GuardedRunner(app, limits, handle_signals=True,
                               shutdown_timeout=shutdown_timeout)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
            # What is loaded by now (modules, classes, the app) lives as long as the process:
            # the cyclic collector need not walk it again at every full collection.
            gc.collect()
            gc.freeze()
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

    # Not asyncio.run: it would cancel every task at once, WebSocket handlers included, before
    # the runner's cleanup closes their sockets with 1001. Stop the main task first (as run_app).
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    task = loop.create_task(main())
    try:
        loop.run_until_complete(task)
    except (web.GracefulExit, KeyboardInterrupt):
        pass
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            loop.run_until_complete(task)
        rest = asyncio.all_tasks(loop)
        for t in rest:
            t.cancel()
        loop.run_until_complete(asyncio.gather(*rest, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
