"""A simulated session's settings and outcome, and the clock that times its steps."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any


class SimulationError(Exception):
    """A session did not go as the protocol says; the message says at which step and why."""


@dataclass(frozen=True)
class BotSettings:
    server: str  # http(s)://host:port
    api_key: str
    type_rate: float = 30.0  # characters per second; 0 pastes each text in one edit
    step_timeout: float = 30.0
    session_timeout: float = 300.0
    interview_seconds: int = 3600
    feedback_seconds: int = 3600
    unmask_seconds: int = 3600
    grace_seconds: int = 30


@dataclass
class SessionOutcome:
    """What happened in one simulated session, and what the bots submitted."""

    index: int
    ok: bool = False
    error: str | None = None
    step: str = "create"
    session_id: str | None = None
    interviewer_pid: str | None = None
    interviewee_pid: str | None = None
    interviewer_form: dict[str, Any] | None = None  # as submitted (acknowledged) only
    interviewee_form: dict[str, Any] | None = None
    unmask_offered: bool | None = None
    unmask_answers: dict[str, str] = field(default_factory=dict)  # role -> answer sent
    unmasked: bool | None = None
    final_phase: str | None = None
    cancelled: bool = False  # a failed session the simulator then cancelled (sealed)
    latencies: dict[str, list[float]] = field(default_factory=dict)  # name -> seconds

    def record(self, name: str, seconds: float) -> None:
        self.latencies.setdefault(name, []).append(seconds)

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "ok": self.ok,
            "error": self.error,
            "failed_step": None if self.ok else self.step,
            "session_id": self.session_id,
            "simulated": True,
            "interviewer_pid": self.interviewer_pid,
            "interviewee_pid": self.interviewee_pid,
            "interviewer_form": self.interviewer_form,
            "interviewee_form": self.interviewee_form,
            "unmask_offered": self.unmask_offered,
            "unmask_answers": dict(self.unmask_answers),
            "unmasked": self.unmasked,
            "cancelled": self.cancelled,
            "final_phase": self.final_phase,
            "latencies_ms": {
                k: [round(v * 1000, 3) for v in vs] for k, vs in self.latencies.items()
            },
        }


class StepClock:
    """Names the step a session is in (its outcome says where it failed) and records how
    long each step that succeeded took."""

    def __init__(self, outcome: SessionOutcome) -> None:
        self.outcome = outcome

    def step(self, name: str) -> _Step:
        self.outcome.step = name
        return _Step(self.outcome, name)


class _Step:
    def __init__(self, outcome: SessionOutcome, name: str) -> None:
        self.outcome, self.name = outcome, name

    def __enter__(self) -> _Step:
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is None:
            self.outcome.record(self.name, time.perf_counter() - self.t0)
