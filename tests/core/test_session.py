import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from collabd.core.feedback import MAX_NOTES_CHARS, parse_interviewee_form, parse_interviewer_form
from collabd.core.lifecycle import TERMINAL, Phase, SessionError
from collabd.core.session import (
    PHASE_EVENTS,
    Identity,
    RecordError,
    Session,
    SessionOptions,
)
from collabd.core.unmask import UnmaskPolicy

from .factories import (
    EE,
    EE_IDENTITY,
    ER,
    ER_IDENTITY,
    OPTIONS,
    T0,
    feedback_session,
    interviewee_form,
    interviewer_form,
    live_session,
    new_session,
    revealed_session,
)

VIEW_KEYS = {
    "recording",
    "session_id",
    "you",
    "phase",
    "participants",
    "ends_at",
    "read_only",
    "close_reason",
    "feedback",
    "reveal",
    "unmask",
    "unmask_result",
    "actions",
}


def refused(session: Session, code: str, call: Callable[[], object]) -> None:
    """``call`` must raise a SessionError with ``code`` and leave the session untouched."""
    before = session.to_record()
    with pytest.raises(SessionError) as info:
        call()
    assert info.value.code == code
    assert session.to_record() == before


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# -- creation ----------------------------------------------------------------------------------


def test_new_session_is_in_the_lobby() -> None:
    session = new_session()
    assert session.phase is Phase.LOBBY
    assert session.next_deadline() is None
    assert not session.is_read_only()
    assert session.status(ER) == session.status(EE) == "waiting"
    er, ee = session.participants
    assert (er.id, er.role, ee.id, ee.role) == (ER, "interviewer", EE, "interviewee")
    assert er.pseudonym.name != ee.pseudonym.name
    assert er.pseudonym.color != ee.pseudonym.color
    assert session.other(ER) is ee and session.other(EE) is er
    assert session.by_role("interviewee") is ee


def test_pseudonyms_come_from_the_seed_not_the_identity() -> None:
    a = Session.create("s", ER_IDENTITY, EE_IDENTITY, OPTIONS, 0, "seed", ("a", "b"))
    b = Session.create(
        "s", Identity("Other Person", "o@x.example"), EE_IDENTITY, OPTIONS, 0, "seed", ("a", "b")
    )
    assert a.participants[0].pseudonym == b.participants[0].pseudonym


@pytest.mark.parametrize("pids", [("a", "a"), ("", "b"), ("a",)])
def test_create_rejects_bad_pids(pids: Any) -> None:
    with pytest.raises(ValueError):
        Session.create("s", ER_IDENTITY, EE_IDENTITY, OPTIONS, 0, "seed", pids)


