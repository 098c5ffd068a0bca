"""A Python client SDK for collabd rooms (protocol v1, see protocol/SPEC.md and protocol/README.md).

    client = await Client.connect(join_url)        # or Client.connect(token, server="http://h:p")
    await client.wait_synced()
    client.insert(0, "print('hi')\\n")              # UTF-16 positions, like Yjs
    msg = await client.post_chat("hello")
    await client.close()

The client keeps a pycrdt Doc in sync with the room over one WebSocket speaking y-protocols
sync + awareness (types 0-3) and collabd's own messages (type 100). It reconnects with
exponential backoff; edits made while offline stay in the Doc and reach the server through the
SyncStep1/SyncStep2 exchange on the next connection. It never imports the server package: only
the `collab_protocol` codec, pycrdt and websockets.

Everything runs on the caller's asyncio loop; the public methods are not thread-safe.

This module holds the connection (connect, reconnect, the frame loop, close); the Client's other
halves are `view.RoomView` (what the server told us, waiting on it), `docsync.DocSync` (the
document, editing, awareness) and `requests.Requests` (chat, feedback, unmask, runs, ...).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random

import websockets
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from collab_protocol import (
    PROTOCOL_VERSION,
    AuthDenied,
    AwarenessEntry,
    AwarenessMessage,
    CloseCode,
    CollabMessage,
    Hello,
    Message,
    ProtocolError,
    QueryAwareness,
    SyncStep1,
    SyncStep2,
    SyncUpdate,
    Welcome,
    decode_frame,
    encode_awareness,
)

from .docsync import apply_edit
from .links import JoinInfo, parse_join
from .requests import Requests
from .view import SdkError, run_from_map

__all__ = ["FATAL_CLOSE_CODES", "Client", "SdkError", "apply_edit", "run_from_map"]

log = logging.getLogger("collab_client")

# Close codes after which reconnecting cannot help (SPEC 16.2): the same input would fail again.
# 1000 is not one: a server never sends it, and a client's own goodbye is not a refusal.
FATAL_CLOSE_CODES = frozenset({int(c) for c in CloseCode if not c.reconnect}
                              - {CloseCode.NORMAL} | set(range(4400, 4500)))
# HTTP statuses of a refused upgrade worth retrying: rate limited, server stopping.
RETRY_STATUSES = {429, 502, 503, 504}
AWARENESS_RENEW_SECONDS = 15.0  # y-protocols drops a peer's state after 30 s without renewal


class Client(Requests):
    """One participant's connection to a collabd room. Create it with `await Client.connect()`."""

    def __init__(
        self,
        info: JoinInfo,
        *,
        client_name: str = "sdk",
        reconnect: bool = True,
        backoff: tuple[float, float] = (0.1, 5.0),
    ) -> None:
        super().__init__()
        self.info = info
        self.client_name = client_name
        self.reconnect = reconnect
        self.backoff = backoff
        self._ws: ClientConnection | None = None
        self._closing = False
        self._first: asyncio.Future[None] | None = None
        self._welcomed = False
        self._writer_task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    # ------------------------------------------------------------ connecting

    @classmethod
    async def connect(
        cls,
        join_url_or_token: str,
        *,
        server: str | None = None,
        client_name: str = "sdk",
        reconnect: bool = True,
        timeout: float = 10.0,
        backoff: tuple[float, float] = (0.1, 5.0),
    ) -> Client:
        """Connect and return once the server has welcomed us (`client.you` is set).

        Raises SdkError if the first connection is refused (bad or expired token, ...)."""
        client = cls(
            parse_join(join_url_or_token, server),
            client_name=client_name,
            reconnect=reconnect,
            backoff=backoff,
        )
        await client.start(timeout)
        return client

    async def start(self, timeout: float = 10.0) -> None:
        loop = asyncio.get_running_loop()
        self._first = loop.create_future()
        self._runner = loop.create_task(self._run(), name="collab-sdk")
        try:
            async with asyncio.timeout(timeout):
                await asyncio.shield(self._first)
        except BaseException:
            await self.close()
            raise

    async def _run(self) -> None:
        attempt = 0
        while not self._closing:
            try:
                ws = await websockets.connect(
                    self.info.ws_url,
                    compression=None,
                    max_size=None,
                    proxy=None,
                    open_timeout=10,
                    close_timeout=3,  # close() waits this long for the server's close frame
                    user_agent_header=f"collab-client/{self.client_name}",
                )
            except InvalidStatus as exc:
                status = exc.response.status_code
                err_code, message = _rejection(exc)
                if status not in RETRY_STATUSES:
                    self._fatal(SdkError(err_code, message))
                    return
                self._fail_first(SdkError(err_code, message))
            except (OSError, TimeoutError, InvalidHandshake) as exc:
                self._fail_first(SdkError("unreachable", str(exc) or type(exc).__name__))
            else:
                synced_before = await self._session(ws)
                if synced_before:
                    attempt = 0
                code = ws.close_code
                self.close_code = code
                if code in FATAL_CLOSE_CODES:
                    reason = ws.close_reason or ""
                    self._fatal(SdkError("rejected", f"closed with {code} {reason}".strip()))
                    return
                self._fail_first(SdkError("closed", f"connection closed ({code})"))
            if self._closing or not self.reconnect or not self._welcomed:
                # no reconnect wanted, or we never got in: connect() raises the error
                self._stop_reason("closed" if self._closing else "disconnected")
                return
            low, high = self.backoff
            delay = min(high, low * 2**attempt) * (0.5 + random.random() / 2)
            attempt += 1
            self._wake.clear()
            with contextlib.suppress(TimeoutError):  # not wait_for: see collab_term filemirror
                async with asyncio.timeout(delay):
                    await self._wake.wait()  # close() wakes us early

    def _fail_first(self, err: SdkError) -> None:
        if self._first is not None and not self._first.done():
            self._first.set_exception(err)

    def _fatal(self, err: SdkError) -> None:
        self._fail_first(err)
        self._stop_reason(f"{err.code}: {err.message}")

    def _stop_reason(self, reason: str) -> None:
        if self.closed_reason is None:
            self.closed_reason = reason
        self._changed("stopped")

    async def _session(self, ws: ClientConnection) -> bool:
        """Run one connection until it closes; True if it got as far as the welcome."""
        self._ws = ws
        out: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._out = out
        self.connected = True
        self.synced = False
        self.connections += 1
        welcomed = False
        writer = self._writer_task = asyncio.get_running_loop().create_task(self._writer(ws, out))
        renew = asyncio.get_running_loop().create_task(self._renew_awareness())
        try:
            self._send(SyncStep1(self.doc.get_state()))
            if self.local_state is not None:
                self._send_awareness()
            self._send(
                Hello(
                    v=PROTOCOL_VERSION,
                    client=self.client_name,
                    chat_after=self._chat[-1].id if self._chat else 0,
                    run_after=self._runs[-1].id if self._runs else None,
                )
            )
            self._changed("connected")
            async for frame in ws:
                if not isinstance(frame, bytes):
                    continue
                try:
                    messages = decode_frame(frame)
                except ProtocolError as exc:
                    log.warning("ignoring an undecodable frame from the server: %s", exc)
                    continue
                for msg in messages:
                    self._handle(msg)
                    if isinstance(msg, Welcome):
                        welcomed = self._welcomed = True
                        if self._first is not None and not self._first.done():
                            self._first.set_result(None)
                self._changed("message")
        except ConnectionClosed:
            pass
        finally:
            self.connected = False
            self.synced = False
            self._out = None
            self._ws = None
            out.put_nowait(None)
            renew.cancel()
            writer.cancel()
            await asyncio.gather(writer, renew, return_exceptions=True)
            self._changed("disconnected")
        return welcomed

    async def _writer(self, ws: ClientConnection, out: asyncio.Queue[bytes | None]) -> None:
        with contextlib.suppress(ConnectionClosed):
            while (data := await out.get()) is not None:
                await ws.send(data)

    async def _renew_awareness(self) -> None:
        while True:
            await asyncio.sleep(AWARENESS_RENEW_SECONDS)
            if self.local_state is not None:
                self._send_awareness()

    async def close(self) -> None:
        """Say goodbye (awareness null), close the socket and stop reconnecting."""
        if self._closing:
            return
        self._closing = True
        self._wake.set()
        ws = self._ws
        if ws is not None and self._out is not None:
            self._local_clock += 1
            self._send(
                AwarenessMessage(
                    encode_awareness(
                        [AwarenessEntry(self.doc.client_id, self._local_clock, "null")]
                    )
                )
            )
            self._out.put_nowait(None)
            if self._writer_task is not None:  # let the writer flush what is queued
                await asyncio.wait({self._writer_task}, timeout=2)
            with contextlib.suppress(Exception):
                await ws.close()
        if self._runner is not None:
            done, _ = await asyncio.wait({self._runner}, timeout=5)
            if not done:
                self._runner.cancel()
                await asyncio.wait({self._runner})
        if self.closed_reason is None:
            self.closed_reason = "closed"
        self._changed("closed")
        with contextlib.suppress(ValueError):
            self.doc.unobserve(self._doc_sub)

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ------------------------------------------------------------ incoming

    def _handle(self, msg: Message) -> None:
        if isinstance(msg, SyncStep1):
            self._send(SyncStep2(self.doc.get_update(msg.state_vector)))
        elif isinstance(msg, SyncStep2):
            self._apply_remote(msg.update)
            self.synced = True
        elif isinstance(msg, SyncUpdate):
            self._apply_remote(msg.update)
        elif isinstance(msg, AwarenessMessage):
            self._apply_awareness(msg.update)
        elif isinstance(msg, QueryAwareness):
            if self.local_state is not None:
                self._send_awareness(bump=False)
        elif isinstance(msg, AuthDenied):
            self.closed_reason = f"denied: {msg.reason}"
        elif isinstance(msg, CollabMessage):
            self._handle_collab(msg)
            for cb in list(self._callbacks):
                try:
                    cb(msg)
                except Exception:  # a buggy callback must not kill the connection
                    log.exception("on_message callback failed")


def _rejection(exc: InvalidStatus) -> tuple[str, str]:
    status = exc.response.status_code
    try:
        body = json.loads(exc.response.body or b"{}")
        err = body["error"]
        return str(err["code"]), str(err.get("message", ""))
    except (ValueError, KeyError, TypeError):
        return ("rejected", f"HTTP {status}")
