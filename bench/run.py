"""Side-by-side benchmark: collabd vs the Yjs reference server vs two bare relays (floors).

    python bench/run.py [--rooms 10,50] [--rate 10] [--seconds 20] [--warmup 5]
    python bench/run.py --rooms 50,200,1000 --idle --cold-join

For every load level and every server, in one run: start the server on a free 127.0.0.1
port, run bench/clients.mjs (N rooms x 2 stock Yjs clients typing, in one or more Node
processes) against it, read the server's CPU seconds over the measured window, stop the
server. Optionally an idle measurement (--idle: N quiet connections, server RSS per
connection and idle CPU) and a cold join of a 100k-edit document (--cold-join). Prints
tables and every ratio against issue 11's targets, and writes everything as JSON to
bench/results/. See bench/README.md for the method and the caveats.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import datetime as dt
import json
import os
import platform
import re
import resource
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cluster

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results"
HOST = "127.0.0.1"
SECRET = "bench-secret-not-for-production"
SERVERS = ("collabd", "reference", "floor", "picows")

# Targets from issue 11: collabd CPU per delivery <= 0.6x reference and <= 2.5x the picows
# floor; p99 no worse than the reference's at the same load; 15,000 idle connections at
# <= 10 KiB of server RSS each and idle CPU no higher than the reference's.
TARGET_CPU_VS_REF = 0.6
TARGET_CPU_VS_PICOWS = 2.5
TARGET_P99_VS_REF = 1.0
TARGET_IDLE_KIB_PER_CONN = 10.0
TARGET_IDLE_CPU_VS_REF = 1.0

# All bench clients connect from 127.0.0.1, so collabd's per-address limits on connection
# attempts (a defence against reconnect storms from one client) and on connections still
# sending their request headers (a slowloris guard) would refuse most of them.
COLLABD_DEFAULT_ARGS = [
    "--limit",
    "conn_attempts_per_minute=1000000",
    "--limit",
    "handshakes_per_address=100000",
]
# Building the cold-join document: one client sends 100k updates as fast as the server takes
# them, far above the per-connection update rate a person could type.
COLLABD_BUILD_ARGS = ["--limit", "update_rate=1000000", "--limit", "update_burst=1000000"]


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def raise_fd_limit() -> dict[str, int]:
    """Soft limit on open files up to the hard one; servers and clients inherit it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 1 << 20
    if soft < want:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return {"soft": soft, "hard": hard}


def ensure_picows() -> None:
    """picows is a bench-only dependency (bench/requirements-bench.txt), not collabd's."""
    try:
        import picows  # noqa: F401
    except ImportError:
        log("picows missing: pip install -r bench/requirements-bench.txt")
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-r", str(BENCH / "requirements-bench.txt")],
            check=True,
            timeout=300,
        )


def ensure_node_modules() -> None:
    marker = BENCH / "node_modules" / "@y" / "websocket-server" / "package.json"
    if marker.exists():
        return
    log("bench/node_modules missing: running npm ci --ignore-scripts")
    subprocess.run(
        ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
        cwd=BENCH,
        check=True,
        timeout=300,
    )


def collabd_command(override: str | None = None) -> list[str]:
    if override:
        return shlex.split(override)
    exe = shutil.which("collabd")
    if exe:
        return [exe]
    # not on PATH (e.g. a venv not activated): import the entry point directly
    return [sys.executable, "-c", "import sys; from collabd.cli import main; sys.exit(main())"]


class Server:
    """One server process, started in its own process group and always stopped."""

    def __init__(
        self,
        kind: str,
        workdir: Path,
        logdir: Path,
        extra_args: list[str],
        collabd_cmd: str | None = None,
        data_dir: Path | None = None,
    ) -> None:
        self.kind = kind
        self.port = free_port()
        self.workdir = workdir
        self.log_path = logdir / f"{kind}-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        env = dict(os.environ)
        if kind == "collabd":
            # a given data dir is kept (the cold join restarts on it); else a fresh one
            if data_dir is None:
                data_dir = workdir / f"collabd-data-{self.port}"
            data_dir.mkdir(exist_ok=True)
            self.cmd = [
                *collabd_command(collabd_cmd),
                "serve",
                "--host",
                HOST,
                "--port",
                str(self.port),
                "--data-dir",
                str(data_dir),
                *COLLABD_DEFAULT_ARGS,
                *extra_args,
            ]
            env["COLLABD_SECRET"] = SECRET
            self.ready_path: str | None = "/healthz"
        elif kind == "reference":
            script = BENCH / "node_modules" / "@y" / "websocket-server" / "src" / "server.js"
            self.cmd = ["node", str(script)]
            env.update(HOST=HOST, PORT=str(self.port))
            env.pop("YPERSISTENCE", None)  # in-memory, as shipped
            self.ready_path = None
        elif kind in ("floor", "picows"):
            relay = "floor_relay.py" if kind == "floor" else "floor_picows.py"
            self.cmd = [sys.executable, str(BENCH / relay), "--host", HOST]
            self.cmd += ["--port", str(self.port)]
            self.ready_path = None
        else:
            raise ValueError(kind)
        self.env = env

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout: float = 30.0) -> None:
        self._logf = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            self.cmd,
            env=self.env,
            cwd=REPO,
            stdout=self._logf,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.kind} exited with {self.proc.returncode} before it was "
                    f"ready; log: {self.log_path}\n{self.log_tail()}"
                )
            if self._ready():
                return
            time.sleep(0.05)
        raise RuntimeError(
            f"{self.kind} not ready after {timeout} s; log: {self.log_path}\n{self.log_tail()}"
        )

    def _ready(self) -> bool:
        if self.ready_path is None:
            with contextlib.suppress(OSError), socket.create_connection((HOST, self.port), 0.5):
                return True
            return False
        try:
            url = f"http://{HOST}:{self.port}{self.ready_path}"
            with urllib.request.urlopen(url, timeout=0.5) as resp:  # noqa: S310 - loopback
                return bool(resp.status == 200)
        except OSError:
            return False

    def log_tail(self, n: int = 15) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join("    " + line for line in lines[-n:])

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        else:
            # the leader is gone; make sure nothing it spawned lingers in its group
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        self._logf.close()


def client_procs_for(rooms: int, args: argparse.Namespace) -> int:
    """How many Node processes generate a level's load: --client-procs, or by size."""
    if args.client_procs != "auto":
        return max(1, min(int(args.client_procs), rooms))
    # one process holds ~200 rooms x 2 y-websocket clients at 10/s; beyond that it lags
    return 1 if rooms * args.rate <= 2000 else 2


