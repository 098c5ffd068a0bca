"""Editing a text in a dialog: the question (f6), the private notes pad (f7)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static, TextArea

# shared with OutputView: a framed box in the middle of the screen
DIALOG_CSS = """
    .text-dialog { width: 80; max-width: 100%; height: 24; border: thick $primary; padding: 1 2;
                   background: $surface; }
    .text-dialog TextArea { height: 1fr; }
    .text-dialog Horizontal { height: auto; }
"""


class TextDialog(ModalScreen["str | None"]):
    """Edit a text: ctrl+s or Save returns it, escape cancels."""

    DEFAULT_CSS = "TextDialog { align: center middle; }" + DIALOG_CSS
    BINDINGS = [Binding("escape", "dismiss(None)", "cancel"), Binding("ctrl+s", "save", "save")]

    def __init__(self, title: str, text: str, dialog_id: str) -> None:
        super().__init__(id=dialog_id)
        self.title_text = title
        self.initial = text

    def compose(self) -> ComposeResult:
        with Vertical(classes="text-dialog"):
            yield Static(self.title_text, classes="text-dialog-title")
            yield TextArea(self.initial, id="dialog-text", soft_wrap=True)
            with Horizontal():
                yield Button("Save (ctrl+s)", id="dialog-save", variant="primary")
                yield Button("Cancel", id="dialog-cancel")

    def on_mount(self) -> None:
        self.query_one("#dialog-text", TextArea).focus()

    def action_save(self) -> None:
        self.dismiss(self.query_one("#dialog-text", TextArea).text)

    @on(Button.Pressed, "#dialog-save")
    def save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#dialog-cancel")
    def cancel_pressed(self) -> None:
        self.dismiss(None)
