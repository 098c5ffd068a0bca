"""Checks of what the protocol promises the two sides see after the feedback."""

from __future__ import annotations

import msgspec

from collab_protocol import FeedbackReveal
from collab_protocol.forms import IntervieweeForm, InterviewerForm, private_fields

from .outcome import SimulationError
from .plan import SessionPlan


def check_reveal(
    plan: SessionPlan, er_reveal: FeedbackReveal | None, ee_reveal: FeedbackReveal | None
) -> None:
    """Each side's reveal is what the forms' Structs say it may see: the interviewer's lacks
    the private fields, the interviewee's carries the calibration."""
    if er_reveal is None or ee_reveal is None:
        raise SimulationError("a reveal is missing")
    er_form = msgspec.convert(plan.interviewer_form, InterviewerForm)
    ee_form = msgspec.convert(plan.interviewee_form, IntervieweeForm)
    er_theirs = dict(er_reveal.theirs)
    leaked = private_fields(IntervieweeForm) & set(er_theirs)
    if leaked:
        raise SimulationError(f"the interviewer's reveal carries {', '.join(sorted(leaked))}")
    if er_theirs != ee_form.shared_dict():
        raise SimulationError("the interviewer's reveal differs from the interviewee's form")
    if dict(ee_reveal.theirs) != er_form.to_dict():
        raise SimulationError("the interviewee's reveal differs from the interviewer's form")
    calibration = dict(ee_reveal.calibration or {})
    want = {"self": ee_form.self_assessment, "actual": er_form.technical}
    if calibration != want:
        raise SimulationError(f"calibration {calibration!r}, expected {want!r}")
