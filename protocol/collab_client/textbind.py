"""Two-way binding between an editor buffer and the shared `code` Y.Text.

The editor is anything that satisfies `EditorAdapter` (Textual's TextArea in the app, a plain
string buffer in the tests). Positions on the editor side are code points; the Y.Text counts
UTF-8 bytes; the binding converts.

* Local edits: the editor changes its own buffer; `flush()` compares the buffer with `mirror`
  (the text both sides last agreed on) and applies the one minimal replacement to the Y.Text,
  placing an ambiguous change at the caret (see positions.diff).
* Remote edits: the Y.Text's change event carries a delta in UTF-8 bytes; the binding turns it
  into code-point replacements, applies them to the editor and moves the selection with
  `positions.transform_caret`: an edit moves the caret only if it lies before it.

The owner calls `flush()` before applying a remote update (the SDK's `before_remote_update`
hook does this), so that remote positions refer to text the editor still has. If a remote change
arrives while the editor holds unflushed text anyway, its edits are mapped around the pending
local change (which stays pending and is flushed later), so neither side is lost.

Invariant (tested with hypothesis): after `flush()`, `editor.get_text() == mirror == str(text)`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from pycrdt import Doc, Text

from .positions import Edit, diff, transform_caret


class EditorAdapter(Protocol):
    def get_text(self) -> str: ...

    def replace(self, start: int, end: int, text: str) -> None:
        """Replace code points [start, end) with `text` (a remote change: not to be echoed)."""

    def get_selection(self) -> tuple[int, int]:
        """(anchor, head) in code points."""

    def set_selection(self, anchor: int, head: int) -> None: ...


def delta_to_edits(old: str, delta: list[dict[str, Any]]) -> list[Edit]:
    """Turn a pycrdt text delta (UTF-8 byte retains/deletes) on `old` into code-point edits,
    each relative to the text as left by the edits before it."""
    raw = old.encode("utf-8")
    at_byte = 0  # position in the old text, bytes
    at_cp = 0  # position in the text being rebuilt, code points
    edits: list[Edit] = []
    for op in delta:
        if "retain" in op:
            n = int(op["retain"])
            at_cp += len(raw[at_byte : at_byte + n].decode("utf-8"))
            at_byte += n
        elif "delete" in op:
            n = int(op["delete"])
            gone = len(raw[at_byte : at_byte + n].decode("utf-8"))
            at_byte += n
            edits.append(Edit(at_cp, at_cp + gone, ""))
        elif "insert" in op:
            ins = op["insert"]
            s = ins if isinstance(ins, str) else ""  # embeds have no text in the editor
            if s:
                edits.append(Edit(at_cp, at_cp, s))
                at_cp += len(s)
    return edits


class TextBinding:
    def __init__(
        self,
        doc: Doc[Any],
        text: Text,
        editor: EditorAdapter,
        on_remote: Callable[[list[Edit]], None] | None = None,
        origin: Any = None,
    ) -> None:
        self.doc = doc
        self.origin = origin  # of the transactions of local edits (an undo manager tracks it)
        self.text = text
        self.editor = editor
        self.on_remote = on_remote
        self.mirror = str(text)
        self._local = False
        current = editor.get_text()
        if current != self.mirror:
            editor.replace(0, len(current), self.mirror)
            editor.set_selection(0, 0)
        self._sub = text.observe(self._on_text_event)

    def close(self) -> None:
        try:
            self.text.unobserve(self._sub)
        except (ValueError, KeyError):
            pass

    @property
    def pending(self) -> bool:
        return self.editor.get_text() != self.mirror

    def flush(self) -> Edit | None:
        """Send the editor's unsynced change to the Y.Text as one minimal replacement."""
        new = self.editor.get_text()
        if new == self.mirror:
            return None
        _, head = self.editor.get_selection()
        edit = diff(self.mirror, new, head)
        assert edit is not None
        start_b = len(self.mirror[: edit.start].encode("utf-8"))
        end_b = start_b + len(self.mirror[edit.start : edit.end].encode("utf-8"))
        self._local = True
        try:
            with self.doc.transaction(origin=self.origin):
                if end_b > start_b:
                    del self.text[start_b:end_b]
                if edit.text:
                    self.text.insert(start_b, edit.text)
        finally:
            self._local = False
        self.mirror = new
        return edit

    def _on_text_event(self, event: Any) -> None:
        if self._local:
            return
        edits = delta_to_edits(self.mirror, event.delta)
        if not edits:
            return
        editor_text = self.editor.get_text()
        anchor, head = self.editor.get_selection()
        pending = diff(self.mirror, editor_text, head) if editor_text != self.mirror else None
        applied: list[Edit] = []
        for e in edits:
            target: Edit | None = e
            if pending is not None:
                target, pending = _map_around(e, pending, self.mirror)
            self.mirror = e.apply(self.mirror)
            if target is None:
                continue
            self.editor.replace(target.start, target.end, target.text)
            deleted, inserted = target.end - target.start, len(target.text)
            anchor = transform_caret(anchor, target.start, deleted, inserted)
            head = transform_caret(head, target.start, deleted, inserted)
            applied.append(target)
        self.editor.set_selection(anchor, head)
        if self.on_remote is not None:
            self.on_remote(applied)


def _map_around(remote: Edit, pending: Edit, mirror: str) -> tuple[Edit | None, Edit | None]:
    """Map a remote edit of `mirror` onto an editor buffer that also holds `pending` (an edit of
    `mirror` not yet flushed). Returns the edit to apply to the editor and `pending` re-expressed
    on the new mirror (None when nothing is left to do).

    Where the two touch the same characters, both deletions win and the remote text goes just
    before the pending text: the result is mirror[:a] + remote.text + pending.text + mirror[b:]
    with [a, b) the union of the two replaced ranges.
    """
    rs, re_, rt = remote.start, remote.end, remote.text
    ps, pe, pt = pending.start, pending.end, pending.text
    grow = len(rt) - (re_ - rs)
    if re_ <= ps:  # before the pending edit (an insert at its start goes before it)
        return remote, Edit(ps + grow, pe + grow, pt)
    if rs >= pe:  # after it
        shift = len(pt) - (pe - ps)
        return Edit(rs + shift, re_ + shift, rt), pending
    a, b = min(rs, ps), max(re_, pe)
    before = pending.apply(mirror)
    after = mirror[:a] + rt + pt + mirror[b:]
    return diff(before, after), diff(remote.apply(mirror), after)
