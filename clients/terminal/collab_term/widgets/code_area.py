"""The code editor widget: a TextArea that draws the other side's cursors, auto-indents and
undoes through the document, and the adapter that binds it to the shared text."""

from __future__ import annotations

from typing import Any

from pycrdt import UndoManager
from rich.cells import cell_len
from rich.style import Style
from textual.binding import Binding
from textual.message import Message
from textual.strip import Strip
from textual.widgets import TextArea
from textual.widgets.text_area import Document, Selection


def document(area: TextArea) -> Document:
    """The area's document, typed: a plain TextArea always holds a Document (the base type
    lacks the index/location conversions)."""
    doc = area.document
    assert isinstance(doc, Document)
    return doc


class CodeArea(TextArea):
    """A TextArea that also draws other people's cursors (a cell in their colour)."""

    BINDINGS = [
        Binding("ctrl+end", "go_end", "End of code", show=False),
        Binding("ctrl+home", "go_start", "Start of code", show=False),
    ]

    def action_go_end(self) -> None:
        self.move_cursor(self.document.end)
        self.scroll_cursor_visible()

    def action_go_start(self) -> None:
        self.move_cursor((0, 0))
        self.scroll_cursor_visible()

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.remote_marks: list[tuple[int, int, str, str]] = []  # (row, col, color, name)
        self.undo_manager: UndoManager | None = None  # set once joined: undo is the doc's

    async def _on_key(self, event: Any) -> None:
        if event.key == "enter" and not self.read_only:
            event.stop()
            event.prevent_default()
            start, end = self.selection
            self.replace("\n" + self.indent_after(start), start, end,
                         maintain_selection_offset=False)
            return
        await super()._on_key(event)

    def indent_after(self, location: tuple[int, int]) -> str:
        """Auto-indent: the current line's indentation, one level more after a line that opens
        a block (a ':' in Python, an open bracket anywhere)."""
        row, col = location
        before = self.document.get_line(row)[:col]
        indent = before[: len(before) - len(before.lstrip(" \t"))]
        opener = before.rstrip()
        if opener.endswith((":", "{", "[", "(")) and (
                not opener.endswith(":") or self.language in (None, "python", "yaml")):
            indent += "\t" if indent.startswith("\t") else " " * self.indent_width
        return indent

    def action_undo(self) -> None:
        if self.undo_manager is not None and not self.read_only:
            self.post_message(UndoRequest(redo=False))

    def action_redo(self) -> None:
        if self.undo_manager is not None and not self.read_only:
            self.post_message(UndoRequest(redo=True))

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        if not self.remote_marks:
            return strip
        scroll_x, scroll_y = self.scroll_offset
        row = scroll_y + y
        for mark_row, col, color, _name in self.remote_marks:
            if mark_row != row or row >= self.document.line_count:
                continue
            line = self.document.get_line(row)
            x = self.gutter_width + cell_len(line[:col].expandtabs(self.indent_width)) - scroll_x
            if self.gutter_width <= x < strip.cell_length:
                before, cell, after = strip.divide([x, x + 1, strip.cell_length])
                try:
                    style = Style(bgcolor=color, color="#000000")
                except Exception:
                    style = Style(reverse=True)
                strip = Strip.join([before, cell.apply_style(style), after])
        return strip


class UndoRequest(Message):
    """ctrl+z / ctrl+y in the editor: the pane flushes, then undoes through the document."""

    def __init__(self, redo: bool) -> None:
        super().__init__()
        self.redo = redo


class TextAreaEditor:
    """EditorAdapter (textbind) over a Textual TextArea; positions in code points."""

    def __init__(self, area: TextArea) -> None:
        self.area = area

    def get_text(self) -> str:
        return self.area.text

    def replace(self, start: int, end: int, text: str) -> None:
        doc = document(self.area)
        self.area.replace(
            text,
            doc.get_location_from_index(start),
            doc.get_location_from_index(end),
            maintain_selection_offset=False,
        )

    def get_selection(self) -> tuple[int, int]:
        doc, sel = document(self.area), self.area.selection
        return doc.get_index_from_location(sel.start), doc.get_index_from_location(sel.end)

    def set_selection(self, anchor: int, head: int) -> None:
        doc = document(self.area)
        self.area.selection = Selection(
            doc.get_location_from_index(anchor), doc.get_location_from_index(head)
        )
