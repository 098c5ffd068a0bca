"""Hand freed heap pages back to the operating system now and then (glibc's malloc_trim).

A server that creates and drops rooms, sessions and SQLite pages all day leaves free chunks
scattered through glibc's heaps; glibc only returns the top of a heap on its own, so a free
middle stays in RSS with no live object behind it. `malloc_trim(0)` releases every whole free
page in every arena (in a 45-minute soak: about 1 MB of a worker thread's arena each minute;
the main heap's free chunks were too scattered to give back whole pages). Where there is no
glibc (macOS, musl), `trimmer()` is None and nothing runs.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging
from collections.abc import Callable

log = logging.getLogger("collabd.heap")


def trimmer() -> Callable[[], int] | None:
    """glibc's malloc_trim(0), or None where there is none."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int

    def run() -> int:
        return int(trim(0))

    return run


async def trim_loop(period: float) -> None:
    """Trim every `period` seconds, in a worker thread: ctypes lets go of the GIL, so the
    event loop goes on meanwhile (it waits only for an allocation from a locked arena)."""
    trim = trimmer()
    if trim is None or period <= 0:
        return
    while True:
        await asyncio.sleep(period)
        try:
            await asyncio.to_thread(trim)
        except Exception:  # never worth stopping for
            log.exception("heap trim failed")
