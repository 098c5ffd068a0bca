"""Debian's coturn on 127.0.0.1 for tests: TURN REST credentials (use-auth-secret), relaying
between loopback addresses only, so no media or ICE traffic leaves the loopback interface."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

from .net import free_port


class TurnServer:
    def __init__(self, workdir: Path, secret: str = "collabd-test-turn-secret") -> None:
        self.workdir = workdir
        self.secret = secret
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        workdir.mkdir(parents=True, exist_ok=True)
        self.log_path = workdir / "turnserver.log"

    @property
    def url(self) -> str:
        return f"turn:127.0.0.1:{self.port}?transport=udp"

    def start(self, timeout: float = 15.0) -> TurnServer:
        exe = shutil.which("turnserver")
        if exe is None:
            raise RuntimeError("coturn's turnserver is needed (scripts/setup.sh --all installs it)")
        low = 40000 + (self.port % 200) * 100  # a relay port range of its own per server
        cmd = [
            exe, "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1",
            f"--listening-port={self.port}", f"--min-port={low}", f"--max-port={low + 99}",
            "--use-auth-secret", f"--static-auth-secret={self.secret}", "--realm=collabd.test",
            "--allow-loopback-peers", "--no-tls", "--no-dtls", "--no-cli", "--fingerprint",
            "--no-software-attribute", "--simple-log", f"--log-file={self.log_path}",
            f"--pidfile={self.workdir / 'turnserver.pid'}", f"--userdb={self.workdir / 'turndb'}",
        ]  # fmt: skip
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while True:  # coturn also listens on TCP at the same port: ready once that accepts
            if self.proc.poll() is not None:
                raise RuntimeError(f"turnserver exited: {self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"turnserver did not start: {self.log()}")
            time.sleep(0.05)  # polling interval of the readiness check

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
