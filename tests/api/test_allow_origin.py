"""`--allow-origin` adds browser origins to the same origin; it never locks out the built-in
web client served by the same server (docs/operations.md)."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from collabd.cli import parser
from support.server import Running, in_process

EMBEDDER = "https://embedder.example"


async def upgrade_status(server: Running, origin: str) -> int:
    """The status of a room upgrade sent with this Origin (101 when it is let in)."""
    url = f"{server.http}/rooms/r1?token={server.token('r1')}"
    async with aiohttp.ClientSession() as http:
        try:
            async with http.ws_connect(url, origin=origin) as ws:
                await ws.close()
                return 101
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status


async def test_allowed_origins_are_added_to_the_same_origin(tmp_path: Path) -> None:
    args = parser().parse_args(["serve", "--allow-origin", EMBEDDER])
    settings = {"allowed_origins": tuple(args.allow_origin)}
    async with in_process(tmp_path, settings) as server:
        assert await upgrade_status(server, f"http://127.0.0.1:{server.port}") == 101
        assert await upgrade_status(server, EMBEDDER) == 101
        assert await upgrade_status(server, "https://evil.example") == 403


async def test_without_allowed_origins_only_the_same_origin_is_let_in(tmp_path: Path) -> None:
    async with in_process(tmp_path) as server:
        assert await upgrade_status(server, f"http://127.0.0.1:{server.port}") == 101
        assert await upgrade_status(server, EMBEDDER) == 403
