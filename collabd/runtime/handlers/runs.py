"""Runs (SPEC 8.7): a client reports what running the code gave; the server checks it, stores
it and sends it to everyone in the room (the echo is the sender's acknowledgement)."""

from __future__ import annotations

from collab_protocol import RunHistory, RunMsg, RunResult

from ...core.lifecycle import allowed
from ..runs import check_run, stored
from .context import Ctx, Handler, send_history


async def run(ctx: Ctx, msg: RunResult) -> None:
    conn = ctx.conn
    if ctx.live is not None and not allowed(ctx.live.session.phase, "run"):
        ctx.error("wrong_phase", "runs are shared only during the interview", msg.nonce)
        return
    problem = check_run(msg, ctx.limits)
    if problem is not None:
        ctx.error(*problem, msg.nonce)
        return
    if not ctx.buckets().runs.allow(ctx.loop_time()):
        ctx.error("rate_limited", "too many runs", msg.nonce)
        return
    sender = ctx.sender()
    fields = stored(msg)
    async with ctx.shared.save_lock:  # ids are handed out, stored and sent in one order
        ts = ctx.now_ms()
        rid = await ctx.host.write(ctx.store.append_run, ctx.room.name, ts, sender, fields)
        for c in ctx.room.conns:
            if c.hello:
                c.send_collab(RunMsg(rid, ts, sender, **fields,
                                     nonce=msg.nonce if c is conn else ""))


async def send_run_history(ctx: Ctx, after: int | None) -> None:
    """On hello: the runs after id `after` (SPEC 8.7)."""
    await send_history(ctx, ctx.store.runs_after, max(0, after or 0), RunHistory)


HANDLERS: dict[type, Handler] = {RunResult: run}
