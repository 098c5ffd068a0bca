"""The document size cap is split into one share per participant (max_doc_bytes / doc_shares,
SPEC 16.3): a participant is refused for its own share only. That the other side filling the
document never refuses the honest one: test_terminal_closes_own_bytes.py (4413)."""

from __future__ import annotations

from pycrdt import Text

from collab_protocol import SyncUpdate
from support.net import wait_until
from support.rooms import Writer, joined, stored_text
from support.server import in_process

CAP = 256 * 1024  # max_doc_bytes here: each of the two shares is 128 KiB


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


async def test_the_other_sides_deletes_inside_your_text_count_toward_theirs(tmp_path):
    """Deleting every other character of the honest participant's text splits its structs
    (17 bytes more per deleted range with a 32-bit client id): 2,800 such deletes would take
    its 100 kB of text past its 128 KiB share. They count toward the deleter's share instead:
    the deleter is refused 4413 and the honest participant types on."""
    async with in_process(tmp_path, max_doc_bytes=CAP) as server:
        honest = await joined(server, "split", "honest")
        attacker = await joined(server, "split", "attacker")
        mine = Writer(3_000_000_001)
        await honest.send(SyncUpdate(mine.typed("h" * 100_000)))
        theirs = Writer(2)
        theirs.doc.apply_update(mine.doc.get_update())
        got: list[bytes] = []
        theirs.doc.observe(lambda event: got.append(event.update))
        updates = []
        for k in range(8):  # 700 scattered deletes per update, sent in one go
            with theirs.doc.transaction():
                for i in range(700):
                    del theirs.text[1400 * k + i:1400 * k + i + 1]
            updates.append(got.pop())
        for update in updates:
            await attacker.send(SyncUpdate(update))
        assert await attacker.expect_close() == 4413
        # the room took the updates in order until the deleter's share was full
        room = server.hub.rooms["split"]
        went_in = (100_000 - len(str(room.doc.doc.get("code", type=Text)))) // 700
        assert went_in >= 4  # 2,800 ranges: enough to push 100 kB of text past 128 KiB
        for update in updates[:went_in]:
            mine.doc.apply_update(update)  # what the room relayed
        await honest.send(SyncUpdate(mine.typed("still typing")))
        await wait_until(lambda: stored_text(server, "split").endswith("still typing"),
                         what="the honest edit after the other side's deletes")
        assert honest.ws.close_code is None
        assert stored_text(server, "split") == str(mine.text)
