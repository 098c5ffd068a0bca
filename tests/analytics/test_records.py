import dataclasses

import pytest

from collabd.analytics.records import (
    INTERVIEWEE_FORM_INVALID,
    INTERVIEWEE_FORM_MISSING,
    INTERVIEWER_FORM_INVALID,
    INTERVIEWER_FORM_MISSING,
    NOT_ENDED,
    PRACTICE,
    SIMULATED,
    InterviewRecord,
    Observation,
    classify,
    from_session_record,
    record_from_dict,
    record_to_dict,
)

from .helpers import interviewee_form, interviewer_form, record, stored_record

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
        r.kind = "simulated"  # type: ignore[misc]


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


def test_other_kinds_are_left_out_unless_included_and_take_precedence():
    sim = dataclasses.replace(record(1, 3, 3, kind="simulated"), ended_at=None)
    assert classify(sim) == SIMULATED
    assert classify(sim, include=["simulated"]) == NOT_ENDED
    ok = classify(record(2, 3, 3, kind="simulated"), include=["simulated"])
    assert isinstance(ok, Observation) and ok.kind == "simulated"
    practice = record(3, 3, 3, kind="practice")
    assert classify(practice) == PRACTICE
    assert classify(practice, include=["simulated"]) == PRACTICE
    assert isinstance(classify(practice, include=["practice"]), Observation)
    assert isinstance(classify(record(4, 3, 3)), Observation)  # real always counts


def test_extra_form_fields_are_ignored():
    r = dataclasses.replace(
        record(1, 2, 3), interviewer_form={**interviewer_form(2), "new_question": "x"}
    )
    assert isinstance(classify(r), Observation)


def test_dict_round_trip():
    r = record(1, 3, 4, kind="simulated")
    assert record_from_dict(record_to_dict(r)) == r
    bare = InterviewRecord("s", None, "a", "b", "practice", None, None)
    assert record_from_dict(record_to_dict(bare)) == bare


def test_record_from_dict_reads_the_older_simulated_flag():
    old = {"session_id": "s", "ended_at": 1, "interviewer_pid": "a", "interviewee_pid": "b"}
    assert record_from_dict({**old, "simulated": True}).kind == "simulated"
    assert record_from_dict({**old, "simulated": False}).kind == "real"
    assert record_from_dict(old).kind == "real"


@pytest.mark.parametrize(
    "data",
    [
        {"ended_at": 1, "interviewer_pid": "a", "interviewee_pid": "b"},
        {"session_id": 1, "ended_at": 1, "interviewer_pid": "a", "interviewee_pid": "b"},
        {"session_id": "s", "ended_at": "x", "interviewer_pid": "a", "interviewee_pid": "b"},
        {"session_id": "s", "ended_at": True, "interviewer_pid": "a", "interviewee_pid": "b"},
        {"session_id": "s", "ended_at": 1, "interviewer_pid": "a", "interviewee_pid": "b",
         "kind": "bots"},
        {"session_id": "s", "ended_at": 1, "interviewer_pid": "a", "interviewee_pid": "b",
         "interviewer_form": [1]},
    ],
)  # fmt: skip
def test_record_from_dict_rejects_bad_input(data):
    with pytest.raises(ValueError):
        record_from_dict(data)


def test_stored_record_becomes_an_observation():
    r = from_session_record(stored_record("s-1", 3, 2), "real")
    obs = classify(r)
    assert isinstance(obs, Observation)
    assert (obs.actual, obs.perceived, r.interviewee_pid, r.ended_at) == (3, 2, "p-ee", 3)


@pytest.mark.parametrize("entry", [{"submitted_at": 1}, {"form": None}, {"form": [3]}, 7])
@pytest.mark.parametrize(
    ("role", "reason"), [("interviewer", ER_INVALID), ("interviewee", EE_INVALID)]
)
def test_feedback_entry_without_its_form_is_invalid_not_a_crash(entry, role, reason):
    damaged = stored_record("s-1", 3, 2)
    damaged["feedback"][role] = entry
    assert classify(from_session_record(damaged, "real")) == reason


def test_the_fields_the_study_reads_are_in_the_forms_schema() -> None:
    import typing

    import msgspec

    from collab_protocol.forms import FORMS
    from collabd.analytics.records import SCORES, STUDY_FIELDS

    for role, kinds in STUDY_FIELDS.items():
        types = {f.name: typing.get_args(f.type)[0] for f in msgspec.structs.fields(FORMS[role])}
        for name, kind in kinds.items():
            assert types[name] is {"bool": bool, "score": int}[kind], (role, name)
    assert SCORES == (1, 2, 3, 4)
