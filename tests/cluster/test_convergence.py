"""Stock Yjs clients (npm yjs + y-websocket) on different nodes of a cluster converge."""

from __future__ import annotations

import asyncio

from cluster.conftest import Nodes, join


async def test_yjs_clients_on_three_nodes_converge(nodes: Nodes, yclients) -> None:  # type: ignore[no-untyped-def]
    a_node, b_node, c_node = await nodes.start(3)
    a = await join(yclients, a_node, "conv", "a")
    b = await join(yclients, b_node, "conv", "b")
    await asyncio.gather(a.call("insert", index=0, text="from a "),
                         b.call("insert", index=0, text="from b "))
    await a.call("type", chars="x" * 60, interval_ms=3)
    await b.call("type", chars="y" * 60, interval_ms=3)
    c = await join(yclients, c_node, "conv", "c")  # a late joiner on a third node
    want = len("from a from b ") + 120
    for client in (a, b, c):
        got = await client.call("wait_length", length=want, timeout_ms=15000)
        assert got["ok"], got
    texts = {await x.text() for x in (a, b, c)}
    assert len(texts) == 1, texts
    # exactly one node owns the room: the lease in Redis names it
    owner = nodes.redis.cli("GET", "collabd:lease:conv")
    assert owner.split(" ")[0] in {n.http for n in (a_node, b_node, c_node)}
