"""What the server told a client (collab_client.Client's state), and how callers watch it.

`RoomView` keeps the collabd messages' state (welcome, session, chat, runs, feedback, unmask,
errors and acks) and the change notifications `wait_for` and the callbacks run on. It sends
nothing and owns no socket: the Client's connection feeds it with `_handle_collab`.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
from collections.abc import Callable
from typing import Any, Self

from collab_protocol import (
    Ack,
    ChatHistory,
    ChatMsg,
    ChatTyping,
    CollabMessage,
    Error,
    FeedbackReveal,
    FeedbackStatus,
    IceServers,
    Notes,
    Question,
    RecordingState,
    RunHistory,
    RunMsg,
    SessionState,
    Timeline,
    UnmaskResult,
    UnmaskStatus,
    Welcome,
)

log = logging.getLogger("collab_client")


class SdkError(Exception):
    """A request was refused: `code` is the server's error code (SPEC 16.1) or one of the SDK's
    own (`not_connected`, `rejected`, `closed`)."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message


class RoomView:
    """The room as the server described it to us, with change notifications."""

    def __init__(self) -> None:
        # state followed from the server
        self.welcome: Welcome | None = None
        self.you: dict[str, Any] | None = None
        self.session: SessionState | None = None
        self.ice: IceServers | None = None
        self.recording: RecordingState | None = None  # consents, and whether it records
        self.feedback_status: FeedbackStatus | None = None
        self.reveal: FeedbackReveal | None = None
        self.unmask_status: UnmaskStatus | None = None
        self.unmask_result: UnmaskResult | None = None
        self.errors: list[Error] = []
        self.acks: set[str] = set()
        self.typing: dict[str, bool] = {}  # participant id -> typing
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
        # connection status (the Client's connection keeps it)
        self.connected = False
        self.synced = False
        self.connections = 0  # how many times a connection opened
        self.close_code: int | None = None
        self.closed_reason: str | None = None
        self._runner: asyncio.Task[None] | None = None
        # change notifications
        self._waiters: list[asyncio.Future[None]] = []
        self._callbacks: list[Callable[[CollabMessage], Any]] = []
        self._status_callbacks: list[Callable[[str], Any]] = []

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
        elif isinstance(msg, RecordingState):
            self.recording = msg
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

    async def wait_for(self, predicate: Callable[[Self], bool], timeout: float = 10.0) -> None:
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

