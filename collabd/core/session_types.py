"""The session's value types: identities, participants, options, presence, the event names
the mutating methods return, the record's enumerations and the session errors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

from .lifecycle import Phase, Role, SessionError
from .pseudonyms import Pseudonym
from .unmask import UnmaskPolicy

SECOND = 1000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE

Status = Literal["waiting", "connected", "reconnecting", "away", "left"]
EndedBy = Literal["interviewer", "embedder", "time_limit", "cancelled"]
CloseReason = Literal[
    "ended_in_lobby", "cancelled", "feedback_expired", "not_offered", "no_mutual_unmask", "unmasked"
]

PHASE_EVENTS: dict[Phase, str] = {
    Phase.LIVE: "started",
    Phase.FEEDBACK: "ended",
    Phase.REVEALED: "revealed",
    Phase.UNMASKED: "unmasked",
    Phase.SEALED: "sealed",
}
PRESENCE_CHANGED = "presence_changed"
FEEDBACK_SUBMITTED = "feedback_submitted"
UNMASK_ANSWERED = "unmask_answered"
RECORDING_CHANGED = "recording_changed"


class UnknownParticipant(SessionError):
    code = "unknown_participant"


class Forbidden(SessionError):
    code = "forbidden"


class NotConnected(SessionError):
    code = "not_connected"


class RecordError(ValueError):
    """A stored record could not be read back."""


@dataclass(frozen=True)
class Identity:
    """A real identity, held in escrow until a mutual unmask."""

    name: str
    email: str
    profile: str = ""

    def __post_init__(self) -> None:
        for value in (self.name, self.email, self.profile):
            if not isinstance(value, str):
                raise TypeError("identity fields must be strings")

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class Participant:
    id: str
    role: Role
    identity: Identity
    pseudonym: Pseudonym


@dataclass(frozen=True)
class SessionOptions:
    """Timers in milliseconds and the unmask policy."""

    interview_ms: int = 45 * MINUTE
    feedback_ms: int = 24 * HOUR
    unmask_ms: int = 24 * HOUR
    grace_ms: int = MINUTE
    policy: UnmaskPolicy = UnmaskPolicy.MUTUAL_POSITIVE
    recording: bool = True  # the call may be recorded, with both participants' consent

    def __post_init__(self) -> None:
        for name in ("interview_ms", "feedback_ms", "unmask_ms", "grace_ms"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{name} must be an integer")
            if value < (0 if name == "grace_ms" else 1):
                raise ValueError(f"{name} is out of range")
        if not isinstance(self.policy, UnmaskPolicy):
            raise ValueError("policy must be an UnmaskPolicy")
        if not isinstance(self.recording, bool):
            raise ValueError("recording must be a boolean")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["policy"] = self.policy.value
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SessionOptions:
        fields = dict(data)
        if "policy" in fields:
            fields["policy"] = UnmaskPolicy(fields["policy"])
        return cls(**fields)


@dataclass
class Presence:
    status: Status = "waiting"
    connections: int = 0  # a participant may have several tabs open
    joined_at: int | None = None  # first join ever
    left_at: int | None = None  # when the last connection dropped
