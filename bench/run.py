"""Side-by-side benchmark: collabd vs the Yjs reference server vs a bare relay (the floor).

    python bench/run.py [--rooms 10,50] [--rate 10] [--seconds 20] [--warmup 5]

For every load level and every server, in one run: start the server on a free 127.0.0.1
port, run bench/clients.mjs (N rooms x 2 stock Yjs clients typing) against it, read the
server's CPU seconds over the measured window, stop the server. Prints a table and the
ratios collabd/reference and collabd/floor, and writes everything as JSON to
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
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results"
HOST = "127.0.0.1"
SECRET = "bench-secret-not-for-production"
SERVERS = ("collabd", "reference", "floor")

# Targets from issue 2: collabd CPU per delivery <= 0.6x reference and <= 1.5x floor;
# p99 no worse than the reference's at the same load.
TARGET_CPU_VS_REF = 0.6
TARGET_CPU_VS_FLOOR = 1.5
TARGET_P99_VS_REF = 1.0

# All bench clients connect from 127.0.0.1, so collabd's per-address limit on connection
# attempts (a defence against reconnect storms from one client) would refuse most of them.
COLLABD_DEFAULT_ARGS = ["--limit", "conn_attempts_per_minute=1000000"]


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


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
    ) -> None:
        self.kind = kind
        self.port = free_port()
        self.workdir = workdir
        self.log_path = logdir / f"{kind}-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        env = dict(os.environ)
        if kind == "collabd":
            data_dir = workdir / f"collabd-data-{self.port}"
            data_dir.mkdir()
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
        elif kind == "floor":
            self.cmd = [
                sys.executable,
                str(BENCH / "floor_relay.py"),
                "--host",
                HOST,
                "--port",
                str(self.port),
            ]
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


def run_clients(server: Server, rooms: int, args: argparse.Namespace, out: Path) -> dict[str, Any]:
    cmd = [
        "node",
        str(BENCH / "clients.mjs"),
        "--url",
        f"ws://{HOST}:{server.port}/rooms",
        "--rooms",
        str(rooms),
        "--rate",
        str(args.rate),
        "--warmup",
        str(args.warmup),
        "--seconds",
        str(args.seconds),
        "--drain",
        str(args.drain),
        "--server-pid",
        str(server.pid),
        "--clk-tck",
        str(os.sysconf("SC_CLK_TCK")),
        "--secret",
        SECRET,
        "--out",
        str(out),
    ]
    if server.kind == "floor":
        cmd.append("--no-sync-wait")  # the relay never answers SyncStep1
    if args.cursor:
        cmd.append("--cursor")
    budget = args.warmup + args.seconds + args.drain + 60
    proc = subprocess.Popen(
        cmd,
        cwd=BENCH,
        stdout=subprocess.PIPE,
        stderr=sys.stderr,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        stdout, _ = proc.communicate(timeout=budget)
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    try:
        result: dict[str, Any] = json.loads(stdout.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        result = {"error": f"clients exited {proc.returncode} without a result"}
    result["clients_exit_code"] = proc.returncode
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
) -> dict[str, Any]:
    """Start one server, run the clients against it, stop it. Never leaves it running."""
    log(f"--- {kind}: {rooms} rooms x 2 clients at {args.rate}/s (run {rep + 1}) ---")
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
        f"{'cli CPU%':>8} {'bg CPU%':>7} {'conv':>7}"
    )
    print(hdr)
    print("-" * len(hdr))
    for kind, r in level["servers"].items():
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
            f"{fmt(bg if bg is None else max(0.0, bg), '.0f'):>7} "
            f"{r['rooms_converged']:>3}/{r['rooms']:<3}"
        )
        if r.get("error"):
            print(f"{'':<10} note: {r['error'][:100]}")
    rat = level.get("ratios")
    if rat:
        print("ratios (collabd / other; target in brackets):")
        for key, label, target in (
            ("cpu_vs_reference", "CPU per delivery vs reference", TARGET_CPU_VS_REF),
            ("cpu_vs_floor", "CPU per delivery vs floor    ", TARGET_CPU_VS_FLOOR),
            ("p99_vs_reference", "p99 latency vs reference     ", TARGET_P99_VS_REF),
            ("p99_vs_floor", "p99 latency vs floor         ", None),
        ):
            v = rat.get(key)
            verdict = ""
            if target is not None and v is not None:
                verdict = "  ok" if v <= target else "  MISSED"
            tgt = f"[<= {target}]" if target is not None else "[info]"
            print(f"  {label} {fmt(v, '.2f'):>6}x {tgt:<9}{verdict}")


def machine_info() -> dict[str, Any]:
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
    try:
        import uvloop

        info["uvloop"] = uvloop.__version__
    except ImportError:
        info["uvloop"] = None
    import aiohttp

    info["aiohttp"] = aiohttp.__version__
    return info


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--rooms",
        default="10,50",
        help="comma-separated load levels, rooms of 2 clients (default 10,50)",
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
        help=f"comma-separated subset of {','.join(SERVERS)}",
    )
    p.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="runs per server and level, order rotated; the table shows medians",
    )
    p.add_argument(
        "--cursor",
        action="store_true",
        help="clients also publish an awareness cursor with every keystroke",
    )
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

    levels = [int(x) for x in args.rooms.split(",") if x.strip()]
    kinds = [k.strip() for k in args.servers.split(",") if k.strip()]
    for k in kinds:
        if k not in SERVERS:
            p.error(f"unknown server {k!r}")

    ensure_node_modules()
    RESULTS.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    report: dict[str, Any] = {
        "started": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": machine_info(),
        "args": vars(args),
        "cpu_source": "/proc/<pid>/stat utime+stime (all threads) sampled by clients.mjs "
        "at the window edges",
        "targets": {
            "cpu_vs_reference": TARGET_CPU_VS_REF,
            "cpu_vs_floor": TARGET_CPU_VS_FLOOR,
            "p99_vs_reference": TARGET_P99_VS_REF,
        },
        "levels": [],
    }
    out_path = RESULTS / f"bench-{stamp}.json"
    workdir = Path(tempfile.mkdtemp(prefix="collabd-bench-"))
    logdir = RESULTS / f"logs-{stamp}"
    logdir.mkdir()
    report["server_logs"] = str(logdir)
    running: list[Server] = []

    # SIGTERM -> KeyboardInterrupt, so `finally` stops whatever we started
    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    interrupted = False
    try:
        for rooms in levels:
            level: dict[str, Any] = {
                "rooms": rooms,
                "rate": args.rate,
                "seconds": args.seconds,
                "repeat": args.repeat,
                "servers": {},
                "runs": {k: [] for k in kinds},
            }
            report["levels"].append(level)
            for rep in range(args.repeat):
                # rotate the order on each repeat so no server always goes first
                order = kinds[rep % len(kinds) :] + kinds[: rep % len(kinds)]
                for kind in order:
                    res = run_one(kind, rooms, rep, args, workdir, logdir, running, stamp)
                    level["runs"][kind].append(res)
                    out_path.write_text(json.dumps(report, indent=2) + "\n")
            for kind in kinds:
                level["servers"][kind] = summarize(level["runs"][kind])
            c = level["servers"].get("collabd", {})
            ref = level["servers"].get("reference", {})
            flo = level["servers"].get("floor", {})
            key = "server_cpu_seconds_per_1k_deliveries"

            def p99(r: dict[str, Any]) -> float | None:
                v = r.get("latency_ms", {}).get("p99")
                return float(v) if v is not None else None

            level["ratios"] = {
                "cpu_vs_reference": ratio(c.get(key), ref.get(key)),
                "cpu_vs_floor": ratio(c.get(key), flo.get(key)),
                "p99_vs_reference": ratio(p99(c), p99(ref)),
                "p99_vs_floor": ratio(p99(c), p99(flo)),
            }
            out_path.write_text(json.dumps(report, indent=2) + "\n")
    except KeyboardInterrupt:
        interrupted = True
        log("interrupted: stopping servers")
    finally:
        for server in running:
            server.stop()
        report["finished"] = dt.datetime.now().isoformat(timespec="seconds")
        report["interrupted"] = interrupted
        out_path.write_text(json.dumps(report, indent=2) + "\n")
        shutil.rmtree(workdir, ignore_errors=True)

    print(
        f"\ncollabd benchmark  ({report['machine'].get('cpu_model', '?')}, "
        f"{report['machine'].get('cpus')} CPUs, node {report['machine'].get('node')}, "
        f"uvloop {report['machine'].get('uvloop')})"
    )
    print(
        "CPU = server utime+stime over the window (/proc/<pid>/stat); CPUs/1k = CPU seconds "
        "per 1,000 deliveries (main+thr: main thread + other threads);\n"
        "latency = insert -> other client's doc has it; "
        "cli CPU% = the Node client process; bg CPU% = everything else on the machine "
        "(100 = one core; high values mean a noisy run)"
    )
    for level in report["levels"]:
        print_level(level)
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
    print(f"\nJSON: {out_path}")
    return 130 if interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
