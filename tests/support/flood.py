"""An attacker in its own process: `python flood.py URL FILE [SOURCE]` sends the frames stored
in FILE (each as a 4-byte big-endian length then the bytes) round and round to the room at URL,
from the local address SOURCE if given, reconnecting whenever the server cuts it, and prints
one line per frame sent, until killed.

Its own process, so that its CPU (masking megabytes of frames) does not count as the
server's in a latency measurement taken by the test's event loop."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import websockets


def read_frames(path: Path) -> list[bytes]:
    data, frames, pos = path.read_bytes(), [], 0
    while pos < len(data):
        n = int.from_bytes(data[pos:pos + 4], "big")
        frames.append(data[pos + 4:pos + 4 + n])
        pos += 4 + n
    return frames


def write_frames(path: Path, frames: list[bytes]) -> None:
    path.write_bytes(b"".join(len(f).to_bytes(4, "big") + f for f in frames))


async def flood(url: str, frames: list[bytes], source: str | None = None) -> None:
    sent = 0
    extra = {"local_addr": (source, 0)} if source else {}
    while True:
        try:
            async with websockets.connect(url, compression=None, max_size=None,
                                          **extra) as ws:
                while True:
                    await ws.send(frames[sent % len(frames)])
                    sent += 1
                    print(sent, flush=True)
        except (websockets.exceptions.WebSocketException, OSError):  # cut, or refused (429)
            print("closed", flush=True)
            await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def flooding(url: str, frames: list[bytes], tmp_path: Path,
                   source: str | None = None) -> AsyncIterator[list[int]]:
    """An attacker process sending `frames` to `url` (from the local address `source`) while
    the body runs; yields a list holding the number of frames sent so far, once the first few
    have gone."""
    from .net import wait_until  # here: this file also runs as a script

    path = tmp_path / f"frames-{source or 'any'}.bin"
    write_frames(path, frames)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(Path(__file__)), url, str(path), *([source] if source else []),
        stdout=asyncio.subprocess.PIPE)
    assert proc.stdout is not None
    sent = [0]

    async def count() -> None:
        assert proc.stdout is not None
        async for line in proc.stdout:
            if line.strip().isdigit():
                sent[0] += 1

    counter = asyncio.create_task(count())
    try:
        await wait_until(lambda: sent[0] >= len(frames), timeout=60, what="attack under way")
        yield sent
    finally:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        counter.cancel()


if __name__ == "__main__":
    asyncio.run(flood(sys.argv[1], read_frames(Path(sys.argv[2])), *sys.argv[3:4]))
