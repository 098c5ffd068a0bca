"""The server's input surface over real sockets (issue 10 items 6, 8, 10, 12, 14, 15; issue 13)."""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import Callable
from typing import Any

from collab_protocol import (
    AwarenessEntry,
    AwarenessMessage,
    QueryAwareness,
    SyncStep1,
    decode_awareness,
    encode_awareness,
)
from collabd.app import ENDPOINT
from support.net import wait_until
from support.server import Running
from support.wsclient import RawClient
from support.yclient import INTEROP

TOP_CLOCK = 2**53 - 1


async def raw(server: Running, room: str, pid: str) -> RawClient:
    c = await RawClient.connect(server.url(room, pid=pid))
    await c.recv_until(lambda m: isinstance(m, SyncStep1))
    return c


def aware(*entries: tuple[int, int, str]) -> AwarenessMessage:
    return AwarenessMessage(encode_awareness([AwarenessEntry(*e) for e in entries]))


# -- item 6: the largest clock and the disconnect path


async def test_a_client_at_the_largest_clock_still_gets_a_removal(server):
    a = await raw(server, "clock", "a")
    b = await raw(server, "clock", "b")
    await a.send(aware((11, TOP_CLOCK, '{"x":1}')))
    await b.recv_until(lambda m: isinstance(m, AwarenessMessage) and m.update != b"\x00")
    await a.close()
    gone = await b.recv_until(lambda m: isinstance(m, AwarenessMessage)
                              and any(e.state_json == "null" for e in decode_awareness(m.update)))
    assert decode_awareness(gone.update) == [AwarenessEntry(11, TOP_CLOCK, "null")]
    room = server.hub.rooms["clock"]
    assert len(room.conns) == 1 and len(server.app[ENDPOINT].sockets) == 1


async def test_every_cleanup_step_runs_when_one_fails(server, monkeypatch):
    left = []

    def broken_leave(room, conn):  # type: ignore[no-untyped-def]
        raise RuntimeError("injected failure in the first cleanup step")

    async def on_leave(room, conn):  # type: ignore[no-untyped-def]
        left.append(conn)

    monkeypatch.setattr(server.hub, "leave", broken_leave)
    monkeypatch.setattr(server.hub.extensions, "on_leave", on_leave)
    a = await raw(server, "cleanup", "a")
    await a.close()
    await wait_until(lambda: bool(left), what="on_leave after a failing leave")
    await wait_until(lambda: not server.app[ENDPOINT].sockets, what="socket forgotten")
    assert left[0].closed


# -- item 10 and issue 13: states every stock client can read


BAD_STATES = [
    '{"x": NaN}', '{"x": Infinity}', '{"x": 1e999}', '{"x": "\\ud800"}',
    '{"x": ' + "[" * 4000 + "]" * 4000 + "}",
    json.dumps({"x": "🌍" * 2100}, ensure_ascii=False),  # 2,108 characters, 8,410 bytes
]
SHORT_POS = {"tname": "code", "assoc": 0}  # what collab-term published (issue 13): no "item"
RESOLVE = """
import * as Y from 'yjs'
let input = ''
process.stdin.on('data', (d) => { input += d })
process.stdin.on('end', () => {
  const { update, states } = JSON.parse(input)
  const doc = new Y.Doc()
  Y.applyUpdate(doc, Buffer.from(update, 'hex'))
  doc.getText('code')
  const out = []
  for (const [id, state] of states) {
    const c = state.cursor
    if (c == null || c.anchor == null || c.head == null) { out.push([id, null]); continue }
    // what y-codemirror.next's remote-selection plugin does with a peer's state
    const a = Y.createAbsolutePositionFromRelativePosition(c.anchor, doc)
    const h = Y.createAbsolutePositionFromRelativePosition(c.head, doc)
    out.push([id, [a && a.index, h && h.index]])
  }
  process.stdout.write(JSON.stringify(out))
})
"""


