"""The RFC 6455 server side (adapters/websocket.py) over a raw TCP socket: what a byte-level
client sees for fragments, control frames, unmasked frames, oversized frames and close."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest

from collab_protocol import SyncStep1, SyncStep2, decode_frame, encode
from collabd.adapters.websocket import accept_key, unmask
from support.server import in_process


def client_frame(opcode: int, payload: bytes, fin: bool = True, masked: bool = True) -> bytes:
    n = len(payload)
    head = bytes((0x80 * fin | opcode,))
    mask_bit = 0x80 if masked else 0
    if n < 126:
        head += bytes((mask_bit | n,))
    elif n < 65536:
        head += bytes((mask_bit | 126,)) + n.to_bytes(2, "big")
    else:
        head += bytes((mask_bit | 127,)) + n.to_bytes(8, "big")
    if not masked:
        return head + payload
    mask = os.urandom(4)
    return head + mask + unmask(payload, mask)  # masking is its own inverse


OPEN: list[asyncio.StreamWriter] = []


@pytest.fixture(autouse=True)
async def _close_raw() -> AsyncIterator[None]:
    yield
    while OPEN:
        w = OPEN.pop()
        w.close()
        with contextlib.suppress(OSError):
            await w.wait_closed()


class Raw:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        OPEN.append(writer)

    @classmethod
    async def connect(cls, url: str) -> Raw:
        parts = urlsplit(url)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write((f"GET {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                      "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                      f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        assert head.startswith(b"HTTP/1.1 101"), head
        assert f"Sec-WebSocket-Accept: {accept_key(key)}".encode() in head
        return cls(reader, writer)

    async def read_frame(self) -> tuple[int, bytes]:
        b0, b1 = await asyncio.wait_for(self.reader.readexactly(2), 10)
        n = b1 & 0x7F
        if n == 126:
            n = int.from_bytes(await self.reader.readexactly(2), "big")
        elif n == 127:
            n = int.from_bytes(await self.reader.readexactly(8), "big")
        assert not b1 & 0x80, "server frames are never masked"
        return b0 & 0x0F, await self.reader.readexactly(n)

    async def until(self, opcode: int) -> bytes:
        while True:
            op, payload = await self.read_frame()
            if op == opcode:
                return payload

    def send(self, data: bytes) -> None:
        self.writer.write(data)


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
