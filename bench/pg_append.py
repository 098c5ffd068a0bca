"""The PostgreSQL group commit's cost per transaction, by driver and statement (issue 12 item 2).

    .venv/bin/python bench/pg_append.py [--commits 2000] [--batch 1,4]

Starts a throwaway PostgreSQL (tests/support/pgserver.py) and appends document updates the way
collabd's group commit does, one transaction per batch, measuring per commit: wall time (p50),
CPU of this process (all threads: the driver's work on the caller's side) and CPU of the
PostgreSQL backend that ran it (/proc), for

  store-thread   PostgresStore.append_updates called on a writer thread, as collabd runs it
                 (a prepared statement through psycopg's libpq layer, binary parameters)
  store-inline   the same call on the calling thread (no thread hand-over)
  psycopg-async  psycopg 3's AsyncConnection.execute() on an asyncio loop, the same statement
                 (psycopg's ordinary path, which the store used before)
  asyncpg        asyncpg on an asyncio loop, the same statement

Updates are 30-byte blobs (a keystroke's update is 20-40 bytes). synchronous_commit stays on:
every commit waits for the WAL flush, as in production.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))
from collabd.adapters.postgres_store import APPEND, PostgresStore  # noqa: E402
from support.pgserver import postgres_server  # noqa: E402

CLK = os.sysconf("SC_CLK_TCK")


def proc_cpu(pid: int) -> float:
    stat = Path(f"/proc/{pid}/stat").read_text()
    f = stat[stat.rindex(")") + 2 :].split()
    return (int(f[11]) + int(f[12])) / CLK


def backend_pid(conn: Any) -> int:
    return int(conn.execute("SELECT pg_backend_pid()").fetchone()[0])


class Meter:
    """Wall per commit, this process's CPU and the backend's CPU over a series of commits."""

    def __init__(self, backend: int) -> None:
        self.backend = backend
        self.walls: list[float] = []

    def __enter__(self) -> Meter:
        self.cpu0, self.be0 = time.process_time(), proc_cpu(self.backend)
        return self

    def __exit__(self, *exc: object) -> None:
        self.cpu = time.process_time() - self.cpu0
        self.be = proc_cpu(self.backend) - self.be0

    def row(self, name: str, batch: int) -> dict[str, Any]:
        n = len(self.walls)
        return {
            "how": name,
            "batch": batch,
            "commits": n,
            "wall_ms_p50": 1000 * statistics.median(self.walls),
            "client_cpu_us": 1e6 * self.cpu / n,
            "backend_cpu_us": 1e6 * self.be / n,
        }


ROOMS = iter(range(1 << 30))  # each series writes its own room


def batches(n: int, size: int, room: str) -> list[list[tuple[str, int, bytes]]]:
    data = os.urandom(30)
    room = f"{room}-{next(ROOMS)}"
    return [[(room, i * size + j + 1, data) for j in range(size)] for i in range(n)]


def run_store(url: str, n: int, size: int, threaded: bool) -> dict[str, Any]:
    store = PostgresStore(url)
    pid = backend_pid(store.connection())
    work = batches(n, size, f"store-{threaded}-{size}")
    pool = ThreadPoolExecutor(1) if threaded else None
    with Meter(pid) as m:
        for batch in work:
            t = time.perf_counter()
            if pool is not None:
                pool.submit(store.append_updates, batch).result()
            else:
                store.append_updates(batch)
            m.walls.append(time.perf_counter() - t)
    if pool is not None:
        pool.shutdown()
    store.close()
    return m.row("store-thread" if threaded else "store-inline", size)


def args_of(batch: list[tuple[str, int, bytes]]) -> tuple[Any, ...]:
    return (
        int(time.time() * 1000),
        [r for r, _, _ in batch],
        [s for _, s, _ in batch],
        [d for _, _, d in batch],
    )


async def run_psycopg_async(url: str, n: int, size: int) -> dict[str, Any]:
    import psycopg

    conn = await psycopg.AsyncConnection.connect(url, autocommit=True)
    pid = int((await (await conn.execute("SELECT pg_backend_pid()")).fetchone())[0])  # type: ignore[index]
    work = batches(n, size, f"pgasync-{size}")
    with Meter(pid) as m:
        for batch in work:
            t = time.perf_counter()
            await conn.execute(re.sub(r"\$\d", "%s", APPEND), args_of(batch), binary=True)
            m.walls.append(time.perf_counter() - t)
    await conn.close()
    return m.row("psycopg-async", size)


async def run_asyncpg(url: str, n: int, size: int) -> dict[str, Any]:
    import asyncpg

    conn = await asyncpg.connect(url)
    pid = int(await conn.fetchval("SELECT pg_backend_pid()"))
    sql = APPEND
    work = batches(n, size, f"asyncpg-{size}")
    with Meter(pid) as m:
        for batch in work:
            t = time.perf_counter()
            await conn.execute(sql, *args_of(batch))
            m.walls.append(time.perf_counter() - t)
    await conn.close()
    return m.row("asyncpg", size)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--commits", type=int, default=2000)
    p.add_argument("--batch", default="1,4")
    p.add_argument("--rounds", type=int, default=2, help="each measurement this often (median)")
    args = p.parse_args()
    rows: list[dict[str, Any]] = []
    with postgres_server() as url:
        PostgresStore(url).close()  # the schema
        for size in (int(x) for x in args.batch.split(",")):
            for _ in range(args.rounds):
                rows.append(run_store(url, args.commits, size, threaded=True))
                rows.append(run_store(url, args.commits, size, threaded=False))
                rows.append(asyncio.run(run_psycopg_async(url, args.commits, size)))
                rows.append(asyncio.run(run_asyncpg(url, args.commits, size)))
    print(
        f"{'how':<14} {'batch':>5} {'wall ms p50':>11} {'client CPU us':>13} "
        f"{'backend CPU us':>14}  (per commit; median of {args.rounds} rounds)"
    )
    seen: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for r in rows:
        seen.setdefault((r["how"], r["batch"]), []).append(r)
    for (how, batch), rs in seen.items():
        med = {
            k: statistics.median(r[k] for r in rs)
            for k in ("wall_ms_p50", "client_cpu_us", "backend_cpu_us")
        }
        print(
            f"{how:<14} {batch:>5} {med['wall_ms_p50']:>11.3f} {med['client_cpu_us']:>13.0f} "
            f"{med['backend_cpu_us']:>14.0f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
