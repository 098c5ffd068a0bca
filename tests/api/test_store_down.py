"""The REST API while the store cannot be reached: 503 store_unavailable, never a bare 500
(the failure is injected into the store; tests/cluster/test_postgres_outage.py takes a real
PostgreSQL down for the WebSocket side)."""

from __future__ import annotations

import sqlite3
from typing import Any

import aiohttp

from collabd.api.auth import load_api_key
from collabd.ports import StoreUnavailable


async def get(server: Any, path: str) -> tuple[int, Any]:
    key = load_api_key(server.data_dir)
    async with aiohttp.ClientSession() as http, http.get(
            server.http + path, headers={"Authorization": f"Bearer {key}"}) as r:
        body = await r.json() if r.content_type == "application/json" else await r.text()
        return r.status, body


async def test_a_store_that_does_not_answer_gives_503(server, monkeypatch) -> None:
    assert (await get(server, "/api/sessions"))[0] == 200

    def down(_: Any) -> None:  # the driver fails beneath the adapter, which translates
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(type(server.hub.store), "reader", property(down))
    status, body = await get(server, "/api/sessions")
    assert status == 503
    assert body["error"]["code"] == "store_unavailable"


async def test_the_ports_outage_error_gives_503_whatever_the_store(server, monkeypatch) -> None:
    def down(*_: Any) -> None:  # what every adapter raises for an outage (PostgreSQL's too)
        raise StoreUnavailable("OperationalError: connection refused")

    monkeypatch.setattr(server.hub.store, "list_sessions", down)
    status, body = await get(server, "/api/sessions")
    assert status == 503
    assert body["error"]["code"] == "store_unavailable"


async def test_a_bug_is_still_a_500(server, monkeypatch) -> None:
    def broken(*_: Any) -> None:
        raise KeyError("a bug, not an outage")

    monkeypatch.setattr(server.hub.store, "list_sessions", broken)
    status, _ = await get(server, "/api/sessions")
    assert status == 500