async def test_stock_yjs_peer_reads_every_relayed_state(server, yclients):
    victim = await yclients()
    await victim.connect(server.ws_base, "aw", server.token("aw", pid="victim"))
    await victim.synced()
    await victim.call("insert", index=0, text="def f():\n    pass\n")
    attacker = await raw(server, "aw", "attacker")
    for clock, state in enumerate(BAD_STATES, start=1):
        await attacker.send(aware((4242, clock, state)))
    cursor = {"anchor": SHORT_POS, "head": SHORT_POS}
    last = len(BAD_STATES) + 1
    await attacker.send(aware((4242, last, json.dumps({"cursor": cursor, "n": "é"}))))
    # the bad states before it may be relayed (cleaned) first: wait for the one with the cursor
    reply = await victim.call("wait_states", count=2, client=4242, key="cursor")
    assert reply["ok"], reply
    theirs = dict(reply["states"])[4242]
    assert "n" not in theirs and theirs["user"]["name"]  # only SPEC 11 fields travel
    stock = {"type": None, "tname": "code", "item": None, "assoc": 0}
    assert theirs["cursor"] == {"anchor": stock, "head": stock}
    # the relayed cursor resolves in npm yjs exactly as y-codemirror.next resolves it
    update = (await victim.call("state_update"))["update"]
    done = await asyncio.to_thread(
        subprocess.run, ["node", "--input-type=module", "-e", RESOLVE], cwd=INTEROP,
        input=json.dumps({"update": update, "states": reply["states"]}), capture_output=True,
        text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    resolved = dict(json.loads(done.stdout))
    assert resolved[4242] == [18, 18]  # the end of the text, as the terminal meant
    await attacker.send(QueryAwareness())  # only entries were dropped, not the connection
    await relayed_until(attacker, lambda t: 4242 in t)
    assert (await victim.call("closes"))["codes"] == []


async def test_a_departed_id_cannot_be_claimed_by_someone_else(server):
    a = await raw(server, "tomb", "alice")
    watcher = await raw(server, "tomb", "watcher")
    await a.send(aware((77, 1, '{"pointer":{"x":1,"y":0}}')))
    await relayed_until(watcher, lambda t: 77 in t)
    await a.close()
    await relayed_until(watcher, lambda t: 77 not in t)
    mallory = await raw(server, "tomb", "mallory")
    await mallory.send(aware((77, 9, '{"pointer":{"x":2,"y":0}}')))
    await mallory.send(aware((78, 1, '{"pointer":{"x":2,"y":0}}')))  # a fresh id is fine
    # 77 was sent first on the same socket: had it been taken, it would be relayed first
    table = await relayed_until(watcher, lambda t: 78 in t)
    assert 77 not in table
    back = await raw(server, "tomb", "alice")  # alice reconnecting keeps her Yjs client id
    await back.send(aware((77, 3, '{"pointer":{"x":1,"y":0}}')))
    table = await relayed_until(watcher, lambda t: 77 in t)
    assert json.loads(table[77].state_json)["pointer"]["x"] == 1  # alice's


async def relayed_until(c: RawClient, check: Callable[[dict[int, AwarenessEntry]], bool],
                        timeout: float = 10.0) -> dict[int, AwarenessEntry]:
    """Read until the awareness table built from what `c` was relayed satisfies `check`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    done = 0
    table: dict[int, AwarenessEntry] = {}
    while True:
        for m in c.received[done:]:
            if isinstance(m, AwarenessMessage):
                for e in decode_awareness(m.update):
                    if e.state_json == "null":
                        table.pop(e.client_id, None)
                    else:
                        table[e.client_id] = e
        done = len(c.received)
        if check(table):
            return table
        await c.recv(max(0.01, deadline - loop.time()))


# -- item 15 and issue 13 (first bullet): tokens that are signed but wrong, or not ASCII


def _forged(server: Running, payload: object) -> str:
    import base64

    from collabd.config import load_secret
    from collabd.core.tokens import _sign

    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    return f"v1.{body}.{_sign(load_secret(server.data_dir), body)}"


async def test_bad_tokens_get_401_not_500(server):
    import time

    import aiohttp

    good = {"room": "tok", "pid": "p", "role": "guest", "exp": int(time.time()) + 60}
    token = server.token("tok")
    tokens = [token[:-1] + "%C3%A9", token[:-1] + "%F0%9F%8C%8D", token + "%00",
              _forged(server, {**good, "room": 7}), _forged(server, {**good, "exp": "99999999999"}),
              _forged(server, {**good, "exp": 1e300}), _forged(server, {**good, "role": ["x"]}),
              _forged(server, {**good, "pid": {"a": 1}}), _forged(server, [good])]
    async with aiohttp.ClientSession() as http:
        for t in tokens:
            async with http.get(f"{server.http}/rooms/tok?token={t}") as r:
                assert r.status == 401, (t, r.status, await r.text())
                assert (await r.json())["error"]["code"] == "bad_token"


# -- item 14: aiohttp's own logs never hold a join token


async def test_refused_request_lines_are_logged_without_the_token(server, caplog):
    import logging

    token = server.token("logs")
    body, sig = token.split(".")[1:]
    bad = [f"GET /rooms/logs?token={token} HTTP/9.9\r\nHost: x\r\n\r\n".encode(),
           f"GET /rooms/logs?token={token}&pad={'a' * 9000} HTTP/1.1\r\n\r\n".encode(),
           f"GET /rooms/logs?pad={'a' * 60}&token={token}{'b' * 9000} HTTP/1.1\r\n\r\n".encode(),
           f"GET /rooms/logs?token={token} HTTP/1.1\r\nX: {'c' * 9000}\r\n\r\n".encode()]
    with caplog.at_level(logging.DEBUG):
        for request in bad:
            reader, writer = await asyncio.open_connection(server.host, server.port)
            writer.write(request)
            reply = await asyncio.wait_for(reader.read(100), 10)
            assert reply.startswith(b"HTTP/1.0 400") or reply.startswith(b"HTTP/1.1 400"), reply
            writer.close()
            await writer.wait_closed()
    refused = [r for r in caplog.records if r.name == "aiohttp.server"]
    assert len(refused) == len(bad)  # aiohttp did log each one (the check below is not empty)
    text = caplog.text + "".join(r.exc_text or "" for r in refused)
    assert "Error handling request" in text and "LineTooLong" in text
    for secret in (token, body[:12], sig[:12]):
        assert secret not in text


# -- item 8: slowloris on the upgrade


async def _trickler(server: Running, source: str) -> tuple[asyncio.StreamReader,
                                                            asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection(server.host, server.port,
                                                   local_addr=(source, 0))
    writer.write(b"GET /rooms/slow?token=")  # and never the rest of the headers
    return reader, writer


async def test_trickling_connections_are_bounded_per_address_and_in_time(tmp_path):
    import aiohttp

    from support.server import in_process

    async with in_process(tmp_path / "data", handshakes_per_address=5,
                          header_timeout_seconds=1.0) as server:
        # 200 slowloris connections from another loopback address (still 127.0.0.0/8)
        conns = [await _trickler(server, "127.0.0.2") for _ in range(200)]

        async def ended(reader: asyncio.StreamReader) -> bool:
            try:
                return await asyncio.wait_for(reader.read(1), 0.01) == b""
            except TimeoutError:
                return False
            except ConnectionError:
                return True

        async def open_count() -> int:
            return sum([not await ended(r) for r, _ in conns])

        await wait_until(lambda: _eq(open_count(), 5), what="all but 5 cut at once")
        # meanwhile the server answers everyone else
        async with aiohttp.ClientSession() as http, http.get(f"{server.http}/healthz") as r:
            assert r.status == 200
        c = await raw(server, "room", "ok")
        await c.send(aware((5, 1, "{}")))
        # the 5 left are cut when their header time is up
        await wait_until(lambda: _eq(open_count(), 0), timeout=5, what="header timeout")
        assert not c.ws.close_code  # an established connection is not touched
        for _, w in conns:
            w.close()


async def _eq(count: Any, want: int) -> bool:
    return bool(await count == want)
