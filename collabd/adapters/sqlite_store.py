"""Embedded storage: SQLite in WAL mode. Blocking; the runtime calls it from one worker thread.

A document is an append-only log of updates plus at most one snapshot. Compaction writes the new
snapshot and deletes the rows it covers in one transaction, so a crash leaves either the old or
the new state, never neither.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS doc_updates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS doc_updates_room ON doc_updates (room, id);
CREATE TABLE IF NOT EXISTS doc_snapshots (
    room TEXT PRIMARY KEY,
    data BLOB NOT NULL,
    upto INTEGER NOT NULL  -- the snapshot includes every update of the room with id <= upto
);
"""


class SqliteStore:
    def __init__(self, path: Path, synchronous: str = "NORMAL") -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # The runtime's single worker thread owns this connection.
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(f"PRAGMA synchronous={synchronous}")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(SCHEMA)
        self.extend_schema()

    def extend_schema(self) -> None:
        """Hook for the other tables (sessions, chat); see collabd.adapters.sqlite_session."""

    def close(self) -> None:
        self.db.close()

    # -- documents

    def load_doc(self, room: str) -> tuple[list[bytes], int]:
        """The room's snapshot (if any) then its updates, in order; and the last update id."""
        out: list[bytes] = []
        last = 0
        row = self.db.execute(
            "SELECT data, upto FROM doc_snapshots WHERE room=?", (room,)
        ).fetchone()
        if row:
            out.append(row[0])
            last = row[1]
        for rid, data in self.db.execute(
            "SELECT id, data FROM doc_updates WHERE room=? AND id>? ORDER BY id", (room, last)
        ):
            out.append(data)
            last = rid
        return out, last

    def append_updates(self, batch: list[tuple[str, bytes]]) -> list[int]:
        """Append many updates in one transaction (group commit); return their ids in order."""
        ids = []
        with self._tx():
            for room, data in batch:
                cur = self.db.execute("INSERT INTO doc_updates (room, data) VALUES (?, ?)",
                                      (room, data))
                ids.append(cur.lastrowid or 0)
        return ids

    def compact(self, room: str, snapshot: bytes, upto: int) -> None:
        with self._tx():
            self.db.execute(
                "INSERT INTO doc_snapshots (room, data, upto) VALUES (?, ?, ?) "
                "ON CONFLICT(room) DO UPDATE SET data=excluded.data, upto=excluded.upto",
                (room, snapshot, upto),
            )
            self.db.execute("DELETE FROM doc_updates WHERE room=? AND id<=?", (room, upto))

    def count_updates(self, room: str) -> int:
        row = self.db.execute("SELECT COUNT(*) FROM doc_updates WHERE room=?", (room,)).fetchone()
        return int(row[0])

    def _tx(self) -> _Transaction:
        return _Transaction(self.db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type: object, *_: object) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
