#!/usr/bin/env python3
"""Cluster benchmark (issue 12 item 7): 2 collabd nodes sharing PostgreSQL and Redis, each
room's two stock Yjs clients on different nodes (so every delivery crosses the forwarding
node), against one node at the same load.

    .venv/bin/python bench/cluster.py [--rooms 50] [--rate 10] [--seconds 20] [--out FILE]

Runs, one after the other, on 127.0.0.1 (redis-server and PostgreSQL started here, PostgreSQL
as the `postgres` user when run as root; tests/support/pgserver.py):
  single-sqlite   one node, embedded SQLite (the default install)
  single-pg       one node, the same PostgreSQL store, no Redis
  cluster         2 nodes, --database PostgreSQL --redis; client A of a room on node 1,
                  client B on node 2
The load is bench/clients.mjs with a second URL (--url2) and more processes to sample
(--pids): N rooms x 2 clients x RATE keystrokes/s. Reported per run: p50/p99 delivery latency,
CPU seconds per 1000 deliveries per process (nodes, redis-server, every postgres process) and in
total, and Redis commands and
PostgreSQL transactions per delivery (counted over the whole run, warm-up included, divided by
every delivery of the run).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT / "tests"))
from support.net import free_port  # noqa: E402
from support.pgserver import postgres_server  # noqa: E402  (the tests' launcher)

SECRET = "bench-secret-not-for-production"
CLK = os.sysconf("SC_CLK_TCK")


def wait_healthy(port: int, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"node on {port} exited")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"node on {port} not healthy")


def start_node(data: Path, extra: list[str], logdir: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    data.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "collabd", "serve", "--host", "127.0.0.1", "--port", str(port),
           "--data-dir", str(data), "--log-level", "WARNING",
           "--limit", "conn_attempts_per_minute=100000", *extra]
    log = open(logdir / f"node-{port}.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(cmd, stdout=log, stderr=log,
                            env={**os.environ, "COLLABD_SECRET": SECRET})
    wait_healthy(port, proc)
    return proc, port


def postgres_pids(url: str) -> list[int]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        data_dir = db.execute("SHOW data_directory").fetchone()[0]  # type: ignore[index]
    master = int(Path(data_dir, "postmaster.pid").read_text().split()[0])
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            kids.append(int(stat.parent.name))
    return [master, *kids]


def pg_transactions(url: str) -> int:
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        row = db.execute("SELECT sum(xact_commit + xact_rollback) FROM pg_stat_database"
                         ).fetchone()
    return int(row[0]) if row else 0  # type: ignore[index]


def redis_commands(port: int) -> int:
    out = subprocess.run(["redis-cli", "-p", str(port), "INFO", "stats"], capture_output=True,
                         text=True, check=True).stdout
    for line in out.splitlines():
        if line.startswith("total_commands_processed:"):
            return int(line.split(":")[1])
    return 0


def run_clients(urls: tuple[str, str], pids: list[int], args: argparse.Namespace,
                ) -> dict[str, Any]:
    cmd = ["node", str(BENCH / "clients.mjs"), "--url", urls[0], "--url2", urls[1],
           "--rooms", str(args.rooms), "--rate", str(args.rate), "--warmup", str(args.warmup),
           "--seconds", str(args.seconds), "--secret", SECRET, "--server-pid", str(pids[0]),
           "--pids", ",".join(map(str, pids)), "--clk-tck", str(CLK)]
    out = subprocess.run(cmd, cwd=BENCH, capture_output=True, text=True,
                         timeout=args.warmup + args.seconds + 120)
    line = [x for x in out.stdout.splitlines() if x.startswith("{")]
    if not line:
        raise RuntimeError(f"clients failed: {out.stderr[-2000:]}")
    return dict(json.loads(line[-1]))


def summarize(name: str, res: dict[str, Any], roles: dict[int, str], redis_ops: int | None,
              pg_tx: int | None) -> dict[str, Any]:
    delivered = res["delivered"]
    by_role: dict[str, float] = {}
    for pid, cpu in res["cpu_seconds_by_pid"].items():
        if cpu is None:
            continue  # a process that ended in the window (a previous run's backend)
        role = roles[int(pid)]
        by_role[role] = by_role.get(role, 0.0) + cpu
    per_1k = {role: 1000 * cpu / delivered for role, cpu in by_role.items()}
    total = delivered and sum(per_1k.values())
    all_deliveries = res["delivered_total"] or 1
    return {
        "run": name, "rooms": res["rooms"], "rate": res["rate"], "delivered": delivered,
        "lost": res["lost"], "keystroke_rate_achieved": res["keystroke_rate_achieved"],
        "latency_ms": {k: res["latency_ms"][k] for k in ("p50", "p99", "max")},
        "cpu_ms_per_1k_deliveries": {**{k: round(v * 1000, 1) for k, v in per_1k.items()},
                                     "total": round(total * 1000, 1)},
        "redis_commands_per_delivery": None if redis_ops is None else redis_ops / all_deliveries,
        "pg_transactions_per_delivery": None if pg_tx is None else pg_tx / all_deliveries,
        "background_cpu_percent": res.get("background_cpu_percent"),
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rooms", type=int, default=50)
    p.add_argument("--rate", type=float, default=10)
    p.add_argument("--warmup", type=float, default=5)
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--out", help="write the results as JSON here")
    args = p.parse_args()
    results = []
    with TemporaryDirectory(prefix="collabd-bench-cluster-") as tmp, postgres_server() as pg:
        work = Path(tmp)
        redis_port = free_port()
        redis = subprocess.Popen(
            ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", tmp], stdout=subprocess.DEVNULL)
        try:
            for name in ("single-sqlite", "single-pg", "cluster"):
                dbname = name.replace("-", "_")
                import psycopg

                with psycopg.connect(pg, autocommit=True) as admin:
                    admin.execute(f"CREATE DATABASE {dbname}")
                url = pg.rsplit("/", 1)[0] + "/" + dbname
                extra: list[str] = [] if name == "single-sqlite" else ["--database", url]
                n = 2 if name == "cluster" else 1
                if name == "cluster":
                    extra += ["--redis", f"redis://127.0.0.1:{redis_port}/0"]
                nodes = [start_node(work / name, extra, work) for _ in range(n)]
                try:
                    roles = {proc.pid: f"node{i + 1}" for i, (proc, _) in enumerate(nodes)}
                    pids = list(roles)
                    if name != "single-sqlite":
                        for pid in postgres_pids(pg):
                            roles[pid] = "postgres"
                            pids.append(pid)
                    if name == "cluster":
                        roles[redis.pid] = "redis"
                        pids.append(redis.pid)
                    urls = [f"ws://127.0.0.1:{port}/rooms" for _, port in nodes]
                    r0 = redis_commands(redis_port)
                    t0 = pg_transactions(pg) if name != "single-sqlite" else 0
                    res = run_clients((urls[0], urls[-1]), pids, args)
                    r1 = redis_commands(redis_port)
                    t1 = pg_transactions(pg) if name != "single-sqlite" else 0
                    results.append(summarize(
                        name, res, roles, r1 - r0 if name == "cluster" else None,
                        t1 - t0 if name != "single-sqlite" else None))
                    print(json.dumps(results[-1]), flush=True)
                finally:
                    for proc, _ in nodes:
                        proc.terminate()
                        proc.wait(20)
        finally:
            redis.terminate()
            redis.wait(10)
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
