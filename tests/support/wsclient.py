"""A raw protocol client for tests (python websockets): send frames, read decoded messages."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection

from collab_protocol import Message, decode_frame, encode

KEEPALIVE = b"\x01\x01\x00"


class RawClient:
    opened: list[RawClient] = []  # closed by the autouse fixture in tests/conftest.py

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        RawClient.opened.append(self)
        self.received: list[Message] = []
        self.frames: list[bytes] = []

    @classmethod
    async def connect(cls, url: str, **kw: Any) -> RawClient:
        kw.setdefault("max_size", None)
        return cls(await websockets.connect(url, compression=None, **kw))

    async def send(self, item: Message | bytes) -> None:
        await self.ws.send(item if isinstance(item, bytes) else encode(item))

    async def recv(self, timeout: float = 10.0) -> list[Message]:
        frame = await asyncio.wait_for(self.ws.recv(), timeout)
        assert isinstance(frame, bytes)
        self.frames.append(frame)
        msgs = decode_frame(frame)
        self.received.extend(msgs)
        return msgs

    async def recv_until(self, check: Callable[[Message], bool], timeout: float = 10.0,
                         skip_keepalive: bool = True) -> Message:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for msg in await self.recv(max(0.01, deadline - loop.time())):
                if check(msg):
                    return msg

    async def expect_close(self, timeout: float = 10.0) -> int | None:
        """Read until the server closes; return the close code."""
        try:
            async with asyncio.timeout(timeout):
                async for _ in self.ws:
                    pass
        except websockets.ConnectionClosed:
            pass
        return self.ws.close_code

    async def close(self) -> None:
        await self.ws.close()

    @classmethod
    async def close_all(cls) -> None:
        clients, cls.opened = cls.opened, []
        for c in clients:
            try:
                await asyncio.wait_for(c.ws.close(), 2)
            except (TimeoutError, OSError):
                c.ws.transport.abort()
