"""The hot log under faults: power loss, damaged records, a file system without fallocate, a
replay that must agree with backup (collabd/adapters/update_log.py).

Power loss is modelled on the files: SQLite's database and WAL are durable as they were at the
last fsync the store asked for (the test sees each one), the log's segments are memory maps the
kernel writes back page by page in any order (each page of a segment is either written or still
zeros), and an unlink may or may not have reached the disk. Whatever survives, the updates of a
room replayed after the reboot must be 1..k: only a suffix may be missing, never the middle.
"""

from __future__ import annotations

import errno
import logging
import os
import random
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from collabd.adapters import update_log
from collabd.adapters.sqlite_store import SqliteStore
from collabd.backup import backup

ROOMS = ("a", "b", "c")
PAGE = 4096


def seqs(path: Path, room: str) -> list[int]:
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


class Disk:
    """What a power loss leaves of the data directory at any moment of the run."""

    def __init__(self, data: Path, images: Path) -> None:
        self.data = data
        self.images = images
        self.durable: dict[str, bytes] = {}  # the database files as of the last fsync
        self.synced_rows: dict[str, int] = {}  # per room: rows in the tables at that fsync
        self.crashes = 0

    def capture(self) -> None:
        for name in ("collabd.sqlite3", "collabd.sqlite3-wal"):
            path = self.data / name
            if path.exists():
                self.durable[name] = path.read_bytes()
        db = sqlite3.connect(f"file:{self.data / 'collabd.sqlite3'}?mode=ro", uri=True)
        try:
            self.synced_rows = {r: n for r, n in db.execute(
                "SELECT room, COUNT(*) FROM doc_updates GROUP BY room")}
        finally:
            db.close()

    def fsynced(self, fd: int) -> None:
        name = os.readlink(f"/proc/self/fd/{fd}")
        if name.startswith(str(self.data / "collabd.sqlite3")) or name == str(self.data):
            self.capture()

    def power_loss(self, rng: random.Random, unlinking: list[Path]) -> Path:
        """A directory holding what may be on the disk after a power loss now."""
        self.crashes += 1
        out = self.images / f"crash-{self.crashes}"
        out.mkdir()
        for name, data in self.durable.items():
            (out / name).write_bytes(data)
        for seg in update_log.segments(self.data / "collabd.sqlite3"):
            if seg in unlinking and rng.random() < 0.5:
                continue  # this unlink reached the disk
            data = bytearray(seg.read_bytes())
            for page in range(0, len(data), PAGE):
                if rng.random() < 0.3 and any(data[page:page + PAGE]):
                    data[page:page + PAGE] = bytes(len(data[page:page + PAGE]))
            (out / seg.name).write_bytes(bytes(data))
        return out


