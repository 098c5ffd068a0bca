"""The sessions table of a store made before session kinds: migrated when opened."""

import json
import sqlite3

from collabd.adapters.sqlite_store import SqliteStore

# The sessions table as it was before kinds and person keys (the other tables come from SCHEMA).
OLD_SESSIONS = """
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    record TEXT NOT NULL,
    simulated INTEGER NOT NULL DEFAULT 0,
    extra TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
"""


def old_store(path):
    db = sqlite3.connect(path)
    db.executescript(OLD_SESSIONS)
    rows = [  # what POST /api/sessions, collabd simulate and POST /api/practice stored
        ("s-real", 0, {"webhook_url": "https://example.org/h"}, 1),
        ("s-sim", 1, {}, 2),
        ("s-practice", 0, {"practice": True}, 3),
        ("s-not-practice", 0, {"practice": False}, 4),
    ]
    for sid, simulated, extra, t in rows:
        db.execute(
            "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?)",
            (sid, json.dumps({"session_id": sid}), simulated, json.dumps(extra), t, t),
        )
    db.commit()
    db.close()


def test_old_store_is_migrated_with_practice_sessions_recognised(tmp_path):
    path = tmp_path / "collabd.sqlite3"
    old_store(path)
    store = SqliteStore(path)
    try:
        kinds = {row.record["session_id"]: row.kind for row in store.all_sessions()}
        assert kinds == {
            "s-real": "real",
            "s-sim": "simulated",
            "s-practice": "practice",
            "s-not-practice": "real",
        }
        assert [r.record["session_id"] for r in store.list_sessions(10, 0, "practice")] == [
            "s-practice"
        ]
        # rows still unpack as (record, simulated, extra) for older callers
        record, simulated, extra = store.load_session("s-sim")
        assert record == {"session_id": "s-sim"} and simulated is True and extra == {}
        # new sessions get their kind and keys
        store.save_session("s-new", {"session_id": "s-new"}, 5, kind="practice", keys=("k1", "k2"))
        row = store.load_session("s-new")
        assert (row.kind, row.interviewer_key, row.interviewee_key) == ("practice", "k1", "k2")
        assert [r.record["session_id"] for r in store.candidate_sessions("k2")] == ["s-new"]
        assert store.candidate_sessions("k1") == []
    finally:
        store.close()
    # opening again changes nothing
    store = SqliteStore(path)
    try:
        assert {r.record["session_id"]: r.kind for r in store.all_sessions()}["s-practice"] == (
            "practice"
        )
        assert len(store.all_sessions()) == 5
    finally:
        store.close()


def test_unknown_kind_is_refused(tmp_path):
    store = SqliteStore(tmp_path / "collabd.sqlite3")
    try:
        import pytest

        with pytest.raises(ValueError, match="session kind must be one of"):
            store.save_session("s", {}, 1, kind="bots")
        assert store.all_sessions() == []
    finally:
        store.close()
