"""Yjs relative positions for the `code` text, computed on a pycrdt document.

A relative position names the character a cursor sits before by that character's Yjs item id
(client, clock), so it survives concurrent edits. y-codemirror puts them in awareness as
`cursor: {anchor, head}` in `Y.relativePositionToJSON` form:
`{"item": {"client": c, "clock": k}, "assoc": 0}`, or `{"tname": "code", "assoc": 0}` for the end
of the text.

pycrdt 0.14's `Text.sticky_index` is not usable for this as is: inside one item it counts the
offset in UTF-8 bytes, while Yjs clocks count UTF-16 units, so after a non-ASCII character the
clock it reports is wrong for every Yjs peer; and it panics (a Rust abort message on stderr) at
the end of the text or for an unknown client. This module works around both:

* encoding: it asks pycrdt for the raw (client, clock), then walks back over the non-ASCII
  characters of the same item and subtracts the difference between their UTF-8 and UTF-16
  lengths. Whether a character belongs to the same item is recognised by pycrdt's raw clocks
  running in step with byte offsets. The end of the text is encoded by hand.
* decoding: pycrdt's answer is never past the true position; from there it steps forward one
  character at a time, tracking the corrected clock, until it reaches the wanted clock. Ids of
  clients the document has never seen are refused before pycrdt can panic on them.

All positions taken and returned here are UTF-8 byte offsets into `str(text)`; callers convert
(see positions.py).
"""

from __future__ import annotations

from typing import Any

from pycrdt import Assoc, StickyIndex, Text

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
    """The Yjs relative position (JSON form, assoc 0) of byte offset `offset`."""
    if s is None:
        s = str(text)
    raw = s.encode("utf-8")
    if offset >= len(raw):
        return {"tname": TEXT_NAME, "assoc": 0}
    client, clock = _raw(text, offset)
    correction = 0
    # Walk back over the non-ASCII characters before the offset while they are in the same item.
    prefix = raw[:offset].decode("utf-8")
    pos = offset
    for ch in reversed(prefix):
        nb = len(ch.encode("utf-8"))
        pos -= nb
        if nb == 1:
            continue
        c2, k2 = _raw(text, pos)
        if c2 != client or k2 != clock - (offset - pos):
            break
        correction += nb - (2 if ord(ch) > 0xFFFF else 1)
    return {"item": {"client": client, "clock": clock - correction}, "assoc": 0}


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
