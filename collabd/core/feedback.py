"""The two feedback forms and their sealed exchange.

The forms are defined once, in collab_protocol.forms (SPEC 12.3): the interviewer's about the
interviewee (would_hire, three 1-4 scores, optional notes) and the interviewee's about the
interviewer (would_work_with, two 1-4 scores, optional notes, and the private
``self_assessment``, never part of what the interviewer sees). Unknown keys are rejected and
booleans are not accepted as scores. A submission is immutable. Until both forms are in, each
side sees only a submitted/pending status for the other (nothing about size or shape); after
that both see both (see :meth:`FeedbackExchange.reveal_for`).
"""

from __future__ import annotations

import re
import typing
from collections.abc import Mapping
from typing import Any, Literal

import msgspec

from collab_protocol.forms import (
    FORMS,
    MAX_NOTES_CHARS,
    SCORE_MAX,
    SCORE_MIN,
    Form,
    IntervieweeForm,
    InterviewerForm,
)

from .lifecycle import ROLES, Role, SessionError, other_role
from .text import shown

__all__ = ["MAX_NOTES_CHARS", "SCORE_MAX", "SCORE_MIN", "AlreadySubmitted", "FeedbackExchange",
           "Form", "IntervieweeForm", "InterviewerForm", "InvalidFeedback", "parse_form"]

SubmitStatus = Literal["pending", "submitted"]


class InvalidFeedback(SessionError):
    """A form failed validation; ``field`` names the offending key (None for the whole form)."""

    code = "invalid_feedback"

    def __init__(self, message: str, field: str | None) -> None:
        super().__init__(message)
        self.field = field


class AlreadySubmitted(SessionError):
    code = "already_submitted"


_AT_FIELD = re.compile(r"`\$\.([A-Za-z_]+)`")


def _parsed(form: object, schema: type[Form]) -> Form:
    if not isinstance(form, Mapping):
        raise InvalidFeedback("the form must be an object", None)
    for key in form:
        if not isinstance(key, str) or key not in schema.__struct_fields__:
            raise InvalidFeedback(f"unknown field {str(key)[:40]!r}", str(key)[:40])
    try:
        parsed = msgspec.convert(dict(form), schema)
    except msgspec.ValidationError as exc:
        raise _invalid(form, schema, exc) from None
    if isinstance(parsed, InterviewerForm | IntervieweeForm) and parsed.notes:
        parsed = msgspec.structs.replace(parsed, notes=shown(parsed.notes))  # read at the reveal
    return parsed


def _invalid(form: Mapping[Any, Any], schema: type[Form], exc: Exception) -> InvalidFeedback:
    """The schema's refusal, said in the words of SPEC 12.3's table, naming the field."""
    at = _AT_FIELD.search(str(exc))
    name = at.group(1) if at else next(n for n in schema.__struct_fields__ if n not in form)
    if name not in form:
        return InvalidFeedback(f"{name!r} is required", name)
    value = form[name]
    kind = next(typing.get_args(f.type)[0]
                for f in msgspec.structs.fields(schema) if f.name == name)
    if kind is bool:
        return InvalidFeedback(f"{name!r} must be true or false", name)
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            return InvalidFeedback(f"{name!r} must be an integer", name)
        return InvalidFeedback(f"{name!r} must be between {SCORE_MIN} and {SCORE_MAX}", name)
    if not isinstance(value, str):
        return InvalidFeedback(f"{name!r} must be a string", name)
    return InvalidFeedback(f"{name!r} must be at most {MAX_NOTES_CHARS} characters", name)


def parse_interviewer_form(form: object) -> InterviewerForm:
    parsed = _parsed(form, InterviewerForm)
    assert isinstance(parsed, InterviewerForm)
    return parsed


def parse_interviewee_form(form: object) -> IntervieweeForm:
    parsed = _parsed(form, IntervieweeForm)
    assert isinstance(parsed, IntervieweeForm)
    return parsed


def parse_form(role: Role, form: object) -> Form:
    """Validate the form ``role`` fills in; raises InvalidFeedback naming the field."""
    return _parsed(form, FORMS[role])


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
        if role == "interviewer":
            self.interviewer = parse_interviewer_form(form)
        else:
            self.interviewee = parse_interviewee_form(form)
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
