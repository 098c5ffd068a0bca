"""What an attack in one room costs another room: the relay latency of a quiet room (a probe
typing from one client to another) while an attacker process floods a second room, against
the same flood made of frames the server refuses at once. Reports ratios; never fails on them.

    python bench/attacks.py                      # all three scenarios, ~3 min
    python bench/attacks.py --only containers    # containers | deletes | rebuilds

The mechanisms themselves (budgets charged, frames refused unread, rebuilds charged) are tested
deterministically in tests/server; latency is measured here because timing asserts flake on a
shared machine (README, Standards).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the test suite's server, probe and attacker helpers

from pycrdt import Doc  # noqa: E402

from collab_protocol import SyncStep1, SyncStep2, SyncUpdate  # noqa: E402
from collabd.core import yupdate  # noqa: E402
from support.attack_frames import (  # noqa: E402
    deleted_block,
    frame,
    half_failing,
    malformed_like,
    many_structs,
    million_containers,
    noop_deletes,
    same_size_but_flat,
)
from support.flood import flooding  # noqa: E402
from support.latency import Probe, p99  # noqa: E402
from support.rooms import joined  # noqa: E402
from support.server import Running, ServerProcess  # noqa: E402


@contextlib.asynccontextmanager
async def attackers(running: Running, room: str, frames: list[bytes], tmp: Path,
                    addresses: int) -> AsyncIterator[list[list[int]]]:
    """One participant flooding `room` from `addresses` local addresses (past what one address
    may reconnect); yields each attacker's count of frames sent."""
    async with contextlib.AsyncExitStack() as stack:
        yield [await stack.enter_async_context(flooding(
            running.url(room, pid="attacker"), frames, tmp,
            f"127.0.0.{a + 2}" if addresses > 1 else None)) for a in range(addresses)]


def row(name: str, samples: list[float]) -> dict[str, float]:
    return {"what": name, "p50_ms": statistics.median(samples) * 1000,  # type: ignore[dict-item]
            "p99_ms": p99(samples) * 1000}


async def compare(running: Running, tmp: Path, attack: list[bytes], control: list[bytes],
                  addresses: int, samples: int, pace: float) -> dict[str, Any]:
    for sub in ("c", "a"):
        (tmp / sub).mkdir(exist_ok=True)
    probe = await Probe.join(running)
    quiet = await probe.sample(samples, pace)
    async with attackers(running, "control", control, tmp / "c", addresses):
        controlled = await probe.sample(samples, pace)
    async with attackers(running, "noisy", attack, tmp / "a", addresses) as sent:
        attacked = await probe.sample(samples, pace)
    base = max(p99(quiet), p99(controlled))
    return {"rows": [row("quiet", quiet), row("control flood", controlled),
                     row("attack flood", attacked)],
            "frames_sent": sum(s[0] for s in sent), "p99_ratio": p99(attacked) / base}


async def containers(tmp: Path, samples: int) -> dict[str, Any]:
    frames = million_containers()
    server = ServerProcess(tmp / "data", "max_frame_bytes=2200000")
    running = await server.start()
    try:
        out = await compare(running, tmp, frames, same_size_but_flat(frames), 1, samples, 0.0)
    finally:
        server.stop()
    out["note"] = "million-container payloads vs payloads of the same size made of one binary"
    return out


async def deletes(tmp: Path, samples: int) -> dict[str, Any]:
    server = ServerProcess(tmp / "data")
    running = await server.start()
    try:
        seed = await joined(running, "noisy", "attacker")
        client, setup = deleted_block(300_000)
        for u in setup:
            await seed.send(SyncUpdate(u))
        await seed.close()
        # the review's update (~140,000 ranges) and one just under the per-update bound
        frames = [frame(noop_deletes(client, 140_000)), frame(noop_deletes(client, 4000))]
        out = await compare(running, tmp, frames, malformed_like(frames), 4, samples, 0.01)
    finally:
        server.stop()
    out["one_check_ms"] = 1000 * min(timed(lambda: yupdate.parse(noop_deletes(client, 4000)))
                                     for _ in range(5))
    out["note"] = "no-op delete floods vs as many updates refused at their first byte"
    return out


async def rebuilds(tmp: Path, samples: int) -> dict[str, Any]:
    seed = many_structs(20, 4000)  # ~80,000 structs, ~4 MB: a rebuild of ~0.1-0.5 s
    setup = ServerProcess(tmp / "data", "max_update_work=100000", "max_doc_bytes=33554432",
                          "update_work_burst=1000000000")
    running = await setup.start()
    try:
        writer = await joined(running, "noisy", "seed")
        for u in seed:
            await writer.send(SyncUpdate(u))
        await writer.send(SyncStep1(b"\x00"))  # answered once everything before is durable
        await writer.recv_until(lambda m: isinstance(m, SyncStep2) and len(m.update) > 3 << 20)
        await writer.close()
    finally:
        setup.stop()
    server = ServerProcess(tmp / "data")
    running = await server.start()
    try:
        frames = [frame(half_failing())]
        out = await compare(running, tmp, frames, malformed_like(frames), 4, samples, 0.01)
    finally:
        server.stop()

    def load() -> None:
        d = Doc()
        for u in seed:
            d.apply_update(u)

    out["one_rebuild_ms"] = 1000 * timed(load)
    out["rebuilds"] = server.log_path.read_text().count("room rebuilt from the store")
    out["note"] = "updates yrs fails half-way (the room rebuilds) vs updates refused at once"
    return out


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


SCENARIOS: dict[str, Callable[[Path, int], Awaitable[dict[str, Any]]]] = {
    "containers": containers, "deletes": deletes, "rebuilds": rebuilds}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(SCENARIOS), action="append")
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    for name in args.only or list(SCENARIOS):
        with tempfile.TemporaryDirectory(prefix=f"attack-{name}-") as tmp:
            (Path(tmp) / "data").mkdir(mode=0o700)
            result = await SCENARIOS[name](Path(tmp), args.samples)
        print(f"\n## {name}: {result.pop('note')}")
        for r in result.pop("rows"):
            print(f"  {r['what']:<14} p50 {r['p50_ms']:7.1f} ms   p99 {r['p99_ms']:7.1f} ms")
        extras = ", ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}"
                           for k, v in result.items())
        print(f"  {extras}")


if __name__ == "__main__":
    asyncio.run(main())
