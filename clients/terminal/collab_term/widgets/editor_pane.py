"""The shared code: the editor bound to the document, the other side's cursors, our own undo
and the room's language; read-only when the session says so.

Undo is the shared document's: a Yjs-style undo manager tracks only this client's own
transactions, so ctrl+z undoes your typing (wherever the partner's edits moved it) and never the
partner's, and a partner's keystroke does not throw your history away."""

from __future__ import annotations

import contextlib
from typing import Any

from pycrdt import UndoManager
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Static, TextArea

from collab_client import Client, TextBinding
from collab_client.positions import cp_from_utf16, utf16_from_cp

from ..room_events import SESSION_VIEW, RoomView, Say
from ..roomstate import may_edit
from ..text import textual_language
from .code_area import CodeArea, TextAreaEditor, UndoRequest, document

DEFAULT_LANGUAGE = "python"  # the web client's DEFAULT_LANGUAGE (clients/web/src/editor.js)
LOCAL_ORIGIN = "collab-term"  # origin of our own edits: the undo manager tracks only these


class EditorPane(RoomView, Vertical):
    """The editor and the line naming the other side's cursors."""

    DEFAULT_CSS = "EditorPane #cursors { height: 1; padding: 0 1; }"
    WATCHES = SESSION_VIEW  # may we write, and the default language once we may
    STATUS = frozenset({"awareness", "doc"})  # the remote cursors

    class LanguageShown(Message):
        """The language the code is in now, as the status line says it."""

        def __init__(self, label: str) -> None:
            super().__init__()
            self.label = label

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.area = CodeArea(id="editor", soft_wrap=False, show_line_numbers=True,
                             tab_behavior="indent", read_only=True)
        self.binding: TextBinding | None = None
        self.undo_manager: UndoManager | None = None
        self._cursor_timer: Timer | None = None
        self._cursors_pending = False

    def compose(self) -> ComposeResult:
        yield self.area
        yield Static("", id="cursors")

    def on_mount(self) -> None:
        self.area.theme = "monokai"

    def attach(self, client: Client, say: Say) -> None:
        """Bind the editor to the shared text (the client has synced)."""
        area = self.area
        self.binding = TextBinding(client.doc, client.text, TextAreaEditor(area),
                                   on_remote=self._after_remote_edit, origin=LOCAL_ORIGIN)
        area.history.clear()
        # undo tracks our own transactions only (the binding's); capture_timeout groups a burst
        # of typing into one step, as editors do
        self.undo_manager = UndoManager(scopes=[client.text], capture_timeout_millis=500)
        self.undo_manager.include_origin(LOCAL_ORIGIN)
        area.undo_manager = self.undo_manager
        self.client = client
        self.place_initial_caret()
        client.meta.observe(self._meta_changed)
        super().attach(client, say)
        self.apply_language()

    def _meta_changed(self, _event: object) -> None:
        self.call_later(self.apply_language)  # not inside the doc's transaction

    def close(self) -> None:
        if self.binding is not None:
            self.binding.close()

    def show(self) -> None:
        client = self.client
        if client is None:
            return
        self.ensure_language()  # the session may arrive after the sync
        self.area.read_only = not may_edit(client)

    def room_status(self, kind: str) -> None:
        self.schedule_cursors()

    # -- our edits and caret

    @on(TextArea.Changed, "#editor")
    def editor_changed(self) -> None:
        if self.binding is not None:
            self.binding.flush()
            self.schedule_cursor()

    @on(TextArea.SelectionChanged, "#editor")
    def selection_changed(self) -> None:
        self.schedule_cursor()

    def schedule_cursor(self) -> None:
        if self._cursor_timer is not None:
            self._cursor_timer.stop()
        self._cursor_timer = self.set_timer(0.05, self.publish_cursor)

    def publish_cursor(self) -> None:
        client, binding = self.client, self.binding
        if client is None or binding is None or not client.connected:
            return
        binding.flush()
        anchor, head = binding.editor.get_selection()
        text = binding.mirror
        with contextlib.suppress(ValueError):
            client.set_cursor(utf16_from_cp(text, anchor), utf16_from_cp(text, head))

    @on(UndoRequest)
    def undo_request(self, event: UndoRequest) -> None:
        manager, binding = self.undo_manager, self.binding
        if manager is None or binding is None:
            return
        binding.flush()
        # the change comes back through the binding's observer like a remote edit
        (manager.redo if event.redo else manager.undo)()
        self.schedule_cursor()

    def place_initial_caret(self) -> None:
        """Start where the other person's cursor is, or else at the end of the code."""
        area = self.area
        target = len(area.text)
        if self.client is not None:
            for cur in self.client.remote_cursors():
                if cur["head"] is not None:
                    with contextlib.suppress(ValueError):
                        target = cp_from_utf16(area.text, cur["head"])
                        break
        area.move_cursor(document(area).get_location_from_index(target))
        area.scroll_cursor_visible()

    # -- theirs

    def _after_remote_edit(self, _edits: Any) -> None:
        self.area.history.clear()  # TextArea's own history is not used: undo is the document's
        self.schedule_cursors()

    def schedule_cursors(self) -> None:
        """Redraw remote cursors soon: resolving them reads the doc, which cannot happen inside
        the doc's own change callbacks (pycrdt: "Already in a transaction")."""
        if not self._cursors_pending:
            self._cursors_pending = True
            self.call_later(self.refresh_cursors)

    def refresh_cursors(self) -> None:
        self._cursors_pending = False
        client = self.client
        if client is None:
            return
        area = self.area
        text = self.binding.mirror if self.binding else client.code
        marks = []
        labels = []
        for cur in client.remote_cursors():
            if cur["head"] is None:
                continue
            try:
                cp = cp_from_utf16(text, cur["head"])
                row, col = document(area).get_location_from_index(cp)
            except ValueError:
                continue
            marks.append((row, col, cur["color"], cur["name"]))
            labels.append(f"[{cur['color']}]▍{cur['name']}[/] {row + 1}:{col + 1}")
        if marks != area.remote_marks:
            area.remote_marks = marks
            area.refresh()
        self.query_one("#cursors", Static).update("  ".join(labels))

    # -- the language

    def ensure_language(self) -> None:
        """Write the default language into the shared `meta` when nobody has set one, so this
        client and the browser (which falls back to the same default) agree on what it is."""
        client = self.client
        if client is None or client.meta.get("language"):
            return
        if not may_edit(client) or client.session is None or not client.synced:
            return  # we may not write (yet); the browser shows its default anyway
        client.meta["language"] = DEFAULT_LANGUAGE

    def apply_language(self) -> None:
        if self.client is None:
            return
        area = self.area
        lang = self.client.meta.get("language")
        language = textual_language(lang, set(area.available_languages))
        if language != area.language:
            # TextArea rebuilds its document on a language change and resets the caret: keep it
            selection, scroll = area.selection, area.scroll_offset
            area.language = language
            area.selection = selection
            area.scroll_to(scroll.x, scroll.y, animate=False)
        label = str(lang or "plain")
        if not area.language and label != "plain":
            label += " (no highlighter)"
        self.post_message(self.LanguageShown(label))

