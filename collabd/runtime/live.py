"""A loaded interview session and what the runtime keeps beside it."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from ..core.session import Session


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class Live:
    """A loaded session and what the runtime keeps beside it."""

    session: Session
    simulated: bool
    extra: dict[str, Any]  # webhook_url, relay_only, voice_mask
    kind: str = "real"  # real | practice | simulated
    interviewee_key: str | None = None  # person key of the candidate (for their history)
    history: dict[str, Any] | None = None  # what the candidate sees of it; {} when nothing
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    timer: asyncio.TimerHandle | None = None

    @classmethod
    def from_row(cls, row: Any) -> Live:
        """From a store's SessionRow; DamagedSession if its row cannot be read."""
        if row.problem is not None:
            raise DamagedSession(row.sid, row.problem)
        try:
            session = Session.from_record(row.record)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise DamagedSession(row.sid, repr(exc)) from None
        return cls(session, row.kind == "simulated", row.extra, row.kind, row.interviewee_key)


class DamagedSession(Exception):
    """A stored session that cannot be read (a damaged row)."""

    def __init__(self, sid: str, reason: str) -> None:
        super().__init__(f"session {sid} cannot be read: {reason}")
        self.sid, self.reason = sid, reason
