"""The embedded store's connections: the writing one, owned by the thread that opened the
store (the event loop's), and one reading connection per reading thread. SqliteBase holds them
for the store's parts (sqlite_docs, sqlite_records, sqlite_store)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

from .update_log import UpdateLog


class WrongThread(sqlite3.ProgrammingError):
    """A write reached the store's writing connection from a thread that does not own it."""


class OwnedConnection(sqlite3.Connection):
    """A connection that only the thread which opened it may use. Two threads on one
    connection end each other's transactions ("cannot commit - no transaction is active"),
    so another thread is refused before SQLite sees its statement."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.owner = threading.get_ident()

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        if threading.get_ident() != self.owner:
            raise WrongThread(f"the store's writing connection belongs to thread {self.owner}: "
                              f"{sql.split(None, 1)[0]} from {threading.current_thread().name}")
        return super().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        if threading.get_ident() != self.owner:
            raise WrongThread(f"the store's writing connection belongs to thread {self.owner}: "
                              f"{sql.split(None, 1)[0]} from {threading.current_thread().name}")
        return super().executemany(sql, parameters)


class Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type: object, *_: object) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")


class SqliteBase:
    """The connections and the hot log; SqliteStore.__init__ opens them."""

    path: Path
    db: sqlite3.Connection  # the writing connection (an OwnedConnection)
    log: UpdateLog | None
    _local: threading.local
    _readers: list[sqlite3.Connection]
    _readers_lock: threading.Lock

    @property
    def reader(self) -> sqlite3.Connection:
        """This thread's reading connection (the worker's, in a server)."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._local.db = db
            with self._readers_lock:
                self._readers.append(db)
        return db

    def _tx(self) -> Transaction:
        return Transaction(self.db)


# what the Store methods raise instead (ports.StoreUnavailable, ports.StoreConflict)
UNAVAILABLE = (sqlite3.OperationalError, OSError)
CONFLICT = (sqlite3.IntegrityError,)
