"""Issue 10's update findings, each over real sockets: what a hostile participant sends is
neither stored nor relayed, the room's document stays what the store holds, and the honest
participant goes on."""

from __future__ import annotations

from pycrdt import Doc, Text

from collab_protocol import Error, SyncStep1, SyncStep2, SyncUpdate
from collabd.core import yupdate
from support.net import wait_until
from support.rooms import assert_room_intact, edits, joined, synced_text
from support.server import in_process
from support.yforge import Forged, Item


def text_of_room(server, room: str) -> str:  # type: ignore[no-untyped-def]
    return str(server.hub.rooms[room].doc.doc.get("code", type=Text))


def stored_text(server, room: str) -> str:  # type: ignore[no-untyped-def]
    d = Doc()
    for u in server.hub.store.load_doc(room)[0]:
        d.apply_update(u)
    return str(d.get("code", type=Text))


def self_referencing(n: int) -> list[bytes]:
    """Updates whose item points at itself or at a later clock of its own client."""
    out = []
    for i in range(n):
        f = Forged()
        f.clients[1000 + i] = (0, [Item("ab", origin=(1000 + i, 1 if i % 2 else 5))])
        out.append(f.encode())
    return out


async def test_items_pointing_at_themselves_are_refused_and_cut_at_the_bound(tmp_path):
    async with in_process(tmp_path, pending_updates=8) as server:
        watcher = await joined(server, "self", "w")
        bad = await joined(server, "self", "x")
        for u in self_referencing(40):
            await bad.send(SyncUpdate(u))
            if bad.ws.close_code is not None:
                break
        assert await bad.expect_close() == 4422
        assert server.hub.rooms["self"].doc.state == {}
        await assert_room_intact(server, "self", watcher, 0)


async def test_deletes_of_items_nobody_has_are_refused_and_repeats_are_dropped(tmp_path):
    async with in_process(tmp_path, pending_updates=4) as server:
        watcher = await joined(server, "del", "w")
        bad = await joined(server, "del", "x")
        [first] = edits(1, "abc")
        await bad.send(SyncUpdate(first))
        await watcher.recv_until(lambda m: isinstance(m, SyncUpdate))
        client = next(iter(yupdate.parse(first).ends))
        # a real delete of an existing item, then the same delete again and again
        real = Forged(deletes=[(client, 0, 1)]).encode()
        for _ in range(5):
            await bad.send(SyncUpdate(real))
        await watcher.recv_until(lambda m: isinstance(m, SyncUpdate) and m.update == real)
        await wait_until(lambda: server.hub.store.count_updates("del") == 2, what="stored")
        # deletes of clocks nobody has: refused (yrs would keep them pending forever)
        for k in range(10):
            await bad.send(SyncUpdate(Forged(deletes=[(client, 100 + k, 50)]).encode()))
            if bad.ws.close_code is not None:
                break
        assert await bad.expect_close() == 4422
        relayed = [m for m in watcher.received if isinstance(m, SyncUpdate)]
        assert [m.update for m in relayed] == [first, real]  # the repeats were never relayed
        watcher.received.clear()
        await assert_room_intact(server, "del", watcher, 2)


async def test_an_update_yrs_fails_half_way_leaves_the_document_as_stored(tmp_path):
    async with in_process(tmp_path) as server:
        watcher = await joined(server, "half", "w")
        bad = await joined(server, "half", "x")
        [ok] = edits(1, "kept")
        await bad.send(SyncUpdate(ok))
        await watcher.recv_until(lambda m: isinstance(m, SyncUpdate))
        # the second item names a text item as its parent: yrs raises after taking the first
        f = Forged()
        f.clients[77] = (0, [Item("a"), Item("b", parent_id=(77, 0))])
        await bad.send(SyncUpdate(f.encode()))
        assert await bad.expect_close() == 4400
        assert text_of_room(server, "half") == stored_text(server, "half") == "kept"
        assert await synced_text(server, "half", "fresh") == "kept"
        watcher.received.clear()
        await assert_room_intact(server, "half", watcher, 1)


def as_client(client_id: int, texts: list[str]) -> list[bytes]:
    d = Doc(client_id=client_id)
    t = d.get("code", type=Text)
    out = []
    for s in texts:
        sv = d.get_state()
        t += s
        out.append(d.get_update(sv))
    return out


