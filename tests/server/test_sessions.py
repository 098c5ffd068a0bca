"""Interview sessions end to end over real websockets (issue 3)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time

import aiohttp
from aiohttp import web
from pycrdt import Doc, Text

from collab_protocol import (
    Ack,
    AwarenessEntry,
    AwarenessMessage,
    ChatMsg,
    ChatPost,
    EndInterview,
    Error,
    FeedbackReveal,
    FeedbackStatus,
    FeedbackSubmit,
    Notes,
    NotesSave,
    SessionState,
    SyncUpdate,
    Timeline,
    TimelineGet,
    UnmaskAnswer,
    UnmaskResult,
    UnmaskStatus,
    encode_awareness,
)
from collabd.analytics.person import person_key
from collabd.config import load_secret
from collabd.core.tokens import Claims, mint
from support.net import free_port, wait_until
from support.server import ServerProcess
from support.session import ALICE, BOB, HIRE, WORK, Participant, api, create, phase_is


def one_edit(text: str) -> bytes:
    doc = Doc()
    doc.get("code", type=Text).insert(0, text)
    return doc.get_update()


async def both(server, external_ids=None, **options):  # type: ignore[no-untyped-def]
    if external_ids is None:
        s = await create(server, **options)
    else:  # the embedder's stable ids of the two people (never to be sent to anyone)
        status, s = await api(server, "POST", "/api/sessions", {
            "interviewer": {**ALICE, "external_id": external_ids[0]},
            "interviewee": {**BOB, "external_id": external_ids[1]}, "options": options})
        assert status == 201, s
    sid = s["session_id"]
    a = await Participant.join(server, sid, s["interviewer"]["token"])
    b = await Participant.join(server, sid, s["interviewee"]["token"])
    await a.until(phase_is("live"))
    await b.until(phase_is("live"))
    return s, a, b


NOTES_A = "interviewer-private: hesitant on recursion ✍️"
NOTES_B = "candidate-private: the interviewer seemed rushed 🙈"


def leaks(p: Participant, identity: dict[str, str]) -> list[str]:
    data = p.all_bytes()
    return [v for v in identity.values() if v.encode() in data]


# -- the whole interview


async def test_whole_interview_with_mutual_unmask(server):
    s, a, b = await both(server)
    sid = s["session_id"]
    state = a.last(SessionState)
    assert [p["role"] for p in state.participants] == ["interviewer", "interviewee"]
    assert all(p["status"] == "connected" for p in state.participants)

    await a.send(SyncUpdate(one_edit("def solve(): pass")))
    await b.next(lambda m: isinstance(m, SyncUpdate))

    await b.send(EndInterview())
    assert (await b.next(lambda m: isinstance(m, Error))).code == "not_allowed"
    await a.send(EndInterview())
    await a.next(phase_is("feedback"))
    await b.next(phase_is("feedback"))
    assert b.last(SessionState).read_only

    # read-only from now on: refused, not relayed, not stored
    stored = server.hub.store.count_updates(sid)
    await b.send(SyncUpdate(one_edit("late edit")))
    assert (await b.next(lambda m: isinstance(m, Error))).code == "read_only"
    await server.hub.rooms[sid].flush()
    assert server.hub.store.count_updates(sid) == stored

    await a.send(FeedbackSubmit(HIRE, nonce="f1"))
    assert (await a.next(lambda m: isinstance(m, Ack))).ref == "f1"
    st = await b.next(lambda m: isinstance(m, FeedbackStatus))
    assert (st.mine, st.theirs) == ("pending", "submitted")
    await a.send(FeedbackSubmit(HIRE, nonce="again"))
    assert (await a.next(lambda m: isinstance(m, Error))).code == "already_submitted"

    await b.send(FeedbackSubmit(WORK, nonce="f2"))
    ra = await a.next(lambda m: isinstance(m, FeedbackReveal))
    rb = await b.next(lambda m: isinstance(m, FeedbackReveal))
    assert "self_assessment" not in ra.theirs and ra.calibration is None
    assert ra.theirs["would_work_with"] is True and ra.mine == {**HIRE}
    assert rb.theirs == HIRE and rb.calibration == {"self": 2, "actual": 3}
    assert rb.mine["self_assessment"] == 2

    await a.until(lambda m: isinstance(m, UnmaskStatus) and m.mine == "pending")
    await a.send(UnmaskAnswer("yes"))
    await a.next(lambda m: isinstance(m, UnmaskStatus) and m.mine == "yes")
    assert not leaks(a, BOB) and not leaks(b, ALICE)
    await b.send(UnmaskAnswer("yes"))
    res_a = await a.next(lambda m: isinstance(m, UnmaskResult))
    res_b = await b.next(lambda m: isinstance(m, UnmaskResult))
    assert res_a.unmasked and res_a.identity["email"] == BOB["email"]
    assert res_b.unmasked and res_b.identity["name"] == ALICE["name"]
    await a.until(phase_is("unmasked"))

    status, body = await api(server, "GET", f"/api/sessions/{sid}")
    assert status == 200 and body["phase"] == "unmasked"
    assert ALICE["email"] not in json.dumps(body) and "self_assessment" not in json.dumps(body)


async def test_no_byte_reveals_the_other_before_a_mutual_unmask(server):
    """Record everything each side receives through a whole session ending in a declined
    unmask: the other's real name, email and profile never appear, and neither side's external
    id (nor its stored keyed hash) reaches anyone."""
    ids = ("embedder-user-alice-31", "embedder-user-bob-57")
    s, a, b = await both(server, external_ids=ids)
    await a.send(SyncUpdate(one_edit("x = 1  # é 🌍")))
    await b.send(AwarenessMessage(encode_awareness([AwarenessEntry(
        42, 1, json.dumps({"user": {"name": BOB["name"], "email": BOB["email"]}, "cursor": 1}))])))
    await a.send(ChatPost("hello, I am the interviewer", nonce="c1"))
    await b.send(ChatPost("hi!", nonce="c2"))
    await a.next(lambda m: isinstance(m, ChatMsg) and m.text == "hi!")
    # private notes (issue 14): each side's pad never reaches the other, not even in replay
    await a.send(NotesSave(NOTES_A, nonce="na"))
    await b.send(NotesSave(NOTES_B, nonce="nb"))
    await a.next(lambda m: isinstance(m, Notes) and m.nonce == "na")
    await b.next(lambda m: isinstance(m, Notes) and m.nonce == "nb")
    await a.send(EndInterview())
    await b.until(phase_is("feedback"))  # before b submits
    await a.send(FeedbackSubmit(HIRE, nonce="1"))
    await b.send(FeedbackSubmit(WORK, nonce="2"))
    await a.until(lambda m: isinstance(m, UnmaskStatus))
    await a.send(UnmaskAnswer("yes"))
    await b.send(UnmaskAnswer("no"))
    ra = await a.until(lambda m: isinstance(m, UnmaskResult))
    rb = await b.until(lambda m: isinstance(m, UnmaskResult))
    assert ra == rb == UnmaskResult(False, None)  # the same for both: nobody is named
    for p in (a, b):  # the replay, fetched by both after the reveal
        await p.send(TimelineGet(nonce="tl"))
        assert (await p.until(lambda m: isinstance(m, Timeline))).events
    await a.drain()
    await b.drain()
    assert leaks(a, BOB) == [] and leaks(b, ALICE) == []
    assert NOTES_A.encode() not in b.all_bytes() and NOTES_B.encode() not in a.all_bytes()
    assert NOTES_A.encode() in a.all_bytes()  # the scan looks where the text would be
    status, timeline = await api(server, "GET", f"/api/sessions/{s['session_id']}/timeline")
    assert status == 200 and NOTES_A not in json.dumps(timeline, ensure_ascii=False)
    assert NOTES_B not in json.dumps(timeline, ensure_ascii=False)
    assert len(a.c.frames) > 10 and len(b.c.frames) > 10
    keys = [person_key(load_secret(server.data_dir), x) for x in ids]
    for p in (a, b):
        assert [x for x in (*ids, *keys) if x.encode() in p.all_bytes()] == []


async def test_declined_and_expired_unmask_look_the_same(server):
    s1, a1, b1 = await both(server, unmask_seconds=0.5)
    s2, a2, b2 = await both(server, unmask_seconds=30)
    for a, b in ((a1, b1), (a2, b2)):
        await a.send(EndInterview())
        await b.until(phase_is("feedback"))  # before b submits
        await a.send(FeedbackSubmit(HIRE, nonce="1"))
        await b.send(FeedbackSubmit(WORK, nonce="2"))
        await a.until(lambda m: isinstance(m, UnmaskStatus))
        await a.send(UnmaskAnswer("yes"))
    await b2.send(UnmaskAnswer("no"))  # session 2: declined; session 1: the deadline passes
    r1 = await a1.until(lambda m: isinstance(m, UnmaskResult), timeout=10)
    r2 = await a2.until(lambda m: isinstance(m, UnmaskResult))
    assert r1 == r2 == UnmaskResult(False, None)
    await a1.until(phase_is("sealed"))
    await a2.until(phase_is("sealed"))
    s1_, s2_ = a1.last(SessionState), a2.last(SessionState)
    assert (s1_.phase, s1_.read_only, s1_.unmask_offered) == \
        (s2_.phase, s2_.read_only, s2_.unmask_offered)


async def test_unmask_not_offered_when_policy_fails(server):
    s, a, b = await both(server)
    await a.send(EndInterview())
    await b.until(phase_is("feedback"))  # before b submits
    await a.send(FeedbackSubmit({**HIRE, "would_hire": False}, nonce="1"))
    await b.send(FeedbackSubmit(WORK, nonce="2"))
    await a.until(phase_is("sealed"))
    assert a.last(UnmaskStatus) is None and b.last(UnmaskStatus) is None
    await b.send(UnmaskAnswer("yes"))
    assert (await b.next(lambda m: isinstance(m, Error))).code == "wrong_phase"


async def test_invalid_feedback_is_refused_and_nothing_is_stored(server):
    s, a, b = await both(server)
    await a.send(FeedbackSubmit(HIRE, nonce="early"))
    assert (await a.next(lambda m: isinstance(m, Error))).code == "wrong_phase"
    await a.send(EndInterview())
    await b.until(phase_is("feedback"))  # before b submits
    for bad in ({**HIRE, "technical": 5}, {**HIRE, "technical": True}, {"would_hire": True},
                {**HIRE, "extra": 1}, {**WORK}):
        await a.send(FeedbackSubmit(bad, nonce="x"))
        err = await a.next(lambda m: isinstance(m, Error))
        assert err.code == "invalid_feedback" and err.ref == "x"
    record, _, _ = server.hub.store.load_session(s["session_id"])
    assert record["feedback"]["interviewer"] is None
    st = b.last(FeedbackStatus)
    assert st is None or st.theirs == "pending"


async def test_same_instant_submissions_reveal_exactly_once(server):
    s, a, b = await both(server)
    await a.send(EndInterview())
    await b.until(phase_is("feedback"))
    await asyncio.gather(a.send(FeedbackSubmit(HIRE, nonce="1")),
                         b.send(FeedbackSubmit(WORK, nonce="2")))
    await a.until(lambda m: isinstance(m, FeedbackReveal))
    await b.until(lambda m: isinstance(m, FeedbackReveal))
    await a.drain()
    await b.drain()
    assert sum(isinstance(m, FeedbackReveal) for m in a.received) == 1
    assert sum(isinstance(m, FeedbackReveal) for m in b.received) == 1
    assert sum(isinstance(m, SessionState) and m.phase == "revealed" for m in a.received) == 1


async def test_kill_between_submissions_keeps_the_first_and_reveals_nothing(tmp_path):
    proc = ServerProcess(tmp_path / "d")
    server = await proc.start()
    try:
        s, a, b = await both(server)
        sid = s["session_id"]
        await a.send(EndInterview())
        await b.until(phase_is("feedback"))  # before b submits
        await a.send(FeedbackSubmit(HIRE, nonce="1"))
        await a.next(lambda m: isinstance(m, Ack))  # durable once acknowledged
        proc.kill()
    finally:
        proc.kill()
    proc2 = ServerProcess(tmp_path / "d")
    server2 = await proc2.start()
    try:
        status, body = await api(server2, "GET", f"/api/sessions/{sid}")
        assert body["phase"] == "feedback"
        assert [p["feedback_submitted"] for p in body["participants"]] == [True, False]
        a2 = await Participant.join(server2, sid, s["interviewer"]["token"])
        b2 = await Participant.join(server2, sid, s["interviewee"]["token"])
        st = await b2.until(lambda m: isinstance(m, FeedbackStatus))
        assert (st.mine, st.theirs) == ("pending", "submitted")
        assert b2.last(FeedbackReveal) is None
        await b2.send(FeedbackSubmit(WORK, nonce="2"))
        rb = await b2.until(lambda m: isinstance(m, FeedbackReveal))
        assert rb.theirs == HIRE
        await a2.until(lambda m: isinstance(m, FeedbackReveal))
    finally:
        proc2.terminate()


async def test_time_limit_ends_the_interview_and_reconnect_grace(server):
    s, a, b = await both(server, interview_seconds=0.6, grace_seconds=0.3)
    b.c.ws.transport.abort()  # a dropped network: no close frame
    st = await a.next(lambda m: isinstance(m, SessionState)
                      and m.participants[1]["status"] == "reconnecting")
    assert st.phase == "live"
    await a.until(lambda m: isinstance(m, SessionState)
                  and m.participants[1]["status"] == "away", timeout=5)
    await a.until(phase_is("feedback"), timeout=5)
    status, body = await api(server, "GET", f"/api/sessions/{s['session_id']}")
    assert body["ended_by"] == "time_limit"


async def test_a_clean_close_is_left_and_a_rejoin_is_connected(server):
    s, a, b = await both(server)
    await b.close()  # close code 1000: the participant left on purpose
    st = await a.next(lambda m: isinstance(m, SessionState)
                      and m.participants[1]["status"] != "connected")
    assert st.participants[1]["status"] == "left"
    b2 = await Participant.join(server, s["session_id"], s["interviewee"]["token"])
    await a.until(lambda m: isinstance(m, SessionState)
                  and m.participants[1]["status"] == "connected")
    await b2.close()


async def test_third_parties_get_403(server):
    s = await create(server)
    sid = s["session_id"]
    secret = load_secret(server.data_dir)
    exp = int(time.time()) + 60
    for claims in (Claims(sid, "intruder", "guest", exp),
                   Claims(sid, "intruder", "interviewer", exp),
                   Claims(sid, s["interviewee"]["pid"], "interviewer", exp)):
        url = f"{server.http}/rooms/{sid}?token={mint(secret, claims)}"
        async with aiohttp.ClientSession() as http, http.get(url) as r:
            assert r.status == 403
    other = await create(server)
    url = f"{server.http}/rooms/{sid}?token={other['interviewer']['token']}"
    async with aiohttp.ClientSession() as http, http.get(url) as r:
        assert r.status == 403 and (await r.json())["error"]["code"] == "wrong_room"


# -- the REST API


async def test_api_errors(server):
    status, body = await api(server, "POST", "/api/sessions", {}, key="wrong")
    assert (status, body["error"]["code"]) == (401, "unauthorized")
    status, body = await api(server, "GET", "/api/sessions", key="")
    assert status == 401
    for bad in ({}, {"interviewer": ALICE}, {"interviewer": ALICE, "interviewee": {"name": "x"}},
                {"interviewer": ALICE, "interviewee": BOB, "options": {"interview_seconds": -1}},
                {"interviewer": ALICE, "interviewee": BOB, "options": {"nope": 1}},
                {"interviewer": ALICE, "interviewee": BOB, "options": {"unmask_policy": "x"}},
                {"interviewer": {**ALICE, "email": "no-at-sign"}, "interviewee": BOB}, [1, 2]):
        status, body = await api(server, "POST", "/api/sessions", bad)
        assert (status, body["error"]["code"]) == (400, "invalid_payload"), bad
    status, body = await api(server, "GET", "/api/sessions/s-unknown")
    assert (status, body["error"]["code"]) == (404, "not_found")
    s = await create(server)
    status, body = await api(server, "POST", f"/api/sessions/{s['session_id']}/end")
    assert status == 200 and body["phase"] == "sealed"  # ended in the lobby
    status, body = await api(server, "POST", f"/api/sessions/{s['session_id']}/end")
    assert (status, body["error"]["code"]) == (409, "wrong_phase")
    status, body = await api(server, "GET", "/api/sessions")
    assert status == 200 and len(body["sessions"]) == 1
    async with aiohttp.ClientSession() as http, http.get(server.http + "/api/openapi.json") as r:
        doc = await r.json()
    assert "/api/sessions" in doc["paths"] and doc["openapi"].startswith("3.")


async def test_webhooks_are_signed_and_follow_the_phases(tmp_path):
    got: list[tuple[str, bytes]] = []

    async def hook(request: web.Request) -> web.Response:
        got.append((request.headers["X-Collabd-Signature"], await request.read()))
        return web.Response(status=200 if len(got) > 1 else 500)  # the first try fails

    receiver = web.Application()
    receiver.router.add_post("/hook", hook)
    runner = web.AppRunner(receiver)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    from support.server import in_process

    try:
        async with in_process(tmp_path / "d") as server:
            key = server.hub.extensions.webhook_key
            s = await create(server, webhook_url=f"http://127.0.0.1:{port}/hook")
            a = await Participant.join(server, s["session_id"], s["interviewer"]["token"])
            b = await Participant.join(server, s["session_id"], s["interviewee"]["token"])
            await a.until(phase_is("live"))
            await wait_until(lambda: len(got) >= 2, timeout=15, what="webhook retried")
            for sig, body in got:
                assert sig == "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
            events = [json.loads(body)["event"] for _, body in got]
            assert events[:2] == ["started", "started"]  # the failed try came again
            assert ALICE["email"].encode() not in b"".join(body for _, body in got)
            await a.close()
            await b.close()
    finally:
        await runner.cleanup()
