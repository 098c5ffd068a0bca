"""The chat column: the log (messages, runs and room notices), who is typing, and the input.

Every run a participant reports (from the browser's Run button) is shown here with its output.
collab-term only shows them: it never executes anyone's code, least of all the other person's,
on your machine."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import Input, Static

from collab_client import SdkError
from collab_protocol import ChatTyping

from ..room_events import CHAT, RUNS, RoomView
from ..roomstate import me
from .chat_log import ChatLog

TYPING_SECONDS = 3  # how long one "typing" tells the other side before it is sent again


class TypingLine(Static):
    """ "X typing…" while the other side types in the chat."""

    names: reactive[tuple[str, ...]] = reactive(tuple)

    def watch_names(self, names: tuple[str, ...]) -> None:
        self.update(", ".join(names) + " typing…" if names else "")


class ChatPane(RoomView, Vertical):
    """Chat and runs in one column, in time order; Enter in the input posts."""

    DEFAULT_CSS = """
    ChatPane { height: 1fr; }
    ChatPane #chat-log { height: 1fr; padding: 0 1; }
    ChatPane .chat-line { width: 100%; }
    ChatPane #typing { height: 1; color: $text-muted; padding: 0 1; }
    """
    WATCHES = (*CHAT, *RUNS, ChatTyping)

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self._typing_until = 0.0
        self.chat_log = ChatLog(id="chat-log")

    def compose(self) -> ComposeResult:
        yield self.chat_log
        yield TypingLine(id="typing")
        yield Input(placeholder="Message… (Enter to send)", id="chat-input", max_length=2000)

    def show(self) -> None:
        client = self.client
        if client is None:
            return
        self.chat_log.show_new(client.chat, client.runs)
        mine = me(client).get("id")
        names = {p.get("id"): p.get("name")
                 for p in (client.session.participants if client.session else [])}
        self.query_one(TypingLine).names = tuple(
            str(names.get(pid, "someone")) for pid, on in client.typing.items()
            if on and pid != mine)

    @on(Input.Submitted, "#chat-input")
    def submitted(self, event: Input.Submitted) -> None:
        text = event.value
        if not text.strip() or self.client is None:
            return
        event.input.value = ""
        self.post(text)

    @on(Input.Changed, "#chat-input")
    def typing(self, event: Input.Changed) -> None:
        client = self.client
        if client is None or not client.connected:
            return
        now = time.monotonic()
        if event.value and now > self._typing_until:
            self._typing_until = now + TYPING_SECONDS
            asyncio.ensure_future(client.set_typing(True))

    @work(group="requests")
    async def post(self, text: str) -> None:
        assert self.client is not None
        try:
            if self._typing_until:
                self._typing_until = 0.0
                await self.client.set_typing(False)
            await self.client.post_chat(text)
        except (SdkError, TimeoutError) as exc:
            self.notify(f"chat: {exc}", severity="error")
            self.query_one("#chat-input", Input).value = text
