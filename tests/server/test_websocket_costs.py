"""What a message in progress may cost the server (adapters/websocket.py, docs/security.md
"Frames and connections"): a trickled frame costs linear time, the bytes all connections hold
for messages in progress are bounded, a connection's backlog is bounded in bytes."""

from __future__ import annotations

import asyncio
import os
import resource
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from collabd.adapters.websocket import FrameProtocol, PartialBudget, unmask
from collabd.app import ENDPOINT
from support.fake_transport import FakeTransport
from support.rawws import Raw, client_frame, close_raw_sockets
from support.server import ServerProcess, in_process


@pytest.fixture(autouse=True)
async def _close_raw() -> AsyncIterator[None]:
    yield
    await close_raw_sockets()


def masked(payload: bytes, b0: int = 0x82) -> bytes:
    n = len(payload)
    head = bytes((b0, 0x80 | 127)) + n.to_bytes(8, "big") if n >= 65536 else (
        bytes((b0, 0x80 | 126)) + n.to_bytes(2, "big") if n >= 126 else bytes((b0, 0x80 | n)))
    mask = os.urandom(4)
    return head + mask + unmask(payload, mask)


def test_a_trickled_frame_is_parsed_once_it_is_whole():
    """A 1 MiB frame in 256-byte reads: once its header is in, the parser knows how many bytes
    it needs and each later read is only appended (no parse, no copy of what came before) until
    the frame is whole, so the cost is linear in its length. The old parser joined the buffer
    and parsed again at every read: ~4096 copies of half a MiB. (Checked by its mechanism, not
    timed: timing asserts flake on a shared machine.)"""
    big = masked(b"\x00" * (1 << 20))
    got: list[bytes] = []
    sock = FrameProtocol(FakeTransport(), 2 << 20,  # type: ignore[arg-type]
                         lambda p, b: got.append(p), lambda c: None, PartialBudget(1 << 30))
    reads = [big[i:i + 256] for i in range(0, len(big), 256)]
    sock.data_received(reads[0])
    assert sock.need == len(big)  # the header said how long the frame is
    for n, r in enumerate(reads[1:-1], start=2):
        sock.data_received(r)
        assert len(sock.buf) == 256 * n and sock.need == len(big) and not got
    sock.data_received(reads[-1])
    assert got == [b"\x00" * (1 << 20)] and len(sock.buf) == 0


async def test_the_bytes_held_for_messages_in_progress_are_bounded_across_connections(tmp_path):
    """Past partial_message_bytes the connection holding the most is closed (1013); a client
    holding a little keeps its connection and finishes its message."""
    async with in_process(tmp_path, max_frame_bytes=128 * 1024,
                          partial_message_bytes=256 * 1024) as server:
        budget = server.app[ENDPOINT].partial
        honest = await Raw.connect(server.url("ws", pid="honest"))
        from collab_protocol import SyncStep1, encode

        frame = client_frame(2, encode(SyncStep1(b"\x00")))
        honest.send(frame[:3])  # a message in progress: 3 bytes held
        await asyncio.wait_for(_until(lambda: budget.total == 3), 10)
        endpoint = server.app[ENDPOINT]
        attackers = []
        for i in range(4):  # 4 x 100 KB of incomplete 128 KiB frames: 400 KB > 256 KiB
            a = await Raw.connect(server.url("ws", pid=f"a{i}"))
            conn = next(c for c in endpoint.sockets if c.claims.pid == f"a{i}")
            a.send(client_frame(2, b"\x00" * (128 * 1024))[:100_000])
            attackers.append((a, conn))
        await asyncio.wait_for(_until(lambda: budget.shed >= 2), 10)
        assert budget.total <= budget.limit
        shed = [(a, conn) for a, conn in attackers if conn.closed]
        assert len(shed) == budget.shed == 2
        for a, _ in shed:  # told why, unless cut while its bytes were still arriving
            try:
                assert (await a.until(8))[:2] == (1013).to_bytes(2, "big")
            except (ConnectionError, asyncio.IncompleteReadError):
                pass
        honest.send(frame[3:])  # the honest message completes and is answered
        await honest.until(2)
        assert not any(conn.closed for conn in endpoint.sockets if conn.claims.pid == "honest")


