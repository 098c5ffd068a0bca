"""Every terminal close code (4400-4499: y-websocket and the web client do not reconnect) is
caused only by the closed client's own bytes. For each code the other participant sends what
gets it closed with that code, in the worst forms we know, and the honest participant stays
open: its next update is stored and reaches a fresh join, and its sync request is answered.

Single causes are tested where they live: 4400 test_hostile_updates.py (yrs failing half-way),
test_message_cost.py (refused messages), test_update_cost.py (over max_update_work); 4403
test_hostile_updates.py and test_client_ids.py; 4413 test_doc_share.py; 4422
test_hostile_updates.py. The session layer's 4403 (a participant removed by the embedder) is
not caused by any participant's bytes."""

from __future__ import annotations

from pycrdt import Text

from collab_protocol import (
    AwarenessMessage,
    Error,
    Hello,
    SyncStep1,
    SyncStep2,
    SyncUpdate,
    encode,
    encode_awareness,
)
from collab_protocol.awareness import AwarenessEntry
from collab_protocol.lib0 import write_var_uint, write_var_uint8_array
from support.net import wait_until
from support.rooms import Writer, joined, stored_text, synced_text
from support.server import in_process
from support.wsclient import RawClient
from support.yforge import Forged, Item

CAP = 256 * 1024  # max_doc_bytes in the 4413 test: two shares of 128 KiB


def collab(payload: bytes) -> bytes:
    out = bytearray()
    write_var_uint(out, 100)
    write_var_uint8_array(out, payload)
    return bytes(out)


async def goes_on(server, room: str, honest: RawClient, mine: Writer, mark: str) -> None:  # type: ignore[no-untyped-def]
    """The honest participant is open, its next update is stored and reaches the other side's
    fresh join, and its sync request is answered."""
    assert honest.ws.close_code is None
    await honest.send(SyncUpdate(mine.typed(mark)))
    await wait_until(lambda: mark in stored_text(server, room), what="the honest edit stored")
    assert mark in await synced_text(server, room, "attacker")
    await honest.send(SyncStep1(b"\x00"))
    reply = await honest.recv_until(lambda m: isinstance(m, SyncStep2))
    assert reply.update and honest.ws.close_code is None


async def test_4400_only_for_the_senders_own_bad_bytes(tmp_path):
    async with in_process(tmp_path, refused_messages=4, max_update_work=1000) as server:
        honest = await joined(server, "bad", "honest", hello=True)
        mine = Writer(1111)
        await honest.send(SyncUpdate(mine.typed("start ")))
        half = Forged()  # yrs takes the first item, then fails: the room is rebuilt
        half.clients[77] = (0, [Item("a"), Item("b", parent_id=(77, 0))])
        bad: list[bytes | str] = [
            b"\x00\x02\x05\xff\xff\xff",  # an update that is not one
            encode(SyncUpdate(half.encode())),
            encode(SyncUpdate(Forged(deletes=[(1111, 0, 1)] * 1001).encode())),  # over work
            b"\x00\x00\x05\xff\xff",  # a state vector that is not one
            b"\x01\x03\xff\xff\xff",  # a malformed awareness update
            b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",  # a frame that is not a message
            "a text frame",
        ]
        for frame in bad:
            attacker = await joined(server, "bad", "attacker")
            await attacker.ws.send(frame)
            assert await attacker.expect_close() == 4400, frame
        attacker = await joined(server, "bad", "attacker", hello=True)
        for _ in range(5):  # refused collabd messages past refused_messages
            await attacker.send(collab(b"\x90"))
        assert await attacker.expect_close() == 4400
        attacker = await joined(server, "bad", "attacker")
        await attacker.send(Hello(v=99))
        assert await attacker.expect_close() == 4400
        # the honest side's hello and refused messages are its own: one error, no close
        await honest.send(collab(b"\x90"))
        assert (await honest.recv_until(lambda m: isinstance(m, Error))).code == "bad_message"
        await goes_on(server, "bad", honest, mine, "after 4400")


async def test_4400_not_for_a_sync_reply_holding_the_other_sides_deletes(tmp_path):
    """Every sync reply (SyncStep2, sent on each reconnect) carries the client's whole delete
    set: once the other side has deleted more scattered ranges than max_update_work, the
    honest reply must still go in, with what the client typed and deleted while away."""
    async with in_process(tmp_path, max_update_work=1000) as server:
        honest = await joined(server, "ds", "honest")
        mine = Writer(1111)
        await honest.send(SyncUpdate(mine.typed("x" * 3000)))
        attacker = await joined(server, "ds", "attacker")
        for half in range(2):  # 1400 single deleted characters, 700 ranges per update
            deletes = Forged(deletes=[(1111, 1400 * half + 2 * k, 1) for k in range(700)])
            await attacker.send(SyncUpdate(deletes.encode()))
            mine.doc.apply_update(deletes.encode())  # what is relayed to the honest client
        await wait_until(lambda: server.hub.store.count_updates("ds") == 3, what="deletes stored")
        await honest.close()  # a network blip; it types meanwhile, then comes back
        mine.typed(" offline")
        with mine.doc.transaction():  # and deleted a few scattered characters
            for k in range(5):
                del mine.text[100 + k:101 + k]
        back = await RawClient.connect(server.url("ds", pid="honest"))
        step1 = await back.recv_until(lambda m: isinstance(m, SyncStep1))
        await back.send(SyncStep2(mine.doc.get_update(step1.state_vector)))
        await wait_until(lambda: stored_text(server, "ds").endswith(" offline")
                         or back.ws.close_code is not None, what="the reply applied")
        assert back.ws.close_code is None
        assert stored_text(server, "ds") == str(mine.text)
        await goes_on(server, "ds", back, mine, "after the reply")


