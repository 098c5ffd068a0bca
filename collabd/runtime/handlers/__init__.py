"""One handler per collabd message kind a client sends, one module per concern.

`HANDLERS` maps a message class to the coroutine that handles it; the room's services look
it up once per message (Yjs updates never come here). Adding a message kind is one entry in
its concern's `HANDLERS`."""

from __future__ import annotations

from collab_protocol import CollabMessage

from ...core.lifecycle import SessionError
from . import chat, notes, question, recording, replay, runs, session, signaling
from .context import Ctx, Handler, RoomShared

# core error codes -> the wire codes of SPEC.md
WIRE_CODES = {
    "forbidden": "not_allowed",
    "unknown_participant": "not_allowed",
    "not_connected": "not_allowed",
    "invalid_answer": "bad_message",
    "already_answered": "bad_message",
    "nothing_to_withdraw": "bad_message",
}

HANDLERS: dict[type, Handler] = {}
for _concern in (chat, signaling, session, runs, question, notes, replay, recording):
    if HANDLERS.keys() & _concern.HANDLERS.keys():
        raise TypeError(f"{_concern.__name__} handles a kind another concern handles")
    HANDLERS.update(_concern.HANDLERS)



async def dispatch(ctx: Ctx, msg: CollabMessage) -> None:
    """Run `msg`'s handler; a SessionError it raises is answered with its wire code."""
    handler = HANDLERS.get(type(msg))
    if handler is None:  # a kind only the server sends
        if ctx.live is None:
            ctx.error("not_found", f"{msg.KIND} needs an interview session")
        else:
            ctx.error("not_allowed", f"clients do not send {msg.KIND}")
        return
    try:
        await handler(ctx, msg)
    except SessionError as exc:
        ctx.error(WIRE_CODES.get(exc.code, exc.code), str(exc), getattr(msg, "nonce", ""))


__all__ = ["HANDLERS", "Ctx", "Handler", "RoomShared", "dispatch"]
