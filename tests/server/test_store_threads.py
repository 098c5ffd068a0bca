"""One writer per SQLite connection: every store write goes through Persistence.write, and the
embedded store's writing connection refuses any thread but its own.

The load test is the operator's run that lost interviews: many simulated interviews at once
(API creates, joins, typing, chat, feedback forms, unmask answers) against a server process;
every acknowledged form must be in the store afterwards, and the server's log must show no
SQLite error.
"""

from __future__ import annotations

import ast
import asyncio
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import collabd
from collabd.adapters.sqlite_store import SqliteStore, WrongThread
from collabd.analytics.records import from_session_record
from collabd.ports import WRITES, Store
from collabd.runtime.persistence import Persistence
from collabd.simulate.bots import BotSettings
from collabd.simulate.runner import SimulationConfig, simulate
from support.server import ServerProcess

API_KEY = "store-threads-key"
PACKAGE = Path(collabd.__file__).parent


def store_calls() -> list[tuple[str, int, str, str]]:
    """(file, line, read|write, store method) of every `<x>.read(<y>.store.m, ...)` and
    `<x>.write(...)` in the package."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("read", "write") and node.args
                    and isinstance(node.args[0], ast.Attribute)):
                target = node.args[0]
                owner = target.value
                name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
                if name == "store":
                    found.append((str(path.relative_to(PACKAGE)), node.lineno, node.func.attr,
                                  target.attr))
    return found


def test_every_store_write_goes_through_write_and_every_read_through_read() -> None:
    calls = store_calls()
    assert len(calls) > 30  # the scan finds the call sites (services, features, routes...)
    protocol = {n for n in dir(Store) if not n.startswith("_")}
    assert WRITES <= protocol
    wrong = [c for c in calls if (c[2] == "write") != (c[3] in WRITES)]
    assert wrong == []
    assert not any(hasattr(Persistence, n) for n in ("call",))  # no call that guesses


def test_a_write_from_another_thread_is_refused_and_leaves_the_owners_transaction_alone(
        tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "collabd.sqlite3")
    errors: list[BaseException] = []

    def other() -> None:
        try:
            store.save_session("s-2", {"n": 2}, 2)
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)

    store.db.execute("BEGIN IMMEDIATE")
    store.db.execute("INSERT INTO events (room, ts, kind, data) VALUES ('r', 1, 'k', '{}')")
    thread = threading.Thread(target=other)
    thread.start()
    thread.join(10)
    store.db.execute("COMMIT")  # the owner's transaction was not ended by the other thread
    assert [type(e) for e in errors] == [WrongThread]
    assert store.load_session("s-2") is None
    assert store.events("r") == [(1, "k", {})]
    # reads are fine from any thread: each reading thread has its own connection
    got: list[object] = []
    thread = threading.Thread(target=lambda: got.append(store.events("r")))
    thread.start()
    thread.join(10)
    assert got == [[(1, "k", {})]]
    store.close()


async def test_a_write_sent_as_a_read_fails_loudly(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "collabd.sqlite3")
    persistence = Persistence(store)
    with pytest.raises(WrongThread):
        await persistence.read(store.save_session, "s-1", {"n": 1}, 1)
    await persistence.write(store.save_session, "s-1", {"n": 1}, 1, kind="practice")
    row = await persistence.read(store.load_session, "s-1")
    assert row is not None and row.kind == "practice"
    await persistence.close()


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    # 20 interviews at once from one address: 40 sockets and their API calls
    proc = ServerProcess(tmp_path / "data", "handshakes_per_address=1000",
                         "conn_attempts_per_minute=100000",
                         env={"COLLABD_API_KEY": API_KEY})
    await proc.start()
    try:
        yield proc
    finally:
        proc.kill()


SESSIONS = 60


async def test_concurrent_interviews_lose_no_acknowledged_write(server: ServerProcess) -> None:
    running = server.running
    config = SimulationConfig(
        bots=BotSettings(server=running.http, api_key=API_KEY, type_rate=0, step_timeout=60,
                         session_timeout=240),
        sessions=SESSIONS, concurrency=20, seed=5, unmask="random")
    result = await simulate(config)
    log = server.log_path.read_text(errors="replace")
    assert server.terminate() == 0
    failed = [(o.index, o.step, o.error) for o in result.outcomes if not o.ok]
    assert failed == [], log[-3000:]
    problems = [line for line in log.splitlines()
                if any(w in line.lower() for w in ("sqlite", "transaction", "store_unavailable",
                                                   "traceback"))]
    assert problems == []

    store = await asyncio.to_thread(SqliteStore, running.data_dir / "collabd.sqlite3")
    try:
        rows = store.all_sessions()
    finally:
        store.close()
    records = {r.session_id: r for r in (from_session_record(row.record, row.kind)
                                          for row in rows)}
    assert set(records) == {o.session_id for o in result.outcomes}
    for o in result.outcomes:
        r = records[o.session_id]
        assert r.ended_at is not None
        assert dict(r.interviewer_form or {}) == o.interviewer_form
        assert dict(r.interviewee_form or {}) == o.interviewee_form
