"""The embedded store's hot log: document updates are durable once appended here.

A SQLite commit costs about 20 us and a few pages written to the WAL per update; one write()
of the whole group commit to this file costs about 1 us, and survives a crash of the process
just as a WAL commit with synchronous=NORMAL does (both sit in the page cache). SqliteStore
moves the logged rows into its tables in one transaction about once a second, off the event
loop, and replays what a crash left here when it opens.

The log is a series of segment files `<db>.log.<n>`. A drain starts a new segment, commits
the rows of the older ones, then deletes them, so a crash at any point leaves every row either
in SQLite or in a segment (or both: rows are inserted with OR IGNORE). A record is
<u32 length><u32 crc32> then msgpack [ts, [[room, seq, update], ...], [[room, client, owner],
...]]; a torn or damaged tail ends the replay of its segment.

Only one process writes the log: the one holding the lock file. Another process opening the
same store (a CLI command next to a running server) gets no log and writes to SQLite directly.
"""

from __future__ import annotations

import fcntl
import os
import struct
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path

import msgpack

HEADER = struct.Struct("<II")
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
    """(ts, rows, owners) of each whole record of a segment, stopping at a torn tail."""
    data = path.read_bytes()
    pos = 0
    while pos + HEADER.size <= len(data):
        size, crc = HEADER.unpack_from(data, pos)
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
        self.fd = self._open(self.number)

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

    def _open(self, number: int) -> int:
        path = f"{self.db_path}.log.{number}"
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def append(self, ts: int, rows: Sequence[tuple[str, int, bytes]],
               owners: Sequence[tuple[str, int, str]]) -> None:
        body = msgpack.packb([ts, rows, owners], use_bin_type=True)
        record = HEADER.pack(len(body), zlib.crc32(body)) + body
        view = memoryview(record)
        while view:
            view = view[os.write(self.fd, view):]

    def rotate(self) -> int:
        """Start a new segment; returns the number of the last one that is now closed."""
        closed = self.number
        self.number += 1
        fd, self.fd = self.fd, self._open(self.number)
        os.close(fd)
        return closed

    def discard(self, upto: int) -> None:
        """Delete the segments numbered upto or lower (their rows are committed)."""
        for path in segments(self.db_path):
            if int(path.name.rsplit(".", 1)[1]) <= upto:
                path.unlink(missing_ok=True)

    def close(self) -> None:
        os.close(self.fd)
        os.close(self._lock_fd)  # releases the lock
