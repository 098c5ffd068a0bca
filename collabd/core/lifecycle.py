"""The phases of an interview session, as data.

The lifecycle is a transition table in the spirit of h11's ``_state.py``:
``TRANSITIONS[(phase, event)]`` is the phase an event leads to, and anything missing from the
table is illegal. :func:`transition` raises :class:`IllegalTransition` for an illegal pair and
has no side effects, so a caller that asks before it mutates changes nothing on error.

::

    lobby --start--> live --end / time_up--> feedback --reveal--> revealed --unmask--> unmasked
                                                                          \\--seal----> sealed
    lobby     --end-------------> sealed   ended before both ever joined: nothing to review
    feedback  --feedback_expired-> sealed  fewer than two forms by the deadline: no reveal
    lobby, live, feedback, revealed --cancel--> sealed   the embedder aborts the session

"Ended" is not a phase of its own: the feedback phase starts at the very moment the interview
ends, so "ended" is the feedback phase (the session records ``ended_at``). From feedback on the
shared document is read-only. ``unmasked`` and ``sealed`` are terminal: no event leaves them.

Actions that do not change the phase (submitting a form, answering the unmask question,
editing the document, chat, calls, runs...) are allowed only in the phases listed in
``ACTION_PHASES``: one row per action, the only place a phase gate is written.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from collab_protocol.phases import INTERVIEW_PHASES
from collab_protocol.phases import Phase as Phase  # defined once, in the protocol

Role = Literal["interviewer", "interviewee"]
ROLES: tuple[Role, Role] = ("interviewer", "interviewee")


def other_role(role: Role) -> Role:
    return "interviewee" if role == "interviewer" else "interviewer"


class SessionError(Exception):
    """A request the session refused; nothing changed.

    Like h11's ``LocalProtocolError``: the caller asked for something the rules do not allow.
    ``code`` is stable and machine-readable (the runtime forwards it to clients and the API);
    the message is for people. Messages never contain real identities.
    """

    code: str = "session_error"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class IllegalTransition(SessionError):
    """The event or action is not allowed in the current phase."""

    code = "wrong_phase"


class Event(StrEnum):
    START = "start"  # both participants have joined at least once
    END = "end"  # the interviewer or the embedder ends the interview
    TIME_UP = "time_up"  # the interview length has elapsed
    REVEAL = "reveal"  # the second feedback form arrived
    FEEDBACK_EXPIRED = "feedback_expired"  # the feedback deadline passed without both forms
    UNMASK = "unmask"  # both said yes
    SEAL = "seal"  # a no, the unmask deadline, or the unmask policy does not hold
    CANCEL = "cancel"  # the embedder aborts the session


TRANSITIONS: dict[tuple[Phase, Event], Phase] = {
    (Phase.LOBBY, Event.START): Phase.LIVE,
    (Phase.LOBBY, Event.END): Phase.SEALED,
    (Phase.LOBBY, Event.CANCEL): Phase.SEALED,
    (Phase.LIVE, Event.END): Phase.FEEDBACK,
    (Phase.LIVE, Event.TIME_UP): Phase.FEEDBACK,
    (Phase.LIVE, Event.CANCEL): Phase.SEALED,
    (Phase.FEEDBACK, Event.REVEAL): Phase.REVEALED,
    (Phase.FEEDBACK, Event.FEEDBACK_EXPIRED): Phase.SEALED,
    (Phase.FEEDBACK, Event.CANCEL): Phase.SEALED,
    (Phase.REVEALED, Event.UNMASK): Phase.UNMASKED,
    (Phase.REVEALED, Event.SEAL): Phase.SEALED,
    (Phase.REVEALED, Event.CANCEL): Phase.SEALED,
}

TERMINAL: frozenset[Phase] = frozenset({Phase.UNMASKED, Phase.SEALED})

# What a participant may do without changing the phase, and in which phases: every phase
# gate of the server is a row here (the runtime's handlers and `Session` ask `allowed` or
# `require`), and the session view lists the actions allowed now (Session.actions_for).
_ALL = frozenset(Phase)
_INTERVIEW = INTERVIEW_PHASES
ACTION_PHASES: dict[str, frozenset[Phase]] = {
    "edit_document": _INTERVIEW,
    "end_interview": frozenset(p for (p, e) in TRANSITIONS if e is Event.END),
    "set_question": _INTERVIEW,
    "run": _INTERVIEW,
    "call": _INTERVIEW,  # offers, answers, candidates; a hangup is always let through
    "chat": _ALL - {Phase.SEALED},
    "save_notes": _ALL,
    "submit_feedback": frozenset({Phase.FEEDBACK}),
    "answer_unmask": frozenset({Phase.REVEALED}),
    "replay": frozenset({Phase.REVEALED, Phase.UNMASKED, Phase.SEALED}),  # once revealed
    # the call in the replay: consent is asked before the call; chunks only while live
    "consent_recording": frozenset({Phase.LOBBY, Phase.LIVE}),
    "record": frozenset({Phase.LIVE}),
}


# Actions only some roles may take (every other action: both participants).
ACTION_ROLES: dict[str, frozenset[Role]] = {
    "end_interview": frozenset({"interviewer"}),
    "set_question": frozenset({"interviewer"}),
}


def may(role: str, action: str) -> bool:
    """Whether a participant of ``role`` may take ``action`` at all (in some phase)."""
    roles = ACTION_ROLES.get(action)
    return roles is None or role in roles


def transition(phase: Phase, event: Event) -> Phase:
    """The phase ``event`` leads to from ``phase``; raises IllegalTransition if none."""
    try:
        return TRANSITIONS[(phase, event)]
    except KeyError:
        raise IllegalTransition(
            f"{event.value!r} is not allowed in phase {phase.value!r}"
        ) from None


def allowed(phase: Phase, action: str) -> bool:
    """Whether ``action`` (a key of ACTION_PHASES) is allowed in ``phase``."""
    return phase in ACTION_PHASES[action]


def require(phase: Phase, action: str) -> None:
    """Raise IllegalTransition unless ``action`` is allowed in ``phase``."""
    if phase not in ACTION_PHASES[action]:
        raise IllegalTransition(f"{action!r} is not allowed in phase {phase.value!r}")
