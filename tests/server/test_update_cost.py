"""What checking a document update may cost: bounded per update, charged to its sender by the
work it takes (structs, deleted ranges, values), refused and no-op updates included
(docs/security.md, cost model). What a flood of them costs another room's latency, and a rebuild's
charge under attack: bench/attacks.py."""

from __future__ import annotations

from collab_protocol import SyncUpdate
from support.attack_frames import deleted_block, noop_deletes
from support.rooms import joined
from support.server import in_process


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
