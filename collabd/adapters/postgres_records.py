"""The PostgreSQL store's records: sessions, chat and the session log, runs, the question,
private notes (SPEC 8.7-8.9) and the webhook outbox; one statement each, in autocommit."""

from __future__ import annotations

import json
import logging
from typing import Any

import psycopg

from ..ports import SIMULATED, SessionRow, StoreError
from . import rows
from .postgres_connection import PgBase
from .rows import SESSION_COLUMNS

log = logging.getLogger("collabd.store")


class PgRecords(PgBase):
    # -- sessions

    def save_session(self, sid: str, record: dict[str, Any], now: int, simulated: bool = False,
                     extra: dict[str, Any] | None = None, *, kind: str | None = None,
                     keys: tuple[str | None, str | None] = (None, None)) -> None:
        kind = rows.session_kind(kind, simulated)
        self._w().execute(
            "INSERT INTO sessions (id, record, simulated, extra, created_at, updated_at, kind, "
            "interviewer_key, interviewee_key) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (id) DO UPDATE SET record = excluded.record, "
            "updated_at = excluded.updated_at, version = sessions.version + 1",
            (sid, json.dumps(record), kind == SIMULATED, json.dumps(extra or {}), now, now, kind,
             *keys))

    def load_session(self, sid: str) -> SessionRow | None:
        row = self._r().execute(f"SELECT {SESSION_COLUMNS} FROM sessions WHERE id = %s",
                                (sid,)).fetchone()
        return rows.session(row) if row else None

    def load_session_versioned(self, sid: str) -> tuple[SessionRow, int] | None:
        row = self._r().execute(f"SELECT {SESSION_COLUMNS}, version FROM sessions WHERE id = %s",
                                (sid,)).fetchone()
        return (rows.session(row[:-1]), int(row[-1])) if row else None

    def save_session_if(self, sid: str, record: dict[str, Any], now: int, version: int) -> bool:
        cur = self._w().execute(
            "UPDATE sessions SET record = %s, updated_at = %s, version = version + 1 "
            "WHERE id = %s AND version = %s", (json.dumps(record), now, sid, version))
        return cur.rowcount == 1

    def list_sessions(self, limit: int, offset: int = 0,
                      kind: str | None = None) -> list[SessionRow]:
        return self._sessions(
            "WHERE (%(kind)s::text IS NULL OR kind = %(kind)s) "
            'ORDER BY created_at DESC, id COLLATE "C" LIMIT %(limit)s OFFSET %(offset)s',
            {"kind": kind, "limit": limit, "offset": offset})

    def all_sessions(self) -> list[SessionRow]:
        return self._sessions('ORDER BY created_at, id COLLATE "C"', {})

    def candidate_sessions(self, key: str) -> list[SessionRow]:
        return self._sessions(
            'WHERE interviewee_key = %(key)s ORDER BY created_at, id COLLATE "C"', {"key": key})

    def timed_sessions(self) -> list[SessionRow]:
        try:  # the fast way: PostgreSQL filters (15 has no IS JSON to guard the cast with)
            return self._sessions(
                "WHERE record::jsonb->>'phase' IN ('live', 'feedback', 'revealed') "
                "OR (record::jsonb->>'phase' = 'lobby' AND EXISTS (SELECT 1 FROM "
                "jsonb_each(record::jsonb->'presence') AS p WHERE p.value->>'status' IN "
                "('connected', 'reconnecting'))) ORDER BY created_at, id COLLATE \"C\"", {})
        except psycopg.DataError:  # a record that is not JSON: skip it, keep the others
            found = self._sessions('ORDER BY created_at, id COLLATE "C"', {})
            return [r for r in _readable(found, "timed_sessions") if _timed(r.record)]

    def stale_practice_lobbies(self, created_before: int, limit: int) -> list[str]:
        # CASE: a damaged row already named is never cast (WHERE clauses have no set order)
        sql = ("SELECT id FROM sessions WHERE created_at < %s AND CASE WHEN id = ANY(%s) "
               "THEN false ELSE record::jsonb->>'phase' = 'lobby' AND "
               "extra::jsonb->>'practice' IN ('true', '1') END "
               'ORDER BY created_at, id COLLATE "C" LIMIT %s')
        try:
            return [r[0] for r in self._r().execute(
                sql, (created_before, sorted(self._damaged), limit))]
        except psycopg.DataError:  # a new damaged row: read them one by one, once
            found = self._sessions('WHERE created_at < %(before)s '
                                  'ORDER BY created_at, id COLLATE "C"',
                                  {"before": created_before})
            readable = _readable(found, "stale_practice_lobbies")
            self._damaged.update(r.sid for r in found if r.problem is not None)
            return [r.sid for r in readable
                    if r.record.get("phase") == "lobby"
                    and r.extra.get("practice") in (True, 1, "true", "1")][:limit]

    def _sessions(self, where: str, params: dict[str, Any]) -> list[SessionRow]:
        found = self._r().execute(f"SELECT {SESSION_COLUMNS} FROM sessions {where}", params)
        return [rows.session(r) for r in found]

    # -- chat and the session log

    def append_chat(self, room: str, ts: int, sender: dict[str, Any], text: str) -> int:
        row = self._w().execute(
            "INSERT INTO chat (room, ts, sender, text) VALUES (%s, %s, %s, %s) RETURNING id",
            (room, ts, json.dumps(sender), text)).fetchone()
        if row is None:
            raise StoreError("chat insert returned no id")
        return int(row[0])

    def chat_after(self, room: str, after: int, limit: int) -> list[dict[str, Any]]:
        found = self._r().execute(
            "SELECT id, ts, sender, text FROM chat WHERE room = %s AND id > %s "
            "ORDER BY id LIMIT %s", (room, after, limit))
        return [rows.chat_message(*r) for r in found]

    def log_event(self, room: str, ts: int, kind: str, data: dict[str, Any]) -> None:
        self._w().execute("INSERT INTO events (room, ts, kind, data) VALUES (%s, %s, %s, %s)",
                          (room, ts, kind, json.dumps(data)))

    def events(self, room: str) -> list[tuple[int, str, dict[str, Any]]]:
        found = self._r().execute(
            "SELECT ts, kind, data FROM events WHERE room = %s ORDER BY id", (room,))
        return [(ts, k, json.loads(d)) for ts, k, d in found]

    # -- runs, the question, private notes (SPEC 8.7-8.9)

    def append_run(self, room: str, ts: int, sender: dict[str, Any], run: dict[str, Any]) -> int:
        row = self._w().execute(
            "INSERT INTO runs (room, ts, sender, data) VALUES (%s, %s, %s, %s) RETURNING id",
            (room, ts, json.dumps(sender), json.dumps(run))).fetchone()
        assert row is not None
        return int(row[0])

    def runs_after(self, room: str, after: int, limit: int) -> list[dict[str, Any]]:
        found = self._r().execute(
            "SELECT id, ts, sender, data FROM runs WHERE room = %s AND id > %s ORDER BY id "
            "LIMIT %s", (room, after, limit)).fetchall()
        return [rows.run(*r) for r in found]

    def append_question(self, room: str, ts: int, sender: dict[str, Any] | None,
                        text: str) -> None:
        self._w().execute(
            "INSERT INTO questions (room, ts, sender, text) VALUES (%s, %s, %s, %s)",
            (room, ts, None if sender is None else json.dumps(sender), text))

    def questions(self, room: str) -> list[dict[str, Any]]:
        found = self._r().execute(
            "SELECT ts, sender, text FROM questions WHERE room = %s ORDER BY id", (room,))
        return [rows.question(*r) for r in found]

    def save_notes(self, room: str, pid: str, ts: int, text: str) -> None:
        self._w().execute(
            "INSERT INTO notes (room, pid, ts, text) VALUES (%s, %s, %s, %s) ON CONFLICT "
            "(room, pid) DO UPDATE SET ts = excluded.ts, text = excluded.text",
            (room, pid, ts, text))

    def load_notes(self, room: str, pid: str) -> tuple[str, int] | None:
        row = self._r().execute("SELECT text, ts FROM notes WHERE room = %s AND pid = %s",
                                (room, pid)).fetchone()
        return (row[0], int(row[1])) if row else None

    # -- webhook outbox

    def queue_webhook(self, url: str, body: str, now: int) -> None:
        self._w().execute("INSERT INTO webhooks (url, body, next_at) VALUES (%s, %s, %s)",
                          (url, body, now))

    def due_webhooks(self, now: int, limit: int = 50) -> list[tuple[int, str, str, int]]:
        found = self._r().execute(
            "SELECT id, url, body, attempts FROM webhooks WHERE done = 0 AND next_at <= %s "
            "ORDER BY id LIMIT %s", (now, limit))
        return [(int(i), u, b, int(a)) for i, u, b, a in found]

    def claim_webhooks(self, now: int, lease_ms: int,
                       limit: int = 50) -> list[tuple[int, str, str, int]]:
        # SKIP LOCKED: nodes claiming at once take disjoint rows and never wait for each other
        found = self._w().execute(
            "UPDATE webhooks w SET next_at = %s FROM (SELECT id FROM webhooks WHERE done = 0 "
            "AND next_at <= %s ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED) due "
            "WHERE w.id = due.id RETURNING w.id, w.url, w.body, w.attempts",
            (now + lease_ms, now, limit)).fetchall()
        return sorted((int(i), u, b, int(a)) for i, u, b, a in found)

    def webhook_result(self, wid: int, delivered: bool, next_at: int, give_up: bool) -> None:
        self._w().execute(
            "UPDATE webhooks SET attempts = attempts + 1, next_at = %s, done = %s WHERE id = %s",
            (next_at, rows.webhook_state(delivered, give_up), wid))

    def webhook_counts(self) -> dict[str, int]:
        row = self._r().execute(
            "SELECT count(*) FILTER (WHERE done = 0), "
            "COALESCE(sum(attempts), 0) - count(*) FILTER (WHERE done = 1), "
            "count(*) FILTER (WHERE done = 2) FROM webhooks").fetchone()
        assert row is not None
        pending_, failed, given_up = (int(v) for v in row)
        return {"pending": pending_, "failed_attempts": failed, "given_up": given_up}


def _readable(sessions: list[SessionRow], query: str) -> list[SessionRow]:
    """The rows whose record and extra could be read; each other one is named in the log."""
    for r in sessions:
        if r.problem is not None:
            log.warning("damaged session skipped", extra={
                "session": r.sid, "problem": r.problem, "query": query})
    return [r for r in sessions if r.problem is None]


def _timed(record: dict[str, Any]) -> bool:
    """timed_sessions' condition, for one record read in Python."""
    phase = record.get("phase")
    if phase in ("live", "feedback", "revealed"):
        return True
    presence = record.get("presence")
    return phase == "lobby" and isinstance(presence, dict) and any(
        isinstance(p, dict) and p.get("status") in ("connected", "reconnecting")
        for p in presence.values())
