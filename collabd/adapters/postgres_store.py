"""A store on PostgreSQL (psycopg 3, synchronous), implementing collabd.ports.Store.

Why psycopg 3 and not asyncpg: the port is synchronous (the runtime calls stores on threads,
and rebuilds a broken room with a synchronous `load_doc_now` on the loop's thread), and a
synchronous driver keeps it so. Through psycopg's execute() a batch append cost ~0.16 ms of
client CPU (~0.22 ms from the writer thread) against asyncpg's ~0.12 ms on the loop; the group
commit, the one statement run on every keystroke, therefore goes through psycopg's libpq layer
as a prepared statement with binary parameters: ~0.06 ms inline, ~0.10 ms from the writer thread,
and a lower wall time than asyncpg's (bench/pg_append.py). Everything else uses execute().

A round trip to a server, and a commit that waits for the server's WAL flush, must not block the
event loop, so `writes_inline` is False: the runtime runs this store's writes on one writer
thread, in call order, and its reads on another thread.

Every method is one SQL statement in autocommit mode: one round trip, and one implicit
transaction (postgres_docs.py says how documents keep that).

The two connections are opened again after the server went away (the failing call raises; the
runtime then refuses and reloads, never acknowledges). psycopg serialises the statements of
threads sharing a connection, which is what `load_doc_now` (loop thread) relies on.

The store is in parts, by concern: connections (postgres_connection.py), the versioned schema
(postgres_schema.py), documents (postgres_docs.py), sessions and the other records
(postgres_records.py); row mapping shared with SQLite is in rows.py. This module opens,
migrates and closes the store, and keeps the names its importers use.
"""

from __future__ import annotations

import threading
from typing import Any

import psycopg

from ..ports import StoreError
from .errors import translating
from .migrations import upgrade
from .postgres_connection import describe
from .postgres_docs import APPEND, APPEND_OWNED, HISTORY, LOAD_DOC, STATEMENTS, PgDocuments
from .postgres_recording import PgRecordings
from .postgres_records import PgRecords
from .postgres_schema import MIGRATION_LOCK, STEPS
from .rows import SESSION_COLUMNS

# the names importers of this module use, wherever they are defined now
__all__ = ["APPEND", "APPEND_OWNED", "HISTORY", "LOAD_DOC", "MIGRATION_LOCK", "SESSION_COLUMNS",
           "STATEMENTS", "STEPS", "PostgresStore", "describe"]


@translating((psycopg.OperationalError,), (psycopg.IntegrityError,))
class PostgresStore(PgDocuments, PgRecords, PgRecordings):
    writes_inline = False

    def __init__(self, url: str, *, connect_timeout: int = 10) -> None:
        self.url = url
        self.where = describe(url)
        self.connect_timeout = connect_timeout
        self._lock = threading.Lock()
        self._writer = self._reader = None
        self._prepared_on = None
        self._damaged = set()
        try:
            self.migrate()
        except BaseException as exc:
            self.close()
            if isinstance(exc, psycopg.OperationalError):
                raise StoreError(f"cannot use PostgreSQL at {self.where}: "
                                 f"{str(exc).strip().splitlines()[0]}") from None
            raise

    def schema_version(self) -> int:
        row = self._r().execute("SELECT version FROM schema_version").fetchone()
        return int(row[0]) if row else 0

    def migrate(self) -> int:
        """Apply the pending migration steps, all in one transaction, under a lock so that
        nodes starting together do it once. Returns the version reached."""
        db = self._w()
        with db.transaction():
            db.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            return upgrade(db, STEPS, "%s")

    def connection(self) -> psycopg.Connection[Any]:
        """The writing connection (autocommit), for `collabd migrate-store`."""
        return self._w()

    def checkpoint(self) -> None:
        """Nothing to do: the server checkpoints by itself."""

    def close(self) -> None:
        with self._lock:
            for conn in (self._writer, self._reader):
                if conn is not None:
                    conn.close()
            self._writer = self._reader = None
