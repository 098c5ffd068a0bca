"""Runs, the question, private notes and replay over real sockets (issue 14, SPEC 8.7-8.10, 18):
who may do what, what the server stamps, what reaches whom, what is stored."""

from __future__ import annotations

import asyncio
import base64
import time
from typing import Any
from urllib.parse import quote

import msgpack
from pycrdt import Doc, Text

from collab_protocol import (
    ChatMsg,
    ChatPost,
    EndInterview,
    Error,
    FeedbackReveal,
    FeedbackSubmit,
    Hello,
    Notes,
    NotesSave,
    Question,
    QuestionSet,
    RunHistory,
    RunMsg,
    RunResult,
    SessionState,
    Signal,
    SyncStep1,
    SyncStep2,
    SyncUpdate,
    Timeline,
    TimelineGet,
    UnmaskAnswer,
    UnmaskResult,
    UnmaskStatus,
    Welcome,
)
from collab_protocol.lib0 import write_var_uint, write_var_uint8_array
from support.net import wait_until
from support.rooms import joined
from support.server import in_process
from support.session import ALICE, BOB, HIRE, WORK, Participant, api, phase_is
from support.wsclient import RawClient

RUN = {"language": "python", "stdin": "3 4\n", "stdout": "7 é🌍\n", "stderr": "", "exit": 0,
       "duration_ms": 40}


async def session(server: Any, question: str = "", **options: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"interviewer": ALICE, "interviewee": BOB, "options": options}
    if question:
        body["question"] = question
    status, s = await api(server, "POST", "/api/sessions", body)
    assert status == 201, s
    return dict(s)


async def live_pair(server: Any, question: str = "") -> tuple[dict[str, Any], Participant,
                                                                 Participant]:
    s = await session(server, question)
    a = await Participant.join(server, s["session_id"], s["interviewer"]["token"])
    b = await Participant.join(server, s["session_id"], s["interviewee"]["token"])
    await a.until(phase_is("live"))
    await b.until(phase_is("live"))
    return s, a, b


def error(code: str, ref: str = "") -> Any:
    return lambda m: isinstance(m, Error) and m.code == code and m.ref == ref


def raw_collab(payload: dict[str, Any]) -> bytes:
    out = bytearray()
    write_var_uint(out, 100)
    write_var_uint8_array(out, msgpack.packb(payload, use_bin_type=True))
    return bytes(out)


# -- runs


async def test_a_run_is_stamped_stored_and_shared_with_both(server):
    s, a, b = await live_pair(server)
    sid = s["session_id"]
    await b.send(RunResult(**RUN, nonce="r-1"))
    mine = await b.next(lambda m: isinstance(m, RunMsg))
    theirs = await a.next(lambda m: isinstance(m, RunMsg))
    bob = a.last(SessionState).participants[1]
    assert mine.from_ == {k: bob[k] for k in ("id", "name", "color")}
    assert mine.nonce == "r-1" and theirs.nonce == ""
    assert mine.id == theirs.id and mine.ts == theirs.ts
    assert abs(mine.ts - time.time() * 1000) < 10_000
    assert (theirs.stdout, theirs.stdin, theirs.exit, theirs.language) == (
        RUN["stdout"], RUN["stdin"], 0, "python")
    stored = server.hub.store.runs_after(sid, 0, 10)
    assert [r["id"] for r in stored] == [mine.id] and stored[0]["from"] == mine.from_


async def test_a_run_cannot_be_forged_as_someone_elses(server):
    """A client that writes a `from` naming the interviewer into its run is refused whole:
    `from` is not a field of run.result, and unknown fields are refused. Its own runs are
    stamped with its own pseudonym."""
    s, a, b = await live_pair(server)
    interviewer = a.last(SessionState).participants[0]
    forged = {"t": "run.result", "language": "python", "stdout": "I am the interviewer",
              "from": {k: interviewer[k] for k in ("id", "name", "color")}, "id": 999,
              "ts": 1, "nonce": "f"}
    await b.send(raw_collab(forged))
    refused = await b.next(lambda m: isinstance(m, Error))
    assert refused.code == "bad_message"
    await b.send(RunResult("python", stdout="mine", nonce="g"))
    got = await a.next(lambda m: isinstance(m, RunMsg))
    assert got.stdout == "mine"  # the forged run was neither stored nor relayed
    assert got.from_["id"] != interviewer["id"] and got.from_["name"] != interviewer["name"]
    echo = await b.next(lambda m: isinstance(m, RunMsg))
    assert echo.from_ == got.from_ and echo.nonce == "g"


