"""The question before F4 (or the End button) ends the interview."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

CONFIRM_END_TEXT = (
    "End the interview for both of you? The code becomes read-only and you both fill in "
    "feedback. This cannot be undone."
)


class ConfirmEnd(ModalScreen[bool]):
    """Asks before ending. The safe button comes first and has the focus, so F4 then Enter
    keeps the interview going; ending takes a deliberate move to the red button."""

    DEFAULT_CSS = """
    ConfirmEnd { align: center middle; }
    ConfirmEnd #confirm { width: 64; max-width: 100%; height: auto; border: thick $error;
                          padding: 1 2; background: $surface; }
    ConfirmEnd #confirm-text { width: 100%; height: auto; margin-bottom: 1; }
    ConfirmEnd #confirm Horizontal { height: auto; }
    """
    BINDINGS = [Binding("escape", "dismiss(False)", "cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm"):
            yield Static(CONFIRM_END_TEXT, id="confirm-text")
            with Horizontal():
                yield Button("Keep going", id="confirm-cancel", variant="primary")
                yield Button("End interview", id="confirm-end", variant="error")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#confirm-cancel", Button))

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-end")
