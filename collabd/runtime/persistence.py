"""Calls into the store: writes on the loop's thread, batched; reads on one worker thread.

`append` is the group commit of document updates: every update appended during one turn of the
event loop goes into one transaction at the end of that turn, and each caller's callback runs,
in append order, right after the commit (no future, no task switch per update). Other writes
(store methods marked @writes) run inline. Reads and checkpoints (the fsync) run on the worker
thread, so the loop never waits on a disk.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from .stats import Stats

log = logging.getLogger("collabd.persistence")
T = TypeVar("T")
# called with None once committed, or with the error
Committed = Callable[[BaseException | None], None]

CHECKPOINT_SECONDS = 1.0


class Persistence:
    def __init__(self, store: Any, stats: Stats | None = None) -> None:
        self.store = store
        self.stats = stats or Stats()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="collabd-store")
        self._pending: list[tuple[str, int, bytes, Committed]] = []
        self._owners: list[tuple[str, int, str]] = []  # new client id bindings, same commit
        self._scheduled = False
        self._dirty = False
        self._checkpointer: asyncio.Task[None] | None = None

    def append(self, room: str, seq: int, data: bytes, committed: Committed,
               owners: list[tuple[str, int, str]] | None = None) -> None:
        self._pending.append((room, seq, data, committed))
        if owners:
            self._owners.extend(owners)
        if not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def flush_now(self) -> None:
        """Commit what is queued at once (before rebuilding a room from the store)."""
        if self._pending:
            self._flush()

    def _flush(self) -> None:
        batch, self._pending, self._scheduled = self._pending, [], False
        owners, self._owners = self._owners, []
        if not batch:
            return
        started = time.perf_counter()
        try:
            self.store.append_updates([(r, s, d) for r, s, d, _ in batch], owners)
        except Exception as exc:  # the store failed: every waiter must hear of it
            self.stats.commit_failures += 1
            for *_, committed in batch:
                try:
                    committed(exc)
                except Exception:
                    log.exception("after-failure callback failed")
            return
        stats = self.stats
        stats.commit_batches += 1
        stats.commit_batch_size.observe(len(batch))
        stats.commit_seconds.observe(time.perf_counter() - started)
        self._wrote()
        for *_, committed in batch:
            try:
                committed(None)
            except Exception:  # one room's failure must not keep the others from relaying
                log.exception("after-commit callback failed")

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        if getattr(fn, "writes", False):
            result = fn(*args)
            self._wrote()
            return result
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def _wrote(self) -> None:
        self._dirty = True
        if self._checkpointer is None:
            self._checkpointer = asyncio.get_running_loop().create_task(self._checkpoints())

    async def _checkpoints(self) -> None:
        while True:
            await asyncio.sleep(CHECKPOINT_SECONDS)
            if self._dirty:
                self._dirty = False
                await self.call(self.store.checkpoint)

    async def close(self) -> None:
        if self._pending:
            self._flush()
        if self._checkpointer is not None:
            self._checkpointer.cancel()
            await asyncio.gather(self._checkpointer, return_exceptions=True)
        await asyncio.get_running_loop().run_in_executor(self._executor, self.store.close)
        self._executor.shutdown(wait=True)
