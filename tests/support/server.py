"""Servers for tests: in-process (for introspection) and as a subprocess (for kill -9)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from collabd.app import HUB, build_app
from collabd.config import Settings, load_secret
from collabd.core.tokens import Claims, mint

from .net import free_port


@dataclass
class Running:
    host: str
    port: int
    data_dir: Path
    app: web.Application | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def http(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_base(self) -> str:
        return f"ws://{self.host}:{self.port}/rooms"

    def token(self, room: str, pid: str = "p1", role: str = "guest", ttl: int = 3600) -> str:
        secret = load_secret(self.data_dir)
        return mint(secret, Claims(room, pid, role, int(time.time()) + ttl))

    def url(self, room: str, **kw: Any) -> str:
        return f"{self.ws_base}/{room}?token={self.token(room, **kw)}"

    @property
    def hub(self):  # type: ignore[no-untyped-def]
        assert self.app is not None, "subprocess servers have no hub to look at"
        return self.app[HUB]


@asynccontextmanager
async def in_process(data_dir: Path, extensions: Any = None,  # type: ignore[no-untyped-def]
                     settings: dict[str, Any] | None = None, **limits: Any):
    """A server in this event loop; `settings` overrides Settings fields, `limits` Limits."""
    base = Settings(data_dir=data_dir, **(settings or {}))
    settings_obj = base.with_limits(**limits)
    app = build_app(settings_obj, extensions)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield Running("127.0.0.1", port, data_dir, app)
    finally:
        await runner.cleanup()


class ServerProcess:
    """`python -m collabd serve` in a child process; stop() or kill() it."""

    def __init__(self, data_dir: Path, *limits: str, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.limits = limits
        self.env = env or {}
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = data_dir / f"server-{self.port}.log"

    @property
    def running(self) -> Running:
        return Running("127.0.0.1", self.port, self.data_dir)

    async def start(self, timeout: float = 20.0) -> Running:
        args = [sys.executable, "-m", "collabd", "serve", "--host", "127.0.0.1",
                "--port", str(self.port), "--data-dir", str(self.data_dir)]
        for item in self.limits:
            args += ["--limit", item]
        log = open(self.log_path, "ab")  # noqa: ASYNC230 - a quick local open
        self.proc = subprocess.Popen(  # noqa: ASYNC220 - we keep the handle to kill -9 it
            args, stdout=log, stderr=log, env={**os.environ, **self.env}
        )
        log.close()
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"server exited: {self.log_path.read_text()[-2000:]}")
                try:
                    async with http.get(f"http://127.0.0.1:{self.port}/healthz") as r:
                        if r.status == 200:
                            return self.running
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.05)
        raise RuntimeError("server did not become healthy")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def terminate(self, timeout: float = 20) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def __del__(self) -> None:
        self.kill()
