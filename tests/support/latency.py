"""Relay latency of a room as a measure of what an attack elsewhere costs everyone else.

A probe types into its own room from one client and times how long each update takes to
reach a second client. Attack tests compare its p99 under attack with a baseline taken in
the same test, so the machine's speed cancels out.
"""

from __future__ import annotations

import asyncio
import time

from pycrdt import Doc, Text

from collab_protocol import SyncUpdate

from .rooms import joined
from .wsclient import RawClient


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[int(0.99 * (len(ordered) - 1))]


class Probe:
    def __init__(self, writer: RawClient, reader: RawClient) -> None:
        self.writer = writer
        self.reader = reader
        self.doc: Doc = Doc()
        self.text = self.doc.get("code", type=Text)

    @classmethod
    async def join(cls, server, room: str = "calm") -> Probe:  # type: ignore[no-untyped-def]
        return cls(await joined(server, room, "probe-w"), await joined(server, room, "probe-r"))

    async def sample(self, n: int, pace: float = 0.0) -> list[float]:
        """Seconds from sending each of n keystrokes to their arrival at the other client; with
        `pace`, a keystroke every `pace` seconds at most (so that n samples span a while)."""
        out = []
        for _ in range(n):
            if pace:
                await asyncio.sleep(pace)  # typing speed, not a wait for something
            sv = self.doc.get_state()
            self.text += "k"
            update = self.doc.get_update(sv)
            start = time.perf_counter()
            await self.writer.send(SyncUpdate(update))
            await self.reader.recv_until(
                lambda m, u=update: isinstance(m, SyncUpdate) and m.update == u, timeout=60)
            out.append(time.perf_counter() - start)
        return out
