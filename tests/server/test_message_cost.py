"""What a collabd message may cost the server: charged before it is decoded, decoded in C at a
constant per byte, refused ones counted against the sender (docs/security.md, cost model).
What a flood of them costs another room's latency: bench/attacks.py."""

from __future__ import annotations

import tracemalloc

import msgpack  # type: ignore[import-untyped]
import pytest

from collab_protocol import Error, Hello, ProtocolError, decode_frame
from collabd.config import Limits
from support.attack_frames import MILLION, collab, million_containers
from support.rooms import joined
from support.server import in_process
from support.wsclient import RawClient


def test_million_container_payloads_are_refused_without_building_them():
    """Each frame of a million tiny maps or arrays (the whole payload, a field the kind has, a
    field it does not have) is refused having built almost nothing: its cost is the scan of
    its bytes in C, not a Python object per container. Decoding one such payload outright
    builds about a million objects (the control), so the bound below can fail."""
    frames = million_containers()
    nested = Limits().collab_nested_bytes
    tracemalloc.start()
    try:
        for f in frames:
            tracemalloc.reset_peak()
            before = tracemalloc.get_traced_memory()[0]
            with pytest.raises(ProtocolError) as refused:
                decode_frame(f, nested)
            peak = tracemalloc.get_traced_memory()[1] - before
            print(f"{type(refused.value).__name__}: peak {peak / 1024:.0f} KiB "
                  f"for a {len(f) / 1e6:.1f} MB frame")
            assert peak < len(f) + 64 * 1024  # a copy of the payload at most
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        msgpack.unpackb(frames[0][-(MILLION + 5):])  # the control: the payload built outright
        built = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert built > 20 * len(frames[0])


async def test_million_container_payloads_cost_their_sender_strikes_only(tmp_path):
    """Over a real socket: each frame gets its error and a strike against the sender; the
    other participant of the room keeps its connection and its sync."""
    frames = million_containers()
    async with in_process(tmp_path, max_frame_bytes=2_200_000, refused_messages=2,
                          message_bytes_burst=8_000_000) as server:
        watcher = await joined(server, "noisy", "w", hello=True)
        c = await joined(server, "noisy", "x", hello=True)
        for f in frames[:2]:
            await c.send(f)
            err = await c.recv_until(lambda m: isinstance(m, Error))
            assert err.code in ("bad_message", "too_large")
        await c.send(frames[2])
        assert await c.expect_close() == 4400
        await watcher.send(Hello(v=1))
        err = await watcher.recv_until(lambda m: isinstance(m, Error))
        assert err.code == "bad_message" and watcher.ws.close_code is None


async def test_frames_are_budgeted_before_decoding(tmp_path):
    async with in_process(tmp_path, message_burst=10, message_rate=1) as server:
        c = await joined(server, "budget", "x")  # its SyncStep1 spent one
        for _ in range(20):
            await c.send(Hello(v=1))
            if c.ws.close_code is not None:
                break
        assert await c.expect_close() == 4029
        assert server.hub.rooms["budget"].conns == set() or all(
            x.closed for x in server.hub.rooms["budget"].conns)


async def test_bytes_are_budgeted_before_decoding(tmp_path):
    async with in_process(tmp_path, message_bytes_burst=64 * 1024, max_frame_bytes=40_000,
                          message_bytes_rate=1024) as server:
        c = await joined(server, "bytes", "x", hello=True)
        big = collab(msgpack.packb({"t": "chat.typing", "on": True, "pad": "z" * 30_000}))
        for _ in range(5):
            await c.send(big)
        assert await c.expect_close() == 4029


async def test_refused_messages_cut_the_sender(tmp_path):
    async with in_process(tmp_path, refused_messages=5) as server:
        watcher = await joined(server, "strikes", "w", hello=True)
        c = await joined(server, "strikes", "x", hello=True)
        for _ in range(5):
            await c.send(collab(b"\x90"))  # not a map: an error each, and a strike
        for _ in range(5):
            await c.recv_until(lambda m: isinstance(m, Error))
        await c.send(collab(b"\xc1"))  # the sixth
        assert await c.expect_close() == 4400
        await watcher.send(Hello(v=1))  # the other participant is untouched
        err = await watcher.recv_until(lambda m: isinstance(m, Error))
        assert err.code == "bad_message" and watcher.ws.close_code is None


async def test_a_field_of_maps_over_its_bound_is_refused_unread(tmp_path):
    async with in_process(tmp_path, collab_nested_bytes=1024) as server:
        c = await joined(server, "nested", "x", hello=True)
        data = {f"k{i}": {"x": [1, 2, 3]} for i in range(200)}
        await c.send(collab(msgpack.packb({"t": "signal", "kind": "offer", "data": data,
                                           "to": "y"})))
        err = await c.recv_until(lambda m: isinstance(m, Error))
        assert err.code == "too_large" and "1024" in err.message
        assert isinstance(c, RawClient) and c.ws.close_code is None
