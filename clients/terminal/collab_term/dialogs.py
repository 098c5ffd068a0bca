"""The modal screens: confirm the end, edit a text (question, notes), a run's whole output."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static, TextArea

CONFIRM_END_TEXT = (
    "End the interview for both of you? The code becomes read-only and you both fill in "
    "feedback. This cannot be undone."
)


class ConfirmEnd(ModalScreen[bool]):
    """Asks before ending. The safe button comes first and has the focus, so F4 then Enter
    keeps the interview going; ending takes a deliberate move to the red button."""

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


class TextDialog(ModalScreen["str | None"]):
    """Edit a text (the question, the notes pad): ctrl+s or Save returns it, escape cancels."""

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


class OutputView(ModalScreen[None]):
    """The whole output of a run (the log shows its first RUN_LINES lines); escape closes."""

    BINDINGS = [Binding("escape", "dismiss(None)", "close"), Binding("f3", "dismiss(None)")]

    def __init__(self, title: str, output: str) -> None:
        super().__init__(id="output-view")
        self.title_text = title
        self.output = output

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
