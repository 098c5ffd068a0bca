"""Cluster fixtures: a redis-server and a PostgreSQL started by the tests on 127.0.0.1, and
`collabd serve` node processes that share them (and one data directory: the token secret and
the API key, which every node of a cluster must share)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import psycopg
import pytest
from cluster.balancer import Balancer
from pycrdt import Doc, Text

from support.net import free_port
from support.pgserver import PostgresServer
from support.server import Running, ServerProcess

LEASE = "2"  # seconds: a killed node's rooms move within this


class RedisServer:
    """redis-server on a free port of 127.0.0.1, without persistence (a restart empties it)."""

    def __init__(self) -> None:
        if shutil.which("redis-server") is None:
            raise RuntimeError("redis-server is not installed: run scripts/setup.sh --all")
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="collabd-redis-"))
        self.proc: subprocess.Popen[bytes] | None = None
        self.commands = 0  # processed commands of earlier lives (a restart resets Redis' count)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.dir), "--protected-mode", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60  # a generous wait: the machine may be loaded
        while not self.ping():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.02)  # polling interval while it starts

    def ping(self) -> bool:
        r = subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True)
        return r.stdout.strip() == b"PONG"

    def cli(self, *args: str) -> str:
        return subprocess.run(["redis-cli", "-p", str(self.port), *args], capture_output=True,
                              check=True).stdout.decode().strip()

    def stop(self, kill: bool = False) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill() if kill else self.proc.terminate()
            self.proc.wait(10)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    yield server
    server.close()


class Nodes:
    """Starts `collabd serve` nodes of one cluster; all are stopped at the end."""

    def __init__(self, data_dir: Path, pg_url: str, redis: RedisServer) -> None:
        self.data_dir = data_dir
        self.pg_url = pg_url
        self.redis = redis
        self.procs: list[ServerProcess] = []

    def process(self, *limits: str) -> ServerProcess:
        return ServerProcess(self.data_dir, "conn_attempts_per_minute=100000", *limits,
                             args=["--database", self.pg_url, "--redis", self.redis.url,
                                   "--lease-seconds", LEASE])

    async def start(self, n: int, *limits: str) -> list[Running]:
        procs = [self.process(*limits) for _ in range(n)]
        self.procs += procs
        return [await p.start() for p in procs]

    def stop_all(self) -> None:
        for p in self.procs:
            p.stop()


@pytest.fixture
async def nodes(tmp_path: Path, pg_url: str, redis_server: RedisServer,
                ) -> AsyncIterator[Nodes]:
    made = Nodes(tmp_path / "data", pg_url, redis_server)
    yield made
    made.stop_all()


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server of this test alone, which the test may stop, kill and start."""
    server = PostgresServer()
    server.start()
    yield server
    server.close()


@pytest.fixture
async def balancers() -> AsyncIterator[list[Balancer]]:
    """Balancers the test starts (`balancers.append(await Balancer(nodes).start())`); closed
    at the end."""
    made: list[Balancer] = []
    yield made
    for b in made:
        await b.close()


async def join(make, server: Running, room: str, pid: str,  # type: ignore[no-untyped-def]
               via: Balancer | None = None):
    """A stock Yjs client (the `yclients` factory) in `room` on `server` (or through the
    balancer `via`, with a token of `server`'s cluster), synced."""
    c = await make()
    await c.connect((via or server).ws_base, room, server.token(room, pid=pid))
    await c.synced()
    return c


async def health(server: Running) -> int:
    """The status of the node's /healthz (0 when it does not answer)."""
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(2)) as http, \
                http.get(server.http + "/healthz") as r:
            return r.status
    except (aiohttp.ClientError, TimeoutError):
        return 0


def closed_with(client, code: int) -> bool:  # type: ignore[no-untyped-def]
    """Whether the Yjs client's connection was closed with `code` at least once."""
    return any(e.get("ev") == "close" and e.get("code") == code for e in client.events)


def stored_text(url: str, room: str) -> str:
    """The room's document as the store holds it (snapshot and log, read with psycopg in one
    snapshot of the database), applied to a fresh Doc."""
    with psycopg.connect(url) as db:
        db.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with db.transaction():
            snap = db.execute("SELECT data, upto FROM doc_snapshots WHERE room = %s",
                              (room,)).fetchone()
            rows = db.execute("SELECT data FROM doc_updates WHERE room = %s AND seq > %s "
                              "ORDER BY seq", (room, snap[1] if snap else 0)).fetchall()
    doc = Doc()
    for data in ([snap[0]] if snap else []) + [r[0] for r in rows]:
        doc.apply_update(bytes(data))
    return str(doc.get("code", type=Text))


def subsequence(part: str, whole: str) -> bool:
    """With inserts only, every earlier state of a Yjs text is a subsequence of a later one."""
    it = iter(whole)
    return all(ch in it for ch in part)
