"""`collabd simulate` against a real server process, then the analytics over what it stored.

The simulator reports the forms its bots submitted; the test compares them, independently, with
what the server stored (session API, SQLite rows) and with the study computed from it.
"""

from __future__ import annotations

import asyncio
import json
import sys
import urllib.parse
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from collabd.adapters.sqlite_store import SqliteStore
from collabd.analytics.records import from_session_record
from collabd.analytics.study import compute
from collabd.simulate.bots import BotSettings, SessionOutcome
from collabd.simulate.distribution import FeedbackDistribution
from collabd.simulate.plan import plan_session
from collabd.simulate.runner import SimulationConfig, SimulationResult, simulate
from support.server import Running, ServerProcess
from support.session import api as api_request

API_KEY = "simulate-e2e-key"
SEED = 11  # its first six sessions: some unmask, some decline, some are never offered
SESSIONS = 6


class Api:
    """GET requests to a server started with API_KEY (support.session.api underneath)."""

    def __init__(self, running: Running) -> None:
        self.running = running

    async def get(self, path: str, **params: str) -> Any:
        query = ("?" + urllib.parse.urlencode(params)) if params else ""
        status, body = await api_request(self.running, "GET", path + query, key=API_KEY)
        assert status == 200, body
        return body


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[ServerProcess, Running, Api]]:
    proc = ServerProcess(tmp_path / "data", env={"COLLABD_API_KEY": API_KEY})
    running = await proc.start()
    try:
        yield proc, running, Api(running)
    finally:
        proc.kill()


def table_4x4(outcomes: list[SessionOutcome]) -> list[list[int]]:
    """counts[perceived-1][actual-1], from the forms the simulator says it submitted."""
    counts = np.zeros((4, 4), dtype=int)
    for o in outcomes:
        assert o.interviewer_form is not None and o.interviewee_form is not None
        counts[o.interviewee_form["self_assessment"] - 1, o.interviewer_form["technical"] - 1] += 1
    return counts.tolist()


def work_2x2(outcomes: list[SessionOutcome]) -> list[list[int]]:
    """rows did_well / did_poorly, columns would_work_with / would_not."""
    counts = [[0, 0], [0, 0]]
    for o in outcomes:
        assert o.interviewee_form is not None
        row = 0 if o.interviewee_form["self_assessment"] >= 3 else 1
        counts[row][0 if o.interviewee_form["would_work_with"] else 1] += 1
    return counts


async def test_simulated_interviews_are_stored_and_analysed(
    served: tuple[ServerProcess, Running, Api],
) -> None:
    proc, running, api = served
    plans = [
        plan_session(i, seed=SEED, distribution=FeedbackDistribution()) for i in range(SESSIONS)
    ]
    kinds = {
        ("unmasked" if p.expect_unmasked else "declined" if p.unmask_offered else "not offered")
        for p in plans
    }
    assert kinds == {"unmasked", "declined", "not offered"}, "the seed no longer covers them all"

    config = SimulationConfig(
        bots=BotSettings(
            server=running.http, api_key=API_KEY, type_rate=400, step_timeout=20, session_timeout=90
        ),
        sessions=SESSIONS,
        concurrency=3,
        seed=SEED,
        unmask="random",
    )
    result: SimulationResult = await simulate(config)

    assert [o.error for o in result.outcomes] == [None] * SESSIONS
    assert [o.index for o in result.completed] == list(range(SESSIONS))
    summary = result.to_dict()["summary"]
    assert summary["completed"] == SESSIONS and summary["failed"] == 0
    assert summary["latencies"]["session"]["n"] == SESSIONS
    assert summary["latencies"]["chat_seen"]["n"] == 4 * SESSIONS
    assert result.sessions_per_second > 0
    outcomes = result.completed
    assert len({o.session_id for o in outcomes}) == SESSIONS
    for o, p in zip(outcomes, plans, strict=True):
        assert (o.interviewer_form, o.interviewee_form) == (p.interviewer_form, p.interviewee_form)
        assert o.final_phase == p.expect_phase
        assert o.unmask_offered == p.unmask_offered

    # The session API: every session complete, simulated, in the phase the simulator saw.
    for o, p in zip(outcomes, plans, strict=True):
        s = await api.get(f"/api/sessions/{o.session_id}")
        assert s["simulated"] is True
        assert s["phase"] == o.final_phase
        assert s["ended_at"] is not None and s["ended_by"] is not None
        assert {q["role"]: q["id"] for q in s["participants"]} == {
            "interviewer": o.interviewer_pid,
            "interviewee": o.interviewee_pid,
        }
        assert all(q["feedback_submitted"] for q in s["participants"])
        chat = await api.get(f"/api/sessions/{o.session_id}/chat")
        assert [m["text"] for m in chat["messages"]] == [text for _, text in p.chat]
    listed = await api.get("/api/sessions", limit="100")
    assert sorted(s["session_id"] for s in listed["sessions"] if s["simulated"]) == sorted(
        o.session_id for o in outcomes
    )

    # The admin analytics endpoint.
    study = await api.get("/api/analytics", include_simulated="true")
    assert study["counts"]["total"] == SESSIONS
    assert study["counts"]["included"] == SESSIONS
    assert study["counts"]["included_by_kind"]["simulated"] == SESSIONS
    assert study["options"]["include"] == ["real", "simulated"]
    assert study["fits"]["linear"]["n"] == SESSIONS
    assert study["table"]["counts"] == table_4x4(outcomes)
    assert study["did_well_vs_would_work_with"]["counts"] == work_2x2(outcomes)
    actual = [o.interviewer_form["technical"] for o in outcomes]  # type: ignore[index]
    assert study["distributions"]["actual"] == [actual.count(k) for k in (1, 2, 3, 4)]
    real_only = await api.get("/api/analytics")  # real sessions only, by default
    assert real_only["counts"]["included"] == 0
    assert real_only["counts"]["excluded"]["simulated"] == SESSIONS

    # The stored rows, read after a clean stop, through the analytics' own record builder.
    assert proc.terminate() == 0
    store = SqliteStore(running.data_dir / "collabd.sqlite3")
    try:
        rows = store.all_sessions()
    finally:
        store.close()
    records = {r.session_id: r for r in (from_session_record(row.record, row.kind) for row in rows)}
    assert set(records) == {o.session_id for o in outcomes}
    for o in outcomes:
        r = records[o.session_id]
        assert r.simulated and r.ended_at is not None
        assert dict(r.interviewer_form or {}) == o.interviewer_form
        assert dict(r.interviewee_form or {}) == o.interviewee_form
    offline = compute(list(records.values()), include=["simulated"])
    assert offline["counts"]["included"] == SESSIONS
    assert offline["table"]["counts"] == table_4x4(outcomes)
    assert offline["fits"]["linear"]["n"] == SESSIONS


