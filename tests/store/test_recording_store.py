"""The recorded call's part of the storage port, on both adapters (SPEC 14.4)."""

from __future__ import annotations

from typing import Any

import pytest

from collabd.ports import StoreConflict


def test_chunks_are_stored_paged_and_deleted(store: Any) -> None:
    assert store.recording_tail("r", "p1") == (0, -1, -1, 0)
    assert store.recording_after("r", 0, 100) == ([], False)
    store.append_recording("r", "p1", 0, 0, 1000, 900, b"a" * 40)
    store.append_recording("r", "p2", 3, 0, 1100, 900, b"b" * 40)
    store.append_recording("r", "p1", 0, 1, 1900, 1000, b"\x00" * 40)
    store.append_recording("other", "p1", 0, 0, 5000, 1000, b"o")
    with pytest.raises(StoreConflict):  # one chunk per place in a run
        store.append_recording("r", "p1", 0, 1, 2000, 1000, b"again")
    assert store.recording_tail("r", "p1") == (80, 0, 1, 1900)
    assert store.recording_tail("r", "p2") == (40, 3, 0, 1100)
    rows, more = store.recording_after("r", 0, 80)  # two of 40 bytes fit, a third follows
    assert [(r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows] == [
        ("p1", 0, 0, 1000, 900, b"a" * 40), ("p2", 3, 0, 1100, 900, b"b" * 40)]
    assert more
    rest, more = store.recording_after("r", rows[-1][0], 10)  # at least one, even over budget
    assert [r[6] for r in rest] == [b"\x00" * 40] and not more
    assert store.delete_recordings_before(1100) == 1  # the chunk at 1000 only
    assert [r[4] for r in store.recording_after("r", 0, 1000)[0]] == [1100, 1900]
    assert store.delete_recording("r") == 2
    assert store.recording_after("r", 0, 1000) == ([], False)
    assert store.recording_tail("other", "p1") == (1, 0, 0, 5000)  # other rooms untouched
