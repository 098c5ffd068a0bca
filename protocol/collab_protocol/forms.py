"""The two feedback forms (SPEC 12.3), defined once.

Each form is a Struct: its fields, types and bounds are what `feedback.submit.form` must hold
for the sender's role (unknown fields refused, booleans are not scores). Each field's Meta
carries its SPEC meaning (`description`) and the label clients show (`title`); `extra` marks the
private field (the interviewee's self-assessment, never shown to the interviewer) and its help
text. The server validates with these Structs (collabd.core.feedback), SPEC.md's table and the
web client's form definition are generated from them (protocol/gen_schema.py).
"""

# No `from __future__ import annotations`: msgspec reads the annotations as real types.
from typing import Annotated, Any, ClassVar

import msgspec
from msgspec import Meta

SCORE_MIN = 1
SCORE_MAX = 4
SCORE_LABELS = ("Poor", "Mixed", "Good", "Excellent")  # what 1..4 mean, in order
MAX_NOTES_CHARS = 5000  # code points

PRIVATE_HELP = (
    "Never shown to the interviewer. After the reveal you see it beside their score. The operator"
    " of this service keeps it with the other answers for a study of how well people judge their"
    " own interviews, reported only in aggregate.")


class Form(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    ROLE: ClassVar[str] = ""
    TITLE: ClassVar[str] = ""  # the heading clients show above the form

    def to_dict(self) -> dict[str, Any]:
        return msgspec.structs.asdict(self)

    def shared_dict(self) -> dict[str, Any]:
        """What the other side may see: everything but the private fields."""
        private = private_fields(type(self))
        return {k: v for k, v in self.to_dict().items() if k not in private}


class InterviewerForm(Form, frozen=True):
    """The interviewer's feedback about the interviewee."""

    ROLE = "interviewer"
    TITLE = "Your feedback about the candidate"

    would_hire: Annotated[bool, Meta(
        title="Would you hire this candidate?", description="Would hire the interviewee.")]
    technical: Annotated[int, Meta(
        ge=SCORE_MIN, le=SCORE_MAX, title="Technical ability", description="Technical ability.")]
    problem_solving: Annotated[int, Meta(
        ge=SCORE_MIN, le=SCORE_MAX, title="Problem solving", description="Problem solving.")]
    communication: Annotated[int, Meta(
        ge=SCORE_MIN, le=SCORE_MAX, title="Communication", description="Communication.")]
    notes: Annotated[str, Meta(
        max_length=MAX_NOTES_CHARS, title="Notes for the candidate (optional)",
        description="Free text.")] = ""


class IntervieweeForm(Form, frozen=True):
    """The interviewee's feedback about the interviewer, and their private self-assessment."""

    ROLE = "interviewee"
    TITLE = "Your feedback about the interviewer"

    would_work_with: Annotated[bool, Meta(
        title="Would you want to work with this interviewer?",
        description="Would want to work with the interviewer.")]
    question_quality: Annotated[int, Meta(
        ge=SCORE_MIN, le=SCORE_MAX, title="Quality of the question",
        description="Quality of the question.")]
    helpfulness: Annotated[int, Meta(
        ge=SCORE_MIN, le=SCORE_MAX, title="Helpfulness of the interviewer",
        description="Helpfulness of the interviewer.")]
    self_assessment: Annotated[int, Meta(
        ge=SCORE_MIN, le=SCORE_MAX, title="How well do you think you did?",
        description='"How well do you think you did?" — private: never shown to the interviewer.',
        extra={"private": True, "help": PRIVATE_HELP})]
    notes: Annotated[str, Meta(
        max_length=MAX_NOTES_CHARS, title="Notes for the interviewer (optional)",
        description="Free text.")] = ""


FORMS: dict[str, type[Form]] = {f.ROLE: f for f in (InterviewerForm, IntervieweeForm)}


def field_meta(tp: Any) -> Meta:
    """The Meta of an Annotated field type (every form field has one)."""
    return next(a for a in getattr(tp, "__metadata__", ()) if isinstance(a, Meta))


def private_fields(form: type[Form]) -> frozenset[str]:
    return frozenset(f.name for f in msgspec.structs.fields(form)
                     if (field_meta(f.type).extra or {}).get("private"))
