from collections.abc import AsyncIterator

import pytest


@pytest.fixture(autouse=True)
async def _close_clients(close_raw_clients: None) -> AsyncIterator[None]:
    """Every test here opens protocol clients; close what a test leaves open."""
    yield
