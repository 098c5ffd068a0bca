"""Stock yjs + y-websocket clients against collabd (issue 2)."""

from __future__ import annotations

import asyncio

from support.net import wait_until
from support.server import ServerProcess, in_process


async def join(make, server, room, pid):  # type: ignore[no-untyped-def]
    c = await make()
    await c.connect(server.ws_base, room, server.token(room, pid=pid))
    await c.synced()
    return c


async def test_two_clients_edit_concurrently_and_converge(server, yclients):
    a = await join(yclients, server, "conc", "a")
    b = await join(yclients, server, "conc", "b")
    await asyncio.gather(a.call("type", chars="aaaaaaaaaa", interval_ms=3),
                         b.call("type", chars="bbbbbbbbbb", interval_ms=3))
    await a.call("wait_length", length=20)
    await b.call("wait_length", length=20)
    text = await a.text()
    await b.wait_text(text)
    assert sorted(text) == sorted("a" * 10 + "b" * 10)


async def test_offline_edits_converge_after_reconnect(server, yclients):
    a = await join(yclients, server, "off", "a")
    b = await join(yclients, server, "off", "b")
    await a.call("insert", index=0, text="base ")
    await b.wait_text("base ")
    await a.call("disconnect")
    await a.call("insert", index=5, text="from-a ")
    await b.call("insert", index=0, text="from-b ")
    await a.call("reconnect")
    await a.synced()
    await wait_until(lambda: _same(a, b), what="convergence")
    text = await a.text()
    assert "from-a" in text and "from-b" in text and "base" in text


async def _same(a, b) -> bool:  # type: ignore[no-untyped-def]
    return await a.text() == await b.text()


async def test_late_joiner_gets_full_state_from_server_alone(server, yclients):
    a = await join(yclients, server, "late", "a")
    await a.call("insert", index=0, text="written before you came 🌍")
    await a.call("quit")  # the author is gone: only the server has the state
    await wait_until(lambda: not server.hub.rooms["late"].conns, what="author gone")
    c = await join(yclients, server, "late", "c")
    await c.wait_text("written before you came 🌍")


async def test_state_survives_server_restart(tmp_path, yclients):
    data = tmp_path / "data"
    async with in_process(data) as s1:
        a = await join(yclients, s1, "persist", "a")
        await a.call("insert", index=0, text="keep me, héhé")
        await wait_until(lambda: s1.hub.store.count_updates("persist") > 0, what="stored")
        await a.close()
    async with in_process(data) as s2:
        b = await join(yclients, s2, "persist", "b")
        await b.wait_text("keep me, héhé")


async def test_simultaneous_joins_to_a_new_room_both_sync(server, yclients):
    a, b = await yclients(), await yclients()
    await asyncio.gather(
        a.connect(server.ws_base, "fresh", server.token("fresh", pid="a")),
        b.connect(server.ws_base, "fresh", server.token("fresh", pid="b")),
    )
    await asyncio.gather(a.synced(), b.synced())
    await a.call("insert", index=0, text="x")
    await b.call("insert", index=0, text="y")
    await wait_until(lambda: _len2(a, b), what="both edits everywhere")


async def _len2(a, b) -> bool:  # type: ignore[no-untyped-def]
    ta, tb = await a.text(), await b.text()
    return ta == tb and len(ta) == 2


async def test_awareness_snapshot_on_join_and_removal_on_leave(server, yclients):
    a = await yclients()
    await a.connect(server.ws_base, "aw", server.token("aw", pid="a"),
                    awareness={"cursor": None, "user": {"name": "Real Name Leak"}})
    await a.synced()
    b = await join(yclients, server, "aw", "b")
    own = (await b.call("states"))["client_id"]
    got = await b.call("wait_states", count=2, timeout_ms=5000)  # b's own (empty) state + a's
    assert got["ok"], got
    [state] = [st for cid, st in got["states"] if cid != own]
    assert state["user"]["name"].startswith("Guest")  # stamped by the server
    assert "Real Name Leak" not in str(state)
    await a.call("quit")
    got = await b.call("wait_states", count=1, timeout_ms=3000)
    assert got["ok"], "the leaver's cursor must go at once"


async def test_crash_keeps_everything_a_peer_saw(tmp_path, yclients):
    data = tmp_path / "data"
    proc = ServerProcess(data)
    s = await proc.start()
    try:
        a = await join(yclients, s, "crash", "a")
        b = await join(yclients, s, "crash", "b")
        await a.call("type", chars="".join(chr(ord("a") + i % 26) for i in range(400)),
                     interval_ms=2)
        await b.call("wait_length", length=150)
        proc.kill()
        seen = await b.text()
        assert len(seen) >= 150
        await a.call("stop_typing")
        proc2 = ServerProcess(data)
        s2 = await proc2.start()
        try:
            c = await join(yclients, s2, "crash", "c")
            await a.call("disconnect")
            await b.call("disconnect")
            stored = await c.text()
            # a only appends, so what b saw relayed must be a prefix of what was stored
            assert stored.startswith(seen), (len(stored), len(seen))
        finally:
            proc2.terminate()
    finally:
        proc.kill()
