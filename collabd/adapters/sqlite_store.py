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

A document is an append-only log of updates plus at most one snapshot. Compaction writes the new
snapshot and deletes the rows it covers in one transaction, so a crash leaves either the old or
the new state, never neither.

The schema is versioned (collabd.adapters.migrations): STEPS below are applied on open, in one
transaction, above the version the store records in `schema_version`.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..config import private_dir, private_file
from ..ports import (  # noqa: F401  (re-exported: importers of this module use them)
    KINDS,
    PRACTICE,
    REAL,
    SIMULATED,
    DocRows,
    SessionRow,
    StoreError,
    session_row,
)
from . import update_log
from .errors import translated, translating
from .migrations import Step, upgrade
from .update_log import UpdateLog

log_ = logging.getLogger("collabd.store")

SCHEMA = """
-- seq counts a room's updates from 1; the room hands them out. Clustered by (room, seq), so an
-- append writes one b-tree page: no rowid, no separate index, no AUTOINCREMENT bookkeeping.
CREATE TABLE IF NOT EXISTS doc_updates (
    room TEXT NOT NULL,
    seq INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (room, seq)
) WITHOUT ROWID;
-- which participant first wrote with each Yjs client id of a room: nobody else may write with it
CREATE TABLE IF NOT EXISTS doc_clients (
    room TEXT NOT NULL,
    client INTEGER NOT NULL,
    owner TEXT NOT NULL,
    PRIMARY KEY (room, client)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    record TEXT NOT NULL,  -- collabd.core.session.Session.to_record(), as JSON
    simulated INTEGER NOT NULL DEFAULT 0,  -- kind = 'simulated', kept for older readers
    extra TEXT NOT NULL DEFAULT '{}',  -- embedder options the core does not know: webhook_url...
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    kind TEXT NOT NULL DEFAULT 'real',  -- real | practice | simulated: see SESSION_COLUMNS
    interviewer_key TEXT,  -- person keys: HMAC-SHA256(secret, external id), never the id
    interviewee_key TEXT
);
CREATE TABLE IF NOT EXISTS chat (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room TEXT NOT NULL,
    ts INTEGER NOT NULL,
    sender TEXT NOT NULL,  -- the sender's pseudonym as JSON {id, name, color}
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chat_room ON chat (room, id);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room TEXT NOT NULL,
    ts INTEGER NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS webhooks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT NOT NULL,
    body TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL,
    done INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS doc_snapshots (
    room TEXT PRIMARY KEY,
    data BLOB NOT NULL,
    upto INTEGER NOT NULL  -- the snapshot includes every update of the room with seq <= upto
);
"""

# version 2: a room's events and the due webhooks were found by scanning their tables
INDEXES_2 = """
CREATE INDEX IF NOT EXISTS events_room ON events (room, id);
CREATE INDEX IF NOT EXISTS webhooks_due ON webhooks (next_at, id) WHERE done = 0;
"""


def _script(db: sqlite3.Connection, sql: str) -> None:
    """Run the statements of `sql` one by one (executescript would commit the transaction)."""
    statement = ""
    for line in sql.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""


def _step_1(db: sqlite3.Connection) -> None:
    """Everything up to versioning; also brings a store from before versioning up to date."""
    _script(db, SCHEMA)
    migrate_sessions(db)


STEPS = [
    Step(1, "documents, sessions (kinds, person keys), chat, events, webhooks", _step_1),
    Step(2, "indexes: a room's events, due webhooks", lambda db: _script(db, INDEXES_2)),
    Step(3, "sessions.version (compare-and-set saves, cluster mode)", lambda db: _add_version(db)),
    Step(4, "update times, history base, runs, questions, notes (replay)",
         lambda db: _room_features(db)),
]


