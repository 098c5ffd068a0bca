"""What a recorded call costs the server (SPEC 14.4): CPU per uploaded chunk, against a chat
message, the cheapest stored collabd message.

A server runs in its own process (SQLite store); two SDK clients consent, then one uploads
`--chunks` chunks of `--size` bytes (the web client's one-second Opus chunks are ~4.4 KB), each
acknowledged once stored, then posts as many chat messages. The server's CPU time (utime +
stime from /proc) during each phase, divided by the count, is the cost per message; the
report is that and the ratio. Numbers from a shared machine vary: read the ratio.

    python bench/recording.py [--chunks 300] [--size 4400] [--json-out PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "protocol")]

from collab_client import Client  # noqa: E402
from collab_protocol import Ack, RecordingChunk  # noqa: E402

KEY = "bench-recording-key"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def api(base: str, method: str, path: str, body: object = None) -> dict[str, Any]:
    req = urllib.request.Request(base + path, method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": f"Bearer {KEY}",
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return dict(json.loads(r.read()))


async def measure(base: str, pid: int, chunks: int, size: int) -> dict[str, float]:
    s = api(base, "POST", "/api/sessions", {
        "interviewer": {"name": "A", "email": "a@example.org"},
        "interviewee": {"name": "B", "email": "b@example.org"}})
    a = await Client.connect(s["interviewer"]["join_url"])
    b = await Client.connect(s["interviewee"]["join_url"])
    try:
        await a.wait_for(lambda c: c.phase == "live")
        await a.consent_recording(True)
        await b.consent_recording(True)
        await a.wait_for(lambda c: c.recording is not None and c.recording.on)
        data = base64.b64encode(os.urandom(size)).decode()
        acked = 0

        def count(m: object) -> None:
            nonlocal acked
            if isinstance(m, Ack) and m.ref.startswith("rc"):
                acked += 1

        a.on_message(count)
        before = cpu_seconds(pid)
        for seq in range(chunks):
            a._send_request(RecordingChunk(run=1, seq=seq, ms=1000, data=data, nonce=f"rc{seq}"))
            await a.wait_for(lambda c, n=seq: acked > n, timeout=30)  # one in flight, as a browser
        chunk_cpu = cpu_seconds(pid) - before
        before = cpu_seconds(pid)
        for i in range(chunks):
            await a.post_chat(f"message {i}")
        chat_cpu = cpu_seconds(pid) - before
    finally:
        await a.close()
        await b.close()
    return {"chunk_us": chunk_cpu / chunks * 1e6, "chat_us": chat_cpu / chunks * 1e6,
            "ratio": chunk_cpu / chat_cpu if chat_cpu else float("nan")}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chunks", type=int, default=300)
    ap.add_argument("--size", type=int, default=4400)
    ap.add_argument("--json-out")
    args = ap.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "COLLABD_API_KEY": KEY, "PYTHONPATH": str(ROOT / "protocol")}
        proc = subprocess.Popen(
            [sys.executable, "-m", "collabd", "serve", "--host", "127.0.0.1", "--port",
             str(port), "--data-dir", tmp, "--limit", "chat_rate=100000",
             "--limit", "chat_burst=100000", "--limit", "recording_rate=100000000",
             "--limit", "recording_burst=100000000", "--limit", "message_bytes_rate=100000000",
             "--limit", "message_bytes_burst=100000000"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise SystemExit("the server did not start") from None
                    time.sleep(0.1)
            result = asyncio.run(measure(base, proc.pid, args.chunks, args.size))
        finally:
            proc.terminate()
            proc.wait(10)
    result.update(chunks=args.chunks, size=args.size)
    print(f"server CPU per {args.size}-byte recording chunk: {result['chunk_us']:.0f} us; "
          f"per chat message: {result['chat_us']:.0f} us; ratio {result['ratio']:.2f}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