class ChildLines:
    """A child's stdout lines on a queue, read by a thread (so waits can time out)."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.lines: list[str] = []
        self.cond = threading.Condition()
        self.proc = proc
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            with self.cond:
                self.lines.append(raw.decode(errors="replace").rstrip("\n"))
                self.cond.notify_all()
        with self.cond:
            self.lines.append("")  # EOF marker
            self.cond.notify_all()

    def wait_for(self, prefix: str, deadline: float) -> str | None:
        """The first line starting with prefix, or None at EOF or the deadline."""
        with self.cond:
            while True:
                for line in self.lines:
                    if line.startswith(prefix):
                        return line
                if self.lines and self.lines[-1] == "" or time.monotonic() >= deadline:
                    return None
                self.cond.wait(timeout=max(0.0, deadline - time.monotonic()))

    def last_json(self) -> dict[str, Any] | None:
        with self.cond:
            for line in reversed(self.lines):
                if line.startswith("{"):
                    try:
                        return dict(json.loads(line))
                    except ValueError:
                        return None
        return None


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def percentile(sorted_vals: list[float], p: float) -> float | None:
    """Nearest-rank percentile, the same rule as clients.mjs."""
    if not sorted_vals:
        return None
    k = max(0, min(len(sorted_vals) - 1, int(-(-p / 100 * len(sorted_vals) // 1)) - 1))
    return sorted_vals[k]


def merge_client_results(parts: list[dict[str, Any]], wall_window: float) -> dict[str, Any]:
    """One level's result from several client processes that typed over the same window.

    Server CPU, RSS and machine CPU come from process 0 (all sample the same window);
    counts and client CPU are summed; latency percentiles are recomputed from the raw lists.
    """
    first = parts[0]
    out = {k: v for k, v in first.items() if k != "latencies_ms_raw"}
    if len(parts) == 1:
        return out
    for key in (
        "sent",
        "delivered",
        "lost",
        "sent_total",
        "delivered_total",
        "intended_keystrokes",
        "clients",
        "rooms",
        "client_cpu_seconds",
        "rooms_converged",
    ):
        out[key] = sum(p.get(key) or 0 for p in parts)
    lat = sorted(x for p in parts for x in p.get("latencies_ms_raw", []))
    out["latency_ms"] = {
        "p50": percentile(lat, 50),
        "p90": percentile(lat, 90),
        "p99": percentile(lat, 99),
        "p999": percentile(lat, 99.9),
        "max": lat[-1] if lat else None,
        "mean": sum(lat) / len(lat) if lat else None,
    }
    wall = first.get("window_seconds") or wall_window
    out["deliveries_per_second"] = out["delivered"] / wall
    out["keystroke_rate_achieved"] = (
        out["sent"] / out["intended_keystrokes"] if out["intended_keystrokes"] else None
    )
    out["client_cpu_percent"] = 100 * out["client_cpu_seconds"] / wall
    out["client_cpu_percent_per_process"] = [p.get("client_cpu_percent") for p in parts]
    out["tick_late_ms"] = {
        k: max((p.get("tick_late_ms") or {}).get(k) or 0 for p in parts) for k in ("p99", "max")
    }
    out["server_cpu_seconds_per_1k_deliveries"] = (
        1000 * out["server_cpu_seconds"] / out["delivered"] if out["delivered"] else None
    )
    busy = first.get("machine_busy_seconds")
    if busy is not None:
        out["background_cpu_percent"] = (
            100 * (busy - out["server_cpu_seconds"] - out["client_cpu_seconds"]) / wall
        )
    out["rooms_diverged"] = [r for p in parts for r in p.get("rooms_diverged", [])][:10]
    out["window_seconds_per_process"] = [p.get("window_seconds") for p in parts]
    errors = [p["error"] for p in parts if p.get("error")]
    if errors:
        out["error"] = "; ".join(errors)
    return out


def run_clients(
    server: Server, rooms: int, args: argparse.Namespace, out: Path,
    second: Server | None = None, pids: list[int] | None = None,
    on_go: Callable[[float, float], None] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Run the load for one level; rooms are split over one or more Node processes.

    second: each room's second client connects to that server (the cluster's other node);
    pids: more processes whose CPU (with their process trees) is sampled over the window;
    on_go: called with the window's start and end (epoch seconds) once they are fixed.
    """
    nproc = client_procs_for(rooms, args)
    connect_timeout = 20 + rooms * 0.05
    tag = f"bench-{os.getpid()}-{server.port}"
    base = [
        "--url", f"ws://{HOST}:{server.port}/rooms", "--rate", str(args.rate),
        "--warmup", str(args.warmup), "--seconds", str(args.seconds),
        "--drain", str(args.drain), "--server-pid", str(server.pid),
        "--clk-tck", str(os.sysconf("SC_CLK_TCK")), "--secret", SECRET,
        "--connect-timeout", str(connect_timeout), "--go-stdin",
    ]  # fmt: skip
    if second is not None:
        base += ["--url2", f"ws://{HOST}:{second.port}/rooms"]
    if pids:
        base += ["--pids", ",".join(map(str, pids))]
    if server.kind in ("floor", "picows"):
        base.append("--no-sync-wait")  # the relays never answer SyncStep1
    if args.cursor:
        base.append("--cursor")
    share = [rooms // nproc + (1 if i < rooms % nproc else 0) for i in range(nproc)]
    procs: list[tuple[subprocess.Popen[bytes], ChildLines, Path]] = []
    try:
        for i, n in enumerate(share):
            part_out = out.with_name(f"{out.stem}-p{i}.json")
            cmd = ["node", str(BENCH / "clients.mjs"), *base, "--rooms", str(n),
                   "--prefix", f"{tag}-p{i}", "--out", str(part_out)]  # fmt: skip
            proc = subprocess.Popen(
                cmd,
                cwd=BENCH,
                stdout=subprocess.PIPE,
                stderr=sys.stderr,
                stdin=subprocess.PIPE,
                start_new_session=True,
            )
            procs.append((proc, ChildLines(proc), part_out))
        # all connected (and synced): give every process the same start time
        deadline = time.monotonic() + connect_timeout + 10
        ready = [lines.wait_for("READY", deadline) for _, lines, _ in procs]
        if all(ready):
            go_ms = int(time.time() * 1000) + 300
            if on_go is not None:
                on_go(go_ms / 1000 + args.warmup, go_ms / 1000 + args.warmup + args.seconds)
            go = f"GO {go_ms}\n".encode()
            for proc, _, _ in procs:
                assert proc.stdin is not None
                with contextlib.suppress(BrokenPipeError):
                    proc.stdin.write(go)
                    proc.stdin.flush()
            budget = args.warmup + args.seconds + args.drain + 60
            end = time.monotonic() + budget
            for proc, _, _ in procs:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=max(0.1, end - time.monotonic()))
        parts: list[dict[str, Any]] = []
        for i, (proc, lines, part_out) in enumerate(procs):
            if proc.poll() is None:
                kill_group(proc)
            res: dict[str, Any] | None = None
            with contextlib.suppress(OSError, ValueError):
                res = json.loads(part_out.read_text())
            if res is None:
                res = lines.last_json() or {
                    "error": f"client process {i} exited {proc.returncode} without a result"
                }
            res["clients_exit_code"] = proc.returncode
            parts.append(res)
    except BaseException:
        for proc, _, _ in procs:
            if proc.poll() is None:
                kill_group(proc)
        raise
    ok = [p for p in parts if "delivered" in p]
    if len(ok) < len(parts):
        first_err = next(p for p in parts if "delivered" not in p)
        first_err["client_processes"] = nproc
        return first_err
    result = merge_client_results(ok, args.seconds)
    result["client_processes"] = nproc
    result["clients_exit_code"] = max(p["clients_exit_code"] or 0 for p in parts)
    return result