# version 4: replay (SPEC 18). Appended updates carry the server time they were stored at (NULL
# for rows from before); a session room's history is base + every row after it (see `history`).
ROOM_FEATURES_4 = """
CREATE TABLE IF NOT EXISTS doc_history_base (
    room TEXT PRIMARY KEY,
    data BLOB NOT NULL,
    upto INTEGER NOT NULL  -- the document after the room's updates with seq <= upto
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room TEXT NOT NULL,
    ts INTEGER NOT NULL,
    sender TEXT NOT NULL,  -- the runner's pseudonym as JSON {id, name, color}
    data TEXT NOT NULL  -- the run's fields (SPEC 8.7) as JSON
);
CREATE INDEX IF NOT EXISTS runs_room ON runs (room, id);
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room TEXT NOT NULL,
    ts INTEGER NOT NULL,
    sender TEXT,  -- the interviewer's pseudonym as JSON, NULL when the embedder set it
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS questions_room ON questions (room, id);
CREATE TABLE IF NOT EXISTS notes (
    room TEXT NOT NULL,
    pid TEXT NOT NULL,
    ts INTEGER NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (room, pid)
);
"""


def _room_features(db: sqlite3.Connection) -> None:
    columns = {row[1] for row in db.execute("PRAGMA table_info(doc_updates)")}
    if "ts" not in columns:
        db.execute("ALTER TABLE doc_updates ADD COLUMN ts INTEGER")
    _script(db, ROOM_FEATURES_4)


def now_ms() -> int:
    return int(time.time() * 1000)