async def test_bad_runs_are_refused_not_stored_not_relayed(tmp_path):
    async with in_process(tmp_path / "d", run_output_chars=10, run_stdin_chars=5,
                          run_burst=3, run_rate=0.01) as server:
        s, a, b = await live_pair(server)
        sid = s["session_id"]
        bad = [
            (RunResult("python", stdout="x" * 11, nonce="1"), "too_large"),
            (RunResult("python", stderr="é" * 11, nonce="2"), "too_large"),
            (RunResult("python", stdin="123456", nonce="3"), "too_large"),
            (RunResult("Py thon", nonce="4"), "bad_message"),
            (RunResult("python", exit=256, nonce="5"), "bad_message"),
            (RunResult("python", exit=0, timed_out=True, nonce="6"), "bad_message"),
            (RunResult("python", truncated=["stdout", "secrets"], nonce="7"), "bad_message"),
            (RunResult("python", exception={"type": "E", "message": 3}, nonce="8"),
             "bad_message"),
            (RunResult("python", exception={"type": "E", "message": "m", "line": 0},
                       nonce="9"), "bad_message"),
            (RunResult("python", duration_ms=-1, nonce="10"), "bad_message"),
        ]
        for msg, code in bad:
            await b.send(msg)
            await b.next(error(code, msg.nonce))
        # the stdout cap counts code points: 10 emoji are fine
        await b.send(RunResult("python", stdout="🌍" * 10, truncated=["stdout"], nonce="ok"))
        await b.next(lambda m: isinstance(m, RunMsg) and m.nonce == "ok")
        await b.send(RunResult("python", nonce="ok2"))
        await b.send(RunResult("python", nonce="ok3"))
        await b.next(lambda m: isinstance(m, RunMsg) and m.nonce == "ok3")
        await b.send(RunResult("python", nonce="too-fast"))
        await b.next(error("rate_limited", "too-fast"))
        await a.drain()
        assert len([m for m in a.received if isinstance(m, RunMsg)]) == 3
        assert len(server.hub.store.runs_after(sid, 0, 100)) == 3


async def test_run_history_on_hello_and_after_a_reconnect(server):
    s, a, b = await live_pair(server)
    sid = s["session_id"]
    ids = []
    for i in range(3):
        await a.send(RunResult("javascript", stdout=f"{i}\n", nonce=str(i)))
        ids.append((await a.next(lambda m: isinstance(m, RunMsg) and m.nonce != "")).id)
    late = await Participant.join(server, sid, s["interviewee"]["token"])
    history = await late.until(lambda m: isinstance(m, RunHistory))
    assert [r["id"] for r in history.runs] == ids
    assert history.runs[0]["stdout"] == "0\n" and "nonce" not in history.runs[0]
    # a reconnect that already holds the first run gets the rest only
    again = await Participant.join(server, sid, s["interviewee"]["token"])
    await again.send(Hello(v=1))  # a second hello is refused; history came with the first
    await again.next(error("bad_message"))
    c = await RawClient.connect(f"{server.ws_base}/{sid}?token={quote(s['interviewee']['token'])}")
    await c.recv_until(lambda m: isinstance(m, SyncStep1))
    await c.send(SyncStep1(b"\x00"))
    await c.recv_until(lambda m: isinstance(m, SyncStep2))
    await c.send(Hello(v=1, run_after=ids[0]))
    await c.recv_until(lambda m: isinstance(m, Welcome))
    rest = await c.recv_until(lambda m: isinstance(m, RunHistory))
    assert [r["id"] for r in rest.runs] == ids[1:]


