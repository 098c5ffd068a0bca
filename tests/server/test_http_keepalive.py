"""A pooled HTTP connection stays usable for as long as clients keep it idle."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp

from support.server import in_process


async def test_a_connection_idle_longer_than_the_header_timeout_is_reused(tmp_path: Path) -> None:
    reused: list[object] = []

    async def on_reuse(session: object, ctx: object, params: object) -> None:
        reused.append(params)

    trace = aiohttp.TraceConfig()
    trace.on_connection_reuseconn.append(on_reuse)
    async with in_process(tmp_path / "data", header_timeout_seconds=0.3,
                          http_idle_seconds=5.0) as server:
        connector = aiohttp.TCPConnector(keepalive_timeout=4.0)
        async with aiohttp.ClientSession(connector=connector, trace_configs=[trace]) as http:
            async with http.get(f"{server.http}/healthz") as r:
                assert r.status == 200
            # idle past the header timeout, within both keep-alive timeouts: the client
            # reuses its pooled connection, and the server must not have closed it
            await asyncio.sleep(1.0)
            async with http.get(f"{server.http}/healthz") as r:
                assert r.status == 200
        assert len(reused) == 1