def check_image(image: Path, synced: dict[str, int], appended: dict[str, int]) -> None:
    store = SqliteStore(image / "collabd.sqlite3")
    store.close()
    for room in ROOMS:
        got = seqs(image / "collabd.sqlite3", room)
        assert got == list(range(1, len(got) + 1)), f"room {room}: a hole in {got}"
        # what was fsynced into SQLite before the crash survived it
        assert len(got) >= synced.get(room, 0)
        assert len(got) <= appended[room]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_after_a_power_loss_only_a_suffix_of_a_rooms_updates_can_be_missing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    rng = random.Random(seed)
    data = tmp_path / "data"
    path = data / "collabd.sqlite3"
    store = SqliteStore(path)
    disk = Disk(data, tmp_path)
    disk.capture()  # the empty store, as created
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        real_fsync(fd)
        disk.fsynced(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    images: list[tuple[Path, dict[str, int], dict[str, int]]] = []
    appended = dict.fromkeys(ROOMS, 0)
    real_unlink = os.unlink

    def append(n: int) -> None:
        for _ in range(n):
            room = rng.choice(ROOMS)
            appended[room] += 1
            store.append_updates([(room, appended[room], rng.randbytes(rng.randrange(20, 200)))])

    def unlink(target: Any, *args: Any, **kwargs: Any) -> None:
        name = Path(target).name
        if name.startswith("collabd.sqlite3.log.") and name.rsplit(".", 1)[1].isdigit():
            # the loop goes on appending while the worker drains; the power fails just as
            # a drained segment is unlinked (the moment the old hot log lost the middle)
            append(5)
            n = int(name.rsplit(".", 1)[1])
            unlinking = [p for p in update_log.segments(path) if update_log.number(p) <= n]
            images.append((disk.power_loss(rng, unlinking), dict(disk.synced_rows),
                           dict(appended)))
        real_unlink(target, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", unlink)
    for step in range(6):
        append(150)
        if step % 2:
            images.append((disk.power_loss(rng, []), dict(disk.synced_rows), dict(appended)))
        store.checkpoint()
        disk.capture()  # SQLite's own checkpoint fsyncs the WAL and the database (unseen)
    images.append((disk.power_loss(rng, []), dict(disk.synced_rows), dict(appended)))
    monkeypatch.undo()
    crash(store)
    assert len(images) >= 6
    for image, synced, upto in images:
        check_image(image, synced, upto)


def log_with_damage(tmp_path: Path, damage: Any) -> tuple[Path, Path, list[int]]:
    """20 acknowledged updates in one segment, then a crash; `damage` edits the 6th record.
    Returns the store's path, the segment and each record's start."""
    path = tmp_path / "collabd.sqlite3"
    store = SqliteStore(path)
    starts = []
    for seq in range(1, 21):
        assert store.log is not None
        starts.append(store.log.pos)
        store.append_updates([("r", seq, b"update %d " % seq + bytes(40))])
    [segment] = update_log.segments(path)
    crash(store)
    data = bytearray(segment.read_bytes())
    damage(data, starts[5], starts[6])
    segment.write_bytes(bytes(data))
    return path, segment, starts


def flip_a_byte(data: bytearray, start: int, end: int) -> None:
    data[start + 12] ^= 0x40


def cut_the_copy_short(data: bytearray, start: int, end: int) -> None:
    data[end - 5:end] = bytes(5)  # the record's last bytes never written, the next ones were


@pytest.mark.parametrize("damage", [flip_a_byte, cut_the_copy_short])
def test_a_damaged_record_in_the_middle_keeps_its_segment_and_says_so(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, damage: Any) -> None:
    path, segment, _ = log_with_damage(tmp_path, damage)
    original = segment.read_bytes()
    with caplog.at_level(logging.ERROR, logger="collabd.store"):
        store = SqliteStore(path)
    assert store.load_doc("r")[1] == 5  # the records before the damage
    store.close()
    assert seqs(path, "r") == [1, 2, 3, 4, 5]
    kept = list(tmp_path.glob(segment.name + ".damaged-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == original  # kept whole, not deleted
    assert not segment.exists()
    [message] = [r.getMessage() for r in caplog.records if "hole" in r.getMessage()]
    assert segment.name in message and kept[0].name in message
    again = SqliteStore(path)  # the next start does not replay the kept segment
    assert again.load_doc("r")[1] == 5
    again.close()


def test_only_zeros_or_a_cut_last_record_end_a_segment_quietly(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "collabd.sqlite3"
    store = SqliteStore(path)
    for seq in range(1, 4):
        store.append_updates([("r", seq, b"x" * 50)])
    assert store.log is not None
    end = store.log.pos
    [segment] = update_log.segments(path)
    crash(store)
    data = bytearray(segment.read_bytes())
    data[end - 7:end] = bytes(7)
    segment.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING, logger="collabd.store"):
        store = SqliteStore(path)
    assert store.load_doc("r")[1] == 2
    store.close()
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert not segment.exists()  # replayed whole, then deleted
    assert not list(tmp_path.glob("*.damaged-*"))


def test_a_segment_without_its_seal_before_one_with_records_is_a_hole(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The last pages of a segment lost (zeros where its last records and seal were) while
    the next segment's pages reached the disk: replaying the next would leave a gap."""
    path = tmp_path / "collabd.sqlite3"
    store = SqliteStore(path)
    store.append_updates([("r", 1, b"a" * 50)])
    assert store.log is not None
    second = store.log.pos
    store.append_updates([("r", 2, b"b" * 50)])
    first_segment = update_log.segments(path)[0]
    store.log.move(store.db)  # seals the segment and starts the next one...
    store.db.execute("DELETE FROM doc_updates")  # ...as if that commit never reached the disk
    store.append_updates([("r", 3, b"c" * 50)])
    crash(store)
    data = bytearray(first_segment.read_bytes())
    data[second:second + 100] = bytes(100)  # record 2 and the seal lost
    first_segment.write_bytes(bytes(data))
    with caplog.at_level(logging.ERROR, logger="collabd.store"):
        again = SqliteStore(path)
    assert again.load_doc("r")[1] == 1
    again.close()
    assert seqs(path, "r") == [1]
    assert len(list(tmp_path.glob("*.damaged-*"))) == 2  # that segment and the next, kept
    assert any("seal" in r.getMessage() for r in caplog.records)


def test_replay_skips_rows_a_snapshot_covers_as_backup_does(tmp_path: Path) -> None:
    """A compaction's rows still in a segment whose unlink did not happen (or did not reach
    the disk) must not come back below the snapshot."""
    data = tmp_path / "data"
    path = data / "collabd.sqlite3"
    store = SqliteStore(path)
    store.append_updates([("r", 1, b"a"), ("r", 2, b"b")])
    [segment] = update_log.segments(path)
    copy = segment.read_bytes()
    store.compact("r", b"snap", 2)
    if segment.exists():  # kept until a drain has fsynced the commit that moved its rows
        copy = segment.read_bytes()
    store.append_updates([("r", 3, b"c")])
    crash(store)
    segment.write_bytes(copy)  # rows 1 and 2 in it, as a crash (or a lost unlink) leaves it
    assert backup(data, tmp_path / "copy.sqlite3")["doc_updates"] == 1
    again = SqliteStore(path)
    assert again.load_doc("r") == ([b"snap", b"c"], 3, {})
    assert again.count_updates("r") == 1
    again.close()
    assert seqs(path, "r") == [3]


def run_a_crash_and_replay(path: Path) -> None:
    store = SqliteStore(path)
    assert store.log is not None and store.log.hot
    assert store.log.preallocation.startswith("zeros written")
    store.append_updates([("r", 1, b"a")])
    store.checkpoint()  # the next segment: smaller, its zeros are written at every drain
    assert update_log.segments(path)[-1].stat().st_size == update_log.SMALL_SEGMENT_BYTES
    store.append_updates([("r", 2, b"b")])
    crash(store)
    again = SqliteStore(path)
    assert again.load_doc("r") == ([b"a", b"b"], 2, {})
    again.close()
    assert seqs(path, "r") == [1, 2]


def test_without_posix_fallocate_segments_are_preallocated_with_zeros(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.delattr(os, "posix_fallocate")  # macOS
    with caplog.at_level(logging.WARNING, logger="collabd.store"):
        run_a_crash_and_replay(tmp_path / "collabd.sqlite3")
    assert any("no posix_fallocate" in r.getMessage() for r in caplog.records)


def test_where_fallocate_is_refused_segments_are_preallocated_with_zeros(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    def refuse(*_: object) -> None:
        raise OSError(errno.EOPNOTSUPP, os.strerror(errno.EOPNOTSUPP))  # ZFS

    monkeypatch.setattr(os, "posix_fallocate", refuse)
    with caplog.at_level(logging.WARNING, logger="collabd.store"):
        run_a_crash_and_replay(tmp_path / "collabd.sqlite3")
    assert any("posix_fallocate refused" in r.getMessage() for r in caplog.records)


def test_where_written_zeros_hold_no_space_the_store_runs_without_the_hot_log(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """A file system that compresses zeros away (ZFS with compression) keeps no space for the
    map: then updates commit to SQLite directly."""
    def refuse(*_: object) -> None:
        raise OSError(errno.EOPNOTSUPP, os.strerror(errno.EOPNOTSUPP))

    real_fstat = os.fstat

    def sparse(fd: int) -> Any:
        st = real_fstat(fd)
        values = list(st)
        return os.stat_result(values, {"st_blocks": 0, "st_blksize": st.st_blksize})

    monkeypatch.setattr(os, "posix_fallocate", refuse)
    monkeypatch.setattr(os, "fstat", sparse)
    path = tmp_path / "collabd.sqlite3"
    with caplog.at_level(logging.WARNING, logger="collabd.store"):
        store = SqliteStore(path)
    monkeypatch.undo()
    assert store.log is not None and not store.log.hot
    assert any("hot log is off" in r.getMessage() for r in caplog.records)
    store.append_updates([("r", 1, b"a")])
    assert seqs(path, "r") == [1]  # in SQLite at once
    store.close()
