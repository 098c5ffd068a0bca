"""The document size cap is split into one share per participant (max_doc_bytes / doc_shares,
SPEC 16.3): a participant is refused for its own share only. That the other side filling the
document never refuses the honest one: test_terminal_closes_own_bytes.py (4413)."""

from __future__ import annotations

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
