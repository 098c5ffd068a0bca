"""What the two stores share about the recorded call: the empty tail and where a page ends."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

Tail = tuple[int, int, int, int]  # bytes stored, last run, last seq, last ts
NO_TAIL: Tail = (0, -1, -1, 0)


def cut_page(sizes: Sequence[tuple[Any, Any]], budget: int) -> tuple[int | None, bool]:
    """Given (id, size) in id order: the id of the last chunk of a page of at most `budget`
    bytes (at least one chunk), and whether chunks follow it."""
    used = 0
    for i, (_cid, size) in enumerate(sizes):
        if i and used + int(size) > budget:
            return int(sizes[i - 1][0]), True
        used += int(size)
    return (int(sizes[-1][0]), False) if sizes else (None, False)
