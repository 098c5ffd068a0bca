"""The two feedback forms and their sealed exchange.

Interviewer about the interviewee::

    {"would_hire": bool, "technical": 1-4, "problem_solving": 1-4, "communication": 1-4,
     "notes": str (optional, at most MAX_NOTES_CHARS)}

Interviewee about the interviewer::

    {"would_work_with": bool, "question_quality": 1-4, "helpfulness": 1-4,
     "notes": str (optional), "self_assessment": 1-4}

``self_assessment`` is private: it is never part of what the interviewer sees. Unknown keys are
rejected and booleans are not accepted as scores. A submission is immutable. Until both forms
are in, each side sees only a submitted/pending status for the other (nothing about size or
shape); after that both see both (see :meth:`FeedbackExchange.reveal_for`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

from .lifecycle import ROLES, Role, SessionError, other_role
from .text import shown

MAX_NOTES_CHARS = 5000
SCORE_MIN = 1
SCORE_MAX = 4

Kind = Literal["bool", "score", "notes"]
SubmitStatus = Literal["pending", "submitted"]


class InvalidFeedback(SessionError):
    """A form failed validation; ``field`` names the offending key (None for the whole form)."""

    code = "invalid_feedback"

    def __init__(self, message: str, field: str | None) -> None:
        super().__init__(message)
        self.field = field


class AlreadySubmitted(SessionError):
    code = "already_submitted"


@dataclass(frozen=True)
class InterviewerForm:
    would_hire: bool
    technical: int
    problem_solving: int
    communication: int
    notes: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class IntervieweeForm:
    would_work_with: bool
    question_quality: int
    helpfulness: int
    self_assessment: int
    notes: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def shared_dict(self) -> dict[str, Any]:
        """What the interviewer may see: everything but the private self-assessment."""
        data = asdict(self)
        del data["self_assessment"]
        return data


Form = InterviewerForm | IntervieweeForm

# The schemas as data: field name -> kind. "notes" is the only optional kind.
INTERVIEWER_FIELDS: dict[str, Kind] = {
    "would_hire": "bool",
    "technical": "score",
    "problem_solving": "score",
    "communication": "score",
    "notes": "notes",
}
INTERVIEWEE_FIELDS: dict[str, Kind] = {
    "would_work_with": "bool",
    "question_quality": "score",
    "helpfulness": "score",
    "notes": "notes",
    "self_assessment": "score",
}


def _checked(form: object, fields: dict[str, Kind]) -> dict[str, Any]:
    if not isinstance(form, Mapping):
        raise InvalidFeedback("the form must be an object", None)
    for key in form:
        if not isinstance(key, str) or key not in fields:
            raise InvalidFeedback(f"unknown field {str(key)[:40]!r}", str(key)[:40])
    values: dict[str, Any] = {}
    for name, kind in fields.items():
        if name not in form:
            if kind == "notes":
                continue
            raise InvalidFeedback(f"{name!r} is required", name)
        value = form[name]
        if kind == "bool":
            if not isinstance(value, bool):
                raise InvalidFeedback(f"{name!r} must be true or false", name)
        elif kind == "score":
            # bool is a subclass of int; a checkbox must not pass as a score
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidFeedback(f"{name!r} must be an integer", name)
            if not SCORE_MIN <= value <= SCORE_MAX:
                raise InvalidFeedback(f"{name!r} must be between {SCORE_MIN} and {SCORE_MAX}", name)
        else:
            if not isinstance(value, str):
                raise InvalidFeedback(f"{name!r} must be a string", name)
            if len(value) > MAX_NOTES_CHARS:
                raise InvalidFeedback(
                    f"{name!r} must be at most {MAX_NOTES_CHARS} characters", name
                )
            value = shown(value)  # the other side reads it at the reveal
        values[name] = value
    return values


def parse_interviewer_form(form: object) -> InterviewerForm:
    return InterviewerForm(**_checked(form, INTERVIEWER_FIELDS))


def parse_interviewee_form(form: object) -> IntervieweeForm:
    return IntervieweeForm(**_checked(form, INTERVIEWEE_FIELDS))


def parse_form(role: Role, form: object) -> Form:
    """Validate the form ``role`` fills in; raises InvalidFeedback naming the field."""
    if role == "interviewer":
        return parse_interviewer_form(form)
    return parse_interviewee_form(form)


class FeedbackExchange:
    """Both sides' forms, sealed until both are in."""

    def __init__(self) -> None:
        self.interviewer: InterviewerForm | None = None
        self.interviewee: IntervieweeForm | None = None
        self.submitted_at: dict[Role, int] = {}

    def submitted(self, role: Role) -> bool:
        return role in self.submitted_at

    @property
    def complete(self) -> bool:
        return self.interviewer is not None and self.interviewee is not None

    def submit(self, role: Role, form: object, now: int) -> bool:
        """Store ``role``'s form; True if this was the second one (time to reveal)."""
        if self.submitted(role):
            raise AlreadySubmitted("feedback was already submitted and cannot be changed")
        parsed = parse_form(role, form)
        if isinstance(parsed, InterviewerForm):
            self.interviewer = parsed
        else:
            self.interviewee = parsed
        self.submitted_at[role] = now
        return self.complete

    def status_for(self, role: Role) -> dict[str, SubmitStatus]:
        def status(r: Role) -> SubmitStatus:
            return "submitted" if self.submitted(r) else "pending"

        return {"mine": status(role), "theirs": status(other_role(role))}

    def reveal_for(self, role: Role) -> dict[str, Any] | None:
        """Both forms as ``role`` may see them, or None while sealed."""
        if self.interviewer is None or self.interviewee is None:
            return None
        if role == "interviewer":
            return {
                "mine": self.interviewer.to_dict(),
                "theirs": self.interviewee.shared_dict(),
                "calibration": None,
            }
        return {
            "mine": self.interviewee.to_dict(),
            "theirs": self.interviewer.to_dict(),
            "calibration": {
                "self": self.interviewee.self_assessment,
                "actual": self.interviewer.technical,
            },
        }

    def to_record(self) -> dict[str, Any]:
        forms: dict[Role, Form | None] = {
            "interviewer": self.interviewer,
            "interviewee": self.interviewee,
        }
        record: dict[str, Any] = {}
        for role in ROLES:
            form = forms[role]
            record[role] = (
                None
                if form is None
                else {"form": form.to_dict(), "submitted_at": self.submitted_at[role]}
            )
        return record

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> FeedbackExchange:
        exchange = cls()
        for role in ROLES:
            entry = record[role]
            if entry is not None:
                exchange.submit(role, entry["form"], int(entry["submitted_at"]))
        return exchange
