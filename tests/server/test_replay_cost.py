"""Serving a replay costs memory bounded independently of the history's length (SPEC 18):
a 3 MB document edited 60,000 times, fetched page by page by four embedders at once, raises
the server's peak RSS by a bounded amount over its own baseline. The history is written
straight through the store (fast), the server runs in a child process under a memory limit."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
from pycrdt import Doc, Text

from collabd.adapters.sqlite_store import SqliteStore
from collabd.api.auth import load_api_key
from support.server import ServerProcess

DOC_BYTES = 3_000_000
EDITS = 60_000
MiB = 1024 * 1024


def write_history(data: Path, room: str) -> int:
    """A 3 MB text, then EDITS one-character edits, each its own stored update; the bytes.
    (The edits go to a second, short text: pycrdt takes ~40 ms per insert into a 3 MB one.)"""
    doc: Doc[Any] = Doc(client_id=0x1234_5678)
    updates: list[bytes] = []
    doc.observe(lambda event: updates.append(event.update))
    doc.get("board", type=Text).insert(0, "x" * DOC_BYTES)
    code = doc.get("code", type=Text)
    for _ in range(EDITS):
        code += "y"  # typing
    store = SqliteStore(data / "collabd.sqlite3")
    try:
        for start in range(0, len(updates), 5000):
            chunk = updates[start:start + 5000]
            store.append_updates([(room, start + k + 1, u) for k, u in enumerate(chunk)],
                                 [(room, doc.client_id, "p-writer")] if start == 0 else ())
    finally:
        store.close()
    return sum(map(len, updates))


async def fetch_all(http: aiohttp.ClientSession, base: str, sid: str, key: str) -> int:
    """Every page of the REST timeline; the number of update events."""
    after: int | None = 0
    updates = 0
    while after is not None:
        async with http.get(f"{base}/api/sessions/{sid}/timeline", params={"after": after},
                            headers={"Authorization": f"Bearer {key}"}) as r:
            assert r.status == 200, await r.text()
            body = await r.json()
        updates += sum(e["k"] == "update" for e in body["events"])
        after = body.get("next")
    return updates


async def test_parallel_rest_replays_of_a_long_history_keep_memory_bounded(tmp_path):
    data = tmp_path / "d"
    server = ServerProcess(data, max_memory=3 * 1024 * MiB)
    running = await server.start()
    key = load_api_key(data)
    try:
        async with aiohttp.ClientSession() as http:
            async with http.post(running.http + "/api/sessions", headers={
                    "Authorization": f"Bearer {key}"}, json={
                    "interviewer": {"name": "A", "email": "a@x"},
                    "interviewee": {"name": "B", "email": "b@x"}}) as r:
                assert r.status == 201
                sid = (await r.json())["session_id"]
    finally:
        server.stop()
    await asyncio.to_thread(write_history, data, sid)

    server = ServerProcess(data, max_memory=3 * 1024 * MiB)
    running = await server.start()
    try:
        async with aiohttp.ClientSession() as http:
            # a small replay first, so the baseline has every module loaded
            async with http.post(running.http + "/api/sessions", headers={
                    "Authorization": f"Bearer {key}"}, json={
                    "interviewer": {"name": "A", "email": "a@x"},
                    "interviewee": {"name": "B", "email": "b@x"}}) as r:
                other = (await r.json())["session_id"]
            assert await fetch_all(http, running.http, other, key) == 0
            baseline, _ = server.rss()
            server.reset_peak()  # the peak (VmHWM) counts from here
            counts = await asyncio.gather(*(fetch_all(http, running.http, sid, key)
                                            for _ in range(4)))
            _, peak = server.rss()
        assert counts == [EDITS + 1] * 4  # the 3 MB insert, then every edit
        grew = peak - baseline
        print(f"replay RSS: baseline {baseline / MiB:.0f} MiB, peak {peak / MiB:.0f} MiB, "
              f"+{grew / MiB:.0f} MiB")
        # the history itself is ~5 MB of updates and a 3 MB document: a bounded multiple of
        # it, not a copy of the document per 500 updates (+506 MiB before)
        assert grew < 160 * MiB, f"+{grew / MiB:.0f} MiB"
    finally:
        server.stop()
