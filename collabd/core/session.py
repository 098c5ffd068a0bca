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
- ``"presence_changed"``, ``"feedback_submitted"``, ``"unmask_answered"``,
  ``"recording_changed"`` (a participant's recording consent changed).

Error codes: ``wrong_phase``, ``forbidden``, ``unknown_participant``, ``not_connected``,
``invalid_feedback``, ``already_submitted``, ``invalid_answer``, ``already_answered``,
``nothing_to_withdraw``.

Ending: the interviewer (``end(pid)``) or the embedder (``end(None)``) ends a live interview
into the feedback phase; ending in the lobby (someone never came) seals the session, as there
is nothing to review. ``cancel`` seals any non-terminal session at once: no reveal, no unmask.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from .lifecycle import Event, Phase, SessionError, require, transition
from .pseudonyms import pseudonyms
from .session_state import RECORD_VERSION
from .session_types import (
    FEEDBACK_SUBMITTED,
    HOUR,
    MINUTE,
    PHASE_EVENTS,
    PRESENCE_CHANGED,
    RECORDING_CHANGED,
    SECOND,
    UNMASK_ANSWERED,
    CloseReason,
    EndedBy,
    Forbidden,
    Identity,
    NotConnected,
    Participant,
    Presence,
    RecordError,
    SessionOptions,
    Status,
    UnknownParticipant,
)
from .session_views import SessionViews
from .unmask import Outcome

__all__ = [  # the names collabd.core.session has always offered
    "FEEDBACK_SUBMITTED",
    "HOUR",
    "MINUTE",
    "PHASE_EVENTS",
    "PRESENCE_CHANGED",
    "RECORD_VERSION",
    "SECOND",
    "RECORDING_CHANGED",
    "UNMASK_ANSWERED",
    "CloseReason",
    "EndedBy",
    "Forbidden",
    "Identity",
    "NotConnected",
    "Participant",
    "Presence",
    "RecordError",
    "Session",
    "SessionOptions",
    "Status",
    "UnknownParticipant",
]


class Session(SessionViews):
    """Create with :meth:`create` or :meth:`from_record`, not directly. The fields, queries
    and record are in session_state.py, the views in session_views.py."""

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

    def consent_recording(self, pid: str, yes: object, now: int) -> list[str]:
        """``pid`` agrees (True) or does not, or no longer (False), that the call is recorded;
        recording needs both. Answering again with the same value changes nothing."""
        with self._change(now) as out:
            role = self.participant(pid).role
            require(self.phase, "consent_recording")
            if not isinstance(yes, bool):
                raise SessionError("consent must be true or false", "invalid_answer")
            if not self.options.recording:
                raise Forbidden("this session does not record calls")
            if self._consent[role] is not yes:
                self._consent[role] = yes
                out.append(RECORDING_CHANGED)
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
