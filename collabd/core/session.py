"""One interview session: the pure aggregate the runtime drives.

No I/O, no clock, no randomness: ``now`` (milliseconds) and the pseudonym seed are parameters.
The runtime holds one :class:`Session` per interview and, for every incoming event:

1. calls a mutating method (``join``, ``leave``, ``end``, ``cancel``, ``submit_feedback``,
   ``answer_unmask``, ``tick``). Each first applies whatever timers are due at ``now``, then
   the request. It returns the list of event names that happened (below), possibly empty.
   On a bad request it raises a :class:`SessionError` (``.code`` is stable) and the session is
   exactly as before the call, due timers included;
2. if the list is not empty, persists ``to_record()`` durably *before* acknowledging or
   broadcasting anything (this is what makes the reveal atomic across a crash);
3. sends each participant ``view_for(pid)``. To avoid a timing side channel (e.g. the other
   side learning the moment you answered the unmask question), send a participant a view only
   when it differs from the last one sent to them;
4. re-arms its single timer for ``next_deadline()`` and calls ``tick(now)`` when it fires.

After a restart: ``Session.from_record(record)``, then ``disconnect_all(now)`` because no
connection survived, then ``tick(now)``.

Event names returned by the mutating methods, in the order they happened:

- phase entries: ``"started"`` (live), ``"ended"`` (feedback), ``"revealed"``, ``"unmasked"``,
  ``"sealed"`` (see ``PHASE_EVENTS``); these are the ones worth a webhook;
- ``"presence_changed"``, ``"feedback_submitted"``, ``"unmask_answered"``.

Error codes: ``wrong_phase``, ``forbidden``, ``unknown_participant``, ``not_connected``,
``invalid_feedback``, ``already_submitted``, ``invalid_answer``, ``already_answered``,
``nothing_to_withdraw``.

Ending: the interviewer (``end(pid)``) or the embedder (``end(None)``) ends a live interview
into the feedback phase; ending in the lobby (someone never came) seals the session, as there
is nothing to review. ``cancel`` seals any non-terminal session at once: no reveal, no unmask.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any, Literal, get_args

from .feedback import FeedbackExchange
from .lifecycle import (
    ACTION_PHASES,
    ROLES,
    TERMINAL,
    Event,
    Phase,
    Role,
    SessionError,
    allowed,
    may,
    require,
    transition,
)
from .pseudonyms import Pseudonym, pseudonyms
from .unmask import Outcome, UnmaskHandshake, UnmaskPolicy

RECORD_VERSION = 1
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

    def __post_init__(self) -> None:
        for name in ("interview_ms", "feedback_ms", "unmask_ms", "grace_ms"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{name} must be an integer")
            if value < (0 if name == "grace_ms" else 1):
                raise ValueError(f"{name} is out of range")
        if not isinstance(self.policy, UnmaskPolicy):
            raise ValueError("policy must be an UnmaskPolicy")

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


class Session:
    """Create with :meth:`create` or :meth:`from_record`, not directly."""

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

    @classmethod
    def create(
        cls,
        session_id: str,
        interviewer: Identity,
        interviewee: Identity,
        options: SessionOptions,
        now: int,
        seed: str | bytes,
        pids: tuple[str, str],
    ) -> Session:
        """A new session in the lobby. ``pids`` are (interviewer, interviewee) participant ids;
        they and ``seed`` must be random, never derived from the identities."""
        if len(pids) != 2 or not all(isinstance(p, str) and p for p in pids):
            raise ValueError("pids must be two non-empty strings")
        if pids[0] == pids[1]:
            raise ValueError("the two participant ids must differ")
        names = pseudonyms(seed, 2)
        participants = (
            Participant(pids[0], "interviewer", interviewer, names[0]),
            Participant(pids[1], "interviewee", interviewee, names[1]),
        )
        return cls(session_id, options, participants, now)

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

    # -- mutations -------------------------------------------------------------------------

    def join(self, pid: str, now: int) -> list[str]:
        """A connection of ``pid`` opened (any phase: people come back to give feedback)."""
        with self._change(now) as out:
            self.participant(pid)
            presence = self._presence[pid]
            presence.connections += 1
            presence.left_at = None
            if presence.joined_at is None:
                presence.joined_at = now
            if presence.status != "connected":
                presence.status = "connected"
                out.append(PRESENCE_CHANGED)
            everyone_came = all(p.joined_at is not None for p in self._presence.values())
            if self.phase is Phase.LOBBY and everyone_came:
                self._enter(Event.START, now, out)
        return out

    def leave(self, pid: str, now: int, clean: bool = False) -> list[str]:
        """A connection of ``pid`` closed; with none left they are reconnecting for a grace,
        or ``left`` at once when that last connection said goodbye (``clean``)."""
        with self._change(now) as out:
            self.participant(pid)
            presence = self._presence[pid]
            if presence.connections == 0:
                raise NotConnected("this participant has no open connection")
            presence.connections -= 1
            if presence.connections == 0:
                presence.status = "left" if clean else "reconnecting"
                presence.left_at = now
                out.append(PRESENCE_CHANGED)
        return out

    def disconnect_all(self, now: int) -> list[str]:
        """Every connection is gone (the server restarted): all connected become reconnecting."""
        with self._change(now) as out:
            for presence in self._presence.values():
                if presence.connections:
                    presence.connections = 0
                    presence.status = "reconnecting"
                    presence.left_at = now
                    out.append(PRESENCE_CHANGED)
        return out

    def end(self, by_pid: str | None, now: int) -> list[str]:
        """End the interview: by the interviewer (``by_pid``) or by the embedder (None)."""
        with self._change(now) as out:
            if by_pid is not None and self.participant(by_pid).role != "interviewer":
                raise Forbidden("only the interviewer can end the interview")
            transition(self.phase, Event.END)  # raises before anything changes
            self.ended_at = now
            self.ended_by = "interviewer" if by_pid is not None else "embedder"
            if self.phase is Phase.LOBBY:
                self.close_reason = "ended_in_lobby"
            self._enter(Event.END, now, out)
        return out

    def cancel(self, now: int) -> list[str]:
        """The embedder aborts the session: sealed at once, nothing revealed or unmasked."""
        with self._change(now) as out:
            transition(self.phase, Event.CANCEL)
            if self.phase in (Phase.LOBBY, Phase.LIVE):
                self.ended_at = now
                self.ended_by = "cancelled"
            self.close_reason = "cancelled"
            self._enter(Event.CANCEL, now, out)
        return out

    def submit_feedback(self, pid: str, form: object, now: int) -> list[str]:
        """Store ``pid``'s form (validated, immutable); the second form reveals both at once."""
        with self._change(now) as out:
            role = self.participant(pid).role
            require(self.phase, "submit_feedback")
            complete = self._feedback.submit(role, form, now)
            out.append(FEEDBACK_SUBMITTED)
            if complete:
                self._reveal(now, out)
        return out

    def answer_unmask(self, pid: str, answer: object, now: int) -> list[str]:
        """``answer`` is "yes", "no" or "withdraw" (a yes, while the other has not answered)."""
        with self._change(now) as out:
            role = self.participant(pid).role
            require(self.phase, "answer_unmask")
            outcome = self._unmask.answer(role, answer)
            out.append(UNMASK_ANSWERED)
            if outcome is Outcome.AGREED:
                self.close_reason = "unmasked"
                self._enter(Event.UNMASK, now, out)
            elif outcome is Outcome.DECLINED:
                self.close_reason = "no_mutual_unmask"
                self._enter(Event.SEAL, now, out)
        return out

    def tick(self, now: int) -> list[str]:
        """Apply every timer due at ``now``."""
        with self._change(now) as out:
            pass
        return out

    # -- internals -------------------------------------------------------------------------

    @contextmanager
    def _change(self, now: int) -> Iterator[list[str]]:
        # All-or-nothing: due timers and the request are applied together or not at all, so
        # a refused request leaves nothing half-done that was never persisted. Timers run
        # before the request (a form after the deadline is late) and after it (so nothing is
        # ever left due at ``now``, e.g. a leave with a zero grace period).
        snapshot = self.to_record()
        out: list[str] = []
        try:
            self._apply_due(now, out)
            yield out
            self._apply_due(now, out)
        except BaseException:
            self._load(snapshot)
            raise

    def _apply_due(self, now: int, out: list[str]) -> None:
        for presence in self._presence.values():
            if presence.status == "reconnecting" and presence.left_at is not None:
                if presence.left_at + self.options.grace_ms <= now:
                    presence.status = "away"
                    out.append(PRESENCE_CHANGED)
        # Deadlines cascade (a server that was down for a day may owe several); each one takes
        # effect at its scheduled time, not at the late ``now``.
        while True:
            if self.phase is Phase.LIVE and self.ends_at is not None and self.ends_at <= now:
                self.ended_at = self.ends_at
                self.ended_by = "time_limit"
                self._enter(Event.TIME_UP, self.ends_at, out)
            elif (
                self.phase is Phase.FEEDBACK
                and self.feedback_deadline is not None
                and self.feedback_deadline <= now
            ):
                self.close_reason = "feedback_expired"
                self._enter(Event.FEEDBACK_EXPIRED, self.feedback_deadline, out)
            elif (
                self.phase is Phase.REVEALED
                and self.unmask_deadline is not None
                and self.unmask_deadline <= now
            ):
                self.close_reason = "no_mutual_unmask"
                self._enter(Event.SEAL, self.unmask_deadline, out)
            else:
                return

    def _enter(self, event: Event, at: int, out: list[str]) -> None:
        self.phase = transition(self.phase, event)
        if self.phase is Phase.LIVE:
            self.started_at = at
            self.ends_at = at + self.options.interview_ms
        elif self.phase is Phase.FEEDBACK:
            self.feedback_deadline = at + self.options.feedback_ms
        elif self.phase is Phase.REVEALED:
            self.revealed_at = at
        else:
            self.closed_at = at
        out.append(PHASE_EVENTS[self.phase])

    def _reveal(self, now: int, out: list[str]) -> None:
        self._enter(Event.REVEAL, now, out)
        interviewer, interviewee = self._feedback.interviewer, self._feedback.interviewee
        assert interviewer is not None and interviewee is not None
        if self.options.policy.holds(interviewer, interviewee):
            self.unmask_offered = True
            self.unmask_deadline = now + self.options.unmask_ms
        else:
            self.unmask_offered = False
            self.close_reason = "not_offered"
            self._enter(Event.SEAL, now, out)

    # -- views -----------------------------------------------------------------------------

    def actions_for(self, pid: str) -> list[str]:
        """What ``pid`` may do now, by lifecycle.ACTION_PHASES and ACTION_ROLES (SPEC 8.2):
        it changes only with the phase. A form already sent is in the view's feedback."""
        role = self.participant(pid).role
        return [a for a in ACTION_PHASES if allowed(self.phase, a) and may(role, a)
                and (a != "replay" or self.revealed_at is not None)
                and (a != "answer_unmask" or self.unmask_offered)]

    def view_for(self, pid: str) -> dict[str, Any]:
        """Everything ``pid`` may see, and nothing else (JSON-able)."""
        me = self.participant(pid)
        them = self.other(pid)
        result: dict[str, Any] | None = None
        if self.phase is Phase.UNMASKED:
            result = {"unmasked": True, "identity": them.identity.to_dict()}
        elif self.phase is Phase.SEALED:
            result = {"unmasked": False, "identity": None}
        return {
            "session_id": self.id,
            "you": pid,
            "phase": self.phase.value,
            "participants": [
                {
                    "id": p.id,
                    "role": p.role,
                    "name": p.pseudonym.name,
                    "color": p.pseudonym.color,
                    "color_light": p.pseudonym.color_light,
                    "status": self._presence[p.id].status,
                }
                for p in self.participants
            ],
            "ends_at": self.phase_deadline(),
            "read_only": self.is_read_only(),
            "close_reason": self.close_reason if self.is_terminal() else None,
            "feedback": {**self._feedback.status_for(me.role), "deadline": self.feedback_deadline},
            "reveal": self._feedback.reveal_for(me.role) if self.revealed_at is not None else None,
            "unmask": {
                "offered": bool(self.unmask_offered),
                "mine": self._unmask.answers[me.role],
                "deadline": self.unmask_deadline,
            },
            "unmask_result": result,
            "actions": self.actions_for(pid),
        }

    def admin_view(self) -> dict[str, Any]:
        """Status for the embedder's API: phases, presence, times, flags; no form contents,
        no unmask answers, no identities."""
        return {
            "session_id": self.id,
            "phase": self.phase.value,
            "read_only": self.is_read_only(),
            "created_at": self.created_at,
            "started_at": self.started_at,
            "ends_at": self.ends_at,
            "ended_at": self.ended_at,
            "ended_by": self.ended_by,
            "feedback_deadline": self.feedback_deadline,
            "revealed_at": self.revealed_at,
            "unmask_deadline": self.unmask_deadline,
            "closed_at": self.closed_at,
            "close_reason": self.close_reason,
            "next_deadline": self.next_deadline(),
            "participants": [
                {
                    "id": p.id,
                    "role": p.role,
                    "pseudonym": p.pseudonym.name,
                    "status": self._presence[p.id].status,
                    "joined_at": self._presence[p.id].joined_at,
                    "feedback_submitted": self._feedback.submitted(p.role),
                }
                for p in self.participants
            ],
            "unmask": {
                "offered": self.unmask_offered,
                "unmasked": None if not self.is_terminal() else self.phase is Phase.UNMASKED,
            },
        }

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
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Session:
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
