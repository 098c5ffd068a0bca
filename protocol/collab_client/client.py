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
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import json
import logging
import random
import secrets
from collections.abc import Callable
from typing import Any

import websockets
from pycrdt import Doc, Map, Text
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from collab_protocol import (
    INTERVIEW_PHASES,
    PROTOCOL_VERSION,
    Ack,
    AuthDenied,
    AwarenessEntry,
    AwarenessMessage,
    ChatHistory,
    ChatMsg,
    ChatPost,
    ChatTyping,
    CloseCode,
    CollabMessage,
    EndInterview,
    Error,
    FeedbackReveal,
    FeedbackStatus,
    FeedbackSubmit,
    Hello,
    IceServers,
    Message,
    Notes,
    NotesSave,
    ProtocolError,
    QueryAwareness,
    Question,
    QuestionSet,
    RunHistory,
    RunMsg,
    RunResult,
    SessionState,
    Signal,
    SyncStep1,
    SyncStep2,
    SyncUpdate,
    Timeline,
    TimelineGet,
    UnmaskAnswer,
    UnmaskResult,
    UnmaskStatus,
    Welcome,
    decode_awareness,
    decode_frame,
    encode,
    encode_awareness,
)

from . import relpos
from .links import JoinInfo, parse_join
from .positions import Edit, bytes_from_utf16, diff, utf16_from_cp

log = logging.getLogger("collab_client")

# Close codes after which reconnecting cannot help (SPEC 16.2): the same input would fail again.
# 1000 is not one: a server never sends it, and a client's own goodbye is not a refusal.
FATAL_CLOSE_CODES = frozenset({int(c) for c in CloseCode if not c.reconnect}
                              - {CloseCode.NORMAL} | set(range(4400, 4500)))
# HTTP statuses of a refused upgrade worth retrying: rate limited, server stopping.
RETRY_STATUSES = {429, 502, 503, 504}
AWARENESS_RENEW_SECONDS = 15.0  # y-protocols drops a peer's state after 30 s without renewal


