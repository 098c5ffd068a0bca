"""The status line at the top: who you are, the phase and its timer, the language, the mirrored
file, the call's voice masking, whether the call is recorded, and the connection."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.markup import escape
from rich.text import Text as RichText
from textual.reactive import reactive
from textual.widgets import Static

from collab_protocol import IceServers, RecordingState

from ..room_events import CONNECTION, SESSION_VIEW, RoomView
from ..roomstate import deadline_ms, me
from ..text import deadline_text


class StatusBar(RoomView, Static):
    """One reactive field per indicator (Rich markup, "" hides it), shown in INDICATORS order;
    a change redraws this line only. A new indicator is a field, its name in INDICATORS and
    the line in show() that sets it."""

    DEFAULT_CSS = "StatusBar { height: 1; background: $boost; padding: 0 1; }"
    WATCHES = (*SESSION_VIEW, IceServers, RecordingState)
    STATUS = CONNECTION

    you: reactive[str] = reactive("", layout=True)
    phase: reactive[str] = reactive("", layout=True)
    deadline: reactive[str] = reactive("", layout=True)  # ticks every second while a timer runs
    language: reactive[str] = reactive("", layout=True)  # set by the app from the editor
    file: reactive[str] = reactive("", layout=True)  # --file
    voice: reactive[str] = reactive("", layout=True)  # the call's voice masking policy
    recorded: reactive[str] = reactive("", layout=True)  # the call is being recorded
    connection: reactive[str] = reactive("", layout=True)
    INDICATORS: ClassVar[tuple[str, ...]] = (
        "you", "phase", "deadline", "language", "file", "voice", "recorded", "connection")

    error: reactive[str] = reactive("", layout=True)  # cannot join: said alone

    def __init__(self, file: str | None = None, **kw: Any) -> None:
        super().__init__(**kw)
        self.set_reactive(StatusBar.file, f"file: {escape(file)}" if file else "")

    def on_mount(self) -> None:
        self.set_interval(1.0, self.tick)

    def render(self) -> RichText:
        if self.error:
            return RichText(self.error, style="bold red")
        if not self.connection:  # not joined yet
            return RichText("connecting…")
        shown = (getattr(self, name) for name in self.INDICATORS)
        return RichText.from_markup("  ·  ".join(part for part in shown if part))

    def tick(self) -> None:
        client = self.client
        if client is not None and client.session is not None:
            self.deadline = escape(deadline_text(client.session.phase, deadline_ms(client)))

    def show(self) -> None:
        client = self.client
        if client is None:
            return
        you = me(client)
        name, role = escape(str(you.get("name", "?"))), escape(str(you.get("role", "?")))
        self.you = f"[b]{name}[/] ({role})"
        self.phase = f"phase: [b]{client.session.phase}[/]" if client.session is not None else ""
        self.tick()
        mask = client.ice.voice_mask if client.ice is not None else "optional"
        # no audio here; say what the call in a browser would do
        self.voice = ("" if mask == "optional" else
                      "calls: voice masked" + (" (required)" if mask == "required" else ""))
        rec = client.recording  # both agreed (in browsers): the other side's voice is kept
        self.recorded = "[red]● call recorded[/]" if rec is not None and rec.on else ""
        if client.connected and client.synced:
            self.connection = "[green]● connected[/]"
        elif client.closed_reason is not None and client.closed_reason not in ("closed",):
            self.connection = f"[red]✕ {escape(client.closed_reason)}[/]"
        else:
            self.connection = "[yellow]○ reconnecting…[/]"