def _add_version(db: sqlite3.Connection) -> None:
    """Version 3: each save of a session counts up its version; `save_session_if` writes only
    over the version it read, so two nodes cannot both write a session (collabd.cluster)."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(sessions)")}
    if "version" not in columns:
        db.execute("ALTER TABLE sessions ADD COLUMN version INTEGER NOT NULL DEFAULT 0")


def migrate(db: sqlite3.Connection) -> int:
    """Apply the pending STEPS in one transaction; returns the version reached."""
    with _Transaction(db):
        return upgrade(db, STEPS, "?")


# what the Store methods raise instead (ports.StoreUnavailable, ports.StoreConflict)
UNAVAILABLE = (sqlite3.OperationalError, OSError)
CONFLICT = (sqlite3.IntegrityError,)


@translating(UNAVAILABLE, CONFLICT, inline=frozenset({"append_updates"}))
class SqliteStore:
    writes_inline = True  # a commit is a write into the page cache: cheap on the loop's thread

    def __init__(self, path: Path, synchronous: str = "NORMAL") -> None:
        private_dir(path.parent)
        for name in ("", "-wal", "-shm", ".log-lock"):  # SQLite gives -wal/-shm the db's mode
            private_file(Path(f"{path}{name}"), create=not name)
        self.path = path
        self._local = threading.local()  # one reading connection per thread that reads
        self._readers: list[sqlite3.Connection] = []
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

    def checkpoint(self) -> None:
        """Drain the hot log (its commit fsynced before its segments go), then copy the WAL
        into the database file (fsync); PASSIVE never blocks the writer. On the worker."""
        if self.log is not None:
            self.log.drain()
        self.reader.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def _stored_top(self, room: str) -> int:
        """The room's last seq in the tables: its last row's, or its snapshot's."""
        row = self.db.execute(
            "SELECT MAX(x) FROM (SELECT MAX(seq) AS x FROM doc_updates WHERE room=?1 "
            "UNION ALL SELECT upto FROM doc_snapshots WHERE room=?1)", (room,)).fetchone()
        return int(row[0] or 0)

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

    # -- documents

    def load_doc(self, room: str) -> DocRows:
        """The room's snapshot (if any) then its updates, in order; the last update's seq; and
        the owners of its Yjs client ids. On the worker thread."""
        return self._load_doc(self.reader, room)

    def load_doc_now(self, room: str) -> DocRows:
        """load_doc on the loop's thread (through the writing connection): for rebuilding a
        room's document at once, with nothing else interleaved."""
        return self._load_doc(self.db, room)

    def _unlogged(self, room: str) -> tuple[list[tuple[int, int, bytes]], dict[int, str]]:
        """The room's rows and owners not yet in the tables, (seq, ts, update) in order: the
        writer's mirror, or for another process (a CLI next to a running server) the writer's
        segments. Read before the tables: rows leave the log only once they are in them."""
        if self.log is not None:
            return self.log.pending(room)
        rows, owners = update_log.read_all(self.path)
        mine = sorted((s, t, d) for r, s, d, t in rows if r == room)
        return mine, {c: o for r, c, o in reversed(owners) if r == room}

    def _load_doc(self, db: sqlite3.Connection, room: str) -> DocRows:
        logged, logged_owners = self._unlogged(room)
        out: list[bytes] = []
        last = 0
        row = db.execute("SELECT data, upto FROM doc_snapshots WHERE room=?", (room,)).fetchone()
        if row:
            out.append(row[0])
            last = row[1]
        for rid, data in db.execute(
            "SELECT seq, data FROM doc_updates WHERE room=? AND seq>? ORDER BY seq", (room, last)
        ):
            out.append(data)
            last = rid
        owners = dict(db.execute("SELECT client, owner FROM doc_clients WHERE room=?", (room,)))
        for seq, _, data in logged:
            if seq > last:
                out.append(data)
                last = seq
        for client, owner in logged_owners.items():
            owners.setdefault(client, owner)
        return out, last, owners

    def append_updates(self, batch: list[tuple[str, int, bytes]],
                       owners: Sequence[tuple[str, int, str]] = ()) -> None:
        """Append (room, seq, update) rows, and record (room, client, owner) bindings, in one
        transaction (group commit)."""
        ts = now_ms()  # the commit's time: what replay shows (SPEC 18)
        log = self.log
        try:  # translated here, not by a wrapper: this runs once per update
            if log is not None and log.hot:
                if log.append(ts, batch, owners) and log.drain_lock.acquire(blocking=False):
                    try:  # a flood: into the tables now, unless a drain is moving them already
                        log.move(self.db)
                    except (sqlite3.Error, OSError) as exc:  # durable in the log: drains retry
                        log_.warning("moving a flood of updates into SQLite failed: %s", exc)
                    finally:
                        log.drain_lock.release()
                return
            sql = "INSERT INTO doc_updates (room, seq, data, ts) VALUES (?, ?, ?, ?)"
            if len(batch) == 1 and not owners:
                self.db.execute(sql, (*batch[0], ts))  # a statement alone is its own transaction
                return
            with self._tx():
                self.db.executemany(sql, [(*row, ts) for row in batch])
                if owners:
                    self.db.executemany(
                        "INSERT OR IGNORE INTO doc_clients (room, client, owner) VALUES (?, ?, ?)",
                        owners)
        except (*UNAVAILABLE, *CONFLICT) as exc:
            raise translated(exc, UNAVAILABLE, CONFLICT) from exc

    def compact(self, room: str, snapshot: bytes, upto: int, keep_history: bool = False) -> None:
        """The rows it covers must be in the table before it deletes them, and no drain may
        add any during it: it moves the hot log's rows into the tables first, holding the
        drain lock (the room has the worker thread checkpoint just before, so little is left
        to move here on the loop)."""
        if self.log is None:
            self._compact(self.db, room, snapshot, upto, keep_history)
            return
        with self.log.drain_lock:
            self.log.move(self.db)
            self._compact(self.db, room, snapshot, upto, keep_history)

    @staticmethod
    def _compact(db: sqlite3.Connection, room: str, snapshot: bytes, upto: int,
                 keep_history: bool) -> None:
        with _Transaction(db):
            if keep_history:
                # the old snapshot is the history's base when the rows it covers are gone
                # (pruned, or deleted before history was kept): save it before replacing it
                db.execute(
                    "INSERT OR IGNORE INTO doc_history_base (room, data, upto) "
                    "SELECT room, data, upto FROM doc_snapshots s WHERE room=?1 AND NOT EXISTS "
                    "(SELECT 1 FROM doc_updates WHERE room=?1 AND seq<=s.upto)", (room,))
            db.execute(
                "INSERT INTO doc_snapshots (room, data, upto) VALUES (?, ?, ?) "
                "ON CONFLICT(room) DO UPDATE SET data=excluded.data, upto=excluded.upto",
                (room, snapshot, upto),
            )
            if not keep_history:
                db.execute("DELETE FROM doc_updates WHERE room=? AND seq<=?", (room, upto))
                db.execute("DELETE FROM doc_history_base WHERE room=?", (room,))

    def history(self, room: str) -> tuple[bytes | None, int, list[tuple[int, int | None, bytes]]]:
        """The room's document history: (base, upto, rows) where base is the document after
        the updates with seq <= upto (None: empty, upto 0) and rows every (seq, ts, update)
        after it, in order; ts is None for rows stored before times were kept."""
        logged, _ = self._unlogged(room)
        db = self.reader
        db.execute("BEGIN")  # one consistent view of three tables
        try:
            row = db.execute("SELECT data, upto FROM doc_history_base WHERE room=?",
                             (room,)).fetchone()
            if row is None:
                row = db.execute(
                    "SELECT data, upto FROM doc_snapshots s WHERE room=?1 AND NOT EXISTS "
                    "(SELECT 1 FROM doc_updates WHERE room=?1 AND seq<=s.upto)",
                    (room,)).fetchone()
            base, upto = (row[0], row[1]) if row else (None, 0)
            rows = db.execute("SELECT seq, ts, data FROM doc_updates WHERE room=? AND seq>? "
                              "ORDER BY seq", (room, upto)).fetchall()
        finally:
            db.execute("COMMIT")
        out = [(s, t, d) for s, t, d in rows]
        top = out[-1][0] if out else upto
        return base, upto, out + [r for r in logged if r[0] > top]

    def count_updates(self, room: str) -> int:
        logged, _ = self._unlogged(room)
        if not logged:  # the writer itself, or nothing left in its log
            row = self.reader.execute("SELECT COUNT(*) FROM doc_updates WHERE room=?",
                                      (room,)).fetchone()
            return int(row[0])
        seqs = {s for (s,) in self.reader.execute("SELECT seq FROM doc_updates WHERE room=?",
                                                  (room,))}
        return len(seqs | {s for s, _, _ in logged})

    # -- sessions

    def save_session(self, sid: str, record: dict[str, Any], now: int, simulated: bool = False,
                     extra: dict[str, Any] | None = None, *, kind: str | None = None,
                     keys: tuple[str | None, str | None] = (None, None)) -> None:
        """Insert or update. `kind` (default: simulated or real), `extra` and `keys` (the
        interviewer's and interviewee's person keys) are set on insert only."""
        kind = kind or (SIMULATED if simulated else REAL)
        if kind not in KINDS:
            raise ValueError(f"session kind must be one of {', '.join(KINDS)}")
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
        return _session_row(row) if row else None

    def load_session_versioned(self, sid: str) -> tuple[SessionRow, int] | None:
        row = self.reader.execute(f"SELECT {SESSION_COLUMNS}, version FROM sessions WHERE id=?",
                                  (sid,)).fetchone()
        return (_session_row(row[:-1]), int(row[-1])) if row else None

    def save_session_if(self, sid: str, record: dict[str, Any], now: int, version: int) -> bool:
        with self._tx():
            cur = self.db.execute(
                "UPDATE sessions SET record=?, updated_at=?, version=version+1 "
                "WHERE id=? AND version=?", (json.dumps(record), now, sid, version))
            return cur.rowcount == 1

    def list_sessions(self, limit: int, offset: int = 0,
                      kind: str | None = None) -> list[SessionRow]:
        """Newest first; only sessions of `kind` when it is given."""
        rows = self.reader.execute(
            f"SELECT {SESSION_COLUMNS} FROM sessions WHERE ?1 IS NULL OR kind = ?1 "
            "ORDER BY created_at DESC, id LIMIT ?2 OFFSET ?3", (kind, limit, offset),
        ).fetchall()
        return [_session_row(r) for r in rows]

    def all_sessions(self) -> list[SessionRow]:
        rows = self.reader.execute(
            f"SELECT {SESSION_COLUMNS} FROM sessions ORDER BY created_at").fetchall()
        return [_session_row(r) for r in rows]

    def candidate_sessions(self, key: str) -> list[SessionRow]:
        """The sessions whose interviewee has this person key, oldest first."""
        rows = self.reader.execute(
            f"SELECT {SESSION_COLUMNS} FROM sessions WHERE interviewee_key = ? "
            "ORDER BY created_at", (key,)).fetchall()
        return [_session_row(r) for r in rows]

    def timed_sessions(self) -> list[SessionRow]:
        """Unfinished sessions that have a timer to run with nobody connected: a phase deadline
        (live, feedback, revealed) or a lobby with someone (re)connecting. The others are loaded
        on demand."""
        rows = self.reader.execute(  # CASE: a damaged record is never parsed, nor fails it
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
        return [_session_row(r) for r in rows]

    def stale_practice_lobbies(self, created_before: int, limit: int) -> list[str]:
        """Ids of practice sessions still in the lobby that were created before the time."""
        rows = self.reader.execute(
            "SELECT id FROM sessions WHERE created_at < ? AND CASE WHEN json_valid(record) "
            "AND json_valid(extra) THEN json_extract(record, '$.phase') = 'lobby' AND "
            "json_extract(extra, '$.practice') END ORDER BY created_at LIMIT ?",
            (created_before, limit))
        return [r[0] for r in rows]

    # -- chat and the session log

    def append_chat(self, room: str, ts: int, sender: dict[str, Any], text: str) -> int:
        with self._tx():
            cur = self.db.execute(
                "INSERT INTO chat (room, ts, sender, text) VALUES (?, ?, ?, ?)",
                (room, ts, json.dumps(sender), text),
            )
        return cur.lastrowid or 0

    def chat_after(self, room: str, after: int, limit: int) -> list[dict[str, Any]]:
        rows = self.reader.execute(
            "SELECT id, ts, sender, text FROM chat WHERE room=? AND id>? ORDER BY id LIMIT ?",
            (room, after, limit),
        ).fetchall()
        return [{"id": i, "ts": ts, "from": json.loads(s), "text": t} for i, ts, s, t in rows]

    def log_event(self, room: str, ts: int, kind: str, data: dict[str, Any]) -> None:
        with self._tx():
            self.db.execute("INSERT INTO events (room, ts, kind, data) VALUES (?, ?, ?, ?)",
                            (room, ts, kind, json.dumps(data)))

    def events(self, room: str) -> list[tuple[int, str, dict[str, Any]]]:
        rows = self.reader.execute("SELECT ts, kind, data FROM events WHERE room=? ORDER BY id",
                               (room,)).fetchall()
        return [(ts, k, json.loads(d)) for ts, k, d in rows]

    # -- runs, the question, private notes (SPEC 8.7-8.9)

    def append_run(self, room: str, ts: int, sender: dict[str, Any], run: dict[str, Any]) -> int:
        with self._tx():
            cur = self.db.execute("INSERT INTO runs (room, ts, sender, data) VALUES (?, ?, ?, ?)",
                                  (room, ts, json.dumps(sender), json.dumps(run)))
        return cur.lastrowid or 0

    def runs_after(self, room: str, after: int, limit: int) -> list[dict[str, Any]]:
        rows = self.reader.execute(
            "SELECT id, ts, sender, data FROM runs WHERE room=? AND id>? ORDER BY id LIMIT ?",
            (room, after, limit)).fetchall()
        return [{"id": i, "ts": ts, "from": json.loads(s), **json.loads(d)}
                for i, ts, s, d in rows]

    def append_question(self, room: str, ts: int, sender: dict[str, Any] | None,
                        text: str) -> None:
        with self._tx():
            self.db.execute("INSERT INTO questions (room, ts, sender, text) VALUES (?, ?, ?, ?)",
                            (room, ts, None if sender is None else json.dumps(sender), text))

    def questions(self, room: str) -> list[dict[str, Any]]:
        """Every text the room's question had, oldest first: {ts, text, from?}."""
        rows = self.reader.execute(
            "SELECT ts, sender, text FROM questions WHERE room=? ORDER BY id", (room,))
        return [_question(ts, s, t) for ts, s, t in rows]

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
            rows = self.db.execute(
                "UPDATE webhooks SET next_at=? WHERE id IN (SELECT id FROM webhooks "
                "WHERE done=0 AND next_at<=? ORDER BY id LIMIT ?) "
                "RETURNING id, url, body, attempts", (now + lease_ms, now, limit)).fetchall()
        return sorted(rows)

    def webhook_result(self, wid: int, delivered: bool, next_at: int, give_up: bool) -> None:
        with self._tx():
            self.db.execute(
                "UPDATE webhooks SET attempts=attempts+1, next_at=?, done=? WHERE id=?",
                (next_at, 1 if delivered else (2 if give_up else 0), wid),
            )

    def webhook_counts(self) -> dict[str, int]:
        """For the metrics: outbox depth, failed attempts so far, webhooks given up."""
        pending, failed, given_up = self.reader.execute(
            "SELECT COALESCE(SUM(done = 0), 0), COALESCE(SUM(attempts) - SUM(done = 1), 0), "
            "COALESCE(SUM(done = 2), 0) FROM webhooks").fetchone()
        return {"pending": pending, "failed_attempts": failed, "given_up": given_up}

    def _tx(self) -> _Transaction:
        return _Transaction(self.db)


SESSION_COLUMNS = "id, record, kind, extra, interviewer_key, interviewee_key"


def not_a_store(path: Path) -> str | None:
    """Why the existing file at `path` is not a collabd store, or None; read only, so a
    reader never migrates someone else's database into a store."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            found = db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sessions'"
            ).fetchone()
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        return f"{path} is not a collabd store ({exc})"
    if found is None:
        return f"{path} is not a collabd store (it has no sessions table)"
    return None


def _question(ts: int, sender: str | None, text: str) -> dict[str, Any]:
    out: dict[str, Any] = {"ts": ts, "text": text}
    if sender is not None:
        out["from"] = json.loads(sender)
    return out


def _session_row(row: tuple[Any, ...]) -> SessionRow:
    """From the SESSION_COLUMNS; a damaged row has `problem` set (ports.session_row)."""
    return session_row(*row)


def migrate_sessions(db: sqlite3.Connection) -> None:
    """Bring a sessions table from before session kinds and person keys up to date (inside
    the migration's transaction): practice sessions are recognised by the `"practice": true`
    their creator (POST /api/practice) put in `extra`, simulated ones by the old `simulated`
    flag."""
    columns = {r[1] for r in db.execute("PRAGMA table_info(sessions)")}
    if "kind" not in columns:
        db.execute("ALTER TABLE sessions ADD COLUMN kind TEXT NOT NULL DEFAULT 'real'")
        db.execute("UPDATE sessions SET kind = 'simulated' WHERE simulated != 0")
        db.execute("UPDATE sessions SET kind = 'practice' WHERE simulated = 0 AND "
                   "json_extract(extra, '$.practice') = 1")
    for name in ("interviewer_key", "interviewee_key"):
        if name not in columns:
            db.execute(f"ALTER TABLE sessions ADD COLUMN {name} TEXT")
    db.execute("CREATE INDEX IF NOT EXISTS sessions_interviewee_key "
               "ON sessions (interviewee_key) WHERE interviewee_key IS NOT NULL")
    db.execute("CREATE INDEX IF NOT EXISTS sessions_kind ON sessions (kind, created_at)")


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


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type: object, *_: object) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
