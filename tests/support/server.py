"""Servers for tests: in-process (for introspection) and as a subprocess (for kill -9)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from collabd.adapters.http_server import GuardedRunner
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
async def in_process(data_dir: Path,  # type: ignore[no-untyped-def]
                     settings: dict[str, Any] | None = None, **limits: Any):
    """A server in this event loop; `settings` overrides Settings fields, `limits` Limits."""
    base = Settings(data_dir=data_dir, **(settings or {}))
    settings_obj = base.with_limits(**limits)
    app = build_app(settings_obj)
    runner = GuardedRunner(app, settings_obj.limits)  # the CLI's connection guards
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield Running("127.0.0.1", port, data_dir, app)
    finally:
        await runner.cleanup()


class ServerProcess:
    """`python -m collabd serve` in a child process; stop(), terminate() or kill() it."""

    def __init__(self, data_dir: Path, *limits: str, env: dict[str, str] | None = None,
                 args: list[str] | None = None, max_memory: int | None = None) -> None:
        self.max_memory = max_memory  # RLIMIT_AS of the child (bytes), for attack tests
        self.data_dir = data_dir
        self.limits = limits
        self.args = args or []
        self.env = env or {}
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = data_dir / f"server-{self.port}.log"

    @property
    def running(self) -> Running:
        return Running("127.0.0.1", self.port, self.data_dir)

    def start_blocking(self, timeout: float = 60.0) -> Running:
        args = [sys.executable, "-m", "collabd", "serve", "--host", "127.0.0.1",
                "--port", str(self.port), "--data-dir", str(self.data_dir), *self.args]
        for item in self.limits:
            args += ["--limit", item]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=log,
                                         env={**os.environ, **self.env},
                                         preexec_fn=self._limit if self.max_memory else None)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz",
                                            timeout=1) as r:
                    if r.status == 200:
                        return self.running
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not become healthy: {self.log()}")
            time.sleep(0.05)  # polling interval of the health check

    def _limit(self) -> None:  # in the child, before exec
        import resource

        assert self.max_memory is not None
        resource.setrlimit(resource.RLIMIT_AS, (self.max_memory, self.max_memory))

    def rss(self) -> tuple[int, int]:
        """(VmRSS, VmHWM) of the child in bytes: now, and the peak so far."""
        assert self.proc is not None
        fields = {}
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                name, _, value = line.partition(":")
                if name in ("VmRSS", "VmHWM"):
                    fields[name] = int(value.split()[0]) * 1024
        return fields["VmRSS"], fields["VmHWM"]

    def reset_peak(self) -> None:
        """Start VmHWM again from the current RSS (Linux clear_refs)."""
        assert self.proc is not None
        with open(f"/proc/{self.proc.pid}/clear_refs", "w") as f:
            f.write("5")

    async def start(self, timeout: float = 60.0) -> Running:
        return await asyncio.to_thread(self.start_blocking, timeout)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def terminate(self, timeout: float = 20) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def stop(self) -> None:
        """SIGTERM, and SIGKILL if it does not stop in time."""
        try:
            self.terminate(15)
        except subprocess.TimeoutExpired:
            self.kill()

    def __del__(self) -> None:
        self.kill()
