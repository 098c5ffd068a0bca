"""What a collabd message may cost the server: charged before it is decoded, decoded in C at a
constant per byte, refused ones counted against the sender (docs/security.md, cost model)."""

from __future__ import annotations

import msgpack  # type: ignore[import-untyped]

from collab_protocol import Error, Hello
from collab_protocol.lib0 import write_var_uint, write_var_uint8_array
from support.flood import flooding
from support.latency import Probe, p99
from support.rooms import joined
from support.server import ServerProcess, in_process
from support.wsclient import RawClient

MILLION = 1_000_000


def collab(payload: bytes) -> bytes:
    out = bytearray()
    write_var_uint(out, 100)
    write_var_uint8_array(out, payload)
    return bytes(out)


def million_containers() -> list[bytes]:
    """Collabd frames of about a million tiny maps and arrays each, in three places: the whole
    payload, a field the kind has (signal.data) and a field it does not have."""
    maps = b"\xdd" + MILLION.to_bytes(4, "big") + b"\x80" * MILLION
    arrays = b"\xdd" + MILLION.to_bytes(4, "big") + b"\x90" * MILLION
    signal = msgpack.packb({"t": "signal", "kind": "offer", "to": "x"})
    hello = msgpack.packb({"t": "hello", "v": 1})
    return [
        collab(maps),
        collab(bytes([signal[0] + 1]) + signal[1:] + msgpack.packb("data") + b"\xdf"
               + (MILLION // 2).to_bytes(4, "big") + b"\xa0\x80" * (MILLION // 2)),
        collab(bytes([hello[0] + 1]) + hello[1:] + msgpack.packb("junk") + arrays),
    ]


def same_size_but_flat(frames: list[bytes]) -> list[bytes]:
    """Frames as long as `frames` whose collabd payload is one binary: what the attack would
    cost if containers cost no more than other bytes (the WebSocket layer's share)."""
    out = []
    for f in frames:
        head = msgpack.packb({"t": "hello", "v": 1})
        pad = len(f) - len(head) - 20
        out.append(collab(bytes([head[0] + 1]) + head[1:] + msgpack.packb("pad")
                          + msgpack.packb(b"\x00" * pad, use_bin_type=True)))
    return out


async def test_million_container_payloads_do_not_slow_another_room(tmp_path):
    attack_frames = million_containers()
    server = ServerProcess(tmp_path / "data", "max_frame_bytes=2200000")
    running = await server.start()
    try:
        probe = await Probe.join(running)
        quiet = await probe.sample(100)
        async with flooding(running.url("flat", pid="sender"), same_size_but_flat(attack_frames),
                            tmp_path):
            flat = await probe.sample(150)
        async with flooding(running.url("noisy", pid="attacker"), attack_frames,
                            tmp_path) as sent:
            attacked = await probe.sample(150)
        print(f"relay p99: quiet {p99(quiet) * 1000:.1f} ms, same bytes without containers "
              f"{p99(flat) * 1000:.1f} ms, million-container payloads "
              f"{p99(attacked) * 1000:.1f} ms ({sent[0]} frames sent)")
        assert p99(attacked) <= 5 * max(p99(flat), p99(quiet))
    finally:
        server.stop()


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
