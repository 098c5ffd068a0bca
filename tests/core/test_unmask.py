import pytest

from collabd.core.feedback import parse_interviewee_form, parse_interviewer_form
from collabd.core.lifecycle import Role
from collabd.core.unmask import (
    AlreadyAnswered,
    InvalidAnswer,
    NothingToWithdraw,
    Outcome,
    UnmaskHandshake,
    UnmaskPolicy,
)

from .factories import interviewee_form, interviewer_form


@pytest.mark.parametrize("hire", [True, False])
@pytest.mark.parametrize("work", [True, False])
def test_policies(hire: bool, work: bool) -> None:
    er = parse_interviewer_form(interviewer_form(would_hire=hire))
    ee = parse_interviewee_form(interviewee_form(would_work_with=work))
    assert UnmaskPolicy.MUTUAL_POSITIVE.holds(er, ee) is (hire and work)
    assert UnmaskPolicy.ALWAYS.holds(er, ee) is True
    assert UnmaskPolicy.NEVER.holds(er, ee) is False


def test_policy_by_name() -> None:
    assert UnmaskPolicy("mutual_positive") is UnmaskPolicy.MUTUAL_POSITIVE


def test_two_yeses_agree() -> None:
    handshake = UnmaskHandshake()
    assert handshake.answer("interviewee", "yes") is Outcome.OPEN
    assert handshake.answer("interviewer", "yes") is Outcome.AGREED


@pytest.mark.parametrize("first", ["interviewer", "interviewee"])
def test_any_no_declines(first: Role) -> None:
    handshake = UnmaskHandshake()
    assert handshake.answer(first, "no") is Outcome.DECLINED


def test_yes_then_no_declines() -> None:
    handshake = UnmaskHandshake()
    handshake.answer("interviewer", "yes")
    assert handshake.answer("interviewer", "no") is Outcome.DECLINED


def test_withdraw_returns_to_pending_and_a_new_yes_counts() -> None:
    handshake = UnmaskHandshake()
    handshake.answer("interviewer", "yes")
    assert handshake.answer("interviewer", "withdraw") is Outcome.OPEN
    assert handshake.answers["interviewer"] == "pending"
    assert handshake.answer("interviewee", "yes") is Outcome.OPEN
    assert handshake.answer("interviewer", "yes") is Outcome.AGREED


def _refused(handshake: UnmaskHandshake, role: Role, answer: object, error: type) -> None:
    before = handshake.to_record()
    with pytest.raises(error):
        handshake.answer(role, answer)
    assert handshake.to_record() == before


def test_illegal_answers_raise_and_change_nothing() -> None:
    handshake = UnmaskHandshake()
    _refused(handshake, "interviewer", "withdraw", NothingToWithdraw)
    _refused(handshake, "interviewer", "maybe", InvalidAnswer)
    _refused(handshake, "interviewer", None, InvalidAnswer)
    _refused(handshake, "interviewer", ["yes"], InvalidAnswer)
    handshake.answer("interviewer", "yes")
    _refused(handshake, "interviewer", "yes", AlreadyAnswered)
    handshake.answer("interviewee", "yes")
    # settled: a withdrawal after both said yes is too late
    _refused(handshake, "interviewer", "withdraw", AlreadyAnswered)
    _refused(handshake, "interviewee", "no", AlreadyAnswered)


def test_declined_is_final() -> None:
    handshake = UnmaskHandshake()
    handshake.answer("interviewee", "no")
    _refused(handshake, "interviewer", "yes", AlreadyAnswered)


def test_error_codes() -> None:
    assert InvalidAnswer.code == "invalid_answer"
    assert AlreadyAnswered.code == "already_answered"
    assert NothingToWithdraw.code == "nothing_to_withdraw"


def test_record_round_trip_and_bad_record() -> None:
    handshake = UnmaskHandshake()
    handshake.answer("interviewee", "yes")
    restored = UnmaskHandshake.from_record(handshake.to_record())
    assert restored.answers == {"interviewer": "pending", "interviewee": "yes"}
    with pytest.raises(ValueError):
        UnmaskHandshake.from_record({"interviewer": "perhaps", "interviewee": "yes"})
