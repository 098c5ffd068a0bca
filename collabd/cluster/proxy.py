"""Forwarding a room's WebSocket to the node that owns the room.

The non-owner sends the owner the client's own upgrade request (same path and token, same
Sec-WebSocket-Key, Origin and Host) on a new TCP connection, with a proof that a node of the
cluster already made the pre-upgrade checks. If the owner answers 101, its answer goes to the
client as it is (the accept key fits, since the key is the client's) and from then on the node
copies bytes both ways without parsing them. That is valid WebSocket: the client's frames are
masked, as the owner expects, and the owner's are not, as the client expects; no extension is
negotiated. So every frame, ping, pong and close frame (with its code) passes through
untouched, and the owner's keepalive and half-open detection work end to end. Any other answer
(401, 403, 503, ...) is passed back before the upgrade. If the owner's connection breaks, the
client's is cut too (it reconnects, and lands on whoever owns the room by then).

The node keeps each link in the room's `links` (Cluster.links_for) and cuts them when the room's
lease moves away from that owner: a frozen owner's clients then reconnect to the new owner
instead of waiting for the frozen one to wake.

Flow control: when one side's send buffer is full, reading from the other side pauses.
"""

from __future__ import annotations

import asyncio
import logging
from typing import cast
from urllib.parse import urlsplit

from aiohttp import web

from .node import FORWARD_HEADER

log = logging.getLogger("collabd.cluster.proxy")

CONNECT_TIMEOUT = 3.0
HEAD_LIMIT = 16 * 1024


class Pipe(asyncio.Protocol):
    """One end: what its transport receives is written to the other end's transport."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.other: Pipe | None = None
        self.early = bytearray()  # received before the other end was attached
        self.head: asyncio.Future[bytes] | None = None
        self.gone = False
        self.more = asyncio.Event()  # set when early bytes arrive or the connection ends
        self.links: set[Pipe] | None = None  # the room's forwarded links this one is in

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's are not subclasses

    def data_received(self, data: bytes) -> None:
        other = self.other
        if other is not None and other.transport is not None:
            other.transport.write(data)
            return
        self.early += data
        self.more.set()
        if self.head is not None and not self.head.done():
            if b"\r\n\r\n" in self.early:
                self.head.set_result(bytes(self.early))
            elif len(self.early) > HEAD_LIMIT:
                self.head.set_exception(ConnectionError("answer head too long"))

    def eof_received(self) -> bool:
        return False  # close our side; connection_lost cuts the other

    def connection_lost(self, exc: Exception | None) -> None:
        self.gone = True
        self.more.set()
        if self.links is not None:
            self.links.discard(self)
        if self.head is not None and not self.head.done():
            self.head.set_exception(ConnectionError("owner closed the connection"))
        other = self.other
        if other is not None and other.transport is not None and not other.gone:
            if exc is None:
                other.transport.close()  # after what is buffered: the close frame gets through
            else:
                other.transport.abort()

    def cut(self) -> None:
        """Drop both ends at once (the client reconnects, to whoever owns the room now)."""
        for end in (self, self.other):
            if end is not None and end.transport is not None:
                end.transport.abort()

    def pause_writing(self) -> None:
        if self.other is not None and self.other.transport is not None:
            self.other.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.other is not None and self.other.transport is not None:
            self.other.transport.resume_reading()


def upgrade_request(request: web.Request, proof: str) -> bytes:
    lines = [f"GET {request.path_qs} HTTP/1.1", f"Host: {request.host}",
             "Upgrade: websocket", "Connection: Upgrade",
             f"Sec-WebSocket-Key: {request.headers['Sec-WebSocket-Key']}",
             "Sec-WebSocket-Version: 13", f"{FORWARD_HEADER}: {proof}",
             f"X-Forwarded-For: {request.remote or ''}"]
    for name in ("Origin", "Sec-WebSocket-Protocol", "User-Agent"):
        value = request.headers.get(name)
        if value is not None:
            lines.append(f"{name}: {value}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def parse_head(head: bytes) -> tuple[int, bytes]:
    """(status, what follows the head) of an HTTP answer."""
    top, _, rest = head.partition(b"\r\n\r\n")
    status_line = top.split(b"\r\n", 1)[0].split()
    if len(status_line) < 2 or not status_line[1].isdigit():
        raise ConnectionError("not an HTTP answer")
    return int(status_line[1]), rest


async def forward_websocket(request: web.Request, owner_url: str, proof: str,
                            links: set[Pipe] | None = None) -> web.StreamResponse:
    """Proxy this upgrade request to the owner (see the module's docstring)."""
    owner = urlsplit(owner_url)
    loop = asyncio.get_running_loop()
    upstream = Pipe()
    upstream.head = loop.create_future()
    try:
        await asyncio.wait_for(loop.create_connection(
            lambda: upstream, owner.hostname or "127.0.0.1", owner.port or 80), CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        log.warning("owner unreachable", extra={"owner": owner_url, "error": str(exc)})
        return unavailable("the room's node cannot be reached, retry later")
    assert upstream.transport is not None
    upstream.transport.write(upgrade_request(request, proof))
    try:
        head = await asyncio.wait_for(upstream.head, 10.0)
        status, _ = parse_head(head)
    except (ConnectionError, TimeoutError) as exc:
        upstream.transport.abort()
        log.warning("owner did not answer", extra={"owner": owner_url, "error": str(exc)})
        return unavailable("the room's node did not answer, retry later")
    client = request.transport
    if status != 101:
        body = await read_body(upstream, head)
        upstream.transport.close()
        return web.Response(status=status, body=body, content_type="application/json")
    if client is None or client.is_closing():
        upstream.transport.close()
        return web.Response(status=400)
    # Take the client's socket from aiohttp (as RoomEndpoint._take_over does): the client sends
    # nothing before it has the 101, so aiohttp holds none of its bytes.
    down = Pipe()
    http = client.get_protocol()
    client.set_protocol(down)
    down.connection_made(client)
    request.protocol.transport = None
    http.connection_lost(None)
    down.other, upstream.other = upstream, down
    if links is not None:
        down.links = links
        links.add(down)
    client.write(bytes(upstream.early))  # the 101 and whatever the owner sent after it
    upstream.early.clear()
    if upstream.gone:
        client.close()
    return web.Response(status=101)  # aiohttp writes it nowhere: it let go of the transport


async def read_body(pipe: Pipe, head: bytes) -> bytes:
    """The body of a refused upgrade (Content-Length bytes after the head), briefly."""
    top, _, rest = head.partition(b"\r\n\r\n")
    length = 0
    for line in top.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            length = int(value.strip())
    try:
        async with asyncio.timeout(2.0):
            while len(pipe.early) - (len(top) + 4) < length and not pipe.gone:
                pipe.more.clear()
                await pipe.more.wait()
    except TimeoutError:
        pass
    return bytes(pipe.early[len(top) + 4:len(top) + 4 + length]) or rest


def unavailable(message: str) -> web.Response:
    return web.json_response({"error": {"code": "try_again", "message": message}}, status=503)
