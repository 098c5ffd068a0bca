"""The cluster level of bench/run.py (`--cluster`, issue 12 item 7).

At each load level, beside the single node on SQLite (run.py's `collabd` run), two more runs:

  collabd-pg  one node on the same PostgreSQL store (no Redis)
  cluster     2 nodes on PostgreSQL + Redis, each room's first client on node 1 and its second
              on node 2, so every delivery crosses the forwarding node

PostgreSQL (tests/support/pgserver.py, the tests' launcher: as the `postgres` user when run as
root) and redis-server are started once for the whole bench run on 127.0.0.1; each run gets a
fresh database and an empty Redis. Measured over the same window as the latencies:

- CPU per 1,000 deliveries of every part: each node, PostgreSQL (the postmaster and every
  backend and helper: its whole process tree, so backends that start or end in the window count)
  and redis-server, and their total;
- operations per delivery: PostgreSQL transactions of the run's database (pg_stat_database,
  whose counters a busy backend publishes about once a second, so each window edge can lag by up
  to ~1 s), write transactions (transaction ids handed out, exact), WAL bytes, Redis commands.

Targets (issue 12): cross-node p99 at most 2 ms above the single node; total CPU per delivery
(nodes, Redis and PostgreSQL) at most 1.5x the single node. Both are judged against the single
node on SQLite (the default install) and on the same PostgreSQL.
"""

from __future__ import annotations

import contextlib
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
KINDS = ("collabd-pg", "cluster")
SINGLE = ("collabd", "collabd-pg")  # what the cluster is judged against
TARGET_P99_EXTRA_MS = 2.0
TARGET_CPU_RATIO = 1.5
LABELS = {
    "collabd": "1 node, SQLite",
    "collabd-pg": "1 node, PostgreSQL",
    "cluster": "2 nodes, PG + Redis",
}


def _pgserver() -> Any:
    """The tests' PostgreSQL launcher (one helper for tests and bench, no twin)."""
    sys.path.insert(0, str(REPO / "tests"))
    from support.pgserver import postgres_server

    return postgres_server


