"""The server side of RFC 6455 on a bare asyncio transport, for /rooms after the handshake.

Why not aiohttp's WebSocketResponse: it reads through a queue and a task per connection and
an `async for` per message, which costs about as much CPU as everything collabd does with an
update, and a parked task plus its buffers per idle connection. Here `data_received` parses
frames and hands each message straight to the room (no task, no await on the hot path), and an
idle connection is a few small objects. aiohttp still does the HTTP part: routing, the checks
before the upgrade, the rest of the API on the same port.

Framing only: binary and text messages (fragmented or not), ping/pong, close. No extensions
are negotiated (no compression), and client frames must be masked.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import Callable
from time import monotonic

from ..runtime.connection import ws_frame

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10
CLOSE_PROTOCOL = 1002
CLOSE_TOO_BIG = 1009


def accept_key(key: str) -> str:
    return base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()


def handshake_response(key: str) -> bytes:
    return (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept_key(key).encode() + b"\r\n\r\n")


def close_frame(code: int, reason: str = "") -> bytes:
    return ws_frame(code.to_bytes(2, "big") + reason.encode()[:120], OP_CLOSE)


def unmask(data: bytes, mask: bytes) -> bytes:
    n = len(data)
    if n == 0:
        return b""
    key = (mask * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "little") ^ int.from_bytes(key, "little")).to_bytes(n, "little")


class FrameProtocol(asyncio.Protocol):
    """Parses client frames; calls `on_message(payload, is_binary)` for each whole message and
    `on_close(code)` once when the connection ends (the peer's close code, or 1006)."""

    def __init__(self, transport: asyncio.Transport, max_message: int,
                 on_message: Callable[[bytes, bool], None],
                 on_close: Callable[[int], None]) -> None:
        self.transport = transport
        self.max_message = max_message
        self.on_message = on_message
        self.on_close = on_close
        self.buf = b""
        self.parts: list[bytes] = []  # fragments of a message in progress
        self.parts_binary = True
        self.parts_size = 0
        self.peer_code: int | None = None
        self.closing = False  # we sent a close frame
        self.received = monotonic()  # of the last bytes from the peer
        self.ended = False

    # -- asyncio callbacks

    def data_received(self, data: bytes) -> None:
        self.received = monotonic()
        if self.closing:
            return  # we are hanging up: nothing more from the peer matters
        buf = self.buf + data if self.buf else data
        pos, end = 0, len(buf)
        while end - pos >= 2 and not self.closing:
            b0, b1 = buf[pos], buf[pos + 1]
            n = b1 & 0x7F
            head = pos + 2
            if n == 126:
                if end - head < 2:
                    break
                n = int.from_bytes(buf[head:head + 2], "big")
                head += 2
            elif n == 127:
                if end - head < 8:
                    break
                n = int.from_bytes(buf[head:head + 8], "big")
                head += 8
            if b0 & 0x70 or not b1 & 0x80:
                self.fail(CLOSE_PROTOCOL, "reserved bits set or frame not masked")
                return
            if n > self.max_message:
                self.fail(CLOSE_TOO_BIG, "frame too large")
                return
            if end - head < 4 + n:
                break
            payload = unmask(buf[head + 4:head + 4 + n], buf[head:head + 4])
            pos = head + 4 + n
            self._frame(b0 & 0x80, b0 & 0x0F, payload)
        self.buf = buf[pos:] if pos < end else b""

    def connection_lost(self, exc: BaseException | None) -> None:
        self._end(self.peer_code or 1006)

    def pause_writing(self) -> None:  # the transport's buffer is the outbox: see Conn.send
        pass

    def resume_writing(self) -> None:
        pass

    # -- frames

    def _frame(self, fin: int, opcode: int, payload: bytes) -> None:
        if opcode >= 8:  # control frames: never fragmented, at most 125 bytes
            if not fin or len(payload) > 125:
                self.fail(CLOSE_PROTOCOL, "bad control frame")
            elif opcode == OP_PING:
                self.send(ws_frame(payload, OP_PONG))
            elif opcode == OP_CLOSE:
                code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
                self.peer_code = code
                if not self.closing:  # echo it, then hang up
                    self.send(ws_frame(payload[:2], OP_CLOSE))
                    self.closing = True
                self.transport.close()
            elif opcode != OP_PONG:
                self.fail(CLOSE_PROTOCOL, "unknown opcode")
            return
        if opcode == OP_CONT:
            if not self.parts:
                self.fail(CLOSE_PROTOCOL, "continuation without a start")
                return
        elif opcode in (OP_TEXT, OP_BINARY):
            if self.parts:
                self.fail(CLOSE_PROTOCOL, "new message inside a fragmented one")
                return
            if fin:
                self.on_message(payload, opcode == OP_BINARY)
                return
            self.parts_binary = opcode == OP_BINARY
        else:
            self.fail(CLOSE_PROTOCOL, "unknown opcode")
            return
        self.parts_size += len(payload)
        if self.parts_size > self.max_message:
            self.fail(CLOSE_TOO_BIG, "message too large")
            return
        self.parts.append(payload)
        if fin:
            message, self.parts, self.parts_size = b"".join(self.parts), [], 0
            self.on_message(message, self.parts_binary)

    # -- our side

    def send(self, data: bytes) -> None:
        if not self.transport.is_closing():
            self.transport.write(data)

    def close(self, code: int, reason: str = "") -> None:
        """Send a close frame after what is queued, then hang up once it is written."""
        if not self.closing:
            self.closing = True
            self.send(close_frame(code, reason))
        self.transport.close()

    def ping(self, then: bytes = b"") -> None:
        """A ping frame, and `then` (whole frames) in the same write."""
        self.send(b"\x89\x00" + then)

    def fail(self, code: int, reason: str) -> None:
        self.close(code, reason)
        self.buf = b""
        self.parts = []

    def _end(self, code: int) -> None:
        if not self.ended:
            self.ended = True
            self.on_close(code)
