"""Webhooks in cluster mode: every node sends from the shared outbox, each row claimed
atomically first (Store.claim_webhooks), so a webhook is sent by one node, once. A node that
dies mid-send leaves its claims to expire: after CLAIM_MS another node sends them (at least
once, never lost)."""

from __future__ import annotations

from ..runtime.webhooks import TIMEOUT_SECONDS, Webhooks

CLAIM_MS = 3 * TIMEOUT_SECONDS * 1000  # longer than one POST can take


class ClaimingWebhooks(Webhooks):
    async def _due(self, now: int) -> list[tuple[int, str, str, int]]:
        try:
            claimed: list[tuple[int, str, str, int]] = await self.persistence.write(
                self.store.claim_webhooks, now, CLAIM_MS)
        except Exception:
            return []  # the store is away: the rows wait there
        return claimed