async def test_4403_only_for_writing_under_ids_that_are_not_the_senders(tmp_path):
    async with in_process(tmp_path, max_client_ids=4) as server:
        honest = await joined(server, "ids", "honest")
        mine = Writer(4242)
        await honest.send(SyncUpdate(mine.typed("mine ")))
        await honest.send(AwarenessMessage(encode_awareness([AwarenessEntry(5151, 1, "{}")])))
        await wait_until(lambda: server.hub.rooms["ids"].awareness.holder(5151) == "honest",
                         what="the awareness id held")
        await wait_until(lambda: server.hub.store.count_updates("ids") == 1, what="stored")
        forged = Forged()  # the honest writer's next clock, with the attacker's content
        forged.clients[4242] = (5, [Item("PWNED", origin=(4242, 4))])
        aware = Writer(5151)  # the honest participant's awareness id
        for update in (forged.encode(), aware.typed("PWNED")):
            attacker = await joined(server, "ids", "attacker")
            await attacker.send(SyncUpdate(update))
            assert await attacker.expect_close() == 4403
        attacker = await joined(server, "ids", "attacker")
        for cid in range(9000, 9010):  # more ids than max_client_ids
            await attacker.send(SyncUpdate(Writer(cid).typed("x")))
            if attacker.ws.close_code is not None:
                break
        assert await attacker.expect_close() == 4403
        # the honest participant writes on under its own id, and under a fresh one
        await goes_on(server, "ids", honest, mine, "after 4403")
        await goes_on(server, "ids", honest, Writer(6161), "from a reload")
        assert "PWNED" not in stored_text(server, "ids")


async def test_4413_only_for_the_senders_own_share(tmp_path):
    """The other side fills its share of the document for real (and tries again on
    reconnect): it is refused; the honest one types on, past what the cap left free when it
    was one cap for the whole document."""
    async with in_process(tmp_path, max_doc_bytes=CAP) as server:
        honest = await joined(server, "full", "honest")
        attacker = await joined(server, "full", "attacker")
        mine, theirs = Writer(1111), Writer(2222)
        await honest.send(SyncUpdate(mine.typed("hello ")))
        for _ in range(12):  # 12 x 30 kB: more than the whole cap
            await attacker.send(SyncUpdate(theirs.typed("z" * 30_000)))
            if attacker.ws.close_code is not None:
                break
        assert await attacker.expect_close() == 4413
        room = server.hub.rooms["full"]
        for i in range(4):
            await honest.send(SyncUpdate(mine.typed(f"line {i} " + "q" * 20_000)))
        await wait_until(lambda: str(room.doc.doc.get("code", type=Text)).count("q") == 80_000
                         or honest.ws.close_code is not None, what="the honest edits applied")
        assert honest.ws.close_code is None
        # the attacker was refused at its share, for real: it holds at most 128 KiB
        assert CAP // 2 - 30_000 < room.doc.measure("attacker") <= CAP // 2
        again = await joined(server, "full", "attacker")  # the share is the participant's
        await again.send(SyncUpdate(Writer(3333).typed("y" * 30_000)))
        assert await again.expect_close() == 4413
        text = await synced_text(server, "full", "attacker")
        assert text.count("q") == 80_000 and text.startswith("hello ")
        await goes_on(server, "full", honest, mine, "after 4413")


async def test_4422_only_for_the_senders_own_updates_with_missing_dependencies(tmp_path):
    async with in_process(tmp_path, pending_updates=4) as server:
        honest = await joined(server, "pend", "honest")
        mine = Writer(1111)
        await honest.send(SyncUpdate(mine.typed("a")))
        withheld = Writer(2222)
        withheld.typed("held back")  # never sent: everything after depends on it
        attacker = await joined(server, "pend", "attacker")
        for i in range(10):
            await attacker.send(SyncUpdate(withheld.typed(str(i))))
            if attacker.ws.close_code is not None:
                break
        assert await attacker.expect_close() == 4422
        # the strikes were the attacker's connection's: it comes back with a clean count,
        # and the honest side's updates that depend on its own earlier ones go in
        again = await joined(server, "pend", "attacker")
        await again.send(SyncUpdate(Writer(3333).typed("fine")))
        for i in range(10):
            await honest.send(SyncUpdate(mine.typed(str(i))))
        await goes_on(server, "pend", honest, mine, "after 4422")
        assert again.ws.close_code is None
