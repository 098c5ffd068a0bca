import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collabd.core.feedback import (
    MAX_NOTES_CHARS,
    AlreadySubmitted,
    FeedbackExchange,
    IntervieweeForm,
    InterviewerForm,
    InvalidFeedback,
    parse_form,
    parse_interviewee_form,
    parse_interviewer_form,
)
from collabd.core.lifecycle import Role
from collabd.core.text import shown

from .factories import interviewee_form, interviewer_form

SCORES = st.integers(min_value=1, max_value=4)
NOTES = st.text(max_size=50)
FORMS: dict[Role, Any] = {"interviewer": interviewer_form, "interviewee": interviewee_form}
INTERVIEWER_FIELDS = InterviewerForm.__struct_fields__
INTERVIEWEE_FIELDS = IntervieweeForm.__struct_fields__


def test_valid_forms_parse() -> None:
    assert parse_interviewer_form(interviewer_form()) == InterviewerForm(
        would_hire=True, technical=3, problem_solving=4, communication=2, notes="solid on graphs"
    )
    assert parse_interviewee_form(interviewee_form()) == IntervieweeForm(
        would_work_with=True,
        question_quality=4,
        helpfulness=3,
        self_assessment=2,
        notes="fair question",
    )


@pytest.mark.parametrize("role", ["interviewer", "interviewee"])
def test_notes_are_optional(role: Role) -> None:
    form = FORMS[role]()
    del form["notes"]
    assert parse_form(role, form).notes == ""


@pytest.mark.parametrize(
    ("role", "field"),
    [("interviewer", f) for f in INTERVIEWER_FIELDS if f != "notes"]
    + [("interviewee", f) for f in INTERVIEWEE_FIELDS if f != "notes"],
)
def test_missing_required_field_is_named(role: Role, field: str) -> None:
    form = FORMS[role]()
    del form[field]
    with pytest.raises(InvalidFeedback) as info:
        parse_form(role, form)
    assert info.value.code == "invalid_feedback"
    assert info.value.field == field
    assert field in str(info.value)


@pytest.mark.parametrize(
    ("role", "field", "value"),
    [
        ("interviewer", "technical", True),  # a bool is not a score
        ("interviewer", "technical", 0),
        ("interviewer", "problem_solving", 5),
        ("interviewer", "communication", 2.0),
        ("interviewer", "technical", "3"),
        ("interviewer", "would_hire", 1),  # an int is not a bool
        ("interviewer", "would_hire", "yes"),
        ("interviewer", "notes", 42),
        ("interviewer", "notes", "x" * (MAX_NOTES_CHARS + 1)),
        ("interviewee", "self_assessment", False),
        ("interviewee", "question_quality", -1),
        ("interviewee", "helpfulness", None),
        ("interviewee", "would_work_with", None),
        ("interviewee", "notes", ["a"]),
    ],
)
def test_bad_values_are_rejected_naming_the_field(role: Role, field: str, value: object) -> None:
    with pytest.raises(InvalidFeedback) as info:
        parse_form(role, FORMS[role](**{field: value}))
    assert info.value.field == field
    assert field in str(info.value)


def test_notes_at_the_limit_are_fine() -> None:
    form = parse_interviewer_form(interviewer_form(notes="é" * MAX_NOTES_CHARS))
    assert len(form.notes) == MAX_NOTES_CHARS


@pytest.mark.parametrize(
    ("role", "extra"),
    [
        ("interviewer", "self_assessment"),  # the other form's field
        ("interviewer", "would_work_with"),
        ("interviewee", "technical"),
        ("interviewee", "bonus"),
    ],
)
def test_unknown_keys_are_rejected(role: Role, extra: str) -> None:
    with pytest.raises(InvalidFeedback) as info:
        parse_form(role, FORMS[role](**{extra: 1}))
    assert info.value.field == extra
    assert "unknown" in str(info.value)


@pytest.mark.parametrize("form", [None, [], "form", 3, [("technical", 3)]])
def test_form_must_be_an_object(form: object) -> None:
    with pytest.raises(InvalidFeedback) as info:
        parse_interviewer_form(form)
    assert info.value.field is None


def test_non_string_key_is_rejected() -> None:
    form: dict[Any, Any] = interviewer_form()
    form[1] = 2
    with pytest.raises(InvalidFeedback):
        parse_interviewer_form(form)


def neutral_notes(form: dict[str, Any]) -> dict[str, Any]:
    """Notes are kept without bidi overrides and control characters (core/text.py)."""
    return {"notes": shown(form["notes"])} if "notes" in form else {}


