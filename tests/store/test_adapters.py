"""What is particular to each adapter: SQLite's migrations from older stores, PostgreSQL's
one round trip and one transaction per batch, and the runtime's off-loop writes for it."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import tempfile
from pathlib import Path

import pytest

from collabd.adapters import sqlite_schema, sqlite_store
from collabd.adapters.postgres_store import PostgresStore
from collabd.adapters.sqlite_store import SqliteStore
from collabd.ports import StoreConflict, StoreError
from collabd.runtime.persistence import Persistence

# The tables of a store from before versioning, session kinds and client id owners.
LEGACY = """
CREATE TABLE doc_updates (room TEXT NOT NULL, seq INTEGER NOT NULL, data BLOB NOT NULL,
    PRIMARY KEY (room, seq)) WITHOUT ROWID;
CREATE TABLE sessions (id TEXT PRIMARY KEY, record TEXT NOT NULL,
    simulated INTEGER NOT NULL DEFAULT 0, extra TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
CREATE TABLE chat (id INTEGER PRIMARY KEY AUTOINCREMENT, room TEXT NOT NULL, ts INTEGER NOT NULL,
    sender TEXT NOT NULL, text TEXT NOT NULL);
CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, room TEXT NOT NULL,
    ts INTEGER NOT NULL, kind TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE webhooks (id INTEGER PRIMARY KEY AUTOINCREMENT, url TEXT NOT NULL,
    body TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL,
    done INTEGER NOT NULL DEFAULT 0);
CREATE TABLE doc_snapshots (room TEXT PRIMARY KEY, data BLOB NOT NULL, upto INTEGER NOT NULL);
INSERT INTO doc_updates VALUES ('r', 1, x'0102'), ('r', 2, x'0304');
INSERT INTO sessions VALUES ('s1', '{"phase": "live", "presence": {}}', 1, '{}', 5, 5),
    ('s2', '{"phase": "lobby", "presence": {}}', 0, '{"practice": true}', 6, 6);
INSERT INTO chat (room, ts, sender, text) VALUES ('r', 1, '{"id": "p"}', 'hello');
INSERT INTO events (room, ts, kind, data) VALUES ('r', 1, 'phase', '{}');
"""


def indexes(path: Path) -> set[str]:
    db = sqlite3.connect(path)
    try:
        return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    finally:
        db.close()


def test_sqlite_from_before_versioning(tmp_path: Path) -> None:
    path = tmp_path / "collabd.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(LEGACY)
    db.close()
    store = SqliteStore(path)
    try:
        assert store.schema_version() == len(sqlite_store.STEPS)
        assert store.load_doc("r") == ([b"\x01\x02", b"\x03\x04"], 2, {})
        assert [(r.record["phase"], r.kind) for r in store.all_sessions()] == [
            ("live", "simulated"), ("lobby", "practice")]
        assert store.chat_after("r", 0, 5)[0]["text"] == "hello"
        store.append_updates([("r", 3, b"\x05")], [("r", 9, "p")])  # doc_clients exists now
        assert store.load_doc("r")[2] == {9: "p"}
    finally:
        store.close()
    assert {"events_room", "webhooks_due", "sessions_kind"} <= indexes(path)


def test_sqlite_from_version_1(tmp_path: Path) -> None:
    """A store written by the code of version 1 (only the first step) gets step 2 on open."""
    path = tmp_path / "collabd.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    sqlite_store.STEPS[0].apply(db)
    db.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    db.execute("INSERT INTO schema_version VALUES (1)")
    db.execute("INSERT INTO events (room, ts, kind, data) VALUES ('r', 3, 'phase', '{\"a\": 1}')")
    db.close()
    assert "events_room" not in indexes(path)
    store = SqliteStore(path)
    try:
        assert store.schema_version() == len(sqlite_store.STEPS)
        assert store.events("r") == [(3, "phase", {"a": 1})]
    finally:
        store.close()
    assert {"events_room", "webhooks_due"} <= indexes(path)


def test_sqlite_a_failing_step_leaves_the_store_as_it_was(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "collabd.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    sqlite_store.STEPS[0].apply(db)
    db.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    db.execute("INSERT INTO schema_version VALUES (1)")
    db.close()

    def broken(db: sqlite3.Connection) -> None:  # failure injection: step 2 dies half-way
        db.execute("CREATE INDEX events_room ON events (room, id)")
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(sqlite_schema, "STEPS", [
        sqlite_store.STEPS[0], sqlite_store.Step(2, "broken", broken)])
    with pytest.raises(RuntimeError):
        SqliteStore(path)
    assert "events_room" not in indexes(path)
    db = sqlite3.connect(path)
    assert db.execute("SELECT version FROM schema_version").fetchall() == [(1,)]
    db.close()


def test_postgres_a_batch_is_one_round_trip_and_one_transaction(pg_url: str) -> None:
    store = PostgresStore(pg_url)
    try:
        batch = [(f"room{i % 7}", i // 7 + 1, os.urandom(30)) for i in range(100)]
        owners = [(f"room{i}", 1000 + i, f"p{i}") for i in range(7)]
        store.append_updates(batch[:1])  # warm up: the statements prepared
        store.append_updates(batch[1:2], owners[:1])
        conn = store.connection()
        before = conn.execute("SELECT txid_current()").fetchone()[0]
        with tempfile.TemporaryFile("w+") as trace:
            conn.pgconn.trace(trace.fileno())
            store.append_updates(batch[2:], owners[1:])
            conn.pgconn.untrace()
            trace.seek(0)
            # libpq's trace: [timestamp] direction length message ...; F is to the server
            messages = [(p[p.index(d) + 2].split()[0], d) for p in
                        (line.rstrip("\n").split("\t") for line in trace)
                        for d in ("F", "B") if d in p]
        after = conn.execute("SELECT txid_current()").fetchone()[0]
        # one transaction: the batch took one transaction id (txid_current() took the other)
        assert after - before == 2
        # one round trip: one Sync to the server, one ReadyForQuery back
        sent = [m for m, d in messages if d == "F"]
        assert sent.count("Sync") + sent.count("Query") == 1, messages
        assert [m for m, d in messages if d == "B"].count("ReadyForQuery") == 1, messages
        assert store.count_updates("room0") == len([b for b in batch if b[0] == "room0"])
    finally:
        store.close()


async def test_persistence_runs_postgres_writes_off_the_loop(pg_url: str) -> None:
    """The group commit with writes_inline False: batches on the writer thread, callbacks on
    the loop in append order, a failed batch reported to every waiter, flush_now."""
    store = PostgresStore(pg_url)
    p = Persistence(store)
    loop_thread = asyncio.get_running_loop()
    done: list[tuple[int, BaseException | None]] = []
    futures = []
    for seq in range(1, 51):
        fut = loop_thread.create_future()
        futures.append(fut)

        def committed(exc: BaseException | None, seq: int = seq, fut=fut) -> None:  # type: ignore[no-untyped-def]
            done.append((seq, exc))
            fut.set_result(None)

        p.append("r", seq, bytes([seq]), committed, [("r", seq, "p")] if seq < 3 else None)
        if seq % 10 == 0:
            await asyncio.sleep(0)  # let a batch go: the next ones queue behind it
    await asyncio.wait_for(asyncio.gather(*futures), 10)
    assert done == [(s, None) for s in range(1, 51)]
    assert p.stats.commit_batches < 50  # batched
    assert store.load_doc("r")[1:] == (50, {1: "p", 2: "p"})

    failed: list[BaseException | None] = []
    p.append("r", 50, b"dup", failed.append)  # seq 50 exists: this batch fails
    p.append("s", 1, b"x", failed.append)
    p.flush_now()
    assert len(failed) == 2 and all(isinstance(e, StoreConflict) for e in failed)
    assert store.load_doc("s") == ([], 0, {})

    # other writes go through the writer thread, reads through the reader
    await p.write(store.log_event, "r", 1, "k", {"a": 1})
    assert await p.read(store.events, "r") == [(1, "k", {"a": 1})]
    await p.close()


def test_postgres_bad_settings_are_clear_errors(postgres: str) -> None:
    with pytest.raises(StoreError, match="postgresql://"):
        PostgresStore("mysql://127.0.0.1/x")
    port = postgres.rsplit(":", 1)[1].split("/")[0]
    with pytest.raises(StoreError, match="cannot use PostgreSQL at 127.0.0.1.*/nosuchdb"):
        PostgresStore(f"postgresql://postgres:hunter2@127.0.0.1:{port}/nosuchdb")
    try:
        PostgresStore(f"postgresql://postgres:hunter2@127.0.0.1:{port}/nosuchdb")
    except StoreError as exc:
        assert "hunter2" not in str(exc)
