"""The PostgreSQL store's two connections (writing, reading), opened again after the server
went away. PgBase holds them for the store's parts (postgres_docs, postgres_records,
postgres_store)."""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlsplit

import psycopg

from ..ports import StoreError


class PgBase:
    """The connections; PostgresStore.__init__ sets the fields."""

    url: str
    connect_timeout: int
    _lock: threading.Lock  # guards reconnecting, not statements
    _writer: psycopg.Connection[Any] | None
    _reader: psycopg.Connection[Any] | None
    _prepared_on: psycopg.Connection[Any] | None  # postgres_docs.STATEMENTS prepared there
    # sessions whose record or extra could not be read: the fast queries step over them
    # (their casts would fail the whole query and send every sweep down the slow path)
    _damaged: set[str]

    def _connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.url, autocommit=True, application_name="collabd",
                               connect_timeout=self.connect_timeout)

    def _w(self) -> psycopg.Connection[Any]:
        with self._lock:
            if self._writer is None or self._writer.closed or self._writer.broken:
                self._writer = self._connect()
            return self._writer

    def _r(self) -> psycopg.Connection[Any]:
        with self._lock:
            if self._reader is None or self._reader.closed or self._reader.broken:
                self._reader = self._connect()
            return self._reader


def describe(url: str) -> str:
    """host:port/database of a postgresql:// URL, without the password (for messages)."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres") or not parts.netloc and not parts.query:
        raise StoreError("the database must be a URL postgresql://USER:PASSWORD@HOST:PORT/NAME")
    return f"{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path or '/'}"
