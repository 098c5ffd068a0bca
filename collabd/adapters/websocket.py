"""The server side of RFC 6455 on a bare asyncio transport, for /rooms after the handshake.

Why not aiohttp's WebSocketResponse: it reads through a queue and a task per connection and
an `async for` per message, which costs about as much CPU as everything collabd does with an
update, and a parked task plus its buffers per idle connection. Here `data_received` parses
frames and hands each message straight to the room (no task, no await on the hot path), and an
idle connection is a few small objects. aiohttp still does the HTTP part: routing, the checks
before the upgrade, the rest of the API on the same port.

Framing only, both ways (the frames the runtime sends are built here too, by `ws_frame`):
binary and text messages (fragmented or not), ping/pong, close. No extensions are negotiated
(no compression), and client frames must be masked.

What a message in progress may hold (docs/security.md, "Frames and connections"): bytes of an
incomplete frame wait in one bytearray read from an offset (linear in what arrives, however it
is split), and fragments are appended to one bytearray. Each fragment is charged its payload,
its header and FRAGMENT_COST, against `max_frame_bytes` (1009 past it), so a message in
progress costs O(max_frame_bytes) per connection whatever its fragmentation. Across
connections, the bytes so held are charged to a `PartialBudget`; past it the connection holding
the most is closed with 1013. The common case (a whole frame per read, not fragmented) touches
none of this.

The tests compare this parser with `websockets.protocol.Protocol` on random byte streams
(tests/server/test_websocket_differential.py). It is stricter on purpose in three places:
non-minimal length encodings and 64-bit lengths with the top bit set are 1002 (RFC 6455 5.2),
and fragments are charged their overhead.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import Callable
from time import monotonic

from collab_protocol import CloseCode

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10
BAD_OPCODES = 0xF8F8  # bit i set: opcode i is reserved (3-7, 11-15)
CLOSE_NO_STATUS = 1005  # never on the wire: what an empty close payload means
CLOSE_PROTOCOL = CloseCode.PROTOCOL_ERROR
CLOSE_BAD_DATA = CloseCode.BAD_DATA
CLOSE_TOO_BIG = CloseCode.TOO_BIG
CLOSE_TRY_AGAIN = CloseCode.TRY_AGAIN
# close codes a peer may send (RFC 6455 7.4, the IANA registry): 1004-1006 and 1015 are
# reserved, 1016-2999 unassigned; 3000-4999 are for libraries and applications
PEER_CODES = frozenset((1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013,
                        1014))
FRAGMENT_COST = 64  # bytes charged per fragment besides its payload and header
REASON_BYTES = 120  # a close payload is at most 125 bytes


def accept_key(key: str) -> str:
    return base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()


def handshake_response(key: str) -> bytes:
    return (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept_key(key).encode() + b"\r\n\r\n")


def ws_frame(payload: bytes, opcode: int = OP_BINARY) -> bytes:
    """A final, unmasked WebSocket frame (RFC 6455 5.2), as servers send them; binary unless
    another opcode is given. Built here, beside the parser, so the framing is one module."""
    n = len(payload)
    if n < 126:
        return bytes((0x80 | opcode, n)) + payload
    if n < 65536:
        return bytes((0x80 | opcode, 126)) + n.to_bytes(2, "big") + payload
    return bytes((0x80 | opcode, 127)) + n.to_bytes(8, "big") + payload


def valid_close_code(code: int) -> bool:
    return code in PEER_CODES or 3000 <= code < 5000


def close_frame(code: int, reason: str = "") -> bytes:
    """A close frame with a code a peer accepts and a reason cut to whole UTF-8 characters."""
    if not valid_close_code(code):
        code = 1011  # a bug of ours; never put a reserved code on the wire
    text = reason.encode()[:REASON_BYTES].decode(errors="ignore").encode()
    return ws_frame(code.to_bytes(2, "big") + text, OP_CLOSE)


def unmask(data: bytes, mask: bytes) -> bytes:
    n = len(data)
    if n == 0:
        return b""
    key = (mask * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "little") ^ int.from_bytes(key, "little")).to_bytes(n, "little")


class PartialBudget:
    """Bytes held for messages in progress (incomplete frames and fragments) by all connections
    together. Past `limit`, the connection holding the most is closed (1013): the bytes that
    filled the budget are its own."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.total = 0
        self.holders: set[FrameProtocol] = set()
        self.shed = 0  # connections closed to stay under the limit

    def charge(self, sock: FrameProtocol, delta: int) -> None:
        self.total += delta
        if sock.held:
            self.holders.add(sock)
        else:
            self.holders.discard(sock)
        while self.total > self.limit and self.holders:
            victim = max(self.holders, key=held_bytes)
            self.shed += 1
            victim.fail(CLOSE_TRY_AGAIN, "server busy: too many bytes in partial messages")


