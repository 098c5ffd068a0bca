"""Soak: simulate batches in a loop against one collabd server and watch its memory.

Starts `collabd serve` on a free 127.0.0.1 port with a fresh data directory (embedded SQLite
unless --database), runs `collabd simulate` batches back to back for --minutes, samples the
server's RSS (VmRSS, RssAnon, RssFile from /proc/PID/status) after every batch, and prints the
interviews ok/failed and the RSS slope (least squares, MiB/h) over the last --slope-minutes.
Exit status 1 when an interview failed or the slope exceeds --max-slope (when given).

  python bench/soak.py                               # 20 minutes, slope over the last 10
  python bench/soak.py --minutes 40 --slope-minutes 20 --max-slope 1
  python bench/soak.py --server-env MALLOC_ARENA_MAX=2 --trim --diagnose

--trim calls malloc_trim(0) in the server before each sample (tells allocator fragmentation
from a leak); --diagnose also writes, per batch, the server's gc counts, the growth of live
objects by type, the hub's container sizes and a tracemalloc diff to DIR/diagnose.jsonl
(tracemalloc slows the server: slopes measured with it are not comparable).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

MiB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss(pid: int) -> dict[str, int]:
    """VmRSS, RssAnon, RssFile and RssShmem of pid, in bytes."""
    out: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile", "RssShmem"):
            out[key] = int(value.split()[0]) * 1024
    return out


def slope_mib_per_hour(points: list[tuple[float, int]]) -> float:
    """Least-squares slope of (seconds, bytes) points, in MiB per hour."""
    n = len(points)
    if n < 2:
        return 0.0
    mt = sum(t for t, _ in points) / n
    mv = sum(v for _, v in points) / n
    den = sum((t - mt) ** 2 for t, _ in points)
    if den == 0:
        return 0.0
    num = sum((t - mt) * (v - mv) for t, v in points)
    return num / den * 3600 / MiB


# --- the server side: `soak.py --child ARGS...` runs `collabd serve ARGS` with a signal hook ---

def child(argv: list[str]) -> int:
    """Run the server; on SIGUSR1 trim the heap and/or write a diagnosis line (env-driven)."""
    import ctypes
    import gc
    import tracemalloc
    from collections import Counter

    diagnose = os.environ.get("SOAK_DIAGNOSE", "")
    heap = os.environ.get("SOAK_HEAP", "")
    trim = os.environ.get("SOAK_TRIM") == "1"
    libc = ctypes.CDLL("libc.so.6") if trim or heap else None
    if diagnose:
        tracemalloc.start(int(os.environ.get("SOAK_FRAMES", "12")))
    state: dict[str, object] = {"snap": None, "types": Counter()}

    def hub_sizes() -> dict[str, int]:
        hub_module = sys.modules.get("collabd.runtime.hub")
        if hub_module is None:
            return {}
        Hub = hub_module.Hub
        sizes: dict[str, int] = {}
        for obj in gc.get_objects():
            if isinstance(obj, Hub):
                for owner, prefix in ((obj, "hub"), (obj.persistence, "persistence"),
                                      (obj.stats, "stats")):
                    for name, value in vars(owner).items():
                        if isinstance(value, (dict, list, set, tuple)):
                            sizes[f"{prefix}.{name}"] = len(value)
        return sizes

    def on_signal(_signum: int, _frame: object) -> None:
        try:
            collect()
        except Exception as exc:  # never into the server's loop
            print(f"soak diagnosis failed: {exc!r}", file=sys.stderr)
        finally:
            Path(f"/tmp/collabd-soak-{os.getpid()}.done").touch()

    def collect() -> None:
        gc.collect()
        if diagnose:
            write_diagnosis()
        if heap:
            write_heap()
        if trim and libc is not None:
            libc.malloc_trim(0)

    class Mallinfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
            "uordblks", "fordblks", "keepcost")]

    def write_heap() -> None:
        """Cheap counters (no tracemalloc, nothing that slows the server): who holds the heap,
        Python's objects, SQLite's own allocator, or free memory glibc keeps."""
        import _sqlite3  # its library's counters are process-wide

        assert libc is not None
        libc.mallinfo2.restype = Mallinfo2
        m = libc.mallinfo2()
        try:  # the shared library _sqlite3 links to, or _sqlite3 itself if linked statically
            lib = ctypes.CDLL("libsqlite3.so.0")
        except OSError:
            lib = ctypes.CDLL(_sqlite3.__file__)
        lib.sqlite3_memory_used.restype = ctypes.c_int64
        line = {"time": time.time(), "py_blocks": sys.getallocatedblocks(),
                "gc_objects": len(gc.get_objects()),
                "sqlite_mib": lib.sqlite3_memory_used() / MiB,
                "malloc_used_mib": m.uordblks / MiB, "malloc_free_mib": m.fordblks / MiB,
                "mmap_mib": m.hblkhd / MiB, "arena_mib": m.arena / MiB}
        with open(heap, "a") as f:
            f.write(json.dumps(line) + "\n")

    def write_diagnosis() -> None:
        objs = gc.get_objects()
        types = Counter(type(o).__qualname__ for o in objs)
        prev_types = state["types"]
        assert isinstance(prev_types, Counter)
        grown = (types - prev_types).most_common(15)
        state["types"] = types
        snap = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(False, tracemalloc.__file__)])
        top: list[str] = []
        prev = state["snap"]
        if isinstance(prev, tracemalloc.Snapshot):
            for stat in snap.compare_to(prev, "traceback")[:8]:
                frames = [f"{f.filename.rsplit('/', 2)[-1]}:{f.lineno}"
                          for f in stat.traceback[-6:]]
                top.append(f"{stat.size_diff / 1024:+.1f} KiB {stat.count_diff:+d} "
                           + " <- ".join(reversed(frames)))
        state["snap"] = snap
        line = {"time": time.time(), "gc_count": gc.get_count(), "objects": len(objs),
                "traced_mib": tracemalloc.get_traced_memory()[0] / MiB,
                "grown_types": grown, "tracemalloc_top": top, "hub": hub_sizes()}
        with open(diagnose, "a") as f:
            f.write(json.dumps(line) + "\n")

    signal.signal(signal.SIGUSR1, on_signal)
    from collabd.cli import main

    return main(["serve", *argv])


# --- the driver ---

def wait_healthy(base: str, proc: subprocess.Popen[bytes], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode} before it was healthy")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{base}/healthz not healthy within {timeout} s")


def sample(proc: subprocess.Popen[bytes], trim_or_diagnose: bool) -> dict[str, int]:
    if trim_or_diagnose:
        # ask the server to collect/trim (and diagnose), and wait until its handler is done
        done = Path(f"/tmp/collabd-soak-{proc.pid}.done")
        done.unlink(missing_ok=True)
        proc.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + 300
        while not done.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
    return rss(proc.pid)


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        return child(sys.argv[2:])
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=20, help="how long to run (20)")
    ap.add_argument("--slope-minutes", type=float, default=10,
                    help="the RSS slope is fitted over this last part of the run (10)")
    ap.add_argument("--sessions", type=int, default=40, help="interviews per batch (40)")
    ap.add_argument("--concurrency", type=int, default=8, help="interviews in flight (8)")
    ap.add_argument("--type-rate", type=float, default=30, help="bot typing speed (30)")
    ap.add_argument("--database", default="", help="PostgreSQL URL (default: embedded SQLite)")
    ap.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                    help="environment of the server, e.g. MALLOC_ARENA_MAX=2 (repeatable)")
    ap.add_argument("--serve-arg", action="append", default=[], metavar="ARG",
                    help="extra `collabd serve` argument (repeatable)")
    ap.add_argument("--trim", action="store_true", help="malloc_trim(0) before each sample")
    ap.add_argument("--heap", action="store_true",
                    help="cheap heap counters per batch (Python blocks, SQLite's allocator, "
                    "glibc's used/free) into DIR/heap.jsonl")
    ap.add_argument("--diagnose", action="store_true",
                    help="gc/type/tracemalloc/hub diagnosis per batch into DIR/diagnose.jsonl")
    ap.add_argument("--max-slope", type=float, default=None,
                    help="fail when the final slope (MiB/h) exceeds this")
    ap.add_argument("--dir", default="", help="data and log directory (default: a new temp dir)")
    ap.add_argument("--json-out", default="", help="write every sample and the result as JSON")
    args = ap.parse_args()

    workdir = Path(args.dir or tempfile.mkdtemp(prefix="collabd-soak-"))
    workdir.mkdir(parents=True, exist_ok=True)
    data = workdir / "data"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    for item in args.server_env:
        name, _, value = item.partition("=")
        env[name] = value
    if args.trim:
        env["SOAK_TRIM"] = "1"
    if args.diagnose:
        env["SOAK_DIAGNOSE"] = str(workdir / "diagnose.jsonl")
    if args.heap:
        env["SOAK_HEAP"] = str(workdir / "heap.jsonl")
    serve = ["--host", "127.0.0.1", "--port", str(port), "--data-dir", str(data),
             "--limit", "conn_attempts_per_minute=1000000", "--log-level", "WARNING",
             *(["--database", args.database] if args.database else []), *args.serve_arg]
    log = open(workdir / "server.log", "ab")
    proc = subprocess.Popen([sys.executable, __file__, "--child", *serve], env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    ok = failed = batches = 0
    samples: list[dict[str, float]] = []
    try:
        wait_healthy(base, proc)
        api_key = subprocess.run(
            [sys.executable, "-m", "collabd", "api-key", "--data-dir", str(data)],
            check=True, capture_output=True, text=True).stdout.strip()
        t0 = time.monotonic()
        first = sample(proc, args.trim or args.diagnose or args.heap)
        samples.append({"t": 0.0, **first})
        print(f"server pid {proc.pid} on {base}, data in {workdir}; "
              f"RSS at start {first['VmRSS'] / MiB:.1f} MiB", flush=True)
        while time.monotonic() - t0 < args.minutes * 60:
            out = workdir / "batch.json"
            run = subprocess.run(
                [sys.executable, "-m", "collabd", "simulate", "--server", base,
                 "--sessions", str(args.sessions), "--concurrency", str(args.concurrency),
                 "--seed", str(batches), "--type-rate", str(args.type_rate), "--quiet",
                 "--json-out", str(out)],
                env={**os.environ, "COLLABD_API_KEY": api_key}, capture_output=True, text=True)
            if proc.poll() is not None:
                raise SystemExit(f"the server died with {proc.returncode}; see {workdir}")
            try:
                summary = json.loads(out.read_text())["summary"]
            except (OSError, ValueError, KeyError):
                print(run.stdout[-2000:], run.stderr[-2000:], file=sys.stderr)
                raise SystemExit("a simulate batch wrote no summary") from None
            ok += summary["completed"]
            failed += summary["failed"]
            batches += 1
            m = sample(proc, args.trim or args.diagnose or args.heap)
            t = time.monotonic() - t0
            samples.append({"t": t, **m})
            print(f"{t / 60:6.1f} min  batch {batches:3d}  ok {ok:5d}  failed {failed:3d}  "
                  f"RSS {m['VmRSS'] / MiB:7.1f} MiB  anon {m['RssAnon'] / MiB:7.1f}  "
                  f"file {m['RssFile'] / MiB:6.1f}", flush=True)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
    end = samples[-1]["t"]
    last = [s for s in samples if s["t"] >= end - args.slope_minutes * 60]
    slope = slope_mib_per_hour([(s["t"], int(s["VmRSS"])) for s in last])
    slope_anon = slope_mib_per_hour([(s["t"], int(s["RssAnon"])) for s in last])
    whole = slope_mib_per_hour([(s["t"], int(s["VmRSS"])) for s in samples])
    print(f"interviews ok {ok} failed {failed} in {batches} batches, {end / 60:.1f} min; "
          f"RSS {samples[0]['VmRSS'] / MiB:.1f} -> {samples[-1]['VmRSS'] / MiB:.1f} MiB; "
          f"slope over the last {args.slope_minutes:g} min: {slope:+.2f} MiB/h "
          f"(anon {slope_anon:+.2f}); whole run {whole:+.2f} MiB/h")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({
            "ok": ok, "failed": failed, "batches": batches, "slope_mib_h": slope,
            "slope_anon_mib_h": slope_anon, "whole_slope_mib_h": whole,
            "samples": samples}, indent=1))
    bad = failed > 0 or (args.max_slope is not None and slope > args.max_slope)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
