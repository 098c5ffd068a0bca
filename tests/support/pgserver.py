"""A throwaway PostgreSQL server for tests: its own cluster in a temporary directory, listening
on a free port of 127.0.0.1 only, stopped and removed at the end.

PostgreSQL refuses to run as root, so when the tests run as root the server runs as the
`postgres` user that Debian's package creates (`runuser -u postgres`).

`PostgresServer` can also be stopped (fast shutdown) or crashed (kill -9 of the postmaster) and
started again on the same port and data directory, for the failure tests.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from support.net import free_port


def bin_dir() -> Path:
    """The newest installed PostgreSQL's binaries (Debian keeps them off PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb is None:
        raise RuntimeError("PostgreSQL is not installed: run scripts/setup.sh --all")
    return Path(initdb).parent


def _children(pid: int) -> list[int]:
    """The ids of the processes whose parent is `pid` (the postmaster's backends)."""
    out = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            text = Path(stat).read_text()
        except OSError:
            continue  # it exited meanwhile
        # the command name (field 2) may hold spaces: the parent id follows its closing ')'
        fields = text[text.rindex(")") + 2:].split()
        if int(fields[1]) == pid:
            out.append(int(Path(stat).parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    # an exited process not yet reaped (a zombie) still counts: PostgreSQL's own check of
    # postmaster.pid (kill(pid, 0)) would take it for a running postmaster
    return True


class PostgresServer:
    """One PostgreSQL cluster; `start`, `stop` (fast shutdown), `kill` (kill -9), `close`."""

    def __init__(self, **settings: str) -> None:
        self.as_root = os.geteuid() == 0
        self.prefix = ["runuser", "-u", "postgres", "--"] if self.as_root else []
        self.base = Path(tempfile.mkdtemp(prefix="collabd-pg-"))  # /tmp: postgres can reach it
        self.data, sock = self.base / "data", self.base / "sock"
        sock.mkdir()
        if self.as_root:
            shutil.chown(self.base, "postgres")
            shutil.chown(sock, "postgres")
        self.port = free_port()
        self.binaries = bin_dir()
        self.options = {"listen_addresses": "127.0.0.1", "port": str(self.port),
                        "unix_socket_directories": str(sock), **settings}
        self.initialised = False

    @property
    def url(self) -> str:
        """Database `postgres`, user `postgres`, no password."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        try:
            subprocess.run([*self.prefix, *args], check=True, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        except subprocess.CalledProcessError as exc:
            log = self.log()
            raise RuntimeError(f"PostgreSQL: {exc.stdout.decode()}\n{log}") from None

    def log(self) -> str:
        path = self.base / "log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def start(self) -> None:
        if not self.initialised:
            self._run(str(self.binaries / "initdb"), "-D", str(self.data), "-U", "postgres",
                      "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
            self.initialised = True
        # -w: returns once the server accepts connections (after crash recovery, if any)
        self._run(str(self.binaries / "pg_ctl"), "-D", str(self.data), "-l",
                  str(self.base / "log"), "-w", "-t", "60", "-o",
                  " ".join(f"-c {k}={v}" for k, v in self.options.items()), "start")

    def postmaster(self) -> int | None:
        """The running postmaster's process id (first line of postmaster.pid), if any."""
        try:
            pid = int((self.data / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None
        return pid if _alive(pid) else None

    def stop(self, mode: str = "fast") -> None:
        """pg_ctl stop: `fast` rolls back open transactions and cuts every client."""
        if self.postmaster() is not None:
            self._run(str(self.binaries / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w",
                      "stop")

    def kill(self, timeout: float = 10.0) -> None:
        """kill -9 of the postmaster, as a crash. Its backends notice that their postmaster
        died and exit by themselves; we wait for them (and kill -9 any that lingers, by its
        id), because a restart must not find the old shared memory still attached."""
        pid = self.postmaster()
        if pid is None:
            return
        backends = _children(pid)
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + timeout
        while any(_alive(p) for p in [pid, *backends]):
            if time.monotonic() > deadline:
                for p in backends:
                    if _alive(p):
                        os.kill(p, signal.SIGKILL)
                deadline = time.monotonic() + timeout
            time.sleep(0.02)  # polling interval while the backends exit

    def close(self) -> None:
        try:
            self.stop()
        except RuntimeError:
            self.kill()
        shutil.rmtree(self.base, ignore_errors=True)


@contextmanager
def postgres_server(**settings: str) -> Iterator[str]:
    """Start a server; yields its URL (database `postgres`, user `postgres`, no password)."""
    server = PostgresServer(**settings)
    try:
        try:
            server.start()
        except RuntimeError as exc:
            raise RuntimeError(f"PostgreSQL did not start: {exc}") from None
        yield server.url
    finally:
        server.close()