MIXED = {"language": "python", "stdout": "a é\nc 🌍\n", "stderr": "warn b\n", "exit": 0,
         "order": [["stdout", 4], ["stderr", 7], ["stdout", 4]]}


async def test_a_runs_print_order_is_stored_relayed_and_replayed_on_rejoin(server):
    s, a, b = await live_pair(server)
    sid = s["session_id"]
    await b.send(RunResult(**MIXED, nonce="m"))
    theirs = await a.next(lambda m: isinstance(m, RunMsg))
    mine = await b.next(lambda m: isinstance(m, RunMsg))
    assert theirs.order == mine.order == MIXED["order"]
    assert server.hub.store.runs_after(sid, 0, 10)[0]["order"] == MIXED["order"]
    late = await Participant.join(server, sid, s["interviewer"]["token"])
    history = await late.until(lambda m: isinstance(m, RunHistory))
    assert history.runs[0]["order"] == MIXED["order"]
    # a run without an order (an older client) stays without one
    await b.send(RunResult("python", stdout="x", stderr="y", nonce="old"))
    old = await a.next(lambda m: isinstance(m, RunMsg))
    assert old.order is None and "order" not in server.hub.store.runs_after(sid, 0, 10)[1]


async def test_bad_print_orders_are_refused_not_stored_not_relayed(tmp_path):
    async with in_process(tmp_path / "d", run_order_pieces=3) as server:
        s, a, b = await live_pair(server)
        out = {"language": "python", "stdout": "ab", "stderr": "🌍"}
        bad = [
            ({"order": [["stdout", 2]]}, "bad_message"),  # stderr left out
            ({"order": [["stdout", 1], ["stderr", 1]]}, "bad_message"),  # stdout short
            ({"order": [["stdout", 2], ["stderr", 2]]}, "bad_message"),  # 🌍 is one
            ({"order": [["stdin", 2], ["stderr", 1]]}, "bad_message"),
            ({"order": [["stdout", 0], ["stdout", 2], ["stderr", 1]]}, "bad_message"),
            ({"order": [["stdout", True], ["stdout", 1], ["stderr", 1]]}, "bad_message"),
            ({"order": [["stdout", 2, 0], ["stderr", 1]]}, "bad_message"),
            ({"order": [{"stdout": 2}, ["stderr", 1]]}, "bad_message"),
            ({"order": [["stdout", 1], ["stderr", 1], ["stdout", 1], ["stdout", 0]]},
             "too_large"),
        ]
        for i, (extra, code) in enumerate(bad):
            await b.send(RunResult(**out, **extra, nonce=str(i)))
            await b.next(error(code, str(i)))
        good = [["stdout", 1], ["stderr", 1], ["stdout", 1]]
        await b.send(RunResult(**out, order=good, nonce="ok"))
        echo = await b.next(lambda m: isinstance(m, RunMsg))
        assert echo.nonce == "ok" and echo.order == good
        await a.drain()
        assert [m.order for m in a.received if isinstance(m, RunMsg)] == [good]
        assert len(server.hub.store.runs_after(s["session_id"], 0, 100)) == 1


async def test_runs_stop_with_the_interview(server):
    s, a, b = await live_pair(server)
    await a.send(EndInterview())
    await b.until(phase_is("feedback"))
    await b.send(RunResult("python", nonce="late"))
    await b.next(error("wrong_phase", "late"))
    assert server.hub.store.runs_after(s["session_id"], 0, 10) == []


# -- the question


async def test_the_embedders_question_reaches_both_on_hello(server):
    q = "# Two sum\n\n<script>alert(1)</script> — 答え 🎯"
    s, a, b = await live_pair(server, question=q)
    qa = await a.until(lambda m: isinstance(m, Question))
    qb = await b.until(lambda m: isinstance(m, Question))
    assert qa.text == qb.text == q and qa.from_ is None and qa.ts is not None