def held_bytes(sock: FrameProtocol) -> int:
    return sock.held


# Every connection with no incomplete frame shares this one (never appended to: `buf` only
# grows when it is non-empty), instead of an empty bytearray each (idle memory per connection).
EMPTY = bytearray()


class FrameProtocol(asyncio.Protocol):
    """Parses client frames; calls `on_message(payload, is_binary)` for each whole message and
    `on_close(code)` once when the connection ends (the peer's close code, or 1006)."""

    def __init__(self, transport: asyncio.Transport, max_message: int,
                 on_message: Callable[[bytes, bool], None],
                 on_close: Callable[[int], None], budget: PartialBudget) -> None:
        self.transport = transport
        self.max_message = max_message
        self.on_message = on_message
        self.on_close = on_close
        self.budget = budget
        self.buf = EMPTY  # bytes from the start of an incomplete frame on
        self.need = 0  # length `buf` must reach before it is worth parsing again
        self.left = max_message  # what the next frame's payload may be
        self.parts: bytearray | None = None  # a fragmented message in progress
        self.parts_binary = True
        self.charged = 0  # payload and overhead of the fragments in `parts`
        self.held = 0  # charged to the budget: rest of `buf` and `charged`
        self.peer_code: int | None = None
        self.closing = False  # we sent a close frame
        self.halted = False  # closing, or paused: frames wait in `buf`
        self.received = monotonic()  # of the last bytes from the peer
        self.ended = False

    # -- asyncio callbacks

    def data_received(self, data: bytes) -> None:
        self.received = monotonic()
        if self.closing:
            return  # we are hanging up: nothing more from the peer matters
        if self.buf:  # an incomplete frame is waiting: append (linear, however it trickles)
            buf = self.buf
            buf += data
            if len(buf) < self.need:
                self._account()
                return
            data = bytes(buf)  # one copy per frame (at most one per header step before)
            self.buf = EMPTY
        self._parse(data)

    def _parse(self, buf: bytes) -> None:
        pos, end, need = 0, len(buf), 2
        while end - pos >= 2 and not self.halted:
            b0, b1 = buf[pos], buf[pos + 1]
            if (BAD_OPCODES >> (b0 & 0x0F)) & 1 or not b1 & 0x80:
                self.fail(CLOSE_PROTOCOL, "reserved opcode or frame not masked")
                return
            n = b1 & 0x7F
            head = pos + 2
            if n >= 126:
                if n == 126:
                    if end - head < 2:
                        need = 4
                        break
                    n = int.from_bytes(buf[head:head + 2], "big")
                    head += 2
                    short = n < 126
                else:
                    if end - head < 8:
                        need = 10
                        break
                    n = int.from_bytes(buf[head:head + 8], "big")
                    head += 8
                    short = n < 65536 or n >> 63 != 0
                if short:
                    self.fail(CLOSE_PROTOCOL, "length not minimally encoded or too large")
                    return
            if n > self.left:
                self.fail(CLOSE_TOO_BIG, "message too large")
                return
            if end - head < 4 + n:
                need = head + 4 + n - pos
                break
            if b0 & 0x70:
                self.fail(CLOSE_PROTOCOL, "reserved bits set")
                return
            payload = unmask(buf[head + 4:head + 4 + n], buf[head:head + 4])
            start, pos = pos, head + 4 + n
            if b0 == 0x82 and self.parts is None:  # the common case: a whole binary message
                self.on_message(payload, True)
            else:
                self._frame(b0, payload, head + 4 - start)
        if pos < end:
            self._keep(buf, pos, need)
        elif self.held:
            self._account()

    def _keep(self, buf: bytes, pos: int, need: int) -> None:
        """Bytes of an incomplete frame wait in `buf`, until `need` of them are there."""
        if self.closing:
            return
        self.buf = bytearray(memoryview(buf)[pos:])
        # paused: whatever arrives is only appended; resume() parses it
        self.need = need if not self.halted else 1 << 62
        self._account()

    def _account(self) -> None:
        held = self.charged + len(self.buf)
        delta = held - self.held
        if delta:
            self.held = held
            self.budget.charge(self, delta)

    def connection_lost(self, exc: BaseException | None) -> None:
        self._release()
        self._end(self.peer_code or 1006)

    def pause_writing(self) -> None:  # the transport's buffer is the outbox: see Conn.send
        pass

    def resume_writing(self) -> None:
        pass

    def pause(self) -> None:
        """Backpressure (Link's backlog): parse nothing more and stop reading the socket."""
        if not self.halted:
            self.halted = True
            self.transport.pause_reading()

    def resume(self) -> None:
        """Parse what waited, then read the socket again (unless that paused us again)."""
        if self.halted and not self.closing:
            self.halted = False
            if self.buf:
                data = bytes(self.buf)
                self.buf = EMPTY
                self._parse(data)
            if not self.halted:
                self.transport.resume_reading()

    # -- frames

    def _frame(self, b0: int, payload: bytes, header: int) -> None:
        fin, opcode = b0 & 0x80, b0 & 0x0F
        if opcode >= 8:  # control frames: never fragmented, at most 125 bytes
            if not fin or len(payload) > 125:
                self.fail(CLOSE_PROTOCOL, "bad control frame")
            elif opcode == OP_PING:
                self.send(ws_frame(payload, OP_PONG))
            elif opcode == OP_CLOSE:
                self._peer_closed(payload)
            return  # a pong
        parts = self.parts
        if opcode == OP_CONT:
            if parts is None:
                self.fail(CLOSE_PROTOCOL, "continuation without a start")
                return
            parts += payload
        else:
            if parts is not None:
                self.fail(CLOSE_PROTOCOL, "new message inside a fragmented one")
                return
            if fin:
                self.on_message(payload, opcode == OP_BINARY)
                return
            parts = self.parts = bytearray(payload)
            self.parts_binary = opcode == OP_BINARY
        self.charged += len(payload) + header + FRAGMENT_COST
        self.left = self.max_message - self.charged
        if self.left < 0:
            self.fail(CLOSE_TOO_BIG, "message too large (fragments count their overhead)")
            return
        if fin:
            self.parts, self.charged, self.left = None, 0, self.max_message
            self._account()
            self.on_message(bytes(parts), self.parts_binary)
        else:
            self._account()

    def _peer_closed(self, payload: bytes) -> None:
        """Answer a close frame with a valid one (RFC 6455 5.5.1, 7.4), then hang up."""
        code = CLOSE_NO_STATUS
        if payload:
            if len(payload) == 1:
                self.fail(CLOSE_PROTOCOL, "close payload of one byte")
                return
            try:
                payload[2:].decode()
            except UnicodeDecodeError:
                self.fail(CLOSE_BAD_DATA, "close reason is not UTF-8")
                return
            code = int.from_bytes(payload[:2], "big")
            if not valid_close_code(code):
                self.fail(CLOSE_PROTOCOL, "invalid close code")
                return
        self.peer_code = code
        if not self.closing:  # echo the code (an empty close gets an empty one)
            self.send(ws_frame(payload[:2], OP_CLOSE))
            self.closing = self.halted = True
        self._release()
        self.transport.close()

    # -- our side

    def send(self, data: bytes) -> None:
        if not self.transport.is_closing():
            self.transport.write(data)

    def close(self, code: int, reason: str = "") -> None:
        """Send a close frame after what is queued, then hang up once it is written."""
        if not self.closing:
            self.closing = self.halted = True
            self.send(close_frame(code, reason))
        self._release()
        self.transport.close()

    def ping(self, then: bytes = b"") -> None:
        """A ping frame, and `then` (whole frames) in the same write."""
        self.send(b"\x89\x00" + then)

    def fail(self, code: int, reason: str) -> None:
        self.close(code, reason)

    def _release(self) -> None:
        """Forget the message in progress and give its bytes back to the budget."""
        self.buf = EMPTY
        self.parts = None
        self.charged = 0
        self.left = self.max_message
        self._account()

    def _end(self, code: int) -> None:
        if not self.ended:
            self.ended = True
            self.on_close(code)
