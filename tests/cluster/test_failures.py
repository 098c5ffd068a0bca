"""Failures in a cluster: a node killed while its clients type, Redis restarted or down
(issue 12 item 5). Every test measures and bounds its waits."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request

import psycopg
from cluster.conftest import Nodes

from support.net import wait_until
from support.session import Participant, api, create, phase_is


async def join(make, server, room, pid):  # type: ignore[no-untyped-def]
    c = await make()
    await c.connect(server.ws_base, room, server.token(room, pid=pid))
    await c.synced()
    return c


def health(url: str) -> int:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=2) as r:
            return int(r.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return 0


async def test_owner_killed_while_clients_type(nodes: Nodes, yclients, capsys) -> None:  # type: ignore[no-untyped-def]
    n1, n2, n3 = await nodes.start(3)
    # n1 takes the room first; the two typists are on n2 and n3, forwarded to n1
    owner = await join(yclients, n1, "kill", "o")
    a = await join(yclients, n2, "kill", "a")
    b = await join(yclients, n3, "kill", "b")
    await owner.call("disconnect")
    assert nodes.redis.cli("GET", "collabd:lease:kill").startswith(n1.http + " ")
    chars = "".join(chr(ord("a") + i % 26) for i in range(3000))
    await a.call("type", chars=chars, interval_ms=5)
    assert (await b.call("wait_length", length=100, timeout_ms=10000))["ok"]
    nodes.procs[0].kill()  # kill -9 of the owner
    killed = time.monotonic()
    seen = await b.text()  # everything b had seen relayed when the owner died
    await wait_until(lambda: nodes.redis.cli("GET", "collabd:lease:kill").split(" ")[0]
                     in (n2.http, n3.http), timeout=15, what="a new owner")
    # a keeps typing through the outage (y-websocket buffers and resends); both converge
    got = await b.call("wait_length", length=len(seen) + 50, timeout_ms=20000)
    moved = time.monotonic() - killed
    assert got["ok"], got
    await a.call("stop_typing")
    final = await a.text()
    assert (await b.call("wait_text", text=final, timeout_ms=15000))["ok"]
    assert final.startswith(seen), (len(final), len(seen))  # nothing b had seen was lost
    assert final == chars[:len(final)]  # and nothing doubled or reordered
    # a late joiner on the surviving nodes loads the same document from the store
    c = await join(yclients, n2, "kill", "c")
    assert (await c.call("wait_text", text=final, timeout_ms=10000))["ok"]
    with capsys.disabled():
        print(f"\n[cluster] owner kill -9: typing reached the other client again after "
              f"{moved:.2f} s (lease {nodes.procs[1].args[-1]} s); {len(seen)} chars seen "
              f"before, 0 lost")


async def test_killed_owners_session_timer_is_taken_over(nodes: Nodes) -> None:
    n1, n2 = await nodes.start(2)
    # webhooks to a closed port: they stay in the outbox, where we count them
    s = await create(n2, interview_seconds=4, webhook_url="http://127.0.0.1:9/hook")
    sid = s["session_id"]
    a = await Participant.join(n1, sid, s["interviewer"]["token"])
    b = await Participant.join(n1, sid, s["interviewee"]["token"])
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
    n1, n2 = await nodes.start(2)
    a = await join(yclients, n1, "red", "a")
    b = await join(yclients, n2, "red", "b")
    await a.call("insert", index=0, text="before ")
    assert (await b.call("wait_text", text="before ", timeout_ms=10000))["ok"]

    # a quick restart (empty: no persistence): owners take their leases back by themselves
    nodes.redis.stop(kill=True)
    nodes.redis.start()
    await a.call("insert", index=7, text="quick ")
    assert (await b.call("wait_text", text="before quick ", timeout_ms=10000))["ok"]
    await wait_until(lambda: nodes.redis.cli("GET", "collabd:lease:red") != "", timeout=10,
                     what="the lease taken back")

    # a longer outage: nodes say not ready, the owner stops serving (1013), joins are refused
    nodes.redis.stop(kill=True)
    await wait_until(lambda: health(n1.http) == 503 and health(n2.http) == 503, timeout=10,
                     what="not ready")
    await wait_until(lambda: any(e.get("ev") == "close" and e.get("code") == 1013
                                 for e in a.events), timeout=10, what="1013 to the clients")
    seen = await b.text()
    nodes.redis.start()
    await wait_until(lambda: health(n1.http) == 200 and health(n2.http) == 200, timeout=15,
                     what="ready again")
    await a.call("insert", index=len("before quick "), text="after")
    want = "before quick after"
    assert (await b.call("wait_text", text=want, timeout_ms=15000))["ok"]
    assert want.startswith(seen)
