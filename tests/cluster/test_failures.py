"""Failures in a cluster of three nodes: a node killed while its clients type, Redis restarted
or down (issue 12 items 5 and 6). PostgreSQL down: test_postgres_outage.py. Every test measures
and bounds its waits."""

from __future__ import annotations

import asyncio
import json
import time

import psycopg
from cluster.balancer import Balancer
from cluster.conftest import Nodes, closed_with, health, join, subsequence

from support.net import wait_until
from support.server import Running
from support.session import Participant, api, create, phase_is

N = 1000  # characters each typist types


def typed(first: str, n: int = N) -> str:
    """n characters cycling through 26 letters from `first`: one typist's own alphabet."""
    return "".join(chr(ord(first) + i % 26) for i in range(n))


async def all_health(servers: list[Running], status: int) -> bool:
    return all([await health(s) == status for s in servers])


async def test_owner_killed_while_clients_type(  # type: ignore[no-untyped-def]
        nodes: Nodes, yclients, balancers: list[Balancer], capsys) -> None:
    n1, n2, n3 = await nodes.start(3)
    # each client reaches the cluster through a balancer that prefers one node and fails over
    # to the others: a is on n1, b on n2, c on n3
    for order in ([n1, n2, n3], [n2, n3, n1], [n3, n2, n1]):
        balancers.append(await Balancer(order).start())
    lb_a, lb_b, lb_c = balancers
    a = await join(yclients, n1, "kill", "a", via=lb_a)  # a joins first: n1 owns the room
    b = await join(yclients, n1, "kill", "b", via=lb_b)  # forwarded by n2 to n1
    c = await join(yclients, n1, "kill", "c", via=lb_c)  # forwarded by n3 to n1
    assert nodes.redis.cli("GET", "collabd:lease:kill").startswith(n1.http + " ")
    assert lb_a.chosen == [n1.port] and lb_b.chosen == [n2.port] and lb_c.chosen == [n3.port]
    a_chars, b_chars = typed("a"), typed("A")
    await a.call("type", chars=a_chars, interval_ms=5)  # a types on the node that will die
    await b.call("type", chars=b_chars, interval_ms=5)
    assert (await c.call("wait_length", length=100, timeout_ms=10000))["ok"]
    nodes.procs[0].kill()  # kill -9 of the owner, which also held a's connection
    killed = time.monotonic()
    seen = await c.text()  # everything c had seen relayed when the owner died
    await wait_until(lambda: nodes.redis.cli("GET", "collabd:lease:kill").split(" ")[0]
                     in (n2.http, n3.http), timeout=15, what="a new owner")
    # both keep typing through the outage (y-websocket keeps the edits and resends them)
    got = await c.call("wait_length", length=len(seen) + 50, timeout_ms=20000)
    moved = time.monotonic() - killed
    assert got["ok"], got
    for x in (a, b, c):
        got = await x.call("wait_length", length=2 * N, timeout_ms=30000)
        assert got["ok"], (len(got["text"]), 2 * N)
    final = await c.text()
    for x in (a, b):
        await x.wait_text(final, timeout=10)
    assert lb_a.chosen[-1] in (n2.port, n3.port)  # a was taken over by a surviving node
    assert subsequence(seen, final)  # nothing c had seen was lost
    # nothing lost, doubled or reordered of either typist's keystrokes
    assert "".join(ch for ch in final if ch.islower()) == a_chars
    assert "".join(ch for ch in final if ch.isupper()) == b_chars
    # a late joiner on a surviving node loads the same document from the store
    d = await join(yclients, n3, "kill", "d")
    await d.wait_text(final, timeout=10)
    with capsys.disabled():
        print(f"\n[cluster] owner kill -9 (3 nodes, a client on each): typing reached the "
              f"other clients again after {moved:.2f} s (lease {nodes.procs[1].args[-1]} s); "
              f"{len(seen)} chars seen before, 0 lost; a reconnected {len(lb_a.chosen) - 1} "
              f"time(s)")


async def test_killed_owners_session_timer_is_taken_over(nodes: Nodes) -> None:
    n1, n2, n3 = await nodes.start(3)
    # webhooks to a closed port: they stay in the outbox, where we count them
    s = await create(n2, interview_seconds=4, webhook_url="http://127.0.0.1:9/hook")
    sid = s["session_id"]
    a = await Participant.join(n1, sid, s["interviewer"]["token"])  # n1 owns the session
    b = await Participant.join(n3, sid, s["interviewee"]["token"])  # forwarded by n3
    await b.until(phase_is("live"))
    assert nodes.redis.cli("GET", f"collabd:lease:{sid}").startswith(n1.http + " ")
    nodes.procs[0].kill()  # the node that armed the interview's end timer dies
    await a.close()
    await b.close()

    async def ended() -> bool:
        status, body = await api(n2, "GET", f"/api/sessions/{sid}")
        return status == 200 and body["phase"] == "feedback"

    await wait_until(ended, timeout=20, what="the end timer fired on another node")
    await asyncio.sleep(2 * 1.0)  # two more leader sweeps: a second firing would show
    with psycopg.connect(nodes.pg_url) as db:
        rows = db.execute("SELECT body FROM webhooks").fetchall()
    events = [json.loads(body)["event"] for (body,) in rows]
    assert events.count("ended") == 1 and events.count("started") == 1, events


async def test_redis_restart_and_outage(nodes: Nodes, yclients) -> None:  # type: ignore[no-untyped-def]
    servers = await nodes.start(3)
    n1, n2, n3 = servers
    a = await join(yclients, n1, "red", "a")  # owner: n1
    b = await join(yclients, n2, "red", "b")
    c = await join(yclients, n3, "red", "c")
    await a.call("insert", index=0, text="before ")
    for x in (b, c):
        await x.wait_text("before ")

    # a quick restart (empty: no persistence): owners take their leases back by themselves
    nodes.redis.stop(kill=True)
    nodes.redis.start()
    await b.call("insert", index=7, text="quick ")
    for x in (a, c):
        await x.wait_text("before quick ")
    await wait_until(lambda: nodes.redis.cli("GET", "collabd:lease:red") != "", timeout=10,
                     what="the lease taken back")

    # a longer outage: nodes say not ready, the owner stops serving (1013), joins are refused
    nodes.redis.stop(kill=True)
    await wait_until(lambda: all_health(servers, 503), timeout=10, what="not ready")
    for x in (a, b, c):
        await wait_until(lambda x=x: closed_with(x, 1013), timeout=10, what="1013")
    seen = await c.text()
    nodes.redis.start()
    await wait_until(lambda: all_health(servers, 200), timeout=15, what="ready again")
    await c.call("insert", index=len("before quick "), text="after")
    want = "before quick after"
    for x in (a, b):
        await x.wait_text(want, timeout=15)
    assert want.startswith(seen)
