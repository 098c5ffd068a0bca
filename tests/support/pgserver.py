"""A throwaway PostgreSQL server for tests: its own cluster in a temporary directory, listening
on a free port of 127.0.0.1 only, stopped and removed at the end.

PostgreSQL refuses to run as root, so when the tests run as root the server runs as the
`postgres` user that Debian's package creates (`runuser -u postgres`).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
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


@contextmanager
def postgres_server(**settings: str) -> Iterator[str]:
    """Start a server; yields its URL (database `postgres`, user `postgres`, no password)."""
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    base = Path(tempfile.mkdtemp(prefix="collabd-pg-"))  # /tmp: the postgres user can reach it
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    if as_root:
        shutil.chown(base, "postgres")
        shutil.chown(sock, "postgres")
    port = free_port()
    binaries = bin_dir()
    run = lambda *args: subprocess.run(  # noqa: E731
        [*prefix, *args], check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    options = {"listen_addresses": "127.0.0.1", "port": str(port),
               "unix_socket_directories": str(sock), **settings}
    try:
        run(str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--locale=C", "--no-sync")
        run(str(binaries / "pg_ctl"), "-D", str(data), "-l", str(base / "log"), "-w",
            "-t", "60", "-o", " ".join(f"-c {k}={v}" for k, v in options.items()), "start")
    except subprocess.CalledProcessError as exc:
        log = (base / "log").read_text() if (base / "log").exists() else ""
        shutil.rmtree(base, ignore_errors=True)
        raise RuntimeError(f"PostgreSQL did not start: {exc.stdout.decode()}\n{log}") from None
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*prefix, str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w",
                        "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(base, ignore_errors=True)
