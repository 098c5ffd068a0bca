"""The embedded store's records: sessions, chat and the session log, runs, the question,
private notes (SPEC 8.7-8.9) and the webhook outbox. Writes run on the loop's thread through
the writing connection, reads on the worker's reading connection."""

from __future__ import annotations

import json
import logging
from typing import Any

from ..ports import SIMULATED, SessionRow
from . import rows
from .rows import SESSION_COLUMNS
from .sqlite_connection import SqliteBase

log_ = logging.getLogger("collabd.store")


class SqliteRecords(SqliteBase):
    # -- sessions

    def save_session(self, sid: str, record: dict[str, Any], now: int, simulated: bool = False,
                     extra: dict[str, Any] | None = None, *, kind: str | None = None,
                     keys: tuple[str | None, str | None] = (None, None)) -> None:
        """Insert or update. `kind` (default: simulated or real), `extra` and `keys` (the
        interviewer's and interviewee's person keys) are set on insert only."""
        kind = rows.session_kind(kind, simulated)
        with self._tx():
            self.db.execute(
                "INSERT INTO sessions (id, record, simulated, extra, created_at, updated_at, "
                "kind, interviewer_key, interviewee_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET record=excluded.record, "
                "updated_at=excluded.updated_at, version=sessions.version+1",
                (sid, json.dumps(record), int(kind == SIMULATED), json.dumps(extra or {}), now,
                 now, kind, *keys),
            )

    def load_session(self, sid: str) -> SessionRow | None:
        row = self.reader.execute(f"SELECT {SESSION_COLUMNS} FROM sessions WHERE id=?",
                                  (sid,)).fetchone()
        return rows.session(row) if row else None

    def load_session_versioned(self, sid: str) -> tuple[SessionRow, int] | None:
        row = self.reader.execute(f"SELECT {SESSION_COLUMNS}, version FROM sessions WHERE id=?",
                                  (sid,)).fetchone()
        return (rows.session(row[:-1]), int(row[-1])) if row else None

    def save_session_if(self, sid: str, record: dict[str, Any], now: int, version: int) -> bool:
        with self._tx():
            cur = self.db.execute(
                "UPDATE sessions SET record=?, updated_at=?, version=version+1 "
                "WHERE id=? AND version=?", (json.dumps(record), now, sid, version))
            return cur.rowcount == 1

    def list_sessions(self, limit: int, offset: int = 0,
                      kind: str | None = None) -> list[SessionRow]:
        """Newest first; only sessions of `kind` when it is given."""
        found = self.reader.execute(
            f"SELECT {SESSION_COLUMNS} FROM sessions WHERE ?1 IS NULL OR kind = ?1 "
            "ORDER BY created_at DESC, id LIMIT ?2 OFFSET ?3", (kind, limit, offset),
        ).fetchall()
        return [rows.session(r) for r in found]

    def all_sessions(self) -> list[SessionRow]:
        found = self.reader.execute(
            f"SELECT {SESSION_COLUMNS} FROM sessions ORDER BY created_at").fetchall()
        return [rows.session(r) for r in found]

    def candidate_sessions(self, key: str) -> list[SessionRow]:
        """The sessions whose interviewee has this person key, oldest first."""
        found = self.reader.execute(
            f"SELECT {SESSION_COLUMNS} FROM sessions WHERE interviewee_key = ? "
            "ORDER BY created_at", (key,)).fetchall()
        return [rows.session(r) for r in found]

    def timed_sessions(self) -> list[SessionRow]:
        """Unfinished sessions that have a timer to run with nobody connected: a phase deadline
        (live, feedback, revealed) or a lobby with someone (re)connecting. The others are loaded
        on demand."""
        found = self.reader.execute(  # CASE: a damaged record is never parsed, nor fails it
            f"SELECT {SESSION_COLUMNS} FROM sessions WHERE CASE WHEN json_valid(record) AND "
            "json_type(record) = 'object' THEN "
            "json_extract(record, '$.phase') IN ('live', 'feedback', 'revealed') "
            "OR (json_extract(record, '$.phase') = 'lobby' AND EXISTS (SELECT 1 FROM "
            "json_each(record, '$.presence') WHERE json_extract(value, '$.status') IN "
            "('connected', 'reconnecting'))) END ORDER BY created_at").fetchall()
        # the CASE leaves damaged records out unread: name them, as PostgreSQL's adapter does
        # (once per start: this runs when the server starts)
        for (sid,) in self.reader.execute(
                "SELECT id FROM sessions WHERE NOT (json_valid(record) AND "
                "json_type(record) = 'object')"):
            log_.warning("damaged session skipped", extra={
                "session": sid, "problem": "record is not a JSON object",
                "query": "timed_sessions"})
        return [rows.session(r) for r in found]

    def stale_practice_lobbies(self, created_before: int, limit: int) -> list[str]:
        """Ids of practice sessions still in the lobby that were created before the time."""
        found = self.reader.execute(
            "SELECT id FROM sessions WHERE created_at < ? AND CASE WHEN json_valid(record) "
            "AND json_valid(extra) THEN json_extract(record, '$.phase') = 'lobby' AND "
            "json_extract(extra, '$.practice') END ORDER BY created_at LIMIT ?",
            (created_before, limit))
        return [r[0] for r in found]

    # -- chat and the session log

    def append_chat(self, room: str, ts: int, sender: dict[str, Any], text: str) -> int:
        with self._tx():
            cur = self.db.execute(
                "INSERT INTO chat (room, ts, sender, text) VALUES (?, ?, ?, ?)",
                (room, ts, json.dumps(sender), text),
            )
        return cur.lastrowid or 0

    def chat_after(self, room: str, after: int, limit: int) -> list[dict[str, Any]]:
        found = self.reader.execute(
            "SELECT id, ts, sender, text FROM chat WHERE room=? AND id>? ORDER BY id LIMIT ?",
            (room, after, limit),
        ).fetchall()
        return [rows.chat_message(*r) for r in found]

    def log_event(self, room: str, ts: int, kind: str, data: dict[str, Any]) -> None:
        with self._tx():
            self.db.execute("INSERT INTO events (room, ts, kind, data) VALUES (?, ?, ?, ?)",
                            (room, ts, kind, json.dumps(data)))

    def events(self, room: str) -> list[tuple[int, str, dict[str, Any]]]:
        found = self.reader.execute("SELECT ts, kind, data FROM events WHERE room=? ORDER BY id",
                               (room,)).fetchall()
        return [(ts, k, json.loads(d)) for ts, k, d in found]

    # -- runs, the question, private notes (SPEC 8.7-8.9)

    def append_run(self, room: str, ts: int, sender: dict[str, Any], run: dict[str, Any]) -> int:
        with self._tx():
            cur = self.db.execute("INSERT INTO runs (room, ts, sender, data) VALUES (?, ?, ?, ?)",
                                  (room, ts, json.dumps(sender), json.dumps(run)))
        return cur.lastrowid or 0

    def runs_after(self, room: str, after: int, limit: int) -> list[dict[str, Any]]:
        found = self.reader.execute(
            "SELECT id, ts, sender, data FROM runs WHERE room=? AND id>? ORDER BY id LIMIT ?",
            (room, after, limit)).fetchall()
        return [rows.run(*r) for r in found]

    def append_question(self, room: str, ts: int, sender: dict[str, Any] | None,
                        text: str) -> None:
        with self._tx():
            self.db.execute("INSERT INTO questions (room, ts, sender, text) VALUES (?, ?, ?, ?)",
                            (room, ts, None if sender is None else json.dumps(sender), text))

    def questions(self, room: str) -> list[dict[str, Any]]:
        """Every text the room's question had, oldest first: {ts, text, from?}."""
        found = self.reader.execute(
            "SELECT ts, sender, text FROM questions WHERE room=? ORDER BY id", (room,))
        return [rows.question(*r) for r in found]

    def save_notes(self, room: str, pid: str, ts: int, text: str) -> None:
        with self._tx():
            self.db.execute(
                "INSERT INTO notes (room, pid, ts, text) VALUES (?, ?, ?, ?) ON CONFLICT "
                "(room, pid) DO UPDATE SET ts=excluded.ts, text=excluded.text",
                (room, pid, ts, text))

    def load_notes(self, room: str, pid: str) -> tuple[str, int] | None:
        row = self.reader.execute("SELECT text, ts FROM notes WHERE room=? AND pid=?",
                                  (room, pid)).fetchone()
        return (row[0], row[1]) if row else None

    # -- webhook outbox

    def queue_webhook(self, url: str, body: str, now: int) -> None:
        with self._tx():
            self.db.execute("INSERT INTO webhooks (url, body, next_at) VALUES (?, ?, ?)",
                            (url, body, now))

    def due_webhooks(self, now: int, limit: int = 50) -> list[tuple[int, str, str, int]]:
        return self.reader.execute(
            "SELECT id, url, body, attempts FROM webhooks WHERE done=0 AND next_at<=? "
            "ORDER BY id LIMIT ?", (now, limit),
        ).fetchall()

    def claim_webhooks(self, now: int, lease_ms: int,
                       limit: int = 50) -> list[tuple[int, str, str, int]]:
        with self._tx():
            found = self.db.execute(
                "UPDATE webhooks SET next_at=? WHERE id IN (SELECT id FROM webhooks "
                "WHERE done=0 AND next_at<=? ORDER BY id LIMIT ?) "
                "RETURNING id, url, body, attempts", (now + lease_ms, now, limit)).fetchall()
        return sorted(found)

    def webhook_result(self, wid: int, delivered: bool, next_at: int, give_up: bool) -> None:
        with self._tx():
            self.db.execute(
                "UPDATE webhooks SET attempts=attempts+1, next_at=?, done=? WHERE id=?",
                (next_at, rows.webhook_state(delivered, give_up), wid),
            )

    def webhook_counts(self) -> dict[str, int]:
        """For the metrics: outbox depth, failed attempts so far, webhooks given up."""
        pending, failed, given_up = self.reader.execute(
            "SELECT COALESCE(SUM(done = 0), 0), COALESCE(SUM(attempts) - SUM(done = 1), 0), "
            "COALESCE(SUM(done = 2), 0) FROM webhooks").fetchone()
        return {"pending": pending, "failed_attempts": failed, "given_up": given_up}
