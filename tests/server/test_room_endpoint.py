"""The /rooms/{room} endpoint: auth before the upgrade, bad input, limits, lifecycle."""

from __future__ import annotations

import asyncio
import gc
import re
import socket
import time
import weakref

import aiohttp
import pytest
from pycrdt import Doc, Text

from collab_protocol import (
    AwarenessEntry,
    AwarenessMessage,
    ChatMsg,
    ChatPost,
    Error,
    Hello,
    SyncStep1,
    SyncStep2,
    SyncUpdate,
    decode_awareness,
    encode,
    encode_awareness,
)
from collab_protocol.lib0 import write_var_uint, write_var_uint8_array
from collabd.config import load_secret
from collabd.core.tokens import Claims, mint
from collabd.runtime.room import Room
from support.net import wait_until
from support.rooms import assert_room_intact, edits, joined
from support.server import ServerProcess, in_process
from support.wsclient import KEEPALIVE, RawClient


async def status_of(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict]:  # type: ignore[type-arg]
    async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as r:
        return r.status, await r.json()


# -- before the upgrade


async def test_missing_bad_expired_and_wrong_room_tokens_are_refused(server):
    base = f"{server.http}/rooms/r1"
    assert await status_of(base) == (401, {"error": {"code": "missing_token",
                                                     "message": "a join token is required"}})
    status, body = await status_of(base + "?token=v1.abc.def")
    assert (status, body["error"]["code"]) == (401, "bad_token")
    forged = mint(b"not the secret", Claims("r1", "p", "guest", int(time.time()) + 60))
    status, body = await status_of(f"{base}?token={forged}")
    assert (status, body["error"]["code"]) == (401, "bad_token")
    secret = load_secret(server.data_dir)
    expired = mint(secret, Claims("r1", "p", "guest", int(time.time()) - 1))
    status, body = await status_of(f"{base}?token={expired}")
    assert (status, body["error"]["code"]) == (401, "expired_token")
    status, body = await status_of(f"{base}?token={server.token('r2')}")
    assert (status, body["error"]["code"]) == (403, "wrong_room")


async def test_foreign_origin_is_refused_same_origin_allowed(server):
    url = f"{server.http}/rooms/r1?token={server.token('r1')}"
    status, body = await status_of(url, {"Origin": "http://evil.example"})
    assert (status, body["error"]["code"]) == (403, "bad_origin")
    c = await RawClient.connect(server.url("r1"), origin=f"http://127.0.0.1:{server.port}")
    assert isinstance((await c.recv())[0], SyncStep1)
    await c.close()


# -- sync


async def test_update_is_relayed_and_stored(server):
    a = await joined(server, "rel", "a")
    b = await joined(server, "rel", "b")
    [u] = edits(1, "héllo 🌍")
    await a.send(SyncUpdate(u))
    got = await b.recv_until(lambda m: isinstance(m, SyncUpdate))
    assert got == SyncUpdate(u)
    assert server.hub.store.count_updates("rel") == 1
    await a.close()
    await b.close()


# -- bad input: the connection is closed, nothing is relayed or stored, the room goes on


@pytest.mark.parametrize("frame", [
    b"\x07",  # unknown message type
    b"\x00\x09\x01\x00",  # unknown sync type
    b"\x00\x02\x05ab",  # length past the end
    b"\x00\x02\xff\xff\xff\xff\xff\xff\xff\xff\xff",  # varUint too long
    b"\x01\x03\xff\xff\xff",  # awareness that is not an awareness update
])
async def test_malformed_frames_close_4400(server, frame):
    watcher = await joined(server, "bad", "w")
    bad = await joined(server, "bad", "x")
    await bad.send(frame)
    assert await bad.expect_close() == 4400
    await assert_room_intact(server, "bad", watcher, 0)


@pytest.mark.parametrize("update", [
    b"\x05garbage",
    b"\x01\x01\x01\x00\x04\x01\x04code",  # truncated struct
    bytes([1, 1, 5, 0, 0x3F, 1]),  # unknown content ref
    edits(1)[0] + b"\x00",  # trailing bytes
])
async def test_invalid_updates_close_4400_and_are_not_stored(server, update):
    watcher = await joined(server, "inv", "w")
    bad = await joined(server, "inv", "x")
    await bad.send(SyncUpdate(update))
    assert await bad.expect_close() == 4400
    await assert_room_intact(server, "inv", watcher, 0)


