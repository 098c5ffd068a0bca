"""What checking a document update may cost: bounded per update, charged to its sender by the
work it takes (structs, deleted ranges, values), refused and no-op updates included
(docs/security.md, cost model)."""

from __future__ import annotations

import time

from pycrdt import Doc, Text

from collab_protocol import SyncUpdate
from collabd.core import yupdate
from support.flood import flooding
from support.latency import Probe, p99
from support.rooms import joined
from support.server import ServerProcess, in_process
from support.yforge import Forged


def deleted_block(n: int) -> tuple[int, list[bytes]]:
    """An insert of n characters and its deletion: afterwards every delete inside is a no-op."""
    doc = Doc()
    text = doc.get("code", type=Text)
    sv = doc.get_state()
    text += "d" * n
    insert = doc.get_update(sv)
    sv = doc.get_state()
    del text[0:n]
    return doc.client_id, [insert, doc.get_update(sv)]


def noop_deletes(client: int, ranges: int) -> bytes:
    """A delete set of many one-item ranges inside the deleted block: changes nothing."""
    return Forged(deletes=[(client, 2 * i, 1) for i in range(ranges)]).encode()


def check_time(update: bytes) -> float:
    start = time.perf_counter()
    yupdate.parse(update)
    return time.perf_counter() - start


def frame(update: bytes) -> bytes:
    from collab_protocol import encode

    return encode(SyncUpdate(update))


async def test_an_update_holding_too_much_to_check_is_refused_unread(tmp_path):
    async with in_process(tmp_path, max_update_work=1000) as server:
        c = await joined(server, "work", "x")
        client, setup = deleted_block(5000)
        for u in setup:
            await c.send(SyncUpdate(u))
        await c.send(SyncUpdate(noop_deletes(client, 2000)))
        assert await c.expect_close() == 4400
        assert server.hub.store.count_updates("work") == 2


async def test_no_op_and_refused_updates_are_charged_by_their_work(tmp_path):
    async with in_process(tmp_path, update_work_rate=1, update_work_burst=5000,
                          max_update_work=2000) as server:
        c = await joined(server, "charged", "x")
        client, setup = deleted_block(5000)
        for u in setup:
            await c.send(SyncUpdate(u))
        for _ in range(4):  # ~1500 units each: the third is over the budget
            await c.send(SyncUpdate(noop_deletes(client, 1500)))
        assert await c.expect_close() == 4029
        # the budget is the participant's: coming back does not refill it
        again = await joined(server, "charged", "x")
        await again.send(SyncUpdate(noop_deletes(client, 1500)))
        assert await again.expect_close() == 4029
        other = await joined(server, "charged", "y")  # others keep theirs
        await other.send(SyncUpdate(noop_deletes(client, 1500)))
        assert other.ws.close_code is None
        assert server.hub.store.count_updates("charged") == 2


def malformed_like(frames: list[bytes]) -> list[bytes]:
    """Frames as long as `frames` holding an update that fails at its first byte: what the
    flood costs without any checking (the WebSocket layer, the cut, the reconnects)."""
    return [frame(b"\xff" * (len(f) - 5)) for f in frames]


async def test_a_no_op_delete_flood_does_not_slow_another_room(tmp_path):
    server = ServerProcess(tmp_path / "data")
    running = await server.start()
    try:
        probe = await Probe.join(running)
        quiet = await probe.sample(200, pace=0.01)
        attacker = await joined(running, "noisy", "attacker")
        client, setup = deleted_block(300_000)
        for u in setup:
            await attacker.send(SyncUpdate(u))
        await attacker.close()
        # the review's update (~140,000 ranges) and one just under the per-update bound
        frames = [frame(noop_deletes(client, 140_000)), frame(noop_deletes(client, 4000))]
        async with flooding(running.url("other", pid="sender"), malformed_like(frames),
                            tmp_path):
            unchecked = await probe.sample(200, pace=0.01)
        async with flooding(running.url("noisy", pid="attacker"), frames, tmp_path) as sent:
            attacked = await probe.sample(200, pace=0.01)
        # what the design allows one update to cost: checking the largest one (measured here)
        one_check = min(check_time(noop_deletes(client, 4000)) for _ in range(5))
        print(f"relay p99: quiet {p99(quiet) * 1000:.1f} ms, as many malformed updates "
              f"{p99(unchecked) * 1000:.1f} ms, the no-op delete flood "
              f"{p99(attacked) * 1000:.1f} ms ({sent[0]} frames sent); checking one update "
              f"of 4000 ranges: {one_check * 1000:.1f} ms")
        assert p99(attacked) <= 10 * max(p99(unchecked), p99(quiet), one_check)
    finally:
        server.stop()
