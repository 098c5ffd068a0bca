"""The WebSocket endpoint /rooms/{room}: checks before the upgrade, then the read loop."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
from collections import defaultdict, deque
from collections.abc import Callable

from aiohttp import web

from collab_protocol import (
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

from ..cluster.node import Cluster, ClusterUnavailable
from ..cluster.proxy import forward_websocket
from ..core.tokens import TokenError, verify
from ..logs import redact_aiohttp_logs
from ..runtime.connection import CLOSE_BAD, CLOSE_GOING_AWAY, CLOSE_INTERNAL, Conn
from ..runtime.hub import Hub, RoomUnavailable
from ..runtime.room import Room
from .addresses import TrustedProxies
from .websocket import FrameProtocol, PartialBudget, handshake_response

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
    def __init__(self, hub: Hub, secret: bytes, cluster: Cluster | None = None) -> None:
        self.hub = hub
        self.secret = secret
        self.cluster = cluster  # cluster mode: rooms owned by other nodes are forwarded
        self.sockets: set[Conn] = set()
        self.gone = asyncio.Event()  # set when the last socket has been forgotten
        self._attempts: dict[str, deque[float]] = defaultdict(deque)
        settings = hub.settings
        self.trusted = TrustedProxies(settings.trusted_proxies, settings.forwarded_header)
        # bytes of messages in progress, all sockets together (adapters/websocket.py)
        self.partial = PartialBudget(hub.settings.limits.partial_message_bytes)
        redact_aiohttp_logs()  # aiohttp logs refused request lines, tokens included

    def established(self) -> int:
        return len(self.sockets)

    def _too_many_attempts(self, addr: str, now: float) -> bool:
        if len(self._attempts) > ATTEMPT_ADDRESSES and addr not in self._attempts:
            # many addresses: forget those with nothing in the last minute (bounded memory)
            for stale in [a for a, w in self._attempts.items() if not w or w[-1] < now - 60]:
                del self._attempts[stale]
        window = self._attempts[addr]
        while window and window[0] < now - 60:
            window.popleft()
        window.append(now)
        return len(window) > self.hub.settings.limits.conn_attempts_per_minute

    def _origin_ok(self, request: web.Request) -> bool:
        origin = request.headers.get("Origin")
        if origin is None:
            return True  # not a browser
        # --allow-origin adds to the same origin (the built-in web client), never replaces it
        if origin in self.hub.settings.allowed_origins:
            return True
        return origin in (f"http://{request.host}", f"https://{request.host}")

    async def handle(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["room"]
        if self.hub.closing:
            return json_error(503, "shutting_down", "server is shutting down")
        cluster = self.cluster
        # forwarded by another node, which counted the attempt against the client's address
        forwarded = cluster is not None and cluster.is_forwarded(request.headers,
                                                                 request.path_qs)
        client = self.trusted.client(request.remote or "?", request.headers)
        if not forwarded and self._too_many_attempts(client, time.monotonic()):
            self.hub.stats.upgrades_refused += 1
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
        owner = None
        if cluster is not None:
            try:
                owner = await cluster.route(name)  # None: this node owns the room now
            except ClusterUnavailable:
                return json_error(503, "try_again", "the cluster cannot be reached, retry later")
            if owner is not None and forwarded:  # never twice: the room is moving
                return json_error(503, "try_again", "the room is moving between nodes, retry")
        try:
            refused = await self.hub.extensions.authorize(claims)
        except Exception:  # the store does not answer (the session lookup): transient
            log.exception("authorize failed", extra={"room": name})
            return json_error(503, "room_unavailable", "the room cannot be loaded, retry later")
        if refused:
            return json_error(403, refused, "not allowed in this room")

        key = request.headers.get("Sec-WebSocket-Key", "")
        if (request.headers.get("Upgrade", "").lower() != "websocket"
                or "upgrade" not in request.headers.get("Connection", "").lower()
                or request.headers.get("Sec-WebSocket-Version") != "13" or not key):
            return json_error(400, "not_websocket", "a WebSocket upgrade is required")
        transport = request.transport
        if transport is None or transport.is_closing():
            return json_error(400, "gone", "the client went away")
        if owner is not None:
            assert cluster is not None
            return await forward_websocket(request, owner, cluster.proof(request.path_qs),
                                           cluster.links_for(name, owner))
        limits = self.hub.settings.limits
        conn = Conn(claims, self.hub.extensions.pseudonym(claims), limits)
        try:
            room = await self.hub.join(name, conn)  # load before sync: the upgrade waits
        except RoomUnavailable:
            return json_error(503, "room_unavailable", "the room cannot be loaded, retry later")
        if transport.is_closing():
            await run_all(("leave room", lambda: self.hub.leave(room, conn)))
            return json_error(400, "gone", "the client went away")
        self._take_over(request, transport, key, room, conn)
        log.info("connected", extra={"room": name, "conn": conn.id, "role": claims.role})
        # aiohttp has let go of the transport: what it writes for this answer goes nowhere
        return web.Response(status=101)

    def _take_over(self, request: web.Request, transport: asyncio.Transport, key: str,
                   room: Room, conn: Conn) -> None:
        """Answer the upgrade and move the connection from aiohttp's HTTP protocol to ours,
        all synchronously: the client sends nothing before it has our 101, so no byte of it
        can be left in aiohttp's buffers."""
        link = Link(self, room, conn)
        sock = FrameProtocol(transport, self.hub.settings.limits.max_frame_bytes,
                             link.on_message, link.on_close, self.partial)
        link.sock = sock
        http = transport.get_protocol()
        transport.write(handshake_response(key))
        transport.set_protocol(sock)
        # aiohttp forgets the connection (keeping no state for it) without closing it
        request.protocol.transport = None
        http.connection_lost(None)
        conn.attach(sock)
        self.sockets.add(conn)
        room.welcome(conn)
        link.enqueue(JOINED)  # on_join runs before anything the client sends is handled

    def forget(self, conn: Conn) -> None:
        self.sockets.discard(conn)
        if not self.sockets:
            self.gone.set()

    async def shutdown(self) -> None:
        """Close every socket with 1001 (going away) and wait a moment for them to go."""
        for conn in list(self.sockets):
            conn.close(CLOSE_GOING_AWAY, "server shutdown")
        if self.sockets:
            self.gone.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.gone.wait(), 5.0)