async def test_text_frames_close_4400(server):
    c = await joined(server, "txt", "x")
    await c.ws.send("hello")
    assert await c.expect_close() == 4400


async def test_oversized_frame_closes_1009(tmp_path):
    async with in_process(tmp_path, max_frame_bytes=4096) as server:
        watcher = await joined(server, "big", "w")
        c = await joined(server, "big", "x")
        [u] = edits(1, "y" * 5000)
        await c.send(SyncUpdate(u))
        assert await c.expect_close() == 1009
        await assert_room_intact(server, "big", watcher, 0)


async def test_withheld_dependency_attack_is_cut_at_the_bound(tmp_path):
    async with in_process(tmp_path, pending_updates=32) as server:
        watcher = await joined(server, "bomb", "w")
        c = await joined(server, "bomb", "x")
        ups = edits(200)
        for u in ups[1:]:  # every one depends on ups[0], which is held back
            await c.send(SyncUpdate(u))
            if c.ws.close_code is not None:
                break
        assert await c.expect_close() == 4422
        room = server.hub.rooms["bomb"]
        assert str(room.doc.doc.get("code", type=Text)) == ""
        assert room.doc.state == {}
        await assert_room_intact(server, "bomb", watcher, 0)


async def test_document_size_cap_closes_4413(tmp_path):
    async with in_process(tmp_path, max_doc_bytes=2000) as server:
        watcher = await joined(server, "cap", "w")
        c = await joined(server, "cap", "x")
        [u] = edits(1, "z" * 2500)
        await c.send(SyncUpdate(u))
        assert await c.expect_close() == 4413
        await assert_room_intact(server, "cap", watcher, 0)


async def test_update_rate_limit_closes_4029(tmp_path):
    async with in_process(tmp_path, update_rate=1, update_burst=5) as server:
        c = await joined(server, "rate", "x")
        for u in edits(20):
            await c.send(SyncUpdate(u))
        assert await c.expect_close() == 4029
        await server.hub.rooms["rate"].flush()
        assert server.hub.store.count_updates("rate") == 5


async def test_unknown_collab_kind_gets_an_error_and_the_connection_stays(server):
    c = await joined(server, "kind", "x", hello=True)
    payload = bytearray()
    write_var_uint(payload, 100)
    import msgpack

    write_var_uint8_array(payload, msgpack.packb({"t": "nope"}))
    await c.send(bytes(payload))
    err = await c.recv_until(lambda m: isinstance(m, Error))
    assert err.code == "unknown_kind"
    await c.send(ChatPost("still here"))  # the connection is still served
    msg = await c.recv_until(lambda m: isinstance(m, ChatMsg))
    assert msg.text == "still here"


async def test_unsupported_version_gets_error_and_4400(server):
    c = await joined(server, "ver", "x")
    await c.send(Hello(v=99))
    err = await c.recv_until(lambda m: isinstance(m, Error))
    assert err.code == "unsupported_version"
    assert await c.expect_close() == 4400


async def test_stock_clients_never_get_collab_messages(server):
    stock = await joined(server, "stock", "s")
    other = await joined(server, "stock", "o", hello=True)
    await other.send(ChatPost("hi all"))
    [u] = edits(1)
    await other.send(SyncUpdate(u))
    await stock.recv_until(lambda m: isinstance(m, SyncUpdate))
    assert all(frame[0] in (0, 1, 2, 3) for frame in stock.frames)


# -- awareness


async def test_awareness_for_someone_elses_client_id_is_dropped(server):
    a = await joined(server, "aw", "a")
    b = await joined(server, "aw", "b")
    watcher = await joined(server, "aw", "w")
    await a.send(AwarenessMessage(encode_awareness(
        [AwarenessEntry(7, 1, '{"pointer":{"x":1,"y":2}}')])))
    got = await watcher.recv_until(lambda m: isinstance(m, AwarenessMessage))
    [entry] = decode_awareness(got.update)
    assert entry.client_id == 7 and '"pointer":{"x":1,"y":2}' in entry.state_json
    await b.send(AwarenessMessage(encode_awareness([AwarenessEntry(7, 5, '{"cursor":666}')])))
    await b.send(AwarenessMessage(encode_awareness([AwarenessEntry(8, 1, '{"cursor":2}')])))
    got = await watcher.recv_until(lambda m: isinstance(m, AwarenessMessage))
    assert [e.client_id for e in decode_awareness(got.update)] == [8]  # 7 was not b's to change
    await a.close()
    gone = await watcher.recv_until(lambda m: isinstance(m, AwarenessMessage))
    assert decode_awareness(gone.update) == [AwarenessEntry(7, 2, "null")]


