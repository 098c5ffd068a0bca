"""A slow node must not stall the others (issue 12 item 5). One node of three is frozen
(SIGSTOP: a long GC pause, a swapped-out VM, a stuck disk) for longer than a lease: the rooms of
the other nodes keep relaying, the other nodes stay ready, the frozen node's room is taken over
by a live node when its lease runs out, a client another node forwarded to the frozen one is
moved to the new owner while the frozen node still sleeps, and when the frozen node wakes up it
finds its lease gone and hands its own clients over (1013) without writing over the new
owner."""

from __future__ import annotations

import signal
import time

from cluster.balancer import Balancer
from cluster.conftest import Nodes, closed_with, health, join, stored_text

from support.net import wait_until


async def test_a_frozen_node_stalls_no_other_node(  # type: ignore[no-untyped-def]
        nodes: Nodes, yclients, balancers: list[Balancer], capsys) -> None:
    n1, n2, n3 = await nodes.start(3)
    balancers.append(await Balancer([n1, n2, n3]).start())
    a = await join(yclients, n1, "frozen", "a", via=balancers[0])  # n1 owns "frozen"
    b = await join(yclients, n3, "frozen", "b")  # forwarded by n3 to n1
    e = await join(yclients, n2, "busy", "e")  # n2 owns "busy"
    f = await join(yclients, n3, "busy", "f")  # forwarded by n3 to n2
    await a.call("insert", text="kept ")
    await b.wait_text("kept ")
    await e.call("type", chars="t" * 500, interval_ms=10)
    assert (await f.call("wait_length", length=20, timeout_ms=10000))["ok"]

    frozen = nodes.procs[0].proc
    assert frozen is not None
    frozen.send_signal(signal.SIGSTOP)
    try:
        stopped = time.monotonic()
        # the other room goes on: f, on n3, gets e's typing from n2 as before
        at_freeze = len(await f.text())
        got = await f.call("wait_length", length=at_freeze + 100, timeout_ms=5000)
        assert got["ok"], len(got["text"])
        health_of = [await health(n) for n in (n2, n3)]
        assert health_of == [200, 200], health_of
        # a typed into the frozen node: nobody gets it while n1 sleeps
        await a.call("insert", text="a-frozen ")
        # once n1's lease has run out, another node takes the room from the store
        await wait_until(lambda: nodes.redis.cli("GET", "collabd:lease:frozen") == "",
                         timeout=10, what="the frozen node's lease to expire")
        expired = time.monotonic()
        d = await join(yclients, n2, "frozen", "d")
        await d.wait_text("kept ")
        await d.call("insert", text="d-moved ")
        await wait_until(lambda: "d-moved" in stored_text(nodes.pg_url, "frozen"), timeout=10,
                         what="d's edit durable")
        # b's link through n3 to the frozen n1 is cut once the lease has moved: b reconnects to
        # the new owner and gets d's edit while n1 still sleeps (the cut, y-websocket's
        # back-off and a new join: 10 s was too short once on a loaded machine)
        await b.wait_text("kept d-moved ", timeout=30)
        moved = time.monotonic() - expired
        assert closed_with(b, 1006)  # the cut: no close frame from a node that sleeps
        assert "a-frozen" not in await b.text()
        owner = nodes.redis.cli("GET", "collabd:lease:frozen")
        assert owner.startswith((n2.http + " ", n3.http + " ")), owner
        flowed = len(await f.text()) - at_freeze
    finally:
        frozen.send_signal(signal.SIGCONT)
    woke = time.monotonic()
    # n1 wakes up: its lease is someone else's, so it drops the room (1013); a's update it had
    # buffered is not written over d's (the log's (room, seq) key makes that commit fail)
    await wait_until(lambda: closed_with(a, 1013), timeout=10, what="1013")
    for x in (a, b, d):
        await wait_until(lambda x=x: _has(x, "kept", "a-frozen", "d-moved"), timeout=15,
                         what="everyone's edits on every client")
    handed = time.monotonic() - woke
    final = await d.text()
    for x in (a, b):
        await x.wait_text(final)
    assert nodes.redis.cli("GET", "collabd:lease:frozen") == owner
    await wait_until(lambda: stored_text(nodes.pg_url, "frozen") == final, timeout=10,
                     what="the store to hold the final text")
    with capsys.disabled():
        print(f"\n[cluster] node frozen {woke - stopped:.2f} s: the other room relayed "
              f"{flowed} keystrokes meanwhile; its room moved, a client forwarded to it moved "
              f"{moved:.2f} s after its lease expired, its own clients were handed over "
              f"{handed:.2f} s after it woke")


def _has(client, *parts: str):  # type: ignore[no-untyped-def]
    async def check() -> bool:
        text = await client.text()
        return all(p in text for p in parts)
    return check()