class SdkError(Exception):
    """A request was refused: `code` is the server's error code (SPEC 16.1) or one of the SDK's
    own (`not_connected`, `rejected`, `closed`)."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message


class Client:
    """One participant's connection to a collabd room. Create it with `await Client.connect()`."""

    def __init__(
        self,
        info: JoinInfo,
        *,
        client_name: str = "sdk",
        reconnect: bool = True,
        backoff: tuple[float, float] = (0.1, 5.0),
    ) -> None:
        self.info = info
        self.client_name = client_name
        self.reconnect = reconnect
        self.backoff = backoff
        self.doc: Doc[Any] = Doc()
        self.text: Text = self.doc.get("code", type=Text)
        self.meta: Map[Any] = self.doc.get("meta", type=Map)
        # state followed from the server
        self.welcome: Welcome | None = None
        self.you: dict[str, Any] | None = None
        self.session: SessionState | None = None
        self.ice: IceServers | None = None
        self.feedback_status: FeedbackStatus | None = None
        self.reveal: FeedbackReveal | None = None
        self.unmask_status: UnmaskStatus | None = None
        self.unmask_result: UnmaskResult | None = None
        self.errors: list[Error] = []
        self.acks: set[str] = set()
        self.typing: dict[str, bool] = {}  # participant id -> typing
        self.awareness: dict[int, dict[str, Any]] = {}  # other Yjs client id -> state
        self._awareness_clocks: dict[int, int] = {}
        self._chat: list[ChatMsg] = []
        self._chat_ids: set[int] = set()
        self._by_nonce: dict[str, ChatMsg] = {}
        self._unmask_seen = 0
        # runs, the question, private notes (SPEC 8.7-8.9)
        self.question: Question | None = None
        self.notes: Notes | None = None  # only ever our own
        self._runs: list[RunMsg] = []
        self._run_ids: set[int] = set()
        self._replies: dict[str, CollabMessage] = {}  # nonce -> echo or answer
        # connection
        self.connected = False
        self.synced = False
        self.connections = 0  # how many times a connection opened
        self.close_code: int | None = None
        self.closed_reason: str | None = None
        self._ws: ClientConnection | None = None
        self._out: asyncio.Queue[bytes | None] | None = None
        self._closing = False
        self._runner: asyncio.Task[None] | None = None
        self._first: asyncio.Future[None] | None = None
        self._welcomed = False
        self._writer_task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._waiters: list[asyncio.Future[None]] = []
        # local awareness
        self.local_state: dict[str, Any] | None = {}
        self._local_clock = 0
        # doc bridging
        self._remote = False
        self._before_remote: list[Callable[[], object]] = []
        self._callbacks: list[Callable[[CollabMessage], Any]] = []
        self._status_callbacks: list[Callable[[str], Any]] = []
        self._doc_sub = self.doc.observe(self._on_doc_update)

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

    def _send(self, msg: Message) -> bool:
        if self._out is None:
            return False
        self._out.put_nowait(encode(msg))
        return True

    def _send_request(self, msg: CollabMessage) -> None:
        if not self._send(msg):
            raise SdkError("not_connected", "the client is not connected")

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

    def _handle_collab(self, msg: CollabMessage) -> None:
        if isinstance(msg, Welcome):
            self.welcome = msg
            self.you = dict(msg.you)
        elif isinstance(msg, SessionState):
            self.session = msg
        elif isinstance(msg, ChatMsg):
            self._add_chat(msg)
        elif isinstance(msg, ChatHistory):
            for item in msg.messages:
                if isinstance(item, dict):
                    try:
                        self._add_chat(
                            ChatMsg(
                                id=int(item["id"]),
                                ts=int(item["ts"]),
                                from_=dict(item["from"]),
                                text=str(item["text"]),
                            )
                        )
                    except (KeyError, TypeError, ValueError):
                        log.warning("ignoring a malformed chat history entry")
        elif isinstance(msg, RunMsg):
            self._add_run(msg)
        elif isinstance(msg, RunHistory):
            for item in msg.runs:
                try:
                    self._add_run(run_from_map(item))
                except (KeyError, TypeError, ValueError):
                    log.warning("ignoring a malformed run history entry")
        elif isinstance(msg, Question):
            self.question = msg
            if msg.nonce:
                self._replies[msg.nonce] = msg
        elif isinstance(msg, Notes):
            self.notes = msg
            if msg.nonce:
                self._replies[msg.nonce] = msg
        elif isinstance(msg, Timeline):
            self._replies[msg.nonce] = msg
        elif isinstance(msg, ChatTyping):
            if msg.from_ is not None:
                self.typing[str(msg.from_.get("id", ""))] = msg.on
        elif isinstance(msg, Error):
            self.errors.append(msg)
        elif isinstance(msg, Ack):
            self.acks.add(msg.ref)
        elif isinstance(msg, IceServers):
            self.ice = msg
        elif isinstance(msg, FeedbackStatus):
            self.feedback_status = msg
        elif isinstance(msg, FeedbackReveal):
            self.reveal = msg
        elif isinstance(msg, UnmaskStatus):
            self.unmask_status = msg
            self._unmask_seen += 1
        elif isinstance(msg, UnmaskResult):
            self.unmask_result = msg
            self._unmask_seen += 1

    def _add_run(self, msg: RunMsg) -> None:
        if msg.nonce:
            self._replies[msg.nonce] = msg
        if msg.id in self._run_ids:
            return
        self._run_ids.add(msg.id)
        bisect.insort(self._runs, msg, key=lambda m: m.id)

    @property
    def runs(self) -> list[RunMsg]:
        """Every run of the room (ours and the other side's), in id order. Each is only the
        reported result: nothing here executes anyone's code."""
        return list(self._runs)

    def _add_chat(self, msg: ChatMsg) -> None:
        if msg.nonce:
            self._by_nonce[msg.nonce] = msg
        if msg.id in self._chat_ids:
            return
        self._chat_ids.add(msg.id)
        bisect.insort(self._chat, msg, key=lambda m: m.id)

    def apply_update(self, update: bytes) -> None:
        """Merge an update made elsewhere (say, on a fork of the doc) as a local change: editor
        bindings are flushed first, and the update is sent to the server like any local edit."""
        for cb in list(self._before_remote):
            cb()
        self.doc.apply_update(update)

    def _apply_remote(self, update: bytes) -> None:
        for cb in list(self._before_remote):
            cb()
        self._remote = True
        try:
            self.doc.apply_update(update)
        finally:
            self._remote = False

    def _apply_awareness(self, update: bytes) -> None:
        try:
            entries = decode_awareness(update)
        except ProtocolError:
            return
        own = self.doc.client_id
        changed = False
        for e in entries:
            if e.client_id == own:
                continue
            held = self._awareness_clocks.get(e.client_id, -1)
            if e.state_json == "null":
                if e.clock >= held:
                    self._awareness_clocks[e.client_id] = e.clock
                    changed |= self.awareness.pop(e.client_id, None) is not None
                continue
            if e.clock <= held and e.client_id in self.awareness:
                continue
            try:
                state = json.loads(e.state_json)
            except ValueError:
                continue
            if isinstance(state, dict):
                self._awareness_clocks[e.client_id] = e.clock
                self.awareness[e.client_id] = state
                changed = True
        if changed:
            self._changed("awareness")

    def _on_doc_update(self, event: Any) -> None:
        if not self._remote:
            self._send(SyncUpdate(event.update))  # offline: the next sync carries it
        self._changed("doc")

    # ------------------------------------------------------------ observing

    @property
    def chat(self) -> list[ChatMsg]:
        """Chat messages in id order, without duplicates."""
        return self._chat

    def on_message(self, callback: Callable[[CollabMessage], Any]) -> Callable[[], None]:
        """Call `callback(msg)` for every collabd message received (after the client's own state
        is updated). Returns a function that removes the callback."""
        self._callbacks.append(callback)
        return lambda: self._callbacks.remove(callback)

    def on_status(self, callback: Callable[[str], Any]) -> Callable[[], None]:
        """Call `callback(kind)` on "connected", "disconnected", "awareness", "doc", "message",
        "stopped", "closed"."""
        self._status_callbacks.append(callback)
        return lambda: self._status_callbacks.remove(callback)

    def before_remote_update(self, callback: Callable[[], object]) -> Callable[[], None]:
        """Call `callback()` just before a server update is applied to the doc: an editor binding
        flushes its pending local edits there, so remote positions stay meaningful."""
        self._before_remote.append(callback)
        return lambda: self._before_remote.remove(callback)

    def _changed(self, kind: str) -> None:
        waiters, self._waiters = self._waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)
        for cb in list(self._status_callbacks):
            try:
                cb(kind)
            except Exception:
                log.exception("on_status callback failed")

    async def wait_for(self, predicate: Callable[[Client], bool], timeout: float = 10.0) -> None:
        """Wait until `predicate(client)` is true (checked after every change)."""
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(timeout):
            while not predicate(self):
                if (
                    self.closed_reason is not None
                    and self._runner is not None
                    and (self._runner.done())
                ):
                    if not predicate(self):
                        raise SdkError("closed", self.closed_reason)
                fut: asyncio.Future[None] = loop.create_future()
                self._waiters.append(fut)
                await fut

    async def wait_synced(self, timeout: float = 10.0) -> None:
        await self.wait_for(lambda c: c.synced, timeout)

    @property
    def phase(self) -> str | None:
        return self.session.phase if self.session else None

    def may(self, action: str) -> bool | None:
        """Whether the server allows us `action` now (names: SPEC 8.2), from the `actions` of
        our own entry in the session message; None when it has not said (no session yet, or
        a server that sends no `actions`), for the caller to judge by the phase."""
        me = (self.you or {}).get("id")
        for p in self.session.participants if self.session else ():
            if isinstance(p, dict) and me is not None and p.get("id") == me:
                actions = p.get("actions")
                return action in actions if isinstance(actions, list) else None
        return None

    @property
    def code(self) -> str:
        return str(self.text)

    # ------------------------------------------------------------ editing (UTF-16 positions)

    def insert(self, index_utf16: int, text: str) -> None:
        """Insert `text` at a UTF-16 index (as Yjs counts)."""
        current = str(self.text)
        self.text.insert(bytes_from_utf16(current, index_utf16), text)

    def delete(self, index_utf16: int, length_utf16: int) -> None:
        """Delete `length_utf16` UTF-16 units starting at a UTF-16 index."""
        if length_utf16 <= 0:
            return
        current = str(self.text)
        start = bytes_from_utf16(current, index_utf16)
        end = bytes_from_utf16(current, index_utf16 + length_utf16)
        del self.text[start:end]

    def set_text(self, new: str, cursor: int | None = None) -> Edit | None:
        """Make the text equal `new` with one minimal replacement (common prefix and suffix
        kept). `cursor` (code points, in `new`) places an ambiguous edit at the caret."""
        current = str(self.text)
        edit = diff(current, new, cursor)
        if edit is not None:
            apply_edit(self.doc, self.text, current, edit)
        return edit

    # ------------------------------------------------------------ awareness

    def set_cursor(self, anchor_utf16: int, head_utf16: int | None = None) -> None:
        """Publish our cursor/selection as Yjs relative positions (y-codemirror's
        `cursor: {anchor, head}`), so web editors show it."""
        current = str(self.text)
        head_utf16 = anchor_utf16 if head_utf16 is None else head_utf16
        anchor = relpos.encode(self.text, bytes_from_utf16(current, anchor_utf16), current)
        head = (
            anchor
            if head_utf16 == anchor_utf16
            else relpos.encode(self.text, bytes_from_utf16(current, head_utf16), current)
        )
        self.set_awareness_field("cursor", {"anchor": anchor, "head": head})

    def set_awareness_field(self, key: str, value: Any) -> None:
        state = dict(self.local_state or {})
        if value is None:
            state.pop(key, None)
        else:
            state[key] = value
        self.local_state = state
        self._send_awareness()

    def _send_awareness(self, bump: bool = True) -> None:
        if bump:
            self._local_clock += 1
        state = json.dumps(self.local_state, separators=(",", ":"), ensure_ascii=False)
        self._send(
            AwarenessMessage(
                encode_awareness([AwarenessEntry(self.doc.client_id, self._local_clock, state)])
            )
        )

    def remote_cursors(self) -> list[dict[str, Any]]:
        """The other clients' cursors: [{client_id, name, color, anchor, head}] with anchor and
        head as UTF-16 indexes into the current text (None when they cannot be resolved)."""
        current = str(self.text)
        state = relpos.state_vector(self.doc.get_state())
        out = []
        for client_id, st in sorted(self.awareness.items()):
            cursor = st.get("cursor")
            if not isinstance(cursor, dict):
                continue
            raw_user = st.get("user")
            user: dict[str, Any] = raw_user if isinstance(raw_user, dict) else {}
            ends = []
            for key in ("anchor", "head"):
                b = relpos.decode(self.text, cursor.get(key), state, current)
                ends.append(None if b is None else _utf16_of_bytes(current, b))
            out.append(
                {
                    "client_id": client_id,
                    "name": str(user.get("name", "?")),
                    "color": str(user.get("color", "#888888")),
                    "anchor": ends[0],
                    "head": ends[1],
                }
            )
        return out

    # ------------------------------------------------------------ requests

    async def post_chat(self, text: str, timeout: float = 10.0) -> ChatMsg:
        """Post a chat message; return the server's echo (with id and timestamp)."""
        nonce = secrets.token_hex(8)
        self._send_request(ChatPost(text=text, nonce=nonce))
        await self.wait_for(
            lambda c: nonce in c._by_nonce or c._error_for(nonce) is not None, timeout
        )
        self._raise_for(nonce)
        return self._by_nonce.pop(nonce)

    async def submit_feedback(self, form: dict[str, Any], timeout: float = 10.0) -> None:
        """Submit the feedback form for our role; returns once the server acknowledged it."""
        nonce = secrets.token_hex(8)
        self._send_request(FeedbackSubmit(form=form, nonce=nonce))
        await self.wait_for(lambda c: nonce in c.acks or c._error_for(nonce) is not None, timeout)
        self._raise_for(nonce)

    async def end_interview(self, timeout: float = 10.0) -> None:
        """End the interview (interviewer only); returns once the phase changed."""
        seen = len(self.errors)
        self._send_request(EndInterview())
        codes = {"not_allowed", "wrong_phase", "not_found"}
        await self.wait_for(
            lambda c: (
                (c.phase is not None and c.phase not in INTERVIEW_PHASES)
                or any(e.code in codes and not e.ref for e in c.errors[seen:])
            ),
            timeout,
        )
        for e in self.errors[seen:]:
            if e.code in codes and not e.ref:
                raise SdkError(e.code, e.message)

    async def answer_unmask(self, answer: str, timeout: float = 10.0) -> None:
        """Answer the unmask question: "yes", "no" or "withdraw"; returns once the server
        answered (unmask_status or unmask_result updated), raises SdkError on an error."""
        if answer not in ("yes", "no", "withdraw"):
            raise ValueError("answer must be 'yes', 'no' or 'withdraw'")
        seen, errors = self._unmask_seen, len(self.errors)
        codes = {"wrong_phase", "not_allowed", "bad_message", "not_found"}
        self._send_request(UnmaskAnswer(answer=answer))
        await self.wait_for(
            lambda c: (
                c._unmask_seen > seen
                or any(e.code in codes and not e.ref for e in c.errors[errors:])
            ),
            timeout,
        )
        if self._unmask_seen == seen:
            for e in self.errors[errors:]:
                if e.code in codes and not e.ref:
                    raise SdkError(e.code, e.message)

    async def _request(self, msg: CollabMessage, nonce: str, timeout: float) -> CollabMessage:
        self._send_request(msg)
        await self.wait_for(
            lambda c: nonce in c._replies or c._error_for(nonce) is not None, timeout
        )
        self._raise_for(nonce)
        return self._replies.pop(nonce)

    async def report_run(self, language: str, *, stdin: str = "", stdout: str = "",
                         stderr: str = "", exception: dict[str, Any] | None = None,
                         exit: int | None = None, duration_ms: int = 0,
                         timed_out: bool = False, truncated: list[str] | None = None,
                         order: list[list[Any]] | None = None,
                         timeout: float = 10.0) -> RunMsg:
        """Share the result of a run this client did itself (SPEC 8.7); returns the stored
        run, stamped by the server with our pseudonym and its time. `order` is the print
        order of stdout and stderr (collab_protocol.runorder.order_of makes it)."""
        nonce = secrets.token_hex(8)
        msg = RunResult(language=language, stdin=stdin, stdout=stdout, stderr=stderr,
                        exception=exception, exit=exit, duration_ms=duration_ms,
                        timed_out=timed_out, truncated=list(truncated or []), order=order,
                        nonce=nonce)
        reply = await self._request(msg, nonce, timeout)
        assert isinstance(reply, RunMsg)
        return reply

    async def set_question(self, text: str, timeout: float = 10.0) -> Question:
        """Set the interview question, Markdown (interviewer only: else SdkError not_allowed)."""
        nonce = secrets.token_hex(8)
        reply = await self._request(QuestionSet(text=text, nonce=nonce), nonce, timeout)
        assert isinstance(reply, Question)
        return reply

    async def save_notes(self, text: str, timeout: float = 10.0) -> Notes:
        """Replace our private notes (the last save wins); only our own connections get them."""
        nonce = secrets.token_hex(8)
        reply = await self._request(NotesSave(text=text, nonce=nonce), nonce, timeout)
        assert isinstance(reply, Notes)
        return reply

    async def fetch_timeline(self, timeout: float = 30.0) -> tuple[dict[str, Any], list[Any]]:
        """The replay timeline (SPEC 18), every page: (info, events). Available once the
        feedback was revealed (else SdkError wrong_phase). Split base64 texts are joined."""
        events: list[Any] = []
        after = 0
        while True:
            nonce = secrets.token_hex(8)
            page = await self._request(TimelineGet(after=after, nonce=nonce), nonce, timeout)
            assert isinstance(page, Timeline)
            for event in page.events:
                if isinstance(event, dict) and isinstance(event.get("u"), list):
                    event = {**event, "u": "".join(event["u"])}
                events.append(event)
            if page.next is None:
                return dict(page.info), events
            after = page.next

    async def set_typing(self, on: bool) -> None:
        self._send_request(ChatTyping(on=on))

    def send_signal(self, kind: str, data: dict[str, Any], to: str, masked: bool = False) -> None:
        """Send a voice-call `signal` (SPEC 8.4) to participant `to`. A client that cannot take
        calls answers an `offer` with `send_signal("hangup", {"reason": "unsupported"}, to=...)`
        so the caller stops ringing. `masked` says the sender's voice is masked (`offer`,
        `answer`, `voice`; SPEC 14.3). Incoming signals reach `on_message` callbacks."""
        self._send_request(Signal(kind=kind, data=dict(data), to=to, masked=masked))

    def _error_for(self, nonce: str) -> Error | None:
        for e in reversed(self.errors):
            if e.ref == nonce:
                return e
        return None

    def _raise_for(self, nonce: str) -> None:
        err = self._error_for(nonce)
        if err is not None:
            raise SdkError(err.code, err.message)


