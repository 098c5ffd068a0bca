"""The pure domain of collabd: no asyncio, no sockets, no clock reads, no randomness."""

from .feedback import (
    AlreadySubmitted,
    FeedbackExchange,
    IntervieweeForm,
    InterviewerForm,
    InvalidFeedback,
    parse_form,
)
from .lifecycle import IllegalTransition, Phase, Role, SessionError
from .pseudonyms import Pseudonym, pseudonym, pseudonyms
from .session import (
    PHASE_EVENTS,
    Forbidden,
    Identity,
    NotConnected,
    Participant,
    RecordError,
    Session,
    SessionOptions,
    UnknownParticipant,
)
from .unmask import AlreadyAnswered, Answer, InvalidAnswer, NothingToWithdraw, UnmaskPolicy

__all__ = [
    "PHASE_EVENTS",
    "AlreadyAnswered",
    "AlreadySubmitted",
    "Answer",
    "FeedbackExchange",
    "Forbidden",
    "IllegalTransition",
    "Identity",
    "IntervieweeForm",
    "InterviewerForm",
    "InvalidAnswer",
    "InvalidFeedback",
    "NotConnected",
    "NothingToWithdraw",
    "Participant",
    "Phase",
    "Pseudonym",
    "RecordError",
    "Role",
    "Session",
    "SessionError",
    "SessionOptions",
    "UnknownParticipant",
    "UnmaskPolicy",
    "parse_form",
    "pseudonym",
    "pseudonyms",
]
