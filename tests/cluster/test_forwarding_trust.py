"""Nodes forward only to members: a lease value must be signed with the cluster's secret, the
embedder's API key is never forwarded (a short-lived proof bound to the method and path is),
and a proof is refused once expired, once used, or for another path. Real redis-server and
PostgreSQL, `collabd serve` nodes in child processes."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from aiohttp import web
from cluster.conftest import Nodes

from collabd.api.auth import load_api_key
from collabd.cluster.node import FORWARD_HEADER, lease_value, make_proof
from collabd.config import load_secret
from support.net import free_port
from support.session import Participant, create


@asynccontextmanager
async def trap() -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    """An HTTP server on 127.0.0.1 that records every request it gets and answers 200."""
    got: list[dict[str, Any]] = []

    async def record(request: web.Request) -> web.Response:
        got.append({"method": request.method, "path": request.path_qs,
                    "headers": dict(request.headers)})
        return web.json_response({"session_id": "x", "phase": "feedback"})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", record)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}", got
    finally:
        await runner.cleanup()


async def post(url: str, headers: dict[str, str]) -> int:
    async with aiohttp.ClientSession() as http, http.post(url, headers=headers) as r:
        return r.status


def keys(nodes: Nodes) -> tuple[bytes, bytes]:
    secret = load_secret(nodes.data_dir)
    return (hashlib.sha256(b"collabd lease " + secret).digest(),
            hashlib.sha256(b"collabd forward " + secret).digest())


async def test_a_forged_lease_sends_nothing_anywhere(nodes: Nodes) -> None:
    [n1] = await nodes.start(1)
    key = {"Authorization": f"Bearer {load_api_key(nodes.data_dir)}"}
    async with trap() as (url, got):
        s = await create(n1)
        sid = s["session_id"]
        # whoever can write to Redis names its own URL as the room's owner
        for forged in (f"{url} 0123456789abcdef", f"{url} 0123456789abcdef {'0' * 64}"):
            nodes.redis.cli("SET", f"collabd:lease:{sid}", forged, "PX", "60000")
            assert await post(f"{n1.http}/api/sessions/{sid}/end", key) == 503
            try:
                await Participant.join(n1, sid, s["interviewer"]["token"])
            except Exception as exc:  # refused before the upgrade
                assert "503" in str(exc), exc
            else:
                raise AssertionError("joined through a forged lease")
        assert got == []  # neither the API key nor a join token went to the forged URL


async def test_forwards_carry_a_proof_not_the_api_key(nodes: Nodes) -> None:
    [n1] = await nodes.start(1)
    lease_key, _ = keys(nodes)
    api_key = load_api_key(nodes.data_dir)
    async with trap() as (url, got):
        s = await create(n1)
        sid = s["session_id"]
        # a member's lease (signed with the secret every node has) is followed
        nodes.redis.cli("SET", f"collabd:lease:{sid}", lease_value(lease_key, url, "feed"),
                        "PX", "60000")
        assert await post(f"{n1.http}/api/sessions/{sid}/end", {}) == 401  # not forwarded
        assert got == []
        assert await post(f"{n1.http}/api/sessions/{sid}/end",
                          {"Authorization": f"Bearer {api_key}"}) == 200
        [forwarded] = got
        assert forwarded["method"] == "POST" and forwarded["path"] == f"/api/sessions/{sid}/end"
        assert "Authorization" not in forwarded["headers"]
        assert api_key not in str(forwarded)
        assert forwarded["headers"][FORWARD_HEADER].count(".") == 2


async def test_proofs_are_short_lived_single_use_and_bound_to_the_path(nodes: Nodes) -> None:
    [n1] = await nodes.start(1)
    _, forward_key = keys(nodes)
    s = await create(n1)
    sid = s["session_id"]
    end = f"/api/sessions/{sid}/end"

    def proof(path: str, age_ms: int = 0, method: str = "POST") -> dict[str, str]:
        now = int(time.time() * 1000) - age_ms
        return {FORWARD_HEADER: make_proof(forward_key, method, path, now,
                                           secrets.token_hex(8))}

    assert await post(n1.http + end, proof(end, age_ms=60_000)) == 401  # expired
    assert await post(n1.http + end, proof(f"/api/sessions/{sid}/cancel")) == 401  # other path
    assert await post(n1.http + end, proof(end, method="GET")) == 401  # other method
    fresh = proof(end)
    assert await post(n1.http + end, fresh) == 200  # a member's proof stands for the key
    assert await post(n1.http + end, fresh) == 401  # and only once
    assert await post(n1.http + end, {FORWARD_HEADER: fresh[FORWARD_HEADER] + "0"}) == 401
