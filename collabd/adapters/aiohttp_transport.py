"""The WebSocket endpoint /rooms/{room}: checks before the upgrade, then the read loop."""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections import defaultdict, deque
from collections.abc import Callable

from aiohttp import WSMsgType, web

from collab_protocol import (
    AuthDenied,
    AwarenessMessage,
    CollabMessage,
    Error,
    ProtocolError,
    QueryAwareness,
    SyncStep1,
    SyncStep2,
    SyncUpdate,
    decode_frame,
)

from ..core.tokens import TokenError, verify
from ..logs import redact_aiohttp_logs
from ..runtime.connection import CLOSE_BAD, CLOSE_GOING_AWAY, CLOSE_INTERNAL, Conn
from ..runtime.hub import Hub, RoomUnavailable

log = logging.getLogger("collabd.ws")


def json_error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


async def run_all(*steps: tuple[str, Callable[[], object]]) -> None:
    """Run every cleanup step even if an earlier one raises (or the task is cancelled): nothing a
    client sent may leave a participant "connected" or a room loaded forever."""
    cancelled: asyncio.CancelledError | None = None
    for what, step in steps:
        try:
            result = step()
            if inspect.isawaitable(result):
                await result
        except asyncio.CancelledError as exc:
            cancelled = exc
        except Exception:
            log.exception("cleanup step failed", extra={"step": what})
    if cancelled is not None:
        raise cancelled


class RoomEndpoint:
    def __init__(self, hub: Hub, secret: bytes) -> None:
        self.hub = hub
        self.secret = secret
        self.sockets: set[web.WebSocketResponse] = set()
        self._attempts: dict[str, deque[float]] = defaultdict(deque)
        redact_aiohttp_logs()  # aiohttp logs refused request lines, tokens included

    def _too_many_attempts(self, addr: str, now: float) -> bool:
        window = self._attempts[addr]
        while window and window[0] < now - 60:
            window.popleft()
        window.append(now)
        return len(window) > self.hub.settings.limits.conn_attempts_per_minute

    def _origin_ok(self, request: web.Request) -> bool:
        origin = request.headers.get("Origin")
        if origin is None:
            return True  # not a browser
        allowed = self.hub.settings.allowed_origins
        if allowed:
            return origin in allowed
        return origin in (f"http://{request.host}", f"https://{request.host}")

    async def handle(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["room"]
        if self.hub.closing:
            return json_error(503, "shutting_down", "server is shutting down")
        if self._too_many_attempts(request.remote or "?", time.monotonic()):
            return json_error(429, "too_many_connections", "too many connection attempts")
        if not self._origin_ok(request):
            return json_error(403, "bad_origin", "origin not allowed")
        token = request.query.get("token")
        if not token:
            return json_error(401, "missing_token", "a join token is required")
        try:
            claims = verify(self.secret, token, int(time.time()))
        except TokenError as exc:
            return json_error(401, exc.code, str(exc))
        if claims.room != name:
            return json_error(403, "wrong_room", "token is for another room")
        refused = await self.hub.extensions.authorize(claims)
        if refused:
            return json_error(403, refused, "not allowed in this room")

        limits = self.hub.settings.limits
        ws = web.WebSocketResponse(
            heartbeat=limits.ws_ping_seconds, compress=False,
            max_msg_size=limits.max_frame_bytes, timeout=5.0,
        )
        await ws.prepare(request)
        self.sockets.add(ws)
        conn = Conn(ws, claims, self.hub.extensions.pseudonym(claims), limits, request.transport)
        log.info("connected", extra={"room": name, "conn": conn.id, "role": claims.role})
        try:
            room = await self.hub.join(name, conn)
        except RoomUnavailable:
            await ws.close(code=CLOSE_INTERNAL, message=b"room unavailable")
            self.sockets.discard(ws)
            await conn.finish()
            return ws
        try:
            room.welcome(conn)
            await self.hub.extensions.on_join(room, conn)
            await self._read_loop(ws, room, conn)
        finally:
            await run_all(
                ("leave room", lambda: self.hub.leave(room, conn)),
                ("on_leave", lambda: self.hub.extensions.on_leave(room, conn)),
                ("forget socket", lambda: self.sockets.discard(ws)),
                ("finish", conn.finish),
            )
            log.info("disconnected", extra={"room": name, "conn": conn.id,
                                            "code": conn.close_code or ws.close_code})
        return ws

    async def _read_loop(self, ws: web.WebSocketResponse, room, conn: Conn) -> None:  # type: ignore[no-untyped-def]
        async for raw in ws:
            if conn.closed:
                break
            if raw.type is not WSMsgType.BINARY:
                if raw.type is WSMsgType.TEXT:
                    conn.close(CLOSE_BAD, "binary frames only")
                break
            try:
                messages = decode_frame(raw.data)
            except ProtocolError as exc:
                if exc.in_payload:
                    # a collabd message this server cannot use: say so, keep the connection
                    conn.send_collab(Error(exc.code, str(exc)))
                    continue
                log.warning("bad frame", extra={"conn": conn.id, "error": str(exc)})
                conn.close(CLOSE_BAD, "malformed frame")
                break
            if len(messages) == 1 and isinstance(messages[0], SyncUpdate):
                room.on_update(conn, messages[0].update, raw.data)  # the common case
                continue
            for msg in messages:
                if conn.closed:
                    break
                if isinstance(msg, SyncUpdate | SyncStep2):
                    room.on_update(conn, msg.update)
                elif isinstance(msg, AwarenessMessage):
                    room.on_awareness(conn, msg)
                elif isinstance(msg, SyncStep1):
                    await room.on_sync_step1(conn, msg)
                elif isinstance(msg, QueryAwareness):
                    room.on_query_awareness(conn)
                elif isinstance(msg, CollabMessage):
                    if len(getattr(msg, "nonce", "")) > conn.limits.nonce_max_chars:
                        # never echoed: a nonce is copied into every answer
                        conn.send_collab(Error("bad_message", "nonce longer than "
                                               f"{conn.limits.nonce_max_chars} characters"))
                        continue
                    await self.hub.extensions.on_collab(room, conn, msg)
                elif isinstance(msg, AuthDenied):
                    pass  # only servers send these

    async def shutdown(self) -> None:
        """Close every socket with 1001 (going away)."""
        await asyncio.gather(
            *(ws.close(code=CLOSE_GOING_AWAY, message=b"server shutdown") for ws in self.sockets),
            return_exceptions=True,
        )