@pytest.mark.parametrize(
    "changes",
    [{"interview_ms": 0}, {"feedback_ms": -1}, {"unmask_ms": 1.5}, {"grace_ms": -1},
     {"interview_ms": True}, {"policy": "always"}],
)  # fmt: skip
def test_options_are_validated(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        SessionOptions(**changes)


def test_option_defaults_and_dict_round_trip() -> None:
    options = SessionOptions()
    assert (options.interview_ms, options.feedback_ms, options.unmask_ms, options.grace_ms) == (
        45 * 60_000,
        24 * 3_600_000,
        24 * 3_600_000,
        60_000,
    )
    assert options.policy is UnmaskPolicy.MUTUAL_POSITIVE
    custom = SessionOptions(grace_ms=0, policy=UnmaskPolicy.NEVER)
    assert SessionOptions.from_dict(json.loads(json.dumps(custom.to_dict()))) == custom


def test_unknown_participant_is_refused_everywhere() -> None:
    session = new_session()
    for call in (
        lambda: session.join("nobody", T0),
        lambda: session.leave("nobody", T0),
        lambda: session.end("nobody", T0),
        lambda: session.submit_feedback("nobody", interviewer_form(), T0),
        lambda: session.answer_unmask("nobody", "yes", T0),
        lambda: session.view_for("nobody"),
        lambda: session.status("nobody"),
    ):
        refused(session, "unknown_participant", call)


# -- presence and start ------------------------------------------------------------------------


def test_live_once_both_have_joined_once() -> None:
    session = new_session()
    assert session.join(ER, T0 + 1) == ["presence_changed"]
    assert session.leave(ER, T0 + 2) == ["presence_changed"]
    assert session.phase is Phase.LOBBY
    assert session.join(EE, T0 + 3) == ["presence_changed", "started"]
    assert session.phase is Phase.LIVE
    assert session.started_at == T0 + 3
    assert session.ends_at == T0 + 3 + OPTIONS.interview_ms
    assert session.view_for(ER)["ends_at"] == session.ends_at


def test_a_clean_leave_is_left_with_no_grace_timer() -> None:
    session = live_session()
    assert session.leave(EE, T0 + 100, clean=True) == ["presence_changed"]
    assert session.status(EE) == "left"
    assert session.next_deadline() == session.ends_at
    assert session.join(EE, T0 + 200) == ["presence_changed"]
    assert session.status(EE) == "connected"


def test_reconnect_grace_then_away() -> None:
    session = live_session()
    session.leave(EE, T0 + 100)
    assert session.status(EE) == "reconnecting"
    assert session.next_deadline() == T0 + 100 + OPTIONS.grace_ms
    assert session.tick(T0 + 100 + OPTIONS.grace_ms - 1) == []
    assert session.status(EE) == "reconnecting"
    assert session.tick(T0 + 100 + OPTIONS.grace_ms) == ["presence_changed"]
    assert session.status(EE) == "away"
    assert session.next_deadline() == session.ends_at
    assert session.join(EE, T0 + 9_000) == ["presence_changed"]
    assert session.status(EE) == "connected"


def test_rejoin_within_grace_cancels_the_timer() -> None:
    session = live_session()
    session.leave(ER, T0 + 100)
    session.join(ER, T0 + 200)
    assert session.status(ER) == "connected"
    assert session.next_deadline() == session.ends_at


def test_several_connections_per_participant() -> None:
    session = live_session()
    assert session.join(ER, T0 + 50) == []  # a second tab
    assert session.leave(ER, T0 + 60) == []
    assert session.status(ER) == "connected"
    assert session.leave(ER, T0 + 70) == ["presence_changed"]
    refused(session, "not_connected", lambda: session.leave(ER, T0 + 80))


def test_zero_grace_goes_away_at_once() -> None:
    options = SessionOptions(grace_ms=0)
    session = Session.create("s", ER_IDENTITY, EE_IDENTITY, options, 0, "seed", (ER, EE))
    session.join(ER, 1)
    assert session.leave(ER, 2) == ["presence_changed", "presence_changed"]
    assert session.status(ER) == "away"


def test_status_is_visible_to_both() -> None:
    session = live_session()
    session.leave(EE, T0 + 100)
    statuses = {p["id"]: p["status"] for p in session.view_for(ER)["participants"]}
    assert statuses == {ER: "connected", EE: "reconnecting"}


def test_disconnect_all_after_a_restart() -> None:
    session = live_session()
    session.join(ER, T0 + 30)
    restored = Session.from_record(session.to_record())
    assert restored.disconnect_all(T0 + 500) == ["presence_changed", "presence_changed"]
    assert restored.status(ER) == restored.status(EE) == "reconnecting"
    restored.join(ER, T0 + 600)
    assert restored.leave(ER, T0 + 700) == ["presence_changed"]


# -- ending ------------------------------------------------------------------------------------


def test_interviewer_ends_the_interview() -> None:
    session = live_session()
    assert session.end(ER, T0 + 1_000) == ["ended"]
    assert session.phase is Phase.FEEDBACK
    assert session.is_read_only()
    assert (session.ended_at, session.ended_by) == (T0 + 1_000, "interviewer")
    assert session.next_deadline() == session.feedback_deadline == T0 + 1_000 + OPTIONS.feedback_ms
    view = session.view_for(EE)
    # SPEC 8.2: in the feedback phase `ends_at` is the feedback deadline (issue 13, item 3)
    assert view["read_only"] is True and view["ends_at"] == session.feedback_deadline
    assert view["feedback"] == {
        "mine": "pending",
        "theirs": "pending",
        "deadline": session.feedback_deadline,
    }


def test_interviewee_cannot_end() -> None:
    session = live_session()
    refused(session, "forbidden", lambda: session.end(EE, T0 + 1_000))


def test_embedder_ends() -> None:
    session = live_session()
    session.end(None, T0 + 1_000)
    assert (session.phase, session.ended_by) == (Phase.FEEDBACK, "embedder")


def test_ending_in_the_lobby_seals() -> None:
    session = new_session()
    session.join(ER, T0)
    assert session.end(ER, T0 + 5) == ["sealed"]
    assert session.phase is Phase.SEALED
    assert session.close_reason == "ended_in_lobby"
    assert session.view_for(ER)["unmask_result"] == {"unmasked": False, "identity": None}


def test_time_limit_ends_the_interview_at_its_scheduled_time() -> None:
    session = live_session()
    ends_at = session.ends_at
    assert ends_at is not None and session.next_deadline() == ends_at
    assert session.tick(ends_at - 1) == []
    assert session.tick(ends_at + 7) == ["ended"]
    assert (session.ended_at, session.ended_by) == (ends_at, "time_limit")
    assert session.feedback_deadline == ends_at + OPTIONS.feedback_ms


def test_overdue_timers_cascade() -> None:
    session = live_session()
    assert session.tick(T0 + 10**9) == ["ended", "sealed"]
    assert session.close_reason == "feedback_expired"
    assert session.closed_at == session.feedback_deadline
    assert session.next_deadline() is None


def test_end_twice_is_wrong_phase() -> None:
    session = feedback_session()
    refused(session, "wrong_phase", lambda: session.end(ER, T0 + 2_000))
    refused(session, "wrong_phase", lambda: session.end(None, T0 + 2_000))


def test_actions_apply_due_timers_first() -> None:
    session = live_session()
    assert session.ends_at is not None
    # the interview ran out before this join arrived: the join still counts, the end too
    assert session.join(ER, session.ends_at + 1) == ["ended"]
    assert session.phase is Phase.FEEDBACK


def test_a_refused_request_does_not_apply_due_timers_either() -> None:
    session = feedback_session()
    deadline = session.feedback_deadline
    assert deadline is not None
    refused(
        session, "wrong_phase", lambda: session.submit_feedback(ER, interviewer_form(), deadline)
    )
    assert session.phase is Phase.FEEDBACK
    assert session.tick(deadline) == ["sealed"]


def test_cancel_from_every_non_terminal_phase() -> None:
    for build in (new_session, live_session, feedback_session, revealed_session):
        session = build()
        assert session.cancel(T0 + 5_000) == ["sealed"]
        assert session.phase is Phase.SEALED
        assert session.close_reason == "cancelled"
        refused(session, "wrong_phase", lambda s=session: s.cancel(T0 + 6_000))  # type: ignore[misc]


def test_cancel_during_feedback_reveals_nothing() -> None:
    session = feedback_session()
    session.submit_feedback(EE, interviewee_form(), T0 + 2_000)
    session.cancel(T0 + 3_000)
    assert session.view_for(ER)["reveal"] is None
    assert session.view_for(EE)["reveal"] is None


# -- feedback ----------------------------------------------------------------------------------


def test_feedback_only_in_the_feedback_phase() -> None:
    session = live_session()
    refused(session, "wrong_phase", lambda: session.submit_feedback(ER, interviewer_form(), T0))


def test_first_submission_is_sealed() -> None:
    session = feedback_session()
    assert session.submit_feedback(EE, interviewee_form(), T0 + 2_000) == ["feedback_submitted"]
    er_view = session.view_for(ER)
    assert er_view["feedback"]["theirs"] == "submitted"
    assert er_view["reveal"] is None
    assert session.view_for(EE)["feedback"]["mine"] == "submitted"


def test_sealed_views_do_not_depend_on_the_other_form() -> None:
    views = []
    for form in (
        interviewee_form(notes="", would_work_with=False, self_assessment=1),
        interviewee_form(notes="w" * MAX_NOTES_CHARS, self_assessment=4),
    ):
        session = feedback_session()
        session.submit_feedback(EE, form, T0 + 2_000)
        views.append(dumps(session.view_for(ER)))
    assert views[0] == views[1]


def test_invalid_and_repeated_submissions_are_refused() -> None:
    session = feedback_session()
    refused(
        session,
        "invalid_feedback",
        lambda: session.submit_feedback(ER, interviewer_form(technical=7), T0 + 2_000),
    )
    refused(
        session,
        "invalid_feedback",
        lambda: session.submit_feedback(ER, interviewee_form(), T0 + 2_000),  # wrong form
    )
    session.submit_feedback(ER, interviewer_form(), T0 + 2_000)
    refused(
        session,
        "already_submitted",
        lambda: session.submit_feedback(ER, interviewer_form(technical=1), T0 + 2_001),
    )


def test_second_submission_reveals_both_at_once() -> None:
    session = feedback_session()
    session.submit_feedback(ER, interviewer_form(technical=4), T0 + 2_000)
    events = session.submit_feedback(EE, interviewee_form(self_assessment=2), T0 + 3_000)
    assert events == ["feedback_submitted", "revealed"]
    assert session.phase is Phase.REVEALED
    assert session.revealed_at == T0 + 3_000
    er_reveal = session.view_for(ER)["reveal"]
    ee_reveal = session.view_for(EE)["reveal"]
    assert er_reveal["theirs"]["would_work_with"] is True
    assert "self_assessment" not in dumps(session.view_for(ER))
    assert ee_reveal["theirs"]["technical"] == 4
    assert ee_reveal["calibration"] == {"self": 2, "actual": 4}


def test_same_instant_submissions_reveal_once() -> None:
    session = feedback_session()
    events = session.submit_feedback(EE, interviewee_form(), T0 + 2_000)
    events += session.submit_feedback(ER, interviewer_form(), T0 + 2_000)
    assert events.count("revealed") == 1


def test_feedback_deadline_with_one_form_seals_without_reveal_but_keeps_it() -> None:
    session = feedback_session()
    session.submit_feedback(ER, interviewer_form(), T0 + 2_000)
    assert session.feedback_deadline is not None
    assert session.tick(session.feedback_deadline) == ["sealed"]
    assert session.close_reason == "feedback_expired"
    assert session.view_for(EE)["reveal"] is None
    assert session.to_record()["feedback"]["interviewer"]["form"] == interviewer_form()


def test_a_submission_survives_a_restart_and_the_reveal_happens_once() -> None:
    session = feedback_session()
    session.submit_feedback(ER, interviewer_form(), T0 + 2_000)
    record = json.loads(json.dumps(session.to_record()))
    restored = Session.from_record(record)
    assert restored.view_for(EE)["feedback"]["theirs"] == "submitted"
    assert restored.view_for(EE)["reveal"] is None
    assert restored.submit_feedback(EE, interviewee_form(), T0 + 3_000) == [
        "feedback_submitted",
        "revealed",
    ]


# -- unmask ------------------------------------------------------------------------------------


def test_unmask_is_offered_when_the_policy_holds() -> None:
    session = revealed_session()
    view = session.view_for(EE)
    assert view["unmask"] == {
        "offered": True,
        "mine": "pending",
        "deadline": session.unmask_deadline,
    }
    assert session.unmask_deadline == T0 + 3_000 + OPTIONS.unmask_ms
    assert session.next_deadline() == session.unmask_deadline
    assert view["unmask_result"] is None


@pytest.mark.parametrize(
    ("policy", "hire", "work"),
    [
        (UnmaskPolicy.MUTUAL_POSITIVE, False, True),
        (UnmaskPolicy.MUTUAL_POSITIVE, True, False),
        (UnmaskPolicy.NEVER, True, True),
    ],
)
def test_policy_not_holding_seals_right_after_the_reveal(
    policy: UnmaskPolicy, hire: bool, work: bool
) -> None:
    session = feedback_session(policy)
    session.submit_feedback(ER, interviewer_form(would_hire=hire), T0 + 2_000)
    events = session.submit_feedback(EE, interviewee_form(would_work_with=work), T0 + 3_000)
    assert events == ["feedback_submitted", "revealed", "sealed"]
    assert session.phase is Phase.SEALED
    assert session.close_reason == "not_offered"
    assert session.revealed_at == T0 + 3_000
    view = session.view_for(ER)
    assert view["reveal"] is not None
    assert view["unmask"]["offered"] is False
    assert view["unmask_result"] == {"unmasked": False, "identity": None}
    refused(session, "wrong_phase", lambda: session.answer_unmask(ER, "yes", T0 + 4_000))


def test_always_policy_offers_even_on_negative_feedback() -> None:
    session = feedback_session(UnmaskPolicy.ALWAYS)
    session.submit_feedback(ER, interviewer_form(would_hire=False), T0 + 2_000)
    session.submit_feedback(EE, interviewee_form(would_work_with=False), T0 + 3_000)
    assert session.phase is Phase.REVEALED


def test_mutual_yes_unmasks_both() -> None:
    session = revealed_session()
    assert session.answer_unmask(EE, "yes", T0 + 4_000) == ["unmask_answered"]
    assert dumps(session.view_for(ER)).count(EE_IDENTITY.email) == 0
    assert session.answer_unmask(ER, "yes", T0 + 5_000) == ["unmask_answered", "unmasked"]
    assert session.phase is Phase.UNMASKED
    assert session.view_for(ER)["unmask_result"] == {
        "unmasked": True,
        "identity": {"name": EE_IDENTITY.name, "email": EE_IDENTITY.email, "profile": ""},
    }
    assert session.view_for(EE)["unmask_result"]["identity"] == ER_IDENTITY.to_dict()
    assert session.next_deadline() is None


def test_unmask_answers_are_not_visible_to_the_other_side() -> None:
    session = revealed_session()
    before = dumps(session.view_for(ER))
    session.answer_unmask(EE, "yes", T0 + 4_000)
    assert dumps(session.view_for(ER)) == before
    session.answer_unmask(EE, "withdraw", T0 + 4_500)
    assert dumps(session.view_for(ER)) == before
    assert session.view_for(EE)["unmask"]["mine"] == "pending"


@pytest.mark.parametrize("decider", [ER, EE])
@pytest.mark.parametrize("own_answer", [None, "yes"])
def test_a_no_looks_exactly_like_a_deadline(decider: str, own_answer: str | None) -> None:
    """The other side cannot tell a "no" from silence until the deadline."""
    observer = EE if decider == ER else ER
    final_views = []
    for declines in (True, False):
        session = revealed_session()
        if own_answer is not None:
            session.answer_unmask(observer, own_answer, T0 + 4_000)
        if declines:
            assert session.answer_unmask(decider, "no", T0 + 5_000) == ["unmask_answered", "sealed"]
        else:
            assert session.unmask_deadline is not None
            assert session.tick(session.unmask_deadline) == ["sealed"]
        assert session.close_reason == "no_mutual_unmask"
        final_views.append(dumps(session.view_for(observer)))
    assert final_views[0] == final_views[1]
    assert ER_IDENTITY.name not in final_views[0] and EE_IDENTITY.name not in final_views[0]


def test_withdraw_then_deadline_seals() -> None:
    session = revealed_session()
    session.answer_unmask(ER, "yes", T0 + 4_000)
    assert session.answer_unmask(ER, "withdraw", T0 + 4_100) == ["unmask_answered"]
    assert session.unmask_deadline is not None
    session.answer_unmask(EE, "yes", T0 + 4_200)
    assert session.phase is Phase.REVEALED  # the yes was withdrawn in time
    assert session.tick(session.unmask_deadline) == ["sealed"]
    assert session.view_for(EE)["unmask_result"] == {"unmasked": False, "identity": None}


def test_illegal_unmask_answers() -> None:
    session = revealed_session()
    refused(session, "nothing_to_withdraw", lambda: session.answer_unmask(ER, "withdraw", T0))
    refused(session, "invalid_answer", lambda: session.answer_unmask(ER, "sure", T0))
    session.answer_unmask(ER, "yes", T0 + 4_000)
    refused(session, "already_answered", lambda: session.answer_unmask(ER, "yes", T0 + 4_001))
    session.answer_unmask(EE, "yes", T0 + 4_002)
    refused(session, "wrong_phase", lambda: session.answer_unmask(ER, "withdraw", T0 + 4_003))
    live = live_session()
    refused(live, "wrong_phase", lambda: live.answer_unmask(ER, "yes", T0 + 30))


# -- views, admin view, records ----------------------------------------------------------------


def test_view_has_exactly_the_documented_keys_in_every_phase() -> None:
    for build in (new_session, live_session, feedback_session, revealed_session):
        session = build()
        for pid in (ER, EE):
            view = session.view_for(pid)
            assert set(view) == VIEW_KEYS
            assert view["you"] == pid
            assert set(view["participants"][0]) == {
                "id", "role", "name", "color", "color_light", "status",
            }  # fmt: skip
            json.dumps(view)


def test_views_never_show_identities_before_unmask() -> None:
    for build in (new_session, live_session, feedback_session, revealed_session):
        text = dumps([build().view_for(ER), build().view_for(EE)])
        for identity in (ER_IDENTITY, EE_IDENTITY):
            assert identity.name not in text and identity.email not in text


def test_admin_view_has_flags_but_no_contents() -> None:
    session = revealed_session()
    session.answer_unmask(EE, "yes", T0 + 4_000)
    admin = session.admin_view()
    text = dumps(admin)
    for secret in ("solid on graphs", "fair question", ER_IDENTITY.email, EE_IDENTITY.name):
        assert secret not in text
    assert "yes" not in text  # unmask answers are nobody's business
    assert admin["phase"] == "revealed"
    assert [p["feedback_submitted"] for p in admin["participants"]] == [True, True]
    assert admin["unmask"] == {"offered": True, "unmasked": None}
    assert admin["revealed_at"] == T0 + 3_000
    assert admin["next_deadline"] == session.unmask_deadline


def test_record_is_json_and_round_trips() -> None:
    for build in (new_session, live_session, feedback_session, revealed_session):
        session = build()
        record = json.loads(json.dumps(session.to_record()))
        restored = Session.from_record(record)
        assert restored.to_record() == session.to_record()
        for pid in (ER, EE):
            assert restored.view_for(pid) == session.view_for(pid)
        assert restored.admin_view() == session.admin_view()
        assert restored.next_deadline() == session.next_deadline()


def test_record_keeps_everything_for_analytics() -> None:
    record = revealed_session().to_record()
    assert record["participants"][1]["identity"] == EE_IDENTITY.to_dict()
    assert record["feedback"]["interviewee"]["form"]["self_assessment"] == 2
    assert record["revealed_at"] == T0 + 3_000
    assert record["ended_at"] == T0 + 1_000


@pytest.mark.parametrize(
    "damage",
    [
        lambda r: r.update(version=99),
        lambda r: r.update(phase="limbo"),
        lambda r: r.pop("presence"),
        lambda r: r.update(ends_at="soon"),
        lambda r: r.update(close_reason="because"),
        lambda r: r["participants"].reverse(),
        lambda r: r["feedback"].update(interviewer={"form": {"x": 1}, "submitted_at": 1}),
        lambda r: r["presence"].pop(ER),
        lambda r: r["unmask"].update(interviewer="perhaps"),
        lambda r: r["options"].update(interview_ms=0),
    ],
)
def test_damaged_records_are_refused(damage: Callable[[dict[str, Any]], object]) -> None:
    record = json.loads(json.dumps(revealed_session().to_record()))
    damage(record)
    with pytest.raises(RecordError):
        Session.from_record(record)


# -- the whole session as a state machine ------------------------------------------------------

_LETTERS = "BCDFGHJKLMNPQRSTVWXZ"  # identity tokens are uppercase; form notes are lowercase
_NOTES = st.text(alphabet="abc xyzé", max_size=8)
_SCORE = st.integers(min_value=1, max_value=4)
# mostly small steps, now and then a long one that crosses deadlines
_DT = st.integers(0, 9).flatmap(lambda k: st.integers(0, 500) if k == 0 else st.integers(0, 3))
_VALID_FORMS = {
    ER: st.fixed_dictionaries(
        {
            "would_hire": st.booleans(),
            "technical": _SCORE,
            "problem_solving": _SCORE,
            "communication": _SCORE,
        },
        optional={"notes": _NOTES},
    ),
    EE: st.fixed_dictionaries(
        {
            "would_work_with": st.booleans(),
            "question_quality": _SCORE,
            "helpfulness": _SCORE,
            "self_assessment": _SCORE,
        },
        optional={"notes": _NOTES},
    ),
}
# anything else: the other role's form, partial forms, wrong types, unknown keys
_OTHER_FORMS = st.one_of(
    *_VALID_FORMS.values(),
    st.dictionaries(
        st.sampled_from(["would_hire", "technical", "would_work_with", "self_assessment", "x"]),
        st.one_of(st.booleans(), st.integers(-1, 5), _NOTES),
    ),
)
_EVENT_NAMES = {"presence_changed", "feedback_submitted", "unmask_answered"} | set(
    PHASE_EVENTS.values()
)


class SessionMachine(RuleBasedStateMachine):
    @initialize(
        token=st.text(alphabet=_LETTERS, min_size=6, max_size=6),
        interview_ms=st.integers(1, 200),
        feedback_ms=st.integers(1, 400),
        unmask_ms=st.integers(1, 400),
        grace_ms=st.integers(0, 20),
        policy=st.sampled_from(UnmaskPolicy),
    )
    def create(
        self,
        token: str,
        interview_ms: int,
        feedback_ms: int,
        unmask_ms: int,
        grace_ms: int,
        policy: UnmaskPolicy,
    ) -> None:
        self.identities = {
            ER: Identity(
                f"Rn{token}Er", f"em{token}er@corp.example", f"https://p.example/{token}R"
            ),
            EE: Identity(
                f"Rn{token}Ee", f"em{token}ee@mail.example", f"https://p.example/{token}E"
            ),
        }
        options = SessionOptions(interview_ms, feedback_ms, unmask_ms, grace_ms, policy)
        self.now = 0
        self.session = Session.create(
            "sess", self.identities[ER], self.identities[EE], options, 0, token, (ER, EE)
        )
        self.terminal: Phase | None = None

    def call(self, dt: int, method: Callable[..., list[str]], *args: object) -> None:
        self.now += dt
        before = self.session.to_record()
        views_before = [self.session.view_for(ER), self.session.view_for(EE)]
        phase_before = self.session.phase
        try:
            events = method(*args, self.now)
        except SessionError:
            assert self.session.to_record() == before  # illegal: nothing changed
            return
        assert set(events) <= _EVENT_NAMES
        if not events:
            # no event means no participant's view changed: the runtime may skip the broadcast
            assert [self.session.view_for(ER), self.session.view_for(EE)] == views_before
        phase_events = [e for e in events if e in PHASE_EVENTS.values()]
        if self.session.phase is phase_before:
            assert not phase_events
        else:
            assert phase_events[-1] == PHASE_EVENTS[self.session.phase]
        assert events.count("revealed") <= 1
        # a request that went through leaves no timer due (a refused one changes nothing at all)
        deadline = self.session.next_deadline()
        assert deadline is None or deadline > self.now

    @rule(who=st.sampled_from([ER, EE]), dt=_DT)
    def join(self, who: str, dt: int) -> None:
        self.call(dt, self.session.join, who)

    @rule(who=st.sampled_from([ER, EE]), dt=_DT)
    def leave(self, who: str, dt: int) -> None:
        self.call(dt, self.session.leave, who)

    @rule(by=st.sampled_from([ER, EE, None]), dt=_DT, gate=st.integers(0, 2))
    def end(self, by: str | None, dt: int, gate: int) -> None:
        if gate == 0:  # rarer, or most runs would end in the lobby
            self.call(dt, self.session.end, by)

    @rule(dt=_DT, gate=st.integers(0, 9))
    def cancel(self, dt: int, gate: int) -> None:
        if gate == 0:  # rarer than the rest, so that sessions get far before being aborted
            self.call(dt, self.session.cancel)

    @rule(who=st.sampled_from([ER, EE]), data=st.data(), dt=_DT)
    def submit(self, who: str, data: st.DataObject, dt: int) -> None:
        self.call(dt, self.session.submit_feedback, who, data.draw(_VALID_FORMS[who]))

    @rule(who=st.sampled_from([ER, EE]), form=_OTHER_FORMS, dt=_DT)
    def submit_anything(self, who: str, form: dict[str, Any], dt: int) -> None:
        self.call(dt, self.session.submit_feedback, who, form)

    @rule(who=st.sampled_from([ER, EE]), answer=st.sampled_from(["yes", "no", "withdraw", "?"]))
    def answer(self, who: str, answer: str) -> None:
        self.call(0, self.session.answer_unmask, who, answer)

    @rule(data=st.data(), steps=st.integers(1, 3))
    def progress(self, data: st.DataObject, steps: int) -> None:
        """A few steps along the happy path, so that runs reach the later phases often."""
        for _ in range(steps):
            session = self.session
            dt = data.draw(_DT)
            if session.phase is Phase.LOBBY:
                who = EE if session.status(ER) == "connected" else ER
                self.call(dt, session.join, who)
            elif session.phase is Phase.LIVE:
                self.call(dt, session.end, ER)
            elif session.phase is Phase.FEEDBACK:
                who = EE if session.feedback_submitted("interviewer") else ER
                self.call(dt, session.submit_feedback, who, data.draw(_VALID_FORMS[who]))
            elif session.phase is Phase.REVEALED:
                who = EE if session.unmask_answer("interviewer") == "yes" else ER
                answer = data.draw(st.sampled_from(["yes", "yes", "no"]))
                self.call(dt, session.answer_unmask, who, answer)

    @rule(dt=st.integers(0, 100))
    def tick(self, dt: int) -> None:
        self.call(dt, self.session.tick)

    @rule()
    def restart(self) -> None:
        record = json.loads(json.dumps(self.session.to_record()))
        self.session = Session.from_record(record)
        self.call(0, self.session.disconnect_all)

    @invariant()
    def reveal_iff_both_submitted(self) -> None:
        both = all(self.session.feedback_submitted(r) for r in ("interviewer", "interviewee"))
        assert (self.session.revealed_at is not None) == both
        for pid in (ER, EE):
            assert (self.session.view_for(pid)["reveal"] is not None) == both
        if self.session.phase in (Phase.REVEALED, Phase.UNMASKED):
            assert both

    @invariant()
    def unmask_iff_both_yes_and_policy(self) -> None:
        session = self.session
        both_yes = all(session.unmask_answer(r) == "yes" for r in ("interviewer", "interviewee"))
        policy_held = False
        if session.revealed_at is not None:
            record = session.to_record()["feedback"]
            policy_held = session.options.policy.holds(
                parse_interviewer_form(record["interviewer"]["form"]),
                parse_interviewee_form(record["interviewee"]["form"]),
            )
            assert session.unmask_offered is policy_held
        assert (session.phase is Phase.UNMASKED) == (both_yes and policy_held)
        for pid in (ER, EE):
            result = session.view_for(pid)["unmask_result"]
            unmasked = result is not None and result["identity"] is not None
            assert unmasked == (session.phase is Phase.UNMASKED)

    @invariant()
    def terminal_stays_terminal(self) -> None:
        if self.terminal is not None:
            assert self.session.phase is self.terminal
        elif self.session.phase in TERMINAL:
            self.terminal = self.session.phase

    @invariant()
    def no_identity_leaks_before_unmask(self) -> None:
        for pid, other in ((ER, EE), (EE, ER)):
            text = json.dumps(self.session.view_for(pid))
            identity = self.identities[other]
            if self.session.phase is Phase.UNMASKED:
                assert identity.name in text and identity.email in text
            else:
                for secret in (identity.name, identity.email, identity.profile):
                    assert secret not in text
        admin = json.dumps(self.session.admin_view())
        assert "Rn" not in admin and "@" not in admin

    @invariant()
    def interviewer_never_sees_self_assessment(self) -> None:
        assert "self_assessment" not in json.dumps(self.session.view_for(ER))

    @invariant()
    def read_only_after_the_interview(self) -> None:
        writable = self.session.phase in (Phase.LOBBY, Phase.LIVE)
        assert self.session.is_read_only() is not writable

    @invariant()
    def timestamps_are_ordered(self) -> None:
        s = self.session
        times = [s.created_at, s.started_at, s.ended_at, s.revealed_at, s.closed_at]
        present = [t for t in times if t is not None]
        assert present == sorted(present)
        assert max(present) <= self.now

    @invariant()
    def live_only_after_both_joined(self) -> None:
        s = self.session
        if s.started_at is None:
            assert s.phase in (Phase.LOBBY, Phase.SEALED)
        else:
            joined = [p["joined_at"] for p in s.admin_view()["participants"]]
            assert all(t is not None and t <= s.started_at for t in joined)

    @invariant()
    def nothing_happens_after_its_deadline(self) -> None:
        s = self.session
        if s.ended_at is not None and s.ends_at is not None:
            assert s.ended_at <= s.ends_at
        if s.revealed_at is not None:
            assert s.feedback_deadline is not None and s.revealed_at < s.feedback_deadline
        if s.phase is Phase.UNMASKED:
            assert s.unmask_deadline is not None and s.closed_at is not None
            assert s.closed_at < s.unmask_deadline

    @invariant()
    def record_round_trip_gives_equal_views(self) -> None:
        restored = Session.from_record(json.loads(json.dumps(self.session.to_record())))
        for pid in (ER, EE):
            assert restored.view_for(pid) == self.session.view_for(pid)
        assert restored.admin_view() == self.session.admin_view()
        assert restored.next_deadline() == self.session.next_deadline()


SessionMachine.TestCase.settings = settings(max_examples=200, stateful_step_count=40, deadline=None)
test_session_machine = SessionMachine.TestCase


# -- what the view tells each side about deadlines and endings (issue 13) ----------------------


def test_view_ends_at_is_the_current_phase_deadline() -> None:
    session = live_session()
    assert session.view_for(ER)["ends_at"] == session.ends_at
    session.end(ER, T0 + 1_000)
    assert session.view_for(EE)["ends_at"] == session.feedback_deadline
    session.submit_feedback(ER, interviewer_form(), T0 + 2_000)
    session.submit_feedback(EE, interviewee_form(), T0 + 3_000)
    assert session.phase is Phase.REVEALED
    assert session.view_for(EE)["ends_at"] == session.unmask_deadline == T0 + 3_000 + (
        OPTIONS.unmask_ms
    )
    session.answer_unmask(ER, "no", T0 + 4_000)
    assert session.view_for(ER)["ends_at"] is None


def _closed_by(path: str) -> Session:
    if path == "ended_in_lobby":
        session = new_session()
        session.join(ER, T0)
        session.end(ER, T0 + 5)
    elif path == "cancelled":
        session = feedback_session()
        session.cancel(T0 + 5_000)
    elif path == "feedback_expired":
        session = feedback_session()
        session.submit_feedback(EE, interviewee_form(), T0 + 2_000)
        assert session.feedback_deadline is not None
        session.tick(session.feedback_deadline)
    elif path == "not_offered":
        session = feedback_session()
        session.submit_feedback(ER, interviewer_form(would_hire=False), T0 + 2_000)
        session.submit_feedback(EE, interviewee_form(), T0 + 3_000)
    elif path == "no_mutual_unmask":
        session = revealed_session()
        session.answer_unmask(EE, "no", T0 + 4_000)
    else:
        session = revealed_session()
        session.answer_unmask(EE, "yes", T0 + 4_000)
        session.answer_unmask(ER, "yes", T0 + 5_000)
    return session


@pytest.mark.parametrize(
    "path",
    ["ended_in_lobby", "cancelled", "feedback_expired", "not_offered", "no_mutual_unmask",
     "unmasked"],
)
def test_a_closed_view_says_why_it_closed(path: str) -> None:
    session = _closed_by(path)
    assert session.is_terminal()
    for pid in (ER, EE):
        assert session.view_for(pid)["close_reason"] == path


def test_close_reason_is_absent_until_the_session_is_closed() -> None:
    session = feedback_session()
    session.submit_feedback(EE, interviewee_form(), T0 + 2_000)
    assert session.view_for(EE)["close_reason"] is None
    assert session.view_for(ER)["close_reason"] is None