class Backing:
    """PostgreSQL and Redis for a whole bench run; started on enter, always stopped on exit."""

    def __init__(self, workdir: Path, redis_port: int, pg_settings: dict[str, str]) -> None:
        self.workdir = workdir
        self.redis_port = redis_port
        self.pg_settings = pg_settings
        self._stack = contextlib.ExitStack()
        self.pg_url = ""
        self.redis_proc: subprocess.Popen[bytes] | None = None
        self._admin: Any = None
        self._runs = 0

    def __enter__(self) -> Backing:
        import psycopg

        try:
            self.pg_url = self._stack.enter_context(_pgserver()(**self.pg_settings))
            self._admin = self._stack.enter_context(psycopg.connect(self.pg_url, autocommit=True))
            self.redis_proc = subprocess.Popen(
                [
                    "redis-server",
                    "--port",
                    str(self.redis_port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(self.workdir),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            self._stack.callback(self._stop_redis)
            self._redis().ping()
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def _stop_redis(self) -> None:
        if self.redis_proc is not None and self.redis_proc.poll() is None:
            self.redis_proc.terminate()
            try:
                self.redis_proc.wait(10)
            except subprocess.TimeoutExpired:
                self.redis_proc.kill()
                self.redis_proc.wait()

    def _redis(self) -> Any:
        import redis

        deadline = time.monotonic() + 10
        while True:
            client = redis.Redis(port=self.redis_port, socket_timeout=2)
            try:
                client.ping()
                return client
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def fresh_run(self) -> tuple[str, str]:
        """A new empty database (name, URL) and an empty Redis, for one run."""
        self._runs += 1
        name = f"bench_{self._runs}"
        self._admin.execute(f"CREATE DATABASE {name}")
        self._redis().flushall()
        return name, self.pg_url.rsplit("/", 1)[0] + "/" + name

    def postmaster_pid(self) -> int:
        row = self._admin.execute("SHOW data_directory").fetchone()
        return int(Path(row[0], "postmaster.pid").read_text().split()[0])

    def counters(self, dbname: str) -> dict[str, int]:
        row = self._admin.execute(
            "SELECT (SELECT xact_commit + xact_rollback FROM pg_stat_database "
            "WHERE datname = %s), pg_snapshot_xmax(pg_current_snapshot())::text::bigint, "
            "pg_current_wal_lsn() - '0/0'",
            (dbname,),
        ).fetchone()
        info = self._redis().info("stats")
        return {
            "pg_transactions": int(row[0] or 0),
            "pg_xids": int(row[1]),
            "pg_wal_bytes": int(row[2]),
            # the INFO call that reads it is one command itself
            "redis_commands": int(info["total_commands_processed"]) - 1,
        }


class EdgeSampler:
    """Reads the backing's counters at the window's two edges (epoch seconds), on a thread."""

    def __init__(self, backing: Backing, dbname: str) -> None:
        self.backing, self.dbname = backing, dbname
        self.samples: list[dict[str, int]] = []
        self.error: str | None = None
        self._thread: threading.Thread | None = None

    def start(self, window_start: float, window_end: float) -> None:
        self._thread = threading.Thread(
            target=self._run, args=((window_start, window_end),), daemon=True
        )
        self._thread.start()

    def _run(self, edges: tuple[float, float]) -> None:
        try:
            for edge in edges:
                time.sleep(max(0.0, edge - time.time()))
                self.samples.append(self.backing.counters(self.dbname))
        except Exception as exc:  # reported with the run, never fatal to the bench
            self.error = f"{type(exc).__name__}: {exc}"

    def result(self, timeout: float) -> dict[str, int] | None:
        if self._thread is not None:
            self._thread.join(timeout)
        if len(self.samples) < 2:
            return None
        a, b = self.samples
        return {k: b[k] - a[k] for k in a}


def node_args(kind: str, db_url: str, redis_url: str) -> list[str]:
    extra = ["--database", db_url]
    if kind == "cluster":
        extra += ["--redis", redis_url]
    return extra


def finish_run(res: dict[str, Any], roles: dict[int, str], ops: dict[str, int] | None) -> None:
    """Add per-part CPU and operations per delivery to one run's result (in place)."""
    delivered = res.get("delivered") or 0
    by_role: dict[str, float] = {}
    for pid, cpu in (res.get("cpu_seconds_by_pid") or {}).items():
        if cpu is not None:
            by_role[roles[int(pid)]] = by_role.get(roles[int(pid)], 0.0) + cpu
    res["cpu_seconds_by_role"] = by_role
    if delivered:
        res["cpu_ms_per_1k_by_role"] = {k: 1e6 * v / delivered for k, v in by_role.items()}
        res["cpu_ms_per_1k_total"] = 1e6 * sum(by_role.values()) / delivered
    wall = res.get("window_seconds")
    busy = res.get("machine_busy_seconds")
    if wall and busy is not None:  # everything but the parts measured and the clients
        res["background_cpu_percent"] = (
            100 * (busy - sum(by_role.values()) - (res.get("client_cpu_seconds") or 0)) / wall
        )
    if ops is not None and delivered:
        res["ops_in_window"] = ops
        res["pg_transactions_per_delivery"] = ops["pg_transactions"] / delivered
        res["pg_write_transactions_per_delivery"] = ops["pg_xids"] / delivered
        res["pg_wal_bytes_per_delivery"] = ops["pg_wal_bytes"] / delivered
        res["redis_commands_per_delivery"] = ops["redis_commands"] / delivered


def single_sqlite_parts(res: dict[str, Any]) -> None:
    """The SQLite run's numbers in the same shape (its one part: the node)."""
    if res.get("delivered") and res.get("server_cpu_seconds") is not None:
        res["cpu_ms_per_1k_by_role"] = {"node1": 1e6 * res["server_cpu_seconds"] / res["delivered"]}
        res["cpu_ms_per_1k_total"] = res["cpu_ms_per_1k_by_role"]["node1"]


FLAT = (
    "cpu_ms_per_1k_total",
    "pg_transactions_per_delivery",
    "pg_write_transactions_per_delivery",
    "pg_wal_bytes_per_delivery",
    "redis_commands_per_delivery",
)


def summarize_extra(out: dict[str, Any], ok: list[dict[str, Any]]) -> None:
    """Medians (and the spread) of the cluster numbers over repeated runs, into `out`."""
    for key in FLAT:
        vals = [r[key] for r in ok if r.get(key) is not None]
        out[key] = statistics.median(vals) if vals else None
        if len(vals) > 1:
            out.setdefault("spread", {})[key] = [min(vals), max(vals)]
    roles = sorted({k for r in ok for k in r.get("cpu_ms_per_1k_by_role", {})})
    out["cpu_ms_per_1k_by_role"] = {
        k: statistics.median(
            r["cpu_ms_per_1k_by_role"][k] for r in ok if k in r.get("cpu_ms_per_1k_by_role", {})
        )
        for k in roles
    }
    p99s = [r["latency_ms"]["p99"] for r in ok if r.get("latency_ms", {}).get("p99") is not None]
    if len(p99s) > 1:
        out.setdefault("spread", {})["p99_ms"] = [min(p99s), max(p99s)]


def verdicts(servers: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The two targets, against each single-node run present."""
    c = servers.get("cluster", {})
    rows: list[dict[str, Any]] = []
    for single in SINGLE:
        s = servers.get(single, {})
        cp, sp = c.get("latency_ms", {}).get("p99"), s.get("latency_ms", {}).get("p99")
        if cp is not None and sp is not None:
            rows.append(
                {
                    "what": f"cluster p99 - {LABELS[single]} p99",
                    "value": cp - sp,
                    "unit": " ms",
                    "target": TARGET_P99_EXTRA_MS,
                }
            )
        ct, st = c.get("cpu_ms_per_1k_total"), s.get("cpu_ms_per_1k_total")
        if ct is not None and st:
            rows.append(
                {
                    "what": f"cluster CPU/delivery vs {LABELS[single]}",
                    "value": ct / st,
                    "unit": "x",
                    "target": TARGET_CPU_RATIO,
                }
            )
    for r in rows:
        r["verdict"] = "ok" if r["value"] <= r["target"] else "MISSED"
    return rows


def _f(x: Any, spec: str) -> str:
    return "n/a" if x is None else format(x, spec)


def print_level(level: dict[str, Any]) -> None:
    servers = level["servers"]
    rows = [k for k in ("collabd", *KINDS) if k in servers]
    if not any(k in servers for k in KINDS):
        return
    roles = sorted({k for kind in rows for k in servers[kind].get("cpu_ms_per_1k_by_role", {})})
    print(
        f"\ncluster vs one node, {level['rooms']} rooms (CPU ms per 1k deliveries; "
        "ops per delivery; medians, [min-max] over repeats):"
    )
    hdr = (
        f"{'run':<21} {'p50 ms':>7} {'p99 ms':>13} "
        + " ".join(f"{r:>8}" for r in roles)
        + f" {'total':>15} {'PG tx':>6} {'PG wr':>6} {'WAL B':>6} {'redis':>6} {'lost':>5}"
        f" {'bg%':>4}"
    )
    print(hdr)
    print("-" * len(hdr))
    for kind in rows:
        r = servers[kind]
        if "delivered" not in r:
            print(f"{LABELS[kind]:<21} ERROR: {str(r.get('error', '?')).splitlines()[0][:90]}")
            continue
        lat, spread = r.get("latency_ms", {}), r.get("spread", {})
        p99 = _f(lat.get("p99"), ".2f")
        if "p99_ms" in spread:
            p99 += f" [{spread['p99_ms'][0]:.1f}-{spread['p99_ms'][1]:.1f}]"
        total = _f(r.get("cpu_ms_per_1k_total"), ".0f")
        if "cpu_ms_per_1k_total" in spread:
            lo, hi = spread["cpu_ms_per_1k_total"]
            total += f" [{lo:.0f}-{hi:.0f}]"
        by_role = r.get("cpu_ms_per_1k_by_role", {})
        bg = r.get("background_cpu_percent")
        print(
            f"{LABELS[kind]:<21} {_f(lat.get('p50'), '.2f'):>7} {p99:>13} "
            + " ".join(f"{_f(by_role.get(x), '.0f'):>8}" for x in roles)
            + f" {total:>15} {_f(r.get('pg_transactions_per_delivery'), '.3f'):>6}"
            f" {_f(r.get('pg_write_transactions_per_delivery'), '.3f'):>6}"
            f" {_f(r.get('pg_wal_bytes_per_delivery'), '.0f'):>6}"
            f" {_f(r.get('redis_commands_per_delivery'), '.3f'):>6} {r.get('lost', 0):>5}"
            f" {_f(bg if bg is None else max(0.0, bg), '.0f'):>4}"
        )
    for v in level.get("cluster_verdicts", []):
        print(
            f"  {v['what']:<44} {v['value']:>6.2f}{v['unit']:<3} "
            f"[<= {v['target']}{v['unit'].strip()}] {v['verdict']}"
        )