@given(
    st.fixed_dictionaries(
        {
            "would_hire": st.booleans(),
            "technical": SCORES,
            "problem_solving": SCORES,
            "communication": SCORES,
        },
        optional={"notes": NOTES},
    )
)
def test_any_valid_interviewer_form_round_trips(form: dict[str, Any]) -> None:
    parsed = parse_interviewer_form(form)
    assert parsed.to_dict() == {"notes": "", **form, **neutral_notes(form)}
    assert parse_interviewer_form(parsed.to_dict()) == parsed


@given(
    st.dictionaries(
        st.sampled_from([*INTERVIEWEE_FIELDS, "extra"]),
        st.one_of(st.booleans(), st.integers(-2, 6), st.text(max_size=5), st.none()),
    )
)
def test_arbitrary_input_is_either_a_valid_form_or_invalid_feedback(form: dict[str, Any]) -> None:
    try:
        parsed = parse_interviewee_form(form)
    except InvalidFeedback as exc:
        assert exc.field is not None
    else:
        assert parsed.to_dict() == {"notes": "", **form, **neutral_notes(form)}


def test_exchange_is_sealed_until_both_submit() -> None:
    exchange = FeedbackExchange()
    assert exchange.status_for("interviewer") == {"mine": "pending", "theirs": "pending"}
    assert exchange.submit("interviewee", interviewee_form(), 10) is False
    assert exchange.status_for("interviewer") == {"mine": "pending", "theirs": "submitted"}
    assert exchange.status_for("interviewee") == {"mine": "submitted", "theirs": "pending"}
    assert exchange.reveal_for("interviewer") is None
    assert exchange.reveal_for("interviewee") is None
    assert exchange.submit("interviewer", interviewer_form(), 20) is True
    assert exchange.complete


def test_sealed_status_does_not_depend_on_the_other_form() -> None:
    short, long = FeedbackExchange(), FeedbackExchange()
    short.submit("interviewee", interviewee_form(notes="", would_work_with=False), 1)
    long.submit("interviewee", interviewee_form(notes="z" * MAX_NOTES_CHARS), 1)
    assert json.dumps(short.status_for("interviewer")) == json.dumps(long.status_for("interviewer"))


def test_reveal_hides_self_assessment_from_the_interviewer_and_calibrates_the_interviewee() -> None:
    exchange = FeedbackExchange()
    exchange.submit("interviewer", interviewer_form(technical=4), 1)
    exchange.submit("interviewee", interviewee_form(self_assessment=1), 2)
    for_interviewer = exchange.reveal_for("interviewer")
    for_interviewee = exchange.reveal_for("interviewee")
    assert for_interviewer is not None and for_interviewee is not None
    assert "self_assessment" not in json.dumps(for_interviewer)
    assert for_interviewer["theirs"] == {
        k: v for k, v in interviewee_form(self_assessment=1).items() if k != "self_assessment"
    }
    assert for_interviewer["calibration"] is None
    assert for_interviewee["mine"]["self_assessment"] == 1
    assert for_interviewee["theirs"] == interviewer_form(technical=4)
    assert for_interviewee["calibration"] == {"self": 1, "actual": 4}


def test_submission_is_immutable() -> None:
    exchange = FeedbackExchange()
    exchange.submit("interviewer", interviewer_form(technical=2), 5)
    with pytest.raises(AlreadySubmitted) as info:
        exchange.submit("interviewer", interviewer_form(technical=4), 6)
    assert info.value.code == "already_submitted"
    # even an invalid second form is refused as already submitted, not re-validated
    with pytest.raises(AlreadySubmitted):
        exchange.submit("interviewer", {"junk": 1}, 7)
    assert exchange.interviewer is not None and exchange.interviewer.technical == 2
    assert exchange.submitted_at == {"interviewer": 5}


def test_invalid_submission_changes_nothing() -> None:
    exchange = FeedbackExchange()
    with pytest.raises(InvalidFeedback):
        exchange.submit("interviewer", interviewer_form(technical=9), 5)
    assert not exchange.submitted("interviewer")
    assert exchange.to_record() == {"interviewer": None, "interviewee": None}


def test_record_round_trip() -> None:
    exchange = FeedbackExchange()
    exchange.submit("interviewee", interviewee_form(), 7)
    record = json.loads(json.dumps(exchange.to_record()))
    restored = FeedbackExchange.from_record(record)
    assert restored.to_record() == exchange.to_record()
    assert restored.status_for("interviewer") == exchange.status_for("interviewer")
    restored.submit("interviewer", interviewer_form(), 9)
    assert restored.reveal_for("interviewee") is not None