async def test_idle_connection_gets_keepalive(tmp_path):
    async with in_process(tmp_path, keepalive_seconds=0.2) as server:
        c = await joined(server, "idle", "x")
        await c.recv_until(lambda m: isinstance(m, AwarenessMessage))
        assert KEEPALIVE in c.frames


# -- slow consumers


async def test_slow_consumer_is_cut_without_slowing_the_others(tmp_path):
    async with in_process(tmp_path, outbox_max_bytes=1_500_000, max_doc_bytes=1 << 30,
                          max_frame_bytes=1 << 20) as server:
        # A peer that stops reading: a tiny receive buffer and a one-frame client queue.
        slow = await RawClient.connect(server.url("slow", pid="s"), max_queue=1)
        slow.ws.transport.get_extra_info("socket").setsockopt(
            socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        fast = await joined(server, "slow", "f")
        writer = await joined(server, "slow", "w")
        for u in edits(300, "q" * 40_000):
            # lockstep with the fast reader: it is never more than one frame behind
            await writer.send(SyncUpdate(u))
            assert await fast.recv_until(lambda m: isinstance(m, SyncUpdate)) == SyncUpdate(u)
        await wait_until(lambda: not [c for c in server.hub.rooms["slow"].conns
                                      if c.claims.pid == "s"], what="slow consumer cut")
        assert sorted(c.claims.pid for c in server.hub.rooms["slow"].conns) == ["f", "w"]
        slow.ws.transport.abort()
        await fast.close()
        await writer.close()


# -- room lifecycle


async def test_room_unloads_when_empty_and_memory_is_released(tmp_path):
    async with in_process(tmp_path, unload_grace_seconds=0.1) as server:
        c = await joined(server, "gone", "x")
        for u in edits(5):
            await c.send(SyncUpdate(u))
        await wait_until(lambda: server.hub.store.count_updates("gone") == 5, what="stored")
        # no weakref to the room: compiled (collabd/native.py), a Room takes none
        doc_ref = weakref.ref(server.hub.rooms["gone"].doc.doc)
        await c.close()
        await wait_until(lambda: "gone" not in server.hub.rooms, what="unload")
        gc.collect()
        assert not [o for o in gc.get_objects() if isinstance(o, Room) and o.name == "gone"]
        assert doc_ref() is None
        assert server.hub.store.count_updates("gone") == 0  # compacted into a snapshot
        again = await joined(server, "gone", "y")
        assert str(server.hub.rooms["gone"].doc.doc.get("code", type=Text)) == "xxxxx"
        await again.close()


async def test_compaction_keeps_the_document(tmp_path):
    async with in_process(tmp_path, compact_every_updates=10) as server:
        c = await joined(server, "cmp", "x")
        for u in edits(25):
            await c.send(SyncUpdate(u))
        await wait_until(lambda: server.hub.store.count_updates("cmp") < 10, what="compaction")
        await c.close()
    async with in_process(tmp_path) as server:
        c = await joined(server, "cmp", "y")
        doc = Doc()
        for m in c.received:
            if isinstance(m, SyncStep2):
                doc.apply_update(m.update)
        assert str(doc.get("code", type=Text)) == "x" * 25


async def test_sigterm_closes_sockets_with_1001_and_flushes(tmp_path):
    proc = ServerProcess(tmp_path / "d")
    server = await proc.start()
    c = await joined(server, "term", "x")
    for u in edits(10):
        await c.send(SyncUpdate(u))
    await asyncio.sleep(0)  # let the frames leave
    code = asyncio.get_running_loop().run_in_executor(None, proc.terminate)
    assert await c.expect_close(10) == 1001
    assert await code == 0
    log = proc.log_path.read_text()
    assert '"msg": "connected"' in log  # structured: one JSON object per line
    assert not re.search(r"v1\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{20,}", log)  # no join token
    assert "token=" not in log
    proc2 = ServerProcess(tmp_path / "d")
    server2 = await proc2.start()
    try:
        d = await joined(server2, "term", "y")
        doc = Doc()
        for m in d.received:
            if isinstance(m, SyncStep2):
                doc.apply_update(m.update)
        assert str(doc.get("code", type=Text)) == "x" * 10
    finally:
        proc2.terminate()


def test_keepalive_frame_is_an_empty_awareness_update():
    assert KEEPALIVE == encode(AwarenessMessage(encode_awareness([])))
