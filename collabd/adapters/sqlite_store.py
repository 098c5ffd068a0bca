"""Embedded storage: SQLite in WAL mode, one writing connection and one reading connection per
reading thread.

Writes (ports.WRITES, called through Persistence.write) run on the event loop's thread, the
thread that opened the store, whose connection refuses any other: with WAL and
synchronous=NORMAL a small commit is a few write() calls into the page cache (about 25 us
measured here), cheaper than handing it to a thread, and it survives a crash of the process.
Document updates, the hot path, are cheaper still: `append_updates` copies them into the hot
log (adapters/update_log.py, a memory map: no system call), which moves them into SQLite about
once a second on the worker thread (`checkpoint`) and merges the ones still in it into every
read of the document tables. Reads, which may scan, run on the runtime's worker thread.
Checkpoints, the only steps that call fsync, also run there, never on the loop.

The store is in parts, by concern: connections (sqlite_connection.py), the versioned schema
(sqlite_schema.py), documents (sqlite_docs.py), sessions and the other records
(sqlite_records.py); row mapping shared with PostgreSQL is in rows.py. This module opens and
closes the store, and keeps the names its importers use.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from ..config import private_dir, private_file
from ..ports import (
    KINDS,
    PRACTICE,
    REAL,
    SIMULATED,
    DocRows,
    SessionRow,
    StoreError,
    session_row,
)
from .errors import translating
from .migrations import Step
from .rows import SESSION_COLUMNS, now_ms
from .sqlite_connection import (
    CONFLICT,
    UNAVAILABLE,
    OwnedConnection,
    WrongThread,
)
from .sqlite_docs import SqliteDocuments
from .sqlite_recording import SqliteRecordings
from .sqlite_records import SqliteRecords
from .sqlite_schema import STEPS, migrate, migrate_sessions, not_a_store
from .update_log import UpdateLog

# the names importers of this module use, wherever they are defined now
__all__ = [
    "CONFLICT", "KINDS", "PRACTICE", "REAL", "SESSION_COLUMNS", "SIMULATED", "STEPS",
    "UNAVAILABLE", "DocRows", "OwnedConnection", "SessionRow", "SqliteStore", "Step",
    "StoreError", "WrongThread", "migrate", "migrate_sessions", "not_a_store", "now_ms",
    "session_row",
]


@translating(UNAVAILABLE, CONFLICT, inline=frozenset({"append_updates"}))
class SqliteStore(SqliteDocuments, SqliteRecords, SqliteRecordings):
    writes_inline = True  # a commit is a write into the page cache: cheap on the loop's thread

    def __init__(self, path: Path, synchronous: str = "NORMAL") -> None:
        private_dir(path.parent)
        for name in ("", "-wal", "-shm", ".log-lock"):  # SQLite gives -wal/-shm the db's mode
            private_file(Path(f"{path}{name}"), create=not name)
        self.path = path
        self._local = threading.local()  # one reading connection per thread that reads
        self._readers = []
        self._readers_lock = threading.Lock()
        # the writing connection belongs to the thread that opens the store (the event loop's)
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None,
                                  factory=OwnedConnection)
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute(f"PRAGMA synchronous={synchronous}")
            self.db.execute("PRAGMA wal_autocheckpoint=0")  # see checkpoint()
            self.db.execute("PRAGMA busy_timeout=10000")  # a drain may hold the write lock
            migrate(self.db)
        except sqlite3.DatabaseError as exc:  # not SQLite, damaged, or locked by another
            self.db.close()
            if isinstance(exc, sqlite3.OperationalError):
                raise StoreError(f"cannot open the store {path}: {exc}") from None
            raise StoreError(f"{path} is not a usable SQLite database ({exc}): is it the "
                             "collabd store? Move it away or restore a backup") from None
        # the hot log, if this process is the store's writer (update_log.py); with
        # synchronous=FULL (an fsync per commit, for power loss) updates skip it, and it only
        # replays what an earlier run left
        self.log = UpdateLog.open(path, self._stored_top, hot=synchronous.upper() != "FULL")
        if self.log is not None:
            self.log.replay(self.db)  # what a crash left: commit it first

    def checkpoint(self) -> None:
        """Drain the hot log (its commit fsynced before its segments go), then copy the WAL
        into the database file (fsync); PASSIVE never blocks the writer. On the worker."""
        if self.log is not None:
            self.log.drain()
        self.reader.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def schema_version(self) -> int:
        row = self.reader.execute("SELECT version FROM schema_version").fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        self.checkpoint()
        for db in self._readers:
            db.close()
        self.db.close()
        if self.log is not None:
            self.log.close()
