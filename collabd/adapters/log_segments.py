"""The hot log's segment files (update_log.py writes them): their names, their records, how
they are read back up to the first hole, preallocated, and put into the tables.

The log is a series of segment files `<db>.log.<n>`, each allocated whole when it is created
(so a full disk fails there, with an error, never at a write into the map). A segment starts
with MAGIC; a record is <u32 length><u32 crc32> then msgpack [ts, [[room, seq, update], ...],
[[room, client, owner], ...]]; when the writer moves on to the next segment it ends the old one
with a seal (a header of two SEALs). A drain starts a new segment, commits the older ones' rows
in one transaction, fsyncs the WAL (and the directory), and only then deletes them: nothing is
unlinked before what replaces it is durable, so after a power loss the updates that survive
are a prefix of what was acknowledged, never a sequence with a hole.

At open every segment is read in order. The unwritten rest of a segment (zeros) or an
incomplete last record followed only by zeros (a write a crash cut short, never acknowledged)
ends it. A damaged record followed by further data, or a segment without its seal followed by
one that holds records, is a hole: the rows before it are replayed, and that segment and every
later one are kept, renamed `<db>.log.<n>.damaged-<time>`, with an error in the log; the rows
after a hole are never replayed (they would leave the document with a gap). A segment is
deleted only once every record in it is in SQLite and fsynced.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import struct
import zlib
from collections.abc import Sequence
from pathlib import Path

import msgpack  # type: ignore[import-untyped]  # ships no type hints

HEADER = struct.Struct("<II")
MAGIC = b"collabd hot log\n"  # 16 bytes; a segment without it is from before seals
SEAL = 0xFFFFFFFF  # a header (SEAL, SEAL): the writer moved on to the next segment
Rows = list[tuple[str, int, bytes, int]]  # room, seq, update, ts
Owners = list[tuple[str, int, str]]  # room, client, owner
ZEROS = bytes(1 << 20)
NO_PREALLOCATION = "the file system does not keep written zeros"


def segments(db_path: Path) -> list[Path]:
    """The log's segment files, oldest first."""
    found = []
    for p in db_path.parent.glob(db_path.name + ".log.*"):
        suffix = p.name.rsplit(".", 1)[1]
        if suffix.isdigit():
            found.append((int(suffix), p))
    return [p for _, p in sorted(found)]


def number(path: Path) -> int:
    return int(path.name.rsplit(".", 1)[1])


class Segment:
    """The whole records of one segment file, and how it ends."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.records: list[tuple[int, Rows, Owners]] = []
        self.sealed = False
        self.legacy = False  # written before seals: none is expected
        self.torn = False  # an incomplete last record (never acknowledged) was dropped
        self.damage = ""  # where a damaged record is followed by more data

    def read(self, data: bytes) -> None:
        pos = 0
        if data.startswith(MAGIC):
            pos = len(MAGIC)
        else:
            self.legacy = True
        while pos + HEADER.size <= len(data):
            size, crc = HEADER.unpack_from(data, pos)
            if size == SEAL and crc == SEAL:
                self.sealed = True
                return
            start = pos + HEADER.size
            end = start + size
            if size == 0 and crc == 0:
                end = start  # the unwritten rest, if zeros follow
            elif end <= len(data) and zlib.crc32(data[start:end]) == crc:
                try:
                    ts, rows, owners = msgpack.unpackb(data[start:end])
                    self.records.append((ts, [(r, s, d, ts) for r, s, d in rows],
                                         [(r, c, o) for r, c, o in owners]))
                    pos = end
                    continue
                except Exception:  # a good checksum over a bad body: damage all the same
                    pass
            rest = end if end <= len(data) else start
            if data.count(0, rest) != len(data) - rest:
                self.damage = f"a damaged record at byte {pos}, followed by more data"
            elif size or crc:
                self.torn = True
            return


def read_segment(path: Path) -> Segment | None:
    """A segment its writer deleted meanwhile is None: its rows are in the tables by then."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    segment = Segment(path)
    segment.read(data)
    return segment


class Scan:
    """What the log holds, in order, up to the first hole; `bad` are the segments from the
    hole on (none when there is no hole), `good` the ones read whole. `below`: only the
    segments numbered lower (the ones an earlier run left)."""

    def __init__(self, db_path: Path, below: int = 0) -> None:
        self.rows: Rows = []
        self.owners: Owners = []
        self.good: list[Path] = []
        self.bad: list[Path] = []
        self.problem = ""
        paths = [p for p in segments(db_path) if not below or number(p) < below]
        read = [s for s in (read_segment(p) for p in paths) if s is not None]
        for i, seg in enumerate(read):
            for _, rows, owners in seg.records:
                self.rows += rows
                self.owners += owners
            if seg.damage:
                self.problem = f"{seg.path.name}: {seg.damage}"
                self.bad = [s.path for s in read[i:]]
                return
            later = read[i + 1:]
            if not seg.sealed and not seg.legacy and any(s.records for s in later):
                self.problem = (f"{seg.path.name} ends without its seal (its last records "
                                "are missing) and later segments hold updates")
                self.bad = [s.path for s in read[i:]]
                return
            self.good.append(seg.path)


def read_all(db_path: Path) -> tuple[Rows, Owners]:
    """The rows and owners of the log, up to its first hole (for a reader of the log)."""
    scan = Scan(db_path)
    return scan.rows, scan.owners


def insert_logged(db: sqlite3.Connection, rows: Rows, owners: Sequence[tuple[str, int, str]],
                  ) -> None:
    """Put logged rows into the tables, in one transaction. OR IGNORE: a crash between a
    drain's commit and the removal of its segments replays rows that are there already; rows
    a compaction's snapshot covers are not wanted (the snapshot holds them, and their rows
    are deleted). Used by the drain, the replay at open and `collabd backup`."""
    db.execute("BEGIN IMMEDIATE")
    try:
        db.executemany(
            "INSERT OR IGNORE INTO doc_updates (room, seq, data, ts) SELECT ?1, ?2, ?3, ?4 "
            "WHERE ?2 > COALESCE((SELECT upto FROM doc_snapshots WHERE room=?1), 0)", rows)
        db.executemany("INSERT OR IGNORE INTO doc_clients (room, client, owner) "
                       "VALUES (?, ?, ?)", owners)
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def allocate(fd: int, size: int, check: bool) -> str:
    """Reserve `size` bytes for the file: posix_fallocate, or where there is none (macOS) or
    the file system refuses it (ZFS: EOPNOTSUPP), zeros written through. Returns how. With
    `check` (the first segment of a run) written zeros must hold space, or OSError."""
    try:
        os.posix_fallocate(fd, 0, size)  # ENOSPC here, not SIGBUS at a write into the map
        return "posix_fallocate"
    except AttributeError:
        how = "zeros written (no posix_fallocate on this platform)"
    except OSError as exc:
        if exc.errno not in (errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS):
            raise
        how = f"zeros written (posix_fallocate refused: {os.strerror(exc.errno)})"
    os.ftruncate(fd, 0)
    done = 0
    while done < size:
        done += os.pwrite(fd, ZEROS[:min(len(ZEROS), size - done)], done)
    if check:
        os.fsync(fd)  # so that the blocks are counted
        if os.fstat(fd).st_blocks * 512 < size:  # zeros compressed away: no space is held
            raise OSError(errno.EOPNOTSUPP, NO_PREALLOCATION)
    return how
