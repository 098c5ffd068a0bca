"""Drives a real Yjs client (tests/interop/yclient.mjs: yjs + y-websocket on Node)."""

from __future__ import annotations

import asyncio
import itertools
import json
from pathlib import Path
from typing import Any

INTEROP = Path(__file__).resolve().parent.parent / "interop"


class YClient:
    def __init__(self) -> None:
        self.proc: asyncio.subprocess.Process | None = None
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.events: list[dict[str, Any]] = []
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> YClient:
        self.proc = await asyncio.create_subprocess_exec(
            "node", str(INTEROP / "yclient.mjs"), cwd=INTEROP,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )
        self._reader = asyncio.get_running_loop().create_task(self._read())
        return self

    async def _read(self) -> None:
        assert self.proc and self.proc.stdout
        while line := await self.proc.stdout.readline():
            msg = json.loads(line)
            fut = self._waiting.pop(msg.get("id", -1), None)
            if fut is not None and not fut.done():
                fut.set_result(msg)
            else:
                self.events.append(msg)
        for fut in self._waiting.values():
            if not fut.done():
                fut.set_exception(RuntimeError("yclient exited"))

    async def call(self, cmd: str, timeout: float = 30.0, **args: Any) -> dict[str, Any]:
        assert self.proc and self.proc.stdin
        rid = next(self._ids)
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[rid] = fut
        self.proc.stdin.write((json.dumps({"id": rid, "cmd": cmd, **args}) + "\n").encode())
        await self.proc.stdin.drain()
        reply = await asyncio.wait_for(fut, timeout)
        if "error" in reply:
            raise RuntimeError(reply["error"])
        return reply

    async def connect(self, ws_base: str, room: str, token: str, **kw: Any) -> None:
        await self.call("connect", url=ws_base, room=room, token=token, **kw)

    async def synced(self, timeout: float = 10.0) -> None:
        reply = await self.call("wait_synced", timeout_ms=int(timeout * 1000))
        assert reply["ok"], "client did not sync"

    async def text(self) -> str:
        return str((await self.call("text"))["text"])

    async def wait_text(self, want: str, timeout: float = 10.0) -> None:
        reply = await self.call("wait_text", text=want, timeout_ms=int(timeout * 1000))
        assert reply["ok"], f"text is {reply['text']!r}, wanted {want!r}"

    async def close(self) -> None:
        if self.proc and self.proc.returncode is None:
            try:
                await self.call("quit", timeout=5)
            except (RuntimeError, TimeoutError, ConnectionError):
                pass
            try:
                await asyncio.wait_for(self.proc.wait(), 5)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        if self._reader:
            await asyncio.gather(self._reader, return_exceptions=True)
