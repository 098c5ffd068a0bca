import json
from collections.abc import Callable
from typing import Any

import pytest

from collabd.core.feedback import MAX_NOTES_CHARS
from collabd.core.lifecycle import Phase, SessionError
from collabd.core.session import (
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
    "session_id",
    "you",
    "phase",
    "participants",
    "ends_at",
    "read_only",
    "feedback",
    "reveal",
    "unmask",
    "unmask_result",
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
    assert view["read_only"] is True and view["ends_at"] is None
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
