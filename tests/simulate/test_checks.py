"""The bots check the reveal against the forms' Structs (private fields, shared fields,
calibration), and draw forms the schema accepts."""

from __future__ import annotations

import dataclasses

import msgspec
import pytest

from collab_protocol import FeedbackReveal
from collab_protocol.forms import IntervieweeForm, InterviewerForm, private_fields
from collabd.simulate.checks import check_reveal
from collabd.simulate.distribution import FeedbackDistribution, _checked
from collabd.simulate.outcome import SimulationError
from collabd.simulate.plan import plan_session

PLAN = plan_session(0, seed=1, distribution=FeedbackDistribution())


def reveals(**interviewer_theirs: object) -> tuple[FeedbackReveal, FeedbackReveal]:
    er_form = InterviewerForm(**PLAN.interviewer_form)
    ee_form = IntervieweeForm(**PLAN.interviewee_form)
    er = FeedbackReveal(mine=er_form.to_dict(),
                        theirs={**ee_form.shared_dict(), **interviewer_theirs})
    ee = FeedbackReveal(mine=ee_form.to_dict(), theirs=er_form.to_dict(), calibration={
        "self": ee_form.self_assessment, "actual": er_form.technical})
    return er, ee


def test_the_reveals_the_forms_allow_pass() -> None:
    check_reveal(PLAN, *reveals())


def test_a_private_field_in_the_interviewers_reveal_fails_the_session() -> None:
    (private,) = private_fields(IntervieweeForm)
    with pytest.raises(SimulationError, match=private):
        check_reveal(PLAN, *reveals(**{private: PLAN.interviewee_form[private]}))


def test_a_wrong_calibration_fails_the_session() -> None:
    er, ee = reveals()
    ee = msgspec.structs.replace(ee, calibration={"self": 0, "actual": 0})
    with pytest.raises(SimulationError, match="calibration"):
        check_reveal(PLAN, er, ee)


def test_drawn_forms_are_valid_under_the_schema() -> None:
    for i in range(50):
        plan = plan_session(i, seed=2, distribution=FeedbackDistribution())
        assert msgspec.convert(plan.interviewer_form, InterviewerForm).to_dict() == (
            plan.interviewer_form)
        assert msgspec.convert(plan.interviewee_form, IntervieweeForm).to_dict() == (
            plan.interviewee_form)


def test_a_draw_outside_the_schemas_bounds_is_refused() -> None:
    skewed = dataclasses.replace(FeedbackDistribution(), technical_cuts=(-9.0, -8.0, -7.0))
    assert plan_session(0, seed=3, distribution=skewed).interviewer_form["technical"] == 4
    with pytest.raises(msgspec.ValidationError):
        _checked(InterviewerForm(would_hire=True, technical=5, problem_solving=1,
                                 communication=1))
