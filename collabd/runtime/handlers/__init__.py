"""One handler per collabd message kind a client sends, one module per concern.

`HANDLERS` maps a message class to the coroutine that handles it; the room's services look
it up once per message (Yjs updates never come here). Adding a message kind is one entry in
its concern's `HANDLERS`."""

from __future__ import annotations

from . import chat, notes, question, replay, runs, session, signaling
from .context import Ctx, Handler, RoomShared

HANDLERS: dict[type, Handler] = {}
for _concern in (chat, signaling, session, runs, question, notes, replay):
    if HANDLERS.keys() & _concern.HANDLERS.keys():
        raise TypeError(f"{_concern.__name__} handles a kind another concern handles")
    HANDLERS.update(_concern.HANDLERS)

__all__ = ["HANDLERS", "Ctx", "Handler", "RoomShared"]
