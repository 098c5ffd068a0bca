"""A store whose checkpoints fail (a full disk for a while): the periodic drain of the hot log
keeps retrying, backing off, says so in the log, in /metrics and in /healthz (503 with the
reason), and once the disk has room again every update reaches SQLite."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from collabd.api.auth import load_api_key
from support.net import wait_until
from support.server import Running, in_process


async def get(server: Running, path: str) -> tuple[int, str]:
    key = load_api_key(server.data_dir)
    async with aiohttp.ClientSession() as http, http.get(
            server.http + path, headers={"Authorization": f"Bearer {key}"}) as r:
        return r.status, await r.text()


def metric(text: str, name: str) -> float:
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name:
                return float(s.value)
    raise KeyError(name)


def rows(path: Path) -> list[int]:
    db = sqlite3.connect(path)
    try:
        return [s for (s,) in db.execute("SELECT seq FROM doc_updates ORDER BY seq")]
    finally:
        db.close()


async def test_failing_checkpoints_are_retried_and_visible_until_they_succeed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    async with in_process(tmp_path) as server:
        hub = server.hub
        store, persistence = hub.store, hub.persistence
        real = store.checkpoint
        failures = {"left": 2}

        def checkpoint() -> None:  # the failure injection: a full disk, twice
            if failures["left"]:
                failures["left"] -= 1
                raise sqlite3.OperationalError("database or disk is full")
            real()

        monkeypatch.setattr(store, "checkpoint", checkpoint)
        with caplog.at_level(logging.WARNING, logger="collabd.persistence"):
            done: list[Any] = []
            persistence.append("room", 1, b"\x00\x00", done.append)
            await persistence.write(store.log_event, "room", 1, "k", {})  # starts checkpoints
            assert done == [None]
            await wait_until(lambda: persistence.checkpoint_failures >= 1, 30)
            status, body = await get(server, "/healthz")
            assert status == 503 and "database or disk is full" in body
            status, text = await get(server, "/metrics")
            assert metric(text, "collabd_store_checkpoint_failures_total") >= 1
            assert metric(text, "collabd_store_checkpoint_stalled_seconds") >= 0
            assert rows(server.data_dir / "collabd.sqlite3") == []  # still only in the log
            persistence.append("room", 2, b"\x00\x00", done.append)  # appends go on
            # the drain comes back by itself: both updates reach SQLite
            await wait_until(lambda: rows(server.data_dir / "collabd.sqlite3") == [1, 2], 30)
            await wait_until(lambda: persistence.stalled() == 0.0, 30)
            status, body = await get(server, "/healthz")
            assert (status, body) == (200, '{"ok":true}')
        assert persistence.checkpoint_failures == 2
        messages = [r.getMessage() for r in caplog.records]
        assert sum("checkpoint failed" in m for m in messages) == 2
        assert any("checkpoints succeed again" in m for m in messages)
