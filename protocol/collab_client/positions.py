"""Text positions in the three units the client deals with, and minimal diffs.

* Python strings, and so Textual's TextArea columns, count **code points**.
* Yjs, y-codemirror and browsers count **UTF-16 code units** ("a🌍b" has length 4).
* pycrdt counts **UTF-8 bytes** ("a🌍b" has length 6).

Everything here is pure and works on plain `str`. The conversions raise ValueError for an
index that falls inside a character (the middle of a surrogate pair or of a UTF-8 sequence),
because silently rounding would corrupt text.
"""

from __future__ import annotations

from dataclasses import dataclass


def utf16_len(s: str) -> int:
    """Length of `s` in UTF-16 code units."""
    return len(s) + sum(1 for ch in s if ord(ch) > 0xFFFF)


def utf8_len(s: str) -> int:
    return len(s.encode("utf-8"))


def cp_from_utf16(s: str, index16: int) -> int:
    """The code point index of UTF-16 index `index16` in `s`."""
    if index16 < 0:
        raise ValueError("negative index")
    units = 0
    for cp, ch in enumerate(s):
        if units == index16:
            return cp
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > index16:
            raise ValueError(f"UTF-16 index {index16} splits a surrogate pair")
    if units == index16:
        return len(s)
    raise ValueError(f"UTF-16 index {index16} is past the end ({units})")


def utf16_from_cp(s: str, cp: int) -> int:
    if not 0 <= cp <= len(s):
        raise ValueError(f"code point index {cp} out of range 0..{len(s)}")
    return utf16_len(s[:cp])


def bytes_from_cp(s: str, cp: int) -> int:
    if not 0 <= cp <= len(s):
        raise ValueError(f"code point index {cp} out of range 0..{len(s)}")
    return utf8_len(s[:cp])


def cp_from_bytes(s: str, offset: int) -> int:
    """The code point index of UTF-8 byte offset `offset` in `s`."""
    raw = s.encode("utf-8")
    if not 0 <= offset <= len(raw):
        raise ValueError(f"byte offset {offset} out of range 0..{len(raw)}")
    if offset < len(raw) and (raw[offset] & 0xC0) == 0x80:
        raise ValueError(f"byte offset {offset} is inside a UTF-8 sequence")
    return len(raw[:offset].decode("utf-8"))


def bytes_from_utf16(s: str, index16: int) -> int:
    return bytes_from_cp(s, cp_from_utf16(s, index16))


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace `old[start:end]` (code points) with `text`."""

    start: int
    end: int
    text: str

    def apply(self, s: str) -> str:
        return s[: self.start] + self.text + s[self.end :]


def diff(old: str, new: str, cursor: int | None = None) -> Edit | None:
    """The smallest single replacement turning `old` into `new` (None if they are equal).

    When the changed region could slide (typing "a" into "aa" could be an insert at 0, 1 or 2),
    `cursor` — the caret position in `new` after the edit — picks the placement that ends at the
    caret, which is where the user actually typed. That matters for concurrent edits: the other
    side's cursor and inserts land relative to the real insertion point.
    """
    if old == new:
        return None
    lo, ln = len(old), len(new)
    limit = min(lo, ln)
    prefix = 0
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit and old[lo - 1 - suffix] == new[ln - 1 - suffix]:
        suffix += 1
    total = min(prefix + suffix, limit)  # characters kept, split between prefix and suffix
    inserted = ln - total
    lowest = max(0, total - suffix)
    highest = min(prefix, total)
    p = highest
    if cursor is not None:
        p = min(max(cursor - inserted, lowest), highest)
    s = total - p
    return Edit(p, lo - s, new[p : ln - s])


def transform_caret(caret: int, start: int, deleted: int, inserted: int) -> int:
    """Where a caret goes when someone else replaces `deleted` code points at `start` with
    `inserted` ones.

    The rule: an edit moves the caret only if it lies before it. An insertion exactly at the
    caret leaves it in place (the other person's text appears after it); a deletion that spans
    the caret pulls it to the start of the deletion.
    """
    if caret <= start:
        return caret
    if caret >= start + deleted:
        return caret - deleted + inserted
    return start