async def test_nobody_may_write_under_another_participants_client_id(tmp_path):
    async with in_process(tmp_path) as server:
        victim = await joined(server, "cid", "victim")
        attacker = await joined(server, "cid", "attacker")
        mine = as_client(4242, ["hello", " world"])
        await victim.send(SyncUpdate(mine[0]))
        await attacker.recv_until(lambda m: isinstance(m, SyncUpdate))
        # the attacker writes the victim's next clock first, with its own content
        forged = Forged()
        forged.clients[4242] = (5, [Item("PWNED", origin=(4242, 4))])
        await attacker.send(SyncUpdate(forged.encode()))
        assert await attacker.expect_close() == 4403
        await victim.send(SyncUpdate(mine[1]))
        await wait_until(lambda: text_of_room(server, "cid") == "hello world", what="victim's edit")
        await victim.send(SyncStep1(b"\x00"))  # the reply comes after anything relayed before
        await victim.recv_until(lambda m: isinstance(m, SyncStep2) and len(victim.received) > 2)
        assert not [m for m in victim.received if isinstance(m, SyncUpdate)]
        assert server.hub.store.count_updates("cid") == 2
    # the binding outlives a restart
    async with in_process(tmp_path) as server:
        attacker = await joined(server, "cid", "attacker")
        more = Forged()
        more.clients[4242] = (11, [Item("!", origin=(4242, 10))])
        await attacker.send(SyncUpdate(more.encode()))
        assert await attacker.expect_close() == 4403
        assert stored_text(server, "cid") == "hello world"


async def test_a_document_larger_than_the_outbox_limit_can_be_joined(tmp_path):
    async with in_process(tmp_path, outbox_max_bytes=64 * 1024, max_frame_bytes=32 * 1024,
                          max_doc_bytes=1 << 20) as server:
        writer = await joined(server, "big", "w")
        for u in edits(12, "y" * 20_000):  # 240 kB in all, each update under the frame cap
            await writer.send(SyncUpdate(u))
        await wait_until(lambda: server.hub.store.count_updates("big") == 12, what="stored")
        for i in range(3):
            assert len(await synced_text(server, "big", "fresh")) == 240_000, i


async def test_sync_requests_are_budgeted(tmp_path):
    async with in_process(tmp_path, sync_rate=1, sync_burst=5) as server:
        c = await joined(server, "sync", "x")  # one request spent
        for _ in range(20):
            await c.send(SyncStep1(b"\x00"))
        assert await c.expect_close() == 4029
        other = await joined(server, "sync", "y")  # others are not affected
        await other.close()


async def test_a_read_only_room_takes_empty_sync_replies_silently(tmp_path):
    async with in_process(tmp_path) as server:
        c = await joined(server, "ro", "x", hello=True)
        [u] = edits(1)
        server.hub.rooms["ro"].read_only = True
        await c.send(SyncStep2(b"\x00\x00"))  # what a client answers when it has nothing new
        await c.send(SyncStep1(b"\x00"))  # its reply comes after anything said about the above
        await c.recv_until(lambda m: isinstance(m, SyncStep2) and len(c.received) > 3)
        assert not [m for m in c.received if isinstance(m, Error)]
        await c.send(SyncUpdate(u))  # a real edit is refused, with an error
        err = await c.recv_until(lambda m: isinstance(m, Error))
        assert err.code == "read_only"
        assert server.hub.store.count_updates("ro") == 0


class FailingAppends:
    """Failure injection: the store's appends fail while `failing` is set."""

    def __init__(self, store) -> None:  # type: ignore[no-untyped-def]
        self.store = store
        self.real = store.append_updates
        self.failing = False

    def __call__(self, *args, **kw):  # type: ignore[no-untyped-def]
        if self.failing:
            raise OSError(28, "No space left on device")
        return self.real(*args, **kw)


