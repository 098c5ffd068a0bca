"""The embedded store's schema, versioned (collabd.adapters.migrations): STEPS are applied on
open, in one transaction, above the version the store records in `schema_version`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .migrations import Step, upgrade
from .sqlite_connection import Transaction
from .sqlite_recording import create_recording

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


def _add_version(db: sqlite3.Connection) -> None:
    """Version 3: each save of a session counts up its version; `save_session_if` writes only
    over the version it read, so two nodes cannot both write a session (collabd.cluster)."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(sessions)")}
    if "version" not in columns:
        db.execute("ALTER TABLE sessions ADD COLUMN version INTEGER NOT NULL DEFAULT 0")


def _room_features(db: sqlite3.Connection) -> None:
    columns = {row[1] for row in db.execute("PRAGMA table_info(doc_updates)")}
    if "ts" not in columns:
        db.execute("ALTER TABLE doc_updates ADD COLUMN ts INTEGER")
    _script(db, ROOM_FEATURES_4)


STEPS = [
    Step(1, "documents, sessions (kinds, person keys), chat, events, webhooks", _step_1),
    Step(2, "indexes: a room's events, due webhooks", lambda db: _script(db, INDEXES_2)),
    Step(3, "sessions.version (compare-and-set saves, cluster mode)", _add_version),
    Step(4, "update times, history base, runs, questions, notes (replay)", _room_features),
    Step(5, "recorded call chunks", create_recording),
]


def migrate(db: sqlite3.Connection) -> int:
    """Apply the pending STEPS in one transaction; returns the version reached."""
    with Transaction(db):
        return upgrade(db, STEPS, "?")


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