async def _until(cond) -> None:  # type: ignore[no-untyped-def]
    while not cond():  # noqa: ASYNC110 (server state has no event to wait on)
        await asyncio.sleep(0.01)


async def test_a_backlog_is_bounded_in_bytes_by_pausing_the_socket(tmp_path):
    """While a handler awaits, the frames behind it wait in the backlog up to
    backlog_max_bytes; then the socket stops reading (TCP backpressure), and reading resumes
    when the backlog has drained."""
    async with in_process(tmp_path, backlog_max_bytes=256 * 1024) as server:
        hub = server.hub
        gate = asyncio.Event()
        real_on_join = hub.extensions.on_join

        async def slow_on_join(room, conn):  # type: ignore[no-untyped-def]
            await gate.wait()
            await real_on_join(room, conn)

        hub.extensions.on_join = slow_on_join
        c = await Raw.connect(server.url("ws", pid="a"))
        conn = next(iter(server.app[ENDPOINT].sockets))
        sock = conn.sock
        link = sock.on_message.__self__
        frame = client_frame(2, b"\x03" * 100_000)  # query-awareness messages, 100 KB a frame
        for _ in range(40):  # 4 MB, far more than the backlog may hold
            c.send(frame)
        await asyncio.wait_for(_until(lambda: link.paused), 10)
        held = link.backlog_bytes
        limits = hub.settings.limits
        assert held <= limits.backlog_max_bytes + limits.max_frame_bytes + 1024
        assert not sock.transport.is_reading()
        gate.set()  # the handler returns: the backlog drains and reading resumes
        await asyncio.wait_for(_until(lambda: link.backlog is None), 30)
        assert conn.closed or sock.transport.is_reading()


def status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(field)


def reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := VmRSS


async def flood(c: Raw, fragment: bytes, count: int) -> str:
    """A fragmented message that never ends, then a ping: the pong (or the close) says the
    server has read all of it."""
    c.send(client_frame(2, b"\x00", fin=False))
    for _ in range(count // 10_000):
        c.send(fragment * 10_000)
    c.send(client_frame(9, b"sync"))
    try:
        while True:
            op, payload = await c.read_frame()
            if op == 10:
                return "read"
            if op == 8:
                return f"closed {int.from_bytes(payload[:2], 'big')}"
    except (ConnectionError, asyncio.IncompleteReadError):
        return "cut"  # while the flood was still arriving


async def test_fragment_floods_leave_the_servers_memory_bounded(tmp_path):
    """8 connections each send 150 000 one-byte fragments, then 8 more 300 000 empty ones, to a
    server under a memory limit: its peak RSS grows by at most a few MiB per connection (a
    message in progress is bounded by max_frame_bytes whatever its fragmentation), and it
    still serves a client afterwards."""
    proc = ServerProcess(tmp_path / "data")
    server = await proc.start()
    try:
        pid = proc.proc.pid  # type: ignore[union-attr]
        vm = status_kib(pid, "VmSize") * 1024
        resource.prlimit(pid, resource.RLIMIT_AS, (vm + (768 << 20), vm + (768 << 20)))
        clients = [await Raw.connect(server.url("ws", pid=f"p{i}")) for i in range(16)]
        for c in clients:  # every connection joined and answered before the baseline
            c.send(client_frame(9, b"ready"))
            await c.until(10)
        reset_peak(pid)
        base = status_kib(pid, "VmHWM")
        ends = await asyncio.gather(*(flood(c, client_frame(0, b"x", fin=False), 150_000)
                                      for c in clients[:8]))
        ends += await asyncio.gather(*(flood(c, client_frame(0, b"", fin=False), 300_000)
                                       for c in clients[8:]))
        assert set(ends) <= {"closed 1009", "cut"}, ends  # no flood was read to its end
        peak = status_kib(pid, "VmHWM")
        print(f"RSS before the floods {base / 1024:.1f} MiB, peak {peak / 1024:.1f} MiB")
        assert peak - base < 16 * 2 * 1024 + 16 * 1024  # KiB: 2 MiB a connection + 16 MiB
        c = await Raw.connect(server.url("ws", pid="after"))
        c.send(client_frame(9, b"alive"))
        assert await c.until(10) == b"alive"
    finally:
        proc.stop()
