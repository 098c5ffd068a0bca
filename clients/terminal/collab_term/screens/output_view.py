"""The whole output of the latest run (f3; the log shows its first lines)."""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static, TextArea

from collab_protocol import RunMsg

from ..text import run_output
from .text_dialog import DIALOG_CSS


class OutputView(ModalScreen[None]):
    """A run's whole output, read-only; escape (or f3 again) closes."""

    DEFAULT_CSS = ("OutputView { align: center middle; }" + DIALOG_CSS
                   + "OutputView .text-dialog { height: 90%; }")
    BINDINGS = [Binding("escape", "dismiss(None)", "close"), Binding("f3", "dismiss(None)")]

    def __init__(self, title: str, output: str) -> None:
        super().__init__(id="output-view")
        self.title_text = title
        self.output = output

    @classmethod
    def of_latest(cls, runs: Sequence[RunMsg]) -> OutputView | None:
        """The view of the newest run, or None before the first."""
        if not runs:
            return None
        run = max(runs, key=lambda r: r.ts)
        output = run_output(run).plain or "(no output)"
        if run.truncated:
            output += "\n… (the server kept only the start of the output)"
        name = str((run.from_ or {}).get("name", "?"))
        return cls(f"Output of {name}'s {run.language} run (escape closes)", output)

    def compose(self) -> ComposeResult:
        with Vertical(classes="text-dialog"):
            yield Static(self.title_text, classes="text-dialog-title")
            yield TextArea(self.output, id="output-text", read_only=True, soft_wrap=True,
                           show_line_numbers=True)
            yield Button("Close (escape)", id="output-close")

    def on_mount(self) -> None:
        self.query_one("#output-text", TextArea).focus()

    @on(Button.Pressed, "#output-close")
    def close_pressed(self) -> None:
        self.dismiss(None)
