"""The embedded store's hot log: document updates are durable once appended here.

A SQLite commit costs about 20 us and a few pages written to the WAL per update. Here a
commit is a copy into a shared memory map of the segment file: no system call, and it survives
a crash of the process just as a WAL commit with synchronous=NORMAL does (both sit in the page
cache, which the kernel writes back). `UpdateLog` owns all of it: the segments, the rows
appended and not yet in the tables (its mirror, which reads merge with the tables), the drain
that moves them into SQLite about once a second on the worker thread, and the replay of what a
crash left at open.

The segment files, their record format and how they are read back are log_segments.py's.

Only one process writes the log: the one holding the lock file. Another process opening the
same store (a CLI command next to a running server) gets no log and reads the segments.
"""

from __future__ import annotations

import fcntl
import logging
import mmap
import os
import sqlite3
import threading
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import msgpack  # type: ignore[import-untyped]  # ships no type hints

from .log_segments import (
    HEADER,
    MAGIC,
    NO_PREALLOCATION,
    SEAL,
    Owners,
    Rows,
    Scan,
    allocate,
    insert_logged,
    number,
    read_all,
    segments,
)

# the names importers of this module use (backup.py, the tests), wherever they are defined
__all__ = ["MAX_LOGGED", "MAX_LOGGED_BYTES", "MAX_TRACKED", "SEGMENT_BYTES", "SMALL_SEGMENT_BYTES",
           "Owners", "Rows", "UpdateLog", "insert_logged", "number", "read_all", "segments"]

log = logging.getLogger("collabd.store")

SEGMENT_BYTES = 4 << 20
SMALL_SEGMENT_BYTES = 256 << 10  # where segments are preallocated by writing their zeros
MAX_LOGGED = 500_000  # updates in the log, not yet drained, before appends are refused
MAX_TRACKED = 100_000  # rooms whose last logged seq is remembered
# bytes of updates held for the next drain before an append moves them into the tables at
# once: a flood of large updates costs the loop what a commit per update cost before the log
MAX_LOGGED_BYTES = 32 << 20


