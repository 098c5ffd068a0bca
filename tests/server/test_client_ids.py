"""Client ids, which every state vector and the awareness table carry: one participant may
only introduce a few, and nothing the other does can take a participant's own ids from it."""

from __future__ import annotations

from pycrdt import Doc, Text

from collab_protocol import AwarenessMessage, SyncStep1, SyncStep2, SyncUpdate, encode_awareness
from collab_protocol.awareness import AwarenessEntry
from collab_protocol.lib0 import write_var_uint
from support.net import wait_until
from support.rooms import joined
from support.server import in_process


def gc_structs(clients: range) -> bytes:
    """One GC struct (length 1) under each of the client ids: no content, only ids."""
    out = bytearray()
    write_var_uint(out, len(clients))
    for client in clients:
        out += b"\x01"
        write_var_uint(out, client)
        out += b"\x00\x00\x01"  # clock 0, GC of length 1
    out += b"\x00"  # no deletes
    return bytes(out)


def typed_as(client_id: int, text: str, doc: Doc | None = None) -> tuple[Doc, bytes]:
    doc = doc or Doc(client_id=client_id)
    t = doc.get("code", type=Text)
    sv = doc.get_state()
    t += text
    return doc, doc.get_update(sv)


async def test_a_participant_may_introduce_only_a_few_client_ids(tmp_path):
    async with in_process(tmp_path, max_client_ids=8) as server:
        honest = await joined(server, "ids", "honest")
        attacker = await joined(server, "ids", "attacker")
        await attacker.send(SyncUpdate(gc_structs(range(1000, 1005))))  # five: fine
        await wait_until(lambda: server.hub.store.count_updates("ids") == 1, what="stored")
        await attacker.send(SyncUpdate(gc_structs(range(2000, 2010))))  # ten more: over
        assert await attacker.expect_close() == 4403
        assert len(server.hub.rooms["ids"].owners) == 5
        assert len(server.hub.store.load_doc("ids")[2]) == 5
        # the state vector stays small, and the honest participant goes on writing and syncing
        _, update = typed_as(4242, "hello")
        await honest.send(SyncUpdate(update))
        await honest.send(SyncStep1(b"\x00"))
        reply = await honest.recv_until(lambda m: isinstance(m, SyncStep2))
        assert isinstance(reply, SyncStep2)
        assert server.hub.rooms["ids"].owners[4242] == "honest"
        assert honest.ws.close_code is None


async def test_the_limit_holds_across_reconnects(tmp_path):
    async with in_process(tmp_path, max_client_ids=4) as server:
        for i in range(4):
            c = await joined(server, "reload", "x")  # a page load: a new Yjs client id
            _, update = typed_as(500 + i, "ab")
            await c.send(SyncUpdate(update))
            await wait_until(lambda i=i: server.hub.store.count_updates("reload") == i + 1,
                             what="stored")
            await c.close()
        c = await joined(server, "reload", "x")
        _, update = typed_as(999, "ab")
        await c.send(SyncUpdate(update))
        assert await c.expect_close() == 4403


async def test_the_other_side_cannot_flush_your_awareness_id_and_write_under_it(tmp_path):
    # awareness budget raised: the review spread the churn over time
    async with in_process(tmp_path, awareness_rate=1000, awareness_burst=1000) as server:
        honest = await joined(server, "flush", "honest")
        attacker = await joined(server, "flush", "attacker")
        # the honest client shows its cursor (its awareness id is its Yjs client id)
        await honest.send(AwarenessMessage(encode_awareness([AwarenessEntry(4242, 1, "{}")])))
        await attacker.recv_until(lambda m: isinstance(m, AwarenessMessage))
        await honest.close()  # a network blip
        # the attacker creates and drops 1500 awareness ids, then claims the honest one
        for start in range(0, 1500, 8):
            ids = range(10_000 + start, 10_000 + start + 8)
            await attacker.send(AwarenessMessage(encode_awareness(
                [AwarenessEntry(i, 1, "{}") for i in ids])))
            await attacker.send(AwarenessMessage(encode_awareness(
                [AwarenessEntry(i, 2, "null") for i in ids])))
        room = server.hub.rooms["flush"]
        await wait_until(lambda: room.awareness.holder(11_499) == "attacker", timeout=30,
                         what="the churn handled")
        assert room.awareness.holder(4242) == "honest"
        _, forged = typed_as(4242, "PWNED")
        await attacker.send(SyncUpdate(forged))
        assert await attacker.expect_close() == 4403
        # the honest client comes back with the same Y.Doc: its keystroke goes in
        back = await joined(server, "flush", "honest")
        _, update = typed_as(4242, "mine")
        await back.send(SyncUpdate(update))
        await wait_until(lambda: room.owners.get(4242) == "honest", what="honest write")
        assert back.ws.close_code is None