async def run_cli(*argv: str, timeout: float = 120) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "collabd.simulate",
        *argv,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_command_runs_interviews_and_writes_what_it_submitted(
    served: tuple[ServerProcess, Running, Api],
    tmp_path: Path,
) -> None:
    _, running, api = served
    out_path = tmp_path / "run.json"
    code, out, err = await run_cli(
        "--server",
        running.http,
        "--api-key",
        API_KEY,
        "--sessions",
        "2",
        "--concurrency",
        "2",
        "--type-rate",
        "0",
        "--unmask",
        "yes",
        "--unmask-policy",
        "always",
        "--json-out",
        str(out_path),
    )
    assert code == 0, out + err
    assert "2 completed, 0 failed" in out and "sessions/s" in out
    report = json.loads(out_path.read_text())
    assert report["summary"]["completed"] == 2
    for s in report["sessions"]:
        assert s["ok"] and s["final_phase"] == "unmasked" and s["unmasked"] is True
        assert s["unmask_answers"] == {"interviewer": "yes", "interviewee": "yes"}
        state = await api.get(f"/api/sessions/{s['session_id']}")
        assert state["phase"] == "unmasked" and state["simulated"] is True
    study = await api.get("/api/analytics", include_simulated="true")
    perceived = [s["interviewee_form"]["self_assessment"] for s in report["sessions"]]
    assert study["counts"]["included"] == 2
    assert study["distributions"]["perceived"] == [perceived.count(k) for k in (1, 2, 3, 4)]


async def test_failed_sessions_make_the_command_fail(tmp_path: Path) -> None:
    # The server admits 3 WebSocket upgrades per minute from us: the first session (2) gets in,
    # the second gets 1 of its 2, the third none.
    proc = ServerProcess(
        tmp_path / "data", "conn_attempts_per_minute=3", env={"COLLABD_API_KEY": API_KEY}
    )
    running = await proc.start()
    try:
        out_path = tmp_path / "run.json"
        code, out, err = await run_cli(
            "--server",
            running.http,
            "--api-key",
            API_KEY,
            "--sessions",
            "3",
            "--concurrency",
            "1",
            "--type-rate",
            "0",
            "--json-out",
            str(out_path),
        )
        assert code == 1, out + err
        assert "1 completed, 2 failed" in out
        assert "too_many_connections" in out and "conn_attempts_per_minute" in out
        assert "never retrieved" not in err and "Traceback" not in err, err
        sessions = json.loads(out_path.read_text())["sessions"]
        assert [s["ok"] for s in sessions] == [True, False, False]
        assert [s["failed_step"] for s in sessions] == [None, "join", "join"]
        api = Api(running)
        for s in sessions[1:]:
            # failed sessions are cancelled, not left waiting in the lobby
            assert s["cancelled"] is True
            state = await api.get(f"/api/sessions/{s['session_id']}")
            assert state["phase"] == "sealed" and state["close_reason"] == "cancelled"
        study = await api.get("/api/analytics", include_simulated="true")
        assert study["counts"]["included"] == 1
        # cancelled before anyone submitted: excluded, with the interviewer's form missing
        assert study["counts"]["excluded_total"] == 2
        assert study["counts"]["excluded"]["interviewer_form_missing"] == 2
    finally:
        proc.kill()
