"""PostgreSQL down under a cluster of three nodes (issue 12 item 5): updates are refused with 1013
(try again later), never relayed before they are durable, /healthz says not ready, and after
PostgreSQL is back the nodes recover by themselves, the stock Yjs clients reconnect and continue,
and the store holds everything any client saw. Once with a fast shutdown, once with kill -9 of
the postmaster (a crash: the server recovers from its WAL on restart)."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import quote

import aiohttp
import pytest
from cluster.conftest import Nodes, RedisServer, closed_with, health, join, stored_text, subsequence

from support.net import wait_until
from support.pgserver import PostgresServer
from support.server import Running

ROOM = "pgdown"


async def join_status(server: Running, room: str, pid: str) -> tuple[int, str]:
    """A WebSocket upgrade request to the node: its HTTP status and error code (101, '' if
    it was accepted)."""
    headers = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
               "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
    url = f"{server.ws_base}/{room}?token={quote(server.token(room, pid=pid))}"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(10)) as http, \
            http.get(url, headers=headers) as r:
        if r.status == 101:
            return 101, ""
        return r.status, (await r.json()).get("error", {}).get("code", "")


async def all_health(servers: list[Running], status: int) -> bool:
    return all([await health(s) == status for s in servers])


def take_down(pg: PostgresServer, how: str) -> None:
    if how == "kill":
        pg.kill()
    else:
        pg.stop("fast")


@pytest.mark.parametrize("how", ["fast", "kill"])
async def test_postgres_down_refuses_updates_and_recovers(  # type: ignore[no-untyped-def]
        tmp_path: Path, own_postgres: PostgresServer, redis_server: RedisServer, yclients,
        how: str, capsys) -> None:
    pg = own_postgres
    nodes = Nodes(tmp_path / "data", pg.url, redis_server)
    try:
        servers = await nodes.start(3)
        n1, n2, n3 = servers
        a = await join(yclients, n1, ROOM, "a")  # the room's owner is n1
        b = await join(yclients, n2, ROOM, "b")  # forwarded to n1
        c = await join(yclients, n3, ROOM, "c")  # forwarded to n1
        assert redis_server.cli("GET", f"collabd:lease:{ROOM}").startswith(n1.http + " ")

        # -- 1. quiet clients when PostgreSQL goes: the next update is refused, not relayed
        await b.call("type", chars="b" * 40, interval_ms=5)
        await c.call("type", chars="c" * 40, interval_ms=5)
        for x in (a, b, c):
            assert (await x.call("wait_length", length=80, timeout_ms=10000))["ok"]
        before = await a.text()
        for x in (b, c):
            await x.wait_text(before)
        down = time.monotonic()
        take_down(pg, how)
        await wait_until(lambda: all_health(servers, 503), timeout=10, what="not ready")
        not_ready = time.monotonic() - down
        await b.call("insert", text="<B-OUT>")  # b on n2: its update reaches the owner n1
        for x in (a, b, c):  # the sender is refused, and the room is dropped for everyone
            await wait_until(lambda x=x: closed_with(x, 1013), timeout=10, what="1013")
        assert await a.text() == before  # b's update reached nobody
        assert await c.text() == before
        # while it is down, joins are refused on every node (clients retry meanwhile)
        for s in servers:
            status, code = await join_status(s, ROOM, "probe")
            assert status == 503 and code in ("room_unavailable", "try_again"), (status, code)
        await a.call("insert", text="<A-OUT>")  # typed offline: y-websocket keeps it

        pg.start()
        up = time.monotonic()
        await wait_until(lambda: all_health(servers, 200), timeout=15, what="ready again")
        ready = time.monotonic() - up
        for x in (a, b, c):  # they reconnect by themselves and exchange what they kept
            await wait_until(lambda x=x: _has(x, "<A-OUT>", "<B-OUT>"), timeout=20,
                             what="the clients' offline edits synced")
        reconnected = time.monotonic() - up
        await c.call("insert", text="<C-AFTER>")
        final = await c.text()
        for x in (a, b):
            await x.wait_text(final, timeout=10)
        assert final.startswith(before)  # nothing seen before the outage was lost
        await wait_until(lambda: stored_text(pg.url, ROOM) == final, timeout=10,
                         what="the store to hold the final text")

        # -- 2. PostgreSQL goes while two clients type on two nodes
        await b.call("type", chars="x" * 400, interval_ms=10)
        await c.call("type", chars="y" * 400, interval_ms=10)
        assert (await a.call("wait_length", length=len(final) + 60, timeout_ms=10000))["ok"]
        earlier = {x: _closes(x, 1013) for x in (a, b, c)}
        take_down(pg, how)
        for x in (a, b, c):
            await wait_until(lambda x=x: _closes(x, 1013) > earlier[x], timeout=10,
                             what="1013")
        seen = await a.text()  # everything a got relayed before the outage cut it off
        await wait_until(lambda: all_health(servers, 503), timeout=10, what="not ready")
        pg.start()
        await wait_until(lambda: all_health(servers, 200), timeout=15, what="ready again")
        want = len(final) + 800
        for x in (a, b, c):
            got = await x.call("wait_length", length=want, timeout_ms=30000)
            assert got["ok"], (len(got["text"]), want)
        end = await a.text()
        for x in (b, c):
            await x.wait_text(end, timeout=10)
        assert end.count("x") == 400 and end.count("y") == 400  # nothing lost, nothing doubled
        assert subsequence(seen, end)  # what a saw relayed survived the crash
        await wait_until(lambda: stored_text(pg.url, ROOM) == end, timeout=10,
                         what="the store to hold the final text")
        with capsys.disabled():
            print(f"\n[cluster] PostgreSQL {how}: /healthz 503 after {not_ready:.2f} s; ready "
                  f"{ready:.2f} s after restart; offline edits synced {reconnected:.2f} s after "
                  f"restart; {len(seen)} chars seen before the typing outage, 0 lost")
    finally:
        nodes.stop_all()


def _has(client, *parts: str):  # type: ignore[no-untyped-def]
    async def check() -> bool:
        text = await client.text()
        return all(p in text for p in parts)
    return check()


def _closes(client, code: int) -> int:  # type: ignore[no-untyped-def]
    return sum(1 for e in client.events if e.get("ev") == "close" and e.get("code") == code)
