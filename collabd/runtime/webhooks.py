"""Webhooks to the embedder: a durable outbox (SQLite), HMAC-signed POSTs, retried with backoff.

Each POST carries `X-Collabd-Signature: sha256=<hex HMAC-SHA256(key, body)>` where the key is
the server's API key, which the embedder already holds.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from typing import Any

import aiohttp

from ..ports import Store

log = logging.getLogger("collabd.webhooks")

MAX_ATTEMPTS = 10
TIMEOUT_SECONDS = 10


def sign(key: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def backoff_ms(attempts: int) -> int:
    return min(3600, 1 << min(attempts, 12)) * 1000  # 1 s doubling up to an hour


class Webhooks:
    def __init__(self, persistence: Any, store: Store, keyholder: Any) -> None:
        self.persistence = persistence
        self.store = store
        self.keyholder = keyholder  # has .webhook_key (set once the API key is known)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._pending: set[asyncio.Task[None]] = set()

    def queue(self, url: str, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, separators=(",", ":"))
        task = asyncio.get_running_loop().create_task(self._queue(url, body))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _queue(self, url: str, body: str) -> None:
        await self.persistence.write(self.store.queue_webhook, url, body, int(time.time() * 1000))
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(TIMEOUT_SECONDS)) as http:
            while True:
                now = int(time.time() * 1000)
                for wid, url, body, attempts in await self._due(now):
                    ok = await self._post(http, url, body.encode())
                    await self.persistence.write(
                        self.store.webhook_result, wid, ok, now + backoff_ms(attempts),
                        attempts + 1 >= MAX_ATTEMPTS)
                self._wake.clear()
                try:  # not wait_for, which can swallow a cancel on 3.11 (a hung shutdown)
                    async with asyncio.timeout(1.0):
                        await self._wake.wait()
                except TimeoutError:
                    pass

    async def _due(self, now: int) -> list[tuple[int, str, str, int]]:
        """The rows to send now: (id, url, body, attempts so far)."""
        rows: list[tuple[int, str, str, int]] = await self.persistence.read(
            self.store.due_webhooks, now)
        return rows

    async def _post(self, http: aiohttp.ClientSession, url: str, body: bytes) -> bool:
        signature = sign(self.keyholder.webhook_key, body)
        headers = {"Content-Type": "application/json", "X-Collabd-Signature": signature}
        try:
            async with http.post(url, data=body, headers=headers) as r:
                return 200 <= r.status < 300
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("webhook failed", extra={"error": type(exc).__name__})
            return False
