"""Who a connection is counted against, and what unfinished connections may hold
(adapters/http_server.py, adapters/addresses.py; SPEC 3.3)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
from collections.abc import AsyncIterator

import aiohttp
import pytest
from multidict import CIMultiDict

from collabd.adapters.addresses import TrustedProxies, address_key
from support.rawws import Raw, client_frame, close_raw_sockets
from support.server import ServerProcess, in_process


@pytest.fixture(autouse=True)
async def _close_raw() -> AsyncIterator[None]:
    yield
    await close_raw_sockets()


def test_ipv6_clients_are_counted_by_their_64():
    assert address_key("2001:db8:1:2::1") == address_key("2001:db8:1:2:ffff:ffff:ffff:ffff")
    assert address_key("2001:db8:1:2::1") != address_key("2001:db8:1:3::1")
    assert address_key("::ffff:192.0.2.7") == address_key("192.0.2.7") == "192.0.2.7"
    assert address_key("192.0.2.7") != address_key("192.0.2.8")
    assert address_key("fe80::1%eth0") == address_key("fe80::2")


def headers(**kw: str) -> CIMultiDict[str]:
    return CIMultiDict({k.replace("_", "-"): v for k, v in kw.items()})


def test_the_client_behind_a_trusted_proxy_is_the_rightmost_untrusted_hop():
    xff = TrustedProxies(["10.0.0.0/8", "2001:db8::/32"])
    h = headers(X_Forwarded_For="203.0.113.9, 198.51.100.7, 10.1.1.1")
    assert xff.client("10.0.0.2", h) == "198.51.100.7"  # what the client wrote is left of it
    assert xff.client("192.0.2.1", h) == "192.0.2.1"  # not a trusted peer: header ignored
    assert xff.client("10.0.0.2", headers()) == "10.0.0.2"  # no header: the proxy itself
    v6 = headers(X_Forwarded_For="2001:db9:0:1::5")
    assert xff.client("2001:db8::1", v6) == address_key("2001:db9:0:1::6")
    fwd = TrustedProxies(["10.0.0.0/8"], "Forwarded")
    h = headers(Forwarded='for=203.0.113.9;proto=https, for="[2001:db9:0:1::5]:4711", '
                          "for=198.51.100.7:80;by=10.0.0.2")
    assert fwd.client("10.0.0.2", h) == "198.51.100.7"
    assert fwd.client("10.0.0.2", headers(X_Forwarded_For="198.51.100.7")) == "10.0.0.2"
    nobody = TrustedProxies([])
    assert nobody.client("10.0.0.2", headers(X_Forwarded_For="198.51.100.7")) == "10.0.0.2"


async def attempts(server, xff: str) -> int:  # type: ignore[no-untyped-def]
    async with aiohttp.ClientSession() as s, s.get(
            f"{server.http}/rooms/r", headers={"X-Forwarded-For": xff}) as r:
        return r.status


async def test_upgrade_attempts_are_counted_per_forwarded_client_behind_a_trusted_proxy(
        tmp_path):
    async with in_process(tmp_path / "a", {"trusted_proxies": ("127.0.0.1",)},
                          conn_attempts_per_minute=3) as server:
        assert [await attempts(server, "198.51.100.7") for _ in range(3)] == [401] * 3
        assert await attempts(server, "198.51.100.7") == 429
        assert await attempts(server, "203.0.113.1, 198.51.100.7") == 429  # no way around
        assert await attempts(server, "198.51.100.8") == 401  # another client
    async with in_process(tmp_path / "b", conn_attempts_per_minute=3) as server:
        codes = [await attempts(server, f"198.51.100.{i}") for i in range(4)]
        assert codes == [401, 401, 401, 429]  # no trusted proxy: the header is not believed


async def trickle(host: str, port: int, source: str) -> tuple[asyncio.StreamReader,
                                                              asyncio.StreamWriter]:
    """A connection that sends part of its request headers and then nothing."""
    reader, writer = await asyncio.open_connection(host, port, local_addr=(source, 0))
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    await writer.drain()
    return reader, writer


async def test_unfinished_connections_cannot_take_the_last_descriptors(tmp_path):
    """20 addresses x 16 connections trickling their headers, against a server allowed 256
    descriptors: the oldest unfinished ones are cut, so an honest client from another address
    still joins, and the participants already in keep their connections."""
    proc = ServerProcess(tmp_path / "data", "header_timeout_seconds=60",
                         "conn_attempts_per_minute=1000")
    server = await proc.start()
    writers: list[asyncio.StreamWriter] = []
    try:
        pid = proc.proc.pid  # type: ignore[union-attr]
        hard = resource.prlimit(pid, resource.RLIMIT_NOFILE)[1]
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (256, hard))
        inside = [await Raw.connect(server.url("ws", pid=f"in{i}")) for i in range(2)]
        base = len(os.listdir(f"/proc/{pid}/fd"))  # the store, logs, the listener, 2 clients
        streams = []
        for _ in range(16):
            for a in range(2, 22):  # round-robin: every address's connections age alike
                streams.append(await trickle(server.host, server.port, f"127.0.0.{a}"))
                writers.append(streams[-1][1])
        honest = await Raw.connect(server.url("ws", pid="honest"), source="127.0.0.200")
        honest.send(client_frame(9, b"hi"))
        assert await honest.until(10) == b"hi"
        for c in inside:
            c.send(client_frame(9, b"still"))
            assert await c.until(10) == b"still"
        fds = len(os.listdir(f"/proc/{pid}/fd"))
        assert fds - base <= 256 - 64, (base, fds)  # client connections left the reserve alone
        reader = streams[0][0]  # the oldest was cut to make room
        with contextlib.suppress(ConnectionError):
            assert await asyncio.wait_for(reader.read(), 10) == b""
    finally:
        for w in writers:
            w.close()
        proc.stop()


async def test_past_handshakes_max_the_oldest_unfinished_connection_is_cut(tmp_path):
    async with in_process(tmp_path, handshakes_max=4) as server:
        streams = [await trickle(server.host, server.port, f"127.0.0.{a}") for a in range(2, 8)]
        try:
            for reader, _ in streams[:2]:  # 6 unfinished, 4 allowed: the 2 oldest go
                with contextlib.suppress(ConnectionError):
                    assert await asyncio.wait_for(reader.read(), 10) == b""
            reader, writer = streams[-1]  # the newest finishes its request and is answered
            writer.write(b"\r\n")
            assert (await asyncio.wait_for(reader.readline(), 10)).startswith(b"HTTP/1.1 200")
        finally:
            for _, w in streams:
                w.close()
