"""A session's state: its fields, the queries on them, and its durable record.

`Session` (session.py) builds on this with the lifecycle's mutations; the views are in
session_views.py. ``to_record`` holds everything (forms and identities included) and
``from_record`` restores it, refusing a record it cannot read with RecordError.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any, Self, get_args

from .feedback import FeedbackExchange
from .lifecycle import ROLES, TERMINAL, Phase, Role, SessionError
from .pseudonyms import Pseudonym
from .session_types import (
    CloseReason,
    EndedBy,
    Identity,
    Participant,
    Presence,
    RecordError,
    SessionOptions,
    Status,
    UnknownParticipant,
)
from .unmask import UnmaskHandshake

RECORD_VERSION = 1


class SessionState:
    """The fields of a session, what can be read from them, and their record."""

    def __init__(
        self,
        session_id: str,
        options: SessionOptions,
        participants: tuple[Participant, Participant],
        created_at: int,
    ) -> None:
        self.id = session_id
        self.options = options
        self.participants = participants
        self.created_at = created_at
        self._by_id = {p.id: p for p in participants}
        self.phase = Phase.LOBBY
        self.started_at: int | None = None
        self.ends_at: int | None = None
        self.ended_at: int | None = None
        self.ended_by: EndedBy | None = None
        self.feedback_deadline: int | None = None
        self.revealed_at: int | None = None
        self.unmask_offered: bool | None = None
        self.unmask_deadline: int | None = None
        self.closed_at: int | None = None
        self.close_reason: CloseReason | None = None
        self._presence = {p.id: Presence() for p in participants}
        self._feedback = FeedbackExchange()
        self._unmask = UnmaskHandshake()
        # each role's recording consent: None until it answered
        self._consent: dict[Role, bool | None] = {"interviewer": None, "interviewee": None}
    # -- queries ---------------------------------------------------------------------------

    def participant(self, pid: str) -> Participant:
        try:
            return self._by_id[pid]
        except KeyError:
            raise UnknownParticipant("not a participant of this session") from None

    def other(self, pid: str) -> Participant:
        me = self.participant(pid)
        return self.participants[1] if me is self.participants[0] else self.participants[0]

    def by_role(self, role: Role) -> Participant:
        return self.participants[ROLES.index(role)]

    def status(self, pid: str) -> Status:
        self.participant(pid)
        return self._presence[pid].status

    def is_read_only(self) -> bool:
        """True once the interview has ended: the shared document takes no more edits."""
        return self.phase not in (Phase.LOBBY, Phase.LIVE)

    def is_terminal(self) -> bool:
        return self.phase in TERMINAL

    def feedback_submitted(self, role: Role) -> bool:
        return self._feedback.submitted(role)

    def unmask_answer(self, role: Role) -> str:
        return self._unmask.answers[role]

    def recording_on(self) -> bool:
        """Whether the call is recorded now: allowed, both consented, and live."""
        return (self.options.recording and self.phase is Phase.LIVE
                and self._consent["interviewer"] is True
                and self._consent["interviewee"] is True)

    def phase_deadline(self) -> int | None:
        """When the current phase's timer fires: the interview's end while live, the feedback
        deadline in feedback, the unmask deadline while the question is open; else None."""
        return {
            Phase.LIVE: self.ends_at,
            Phase.FEEDBACK: self.feedback_deadline,
            Phase.REVEALED: self.unmask_deadline,
        }.get(self.phase)

    def next_deadline(self) -> int | None:
        """When ``tick`` next has something to do, or None."""
        due: list[int] = []
        phase_deadline = self.phase_deadline()
        if phase_deadline is not None:
            due.append(phase_deadline)
        for presence in self._presence.values():
            if presence.status == "reconnecting" and presence.left_at is not None:
                due.append(presence.left_at + self.options.grace_ms)
        return min(due, default=None)
    # -- persistence -----------------------------------------------------------------------

    def to_record(self) -> dict[str, Any]:
        """The whole state as a JSON-able dict (forms and identities included)."""
        return {
            "version": RECORD_VERSION,
            "session_id": self.id,
            "created_at": self.created_at,
            "options": self.options.to_dict(),
            "participants": [
                {
                    "id": p.id,
                    "role": p.role,
                    "identity": p.identity.to_dict(),
                    "pseudonym": p.pseudonym.to_dict(),
                }
                for p in self.participants
            ],
            "phase": self.phase.value,
            "started_at": self.started_at,
            "ends_at": self.ends_at,
            "ended_at": self.ended_at,
            "ended_by": self.ended_by,
            "feedback_deadline": self.feedback_deadline,
            "revealed_at": self.revealed_at,
            "unmask_offered": self.unmask_offered,
            "unmask_deadline": self.unmask_deadline,
            "closed_at": self.closed_at,
            "close_reason": self.close_reason,
            "presence": {pid: asdict(p) for pid, p in self._presence.items()},
            "feedback": self._feedback.to_record(),
            "unmask": self._unmask.to_record(),
            "recording": dict(self._consent),
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Self:
        try:
            if record["version"] != RECORD_VERSION:
                raise RecordError(f"unsupported record version {record['version']!r}")
            entries = record["participants"]
            participants = tuple(
                Participant(
                    id=str(e["id"]),
                    role=ROLES[ROLES.index(e["role"])],
                    identity=Identity(**e["identity"]),
                    pseudonym=Pseudonym(**e["pseudonym"]),
                )
                for e in entries
            )
            if len(participants) != 2 or [p.role for p in participants] != list(ROLES):
                raise RecordError("a record needs an interviewer and an interviewee, in order")
            session = cls(
                str(record["session_id"]),
                SessionOptions.from_dict(record["options"]),
                (participants[0], participants[1]),
                int(record["created_at"]),
            )
            session._load(record)
        except RecordError:
            raise
        except (KeyError, TypeError, ValueError, SessionError) as exc:
            raise RecordError(f"malformed session record: {exc}") from exc
        return session

    def _load(self, record: Mapping[str, Any]) -> None:
        """Restore the mutable state from a record (identities and options stay as they are)."""
        self.phase = Phase(record["phase"])
        self.started_at = _time(record, "started_at")
        self.ends_at = _time(record, "ends_at")
        self.ended_at = _time(record, "ended_at")
        self.ended_by = _choice(record, "ended_by", get_args(EndedBy))
        self.feedback_deadline = _time(record, "feedback_deadline")
        self.revealed_at = _time(record, "revealed_at")
        self.unmask_offered = _choice(record, "unmask_offered", (True, False))
        self.unmask_deadline = _time(record, "unmask_deadline")
        self.closed_at = _time(record, "closed_at")
        self.close_reason = _choice(record, "close_reason", get_args(CloseReason))
        presence = record["presence"]
        if set(presence) != set(self._by_id):
            raise RecordError("presence does not match the participants")
        self._presence = {}
        for pid in self._by_id:
            entry = presence[pid]
            self._presence[pid] = Presence(
                status=_choice(entry, "status", get_args(Status)),
                connections=int(entry["connections"]),
                joined_at=_time(entry, "joined_at"),
                left_at=_time(entry, "left_at"),
            )
        self._feedback = FeedbackExchange.from_record(record["feedback"])
        self._unmask = UnmaskHandshake.from_record(record["unmask"])
        consent = record.get("recording") or {}  # absent in records from before recording
        self._consent = {role: _choice(consent, role, (True, False)) if role in consent
                         else None for role in ROLES}


def _time(record: Mapping[str, Any], key: str) -> int | None:
    value = record[key]
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise RecordError(f"{key} must be an integer or null")
    return value


def _choice(record: Mapping[str, Any], key: str, allowed: tuple[Any, ...]) -> Any:
    value = record[key]
    if value is not None and value not in allowed:
        raise RecordError(f"{key} has an unexpected value {value!r}")
    return value
