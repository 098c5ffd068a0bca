"""Yjs relative positions for the `code` text, computed on a pycrdt document.

A relative position names the character a cursor sits before by that character's Yjs item id
(client, clock), so it survives concurrent edits. y-codemirror.next puts Yjs `RelativePosition`
objects in awareness as `cursor: {anchor, head}`, which JSON turns into all four fields:
`{"type": null, "tname": null, "item": {"client": c, "clock": k}, "assoc": 0}`, or
`{"type": null, "tname": "code", "item": null, "assoc": 0}` for the end of the text. We publish
exactly that shape. Every field must be there: y-codemirror.next hands the plain awareness object
to `Y.createAbsolutePositionFromRelativePosition`, which tests `item !== null` and `type !==
null`, so a missing `item` reads as present and crashes the browser's cursor plugin for the
rest of the session (issue 13).

pycrdt 0.14's `Text.sticky_index` is not usable for this as is: inside one item it counts the
offset in UTF-8 bytes, while Yjs clocks count UTF-16 units, so after a non-ASCII character the
clock it reports is wrong for every Yjs peer; and it panics (a Rust abort message on stderr) at
the end of the text or for an unknown client. This module works around both:

* encoding: it inserts a character at the position in a throw-away copy of the document and
  reads the id of the new item's right neighbour (its right origin) from the copy's update,
  where Yjs integration has written it in true Yjs clocks. The end of the text is encoded by
  hand. (tests/client/test_relpos.py checks both directions against the real Yjs.)
* decoding: pycrdt's answer is never past the true position; from there it steps forward one
  character at a time, tracking the corrected clock, until it reaches the wanted clock. Ids of
  clients the document has never seen are refused before pycrdt can panic on them.

All positions taken and returned here are UTF-8 byte offsets into `str(text)`; callers convert
(see positions.py).
"""

from __future__ import annotations

from typing import Any

from pycrdt import Assoc, Doc, StickyIndex, Text

from collab_protocol.lib0 import Reader

TEXT_NAME = "code"  # the root type the SDK binds (SPEC section 10)


def state_vector(update: bytes) -> dict[int, int]:
    """Decode an encoded Yjs state vector (`doc.get_state()`)."""
    r = Reader(update)
    n = r.read_var_uint()
    out: dict[int, int] = {}
    for _ in range(n):
        client = r.read_var_uint()
        out[client] = r.read_var_uint()
    return out


def _raw(text: Text, offset: int) -> tuple[int, int]:
    js = text.sticky_index(offset, Assoc.AFTER).to_json()
    item = js["item"]
    return int(item["client"]), int(item["clock"])


def encode(text: Text, offset: int, s: str | None = None) -> dict[str, Any]:
    """The Yjs relative position (JSON form, assoc 0) of byte offset `offset`: the id of the
    character at that offset, exactly as Yjs numbers it.

    pycrdt cannot tell us that id directly (see the module docstring), but Yjs integration can:
    a character inserted at `offset` into a throw-away copy of the document gets, as its *right
    origin*, the id of the item right of the insertion point, and that id is written into the
    copy's update in plain Yjs clocks. Resolved by any Yjs peer it gives back `offset` (when the
    right neighbour is a deleted item, Yjs resolves it to where it was, which is the same place).
    """
    if s is None:
        s = str(text)
    raw = s.encode("utf-8")
    if offset >= len(raw):
        return end_of_text()
    doc = text.doc
    fork: Doc[Any] = Doc()
    fork.apply_update(doc.get_update())
    before = fork.get_state()
    fork.get(TEXT_NAME, type=Text).insert(offset, "\u0000")
    right = _right_origin(fork.get_update(before))
    if right is None:
        return end_of_text()
    return {
        "type": None,
        "tname": None,
        "item": {"client": right[0], "clock": right[1]},
        "assoc": 0,
    }


def end_of_text() -> dict[str, Any]:
    """The relative position of the end of the `code` text, as Yjs writes it."""
    return {"type": None, "tname": TEXT_NAME, "item": None, "assoc": 0}


def _right_origin(update: bytes) -> tuple[int, int] | None:
    """The right origin of the single item a one-insert v1 update carries."""
    r = Reader(update)
    if r.read_var_uint() != 1 or r.read_var_uint() < 1:
        return None
    r.read_var_uint()  # client
    r.read_var_uint()  # clock
    info = r.read_uint8()
    if info & 0x80:  # has an origin (the left neighbour)
        r.read_var_uint()
        r.read_var_uint()
    if info & 0x40:  # has a right origin
        return r.read_var_uint(), r.read_var_uint()
    return None


def decode(text: Text, rel: Any, state: dict[int, int], s: str | None = None) -> int | None:
    """The byte offset a relative position (JSON form) points at now, or None if unknown."""
    if not isinstance(rel, dict):
        return None
    if s is None:
        s = str(text)
    raw = s.encode("utf-8")
    assoc = rel.get("assoc", 0)
    assoc = assoc if isinstance(assoc, int | float) and not isinstance(assoc, bool) else 0
    item = rel.get("item")
    if item is None:
        if rel.get("tname") is not None or rel.get("type") is not None:
            return len(raw) if assoc >= 0 else 0
        return None
    if not isinstance(item, dict):
        return None
    client, clock = item.get("client"), item.get("clock")
    if not (isinstance(client, int) and isinstance(clock, int)) or isinstance(client, bool):
        return None
    if clock < 0 or clock >= state.get(client, 0):
        return None  # pycrdt would panic on an id it does not hold
    try:
        guess = StickyIndex.from_json(
            {"item": {"client": client, "clock": clock}, "assoc": 0}, text
        ).get_index()
    except Exception:
        return None
    guess = max(0, min(int(guess), len(raw)))
    while guess > 0 and guess < len(raw) and (raw[guess] & 0xC0) == 0x80:
        guess -= 1  # pycrdt may land inside a UTF-8 sequence
    found = _walk_to(text, raw, guess, client, clock)
    pos = guess if found is None else found
    if assoc < 0 and found is not None and pos < len(raw):
        pos += _char_len(raw, pos)  # assoc -1 means "just after that character"
    return pos


def _char_len(raw: bytes, pos: int) -> int:
    n = 1
    while pos + n < len(raw) and (raw[pos + n] & 0xC0) == 0x80:
        n += 1
    return n


def _walk_to(text: Text, raw: bytes, start: int, client: int, clock: int) -> int | None:
    if start >= len(raw):
        return None
    here = encode(text, start, raw.decode("utf-8"))
    item = here.get("item")
    if not item or item["client"] != client:
        return None
    true_clock = item["clock"]
    raw_client, raw_clock = _raw(text, start)
    pos = start
    while true_clock < clock:
        nb = _char_len(raw, pos)
        units = 2 if nb == 4 else 1
        pos += nb
        if pos >= len(raw):
            return None
        c2, k2 = _raw(text, pos)
        if c2 != raw_client or k2 != raw_clock + (pos - start):
            return None  # left the item without finding the clock: deleted or moved
        true_clock += units
    return pos if true_clock == clock else None
