"""The client's copy of the room document and awareness (collab_client.Client's editing half).

`DocSync` keeps a pycrdt Doc with the well-known root types, sends local edits as sync updates,
applies the server's without echoing them, follows the other clients' awareness and publishes
ours. Positions in the public methods are UTF-16 indexes, as Yjs counts. Frames go to the
connection's outbox (`_out`, set by the Client while a connection is open); offline edits stay
in the Doc and reach the server with the next SyncStep2.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from pycrdt import Doc, Map, Text

from collab_protocol import (
    AwarenessEntry,
    AwarenessMessage,
    CollabMessage,
    Message,
    ProtocolError,
    SyncUpdate,
    decode_awareness,
    encode,
    encode_awareness,
)

from . import relpos
from .positions import Edit, bytes_from_utf16, diff, utf16_from_cp
from .view import RoomView, SdkError


class DocSync(RoomView):
    """The room's document and awareness, kept in step with the server."""

    def __init__(self) -> None:
        super().__init__()
        self.doc: Doc[Any] = Doc()
        self.text: Text = self.doc.get("code", type=Text)
        self.meta: Map[Any] = self.doc.get("meta", type=Map)
        self.awareness: dict[int, dict[str, Any]] = {}  # other Yjs client id -> state
        self._awareness_clocks: dict[int, int] = {}
        self._out: asyncio.Queue[bytes | None] | None = None  # the open connection's outbox
        # local awareness
        self.local_state: dict[str, Any] | None = {}
        self._local_clock = 0
        # doc bridging
        self._remote = False
        self._before_remote: list[Callable[[], object]] = []
        self._doc_sub = self.doc.observe(self._on_doc_update)

    def _send(self, msg: Message) -> bool:
        if self._out is None:
            return False
        self._out.put_nowait(encode(msg))
        return True

    def _send_request(self, msg: CollabMessage) -> None:
        if not self._send(msg):
            raise SdkError("not_connected", "the client is not connected")

    def apply_update(self, update: bytes) -> None:
        """Merge an update made elsewhere (say, on a fork of the doc) as a local change: editor
        bindings are flushed first, and the update is sent to the server like any local edit."""
        for cb in list(self._before_remote):
            cb()
        self.doc.apply_update(update)

    def _apply_remote(self, update: bytes) -> None:
        for cb in list(self._before_remote):
            cb()
        self._remote = True
        try:
            self.doc.apply_update(update)
        finally:
            self._remote = False

    def _apply_awareness(self, update: bytes) -> None:
        try:
            entries = decode_awareness(update)
        except ProtocolError:
            return
        own = self.doc.client_id
        changed = False
        for e in entries:
            if e.client_id == own:
                continue
            held = self._awareness_clocks.get(e.client_id, -1)
            if e.state_json == "null":
                if e.clock >= held:
                    self._awareness_clocks[e.client_id] = e.clock
                    changed |= self.awareness.pop(e.client_id, None) is not None
                continue
            if e.clock <= held and e.client_id in self.awareness:
                continue
            try:
                state = json.loads(e.state_json)
            except ValueError:
                continue
            if isinstance(state, dict):
                self._awareness_clocks[e.client_id] = e.clock
                self.awareness[e.client_id] = state
                changed = True
        if changed:
            self._changed("awareness")

    def _on_doc_update(self, event: Any) -> None:
        if not self._remote:
            self._send(SyncUpdate(event.update))  # offline: the next sync carries it
        self._changed("doc")

    def before_remote_update(self, callback: Callable[[], object]) -> Callable[[], None]:
        """Call `callback()` just before a server update is applied to the doc: an editor binding
        flushes its pending local edits there, so remote positions stay meaningful."""
        self._before_remote.append(callback)
        return lambda: self._before_remote.remove(callback)

    @property
    def code(self) -> str:
        return str(self.text)

    # ------------------------------------------------------------ editing (UTF-16 positions)

    def insert(self, index_utf16: int, text: str) -> None:
        """Insert `text` at a UTF-16 index (as Yjs counts)."""
        current = str(self.text)
        self.text.insert(bytes_from_utf16(current, index_utf16), text)

    def delete(self, index_utf16: int, length_utf16: int) -> None:
        """Delete `length_utf16` UTF-16 units starting at a UTF-16 index."""
        if length_utf16 <= 0:
            return
        current = str(self.text)
        start = bytes_from_utf16(current, index_utf16)
        end = bytes_from_utf16(current, index_utf16 + length_utf16)
        del self.text[start:end]

    def set_text(self, new: str, cursor: int | None = None) -> Edit | None:
        """Make the text equal `new` with one minimal replacement (common prefix and suffix
        kept). `cursor` (code points, in `new`) places an ambiguous edit at the caret."""
        current = str(self.text)
        edit = diff(current, new, cursor)
        if edit is not None:
            apply_edit(self.doc, self.text, current, edit)
        return edit

    # ------------------------------------------------------------ awareness

    def set_cursor(self, anchor_utf16: int, head_utf16: int | None = None) -> None:
        """Publish our cursor/selection as Yjs relative positions (y-codemirror's
        `cursor: {anchor, head}`), so web editors show it."""
        current = str(self.text)
        head_utf16 = anchor_utf16 if head_utf16 is None else head_utf16
        anchor = relpos.encode(self.text, bytes_from_utf16(current, anchor_utf16), current)
        head = (
            anchor
            if head_utf16 == anchor_utf16
            else relpos.encode(self.text, bytes_from_utf16(current, head_utf16), current)
        )
        self.set_awareness_field("cursor", {"anchor": anchor, "head": head})

    def set_awareness_field(self, key: str, value: Any) -> None:
        state = dict(self.local_state or {})
        if value is None:
            state.pop(key, None)
        else:
            state[key] = value
        self.local_state = state
        self._send_awareness()

    def _send_awareness(self, bump: bool = True) -> None:
        if bump:
            self._local_clock += 1
        state = json.dumps(self.local_state, separators=(",", ":"), ensure_ascii=False)
        self._send(
            AwarenessMessage(
                encode_awareness([AwarenessEntry(self.doc.client_id, self._local_clock, state)])
            )
        )

    def remote_cursors(self) -> list[dict[str, Any]]:
        """The other clients' cursors: [{client_id, name, color, anchor, head}] with anchor and
        head as UTF-16 indexes into the current text (None when they cannot be resolved)."""
        current = str(self.text)
        state = relpos.state_vector(self.doc.get_state())
        out = []
        for client_id, st in sorted(self.awareness.items()):
            cursor = st.get("cursor")
            if not isinstance(cursor, dict):
                continue
            raw_user = st.get("user")
            user: dict[str, Any] = raw_user if isinstance(raw_user, dict) else {}
            ends = []
            for key in ("anchor", "head"):
                b = relpos.decode(self.text, cursor.get(key), state, current)
                ends.append(None if b is None else _utf16_of_bytes(current, b))
            out.append(
                {
                    "client_id": client_id,
                    "name": str(user.get("name", "?")),
                    "color": str(user.get("color", "#888888")),
                    "anchor": ends[0],
                    "head": ends[1],
                }
            )
        return out


def apply_edit(doc: Doc[Any], text: Text, current: str, edit: Edit) -> None:
    """Apply a code-point Edit computed against `current` (== str(text)) in one transaction."""
    raw_start = len(current[: edit.start].encode("utf-8"))
    raw_end = raw_start + len(current[edit.start : edit.end].encode("utf-8"))
    with doc.transaction():
        if raw_end > raw_start:
            del text[raw_start:raw_end]
        if edit.text:
            text.insert(raw_start, edit.text)


def _utf16_of_bytes(s: str, offset: int) -> int:
    raw = s.encode("utf-8")
    return utf16_from_cp(s, len(raw[:offset].decode("utf-8", errors="ignore")))

