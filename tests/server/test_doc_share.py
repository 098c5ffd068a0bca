"""The document size cap is split into one share per participant (max_doc_bytes / doc_shares,
SPEC 16.3): the other side filling the document for real refuses only the other side; the
honest participant keeps typing, syncing and storing (docs/security.md, cost model)."""

from __future__ import annotations

from pycrdt import Doc, Text

from collab_protocol import SyncStep1, SyncStep2, SyncUpdate
from support.net import wait_until
from support.rooms import joined
from support.server import in_process
from support.wsclient import RawClient

CAP = 256 * 1024  # max_doc_bytes here: each of the two shares is 128 KiB


class Writer:
    """One participant's Y.Doc, typing into the shared text at its end."""

    def __init__(self, client_id: int) -> None:
        self.doc = Doc(client_id=client_id)
        self.text = self.doc.get("code", type=Text)

    def typed(self, s: str) -> bytes:
        sv = self.doc.get_state()
        self.text.insert(len(self.text), s)
        return self.doc.get_update(sv)

    def deleted_all(self) -> bytes:
        sv = self.doc.get_state()
        del self.text[0:len(self.text)]
        return self.doc.get_update(sv)


async def synced_text(server, room: str, pid: str) -> str:  # type: ignore[no-untyped-def]
    """What `pid` gets when it reconnects with an empty document."""
    c = await RawClient.connect(server.url(room, pid=pid))
    await c.send(SyncStep1(b"\x00"))
    reply = await c.recv_until(lambda m: isinstance(m, SyncStep2))
    await c.close()
    d = Doc()
    d.apply_update(reply.update)
    return str(d.get("code", type=Text))


def stored_text(server, room: str) -> str:  # type: ignore[no-untyped-def]
    d = Doc()
    for u in server.hub.store.load_doc(room)[0]:
        d.apply_update(u)
    return str(d.get("code", type=Text))


async def test_the_other_side_filling_its_share_never_refuses_the_honest_one(tmp_path):
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
        # the honest participant types on, well past what the cap left free on today's main
        for i in range(4):
            await honest.send(SyncUpdate(mine.typed(f"line {i} " + "q" * 20_000)))
        await wait_until(lambda: str(room.doc.doc.get("code", type=Text)).count("q") == 80_000
                         or honest.ws.close_code is not None, what="the honest edits applied")
        assert honest.ws.close_code is None
        # the attacker was refused at its share, for real: it holds at most 128 KiB
        assert CAP // 2 - 30_000 < room.doc.measure("attacker") <= CAP // 2
        # and stays refused when it comes back: the share is the participant's
        again = await joined(server, "full", "attacker")
        await again.send(SyncUpdate(Writer(3333).typed("y" * 30_000)))
        assert await again.expect_close() == 4413
        text = await synced_text(server, "full", "attacker")  # the attacker's fresh reconnect
        assert text.count("q") == 80_000 and text.startswith("hello ")
        await wait_until(lambda: stored_text(server, "full").count("q") == 80_000,
                         what="the honest edits stored")
        # and its sync requests are answered as before
        await honest.send(SyncStep1(b"\x00"))
        await honest.recv_until(lambda m: isinstance(m, SyncStep2))
        assert honest.ws.close_code is None


async def test_a_participant_is_refused_for_its_own_share_only(tmp_path):
    """The honest participant fills its own share: it, and only it, is refused 4413."""
    async with in_process(tmp_path, max_doc_bytes=CAP) as server:
        a = await joined(server, "own", "a")
        b = await joined(server, "own", "b")
        wa, wb = Writer(1), Writer(2)
        await a.send(SyncUpdate(wa.typed("a" * 60_000)))
        for _ in range(6):
            await b.send(SyncUpdate(wb.typed("b" * 30_000)))
            if b.ws.close_code is not None:
                break
        assert await b.expect_close() == 4413
        await a.send(SyncUpdate(wa.typed("a" * 60_000)))  # 120 kB: still within a's share
        await wait_until(lambda: stored_text(server, "own").count("a") == 120_000,
                         what="a's second edit stored")
        assert a.ws.close_code is None


async def test_an_emptied_share_takes_its_owners_typing_again(tmp_path):
    """A participant fills its share and is refused; once it deletes its text its share is
    measured again (a delete went in) and its next edit goes in."""
    async with in_process(tmp_path, max_doc_bytes=CAP) as server:
        first = await joined(server, "refill", "p")
        w = Writer(5)
        for _ in range(4):
            await first.send(SyncUpdate(w.typed("z" * 30_000)))
        await first.send(SyncUpdate(Writer(7).typed("z" * 30_000)))  # over its share
        assert await first.expect_close() == 4413
        back = await joined(server, "refill", "p")
        await back.send(SyncUpdate(w.deleted_all()))
        await back.send(SyncUpdate(w.typed("y" * 100_000)))
        await wait_until(lambda: stored_text(server, "refill") == "y" * 100_000,
                         what="the edit after emptying")
        assert back.ws.close_code is None
