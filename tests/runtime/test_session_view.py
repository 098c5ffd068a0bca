"""The `session` message: the receiver's own participant entry lists what it may do now."""

from __future__ import annotations

from core.factories import EE, ER, feedback_session, live_session

from collab_protocol import SessionState, decode_frame, encode
from collabd.runtime.view import view_messages


def session_message(session: object, pid: str) -> SessionState:
    msg = view_messages(session.view_for(pid))[0]  # type: ignore[attr-defined]
    assert isinstance(msg, SessionState)
    return msg


def test_own_entry_carries_the_actions_the_other_does_not() -> None:
    session = live_session()
    msg = session_message(session, EE)
    mine = next(p for p in msg.participants if p["id"] == EE)
    theirs = next(p for p in msg.participants if p["id"] == ER)
    assert mine["actions"] == session.actions_for(EE)
    assert "actions" not in theirs  # the other side's rights are not the receiver's business


def test_the_actions_follow_the_phase_and_survive_the_codec() -> None:
    session = feedback_session()
    msg = session_message(session, ER)
    [back] = decode_frame(encode(msg))
    assert back == msg
    mine = next(p for p in back.participants if p["id"] == ER)  # type: ignore[attr-defined]
    assert mine["actions"] == ["chat", "save_notes", "submit_feedback"]