class UpdateLog:
    """The hot log of one store, in the process that holds its lock. `hot` False (a store
    with synchronous=FULL, or a file system that cannot preallocate): nothing is appended, the
    log only replays what an earlier run left."""

    def __init__(self, db_path: Path, lock_fd: int, stored_top: Callable[[str], int],
                 hot: bool) -> None:
        self.db_path = db_path
        self._lock_fd = lock_fd
        self._stored_top = stored_top  # a room's last seq in the tables (or its snapshot's)
        self.rows: Rows = []  # appended, not yet in the tables: the mirror reads merge
        self.owners: Owners = []
        self.bytes = 0
        self._last_seq: dict[str, int] = {}  # per room, of what went into the log
        self.lock = threading.Lock()  # the mirror and the current segment
        self.drain_lock = threading.Lock()  # one move into the tables at a time
        self.committed = 0  # segments numbered up to this: their rows are in the tables
        self.discarded = 0  # ... and fsynced, and the segments deleted
        self.preallocation = ""
        self.segment_bytes = SEGMENT_BYTES
        found = segments(db_path)
        self.number = number(found[-1]) + 1 if found else 1
        self.map: mmap.mmap | None = None
        self.pos = 0
        self.hot = False
        if hot:
            try:
                self.map = self._open(self.number, SEGMENT_BYTES)
                self.pos = len(MAGIC)
                self.hot = True
            except OSError as exc:
                if exc.strerror != NO_PREALLOCATION:
                    raise
                log.warning("the hot log is off: this file system cannot preallocate its "
                            "segments (%s); every update commits to SQLite", exc.strerror)
        self._drainer: sqlite3.Connection | None = None

    @classmethod
    def open(cls, db_path: Path, stored_top: Callable[[str], int],
             hot: bool = True) -> UpdateLog | None:
        """The log of the store at db_path, or None if another process holds it."""
        fd = os.open(str(db_path) + ".log-lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        return cls(db_path, fd, stored_top, hot)

    def _open(self, n: int, size: int) -> mmap.mmap:
        fd = os.open(f"{self.db_path}.log.{n}", os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            how = allocate(fd, size, not self.preallocation)
            if how != self.preallocation:
                self.preallocation = how
                if how != "posix_fallocate":  # a drain starts a segment about once a second
                    self.segment_bytes = SMALL_SEGMENT_BYTES
                    log.warning("hot log segments are preallocated by %s", how)
            new = mmap.mmap(fd, size)
        finally:
            os.close(fd)
        new[:len(MAGIC)] = MAGIC
        return new

    # -- at open

    def replay(self, db: sqlite3.Connection) -> None:
        """Commit what an earlier run left in the log, make it durable, then delete those
        segments; a hole keeps its segments (renamed) and says so."""
        scan = Scan(self.db_path, self.number)
        if scan.rows or scan.owners:
            insert_logged(db, scan.rows, scan.owners)
        if scan.bad:
            stamp = time.strftime("%Y%m%d-%H%M%S")
            kept = []
            for path in scan.bad:
                target = path.with_name(f"{path.name}.damaged-{stamp}")
                path.rename(target)
                kept.append(target.name)
            log.error("the hot log has a hole: %s. The updates before it are replayed; the "
                      "ones after it are not (they would leave documents with a gap) and are "
                      "kept in %s", scan.problem, ", ".join(kept))
        if scan.good or scan.bad:
            self._sync()
        for path in scan.good:
            path.unlink(missing_ok=True)

    # -- the hot path

    def append(self, ts: int, batch: list[tuple[str, int, bytes]],
               owners: Sequence[tuple[str, int, str]]) -> bool:
        """Log one group commit; True when the mirror holds more bytes than it should (the
        caller then moves it into the tables at once)."""
        with self.lock:
            if len(self.rows) > MAX_LOGGED:
                # the drains are failing: refuse (the sender is told to retry) rather
                # than hold ever more in memory
                raise sqlite3.OperationalError("the hot log is not draining")
            tops = self._check_new(batch)
            body = msgpack.packb([ts, batch, owners], use_bin_type=True)
            record = HEADER.pack(len(body), zlib.crc32(body)) + body
            end = self.pos + len(record)
            assert self.map is not None
            if end + HEADER.size > len(self.map):  # keep room for the seal
                self._next(max(self.segment_bytes, len(MAGIC) + len(record) + HEADER.size))
                assert self.map is not None
                end = self.pos + len(record)
            self.map[self.pos:end] = record
            self.pos = end
            self._last_seq.update(tops)  # not before: a refused append takes no seq
            self.rows += [(r, s, d, ts) for r, s, d in batch]
            self.owners += owners
            self.bytes += sum(len(d) for _, _, d in batch)
            return self.bytes > MAX_LOGGED_BYTES

    def _check_new(self, batch: list[tuple[str, int, bytes]]) -> dict[str, int]:
        """What the primary key does for a direct insert: a batch holding a (room, seq) that
        is stored already, or covered by the room's snapshot, is refused whole. Returns each
        room's last seq in the batch, to remember once the batch is in the log."""
        last = self._last_seq
        if len(last) > MAX_TRACKED and not self.rows:
            last.clear()  # nothing pending: the tables hold every seq, ask them again
        seen: dict[str, int] = {}
        for room, seq, _ in batch:
            top = seen.get(room)
            if top is None:
                top = last.get(room)
                if top is None:
                    top = self._stored_top(room)
            if seq <= top:
                raise sqlite3.IntegrityError(f"update {seq} of room {room!r} is stored already")
            seen[room] = seq
        return seen

    def _next(self, size: int) -> None:
        """Seal the current segment and continue in a new one."""
        new = self._open(self.number + 1, size)  # first, so a failure leaves the log as it was
        assert self.map is not None
        self.map[self.pos:self.pos + HEADER.size] = HEADER.pack(SEAL, SEAL)
        self.map.close()
        self.map, self.number, self.pos = new, self.number + 1, len(MAGIC)

    # -- reads: the mirror merged with the tables

    def pending(self, room: str) -> tuple[list[tuple[int, int, bytes]], dict[int, str]]:
        """The room's rows not yet in the tables, (seq, ts, update) in order, and their
        owners. Read before the tables: a drain removes rows from here after its commit."""
        with self.lock:
            rows = [(s, t, d) for r, s, d, t in self.rows if r == room]
            owners = {c: o for r, c, o in reversed(self.owners) if r == room}
        return rows, owners

    # -- moving rows into the tables

    def move(self, db: sqlite3.Connection) -> None:
        """Commit the mirror's rows into the tables through `db`, in one transaction, no
        fsync (a compaction, or a flood, on the loop's thread). The caller holds drain_lock.
        Their segments are deleted by the next drain, after its fsync."""
        with self.lock:
            n, m = len(self.rows), len(self.owners)
            if not n and not m:
                return
            closed = self.number
            self._next(self.segment_bytes)  # first: if it fails (disk full), nothing moved
            rows, owners = self.rows[:n], self.owners[:m]
        insert_logged(db, rows, owners)  # on failure every row stays for the next drain
        size = sum(len(d) for _, _, d, _ in rows)
        with self.lock:
            del self.rows[:n]
            del self.owners[:m]
            self.bytes -= size
            self.committed = closed

    def drain(self) -> None:
        """Move the mirror into the tables, fsync, then delete the segments it came from. On
        the worker thread, about once a second (Persistence's checkpoints)."""
        with self.drain_lock:
            if self._drainer is None:
                self._drainer = sqlite3.connect(self.db_path, check_same_thread=False,
                                                isolation_level=None)
                self._drainer.execute("PRAGMA busy_timeout=10000")
            self.move(self._drainer)
            upto = self.committed
            if upto <= self.discarded:
                return
            self._sync()  # nothing is unlinked before what replaces it is durable
            self.discard(upto)
            self.discarded = upto

    def _sync(self) -> None:
        """fsync the WAL (the commits so far) and the directory (the segments' names)."""
        wal = Path(f"{self.db_path}-wal")
        for path, flags in ((wal if wal.exists() else self.db_path, os.O_RDONLY),
                            (self.db_path.parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))):
            fd = os.open(path, flags)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def discard(self, upto: int) -> None:
        """Delete the segments numbered upto or lower (their rows are committed, fsynced)."""
        for path in segments(self.db_path):
            if number(path) <= upto:
                path.unlink(missing_ok=True)

    def close(self) -> None:
        if self.map is not None:
            self.map.close()
        if self._drainer is not None:
            self._drainer.close()
        os.close(self._lock_fd)  # releases the lock
