"""The RFC 6455 server side (adapters/websocket.py) over a raw TCP socket: what a byte-level
client sees for fragments, control frames, unmasked frames, oversized frames and close."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest

from collab_protocol import SyncStep1, SyncStep2, decode_frame, encode
from collabd.adapters.websocket import FRAGMENT_COST
from collabd.app import ENDPOINT
from support.rawws import OPEN, Raw, client_frame, close_raw_sockets
from support.server import in_process


@pytest.fixture(autouse=True)
async def _close_raw() -> AsyncIterator[None]:
    yield
    await close_raw_sockets()


async def test_fragments_pings_and_a_clean_close(tmp_path):
    async with in_process(tmp_path) as server:
        c = await Raw.connect(server.url("ws", pid="a"))
        msg = encode(SyncStep1(b"\x00"))
        c.send(client_frame(2, msg[:2], fin=False))
        c.send(client_frame(9, b"hi"))  # a ping between fragments is answered at once
        c.send(client_frame(0, msg[2:]))
        assert await c.until(10) == b"hi"
        while True:  # the fragmented SyncStep1 got its reply
            op, payload = await c.read_frame()
            if op == 2 and isinstance(decode_frame(payload)[0], SyncStep2):
                break
        c.send(client_frame(8, (1000).to_bytes(2, "big")))
        assert (await c.until(8))[:2] == (1000).to_bytes(2, "big")  # echoed
        assert await asyncio.wait_for(c.reader.read(), 10) == b""  # then the server hangs up


async def test_an_unmasked_frame_is_a_protocol_error(tmp_path):
    async with in_process(tmp_path) as server:
        c = await Raw.connect(server.url("ws", pid="a"))
        c.send(client_frame(2, encode(SyncStep1(b"\x00")), masked=False))
        assert (await c.until(8))[:2] == (1002).to_bytes(2, "big")


async def test_frames_above_the_limit_close_1009_before_they_are_read(tmp_path):
    async with in_process(tmp_path, max_frame_bytes=1000) as server:
        c = await Raw.connect(server.url("ws", pid="a"))
        c.send(client_frame(2, b"\x00" * 1001)[:20])  # the header is enough to refuse it
        assert (await c.until(8))[:2] == (1009).to_bytes(2, "big")
        c2 = await Raw.connect(server.url("ws", pid="b"))
        for _ in range(3):  # fragments adding up past the limit
            c2.send(client_frame(2 if _ == 0 else 0, b"\x00" * 400, fin=False))
        assert (await c2.until(8))[:2] == (1009).to_bytes(2, "big")


async def test_a_request_that_is_not_an_upgrade_gets_400(tmp_path):
    async with in_process(tmp_path) as server:
        parts = urlsplit(server.url("ws", pid="a"))
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        OPEN.append(writer)
        writer.write(f"GET {parts.path}?{parts.query} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        assert head.startswith(b"HTTP/1.1 400")


def close_payload(code: int, reason: bytes = b"") -> bytes:
    return code.to_bytes(2, "big") + reason


async def test_close_frames_are_checked_before_they_are_answered(tmp_path):
    """Autobahn 7.3.2 (one byte), 7.5.1 (reason not UTF-8), 7.9.1-7.9.9 (codes a peer may not
    send) and the valid codes of 7.7.x, which are echoed."""
    cases = [
        (b"\x03", 1002),  # 7.3.2
        (close_payload(1000, b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80"), 1007),
        *[(close_payload(code), 1002) for code in
          (0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535)],  # 7.9.x
        *[(close_payload(code, "ok 🌍".encode()), code) for code in
          (1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000,
           3999, 4000, 4999)],  # 7.7.x: echoed
        (b"", None),  # an empty close gets an empty one
    ]
    async with in_process(tmp_path, conn_attempts_per_minute=1000) as server:
        for i, (payload, answer) in enumerate(cases):
            c = await Raw.connect(server.url("ws", pid=f"p{i}"))
            c.send(client_frame(8, payload))
            got = await c.until(8)
            assert got == (b"" if answer is None else answer.to_bytes(2, "big")) or (
                answer in (1002, 1007) and got[:2] == answer.to_bytes(2, "big")), payload
            got[2:].decode()  # any reason we send is UTF-8
            assert await asyncio.wait_for(c.reader.read(), 10) == b""


def raw_header(b0: int, length_bytes: bytes) -> bytes:
    return bytes((b0,)) + length_bytes + os.urandom(4)


async def test_lengths_must_be_minimal_and_below_2_63(tmp_path):
    """RFC 6455 5.2: the minimal number of bytes must be used to encode the length, and the
    most significant bit of a 64-bit length must be 0."""
    cases = [
        raw_header(0x82, bytes((0x80 | 126,)) + (5).to_bytes(2, "big")) + b"\x00" * 5,
        raw_header(0x82, bytes((0x80 | 127,)) + (300).to_bytes(8, "big")) + b"\x00" * 300,
        raw_header(0x82, bytes((0x80 | 127,)) + (1 << 63 | 5).to_bytes(8, "big")),
    ]
    async with in_process(tmp_path) as server:
        for i, data in enumerate(cases):
            c = await Raw.connect(server.url("ws", pid=f"p{i}"))
            c.send(data)
            assert (await c.until(8))[:2] == (1002).to_bytes(2, "big")


@pytest.mark.parametrize("size", [0, 1])
async def test_tiny_fragments_are_charged_their_overhead(tmp_path, size):
    """Zero-length or one-byte continuations count their header and a fixed charge against
    max_frame_bytes: the flood is closed 1009 long before its payload reaches the limit, and
    what it held goes back to the server-wide budget."""
    limit = 64 * 1024
    async with in_process(tmp_path, max_frame_bytes=limit) as server:
        budget = server.app[ENDPOINT].partial
        c = await Raw.connect(server.url("ws", pid="a"))
        frame = client_frame(0, b"x" * size, fin=False)
        n = limit // (len(frame) + FRAGMENT_COST) + 1  # enough to pass the limit, no more
        c.send(client_frame(2, b"\x00", fin=False) + frame * n)
        assert (await c.until(8))[:2] == (1009).to_bytes(2, "big")
        assert n * size < limit  # the payload alone was far from the limit
        c2 = await Raw.connect(server.url("ws", pid="b"))  # the server is fine
        c2.send(client_frame(2, encode(SyncStep1(b"\x00"))))
        await c2.until(2)
        assert budget.total == 0 and not budget.holders


def test_close_frames_the_server_sends_are_valid():
    from collabd.adapters.websocket import close_frame

    frame = close_frame(4400, "é" * 100)  # 200 bytes of UTF-8: cut at a character
    payload = frame[2:]
    assert len(payload) <= 125 and frame[1] == len(payload)
    assert payload[2:].decode() == "é" * 60
    assert close_frame(1005)[2:4] == (1011).to_bytes(2, "big")  # never a reserved code
