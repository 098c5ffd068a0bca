"""The question (SPEC 8.8): set by the interviewer during the interview, seen by both."""

from __future__ import annotations

from collab_protocol import Question, QuestionSet

from ...core.lifecycle import allowed, may
from ...core.text import shown
from .context import Ctx, Handler
from .notes import may_save


async def set_question(ctx: Ctx, msg: QuestionSet) -> None:
    live = ctx.live
    if live is None:
        ctx.error("not_found", "the question belongs to an interview session", msg.nonce)
        return
    if not may(ctx.conn.claims.role, "set_question"):
        ctx.error("not_allowed", "only the interviewer can set the question", msg.nonce)
        return
    if not allowed(live.session.phase, "set_question"):
        ctx.error("wrong_phase", "the interview has ended", msg.nonce)
        return
    if not may_save(ctx, msg.text, msg.nonce, ctx.limits.question_max_chars):
        return
    sender = ctx.sender()
    text = shown(msg.text)
    async with ctx.shared.save_lock:
        ts = ctx.now_ms()
        await ctx.host.write(ctx.store.append_question, ctx.room.name, ts, sender, text)
        for c in ctx.room.conns:
            if c.hello:
                c.send_collab(Question(text, ts, sender, msg.nonce if c is ctx.conn else ""))


async def current_question(ctx: Ctx) -> Question:
    rows = await ctx.host.read(ctx.store.questions, ctx.room.name)
    if not rows:
        return Question("")
    last = rows[-1]
    return Question(last["text"], last["ts"], last.get("from"))


HANDLERS: dict[type, Handler] = {QuestionSet: set_question}
