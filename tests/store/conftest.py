"""Store fixtures: one PostgreSQL server for the session, a fresh database per test, and the
`store` fixture that runs a test against every adapter of collabd.ports.Store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from collabd.adapters.postgres_store import PostgresStore
from collabd.adapters.sqlite_store import SqliteStore


@pytest.fixture
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], Any]]:
    """Opens the store under test again and again (same file or database); all are closed."""
    opened: list[Any] = []
    if request.param == "sqlite":
        def make() -> Any:
            return SqliteStore(tmp_path / "collabd.sqlite3")
    else:
        url = request.getfixturevalue("pg_url")

        def make() -> Any:
            return PostgresStore(url)

    def opener() -> Any:
        store = make()
        opened.append(store)
        return store

    yield opener
    for store in opened:
        store.close()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "open_store" in metafunc.fixturenames:
        metafunc.parametrize("open_store", ["sqlite", "postgres"], indirect=True)


@pytest.fixture
def store(open_store: Callable[[], Any]) -> Any:
    return open_store()
