"""Counters the runtime keeps for operators (exported at /metrics by collabd.metrics).

Plain attributes bumped on the hot path (an integer add costs next to nothing); the exporter
reads them only when scraped.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field


@dataclass(slots=True)
class Histogram:
    """Cumulative-at-read histogram: counts per upper bound, plus sum and count."""

    bounds: tuple[float, ...]
    counts: list[int] = field(default_factory=list)
    total: float = 0.0
    n: int = 0

    def __post_init__(self) -> None:
        self.counts = [0] * (len(self.bounds) + 1)  # the last one is +Inf

    def observe(self, value: float) -> None:
        self.counts[bisect_left(self.bounds, value)] += 1
        self.total += value
        self.n += 1


@dataclass(slots=True)
class Stats:
    updates_applied: int = 0  # client updates stored and relayed
    updates_refused: int = 0  # invalid, pending, foreign client id, rate, size
    deliveries: int = 0  # frames written to sockets
    sync_requests: int = 0  # SyncStep1 answered
    commit_batches: int = 0
    commit_failures: int = 0
    commit_batch_size: Histogram = field(
        default_factory=lambda: Histogram((1, 2, 4, 8, 16, 32, 64, 128, 256, 512)))
    commit_seconds: Histogram = field(
        default_factory=lambda: Histogram((5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2,
                                           2.5e-2, 5e-2, 0.1, 0.25, 1.0)))
    close_codes: Counter[int] = field(default_factory=Counter)
    chat_messages: int = 0
    signals: int = 0
    upgrades_refused: int = 0  # WebSocket upgrades over conn_attempts_per_minute (429)
    practice_refused: int = 0  # POST /api/practice over practice_per_minute (429)