ATTEMPT_ADDRESSES = 10_000  # addresses tracked before the stale ones are swept
JOINED, LEFT = object(), object()  # steps of a connection's backlog besides its frames
BACKLOG_ITEM_COST = 64  # bytes charged per backlog entry besides its payload


class Link:
    """Between one socket and its room: each message the client sends is handled in order.

    The common ones (document updates, awareness) are handled at once, inside data_received. A
    message whose handling awaits (sync requests, collabd messages) starts a backlog with a task
    that works through it; while the backlog exists everything queues behind it, so the order
    holds. An idle connection has no task.

    The backlog is bounded in bytes (`backlog_max_bytes`, each entry charged its payload and
    BACKLOG_ITEM_COST): past it the socket stops parsing and reading (TCP backpressure on the
    sender) until the backlog is down to half.
    """

    __slots__ = ("endpoint", "room", "conn", "sock", "backlog", "backlog_bytes", "paused",
                 "worker")

    def __init__(self, endpoint: RoomEndpoint, room: Room, conn: Conn) -> None:
        self.endpoint = endpoint
        self.room = room
        self.conn = conn
        self.sock: FrameProtocol | None = None
        self.backlog: deque[tuple[object, int]] | None = None
        self.backlog_bytes = 0
        self.paused = False
        self.worker: asyncio.Task[None] | None = None  # held: the loop keeps only weak refs

    def on_message(self, payload: bytes, binary: bool) -> None:
        conn = self.conn
        if conn.closed:
            return
        if not binary:
            conn.close(CLOSE_BAD, "binary frames only")
            return
        if self.backlog is not None:
            if conn.admit(len(payload)):  # charged as it arrives, before any decoding
                self.enqueue(payload, len(payload))
            return
        try:
            update = single_update(payload)
            if update is not None:
                self.room.on_update(conn, update, payload)  # the common case
                return
            if not conn.admit(len(payload)):
                return
            messages = self._decode(payload)
            if messages is None:
                return
            if all(isinstance(m, INLINE) for m in messages):
                for msg in messages:
                    self._inline(msg)
            else:
                self.enqueue(messages, len(payload))
        except Exception:
            log.exception("message handling failed", extra={"conn": conn.id})
            conn.close(CLOSE_INTERNAL, "internal error")

    def on_close(self, code: int) -> None:
        conn = self.conn
        if conn.close_code is None:
            conn.close_code = code
        conn.closed = True
        self.enqueue(LEFT)

    def enqueue(self, item: object, size: int = 0) -> None:
        if self.backlog is None:
            self.backlog = deque()
            self.worker = asyncio.get_running_loop().create_task(self._work())
        size += BACKLOG_ITEM_COST
        self.backlog.append((item, size))
        self.backlog_bytes += size
        if (self.backlog_bytes > self.conn.limits.backlog_max_bytes and not self.paused
                and self.sock is not None):
            self.paused = True
            self.sock.pause()

    async def _work(self) -> None:
        backlog = self.backlog
        assert backlog is not None
        conn = self.conn
        try:
            while backlog:
                item, size = backlog.popleft()
                self.backlog_bytes -= size
                if (self.paused and self.sock is not None
                        and self.backlog_bytes <= conn.limits.backlog_max_bytes >> 1):
                    self.paused = False
                    self.sock.resume()  # may parse frames that waited: they queue behind
                if item is LEFT:
                    await self._leave()
                    return
                if conn.closed:
                    continue
                try:
                    if item is JOINED:
                        await self.endpoint.hub.extensions.on_join(self.room, conn)
                        continue
                    messages = self._decode(item) if isinstance(item, bytes) else item
                    if not isinstance(messages, list):
                        continue  # undecodable: _decode has answered
                    for msg in messages:
                        if conn.closed:
                            break
                        await self._handle(msg)
                except Exception:
                    log.exception("message handling failed", extra={"conn": conn.id})
                    conn.close(CLOSE_INTERNAL, "internal error")
        finally:
            if self.backlog is backlog:
                self.backlog = None
                self.backlog_bytes = 0
                self.worker = None

    def _decode(self, payload: bytes) -> list[object] | None:
        conn = self.conn
        try:
            return list(decode_frame(payload, conn.limits.collab_nested_bytes))
        except ProtocolError as exc:
            if exc.in_payload:
                # a collabd message this server cannot use: say so, keep the connection
                conn.send_collab(Error(exc.code, str(exc)))
                conn.refuse()
                return None
            log.warning("bad frame", extra={"conn": conn.id, "error": str(exc)})
            conn.close(CLOSE_BAD, "malformed frame")
            return None

    def _inline(self, msg: object) -> None:
        room, conn = self.room, self.conn
        if conn.closed:
            return
        if isinstance(msg, SyncUpdate):
            room.on_update(conn, msg.update)
        elif isinstance(msg, SyncStep2):
            room.on_update(conn, msg.update, reply=True)
        elif isinstance(msg, AwarenessMessage):
            room.on_awareness(conn, msg)
        elif isinstance(msg, QueryAwareness):
            room.on_query_awareness(conn)

    async def _handle(self, msg: object) -> None:
        room, conn = self.room, self.conn
        if isinstance(msg, INLINE):
            self._inline(msg)
        elif isinstance(msg, SyncStep1):
            await room.on_sync_step1(conn, msg)
        elif isinstance(msg, CollabMessage):
            if len(getattr(msg, "nonce", "")) > conn.limits.nonce_max_chars:
                # never echoed: a nonce is copied into every answer
                conn.send_collab(Error("bad_message", "nonce longer than "
                                       f"{conn.limits.nonce_max_chars} characters"))
                return
            await self.endpoint.hub.extensions.on_collab(room, conn, msg)
        # AuthDenied: only servers send these

    async def _leave(self) -> None:
        room, conn, endpoint = self.room, self.conn, self.endpoint
        await run_all(
            ("leave room", lambda: endpoint.hub.leave(room, conn)),
            ("on_leave", lambda: endpoint.hub.extensions.on_leave(room, conn)),
            ("forget socket", lambda: endpoint.forget(conn)),
        )
        log.info("disconnected", extra={"room": room.name, "conn": conn.id,
                                        "code": conn.close_code})


INLINE = (SyncUpdate, SyncStep2, AwarenessMessage, QueryAwareness)


def single_update(payload: bytes) -> bytes | None:
    """The update of a frame that is exactly one SyncUpdate, or None (then decode_frame)."""
    if len(payload) < 3 or payload[0] != 0 or payload[1] != 2:
        return None
    n = payload[2]
    if n < 0x80:
        return payload[3:] if len(payload) == 3 + n else None
    if len(payload) > 4 and payload[3] < 0x80:
        n = (n & 0x7F) | (payload[3] << 7)
        return payload[4:] if len(payload) == 4 + n else None
    if len(payload) > 5 and payload[3] >= 0x80 and payload[4] < 0x80:  # 16 KiB to 2 MiB
        n = (n & 0x7F) | ((payload[3] & 0x7F) << 7) | (payload[4] << 14)
        return payload[5:] if len(payload) == 5 + n else None
    return None
