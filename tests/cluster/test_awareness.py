"""Awareness across nodes with stock Yjs clients (issue 12 item 3): a newcomer on another node
gets the others' states at once (snapshot on join), a peer that vanishes (its process killed,
no goodbye) is removed for the others at once, and the `user` field is the server's stamp, not
what the client claimed, whichever node the client is on."""

from __future__ import annotations

from cluster.conftest import Nodes, join

CLAIMED = {"name": "Real Name Of A", "color": "#ff0000"}


def state_of(reply: dict, client_id: int) -> dict | None:  # type: ignore[type-arg]
    for cid, state in reply["states"]:
        if cid == client_id:
            return dict(state)
    return None


async def test_awareness_snapshot_removal_and_stamp_across_nodes(  # type: ignore[no-untyped-def]
        nodes: Nodes, yclients) -> None:
    n1, n2, n3 = await nodes.start(3)
    a = await join(yclients, n1, "aw", "a")  # owner: n1
    await a.call("set_awareness", state={"user": CLAIMED, "pointer": {"x": 3, "y": 0}})
    a_id = (await a.call("states"))["client_id"]
    b = await join(yclients, n2, "aw", "b")  # forwarded by n2
    await b.call("set_awareness", state={"user": {"name": "B"}, "pointer": {"x": 1, "y": 0}})
    b_id = (await b.call("states"))["client_id"]

    # a newcomer on a third node sees both at once, not after their next refresh (15 s): the
    # waits below give up well before it
    c = await join(yclients, n3, "aw", "c")
    got = await c.call("wait_states", count=3, timeout_ms=8000)  # a, b and c itself
    assert got["ok"], got["states"]
    seen_a = state_of(got, a_id)
    assert seen_a is not None and seen_a["pointer"] == {"x": 3, "y": 0}
    assert seen_a["user"] != CLAIMED  # stamped by the server: the client's claim is replaced
    assert "Real Name Of A" not in str(got["states"])
    await c.call("set_awareness", state={"user": {"name": "C"}, "pointer": {"x": 0, "y": 0}})
    for x in (a, b):
        assert (await x.call("wait_states", count=3, timeout_ms=3000))["ok"]

    # b's process dies without a goodbye: the owner removes its state for the others
    assert b.proc is not None
    b.proc.kill()
    await b.proc.wait()
    for x in (a, c):
        got = await x.call("wait_states", count=2, timeout_ms=8000)
        assert got["ok"], got["states"]
        assert state_of(got, b_id) is None