async def test_only_the_interviewer_sets_the_question(server):
    s, a, b = await live_pair(server)
    assert await a.until(lambda m: isinstance(m, Question)) == Question("")  # none set yet
    await b.send(QuestionSet("I set the question", nonce="q-b"))
    refused = await b.next(error("not_allowed", "q-b"))
    assert "interviewer" in refused.message
    await a.send(QuestionSet("## Reverse a list\nIn place.", nonce="q-a"))
    echo = await a.next(lambda m: isinstance(m, Question))
    seen = await b.next(lambda m: isinstance(m, Question))
    assert echo.text == seen.text == "## Reverse a list\nIn place."
    assert echo.nonce == "q-a" and seen.nonce == "" and seen.from_["id"] == echo.from_["id"]
    await a.drain()
    assert not [m for m in a.received if isinstance(m, Question) and "I set" in m.text]
    rows = server.hub.store.questions(s["session_id"])
    assert [r["text"] for r in rows] == ["## Reverse a list\nIn place."]
    await a.send(QuestionSet("x" * 20001, nonce="big"))
    await a.next(error("too_large", "big"))
    await a.send(EndInterview())
    await a.until(phase_is("feedback"))
    await a.send(QuestionSet("after the end", nonce="late"))
    await a.next(error("wrong_phase", "late"))
    assert len(server.hub.store.questions(s["session_id"])) == 1


async def test_question_in_create_is_limited(tmp_path):
    async with in_process(tmp_path / "d", question_max_chars=5) as server:
        status, body = await api(server, "POST", "/api/sessions",
                                 {"interviewer": ALICE, "interviewee": BOB, "question": "123456"})
        assert status == 400 and body["error"]["code"] == "invalid_payload"
        assert "question" in body["error"]["message"]
        status, body = await api(server, "POST", "/api/sessions",
                                 {"interviewer": ALICE, "interviewee": BOB, "question": "12345"})
        assert status == 201


async def test_no_question_outside_sessions(server):
    c = await joined(server, "free-room", "g1", hello=True)
    await c.send(QuestionSet("hi", nonce="n"))
    got = await c.recv_until(lambda m: isinstance(m, Error))
    assert got.code == "not_found" and got.ref == "n"


# -- private notes


async def test_notes_reach_only_their_owner_on_every_device(server):
    s, a, b = await live_pair(server)
    sid = s["session_id"]
    assert await a.until(lambda m: isinstance(m, Notes)) == Notes("")
    assert await b.until(lambda m: isinstance(m, Notes)) == Notes("")
    a2 = await Participant.join(server, sid, s["interviewer"]["token"])  # a second device
    await a2.until(lambda m: isinstance(m, Notes))  # its own greeting
    secret = "PRIVATE-NOTE: strong on graphs, weak on tests ✍️"
    await a.send(NotesSave(secret, nonce="n-1"))
    echo = await a.next(lambda m: isinstance(m, Notes))
    synced = await a2.next(lambda m: isinstance(m, Notes))
    assert echo.text == synced.text == secret and echo.nonce == "n-1" and synced.nonce == ""
    assert echo.ts == synced.ts
    # the last save wins
    await a2.send(NotesSave(secret + " (edited)", nonce="n-2"))
    await a.next(lambda m: isinstance(m, Notes) and m.text.endswith("(edited)"))
    assert server.hub.store.load_notes(sid, s["interviewer"]["pid"])[0].endswith("(edited)")
    await b.send(NotesSave("candidate's own notes", nonce="nb"))
    await b.next(lambda m: isinstance(m, Notes) and m.nonce == "nb")
    await b.send(ChatPost("ping", nonce="c"))
    await a.next(lambda m: isinstance(m, ChatMsg))
    await b.drain()
    assert b"PRIVATE-NOTE" not in b.all_bytes()
    assert b"candidate's own notes" not in a.all_bytes() + a2.all_bytes()
    too_big = "x" * (server.hub.settings.limits.notes_max_chars + 1)
    await a.send(NotesSave(too_big, nonce="big"))
    await a.next(error("too_large", "big"))


