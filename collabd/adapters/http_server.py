"""Running the aiohttp application with the connection-level guards aiohttp lacks.

aiohttp has no bound on the time a client takes to send its request headers (only its
keep-alive timer, 75 s by default under run_app), and nothing counts connections that have not
yet sent a whole request: a slowloris trickling header bytes holds a file descriptor for free.
`GuardedRunner` wraps each connection's protocol:

* a connection has `header_timeout_seconds` to send complete request headers, then it is cut;
* at most `handshakes_per_address` such unfinished connections per remote address; one more is
  closed at once, without a response (SPEC section 3.3).

The keep-alive timeout is set to the same value, which bounds the headers of later requests on
a kept-alive connection too. A request aiohttp cannot parse (an over-long URL or header, a bad
method) gets the JSON error body of SPEC 3.3 rather than aiohttp's plain text, which also quoted
the request's bytes back. `serve` replaces `web.run_app` for the CLI.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import LineTooLong
from aiohttp.web_protocol import RequestHandler

from ..config import Limits


class HandshakeGuard:
    def __init__(self, per_address: int, header_timeout: float) -> None:
        self.per_address = per_address
        self.header_timeout = header_timeout
        self.pending: dict[str, int] = {}
        self.refused = 0  # connections closed at once: too many unfinished ones from there
        self.expired = 0  # connections cut for taking too long over their headers

    def admit(self, addr: str) -> bool:
        n = self.pending.get(addr, 0)
        if n >= self.per_address:
            self.refused += 1
            return False
        self.pending[addr] = n + 1
        return True

    def release(self, addr: str) -> None:
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
        self.addr: str | None = None  # set while the request headers are incomplete
        self.made = False
        self.tail = b""
        self.timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        peer = transport.get_extra_info("peername")
        addr = str(peer[0]) if isinstance(peer, tuple) and peer else "?"
        if not self.guard.admit(addr):
            assert isinstance(transport, asyncio.Transport)
            transport.abort()
            return
        self.addr = addr
        self.timer = asyncio.get_running_loop().call_later(
            self.guard.header_timeout, self._expire, transport)
        self.made = True
        self.inner.connection_made(transport)

    def _expire(self, transport: asyncio.BaseTransport) -> None:
        self.timer = None
        if self.addr is not None:
            self.guard.expired += 1
            self._headers_done()
            assert isinstance(transport, asyncio.Transport)
            transport.abort()

    def _headers_done(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if self.addr is not None:
            self.guard.release(self.addr)
            self.addr = None

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
        kwargs.setdefault("keepalive_timeout", limits.header_timeout_seconds)
        super().__init__(app, **kwargs)
        self.guard = HandshakeGuard(limits.handshakes_per_address, limits.header_timeout_seconds)

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
