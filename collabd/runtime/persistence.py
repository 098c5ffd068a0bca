"""Calls into the store: writes on the loop's thread, batched; reads on one worker thread.

`append` commits document updates. With the embedded store and no commit window (the default)
it commits at once, inside the call: the store's hot log makes a commit a copy into a memory
map (see adapters/update_log.py), so an update is relayed in the same callback that read it, as
a bare relay would. With a commit window, every update appended during one turn of the event
loop goes into one transaction at the end of that turn. Either way each caller's callback runs,
in append order, right after the commit (no future, no task switch per update). Other writes
(`write`) run inline. Reads (`read`) and checkpoints (the fsync) run on the worker thread, so
the loop never waits on a disk. Every call site says which of the two it makes.

A store whose `writes_inline` is False (PostgreSQL: a commit is a round trip) has its writes run
on one writer thread instead, in call order. Its group commit sends one batch at a time; what is
appended meanwhile forms the next batch, and the callbacks run on the loop once it is committed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

from ..ports import Store
from .stats import Stats

log = logging.getLogger("collabd.persistence")
T = TypeVar("T")
# called with None once committed, or with the error
Committed = Callable[[BaseException | None], None]

CHECKPOINT_SECONDS = 1.0
CHECKPOINT_MAX_SECONDS = 30.0  # the longest wait between retries of a failing checkpoint


class Persistence:
    def __init__(self, store: Store, stats: Stats | None = None,
                 commit_window: float = 0.0) -> None:
        self.store = store
        # Under load, at most one commit per window: the next batch waits for the rest of the
        # window after the last commit, so it gathers more updates. When idle (the last commit
        # is older than the window) it still commits at the end of the same loop turn.
        self.commit_window = commit_window
        self._last_flush = 0.0
        self.stats = stats or Stats()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="collabd-store")
        self._writer: ThreadPoolExecutor | None = None  # writes off the loop (writes_inline False)
        if not getattr(store, "writes_inline", True):
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="collabd-write")
        # the batch on the writer thread: (its future, the batch, when it was sent)
        self._committing: tuple[Future[None], list[Any], float] | None = None
        self._pending: list[tuple[str, int, bytes, Committed]] = []
        self._owners: list[tuple[str, int, str]] = []  # new client id bindings, same commit
        self._scheduled = False
        self._dirty = False
        self._checkpointer: asyncio.Task[None] | None = None
        self.checkpoint_failures = 0
        self.failing_since = 0.0  # monotonic time of the first failure in a row; 0.0: none
        self.checkpoint_error = ""

    def append(self, room: str, seq: int, data: bytes, committed: Committed,
               owners: list[tuple[str, int, str]] | None = None) -> None:
        self._pending.append((room, seq, data, committed))
        if owners:
            self._owners.extend(owners)
        if self._writer is None and self.commit_window <= 0:
            self._flush()
            return
        if not self._scheduled:
            self._scheduled = True
            loop = asyncio.get_running_loop()
            wait = self._last_flush + self.commit_window - time.monotonic()
            if wait > 0:
                loop.call_later(wait, self._flush)
            else:
                loop.call_soon(self._flush)

    def flush_now(self) -> None:
        """Commit what is queued at once (before rebuilding a room from the store)."""
        if self._writer is None:
            if self._pending:
                self._flush()
            return
        # off-loop writes: wait here (a rare path) for the batch in flight, then for the rest
        if self._committing is not None:
            (future, batch, started), self._committing = self._committing, None
            self._finish(batch, future.exception(), started)
        if self._pending:
            batch, owners = self._take()
            started = time.perf_counter()
            future = self._writer.submit(self.store.append_updates,
                                         [(r, s, d) for r, s, d, _ in batch], owners)
            self._finish(batch, future.exception(), started)

    def _take(self) -> tuple[list[tuple[str, int, bytes, Committed]], list[tuple[str, int, str]]]:
        batch, self._pending = self._pending, []
        owners, self._owners = self._owners, []
        return batch, owners

    def _flush(self) -> None:
        self._scheduled = False
        self._last_flush = time.monotonic()
        if self._writer is not None:
            if self._committing is None and self._pending:
                self._send()
            return
        batch, owners = self._take()
        if not batch:
            return
        started = time.perf_counter()
        try:
            self.store.append_updates([(r, s, d) for r, s, d, _ in batch], owners)
        except Exception as exc:  # the store failed: every waiter must hear of it
            self._finish(batch, exc, started)
            return
        self._finish(batch, None, started)

    def _send(self) -> None:
        """The group commit off the loop: one batch at a time on the writer thread."""
        assert self._writer is not None
        batch, owners = self._take()
        started = time.perf_counter()
        future = self._writer.submit(self.store.append_updates,
                                     [(r, s, d) for r, s, d, _ in batch], owners)
        self._committing = (future, batch, started)
        loop = asyncio.get_running_loop()
        future.add_done_callback(lambda f: loop.call_soon_threadsafe(self._sent, f))

    def _sent(self, future: Future[None]) -> None:
        if self._committing is None or self._committing[0] is not future:
            return  # flush_now has finished it already
        _, batch, started = self._committing
        self._committing = None
        self._finish(batch, future.exception(), started)
        if self._pending and self._committing is None:
            self._send()

    def _finish(self, batch: list[tuple[str, int, bytes, Committed]], exc: BaseException | None,
                started: float) -> None:
        if exc is not None:  # the store failed: every waiter must hear of it
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

    async def write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a store method that writes: on the loop's thread (the thread that owns the
        embedded store's writing connection), or on the writer thread for a store whose
        `writes_inline` is False. The caller says which kind of call it is; nothing is read
        off the function, so no wrapper can turn a write into a read."""
        if self._writer is not None:
            return await asyncio.get_running_loop().run_in_executor(
                self._writer, partial(fn, *args, **kwargs))
        result = fn(*args, **kwargs)
        self._wrote()
        return result

    async def read(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a store method that only reads, on the worker thread. A write sent here
        reaches the embedded store's writing connection from the wrong thread, which
        refuses it (adapters/sqlite_store.py)."""
        return await asyncio.get_running_loop().run_in_executor(
            self._executor, partial(fn, *args, **kwargs))

    def _wrote(self) -> None:
        if self._writer is not None:
            return  # a server store needs no checkpoints from us
        self._dirty = True
        if self._checkpointer is None:
            self._checkpointer = asyncio.get_running_loop().create_task(self._checkpoints())

    async def _checkpoints(self) -> None:
        """Once a second while there are writes: the store drains its hot log and fsyncs. A
        failure (a full disk) is logged and retried, backing off up to CHECKPOINT_MAX_SECONDS;
        meanwhile `stalled` says so (/healthz, /metrics)."""
        delay = CHECKPOINT_SECONDS
        while True:
            await asyncio.sleep(delay)
            if not self._dirty:
                continue
            self._dirty = False
            try:
                await self.read(self.store.checkpoint)
            except Exception as exc:
                self._dirty = True
                self.checkpoint_failures += 1
                if self.failing_since == 0.0:
                    self.failing_since = time.monotonic()
                self.checkpoint_error = f"{type(exc).__name__}: {exc}"
                delay = min(delay * 2, CHECKPOINT_MAX_SECONDS)
                log.error("checkpoint failed; retrying in %.0f s: %s", delay,
                          self.checkpoint_error)
                continue
            if self.failing_since:
                log.warning("checkpoints succeed again, after %.1f s of failures",
                            time.monotonic() - self.failing_since)
            self.failing_since = 0.0
            self.checkpoint_error = ""
            delay = CHECKPOINT_SECONDS

    def stalled(self) -> float:
        """Seconds since checkpoints started failing (0.0 while they succeed)."""
        return time.monotonic() - self.failing_since if self.failing_since else 0.0

    async def close(self) -> None:
        self.flush_now()
        if self._checkpointer is not None:
            self._checkpointer.cancel()
            await asyncio.gather(self._checkpointer, return_exceptions=True)
        await asyncio.get_running_loop().run_in_executor(self._executor, self.store.close)
        self._executor.shutdown(wait=True)
        if self._writer is not None:
            self._writer.shutdown(wait=True)
