"""The rooms' lightweight Event: what the hub and the commit path rely on."""

from __future__ import annotations

import asyncio

import pytest

from collabd.runtime.flag import Flag


async def test_set_wakes_every_waiter_and_later_waits_return_at_once():
    flag = Flag()
    waiters = [asyncio.create_task(flag.wait()) for _ in range(3)]
    await asyncio.sleep(0)  # let them start waiting
    assert not any(w.done() for w in waiters)
    flag.set()
    flag.clear()  # as asyncio.Event: those waiting when it was set still wake
    await asyncio.wait_for(asyncio.gather(*waiters), 5)
    flag.set()
    await asyncio.wait_for(flag.wait(), 5)
    assert flag.is_set()


async def test_a_cancelled_waiter_is_forgotten():
    flag = Flag()
    waiter = asyncio.create_task(flag.wait())
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert flag._waiters == []
    other = asyncio.create_task(flag.wait())
    await asyncio.sleep(0)
    flag.set()
    await asyncio.wait_for(other, 5)
