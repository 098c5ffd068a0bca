"""Prometheus metrics at GET /metrics, read from the runtime only when scraped.

The hot path bumps plain integers in `hub.stats` (runtime/stats.py) and nothing else; this
custom collector turns them, the loaded rooms and sessions, and the webhook outbox into metric
families at scrape time. So metrics cost nothing between scrapes, and a scrape costs a walk over
the loaded rooms plus one COUNT over the webhook outbox (on the worker thread).

/metrics sits behind the API key (`Authorization: Bearer <key>`, as the REST API): the numbers
say how busy the server is, which is not for anonymous participants. Prometheus sends the key
with `authorization: {credentials_file: ...}` in its scrape config.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from aiohttp import web
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from .adapters.http_server import GUARD, HandshakeGuard
from .core.lifecycle import Phase
from .runtime.stats import Histogram

PREFIX = "collabd"


def histogram(name: str, doc: str, h: Histogram) -> HistogramMetricFamily:
    buckets: list[tuple[str, float]] = []
    running = 0
    for bound, count in zip(h.bounds, h.counts, strict=False):
        running += count
        buckets.append((repr(float(bound)), running))
    buckets.append(("+Inf", running + h.counts[-1]))
    return HistogramMetricFamily(name, doc, buckets=buckets, sum_value=h.total)


class RuntimeCollector(Collector):
    """Reads hub.stats, hub.rooms, services.live and the last webhook outbox counts."""

    def __init__(self, hub: Any, services: Any) -> None:
        self.hub = hub
        self.services = services
        self.webhooks: dict[str, int] = {"pending": 0, "failed_attempts": 0, "given_up": 0}
        self.guard: HandshakeGuard | None = None  # the connection guard, when served by one

    def collect(self) -> Iterator[Metric]:
        s = self.hub.stats
        p = PREFIX

        def counter(name: str, doc: str, value: float) -> CounterMetricFamily:
            return CounterMetricFamily(f"{p}_{name}", doc, value=value)

        yield counter("updates_applied", "Client document updates stored and relayed",
                      s.updates_applied)
        yield counter("updates_refused", "Client document updates refused", s.updates_refused)
        yield counter("deliveries", "Frames written to client sockets", s.deliveries)
        yield counter("sync_requests", "SyncStep1 requests answered", s.sync_requests)
        yield counter("commit_batches", "Group commits to the store", s.commit_batches)
        yield counter("commit_failures", "Group commits that failed", s.commit_failures)
        persistence = self.hub.persistence
        yield counter("store_checkpoint_failures", "Store checkpoints (the hot log's drain into "
                      "SQLite, fsync) that failed", persistence.checkpoint_failures)
        yield GaugeMetricFamily(f"{p}_store_checkpoint_stalled_seconds", "Seconds since the "
                                "store's checkpoints started failing (0 while they succeed)",
                                value=persistence.stalled())
        yield counter("chat_messages", "Chat messages stored and sent", s.chat_messages)
        yield counter("signals", "WebRTC signaling messages relayed", s.signals)
        yield histogram(f"{p}_commit_batch_size", "Updates per group commit",
                        s.commit_batch_size)
        yield histogram(f"{p}_commit_seconds", "Time of one group commit", s.commit_seconds)
        yield self.admission()
        closes = CounterMetricFamily(f"{p}_closes", "Connections closed by the server, by "
                                     "WebSocket close code", labels=["code"])
        for code, n in sorted(s.close_codes.items()):
            closes.add_metric([str(code)], n)
        yield closes

        rooms = list(self.hub.rooms.values())
        conns = [c for room in rooms for c in room.conns]
        queued = sum(c.transport.get_write_buffer_size() for c in conns
                     if c.transport is not None and not c.transport.is_closing())
        yield GaugeMetricFamily(f"{p}_rooms_loaded", "Rooms loaded in memory", value=len(rooms))
        yield GaugeMetricFamily(f"{p}_connections", "Open room connections", value=len(conns))
        yield GaugeMetricFamily(f"{p}_delivery_queue_bytes", "Bytes written to client sockets "
                                "and not yet taken by the peers (transport buffers)",
                                value=queued)

        phases = Counter(live.session.phase.value for live in self.services.live.values())
        sessions = GaugeMetricFamily(f"{p}_sessions_loaded", "Interview sessions loaded in "
                                     "memory, by phase", labels=["phase"])
        for phase in Phase:
            sessions.add_metric([phase.value], phases.get(phase.value, 0))
        yield sessions

        w = self.webhooks
        yield GaugeMetricFamily(f"{p}_webhooks_pending", "Webhook deliveries waiting in the "
                                "outbox", value=w["pending"])
        yield counter("webhook_failures", "Webhook attempts that failed", w["failed_attempts"])
        yield counter("webhooks_given_up", "Webhooks dropped after the last retry",
                      w["given_up"])


    def admission(self) -> CounterMetricFamily:
        """Connections and requests refused before any room or session work, by the limit."""
        refused = CounterMetricFamily(f"{PREFIX}_admission_refused", "Connections and requests "
                                      "refused by an admission limit, by the limit",
                                      labels=["limit"])
        g = self.guard
        counts = {
            "handshakes_per_address": g.refused if g else 0,
            "fd_reserve": g.refused_reserve + g.shed_reserve if g else 0,
            "handshakes_max": g.shed if g else 0,
            "header_timeout_seconds": g.expired if g else 0,
            "conn_attempts_per_minute": self.hub.stats.upgrades_refused,
            "practice_per_minute": self.hub.stats.practice_refused,
        }
        for limit, n in counts.items():
            refused.add_metric([limit], n)
        return refused


class Metrics:
    """The /metrics handler (mounted behind the API key by api/routes.py)."""

    def __init__(self, hub: Any, services: Any) -> None:
        self.hub = hub
        self.collector = RuntimeCollector(hub, services)
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(self.collector)

    async def handle(self, request: web.Request) -> web.Response:
        self.collector.webhooks = await self.hub.persistence.read(self.hub.store.webhook_counts)
        self.collector.guard = request.config_dict.get(GUARD)
        body = generate_latest(self.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
