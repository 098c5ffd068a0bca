"""The embedded store's hot log (collabd/adapters/update_log.py): what a crash leaves is
replayed, a torn tail is dropped, a failed drain loses nothing, backups and restores see it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from collabd.adapters import log_segments, update_log
from collabd.adapters.sqlite_store import SqliteStore
from collabd.backup import backup, restore
from collabd.ports import StoreConflict, StoreError, StoreUnavailable


def rows_in_tables(path: Path, room: str) -> list[int]:
    db = sqlite3.connect(path)
    try:
        return [s for (s,) in db.execute("SELECT seq FROM doc_updates WHERE room=? ORDER BY seq",
                                          (room,))]
    finally:
        db.close()


def crash(store: SqliteStore) -> None:
    """What kill -9 leaves: the files as they are, the lock released, no drain."""
    assert store.log is not None
    store.log.close()
    for db in store._readers:
        db.close()
    store.db.close()


def test_appended_updates_are_in_the_log_until_drained_and_replayed_after_a_crash(
        tmp_path: Path) -> None:
    path = tmp_path / "collabd.sqlite3"
    store = SqliteStore(path)
    store.append_updates([("r", 1, b"a"), ("r", 2, b"b")], [("r", 7, "p")])
    store.append_updates([("r", 3, b"c")])
    assert rows_in_tables(path, "r") == []  # not drained yet: only the log holds them
    assert len(update_log.segments(path)) == 1
    crash(store)
    again = SqliteStore(path)
    assert rows_in_tables(path, "r") == [1, 2, 3]  # replayed when opened
    assert again.load_doc("r") == ([b"a", b"b", b"c"], 3, {7: "p"})
    assert len(update_log.segments(path)) == 1  # the replayed ones go, a fresh one is open
    assert update_log.read_all(path) == ([], [])
    again.close()


def test_a_torn_last_record_is_dropped_and_the_rest_kept(tmp_path: Path) -> None:
    path = tmp_path / "collabd.sqlite3"
    store = SqliteStore(path)
    store.append_updates([("r", 1, b"a")])
    store.append_updates([("r", 2, b"b")])
    [segment] = update_log.segments(path)
    assert store.log is not None
    end = store.log.pos
    crash(store)
    whole = segment.read_bytes()
    # the second record's copy cut short by the crash: its last bytes never written
    segment.write_bytes(whole[:end - 3] + bytes(len(whole) - end + 3))
    again = SqliteStore(path)
    assert again.load_doc("r") == ([b"a"], 1, {})
    again.append_updates([("r", 2, b"B")])  # the lost seq is free again: it was never acked
    assert again.load_doc("r") == ([b"a", b"B"], 2, {})
    again.close()
    corrupt = SqliteStore(path)
    [segment] = update_log.segments(path)
    corrupt.append_updates([("r", 3, b"c")])
    assert corrupt.log is not None
    end = corrupt.log.pos
    crash(corrupt)
    data = bytearray(segment.read_bytes())
    data[end - 1] ^= 0xFF  # a damaged record fails its checksum
    segment.write_bytes(bytes(data))
    last = SqliteStore(path)
    assert last.load_doc("r") == ([b"a", b"B"], 2, {})
    last.close()


def test_a_failed_drain_keeps_every_row_for_the_next(tmp_path: Path) -> None:
    path = tmp_path / "collabd.sqlite3"
    store = SqliteStore(path)
    store.append_updates([("r", 1, b"a")])
    other = sqlite3.connect(path, isolation_level=None)  # the failure injection: inserts fail
    other.execute("CREATE TRIGGER fail BEFORE INSERT ON doc_updates "
                  "BEGIN SELECT RAISE(FAIL, 'disk I/O error'); END")
    with pytest.raises(StoreError):
        store.checkpoint()
    assert len(update_log.segments(path)) == 2  # nothing deleted: its rows are not in SQLite
    store.append_updates([("r", 2, b"b")])
    assert store.load_doc("r") == ([b"a", b"b"], 2, {})  # read from the log meanwhile
    other.execute("DROP TRIGGER fail")
    other.close()
    store.checkpoint()
    assert rows_in_tables(path, "r") == [1, 2]
    assert update_log.read_all(path) == ([], [])  # committed, so the segments are gone
    store.close()


def test_a_segment_that_fills_up_continues_in_the_next(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(update_log, "SEGMENT_BYTES", 256)
    path = tmp_path / "collabd.sqlite3"
    store = SqliteStore(path)
    for seq in range(1, 41):
        store.append_updates([("r", seq, bytes([seq]) * 20)])
    store.append_updates([("r", 41, b"big" * 200)])  # larger than a segment: one of its own
    assert len(update_log.segments(path)) > 5
    crash(store)
    again = SqliteStore(path)
    updates, last, _ = again.load_doc("r")
    assert last == 41 and updates == [bytes([s]) * 20 for s in range(1, 41)] + [b"big" * 200]
    again.close()


def test_duplicates_are_refused_before_they_reach_the_log(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "collabd.sqlite3")
    store.append_updates([("r", 1, b"a"), ("r", 2, b"b")])
    store.checkpoint()
    store.compact("r", b"snap", 2)
    for batch in ([("r", 2, b"x")], [("r", 3, b"x"), ("r", 3, b"y")], [("r", 1, b"x")]):
        with pytest.raises(StoreConflict):
            store.append_updates(batch)
    store.append_updates([("r", 3, b"c")])
    assert store.load_doc("r") == ([b"snap", b"c"], 3, {})
    store.close()


def test_compaction_drains_first_so_no_covered_row_comes_back(tmp_path: Path) -> None:
    path = tmp_path / "collabd.sqlite3"
    store = SqliteStore(path)
    store.append_updates([("r", 1, b"a"), ("r", 2, b"b")])  # still in the log
    store.compact("r", b"snap", 2)
    store.append_updates([("r", 3, b"c")])
    store.checkpoint()
    assert rows_in_tables(path, "r") == [3]
    assert store.count_updates("r") == 1
    crash(store)
    again = SqliteStore(path)
    assert again.load_doc("r") == ([b"snap", b"c"], 3, {})
    again.close()


def test_a_backup_of_a_live_store_holds_the_logged_updates_and_a_restore_drops_old_segments(
        tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    store = SqliteStore(data / "collabd.sqlite3")
    store.append_updates([("r", 1, b"a")], [("r", 5, "p")])
    store.checkpoint()
    store.append_updates([("r", 2, b"b")])  # only in the log when the backup is taken
    backup(data, tmp_path / "b.sqlite3")
    crash(store)  # the old store's log still holds seq 2 and must not be replayed on top
    restore(tmp_path / "b.sqlite3", data, force=True)
    assert update_log.segments(data / "collabd.sqlite3") == []
    restored = SqliteStore(data / "collabd.sqlite3")
    assert restored.load_doc("r") == ([b"a", b"b"], 2, {5: "p"})
    restored.close()


def test_with_synchronous_full_updates_skip_the_log(tmp_path: Path) -> None:
    path = tmp_path / "collabd.sqlite3"
    store = SqliteStore(path)
    store.append_updates([("r", 1, b"a")])
    crash(store)  # a NORMAL run left seq 1 in the log
    full = SqliteStore(path, synchronous="FULL")
    assert rows_in_tables(path, "r") == [1]  # replayed all the same
    full.append_updates([("r", 2, b"b")])
    assert rows_in_tables(path, "r") == [1, 2]  # committed (and fsynced) in SQLite at once
    assert update_log.read_all(path) == ([], [])
    full.close()


def test_a_drain_that_cannot_start_a_segment_keeps_every_row(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             ) -> None:
    path = tmp_path / "collabd.sqlite3"
    store = SqliteStore(path)
    store.append_updates([("r", 1, b"a")])

    def full(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(update_log.os, "posix_fallocate", full)
    with pytest.raises(StoreUnavailable):
        store.checkpoint()
    assert store.load_doc_now("r") == ([b"a"], 1, {})  # reads merge the log: no drain
    monkeypatch.undo()
    assert store.load_doc("r") == ([b"a"], 1, {})  # nothing was lost meanwhile
    store.checkpoint()
    assert rows_in_tables(path, "r") == [1]
    store.close()


def test_an_append_the_log_refuses_leaves_its_seqs_free(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(update_log, "SEGMENT_BYTES", 256)
    store = SqliteStore(tmp_path / "collabd.sqlite3")
    real = update_log.os.posix_fallocate

    def full(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(update_log.os, "posix_fallocate", full)
    with pytest.raises(StoreUnavailable):  # too big for the segment: a new one; disk full
        store.append_updates([("r", 1, b"x" * 300)])
    monkeypatch.setattr(update_log.os, "posix_fallocate", real)
    store.append_updates([("r", 1, b"y" * 300)])  # the room retries seq 1 once it is reloaded
    assert store.load_doc("r") == ([b"y" * 300], 1, {})
    store.close()


def test_a_segment_deleted_while_another_process_reads_the_log_is_skipped(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "collabd.sqlite3"
    writer = SqliteStore(path)
    writer.append_updates([("r", 1, b"a")])
    reader = SqliteStore(path)  # not the writer: it reads the writer's log as well
    listed = update_log.segments(path)
    writer.checkpoint()  # commits seq 1, then deletes the segment the reader has listed
    monkeypatch.setattr(log_segments, "segments", lambda _: listed)
    assert reader.load_doc("r") == ([b"a"], 1, {})
    monkeypatch.undo()
    reader.close()
    writer.close()


def test_a_flood_of_large_updates_is_drained_at_once_not_held(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(update_log, "MAX_LOGGED_BYTES", 1000)
    path = tmp_path / "collabd.sqlite3"
    store = SqliteStore(path)
    store.append_updates([("r", 1, b"x" * 600)])
    assert rows_in_tables(path, "r") == []  # below the bound: held for the next drain
    store.append_updates([("r", 2, b"y" * 600)])
    assert rows_in_tables(path, "r") == [1, 2]  # past it: drained by the append itself
    store.append_updates([("r", 3, b"z" * 10)])
    assert rows_in_tables(path, "r") == [1, 2]  # the count started again
    store.close()
