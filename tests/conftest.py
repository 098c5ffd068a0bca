from __future__ import annotations

import os

# The developer loop runs the sources, built or not (README, Developing); COLLABD_NATIVE=1 asks
# for the compiled build instead (scripts/test.sh's compiled step). Set before collabd is imported.
os.environ.setdefault("COLLABD_NATIVE", "0")

import itertools
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from support.pgserver import postgres_server
from support.server import Running, in_process
from support.wsclient import RawClient
from support.yclient import YClient


@pytest.fixture
async def close_raw_clients() -> AsyncIterator[None]:
    """Tests may leave protocol clients open; close them before the loop goes away."""
    yield
    await RawClient.close_all()


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[Running]:
    async with in_process(tmp_path / "data") as running:
        yield running


@pytest.fixture
async def yclients() -> AsyncIterator[Callable[[], object]]:
    """Factory of real Yjs (npm yjs + y-websocket) clients; all are closed after the test."""
    made: list[YClient] = []

    async def make() -> YClient:
        client = await YClient().start()
        made.append(client)
        return client

    yield make
    for client in made:
        await client.close()


_databases = itertools.count()


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """The URL of a PostgreSQL server the tests started (stopped at the end of the run)."""
    with postgres_server() as url:
        yield url


@pytest.fixture
def pg_url(postgres: str) -> Iterator[str]:
    """A new, empty database on the test server; dropped afterwards."""
    import psycopg

    name = f"t{next(_databases)}"
    with psycopg.connect(postgres, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    yield postgres.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(postgres, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
