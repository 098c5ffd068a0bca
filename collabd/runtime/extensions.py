"""What a room does beyond Yjs: the hooks the session layer fills in.

`Basic` serves plain rooms (development tokens, no interview session): a pseudonym derived from
the participant id, hello/welcome, and an error for every other collabd message.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from collab_protocol import PROTOCOL_VERSION, CollabMessage, Error, Hello, Welcome

from ..core.tokens import Claims
from .connection import CLOSE_BAD, Conn

if TYPE_CHECKING:
    from .hub import Hub
    from .room import Room

PALETTE = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#008080", "#9a6324",
           "#800000"]


class Basic:
    hub: Hub | None = None
    secret: bytes = b""

    def bind(self, hub: Hub, secret: bytes) -> None:
        self.hub = hub
        self.secret = secret

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    def pseudonym(self, claims: Claims) -> dict[str, Any]:
        """{id, name, color, colorLight, role} for a participant of a plain room."""
        digest = hashlib.sha256(f"{claims.room}/{claims.pid}".encode()).digest()
        color = PALETTE[digest[0] % len(PALETTE)]
        return {"id": claims.pid, "name": f"Guest {digest[1:3].hex()}", "color": color,
                "colorLight": color + "33", "role": claims.role}

    async def authorize(self, claims: Claims) -> str | None:
        """None if the participant may join; else an error code (403)."""
        return None

    async def on_join(self, room: Room, conn: Conn) -> None:
        pass

    async def on_leave(self, room: Room, conn: Conn) -> None:
        pass

    def on_unload(self, room: Room) -> None:
        pass

    def refuse_update(self, room: Room, conn: Conn) -> None:
        conn.send_collab(Error("read_only", "the document is read-only now"))

    async def on_collab(self, room: Room, conn: Conn, msg: CollabMessage) -> None:
        if isinstance(msg, Hello) and not conn.hello:
            await self.hello(room, conn, msg)
        elif not conn.hello:
            pass  # before hello: dropped without a reply (SPEC section 9)
        else:
            await self.on_message(room, conn, msg)

    async def hello(self, room: Room, conn: Conn, msg: Hello) -> None:
        if msg.v != PROTOCOL_VERSION:
            conn.hello = True
            conn.send_collab(Error("unsupported_version", f"server speaks v{PROTOCOL_VERSION}"))
            conn.close(CLOSE_BAD, "unsupported protocol version")
            return
        conn.hello = True
        you = {k: conn.profile[k] for k in ("id", "name", "color", "role")}
        conn.send_collab(Welcome(PROTOCOL_VERSION, room.name, you, room.limits.public()))
        await self.after_hello(room, conn, msg)

    async def after_hello(self, room: Room, conn: Conn, msg: Hello) -> None:
        pass

    async def on_message(self, room: Room, conn: Conn, msg: CollabMessage) -> None:
        conn.send_collab(Error("not_allowed", f"{msg.KIND} needs an interview session"))
