from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

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