async def test_notes_stay_available_after_the_interview(server):
    s, a, b = await live_pair(server)
    sid = s["session_id"]
    await b.send(NotesSave("my notes é", nonce="1"))
    await b.next(lambda m: isinstance(m, Notes))
    await a.send(EndInterview())
    await b.until(phase_is("feedback"))
    await a.send(FeedbackSubmit(HIRE))
    await b.send(FeedbackSubmit(WORK))
    await b.until(lambda m: isinstance(m, FeedbackReveal))
    await b.close()
    back = await Participant.join(server, sid, s["interviewee"]["token"])
    notes = await back.until(lambda m: isinstance(m, Notes))
    assert notes.text == "my notes é" and notes.ts is not None
    assert await back.until(lambda m: isinstance(m, FeedbackReveal))


# -- replay


def text_at(events: list[dict[str, Any]], n: int) -> str:
    """The code after update n, the way SPEC 18.2 says a client rebuilds it."""
    snap = max((e for e in events if e["k"] == "snapshot" and e["n"] <= n),
               key=lambda e: e["n"], default=None)
    doc: Doc[Any] = Doc()
    start = 0
    if snap is not None:
        doc.apply_update(base64.b64decode(snap["u"]))
        start = snap["n"]
    for e in events:
        if e["k"] == "update" and start < e["n"] <= n:
            doc.apply_update(base64.b64decode(e["u"]))
    return str(doc.get("code", type=Text))


async def fetch_timeline(p: Participant) -> tuple[dict[str, Any], list[Any], int]:
    events: list[Any] = []
    after, pages, info = 0, 0, {}
    while True:
        nonce = f"tl-{pages}"
        await p.send(TimelineGet(after=after, nonce=nonce))
        page = await p.next(lambda m, n=nonce: isinstance(m, Timeline) and m.nonce == n)
        info = page.info
        events += page.events
        pages += 1
        if page.next is None:
            return info, events, pages
        after = page.next


