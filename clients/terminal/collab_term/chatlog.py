"""The chat column: messages, runs and room notices in time order."""

from __future__ import annotations

import time

from rich.text import Text as RichText
from textual.containers import VerticalScroll
from textual.widgets import Static


class LogLine(Static):
    def __init__(self, line: RichText, ts: float) -> None:
        super().__init__(line, classes="chat-line")
        self.ts = ts


class ChatLog(VerticalScroll):
    """The chat and the activity log: one wrapping Static per message, so a long message shows
    in full at any width (and re-wraps when the window is resized), in time order (what a
    rejoin fetches lands where it belongs), scrolled to the newest."""

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
