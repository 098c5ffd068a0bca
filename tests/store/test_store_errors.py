"""The store's errors are the port's: an outage is StoreUnavailable and a refused write
StoreConflict, whichever the adapter, so nothing above the adapters knows a database driver."""

from __future__ import annotations

import ast
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest

import collabd
from collabd.adapters.postgres_store import PostgresStore
from collabd.adapters.sqlite_store import SqliteStore
from collabd.ports import StoreConflict, StoreUnavailable

PACKAGE = Path(collabd.__file__).parent
DRIVERS = {"sqlite3", "psycopg", "psycopg_pool", "psycopg2", "asyncpg", "_sqlite3"}
# a driver's exception names: none of them may be caught or named above the adapters
DRIVER_ERRORS = {"OperationalError", "IntegrityError", "DatabaseError", "ProgrammingError",
                 "InterfaceError", "UniqueViolation", "NotNullViolation"}
# where a driver is the point: the adapters, and the offline tools that copy a store's file
# (backup/restore, migrate-store)
ALLOWED = {"adapters", "backup.py", "migrate.py"}


def outside_the_adapters() -> list[Path]:
    return [p for p in sorted(PACKAGE.rglob("*.py"))
            if p.relative_to(PACKAGE).parts[0] not in ALLOWED]


def test_nothing_above_the_adapters_imports_a_driver_or_names_its_errors() -> None:
    found = []
    files = outside_the_adapters()
    assert len(files) > 50 and any(p.name == "routes.py" for p in files)
    for path in files:
        where = path.relative_to(PACKAGE)
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                names = []
            line = getattr(node, "lineno", 0)
            found += [f"{where}:{line} imports {n}" for n in names if n.split(".")[0] in DRIVERS]
            if isinstance(node, ast.Attribute) and node.attr in DRIVER_ERRORS:
                found.append(f"{where}:{line} names {node.attr}")
            if isinstance(node, ast.Name) and node.id in DRIVER_ERRORS:
                found.append(f"{where}:{line} names {node.id}")
    assert found == []


def test_an_unreachable_postgresql_is_store_unavailable(pg_url: str) -> None:
    store = PostgresStore(pg_url)
    try:
        store.save_session("s1", {"session_id": "s1"}, 1)
        assert len(store.list_sessions(10)) == 1  # both connections open
        ours = "application_name = 'collabd' AND datname = current_database()"
        with psycopg.connect(pg_url, autocommit=True) as admin:  # the outage: a real one
            admin.execute(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE {ours}")
            for _ in range(1000):  # until both backends are gone
                if admin.execute(f"SELECT count(*) FROM pg_stat_activity WHERE {ours}"
                                 ).fetchone() == (0,):
                    break
                time.sleep(0.01)
        for call in (lambda: store.list_sessions(10),
                     lambda: store.save_session("s2", {"session_id": "s2"}, 2)):
            with pytest.raises(StoreUnavailable) as down:
                call()
            assert isinstance(down.value.__cause__, psycopg.OperationalError)
        assert [r.sid for r in store.list_sessions(10)] == ["s1"]  # and it reconnects
    finally:
        store.close()


def test_a_sqlite_store_that_cannot_write_is_store_unavailable(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "collabd.sqlite3")
    writer = store.db
    try:  # the failure injection: a writing connection the file system refuses writes on
        store.db = sqlite3.connect(f"file:{tmp_path / 'collabd.sqlite3'}?mode=ro", uri=True,
                                   isolation_level=None, check_same_thread=False)
        with pytest.raises(StoreUnavailable, match="readonly") as down:
            store.save_session("s1", {"session_id": "s1"}, 1)
        assert isinstance(down.value.__cause__, sqlite3.OperationalError)
        store.db.close()
    finally:
        store.db = writer
        store.close()


def test_a_stored_update_again_is_store_conflict(open_store: Callable[[], Any]) -> None:
    store = open_store()
    store.append_updates([("r", 1, b"a")])
    store.checkpoint()
    with pytest.raises(StoreConflict):
        store.append_updates([("r", 1, b"b")])
    assert store.load_doc("r") == ([b"a"], 1, {})
