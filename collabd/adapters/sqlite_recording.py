"""The recorded call in SQLite (SPEC 14.4): each participant's audio chunks, kept beside the
session's other records; a backup (one copy of the database) carries them, and deleting a
session's recording or the retention sweep removes them."""

from __future__ import annotations

import sqlite3
from typing import Any

from .recording_rows import NO_TAIL, Tail, cut_page
from .sqlite_connection import SqliteBase

# version 5 of the SQLite schema
RECORDING_5 = """
CREATE TABLE IF NOT EXISTS recording_chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room TEXT NOT NULL,
    pid TEXT NOT NULL,  -- the speaker: chunks are only ever a participant's own audio
    run INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    ts INTEGER NOT NULL,  -- where it starts on the session's timeline (server time, ms)
    ms INTEGER NOT NULL,
    size INTEGER NOT NULL,  -- length(data), kept so pages and caps never read the audio
    data BLOB NOT NULL,
    UNIQUE (room, pid, run, seq)
);
CREATE INDEX IF NOT EXISTS recording_room ON recording_chunks (room, id);
CREATE INDEX IF NOT EXISTS recording_ts ON recording_chunks (ts);
"""


def create_recording(db: sqlite3.Connection) -> None:
    for statement in RECORDING_5.strip().split(";\n"):
        if statement.strip():
            db.execute(statement)


class SqliteRecordings(SqliteBase):
    """Store methods of the recorded call."""

    def append_recording(self, room: str, pid: str, run: int, seq: int, ts: int, ms: int,
                         data: bytes) -> None:
        with self._tx():
            self.db.execute(
                "INSERT INTO recording_chunks (room, pid, run, seq, ts, ms, size, data) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (room, pid, run, seq, ts, ms, len(data), data))

    def recording_tail(self, room: str, pid: str) -> Tail:
        db = self.reader
        total = db.execute("SELECT COALESCE(SUM(size), 0) FROM recording_chunks "
                           "WHERE room=? AND pid=?", (room, pid)).fetchone()[0]
        last = db.execute("SELECT run, seq, ts FROM recording_chunks WHERE room=? AND pid=? "
                          "ORDER BY run DESC, seq DESC LIMIT 1", (room, pid)).fetchone()
        return (int(total), *last) if last else NO_TAIL

    def recording_after(self, room: str, after: int,
                        budget: int) -> tuple[list[tuple[Any, ...]], bool]:
        db = self.reader
        sizes = db.execute("SELECT id, size FROM recording_chunks WHERE room=? AND id>? "
                           "ORDER BY id", (room, after)).fetchall()
        last, more = cut_page(sizes, budget)
        if last is None:
            return [], False
        rows = db.execute("SELECT id, pid, run, seq, ts, ms, data FROM recording_chunks "
                          "WHERE room=? AND id>? AND id<=? ORDER BY id",
                          (room, after, last)).fetchall()
        return [(*r[:6], bytes(r[6])) for r in rows], more

    def delete_recording(self, room: str) -> int:
        with self._tx():
            cur = self.db.execute("DELETE FROM recording_chunks WHERE room=?", (room,))
        return cur.rowcount

    def delete_recordings_before(self, ts: int) -> int:
        with self._tx():
            cur = self.db.execute("DELETE FROM recording_chunks WHERE ts<?", (ts,))
        return cur.rowcount
