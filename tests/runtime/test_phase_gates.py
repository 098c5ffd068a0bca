"""Phase gates, on fakes: what a session room accepts follows core.lifecycle's table, and
changing a row changes the server's answer (the gate lives nowhere else)."""

from __future__ import annotations

from pathlib import Path

import pytest

from collab_protocol import (
    ChatMsg,
    ChatPost,
    Error,
    Question,
    QuestionSet,
    RunMsg,
    RunResult,
    Signal,
    TimelineGet,
)
from collabd.core import lifecycle
from collabd.core.lifecycle import Phase
from collabd.core.session import Identity, Session, SessionOptions
from collabd.runtime.hub import Hub
from collabd.runtime.live import Live, now_ms
from collabd.runtime.room import Room
from collabd.runtime.services import Services

from .fakes import FakeSocket, FakeStore, fake_conn, fake_hub

ER, EE = "p-er", "p-ee"
HOUR = 3_600_000


async def session_room(tmp: Path, phase: Phase) -> tuple[Hub, FakeStore, Services, Room,
                                                          FakeSocket, FakeSocket]:
    """A session in `phase` (lobby, live or feedback) with both participants connected."""
    hub, store, services = fake_hub(tmp)
    t = now_ms()
    options = SessionOptions(interview_ms=HOUR, feedback_ms=HOUR, unmask_ms=HOUR,
                             grace_ms=HOUR)
    session = Session.create("s-gates", Identity("A", "a@x.example", ""),
                             Identity("B", "b@x.example", ""), options, t, b"0" * 16, (ER, EE))
    services.live[session.id] = Live(session, False, {})
    er, sock_er = fake_conn(hub, session.id, ER, "interviewer")
    ee, sock_ee = fake_conn(hub, session.id, EE, "interviewee")
    room = await hub.join(session.id, er)
    await hub.join(session.id, ee)
    if phase is not Phase.LOBBY:
        session.join(ER, t)
        session.join(EE, t)
    if phase is Phase.FEEDBACK:
        session.end(ER, t)
    assert session.phase is phase
    return hub, store, services, room, sock_er, sock_ee


async def finish(hub: Hub, services: Services) -> None:
    await services.stop()
    await hub.close()


def errors(sock: FakeSocket) -> list[str]:
    return [e.code for e in sock.collab(Error)]


async def test_during_the_interview_runs_questions_and_chat_pass(tmp_path: Path) -> None:
    hub, store, services, room, sock_er, sock_ee = await session_room(tmp_path, Phase.LIVE)
    er, ee = sorted(room.conns, key=lambda c: c.claims.role != "interviewer")
    await services.on_message(room, ee, RunResult("python", stdout="4\n", exit=0, nonce="r"))
    await services.on_message(room, er, QuestionSet("two sum", "q"))
    await services.on_message(room, ee, QuestionSet("my own question", "q2"))
    await services.on_message(room, ee, ChatPost("hi", "c"))
    assert [m.stdout for m in sock_er.collab(RunMsg)] == ["4\n"]
    assert [m.text for m in sock_ee.collab(Question)] == ["two sum"]
    assert errors(sock_ee) == ["not_allowed"]  # only the interviewer sets the question
    assert len(sock_er.collab(ChatMsg)) == 1
    await finish(hub, services)


async def test_after_the_end_the_table_refuses_runs_questions_calls(tmp_path: Path) -> None:
    hub, store, services, room, sock_er, sock_ee = await session_room(tmp_path, Phase.FEEDBACK)
    er, ee = sorted(room.conns, key=lambda c: c.claims.role != "interviewer")
    await services.on_message(room, ee, RunResult("python", nonce="r"))
    await services.on_message(room, er, QuestionSet("late", "q"))
    await services.on_message(room, er, Signal("offer", {"sdp": "v=0"}, EE))
    await services.on_message(room, ee, TimelineGet(0, "t"))
    assert errors(sock_er) == ["wrong_phase", "wrong_phase"]
    assert errors(sock_ee) == ["wrong_phase", "wrong_phase"]
    assert "s-gates" not in store.runs and store.asked.get("s-gates") is None
    await services.on_message(room, er, Signal("hangup", {}, EE))  # always passes the gate
    assert [m.kind for m in sock_ee.collab(Signal)] == ["hangup"]
    await services.on_message(room, ee, ChatPost("still talking", "c"))  # chat stays open
    assert len(sock_er.collab(ChatMsg)) == 1
    await finish(hub, services)


async def test_a_gate_is_one_table_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Allow runs after the end by editing the row: the handler follows."""
    rows = dict(lifecycle.ACTION_PHASES)
    rows["run"] = rows["run"] | {Phase.FEEDBACK}
    monkeypatch.setattr(lifecycle, "ACTION_PHASES", rows)
    hub, store, services, room, sock_er, sock_ee = await session_room(tmp_path, Phase.FEEDBACK)
    ee = next(c for c in room.conns if c.claims.pid == EE)
    await services.on_message(room, ee, RunResult("python", stdout="late\n", nonce="r"))
    assert errors(sock_ee) == []
    assert [r["stdout"] for r in store.runs["s-gates"]] == ["late\n"]
    assert "run" in services.live["s-gates"].session.actions_for(EE)
    await finish(hub, services)