async def test_replay_after_the_reveal(tmp_path):
    """Typing, chat, runs, a call and the phases on one time axis; the document at the middle
    of the interview is what was typed by then; compaction kept every update."""
    async with in_process(tmp_path / "d", compact_every_updates=20,
                          timeline_page_bytes=4096) as server:
        s, a, b = await live_pair(server, question="Q1")
        sid = s["session_id"]
        await a.send(TimelineGet(nonce="early"))
        await a.next(error("wrong_phase", "early"))
        doc: Doc[Any] = Doc()
        code = doc.get("code", type=Text)
        typed = []
        for i in range(60):
            state = doc.get_state()
            code += f"line {i} é🌍\n"
            await a.send(SyncUpdate(doc.get_update(state)))
            typed.append(str(code))
            if i == 30:  # once b has seen update 31 (relayed only after it is stored)
                while sum(isinstance(m, SyncUpdate) for m in b.received) < 31:
                    await b.next(lambda m: isinstance(m, SyncUpdate))
                await b.send(ChatPost("half way", nonce="c"))
                await b.next(lambda m: isinstance(m, ChatMsg))
                await b.send(RunResult(**MIXED, nonce="r"))  # with its print order
                await b.next(lambda m: isinstance(m, RunMsg))
        await a.send(Signal("offer", {"sdp": "v=0\r\n"}, to=s["interviewee"]["pid"]))
        await b.next(lambda m: isinstance(m, Signal))
        await a.send(Signal("hangup", {}, to=s["interviewee"]["pid"]))
        await b.next(lambda m: isinstance(m, Signal) and m.kind == "hangup")
        await server.hub.rooms[sid].flush()
        # compaction runs beside the typing (it first has the worker thread drain the store's
        # hot log), so wait for it rather than assume it is done
        store = server.hub.store
        await wait_until(lambda: len(store.load_doc(sid)[0]) < 60, timeout=10,
                         what="a compaction: loading uses the snapshot")
        assert store.count_updates(sid) == 60  # compacted, yet every row kept
        await a.send(EndInterview())
        await a.send(FeedbackSubmit(HIRE))
        await b.send(FeedbackSubmit(WORK))
        await a.until(lambda m: isinstance(m, FeedbackReveal))

        info, events, pages = await fetch_timeline(b)
        assert pages > 1  # 4 KiB pages
        assert info["complete"] and info["phase"] == "revealed"
        assert all("identity" not in p for p in info["participants"])
        ups = [e for e in events if e["k"] == "update"]
        assert [e["n"] for e in ups] == list(range(1, 61))
        assert [e["ts"] for e in events] == sorted(e["ts"] for e in events)
        assert text_at(events, 60) == typed[-1]
        assert text_at(events, 31) == typed[30]  # the middle: what was typed then
        kinds = [e["k"] for e in events]
        assert kinds.count("chat") == 1 and kinds.count("run") == 1
        assert [e["phase"] for e in events if e["k"] == "phase"] == [
            "lobby", "live", "feedback", "revealed"]
        assert [e["what"] for e in events if e["k"] == "call"] == ["start", "end"]
        assert [e["text"] for e in events if e["k"] == "question"] == ["Q1"]
        run = next(e for e in events if e["k"] == "run")
        chat = next(e for e in events if e["k"] == "chat")
        assert ups[30]["ts"] <= chat["ts"] <= run["ts"] <= ups[31]["ts"]
        assert run["order"] == MIXED["order"]

        # the embedder's view is the same timeline, in pages of the same size (the answers
        # are checked against OpenAPI)
        rest, after, rest_pages = [], 0, 0
        while after is not None:
            status, body = await api(server, "GET", f"/api/sessions/{sid}/timeline?after={after}")
            assert status == 200 and body["info"] == info
            rest += body["events"]
            after, rest_pages = body.get("next"), rest_pages + 1
        assert rest == events and rest_pages == pages
        status, body = await api(server, "GET",
                                 f"/api/sessions/{sid}/timeline?after={len(events) + 1}")
        assert status == 400
        status, _ = await api(server, "GET", "/api/sessions/s-nothing/timeline")
        assert status == 404
        await a.send(TimelineGet(after=len(events) + 1, nonce="past"))
        await a.next(error("bad_message", "past"))

        # after a mutual unmask the timeline names both
        await a.until(lambda m: isinstance(m, UnmaskStatus))
        await a.send(UnmaskAnswer("yes"))
        await b.send(UnmaskAnswer("yes"))
        await a.until(lambda m: isinstance(m, UnmaskResult))
        await a.until(phase_is("unmasked"))
        info, events, _ = await fetch_timeline(a)
        assert [p["identity"]["email"] for p in info["participants"]] == [
            ALICE["email"], BOB["email"]]


# -- text the other side reads has no bidi overrides and no control characters (SPEC 9)

TRICK = "pay \u202eusd 001\u202c now\x1b[2J\r\n\u2066ok\u2069\x00\x9b"
CLEAN = "pay usd 001 now[2J\nok"