def run_from_map(item: Any) -> RunMsg:
    """A run.history entry as a RunMsg (raises KeyError, TypeError or ValueError)."""
    if not isinstance(item, dict):
        raise TypeError("a run is a map")
    fields = {k: item[k] for k in ("language", "stdin", "stdout", "stderr", "exception", "exit",
                                   "duration_ms", "timed_out", "truncated", "order")
              if k in item}
    for key, kind in (("language", str), ("stdin", str), ("stdout", str), ("stderr", str),
                      ("duration_ms", int), ("timed_out", bool), ("truncated", list),
                      ("order", list)):
        if key in fields and not isinstance(fields[key], kind):
            raise TypeError(f"run.{key} has the wrong type")
    return RunMsg(id=int(item["id"]), ts=int(item["ts"]), from_=dict(item["from"]), **fields)


def apply_edit(doc: Doc[Any], text: Text, current: str, edit: Edit) -> None:
    """Apply a code-point Edit computed against `current` (== str(text)) in one transaction."""
    raw_start = len(current[: edit.start].encode("utf-8"))
    raw_end = raw_start + len(current[edit.start : edit.end].encode("utf-8"))
    with doc.transaction():
        if raw_end > raw_start:
            del text[raw_start:raw_end]
        if edit.text:
            text.insert(raw_start, edit.text)


def _utf16_of_bytes(s: str, offset: int) -> int:
    raw = s.encode("utf-8")
    return utf16_from_cp(s, len(raw[:offset].decode("utf-8", errors="ignore")))


def _rejection(exc: InvalidStatus) -> tuple[str, str]:
    status = exc.response.status_code
    try:
        body = json.loads(exc.response.body or b"{}")
        err = body["error"]
        return str(err["code"]), str(err.get("message", ""))
    except (ValueError, KeyError, TypeError):
        return ("rejected", f"HTTP {status}")
