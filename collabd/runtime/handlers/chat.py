"""Chat (SPEC 8.3, 13): posts are stored before anyone sees them; typing is relayed only."""

from __future__ import annotations

from collab_protocol import ChatHistory, ChatMsg, ChatPost, ChatTyping

from ...core.lifecycle import allowed
from ...core.text import shown
from .context import Ctx, Handler, send_history


async def post(ctx: Ctx, msg: ChatPost) -> None:
    limits, conn = ctx.limits, ctx.conn
    if ctx.live is not None and not allowed(ctx.live.session.phase, "chat"):
        ctx.error("chat_closed", "the session is sealed", msg.nonce)
        return
    if len(msg.text) > limits.chat_max_chars:
        ctx.error("too_large", f"at most {limits.chat_max_chars} characters", msg.nonce)
        return
    text = shown(msg.text)  # SPEC 9: no bidi overrides, no control characters
    if not text.strip():
        ctx.error("bad_message", "empty message", msg.nonce)
        return
    if not conn.chat.allow(ctx.loop_time()):
        ctx.error("rate_limited", "too many chat messages", msg.nonce)
        return
    sender = ctx.sender()
    async with ctx.shared.chat_lock:  # ids are handed out, stored and sent in one order
        ts = ctx.now_ms()
        cid = await ctx.host.write(ctx.store.append_chat, ctx.room.name, ts, sender, text)
        ctx.host.stats.chat_messages += 1
        for c in ctx.room.conns:
            if c.hello:
                c.send_collab(ChatMsg(cid, ts, sender, text, msg.nonce if c is conn else ""))


async def typing(ctx: Ctx, msg: ChatTyping) -> None:
    if not ctx.conn.awareness.allow(ctx.loop_time()):
        return
    ctx.room.broadcast_collab(ChatTyping(msg.on, ctx.sender()), exclude=ctx.conn)


async def send_chat_history(ctx: Ctx, after: int) -> None:
    """On hello: the chat after id `after` (SPEC 13)."""
    await send_history(ctx, ctx.store.chat_after, max(0, after), ChatHistory)


HANDLERS: dict[type, Handler] = {ChatPost: post, ChatTyping: typing}
