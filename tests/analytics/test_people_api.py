"""Session kinds and people's calibration through a real server: the API, the study's
defaults, the candidate's history in their reveal, and that no external id reaches anyone."""

from __future__ import annotations

import statistics
from typing import Any

import pytest

from collab_protocol import EndInterview, FeedbackReveal, FeedbackSubmit, UnmaskAnswer, UnmaskResult
from collabd.analytics.person import person_key
from collabd.config import load_secret
from support.session import HIRE, WORK, Participant, api, phase_is

pytestmark = pytest.mark.usefixtures("close_raw_clients")


def person(name: str, external_id: str | None) -> dict[str, str]:
    out = {"name": f"{name} Realname", "email": f"{name.lower()}@example.org"}
    return out if external_id is None else {**out, "external_id": external_id}


async def create(server: Any, er: dict[str, str], ee: dict[str, str], **extra: Any) -> dict:
    status, body = await api(
        server, "POST", "/api/sessions", {"interviewer": er, "interviewee": ee, **extra}
    )
    assert status == 201, body
    return dict(body)


async def interview(
    server: Any, er: dict[str, str], ee: dict[str, str], actual: int, guess: int
) -> tuple[Participant, Participant, FeedbackReveal, FeedbackReveal]:
    """A whole interview up to the reveal; returns both participants and their reveals."""
    s = await create(server, er, ee, options={"unmask_policy": "always"})
    sid = s["session_id"]
    a = await Participant.join(server, sid, s["interviewer"]["token"])
    b = await Participant.join(server, sid, s["interviewee"]["token"])
    await a.until(phase_is("live"))
    await a.send(EndInterview())
    await b.until(phase_is("feedback"))
    await a.send(FeedbackSubmit({**HIRE, "technical": actual}, nonce="1"))
    await b.send(FeedbackSubmit({**WORK, "self_assessment": guess}, nonce="2"))
    ra = await a.until(lambda m: isinstance(m, FeedbackReveal))
    # the history is read before the reveal is sent: the first reveal carries it
    rb = await b.until(lambda m: isinstance(m, FeedbackReveal))
    return a, b, ra, rb


async def test_practice_and_simulated_sessions_are_left_out_by_default_and_counted(server):
    status, practice = await api(server, "POST", "/api/practice", key="")
    assert status == 201
    real = [await create(server, person("Ann", None), person("Ben", None)) for _ in range(2)]
    sim = await create(server, person("Ann", None), person("Ben", None), simulated=True)
    assert real[0]["status"]["kind"] == "real" and sim["status"]["kind"] == "simulated"

    _, one = await api(server, "GET", f"/api/sessions/{practice['session_id']}")
    assert one["kind"] == "practice" and one["simulated"] is False
    _, listed = await api(server, "GET", "/api/sessions")
    assert sorted(s["kind"] for s in listed["sessions"]) == [
        "practice",
        "real",
        "real",
        "simulated",
    ]
    _, only = await api(server, "GET", "/api/sessions?kind=practice")
    assert [s["session_id"] for s in only["sessions"]] == [practice["session_id"]]
    status, bad = await api(server, "GET", "/api/sessions?kind=bots")
    assert status == 400 and bad["error"]["code"] == "invalid_payload"

    _, study = await api(server, "GET", "/api/analytics")
    assert study["options"] == {"include": ["real"]}
    counts = study["counts"]
    assert counts["total"] == 4
    assert counts["excluded"]["practice"] == 1 and counts["excluded"]["simulated"] == 1
    assert counts["excluded"]["not_ended"] == 2  # the real ones, still in the lobby
    _, both = await api(
        server, "GET", "/api/analytics?include_practice=true&include_simulated=true"
    )
    assert both["options"] == {"include": ["real", "practice", "simulated"]}
    assert both["counts"]["excluded"]["practice"] == 0
    assert both["counts"]["excluded"]["not_ended"] == 4


async def test_a_candidates_history_across_interviews(server):
    me = "cand-7f3a"  # the candidate's external id at the embedder
    others = ["int-1", "int-2", "int-3", "cand-other"]
    scores = [(3, 2), (2, 4), (4, 3)]  # (actual, guess) in order
    seen: list[Participant] = []
    reveals = []
    for i, (actual, guess) in enumerate(scores):
        a, b, ra, rb = await interview(
            server, person(f"Ivy{i}", others[i]), person("Cara", me), actual, guess
        )
        seen += [a, b]
        reveals.append((ra, rb))
    # someone else as the candidate, and our candidate as an interviewer: not in her history
    a, b, _, _ = await interview(server, person("Cara", me), person("Olaf", others[3]), 1, 4)
    seen += [a, b]

    # the numbers, worked out here from the scores the interviews were given
    gaps = [g - a_ for a_, g in scores]
    assert gaps == [-1, 2, -1]
    status, h = await api(server, "GET", f"/api/people/{me}/calibration")
    assert status == 200
    assert [(s["guess"], s["actual"], s["gap"]) for s in h["sessions"]] == [
        (g, a_, g - a_) for a_, g in scores
    ]
    assert h["n"] == 3
    assert h["mean_gap"] == pytest.approx(statistics.fmean(gaps))
    assert h["mean_abs_gap"] == pytest.approx(statistics.fmean(abs(g) for g in gaps))
    assert h["counts"] == {"under": 2, "over": 1, "exact": 0}
    x = [1, 2, 3]
    assert h["trend"]["gap_per_interview"] == pytest.approx(
        statistics.linear_regression(x, gaps).slope
    )
    assert h["trend"]["abs_gap_per_interview"] == pytest.approx(
        statistics.linear_regression(x, [abs(g) for g in gaps]).slope
    )
    _, other = await api(server, "GET", f"/api/people/{others[3]}/calibration")
    assert [(s["guess"], s["actual"]) for s in other["sessions"]] == [(4, 1)]
    _, nobody = await api(server, "GET", "/api/people/unknown/calibration")
    assert nobody["n"] == 0 and nobody["tendency"] is None

    # in the browser's reveal: nothing after the first interview, then her own points only
    first, second, third = (rb.calibration for _, rb in reveals)
    assert "history" not in first
    assert [(p["guess"], p["actual"]) for p in second["history"]["points"]] == [(2, 3), (4, 2)]
    assert [(p["guess"], p["actual"]) for p in third["history"]["points"]] == [
        (g, a_) for a_, g in scores
    ]
    assert set(third["history"]["points"][0]) == {"ended_at", "guess", "actual"}
    assert third["history"]["tendency"] == h["tendency"]
    assert all(ra.calibration is None for ra, _ in reveals)  # interviewers get none of it

    # no external id, and no key derived from one, reaches any participant
    secret = load_secret(server.data_dir)
    secrets = [me, *others, *(person_key(secret, x) for x in [me, *others])]
    for p in seen:
        data = p.all_bytes()
        assert [s for s in secrets if s.encode() in data] == []


async def test_unmask_reveals_the_identity_without_the_external_id(server):
    a, b, _, _ = await interview(server, person("Ivy", "int-9"), person("Cara", "cand-9"), 3, 3)
    await a.send(UnmaskAnswer("yes"))
    await b.send(UnmaskAnswer("yes"))
    ra = await a.until(lambda m: isinstance(m, UnmaskResult))
    rb = await b.until(lambda m: isinstance(m, UnmaskResult))
    assert ra.unmasked and set(ra.identity) == {"name", "email", "profile"}
    assert rb.unmasked and set(rb.identity) == {"name", "email", "profile"}
    for p in (a, b):
        await p.drain()
        assert b"cand-9" not in p.all_bytes() and b"int-9" not in p.all_bytes()
