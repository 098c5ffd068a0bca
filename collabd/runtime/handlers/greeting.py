"""The greeting after `hello` (SPEC 9.1), after the session view: the question and the
receiver's own notes, the ICE servers, then the chat and the runs the client has not seen."""

from __future__ import annotations

import time

from collab_protocol import Hello, IceServers

from ...core import signaling
from .chat import send_chat_history
from .context import Ctx
from .notes import own_notes
from .question import current_question
from .runs import send_run_history


async def greet(ctx: Ctx, msg: Hello) -> None:
    conn, live, settings = ctx.conn, ctx.live, ctx.host.settings
    # under the lock saves hold from their write to their broadcast: a save landing while
    # this reads would otherwise reach the newcomer before the older value read here
    async with ctx.shared.save_lock:
        if live is not None:
            conn.send_collab(await current_question(ctx))
        conn.send_collab(await own_notes(ctx))
    relay_only = settings.relay_only or bool(live and live.extra.get("relay_only"))
    turn_secret = settings.turn_secret.encode() or None
    servers = signaling.ice_servers(list(settings.stun_urls), list(settings.turn_urls),
                                    turn_secret, conn.claims.pid, int(time.time()),
                                    settings.limits.turn_ttl)
    voice_mask = str(live.extra.get("voice_mask", "optional")) if live else "optional"
    conn.send_collab(IceServers(servers, relay_only, voice_mask))
    await send_chat_history(ctx, msg.chat_after)
    await send_run_history(ctx, msg.run_after)