def profile_window(
    server: Server, args: argparse.Namespace, stamp: str, rooms: int
) -> tuple[subprocess.Popen[bytes], Path] | None:
    """Start py-spy on collabd for the measured window (it sleeps through the warm-up)."""
    pyspy = shutil.which("py-spy")
    if not pyspy:
        log("--profile: py-spy not found (pip install py-spy); skipping")
        return None
    out = RESULTS / f"profile-{stamp}-{rooms}rooms"
    cmd = [
        "sh",
        "-c",
        f'sleep {args.warmup + 1} && exec "$0" record --pid {server.pid} --duration '
        f"{max(1, int(args.seconds) - 2)} --rate 200 --nonblocking --threads "
        f'--format raw --output "$1.txt"',
        pyspy,
        str(out),
    ]
    log(f"profiling collabd pid {server.pid} into {out}.txt")
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    return proc, out.with_suffix(".txt")


def run_one(
    kind: str,
    rooms: int,
    rep: int,
    args: argparse.Namespace,
    workdir: Path,
    logdir: Path,
    running: list[Server],
    stamp: str,
    backing: cluster.Backing | None = None,
) -> dict[str, Any]:
    """Start one server, run the clients against it, stop it. Never leaves it running."""
    log(f"--- {kind}: {rooms} rooms x 2 clients at {args.rate}/s (run {rep + 1}) ---")
    if kind in cluster.KINDS:
        assert backing is not None
        return run_cluster_one(kind, rooms, rep, args, workdir, logdir, running, backing)
    server = Server(
        kind, workdir, logdir, args.collabd_arg if kind == "collabd" else [], args.collabd_cmd
    )
    running.append(server)
    profiler = None
    try:
        server.start()
        if args.profile and kind == "collabd" and rep == 0:
            profiler = profile_window(server, args, stamp, rooms)
        res = run_clients(server, rooms, args, workdir / f"clients-{kind}-{rooms}-{rep}.json")
        if server.proc is not None and server.proc.poll() is not None:
            res["error"] = (
                res.get("error", "") + f" server exited {server.proc.returncode} during run"
            )
    except RuntimeError as e:
        log(str(e))
        res = {"error": str(e)}
    finally:
        if profiler is not None:
            pproc, ppath = profiler
            with contextlib.suppress(subprocess.TimeoutExpired):
                pproc.wait(timeout=args.seconds + 15)
            if pproc.poll() is None:
                os.killpg(pproc.pid, signal.SIGKILL)
                pproc.wait()
        server.stop()
        running.remove(server)
    if profiler is not None and profiler[1].exists():
        res["profile_file"] = str(profiler[1])
        res["profile"] = profile_summary(profiler[1])
    if res.get("error") or res.get("clients_exit_code"):
        res["server_log_tail"] = server.log_tail(30)
    res["server_cmd"] = " ".join(server.cmd)
    res["server_log"] = str(server.log_path)
    if kind == "collabd":
        cluster.single_sqlite_parts(res)
    return res


def run_cluster_one(
    kind: str, rooms: int, rep: int, args: argparse.Namespace, workdir: Path, logdir: Path,
    running: list[Server], backing: cluster.Backing,
) -> dict[str, Any]:  # fmt: skip
    """One node on PostgreSQL (collabd-pg) or two nodes on PostgreSQL + Redis (cluster), on a
    fresh database; CPU of every part and operations per delivery over the window."""
    dbname, db_url = backing.fresh_run()
    extra = [*args.collabd_arg, *cluster.node_args(kind, db_url, backing.redis_url)]
    nodes: list[Server] = []
    res: dict[str, Any]
    sampler = cluster.EdgeSampler(backing, dbname)
    try:
        for _ in range(2 if kind == "cluster" else 1):
            node = Server("collabd", workdir, logdir, extra, args.collabd_cmd)
            running.append(node)
            nodes.append(node)
            node.start()
        roles = {node.pid: f"node{i + 1}" for i, node in enumerate(nodes)}
        roles[backing.postmaster_pid()] = "postgres"
        if kind == "cluster":
            assert backing.redis_proc is not None
            roles[backing.redis_proc.pid] = "redis"
        res = run_clients(nodes[0], rooms, args, workdir / f"clients-{kind}-{rooms}-{rep}.json",
                          second=nodes[-1] if kind == "cluster" else None, pids=list(roles),
                          on_go=sampler.start)  # fmt: skip
        for node in nodes:
            if node.proc is not None and node.proc.poll() is not None:
                res["error"] = res.get("error", "") + f" node exited {node.proc.returncode}"
        cluster.finish_run(res, roles, sampler.result(args.seconds + 10))
        if sampler.error:
            res["ops_error"] = sampler.error
    except RuntimeError as e:
        log(str(e))
        res = {"error": str(e)}
    finally:
        for node in nodes:
            node.stop()
            running.remove(node)
    if res.get("error") or res.get("clients_exit_code"):
        res["server_log_tail"] = "\n".join(node.log_tail(15) for node in nodes)
    res["server_cmd"] = " ".join(nodes[0].cmd) if nodes else ""
    res["server_logs"] = [str(node.log_path) for node in nodes]
    return res


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One row per server: the run itself, or the median of the repeats' numbers."""
    ok = [r for r in runs if "delivered" in r]
    if not ok:
        return runs[0] if runs else {"error": "not run"}
    if len(ok) == 1 and len(runs) == 1:
        return ok[0]
    out = dict(ok[0])
    for key in (
        "delivered",
        "sent",
        "deliveries_per_second",
        "server_cpu_seconds",
        "server_cpu_percent",
        "server_cpu_seconds_per_1k_deliveries",
        "server_user_cpu_seconds",
        "server_system_cpu_seconds",
        "server_main_thread_cpu_seconds",
        "server_other_threads_cpu_seconds",
        "server_rss_mib",
        "client_cpu_seconds",
        "client_cpu_percent",
        "keystroke_rate_achieved",
        "background_cpu_percent",
        "window_seconds",
    ):
        vals = [r[key] for r in ok if r.get(key) is not None]
        out[key] = statistics.median(vals) if vals else None
    for key in ("delivered", "sent"):
        out[key] = round(out[key]) if out[key] is not None else None
    out["latency_ms"] = {
        k: statistics.median(r["latency_ms"][k] for r in ok)
        for k in ok[0]["latency_ms"]
        if all(r["latency_ms"].get(k) is not None for r in ok)
    }
    out["lost"] = sum(r["lost"] for r in ok)
    out["rooms_converged"] = min(r["rooms_converged"] for r in ok)
    out["summary_of"] = f"median of {len(ok)} runs ({len(runs) - len(ok)} failed)"
    if any("cpu_ms_per_1k_total" in r for r in ok):
        cluster.summarize_extra(out, ok)
    if len(ok) < len(runs):
        out["error"] = f"{len(runs) - len(ok)} of {len(runs)} runs failed"
    return out


