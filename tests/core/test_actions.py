"""The actions a participant's view lists are exactly what the session lets it do now."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from collabd.core.lifecycle import ACTION_PHASES, Phase, SessionError
from collabd.core.session import Session

from .factories import (
    EE,
    ER,
    T0,
    feedback_session,
    interviewee_form,
    interviewer_form,
    live_session,
    new_session,
    revealed_session,
)


def test_lobby_the_interviewer_alone_ends_and_sets_the_question() -> None:
    session = new_session()
    er, ee = session.actions_for(ER), session.actions_for(EE)
    assert {"end_interview", "set_question"} <= set(er)
    assert not {"end_interview", "set_question"} & set(ee)
    assert set(er) - set(ee) == {"end_interview", "set_question"}
    assert "submit_feedback" not in er and "replay" not in er


def test_feedback_phase_forms_chat_and_notes_only() -> None:
    session = feedback_session()
    for pid in (ER, EE):
        assert session.actions_for(pid) == ["chat", "save_notes", "submit_feedback"]


def test_replay_only_once_revealed() -> None:
    assert "replay" in revealed_session().actions_for(EE)
    expired = feedback_session()
    expired.tick(expired.feedback_deadline or T0 + 10**9)
    assert expired.phase is Phase.SEALED
    assert expired.actions_for(EE) == ["save_notes"]


def test_every_listed_name_is_a_row_of_the_table() -> None:
    session = revealed_session()
    assert set(session.actions_for(ER)) <= set(ACTION_PHASES)


@pytest.mark.parametrize("make", [new_session, live_session, feedback_session, revealed_session])
@pytest.mark.parametrize("action", ["submit_feedback", "end_interview", "answer_unmask"])
def test_session_methods_agree_with_the_list(make: Callable[[], Session], action: str) -> None:
    """What the list leaves out, the session refuses; what it lists, it accepts."""
    for pid, form in ((ER, interviewer_form()), (EE, interviewee_form())):
        session = make()
        listed = action in session.actions_for(pid)
        try:
            if action == "submit_feedback":
                session.submit_feedback(pid, form, T0 + 5_000)
            elif action == "end_interview":
                session.end(pid, T0 + 5_000)
            else:
                session.answer_unmask(pid, "no", T0 + 5_000)
        except SessionError:
            assert not listed, f"{action} listed for {pid} in {make.__name__} but refused"
        else:
            assert listed, f"{action} not listed for {pid} in {make.__name__} but accepted"


def test_the_view_carries_the_list() -> None:
    session = live_session()
    assert session.view_for(ER)["actions"] == session.actions_for(ER)
