"""Run N simulated interviews with bounded concurrency and summarise them.

`await simulate(config)` returns a `SimulationResult`: one `SessionOutcome` per session (with
the forms the bots submitted, so a caller can check the server's analytics against them), the
wall time, and latency percentiles per step. Every loop is bounded: N sessions, each bounded by
its session timeout, each step by the step timeout.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from .bots import CLIENT_NAME, BotSettings, ClientLike, Connect, SessionOutcome, run_session
from .distribution import FeedbackDistribution
from .plan import UnmaskMode, plan_session

# Whole steps (see bots.py) and, after each, the finer measurements taken inside it.
STEPS = (
    "create",
    "join",
    "chat",
    "chat_seen",
    "type",
    "edit_seen",
    "chat_closing",
    "end",
    "feedback",
    "submit_ack",
    "unmask",
    "unmask_result",
    "done",
    "session",
)


class SetupError(Exception):
    """The run could not start (server unreachable, API key refused, SDK missing)."""


@dataclass(frozen=True)
class SimulationConfig:
    bots: BotSettings
    sessions: int = 10
    concurrency: int = 4
    seed: int = 0
    unmask: UnmaskMode = "random"
    policy: str = "mutual_positive"
    distribution: FeedbackDistribution = field(default_factory=FeedbackDistribution)
    run_tag: str = "run"  # goes into the bots' (fake) e-mail addresses

    def __post_init__(self) -> None:
        if self.sessions < 0:
            raise ValueError("sessions must be >= 0")
        if self.concurrency < 1:
            raise ValueError("concurrency must be >= 1")


@dataclass
class SimulationResult:
    outcomes: list[SessionOutcome]
    wall_seconds: float

    @property
    def completed(self) -> list[SessionOutcome]:
        return [o for o in self.outcomes if o.ok]

    @property
    def failed(self) -> list[SessionOutcome]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def sessions_per_second(self) -> float:
        return len(self.completed) / self.wall_seconds if self.wall_seconds > 0 else 0.0

    def latency_summary(self) -> dict[str, dict[str, float | int]]:
        """Per step: n, p50, p99 and max in milliseconds, over completed sessions' samples."""
        samples: dict[str, list[float]] = {}
        for o in self.outcomes:
            for name, measured in o.latencies.items():
                samples.setdefault(name, []).extend(measured)
        out: dict[str, dict[str, float | int]] = {}
        for name in [*STEPS, *sorted(set(samples) - set(STEPS))]:
            values = samples.get(name, [])
            if values:
                out[name] = {
                    "n": len(values),
                    "p50_ms": round(percentile(values, 50) * 1000, 3),
                    "p99_ms": round(percentile(values, 99) * 1000, 3),
                    "max_ms": round(max(values) * 1000, 3),
                }
        return out

    def to_dict(self) -> dict[str, Any]:
        unmask_offered = sum(1 for o in self.completed if o.unmask_offered)
        return {
            "summary": {
                "sessions": len(self.outcomes),
                "completed": len(self.completed),
                "failed": len(self.failed),
                "wall_seconds": round(self.wall_seconds, 3),
                "sessions_per_second": round(self.sessions_per_second, 3),
                "unmask_offered": unmask_offered,
                "unmasked": sum(1 for o in self.completed if o.unmasked),
                "latencies": self.latency_summary(),
            },
            "sessions": [o.to_dict() for o in self.outcomes],
        }


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def sdk_connect(timeout: float = 30.0) -> Connect:
    """Connect through collab_client.Client (the Python client SDK), without reconnects:
    a load generator counts a dropped connection as a failure instead of hiding it."""
    try:
        from collab_client import Client
    except ImportError as exc:
        raise SetupError(
            f"the Python client SDK (collab_client) cannot be imported: {exc}. "
            "Install the client extra: pip install 'collabd[client]'"
        ) from None

    async def connect(token: str, server: str) -> ClientLike:
        client: ClientLike = await Client.connect(
            token, server=server, client_name=CLIENT_NAME, reconnect=False, timeout=timeout
        )
        return client

    return connect


async def preflight(http: aiohttp.ClientSession, bots: BotSettings) -> None:
    """Fail fast, with one clear message, when the server or the API key is wrong."""
    base = bots.server.rstrip("/")
    timeout = aiohttp.ClientTimeout(total=bots.step_timeout)
    try:
        async with http.get(f"{base}/healthz", timeout=timeout) as r:
            if r.status != 200:
                raise SetupError(f"{base}/healthz answered {r.status}")
        async with http.get(
            f"{base}/api/sessions",
            params={"limit": "1"},
            timeout=timeout,
            headers={"Authorization": f"Bearer {bots.api_key}"},
        ) as r:
            if r.status == 401:
                raise SetupError("the server refused the API key (401)")
            if r.status != 200:
                raise SetupError(f"GET /api/sessions answered {r.status}")
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise SetupError(f"cannot reach {base}: {exc or type(exc).__name__}") from None


async def simulate(
    config: SimulationConfig,
    connect: Connect | None = None,
    *,
    on_outcome: Callable[[SessionOutcome], None] | None = None,
) -> SimulationResult:
    """Run config.sessions interviews, at most config.concurrency at a time."""
    limit = aiohttp.TCPConnector(limit=max(10, config.concurrency * 2))
    outcomes: list[SessionOutcome] = []
    async with aiohttp.ClientSession(connector=limit) as http:
        await preflight(http, config.bots)
        connect = connect or sdk_connect(config.bots.step_timeout)
        indexes = iter(range(config.sessions))  # shared by the workers: each index once

        async def worker() -> None:
            for i in indexes:
                plan = plan_session(
                    i,
                    seed=config.seed,
                    distribution=config.distribution,
                    unmask=config.unmask,
                    policy=config.policy,
                    run_tag=config.run_tag,
                )
                outcome = await run_session(http, connect, config.bots, plan)
                outcomes.append(outcome)
                if on_outcome is not None:
                    on_outcome(outcome)

        t0 = time.perf_counter()
        workers = min(config.concurrency, config.sessions)
        async with asyncio.TaskGroup() as tg:
            for _ in range(workers):
                tg.create_task(worker())
        wall = time.perf_counter() - t0
    outcomes.sort(key=lambda o: o.index)
    return SimulationResult(outcomes=outcomes, wall_seconds=wall)