def profile_summary(path: Path, top: int = 20) -> dict[str, Any]:
    """Self and inclusive sample shares per function from py-spy's raw (collapsed) output."""
    frame_re = re.compile(r"^(.*) \((.*?)(?::\d+)?\)$")
    self_n: collections.Counter[str] = collections.Counter()
    incl_n: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = []
        for fr in stack.split(";"):
            m = frame_re.match(fr)
            if m:
                func, file = m.group(1), m.group(2)
                parts = Path(file).parts
                short = "/".join(parts[-2:]) if len(parts) >= 2 else file
                frames.append(f"{func} ({short})")
            else:
                frames.append(fr)
        # drop the thread/process header frames py-spy adds with --threads
        frames = [f for f in frames if not f.startswith(("thread ", "process "))]
        if not frames:
            continue
        total += n
        self_n[frames[-1]] += n
        for f in set(frames):
            incl_n[f] += n
    if total == 0:
        return {"samples": 0}

    def share(c: collections.Counter[str]) -> list[tuple[str, float]]:
        return [(k, round(100 * v / total, 1)) for k, v in c.most_common(top)]

    return {"samples": total, "self_percent": share(self_n), "inclusive_percent": share(incl_n)}


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return a / b


def fmt(x: Any, spec: str = ".2f") -> str:
    if x is None:
        return "n/a"
    if isinstance(x, float):
        return format(x, spec)
    return str(x)


def print_level(level: dict[str, Any]) -> None:
    rooms, rate = level["rooms"], level["rate"]
    print(
        f"\n== {rooms} rooms x 2 clients, {rate} keystrokes/s each "
        f"(~{rooms * 2 * rate:.0f} deliveries/s), window {level['seconds']} s =="
    )
    hdr = (
        f"{'server':<10} {'deliv':>7} {'lost':>5} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'max ms':>7} {'CPU s':>6} {'main+thr':>10} {'CPU %':>6} {'CPUs/1k':>8} {'RSS MiB':>8} "
        f"{'cli CPU%':>8} {'keys':>5} {'bg CPU%':>7} {'conv':>9}"
    )
    print(hdr)
    print("-" * len(hdr))
    for kind, r in level["servers"].items():
        if kind in cluster.KINDS:
            continue  # in the cluster table below
        if "error" in r and "delivered" not in r:
            print(f"{kind:<10} ERROR: {r['error'].splitlines()[0][:90]}")
            continue
        lat = r.get("latency_ms", {})
        bg = r.get("background_cpu_percent")  # can dip a little below 0: accounting noise
        threads = (
            f"{fmt(r.get('server_main_thread_cpu_seconds'))}"
            f"+{fmt(r.get('server_other_threads_cpu_seconds'))}"
        )
        print(
            f"{kind:<10} {r['delivered']:>7} {r['lost']:>5} {fmt(lat.get('p50')):>7} "
            f"{fmt(lat.get('p99')):>7} {fmt(lat.get('max'), '.1f'):>7} "
            f"{fmt(r['server_cpu_seconds']):>6} {threads:>10} "
            f"{fmt(r['server_cpu_percent'], '.1f'):>6} "
            f"{fmt(r['server_cpu_seconds_per_1k_deliveries'], '.3f'):>8} "
            f"{fmt(r['server_rss_mib'], '.0f'):>8} {fmt(r['client_cpu_percent'], '.1f'):>8} "
            f"{fmt(pct_or_none(r.get('keystroke_rate_achieved')), '.0f'):>4}% "
            f"{fmt(bg if bg is None else max(0.0, bg), '.0f'):>7} "
            f"{r['rooms_converged']:>4}/{r['rooms']:<4}"
        )
        late = r.get("tick_late_ms") or {}
        if (r.get("keystroke_rate_achieved") or 1) < 0.98 or (late.get("p99") or 0) > 50:
            per_proc = "+".join(
                f"{x:.0f}" for x in r.get("client_cpu_percent_per_process") or []
            ) or fmt(r.get("client_cpu_percent"), ".0f")
            print(
                f"{'':<10} load generator lagging: {r.get('sent')} of "
                f"{r.get('intended_keystrokes'):.0f} scheduled keystrokes made, p99 timer lag "
                f"{fmt(late.get('p99'), '.0f')} ms, {r.get('client_processes', 1)} client "
                f"process(es) at {per_proc} % CPU"
            )
        if r.get("error"):
            print(f"{'':<10} note: {r['error'][:100]}")
    rat = level.get("ratios")
    if rat and len([k for k in level["servers"] if k not in cluster.KINDS]) > 1:
        print("ratios (collabd / other; target in brackets):")
        for key, label, target in LOAD_RATIOS:
            print_ratio(label, rat.get(key), target)
    cluster.print_level(level)


