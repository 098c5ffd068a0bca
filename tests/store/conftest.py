"""Store fixtures: one PostgreSQL server for the session, a fresh database per test, and the
`store` fixture that runs a test against every adapter of collabd.ports.Store."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from store.pgserver import postgres_server

from collabd.adapters.postgres_store import PostgresStore
from collabd.adapters.sqlite_store import SqliteStore

_numbers = itertools.count()


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """The URL of a PostgreSQL server the tests started (stopped at the end)."""
    with postgres_server() as url:
        yield url


@pytest.fixture
def pg_url(postgres: str) -> Iterator[str]:
    """A new, empty database on the test server; dropped afterwards."""
    name = f"t{next(_numbers)}"
    with psycopg.connect(postgres, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    yield postgres.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(postgres, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


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
