"""Webhooks in cluster mode: every node sends from the shared outbox, each row claimed
atomically first (Store.claim_webhooks), so a webhook is sent by one node, once. A node that
dies mid-send leaves its claims to expire: after CLAIM_MS another node sends them (at least
once, never lost)."""

from __future__ import annotations

import asyncio
import time

import aiohttp

from ..runtime.webhooks import MAX_ATTEMPTS, TIMEOUT_SECONDS, Webhooks, backoff_ms

CLAIM_MS = 3 * TIMEOUT_SECONDS * 1000  # longer than one POST can take


class ClaimingWebhooks(Webhooks):
    async def _run(self) -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(TIMEOUT_SECONDS)) as http:
            while True:
                now = int(time.time() * 1000)
                try:
                    claimed = await self.persistence.call(self.store.claim_webhooks, now,
                                                          CLAIM_MS)
                except Exception:
                    claimed = []  # the store is away: the rows wait there
                for wid, url, body, attempts in claimed:
                    ok = await self._post(http, url, body.encode())
                    await self.persistence.call(
                        self.store.webhook_result, wid, ok, now + backoff_ms(attempts),
                        attempts + 1 >= MAX_ATTEMPTS)
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), 1.0)
                except TimeoutError:
                    pass
