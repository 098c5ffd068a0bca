"""Runs the blocking store on one worker thread, with group commit for document updates.

`append` returns a future that resolves (to the row id) once the update is committed. Appends
that arrive while a commit is running go into the next transaction together.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class Persistence:
    def __init__(self, store: Any) -> None:
        self.store = store
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="collabd-store")
        self._pending: list[tuple[str, bytes, asyncio.Future[int]]] = []
        self._flusher: asyncio.Task[None] | None = None

    def append(self, room: str, data: bytes) -> asyncio.Future[int]:
        fut: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._pending.append((room, data, fut))
        if self._flusher is None:
            self._flusher = asyncio.get_running_loop().create_task(self._flush())
        return fut

    async def _flush(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                try:
                    ids = await self.call(self.store.append_updates, [(r, d) for r, d, _ in batch])
                except Exception as exc:  # the store failed: every waiter must hear of it
                    for _, _, fut in batch:
                        if not fut.done():
                            fut.set_exception(exc)
                    continue
                for (_, _, fut), rid in zip(batch, ids, strict=True):
                    if not fut.done():
                        fut.set_result(rid)
        finally:
            self._flusher = None

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def close(self) -> None:
        while self._flusher is not None:
            await asyncio.shield(self._flusher)
        await self.call(self.store.close)
        self._executor.shutdown(wait=True)