# (key in level["ratios"], label, target or None for information only)
LOAD_RATIOS = (
    ("cpu_vs_reference", "CPU per delivery vs reference   ", TARGET_CPU_VS_REF),
    ("cpu_vs_picows", "CPU per delivery vs picows floor", TARGET_CPU_VS_PICOWS),
    ("cpu_vs_floor", "CPU per delivery vs aiohttp floor", None),
    ("p99_vs_reference", "p99 latency vs reference        ", TARGET_P99_VS_REF),
    ("p99_vs_picows", "p99 latency vs picows floor     ", None),
    ("p99_vs_floor", "p99 latency vs aiohttp floor    ", None),
)


def pct_or_none(x: float | None) -> float | None:
    return None if x is None else 100 * x


def verdict(v: float | None, target: float | None) -> str:
    if target is None or v is None:
        return ""
    return "ok" if v <= target else "MISSED"


def print_ratio(
    label: str, v: float | None, target: float | None, unit: str = "x", width: int = 34
) -> None:
    tgt = f"[<= {target}{unit}]" if target is not None else "[info]"
    print(f"  {label:<{width}} {fmt(v, '.2f'):>7}{unit} {tgt:<14} {verdict(v, target)}")


def machine_info(collabd_cmd: str | None = None) -> dict[str, Any]:
    info: dict[str, Any] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
    }
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        info["node"] = subprocess.run(
            ["node", "--version"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        info["git_commit"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    # collabd runs from this work tree: say which files differed from the commit
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        info["collabd_uncommitted"] = subprocess.run(
            ["git", "status", "--porcelain", "--", "collabd"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.split("\n")[:-1]
    # collabd's hot path compiled by scripts/build_native.py, or plain Python (COLLABD_NATIVE=0)
    info["collabd_compiled"] = "unknown (--collabd-cmd)" if collabd_cmd else None
    if not collabd_cmd:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            info["collabd_compiled"] = subprocess.run(
                [sys.executable, "-c", "import collabd.app, collabd.native as n; "
                 "print(f'{len(n.compiled())}/{len(n.MODULES)} modules')"],
                cwd=REPO,
                capture_output=True,
                text=True,
                timeout=30,
            ).stdout.strip() or None
    try:
        import uvloop

        info["uvloop"] = getattr(uvloop, "__version__", "?")
    except ImportError:
        info["uvloop"] = None
    import aiohttp

    info["aiohttp"] = aiohttp.__version__
    try:
        import picows

        info["picows"] = getattr(picows, "__version__", "?")
    except ImportError:
        info["picows"] = None
    return info


def proc_rss_mib(pid: int) -> float | None:
    with contextlib.suppress(OSError):
        m = re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text())
        if m:
            return int(m.group(1)) / 1024
    return None


def proc_cpu_seconds(pid: int) -> float | None:
    """utime+stime of a process, all threads, from /proc/<pid>/stat."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return None


def machine_busy_seconds() -> float | None:
    with contextlib.suppress(OSError, ValueError):
        f = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        # user nice system idle iowait irq softirq steal
        return (f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) / os.sysconf("SC_CLK_TCK")
    return None


def run_node_json(cmd: list[str], timeout: float) -> dict[str, Any]:
    """Run a bench Node program to its end; its last stdout line is a JSON object."""
    proc = subprocess.Popen(
        cmd, cwd=BENCH, stdout=subprocess.PIPE, stderr=sys.stderr,
        stdin=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        stdout, _ = proc.communicate(timeout=timeout)
    except BaseException:
        kill_group(proc)
        raise
    try:
        res: dict[str, Any] = json.loads(stdout.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        res = {"error": f"{Path(cmd[1]).name} exited {proc.returncode} without a result"}
    res["exit_code"] = proc.returncode
    return res


def run_idle(
    kind: str, n: int, args: argparse.Namespace, workdir: Path, logdir: Path,
    running: list[Server],
) -> dict[str, Any]:  # fmt: skip
    """N idle connections against one server: RSS per connection and idle CPU."""
    log(f"--- idle: {kind}, {n} connections ({n // 2} rooms x 2), renew {args.idle_renew} s ---")
    server = Server(kind, workdir, logdir, args.collabd_arg if kind == "collabd" else [],
                    args.collabd_cmd)  # fmt: skip
    running.append(server)
    res: dict[str, Any] = {"conns": n, "renew_seconds": args.idle_renew}
    proc: subprocess.Popen[bytes] | None = None
    try:
        server.start()
        time.sleep(2)  # let the fresh server finish starting up before the baseline
        res["rss_before_mib"] = proc_rss_mib(server.pid)
        connect_timeout = 60 + n / 100
        cmd = [
            "node", str(BENCH / "idle.mjs"), "--url", f"ws://{HOST}:{server.port}/rooms",
            "--conns", str(n), "--secret", SECRET, "--renew", str(args.idle_renew),
            "--connect-timeout", str(connect_timeout), "--prefix", f"idle-{server.port}",
            "--max-hold", str(connect_timeout + args.idle_settle + args.idle_seconds + 120),
        ]  # fmt: skip
        proc = subprocess.Popen(cmd, cwd=BENCH, stdout=subprocess.PIPE, stderr=sys.stderr,
                                stdin=subprocess.PIPE, start_new_session=True)  # fmt: skip
        lines = ChildLines(proc)
        ready = lines.wait_for("READY", time.monotonic() + connect_timeout + 30)
        if ready is None:
            raise RuntimeError("idle clients never became ready")
        res["ready"] = json.loads(ready[len("READY ") :])
        # settle: sync replies, first awareness broadcasts and GC are over before measuring
        time.sleep(args.idle_settle)
        res["rss_settled_mib"] = proc_rss_mib(server.pid)
        cpu0, cli0, busy0 = (proc_cpu_seconds(server.pid), proc_cpu_seconds(proc.pid),
                             machine_busy_seconds())  # fmt: skip
        t0 = time.monotonic()
        time.sleep(args.idle_seconds)
        cpu1, cli1, busy1 = (proc_cpu_seconds(server.pid), proc_cpu_seconds(proc.pid),
                             machine_busy_seconds())  # fmt: skip
        wall = time.monotonic() - t0
        res["rss_after_mib"] = proc_rss_mib(server.pid)
        assert proc.stdin is not None
        with contextlib.suppress(BrokenPipeError):
            proc.stdin.write(b"STOP\n")
            proc.stdin.flush()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=30)
        res["clients"] = lines.last_json()
        if None in (cpu0, cpu1, cli0, cli1, busy0, busy1):
            raise RuntimeError("could not read /proc CPU counters")
        assert cpu0 is not None and cpu1 is not None and cli0 is not None and cli1 is not None
        assert busy0 is not None and busy1 is not None
        res["window_seconds"] = wall
        res["server_cpu_seconds"] = cpu1 - cpu0
        res["idle_cpu_percent"] = 100 * (cpu1 - cpu0) / wall
        res["client_cpu_percent"] = 100 * (cli1 - cli0) / wall
        res["background_cpu_percent"] = (
            100 * ((busy1 - busy0) - (cpu1 - cpu0) - (cli1 - cli0)) / wall
        )
        synced = res["ready"].get("synced", 0)
        open_at_stop = (res["clients"] or {}).get("open_at_stop")
        if res["rss_before_mib"] is not None and res["rss_after_mib"] is not None:
            grown_kib = (res["rss_after_mib"] - res["rss_before_mib"]) * 1024
            res["rss_kib_per_conn"] = grown_kib / n
            # if the server closed some, what the ones still open cost (memory may lag)
            if open_at_stop:
                res["rss_kib_per_open_conn"] = grown_kib / open_at_stop
        if synced < n or (open_at_stop is not None and open_at_stop < n):
            codes = (res["clients"] or {}).get("close_codes")
            res["error"] = (
                f"{synced}/{n} synced, {open_at_stop} still open at the end (server close "
                f"codes {codes}); RSS per still-open connection "
                f"{fmt(res.get('rss_kib_per_open_conn'), '.1f')} KiB"
            )
    except RuntimeError as e:
        log(str(e))
        res["error"] = str(e)
    finally:
        if proc is not None and proc.poll() is None:
            kill_group(proc)
        if server.proc is not None and server.proc.poll() is not None:
            res["error"] = res.get("error", "") + f" server exited {server.proc.returncode}"
        server.stop()
        running.remove(server)
    if res.get("error"):
        res["server_log_tail"] = server.log_tail(30)
    res["server_cmd"] = " ".join(server.cmd)
    return res


def run_cold_join(
    kind: str, args: argparse.Namespace, workdir: Path, logdir: Path, running: list[Server]
) -> dict[str, Any]:
    """Build a document of N edits through a real client, then time joins to it.

    Warm: fresh clients join while the writer is still connected (document loaded).
    Cold (collabd only; the reference keeps documents in memory only): the server is
    stopped and started again on the same data dir before each join.
    """
    n = args.cold_join
    log(f"--- cold join: {kind}, building a document of {n} edits ---")
    data_dir = workdir / f"coldjoin-{kind}"
    room = f"coldjoin-{os.getpid()}"
    res: dict[str, Any] = {"edits": n}

    def serve(extra: list[str]) -> Server:
        server = Server(kind, workdir, logdir, extra, args.collabd_cmd,
                        data_dir=data_dir if kind == "collabd" else None)  # fmt: skip
        running.append(server)
        server.start(timeout=120)
        return server

    def stop(server: Server) -> None:
        server.stop()
        running.remove(server)

    def join_cmd(server: Server, *extra: str) -> list[str]:
        return ["node", str(BENCH / "coldjoin.mjs"), "--url", f"ws://{HOST}:{server.port}/rooms",
                "--room", room, "--secret", SECRET, *extra]  # fmt: skip

    try:
        server = serve([*args.collabd_arg, *COLLABD_BUILD_ARGS] if kind == "collabd" else [])
        try:
            built = run_node_json(
                join_cmd(server, "--build", str(n), "--warm-joins", str(args.cold_join_runs)),
                timeout=600,
            )
            res["server_rss_mib_after_build"] = proc_rss_mib(server.pid)
        finally:
            stop(server)
        res["build"] = {k: v for k, v in built.items() if k != "warm_joins"}
        if built.get("error"):
            res["error"] = f"build: {built['error']}"
            return res
        warm = [j["ms"] for j in built.get("warm_joins", [])]
        res["warm_join_ms"] = warm
        res["warm_join_ms_median"] = statistics.median(warm) if warm else None
        if kind != "collabd":
            return res
        cold: list[float] = []
        starts: list[float] = []
        for i in range(args.cold_join_runs):
            t0 = time.monotonic()
            server = serve(args.collabd_arg)
            starts.append(time.monotonic() - t0)
            try:
                j = run_node_json(join_cmd(server, "--join", "--expect", str(n)), timeout=180)
            finally:
                stop(server)
            if j.get("error"):
                res["error"] = f"cold join {i + 1}: {j['error']}"
                break
            cold.append(j["join"]["ms"])
            res.setdefault("cold_joins", []).append(j["join"])
        res["cold_join_ms"] = cold
        res["cold_join_ms_median"] = statistics.median(cold) if cold else None
        res["server_start_seconds"] = starts
        if data_dir.exists():
            res["data_dir_bytes"] = sum(
                f.stat().st_size for f in data_dir.rglob("*") if f.is_file()
            )
    except RuntimeError as e:
        log(str(e))
        res["error"] = str(e)
    return res


def print_idle(idle: dict[str, Any]) -> None:
    if not idle:
        return
    first = next(iter(idle.values()))
    print(
        f"\n== idle: {first['conns']} connections ({first['conns'] // 2} rooms x 2), synced, "
        f"awareness set (renewed every {first['renew_seconds']} s; 0 = never) =="
    )
    hdr = (
        f"{'server':<10} {'synced':>7} {'open end':>8} {'RSS 0 MiB':>9} {'RSS MiB':>8} "
        f"{'KiB/conn':>8} {'idle CPU%':>9} {'cli CPU%':>8} {'bg CPU%':>7}"
    )
    print(hdr)
    print("-" * len(hdr))
    for kind, r in idle.items():
        if "idle_cpu_percent" not in r:
            print(f"{kind:<10} ERROR: {str(r.get('error', '?')).splitlines()[0][:90]}")
            continue
        cl = r.get("clients") or {}
        print(
            f"{kind:<10} {r['ready'].get('synced'):>7} {fmt(cl.get('open_at_stop')):>8} "
            f"{fmt(r.get('rss_before_mib'), '.0f'):>9} {fmt(r.get('rss_after_mib'), '.0f'):>8} "
            f"{fmt(r.get('rss_kib_per_conn'), '.1f'):>8} {fmt(r['idle_cpu_percent'], '.1f'):>9} "
            f"{fmt(r['client_cpu_percent'], '.1f'):>8} "
            f"{fmt(max(0.0, r['background_cpu_percent']), '.0f'):>7}"
        )
        if r.get("error"):
            print(f"{'':<10} note: {r['error'][:100]}")


def print_cold(cold: dict[str, Any]) -> None:
    if not cold:
        return
    n = next(iter(cold.values())).get("edits")
    print(f"\n== join of a {n}-edit document (connect -> synced, ms) ==")
    for kind, r in cold.items():
        b = r.get("build", {})
        print(
            f"{kind:<10} built in {fmt(b.get('build_seconds'), '.1f')} s "
            f"({b.get('text_len')} chars); warm join median "
            f"{fmt(r.get('warm_join_ms_median'), '.1f')} ms "
            f"{[round(x, 1) for x in r.get('warm_join_ms', [])]}"
        )
        if kind == "collabd":
            print(
                f"{'':<10} cold join (server restarted before each) median "
                f"{fmt(r.get('cold_join_ms_median'), '.1f')} ms "
                f"{[round(x, 1) for x in r.get('cold_join_ms', [])]}"
            )
        if r.get("error"):
            print(f"{'':<10} ERROR: {r['error'][:100]}")


def level_ratios(servers: dict[str, dict[str, Any]]) -> dict[str, float | None]:
    c = servers.get("collabd", {})
    key = "server_cpu_seconds_per_1k_deliveries"

    def p99(r: dict[str, Any]) -> float | None:
        v = r.get("latency_ms", {}).get("p99")
        return float(v) if v is not None else None

    out: dict[str, float | None] = {}
    for other, name in (("reference", "reference"), ("floor", "floor"), ("picows", "picows")):
        o = servers.get(other, {})
        out[f"cpu_vs_{name}"] = ratio(c.get(key), o.get(key))
        out[f"p99_vs_{name}"] = ratio(p99(c), p99(o))
    return out


def target_summary(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Every issue-11 target with collabd's measured value and a verdict."""
    rows: list[dict[str, Any]] = []
    for level in report["levels"]:
        rat = level.get("ratios", {})
        tag = f"{level['rooms']} rooms @ {level['rate']:g}/s"
        for key, label, target in LOAD_RATIOS:
            if target is not None and rat.get(key) is not None:
                rows.append({"what": f"{tag}: {label.strip()}", "value": rat.get(key),
                             "unit": "x", "target": target})  # fmt: skip
        for v in level.get("cluster_verdicts", []):
            rows.append({**v, "what": f"{tag}: {v['what']}"})
        c = level["servers"].get("collabd", {})
        if c:
            ok = c.get("lost") == 0 and c.get("rooms_converged") == c.get("rooms")
            rows.append({"what": f"{tag}: nothing lost, every room converged",
                         "value": 1.0 if ok else 0.0, "unit": "", "target": None,
                         "verdict": "ok" if ok else "MISSED"})  # fmt: skip
    idle = report.get("idle", {})
    c, ref = idle.get("collabd", {}), idle.get("reference", {})
    if c:
        rows.append({"what": f"idle {c['conns']}: RSS per connection", "unit": " KiB",
                     "value": c.get("rss_kib_per_conn"),
                     "target": TARGET_IDLE_KIB_PER_CONN})  # fmt: skip
        rows.append({"what": f"idle {c['conns']}: idle CPU vs reference", "unit": "x",
                     "value": ratio(c.get("idle_cpu_percent"), ref.get("idle_cpu_percent")),
                     "target": TARGET_IDLE_CPU_VS_REF})  # fmt: skip
    for r in rows:
        r.setdefault("verdict", verdict(r["value"], r["target"]))
    return rows


def parse_levels(spec: str, default_rate: float) -> list[tuple[int, float]]:
    """'50,200,1000@2' -> [(50, rate), (200, rate), (1000, 2.0)]."""
    out = []
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        rooms, _, rate = item.partition("@")
        out.append((int(rooms), float(rate) if rate else default_rate))
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--rooms",
        default="10,50",
        help="comma-separated load levels, rooms of 2 clients; ROOMS@RATE sets that level's "
        "keystroke rate (default 10,50; '' for none)",
    )
    p.add_argument(
        "--rate", type=float, default=10.0, help="keystrokes per second per client (default 10)"
    )
    p.add_argument("--seconds", type=float, default=20.0, help="measured window (default 20)")
    p.add_argument("--warmup", type=float, default=5.0, help="typing before the window (5)")
    p.add_argument(
        "--drain",
        type=float,
        default=10.0,
        help="max seconds to wait for the window's last deliveries (10)",
    )
    p.add_argument(
        "--servers",
        default=",".join(SERVERS),
        help=f"comma-separated subset of {','.join(SERVERS)} (and of the cluster runs "
        f"{','.join(cluster.KINDS)}, see --cluster)",
    )
    p.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="runs per server and level, order rotated; the table shows medians",
    )
    p.add_argument(
        "--client-procs",
        default="auto",
        help="Node processes generating one level's load (default auto: 1 up to 2,000 "
        "keystrokes/s, else 2)",
    )
    p.add_argument(
        "--cursor",
        action="store_true",
        help="clients also publish an awareness cursor with every keystroke",
    )
    p.add_argument(
        "--idle",
        type=int,
        nargs="?",
        const=15000,
        default=None,
        help="idle measurement with N connections (default N 15000)",
    )
    p.add_argument(
        "--cluster",
        action="store_true",
        help="at each level also one node on PostgreSQL and 2 nodes on PostgreSQL + Redis "
        "(each room's clients on different nodes), against the single node on SQLite",
    )
    p.add_argument(
        "--pg-set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="--cluster: a PostgreSQL server setting (repeatable)",
    )
    p.add_argument("--idle-seconds", type=float, default=30.0, help="idle CPU window (30)")
    p.add_argument(
        "--idle-settle", type=float, default=10.0, help="wait after all synced before measuring"
    )
    p.add_argument(
        "--idle-renew",
        type=float,
        default=15.0,
        help="idle clients re-send their awareness state every S s like y-protocols (15; 0 never)",
    )
    p.add_argument("--idle-servers", default="collabd,reference")
    p.add_argument(
        "--cold-join",
        type=int,
        nargs="?",
        const=100000,
        default=None,
        help="join-time measurement on a document of N edits (default N 100000)",
    )
    p.add_argument("--cold-join-runs", type=int, default=5, help="joins of each kind (5)")
    p.add_argument("--cold-join-servers", default="collabd,reference")
    p.add_argument(
        "--profile",
        action="store_true",
        help="run py-spy on collabd during the window (raw stacks to bench/results/)",
    )
    p.add_argument(
        "--collabd-cmd",
        help="command that stands for `collabd` (default: collabd on PATH), e.g. to compare "
        "a branch: --collabd-cmd '/other/venv/bin/collabd'",
    )
    p.add_argument(
        "--collabd-arg",
        action="append",
        default=[],
        help="extra argument for `collabd serve` (repeatable)",
    )
    args = p.parse_args()

    levels = parse_levels(args.rooms, args.rate)
    kinds = [k.strip() for k in args.servers.split(",") if k.strip()]
    idle_kinds = [k.strip() for k in args.idle_servers.split(",") if k.strip()]
    cold_kinds = [k.strip() for k in args.cold_join_servers.split(",") if k.strip()]
    for k in kinds:
        if k not in (*SERVERS, *cluster.KINDS):
            p.error(f"unknown server {k!r}")
    if args.cluster:
        kinds += [k for k in ("collabd", *cluster.KINDS) if k not in kinds]
    pg_settings = dict(item.split("=", 1) for item in args.pg_set)
    for k in idle_kinds + cold_kinds:
        if k not in ("collabd", "reference"):
            p.error(f"idle and cold-join servers are collabd and reference, not {k!r}")

    fd_limit = raise_fd_limit()
    ensure_node_modules()
    if "picows" in kinds and levels:
        ensure_picows()
    RESULTS.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    report: dict[str, Any] = {
        "started": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": machine_info(args.collabd_cmd),
        "load_average_at_start": os.getloadavg(),
        "fd_limit": fd_limit,
        "args": vars(args),
        "cpu_source": "/proc/<pid>/stat utime+stime (all threads) sampled by clients.mjs "
        "at the window edges",
        "targets": {
            "cpu_vs_reference": TARGET_CPU_VS_REF,
            "cpu_vs_picows": TARGET_CPU_VS_PICOWS,
            "p99_vs_reference": TARGET_P99_VS_REF,
            "idle_rss_kib_per_conn": TARGET_IDLE_KIB_PER_CONN,
            "idle_cpu_vs_reference": TARGET_IDLE_CPU_VS_REF,
        },
        "levels": [],
    }
    out_path = RESULTS / f"bench-{stamp}.json"
    workdir = Path(tempfile.mkdtemp(prefix="collabd-bench-"))
    logdir = RESULTS / f"logs-{stamp}"
    logdir.mkdir()
    report["server_logs"] = str(logdir)
    running: list[Server] = []
    backing: cluster.Backing | None = None

    def save() -> None:
        out_path.write_text(json.dumps(report, indent=2) + "\n")

    # SIGTERM -> KeyboardInterrupt, so `finally` stops whatever we started
    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    interrupted = False
    stack = contextlib.ExitStack()
    try:
        if levels and any(k in cluster.KINDS for k in kinds):
            backing = stack.enter_context(cluster.Backing(workdir, free_port(), pg_settings))
            report["cluster_backing"] = {"pg_settings": pg_settings}
        for rooms, rate in levels:
            largs = argparse.Namespace(**{**vars(args), "rate": rate})
            level: dict[str, Any] = {
                "rooms": rooms,
                "rate": rate,
                "seconds": args.seconds,
                "repeat": args.repeat,
                "load_average_at_start": os.getloadavg(),
                "servers": {},
                "runs": {k: [] for k in kinds},
            }
            report["levels"].append(level)
            for rep in range(args.repeat):
                # rotate the order on each repeat so no server always goes first
                order = kinds[rep % len(kinds) :] + kinds[: rep % len(kinds)]
                for kind in order:
                    res = run_one(kind, rooms, rep, largs, workdir, logdir, running, stamp, backing)
                    level["runs"][kind].append(res)
                    save()
            for kind in kinds:
                level["servers"][kind] = summarize(level["runs"][kind])
            level["ratios"] = level_ratios(level["servers"])
            if "cluster" in kinds:
                level["cluster_verdicts"] = cluster.verdicts(level["servers"])
            save()
        if args.idle:
            report["idle"] = {}
            report["idle_load_average_at_start"] = os.getloadavg()
            for kind in idle_kinds:
                report["idle"][kind] = run_idle(kind, args.idle, args, workdir, logdir, running)
                save()
        if args.cold_join:
            report["cold_join"] = {}
            for kind in cold_kinds:
                report["cold_join"][kind] = run_cold_join(kind, args, workdir, logdir, running)
                save()
    except KeyboardInterrupt:
        interrupted = True
        log("interrupted: stopping servers")
    finally:
        for server in list(running):
            server.stop()
        stack.close()
        report["finished"] = dt.datetime.now().isoformat(timespec="seconds")
        report["load_average_at_end"] = os.getloadavg()
        report["interrupted"] = interrupted
        report["target_summary"] = target_summary(report)
        save()
        shutil.rmtree(workdir, ignore_errors=True)

    print(
        f"\ncollabd benchmark  ({report['machine'].get('cpu_model', '?')}, "
        f"{report['machine'].get('cpus')} CPUs, node {report['machine'].get('node')}, "
        f"uvloop {report['machine'].get('uvloop')}, picows {report['machine'].get('picows')}, "
        f"collabd compiled {report['machine'].get('collabd_compiled')}; "
        f"load average at start {report['load_average_at_start'][0]:.2f})"
    )
    print(
        "CPU = server utime+stime over the window (/proc/<pid>/stat); CPUs/1k = CPU seconds "
        "per 1,000 deliveries (main+thr: main thread + other threads);\n"
        "latency = insert -> other client's doc has it; cli CPU% = the Node client "
        "process(es), 100 = one core; keys = keystrokes made / scheduled in the window;\n"
        "bg CPU% = everything else on the machine (high values mean a noisy run)"
    )
    for level in report["levels"]:
        print_level(level)
    print_idle(report.get("idle", {}))
    print_cold(report.get("cold_join", {}))
    for level in report["levels"]:
        for r in level["runs"].get("collabd", []):
            prof = r.get("profile")
            if not prof or not prof.get("samples"):
                continue
            print(
                f"\ncollabd profile, {level['rooms']} rooms ({prof['samples']} samples, "
                f"{r['profile_file']}):"
            )
            print("  self %   function")
            for name, pct in prof["self_percent"][:12]:
                print(f"  {pct:6.1f}   {name}")
            print("  incl %   function")
            for name, pct in prof["inclusive_percent"][:15]:
                print(f"  {pct:6.1f}   {name}")
    if report["target_summary"]:
        print("\n== targets (issue 11: collabd; issue 12: the cluster) ==")
        for row in report["target_summary"]:
            if row["target"] is None:
                print(f"  {row['what']:<62} {row['verdict']:>25}")
                continue
            print_ratio(row["what"], row["value"], row["target"], row["unit"], width=62)
    print(f"\nJSON: {out_path}")
    return 130 if interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
