"""The interview itself (SPEC 8.1, 8.2, 8.5, 8.6): ending it, feedback, the unmask answer.
Each is one `Session` method, run through the host so it is persisted before anyone hears of
it; the session raises SessionError for whatever its rules refuse."""

from __future__ import annotations

from collab_protocol import Ack, CollabMessage, EndInterview, FeedbackSubmit, Hello, UnmaskAnswer

from ..live import Live
from .context import Ctx, Handler


def session_of(ctx: Ctx, msg: CollabMessage) -> Live | None:
    """The room's session, or None with the sender told that `msg` needs one."""
    if ctx.live is None:
        ctx.error("not_found", f"{msg.KIND} needs an interview session")
    return ctx.live


async def end(ctx: Ctx, msg: EndInterview) -> None:
    live = session_of(ctx, msg)
    if live is not None:
        await ctx.host.mutate(live, live.session.end, ctx.conn.claims.pid)


async def feedback(ctx: Ctx, msg: FeedbackSubmit) -> None:
    live = session_of(ctx, msg)
    if live is not None:
        conn = ctx.conn
        await ctx.host.mutate(live, live.session.submit_feedback, conn.claims.pid, msg.form,
                              on_durable=lambda: conn.send_collab(Ack(msg.nonce)))


async def unmask(ctx: Ctx, msg: UnmaskAnswer) -> None:
    live = session_of(ctx, msg)
    if live is not None:
        await ctx.host.mutate(live, live.session.answer_unmask, ctx.conn.claims.pid, msg.answer)


async def hello_again(ctx: Ctx, msg: Hello) -> None:
    ctx.error("bad_message", "hello was already received")


HANDLERS: dict[type, Handler] = {
    EndInterview: end,
    FeedbackSubmit: feedback,
    UnmaskAnswer: unmask,
    Hello: hello_again,
}
