"""Private notes (SPEC 8.9): each participant's own text, sent only to their own connections.
That is the one rule here that protects privacy; tests/server/test_room_features.py scans
every frame for it."""

from __future__ import annotations

from collab_protocol import Notes, NotesSave

from ...core.lifecycle import allowed
from .context import Ctx, Handler


async def save(ctx: Ctx, msg: NotesSave) -> None:
    if ctx.live is not None and not allowed(ctx.live.session.phase, "save_notes"):
        ctx.error("wrong_phase", "notes cannot be saved now", msg.nonce)
        return
    if not may_save(ctx, msg.text, msg.nonce, ctx.limits.notes_max_chars):
        return
    pid = ctx.conn.claims.pid
    async with ctx.shared.save_lock:  # saves reach the owner's devices in store order
        ts = ctx.now_ms()
        await ctx.host.write(ctx.store.save_notes, ctx.room.name, pid, ts, msg.text)
        for c in ctx.room.conns:  # the owner's own connections, nobody else's
            if c.hello and c.claims.pid == pid:
                c.send_collab(Notes(msg.text, ts, msg.nonce if c is ctx.conn else ""))


async def own_notes(ctx: Ctx) -> Notes:
    notes = await ctx.host.read(ctx.store.load_notes, ctx.room.name, ctx.conn.claims.pid)
    return Notes(notes[0], notes[1]) if notes else Notes("")


def may_save(ctx: Ctx, text: str, nonce: str, limit: int) -> bool:
    """A question or notes save within its size and the sender's save rate (else the sender
    is told why)."""
    if len(text) > limit:
        ctx.error("too_large", f"at most {limit} characters", nonce)
        return False
    if not ctx.buckets().saves.allow(ctx.loop_time()):
        ctx.error("rate_limited", "too many saves", nonce)
        return False
    return True


HANDLERS: dict[type, Handler] = {NotesSave: save}