async def test_a_failed_commit_leaves_nobody_with_content_that_is_not_stored(tmp_path):
    async with in_process(tmp_path) as server:
        store = server.hub.store
        failing = FailingAppends(store)
        store.append_updates = failing
        watcher = await joined(server, "disk", "w")
        writer = await joined(server, "disk", "x")
        ups = edits(3, "q")
        await writer.send(SyncUpdate(ups[0]))
        await watcher.recv_until(lambda m: isinstance(m, SyncUpdate))
        failing.failing = True
        await writer.send(SyncUpdate(ups[1]))
        assert await writer.expect_close() == 1013
        assert await watcher.expect_close() == 1013
        assert [m.update for m in watcher.received if isinstance(m, SyncUpdate)] == [ups[0]]
        failing.failing = False
        # the next joiner gets what is stored, and an update built on the lost one is refused
        assert await synced_text(server, "disk", "fresh") == "q"
        late = await joined(server, "disk", "x")  # the writer, reconnected
        await late.send(SyncUpdate(ups[2]))  # depends on ups[1], which was never stored
        await late.send(SyncStep1(b"\x00"))  # answered after the update above was handled
        await late.recv_until(lambda m: isinstance(m, SyncStep2) and len(late.received) > 2)
        assert stored_text(server, "disk") == "q"
        await late.send(SyncUpdate(ups[1]))
        await late.send(SyncUpdate(ups[2]))
        await wait_until(lambda: stored_text(server, "disk") == "qqq", what="resent and stored")


async def test_the_gate_keeps_honest_typing_flowing(tmp_path):
    async with in_process(tmp_path) as server:
        a = await joined(server, "honest", "a")
        b = await joined(server, "honest", "b")
        for u in edits(50):
            await a.send(SyncUpdate(u))
        await b.recv_until(lambda m: isinstance(m, SyncUpdate)
                           and len([x for x in b.received if isinstance(x, SyncUpdate)]) == 50)
        assert a.ws.close_code is None and server.hub.store.count_updates("honest") == 50


async def test_typing_and_deleting_does_not_fill_the_size_cap(tmp_path):
    """A participant's share of the cap is checked on an estimate (bytes applied); before
    refusing it, its real share is measured: its next keystroke goes in while the document is
    small (the other side is never refused for it: test_doc_share.py)."""
    async with in_process(tmp_path, max_doc_bytes=256 * 1024) as server:
        honest = await joined(server, "cap", "honest")
        attacker = await joined(server, "cap", "attacker")
        doc = Doc()
        text = doc.get("code", type=Text)
        sent = 0
        for _ in range(12):  # 12 x 32 kB typed and deleted: the estimate passes the cap
            sv = doc.get_state()
            text += "z" * 32_000
            typed = doc.get_update(sv)
            sv = doc.get_state()
            del text[0:32_000]
            deleted = doc.get_update(sv)
            await attacker.send(SyncUpdate(typed))
            await attacker.send(SyncUpdate(deleted))
            sent += len(typed) + len(deleted)
        await wait_until(lambda: server.hub.store.count_updates("cap") == 24, what="stored")
        room = server.hub.rooms["cap"]
        assert sent > 256 * 1024 > 8 * len(room.doc.doc.get_update())
        sv = doc.get_state()
        text += "hello"
        await attacker.send(SyncUpdate(doc.get_update(sv)))
        await wait_until(lambda: text_of_room(server, "cap") == "hello", what="its keystroke")
        assert honest.ws.close_code is None and attacker.ws.close_code is None


async def test_a_rebuild_is_charged_to_the_participant_who_caused_it(tmp_path):
    async with in_process(tmp_path, update_work_rate=1, update_work_burst=1000,
                          max_update_work=1000) as server:
        watcher = await joined(server, "rebuilt", "w")
        bad = await joined(server, "rebuilt", "x")
        for u in edits(40, "k" * 8000):  # a document of ~320 kB: a rebuild worth ~5000 units
            await bad.send(SyncUpdate(u))
        for _ in range(40):
            await watcher.recv_until(lambda m: isinstance(m, SyncUpdate))
        f = Forged()
        f.clients[77] = (0, [Item("a"), Item("b", parent_id=(77, 0))])  # yrs fails half-way
        await bad.send(SyncUpdate(f.encode()))
        assert await bad.expect_close() == 4400
        again = await joined(server, "rebuilt", "x")  # in debt: no checking work for a while
        f2 = Forged()
        f2.clients[78] = (0, [Item("a"), Item("b", parent_id=(78, 0))])
        await again.send(SyncUpdate(f2.encode()))
        assert await again.expect_close() == 4029
        assert len(server.hub.rooms["rebuilt"].conns) == 1  # the watcher
        watcher.received.clear()
        await assert_room_intact(server, "rebuilt", watcher, 40)
