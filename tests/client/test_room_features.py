"""The SDK's runs, question, private notes and replay against a real server (issue 14)."""

from __future__ import annotations

import asyncio

import pytest
from pycrdt import Text

from collab_client import SdkError
from collab_client.replay import doc_at
from collab_protocol.runorder import order_of, printed

from .helpers import GOOD_INTERVIEWEE_FORM, GOOD_INTERVIEWER_FORM
from .test_sdk import pair


async def test_runs_question_notes_and_replay(server, clients):
    created, a, b = await pair(server, clients)
    # the question: the interviewer sets it, the interviewee may not
    q = await a.set_question("# Reverse\n\nReverse a list 🔁")
    await b.wait_for(lambda c: c.question is not None and c.question.text == q.text)
    with pytest.raises(SdkError) as refused:
        await b.set_question("mine now")
    assert refused.value.code == "not_allowed"
    # runs: shared, stamped, in order on both sides
    run = await b.report_run("python", stdin="1", stdout="1\n", exit=0, duration_ms=12)
    assert run.from_["id"] == created.interviewee["pid"] and run.stdout == "1\n"
    stopped = await a.report_run("javascript", stdout="tick\n", timed_out=True,
                                 truncated=["stdout"], duration_ms=10_000)
    await a.wait_for(lambda c: [r.id for r in c.runs] == [run.id, stopped.id])
    await b.wait_for(lambda c: [r.id for r in c.runs] == [run.id, stopped.id])
    assert b.runs[1].timed_out and b.runs[1].exit is None
    with pytest.raises(SdkError) as big:
        await a.report_run("python", stdout="x" * 70_000)
    assert big.value.code == "too_large"
    # notes: ours only
    saved = await a.save_notes("take-home: ask about tests")
    assert a.notes == saved and saved.text == "take-home: ask about tests"
    await b.save_notes("b's notes")
    assert b.notes is not None and b.notes.text == "b's notes"
    assert a.notes.text == "take-home: ask about tests"
    # typing, then the end, feedback and the replay
    a.insert(0, "def rev(xs):\n")
    await b.wait_for(lambda c: c.code == "def rev(xs):\n")
    with pytest.raises(SdkError) as early:
        await a.fetch_timeline()
    assert early.value.code == "wrong_phase"
    middle = a.code
    # replay tells updates apart by their commit time in ms; relaying is fast enough now for
    # both edits to land in the same ms, so let the clock move on first
    await asyncio.sleep(0.005)
    b.insert(len("def rev(xs):\n"), "    return xs[::-1]\n")
    await a.wait_for(lambda c: c.code.endswith("[::-1]\n"))
    await a.end_interview()
    await a.submit_feedback(GOOD_INTERVIEWER_FORM)
    await b.submit_feedback(GOOD_INTERVIEWEE_FORM)
    await b.wait_for(lambda c: c.reveal is not None)
    info, events = await b.fetch_timeline()
    assert info["session"] == created.session_id
    assert [e["id"] for e in events if e["k"] == "run"] == [run.id, stopped.id]
    ups = [e for e in events if e["k"] == "update"]
    assert str(doc_at(events).get("code", type=Text)) == a.code
    assert str(doc_at(events, ups[0]["ts"]).get("code", type=Text)) == middle
    assert "take-home" not in repr(events) and "b's notes" not in repr(events)


async def test_runs_come_back_after_a_reconnect_without_duplicates(server, clients):
    created, a, b = await pair(server, clients)
    order = order_of([("stdout", "1\n"), ("stderr", "w🌍\n"), ("stdout", "2\n")])
    first = await a.report_run("python", stdout="1\n2\n", stderr="w🌍\n", exit=0, order=order)
    await b.wait_for(lambda c: len(c.runs) == 1)
    assert printed(b.runs[0]) == [("stdout", "1\n"), ("stderr", "w🌍\n"), ("stdout", "2\n")]
    await b._ws.close()  # a dropped connection: the SDK reconnects with run_after
    await b.wait_for(lambda c: c.connections == 2 and c.connected)
    second = await a.report_run("python", stdout="2\n", exit=0)
    await b.wait_for(lambda c: [r.id for r in c.runs] == [first.id, second.id])
    late = await clients(created.interviewee["join_url"], client_name="late")
    await late.wait_for(lambda c: [r.id for r in c.runs] == [first.id, second.id])
    assert late.runs[0].order == order and late.runs[1].order is None  # from run.history
    assert late.notes is not None and late.notes.text == ""
