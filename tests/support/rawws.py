"""A byte-level WebSocket client: writes any frame (masked or not, fragmented, malformed) and
reads the server's frames one by one."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
from urllib.parse import urlsplit

from collabd.adapters.websocket import accept_key, unmask


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


async def close_raw_sockets() -> None:
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
    async def connect(cls, url: str, source: str | None = None) -> Raw:
        parts = urlsplit(url)
        reader, writer = await asyncio.open_connection(
            parts.hostname, parts.port, local_addr=(source, 0) if source else None)
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
