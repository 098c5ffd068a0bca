"""The log in the chat column: messages, runs and room notices in time order."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from rich.text import Text as RichText
from textual.containers import VerticalScroll
from textual.widgets import Static

from collab_protocol import ChatMsg, RunMsg

from ..text import chat_line, run_line


class LogLine(Static):
    def __init__(self, line: RichText, ts: float) -> None:
        super().__init__(line, classes="chat-line")
        self.ts = ts


class ChatLog(VerticalScroll):
    """The chat and the activity log: one wrapping Static per message, so a long message shows
    in full at any width (and re-wraps when the window is resized), in time order (what a
    rejoin fetches lands where it belongs), scrolled to the newest."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self._shown_chat: set[int] = set()
        self._shown_runs: set[int] = set()

    def show_new(self, chat: Iterable[ChatMsg], runs: Iterable[RunMsg]) -> None:
        """Add the messages and runs not shown yet (a rejoin sends them all again)."""
        new: list[tuple[int, RichText]] = []
        for msg in chat:
            if msg.id not in self._shown_chat:
                self._shown_chat.add(msg.id)
                new.append((msg.ts, chat_line(msg)))
        for run in runs:
            if run.id not in self._shown_runs:
                self._shown_runs.add(run.id)
                new.append((run.ts, run_line(run)))
        for ts, line in sorted(new, key=lambda x: x[0]):
            self.add(line, ts)

    def add(self, line: RichText, ts: float | None = None) -> None:
        """Show `line` at its place by `ts` (ms since the epoch; default now)."""
        stamp = time.time() * 1000 if ts is None else ts
        later = [w for w in self.query(LogLine).results(LogLine) if w.ts > stamp]
        widget = LogLine(line, stamp)
        if later:
            self.mount(widget, before=later[0])
        else:
            self.mount(widget)
            self.scroll_end(animate=False)

    def text(self) -> str:
        return "\n".join(str(w.render()) for w in self.query(LogLine).results(LogLine))
