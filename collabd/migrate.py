"""`collabd migrate-store`: move an embedded install's store into PostgreSQL.

Every row of every table is copied as it is (document updates, snapshots and client id owners,
sessions with their feedback, chat with its ids, events, the webhook outbox), in one read
transaction of the SQLite store and one transaction of PostgreSQL: a failure leaves the target
as it was. The target must be empty. Afterwards every table is read back from both sides and
compared row by row; any difference is an error. Chat ids are kept (clients resume chat history
by id), and PostgreSQL's id sequences continue after the copied ids.

Stop the server first: what it writes after the copy would not be in PostgreSQL. The data
directory keeps the token secret and the API key: start the server on PostgreSQL with the same
--data-dir, so join links and the embedder's key keep working.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from .adapters.sqlite_store import SqliteStore
from .ports import StoreError

DB_NAME = "collabd.sqlite3"
# table -> (columns, key columns giving the order rows are compared in)
TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "doc_updates": (("room", "seq", "data", "ts"), ("room", "seq")),
    "doc_snapshots": (("room", "data", "upto"), ("room",)),
    "doc_clients": (("room", "client", "owner"), ("room", "client")),
    "sessions": (("id", "record", "simulated", "extra", "created_at", "updated_at", "kind",
                  "interviewer_key", "interviewee_key", "version"), ("id",)),
    "chat": (("id", "room", "ts", "sender", "text"), ("id",)),
    "events": (("id", "room", "ts", "kind", "data"), ("id",)),
    "webhooks": (("id", "url", "body", "attempts", "next_at", "done"), ("id",)),
    "doc_history_base": (("room", "data", "upto"), ("room",)),
    "runs": (("id", "room", "ts", "sender", "data"), ("id",)),
    "questions": (("id", "room", "ts", "sender", "text"), ("id",)),
    "notes": (("room", "pid", "ts", "text"), ("room", "pid")),
}
IDENTITY_TABLES = ("chat", "events", "webhooks", "runs", "questions")


def migrate_store(data_dir: Path, url: str) -> dict[str, int]:
    """Copy the store of `data_dir` into the (empty) PostgreSQL store at `url`, check the
    copy, and return the rows per table."""
    from .adapters.postgres_store import PostgresStore

    path = data_dir / DB_NAME
    if not path.is_file():
        raise StoreError(f"no store at {path}")
    source = SqliteStore(path)  # brings an older store's schema up to date first
    target = PostgresStore(url)
    try:
        db = target.connection()
        busy = [t for t in TABLES if db.execute(f"SELECT EXISTS (SELECT 1 FROM {t})")
                .fetchone() != (False,)]
        if busy:
            raise StoreError(f"the PostgreSQL store is not empty ({', '.join(busy)}): "
                             "migrate into a new database")
        reader = source.reader
        reader.execute("BEGIN")  # one snapshot of the whole store
        try:
            counts = _copy(reader, db)
        finally:
            reader.execute("ROLLBACK")
    finally:
        target.close()
        source.close()
    return counts


def _copy(src: sqlite3.Connection, db: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    with db.transaction():
        for table, (columns, keys) in TABLES.items():
            cols = ", ".join(columns)
            rows = src.execute(f"SELECT {cols} FROM {table} ORDER BY {', '.join(keys)}")
            with db.cursor().copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                n = 0
                for row in rows:
                    copy.write_row(_to_postgres(table, row))
                    n += 1
            counts[table] = n
        for table in IDENTITY_TABLES:
            db.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                       f"COALESCE(max(id), 0) + 1, false) FROM {table}")
        for table, (columns, keys) in TABLES.items():  # check before committing
            # text keys in byte order, as SQLite sorts them
            order = ", ".join(f'{k} COLLATE "C"' if k == "room" or table == "sessions" else k
                              for k in keys)
            copied = db.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}")
            source = src.execute(
                f"SELECT {', '.join(columns)} FROM {table} ORDER BY {', '.join(keys)}")
            for i, (a, b) in enumerate(zip(source, copied, strict=False)):
                if _to_postgres(table, a) != _from_postgres(b):
                    raise StoreError(f"{table}: row {i} differs after the copy")
            got = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            if got != counts[table]:
                raise StoreError(f"{table}: {counts[table]} rows copied, {got} read back")
    return counts


def _to_postgres(table: str, row: tuple[Any, ...]) -> tuple[Any, ...]:
    if table == "sessions":  # simulated: INTEGER 0/1 in SQLite, BOOLEAN in PostgreSQL
        return (*row[:2], bool(row[2]), *row[3:])
    return tuple(row)


def _from_postgres(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
