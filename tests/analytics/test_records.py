import dataclasses

import pytest

from collabd.analytics.records import (
    INTERVIEWEE_FORM_INVALID,
    INTERVIEWEE_FORM_MISSING,
    INTERVIEWER_FORM_INVALID,
    INTERVIEWER_FORM_MISSING,
    NOT_ENDED,
    SIMULATED,
    InterviewRecord,
    Observation,
    classify,
    record_from_dict,
    record_to_dict,
)

from .helpers import interviewee_form, interviewer_form, record

ER_INVALID = INTERVIEWER_FORM_INVALID
EE_INVALID = INTERVIEWEE_FORM_INVALID


def test_complete_record_becomes_observation():
    obs = classify(record(1, 3, 2, rating=(4, 1), would_work_with=False))
    assert isinstance(obs, Observation)
    assert (obs.actual, obs.perceived, obs.error) == (3, 2, -1)
    assert obs.interviewer_rating == 2.5  # mean of question_quality 4 and helpfulness 1
    assert obs.would_work_with is False
    assert obs.would_hire is True


def test_record_is_frozen():
    r = record(1, 3, 3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.simulated = True  # type: ignore[misc]


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"ended_at": None}, NOT_ENDED),
        ({"interviewer_form": None}, INTERVIEWER_FORM_MISSING),
        ({"interviewee_form": None}, INTERVIEWEE_FORM_MISSING),
        # both forms missing: the first reason in the documented order wins
        ({"interviewer_form": None, "interviewee_form": None}, INTERVIEWER_FORM_MISSING),
        ({"ended_at": None, "interviewer_form": None}, NOT_ENDED),
        ({"interviewer_form": interviewer_form(5)}, ER_INVALID),
        ({"interviewer_form": interviewer_form(0)}, ER_INVALID),
        ({"interviewer_form": {"technical": 3}}, ER_INVALID),
        ({"interviewer_form": {**interviewer_form(3), "technical": 3.0}}, ER_INVALID),
        ({"interviewer_form": {**interviewer_form(3), "technical": True}}, ER_INVALID),
        ({"interviewee_form": interviewee_form(7)}, EE_INVALID),
        ({"interviewee_form": interviewee_form(3, helpfulness=0)}, EE_INVALID),
        ({"interviewee_form": {**interviewee_form(3), "would_work_with": "yes"}},
         EE_INVALID),
        ({"interviewee_form": {"self_assessment": 3}}, EE_INVALID),
    ],
)  # fmt: skip
def test_exclusion_reasons(changes, reason):
    r = dataclasses.replace(record(1, 3, 3), **changes)
    assert classify(r) == reason


def test_simulated_is_excluded_only_on_request_and_takes_precedence():
    sim = dataclasses.replace(record(1, 3, 3, simulated=True), ended_at=None)
    assert classify(sim) == NOT_ENDED
    assert classify(sim, include_simulated=False) == SIMULATED
    ok = classify(record(2, 3, 3, simulated=True))
    assert isinstance(ok, Observation) and ok.simulated


def test_extra_form_fields_are_ignored():
    r = dataclasses.replace(
        record(1, 2, 3), interviewer_form={**interviewer_form(2), "new_question": "x"}
    )
    assert isinstance(classify(r), Observation)


def test_dict_round_trip():
    r = record(1, 3, 4, simulated=True)
    assert record_from_dict(record_to_dict(r)) == r
    bare = InterviewRecord("s", None, "a", "b", False, None, None)
    assert record_from_dict(record_to_dict(bare)) == bare


@pytest.mark.parametrize(
    "data",
    [
        {"ended_at": 1, "interviewer_pid": "a", "interviewee_pid": "b"},
        {"session_id": 1, "ended_at": 1, "interviewer_pid": "a", "interviewee_pid": "b"},
        {"session_id": "s", "ended_at": "x", "interviewer_pid": "a", "interviewee_pid": "b"},
        {"session_id": "s", "ended_at": True, "interviewer_pid": "a", "interviewee_pid": "b"},
        {"session_id": "s", "ended_at": 1, "interviewer_pid": "a", "interviewee_pid": "b",
         "simulated": 1},
        {"session_id": "s", "ended_at": 1, "interviewer_pid": "a", "interviewee_pid": "b",
         "interviewer_form": [1]},
    ],
)  # fmt: skip
def test_record_from_dict_rejects_bad_input(data):
    with pytest.raises(ValueError):
        record_from_dict(data)