async def test_chat_question_runs_and_names_reach_the_other_side_neutralised(tmp_path):
    async with in_process(tmp_path) as server:
        body = {"interviewer": {**ALICE, "name": "Al\u202eice"}, "interviewee": BOB,
                "question": TRICK}
        status, s = await api(server, "POST", "/api/sessions", body)
        assert status == 201
        a = await Participant.join(server, s["session_id"], s["interviewer"]["token"])
        b = await Participant.join(server, s["session_id"], s["interviewee"]["token"])
        await b.until(phase_is("live"))
        assert (await b.until(lambda m: isinstance(m, Question))).text == CLEAN
        await a.send(ChatPost(TRICK, nonce="c"))
        assert (await b.next(lambda m: isinstance(m, ChatMsg))).text == CLEAN
        await a.send(ChatPost("\u202e\x07\r", nonce="e"))  # nothing left to show: empty
        await a.next(error("bad_message", "e"))
        await a.send(QuestionSet(TRICK, nonce="q"))
        assert (await b.next(lambda m: isinstance(m, Question))).text == CLEAN
        await a.send(RunResult(**{**RUN, "stdout": TRICK, "stderr": TRICK, "stdin": TRICK},
                               exception={"type": "E\u202erorr", "message": TRICK, "line": 1}))
        run = await b.next(lambda m: isinstance(m, RunMsg))
        assert run.stdout == run.stderr == run.stdin == run.exception["message"] == CLEAN
        assert run.exception["type"] == "Erorr"
        # what is stored is what was shown: later readers (history, REST, replay) agree
        assert server.hub.store.chat_after(s["session_id"], 0, 10)[-1]["text"] == CLEAN
        assert server.hub.store.runs_after(s["session_id"], 0, 10)[-1]["stdout"] == CLEAN
        assert server.hub.store.questions(s["session_id"])[-1]["text"] == CLEAN
        # the print order follows the cleaning: pieces shrink, emptied ones go, neighbours merge
        await a.send(RunResult("python", stdout="\x1b[1mA\r\n", stderr="\u202e\x07B\n",
                               order=[["stdout", 4], ["stderr", 2], ["stdout", 3],
                                      ["stderr", 2]]))
        run = await b.next(lambda m: isinstance(m, RunMsg))
        assert (run.stdout, run.stderr) == ("[1mA\n", "B\n")
        assert run.order == [["stdout", 5], ["stderr", 2]]
        # the real name shown on unmask
        live = await server.hub.extensions.get(s["session_id"])
        assert live.session.participants[0].identity.name == "Alice"
        await a.close()
        await b.close()


# -- replay cost: one build per session, a capped history

async def type_updates(p: Participant, n: int) -> None:
    doc: Doc[Any] = Doc()
    code = doc.get("code", type=Text)
    for i in range(n):
        state = doc.get_state()
        code += f"{i} "
        await p.send(SyncUpdate(doc.get_update(state)))


async def test_parallel_replays_share_one_build(tmp_path, monkeypatch):
    from collabd.runtime import timeline

    builds = []
    real = timeline.build

    def counted(*args: Any) -> Any:
        builds.append(1)
        return real(*args)

    monkeypatch.setattr(timeline, "build", counted)
    # pings far apart: on a loaded machine a late pong marked a participant away and back,
    # a presence event that (rightly) made a second build
    async with in_process(tmp_path / "d", timeline_page_bytes=2048,
                          ws_ping_seconds=600, idle_ping_seconds=600) as server:
        s, a, b = await live_pair(server)
        sid = s["session_id"]
        await type_updates(a, 40)
        await server.hub.rooms[sid].flush()
        path = f"/api/sessions/{sid}/timeline"
        answers = await asyncio.gather(*(api(server, "GET", path) for _ in range(6)))
        assert [status for status, _ in answers] == [200] * 6
        assert len(builds) == 1  # five waited for the first build and found it
        first = answers[0][1]
        assert first["next"] is not None  # 2 KiB pages
        status, second = await api(server, "GET", f"{path}?after={first['next']}")
        assert status == 200 and len(builds) == 1  # the next page reuses it
        await a.send(ChatPost("something new", nonce="c"))
        await a.next(lambda m: isinstance(m, ChatMsg))
        await api(server, "GET", path)
        assert len(builds) == 2  # something changed: built again


async def test_replay_history_is_capped(tmp_path):
    async with in_process(tmp_path / "d", compact_every_updates=20,
                          history_max_updates=50) as server:
        s, a, b = await live_pair(server)
        sid = s["session_id"]
        await type_updates(a, 200)
        await server.hub.rooms[sid].flush()
        store = server.hub.store
        await wait_until(lambda: store.count_updates(sid) < 100, timeout=20,
                         what="a compaction past the cap folded the history")
        info, events, after = None, [], 0
        while after is not None:
            status, body = await api(server, "GET", f"/api/sessions/{sid}/timeline?after={after}")
            assert status == 200
            info, after = body["info"], body.get("next")
            events += body["events"]
        assert info is not None and info["complete"] is False
        docs = [e for e in events if e["k"] in ("update", "snapshot")]
        assert docs[0]["k"] == "snapshot" and docs[0]["n"] == 0
        assert len([e for e in docs if e["k"] == "update"]) < 100
