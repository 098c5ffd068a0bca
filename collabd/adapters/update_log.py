"""The embedded store's hot log: document updates are durable once appended here.

A SQLite commit costs about 20 us and a few pages written to the WAL per update. Here a
commit is a copy into a shared memory map of the segment file: no system call, and it survives
a crash of the process just as a WAL commit with synchronous=NORMAL does (both sit in the page
cache, which the kernel writes back). SqliteStore moves the logged rows into its tables in one
transaction about once a second, off the event loop, and replays what a crash left here when it
opens.

The log is a series of segment files `<db>.log.<n>`, each allocated whole when it is created
(so a full disk fails there, with an error, never at a write into the map). A drain starts a
new segment, commits the rows of the older ones, then deletes them, so a crash at any point
leaves every row either in SQLite or in a segment (or both: rows are inserted with OR IGNORE).
A record is <u32 length><u32 crc32> then msgpack [ts, [[room, seq, update], ...], [[room,
client, owner], ...]]; the zeros after the last record, or a torn or damaged record, end the
replay of a segment.

Only one process writes the log: the one holding the lock file. Another process opening the
same store (a CLI command next to a running server) gets no log and writes to SQLite directly.
"""

from __future__ import annotations

import fcntl
import mmap
import os
import struct
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path

import msgpack  # type: ignore[import-untyped]  # ships no type hints

HEADER = struct.Struct("<II")
SEGMENT_BYTES = 4 << 20
Rows = list[tuple[str, int, bytes, int]]  # room, seq, update, ts
Owners = list[tuple[str, int, str]]  # room, client, owner


def segments(db_path: Path) -> list[Path]:
    """The log's segment files, oldest first."""
    found = []
    for p in db_path.parent.glob(db_path.name + ".log.*"):
        suffix = p.name.rsplit(".", 1)[1]
        if suffix.isdigit():
            found.append((int(suffix), p))
    return [p for _, p in sorted(found)]


def read_segment(path: Path) -> Iterator[tuple[int, Rows, Owners]]:
    """(ts, rows, owners) of each whole record of a segment, stopping at a torn tail. A segment
    its writer deleted meanwhile has nothing to say: its rows are in the tables by then."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return
    pos = 0
    while pos + HEADER.size <= len(data):
        size, crc = HEADER.unpack_from(data, pos)
        if size == 0:
            return  # the unwritten rest of the segment
        body = data[pos + HEADER.size:pos + HEADER.size + size]
        if len(body) < size or zlib.crc32(body) != crc:
            return  # the write a crash cut short: it was never acknowledged
        ts, rows, owners = msgpack.unpackb(body)
        yield ts, [(r, s, d, ts) for r, s, d in rows], [(r, c, o) for r, c, o in owners]
        pos += HEADER.size + size


def read_all(db_path: Path) -> tuple[Rows, Owners]:
    rows: Rows = []
    owners: Owners = []
    for path in segments(db_path):
        for _, r, o in read_segment(path):
            rows += r
            owners += o
    return rows, owners


class UpdateLog:
    def __init__(self, db_path: Path, lock_fd: int) -> None:
        self.db_path = db_path
        self._lock_fd = lock_fd
        found = segments(db_path)
        self.number = int(found[-1].name.rsplit(".", 1)[1]) + 1 if found else 1
        self.map = self._open(self.number, SEGMENT_BYTES)
        self.pos = 0

    @classmethod
    def open(cls, db_path: Path) -> UpdateLog | None:
        """The log of the store at db_path, or None if another process holds it."""
        fd = os.open(str(db_path) + ".log-lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        return cls(db_path, fd)

    def _open(self, number: int, size: int) -> mmap.mmap:
        fd = os.open(f"{self.db_path}.log.{number}", os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.posix_fallocate(fd, 0, size)  # ENOSPC here, not SIGBUS at a write into the map
            return mmap.mmap(fd, size)
        finally:
            os.close(fd)

    def append(self, ts: int, rows: Sequence[tuple[str, int, bytes]],
               owners: Sequence[tuple[str, int, str]]) -> None:
        body = msgpack.packb([ts, rows, owners], use_bin_type=True)
        record = HEADER.pack(len(body), zlib.crc32(body)) + body
        end = self.pos + len(record)
        if end + HEADER.size > len(self.map):  # keep zeros after the last record
            self._next(max(SEGMENT_BYTES, len(record) + HEADER.size))
            end = len(record)
        self.map[self.pos:end] = record
        self.pos = end

    def _next(self, size: int) -> None:
        new = self._open(self.number + 1, size)  # first, so a failure leaves the log as it was
        self.map.close()
        self.map, self.number, self.pos = new, self.number + 1, 0

    def rotate(self) -> int:
        """Start a new segment; returns the number of the last one that is now closed."""
        closed = self.number
        self._next(SEGMENT_BYTES)
        return closed

    def discard(self, upto: int) -> None:
        """Delete the segments numbered upto or lower (their rows are committed)."""
        for path in segments(self.db_path):
            if int(path.name.rsplit(".", 1)[1]) <= upto:
                path.unlink(missing_ok=True)

    def close(self) -> None:
        self.map.close()
        os.close(self._lock_fd)  # releases the lock
