"""Interview sessions with the two participants on different nodes (issue 12 item 3)."""

from __future__ import annotations

import asyncio
import json

from aiohttp import web
from cluster.conftest import Nodes
from pycrdt import Doc, Text

from collab_protocol import (
    Ack,
    ChatMsg,
    ChatPost,
    EndInterview,
    FeedbackReveal,
    FeedbackSubmit,
    SessionState,
    SyncUpdate,
    UnmaskAnswer,
    UnmaskResult,
    UnmaskStatus,
)
from support.net import free_port, wait_until
from support.session import ALICE, BOB, HIRE, WORK, Participant, api, create, phase_is


def one_edit(text: str) -> bytes:
    doc = Doc()
    doc.get("code", type=Text).insert(0, text)
    return doc.get_update()


def leaks(p: Participant, identity: dict[str, str]) -> list[str]:
    data = p.all_bytes()
    return [v for v in identity.values() if v.encode() in data]


async def test_whole_interview_across_nodes(nodes: Nodes) -> None:
    hooks: list[dict[str, object]] = []

    async def hook(request: web.Request) -> web.Response:
        hooks.append(json.loads(await request.read()))
        return web.Response(status=200)

    receiver = web.Application()
    receiver.router.add_post("/hook", hook)
    runner = web.AppRunner(receiver)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        n1, n2, n3 = await nodes.start(3)
        s = await create(n3, webhook_url=f"http://127.0.0.1:{port}/hook")
        sid = s["session_id"]
        a = await Participant.join(n1, sid, s["interviewer"]["token"])  # owner: n1
        b = await Participant.join(n2, sid, s["interviewee"]["token"])  # forwarded to n1
        await a.until(phase_is("live"))
        await b.until(phase_is("live"))
        assert nodes.redis.cli("GET", f"collabd:lease:{sid}").startswith(n1.http + " ")

        await a.send(SyncUpdate(one_edit("def solve(): pass")))
        await b.next(lambda m: isinstance(m, SyncUpdate))
        for i in range(5):
            await b.send(ChatPost(f"hello {i}", nonce=str(i)))
        await a.until(lambda m: isinstance(m, ChatMsg) and m.text == "hello 4")
        assert [m.text for m in a.received if isinstance(m, ChatMsg)] == [
            f"hello {i}" for i in range(5)]

        # the embedder ends it through a node that does not own the room: forwarded
        status, body = await api(n3, "POST", f"/api/sessions/{sid}/end")
        assert status == 200 and body["phase"] == "feedback", body
        await a.until(phase_is("feedback"))
        await b.until(phase_is("feedback"))

        await a.send(FeedbackSubmit(HIRE, nonce="f1"))
        assert (await a.next(lambda m: isinstance(m, Ack))).ref == "f1"
        await b.send(FeedbackSubmit(WORK, nonce="f2"))
        ra = await a.until(lambda m: isinstance(m, FeedbackReveal))
        rb = await b.until(lambda m: isinstance(m, FeedbackReveal))
        assert "self_assessment" not in ra.theirs and rb.theirs == HIRE
        await a.until(lambda m: isinstance(m, UnmaskStatus) and m.mine == "pending")
        await a.send(UnmaskAnswer("yes"))
        await a.until(lambda m: isinstance(m, UnmaskStatus) and m.mine == "yes")
        await b.drain()
        assert not leaks(a, BOB) and not leaks(b, ALICE)  # nothing before the mutual yes
        await b.send(UnmaskAnswer("yes"))
        res_a = await a.until(lambda m: isinstance(m, UnmaskResult))
        res_b = await b.until(lambda m: isinstance(m, UnmaskResult))
        assert res_a.identity["email"] == BOB["email"]
        assert res_b.identity["name"] == ALICE["name"]
        status, body = await api(n2, "GET", f"/api/sessions/{sid}")
        assert body["phase"] == "unmasked" and "self_assessment" not in json.dumps(body)

        # every phase webhook sent once, though three nodes send from the outbox
        want = ["started", "ended", "revealed", "unmasked"]
        await wait_until(lambda: len(hooks) >= len(want), timeout=15, what="webhooks")
        await asyncio.sleep(1.5)  # a duplicate would come within a webhook loop turn (1 s)
        assert [h["event"] for h in hooks] == want
        await a.close()
        await b.close()
    finally:
        await runner.cleanup()


ANSWERS = [("yes", "yes"), ("yes", "no"), ("no", "yes"), ("no", "no")]


async def test_racing_feedback_and_unmask_on_two_nodes(nodes: Nodes) -> None:
    n1, n2, n3 = await nodes.start(3)
    for round_ in range(12):
        s = await create(n3)  # the embedder talks to a third node
        sid = s["session_id"]
        # the owner alternates: whoever joins first takes the room, the other is forwarded
        first, second = (n1, n2) if round_ % 2 else (n2, n1)
        a = await Participant.join(first, sid, s["interviewer"]["token"])
        b = await Participant.join(second, sid, s["interviewee"]["token"])
        await b.until(phase_is("live"))
        await a.send(EndInterview())
        await b.until(phase_is("feedback"))
        await asyncio.gather(a.send(FeedbackSubmit(HIRE, nonce="1")),
                             b.send(FeedbackSubmit(WORK, nonce="2")))
        ra = await a.until(lambda m: isinstance(m, FeedbackReveal))
        await b.until(lambda m: isinstance(m, FeedbackReveal))
        assert "self_assessment" not in ra.theirs
        # both answer the unmask question at the same moment, on their two nodes
        answer_a, answer_b = ANSWERS[round_ % len(ANSWERS)]
        await a.until(lambda m: isinstance(m, UnmaskStatus) and m.mine == "pending")
        await b.until(lambda m: isinstance(m, UnmaskStatus) and m.mine == "pending")
        await asyncio.gather(a.send(UnmaskAnswer(answer_a)), b.send(UnmaskAnswer(answer_b)))
        res_a = await a.until(lambda m: isinstance(m, UnmaskResult))
        res_b = await b.until(lambda m: isinstance(m, UnmaskResult))
        await a.drain()
        await b.drain()
        both = answer_a == answer_b == "yes"
        for p in (a, b):
            assert sum(isinstance(m, FeedbackReveal) for m in p.received) == 1
            assert sum(isinstance(m, SessionState) and m.phase == "revealed"
                       for m in p.received) == 1
            assert sum(isinstance(m, UnmaskResult) for m in p.received) == 1
        assert res_a.unmasked is both and res_b.unmasked is both, (answer_a, answer_b)
        assert (res_a.identity is not None) is both and (res_b.identity is not None) is both
        # identities only after a mutual yes; the self-assessment never to the interviewer
        assert bool(leaks(a, BOB)) is both and bool(leaks(b, ALICE)) is both
        assert b"self_assessment" not in a.all_bytes()
        status, body = await api(n3, "GET", f"/api/sessions/{sid}")
        assert (body["phase"] == "unmasked") is both, body["phase"]
        await a.close()
        await b.close()
