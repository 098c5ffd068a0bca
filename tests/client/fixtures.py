"""Fixtures shared by the SDK and terminal tests (their conftests import them)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from collab_client import Client


@pytest.fixture
async def clients() -> AsyncIterator[Callable[..., Any]]:
    """Factory of SDK clients, all closed after the test."""
    made: list[Client] = []

    async def make(link: str, **kw: Any) -> Client:
        client = await Client.connect(link, **kw)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.close()
