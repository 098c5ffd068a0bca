"""Signaling and presence across nodes (issue 12 item 3): a signal reaches only the other
participant of the sender's session, with `from` stamped by the owner, whichever nodes the two
are on; a signal to anyone else is refused and delivered nowhere; each side sees the other's
presence change when it leaves."""

from __future__ import annotations

from cluster.conftest import Nodes

from collab_protocol import Error, SessionState, Signal
from support.session import Participant, create, phase_is

SDP = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"


def status_of(msg: object, pid: str) -> str | None:
    if not isinstance(msg, SessionState):
        return None
    return next((p["status"] for p in msg.participants if p["id"] == pid), None)


async def test_signals_and_presence_across_nodes(nodes: Nodes) -> None:
    n1, n2, n3 = await nodes.start(3)
    s = await create(n2)
    a = await Participant.join(n1, s["session_id"], s["interviewer"]["token"])  # owner: n1
    b = await Participant.join(n2, s["session_id"], s["interviewee"]["token"])  # forwarded
    other = await create(n1)
    c = await Participant.join(n3, other["session_id"], other["interviewer"]["token"])  # n3
    d = await Participant.join(n1, other["session_id"], other["interviewee"]["token"])
    for p in (a, b, c, d):
        await p.until(phase_is("live"))

    # b, forwarded by n2, signals a on the owner; a forged `from` is replaced
    await b.send(Signal("offer", {"sdp": SDP, "type": "offer"}, to=s["interviewer"]["pid"],
                        from_={"id": "forged", "name": "Mallory"}))
    got = await a.next(lambda m: isinstance(m, Signal))
    assert got.from_["id"] == s["interviewee"]["pid"] and got.from_["name"] != "Mallory"
    assert got.data["sdp"] == SDP
    await a.send(Signal("answer", {"sdp": SDP, "type": "answer"}, to=s["interviewee"]["pid"]))
    got = await b.next(lambda m: isinstance(m, Signal))
    assert got.kind == "answer" and got.from_["id"] == s["interviewer"]["pid"]

    # to a participant of another session (owned by another node), to oneself, to nobody
    for to in (other["interviewee"]["pid"], other["interviewer"]["pid"],
               s["interviewee"]["pid"], "nobody"):
        await b.send(Signal("ice", {"candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host"},
                            to=to))
        assert (await b.next(lambda m: isinstance(m, Error))).code == "bad_target"
    for p in (c, d):
        await p.drain()
        assert not [m for m in p.received if isinstance(m, Signal)]

    # presence: b leaves its node; a, on the owner, sees it go, and d sees c go across nodes
    b_pid, c_pid = s["interviewee"]["pid"], other["interviewer"]["pid"]
    await a.until(lambda m: status_of(m, b_pid) == "connected")
    await b.close()
    await a.next(lambda m: status_of(m, b_pid) not in (None, "connected"), timeout=10)
    await d.until(lambda m: status_of(m, c_pid) == "connected")
    await c.close()
    await d.next(lambda m: status_of(m, c_pid) not in (None, "connected"), timeout=10)
