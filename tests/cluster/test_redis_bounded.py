"""Everything the cluster keeps in Redis is bounded (issue 12 item 5): each key has a TTL, and
a room's lease is handed back once the room is unloaded, so Redis holds a key per room in use
(plus the leader's), whatever the traffic."""

from __future__ import annotations

from cluster.conftest import Nodes, RedisServer, join

from support.net import wait_until
from support.session import Participant, create, phase_is

ROOMS = 6


def keys(redis: RedisServer) -> dict[str, int]:
    """Every key in Redis with its remaining time to live in ms (-1: none, -2: gone)."""
    names = redis.cli("--scan").split()
    return {k: int(redis.cli("PTTL", k)) for k in names}


async def test_every_redis_key_expires_and_leases_go_with_their_rooms(  # type: ignore[no-untyped-def]
        nodes: Nodes, yclients) -> None:
    servers = await nodes.start(3, "unload_grace_seconds=0.3")
    clients = []
    for i in range(ROOMS):  # plain rooms, two stock clients each on two nodes
        first, second = servers[i % 3], servers[(i + 1) % 3]
        a = await join(yclients, first, f"r{i}", "a")
        b = await join(yclients, second, f"r{i}", "b")
        await a.call("type", chars="k" * 50, interval_ms=2)
        clients.append((a, b))
    s = await create(servers[0])  # and one interview session across two nodes
    sid = s["session_id"]
    p = await Participant.join(servers[1], sid, s["interviewer"]["token"])
    q = await Participant.join(servers[2], sid, s["interviewee"]["token"])
    await q.until(phase_is("live"))
    for _, b in clients:
        assert (await b.call("wait_length", length=50, timeout_ms=10000))["ok"]

    held = keys(nodes.redis)
    leases = {k for k in held if k.startswith("collabd:lease:")}
    assert leases == {f"collabd:lease:r{i}" for i in range(ROOMS)} | {f"collabd:lease:{sid}"}
    assert set(held) - leases <= {"collabd:leader"}, held
    assert all(ttl > 0 for ttl in held.values()), held  # nothing without an expiry

    # everyone leaves: each owner unloads its rooms and hands their leases back
    for a, b in clients:
        await a.call("disconnect")
        await b.call("disconnect")
    await p.close()
    await q.close()
    await wait_until(lambda: set(keys(nodes.redis)) <= {"collabd:leader"}, timeout=15,
                     what="every room's lease released")
    left = keys(nodes.redis)
    assert all(ttl > 0 for ttl in left.values()), left
