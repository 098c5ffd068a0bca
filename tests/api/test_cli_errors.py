"""Ordinary operator mistakes get one line on stderr saying what is wrong and what to do, and
exit status 2: never a traceback."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from support.net import free_port


def collabd(*args: str, preamble: str = "") -> subprocess.CompletedProcess[str]:
    """`python -m collabd ARGS` (with `preamble` run first, to hide a module), to its end."""
    code = f"{preamble}\nimport sys\nfrom collabd.cli import main\nsys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=120)


def one_line_error(done: subprocess.CompletedProcess[str], *words: str) -> str:
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    # serve may have logged its start-up line (JSON) first; the error is the last line
    assert len([ln for ln in lines if not ln.startswith("{")]) == 1, lines
    assert all(w in lines[-1] for w in words), lines[-1]
    return lines[-1]


def test_a_port_in_use_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = collabd("serve", "--port", str(port), "--data-dir", str(tmp_path))
    line = one_line_error(done, f"port {port}", "in use", "--port")
    assert line.startswith("collabd serve: ")


@pytest.mark.parametrize(("limit", "words"), [
    ("max_frame_bytes=1MB", ("whole number", "max_frame_bytes=")),
    ("update_rate=fast", ("must be a number",)),
    ("update_rate=nan", ("finite",)),
    ("chat_rate=-1", (">= 0",)),
    ("no_such_limit=3", ("unknown limit", "docs/operations.md")),
    ("update_rate", ("must be a number",)),
])
def test_a_bad_limit_is_one_line(tmp_path: Path, limit: str, words: tuple[str, ...]) -> None:
    done = collabd("serve", "--port", str(free_port()), "--data-dir", str(tmp_path),
                   "--limit", limit)
    one_line_error(done, "--limit", *words)


def test_a_bad_log_level_is_one_line(tmp_path: Path) -> None:
    done = collabd("serve", "--port", str(free_port()), "--data-dir", str(tmp_path),
                   "--log-level", "LOUD")
    one_line_error(done, "--log-level", "DEBUG, INFO, WARNING, ERROR")


def test_a_backup_into_a_missing_directory_is_one_line(tmp_path: Path) -> None:
    from collabd.adapters.sqlite_store import SqliteStore
    from collabd.backup import DB_NAME

    data = tmp_path / "data"
    data.mkdir()
    SqliteStore(data / DB_NAME).close()  # a store to back up
    out = tmp_path / "no" / "such" / "dir" / "backup.db"
    done = collabd("backup", "--data-dir", str(data), str(out))
    one_line_error(done, str(out.parent), "not a directory")
    assert not out.parent.exists()


def test_migrate_store_without_the_postgres_extra_is_one_line(tmp_path: Path) -> None:
    hide = "import sys; sys.modules['psycopg'] = None  # as if the postgres extra were missing"
    done = collabd("migrate-store", "--from", str(tmp_path), "--to",
                   "postgresql://u:p@127.0.0.1:1/db", preamble=hide)
    one_line_error(done, "collabd[postgres]", "pip install")


def test_serve_on_a_file_that_is_not_sqlite_is_one_line(tmp_path: Path) -> None:
    store = tmp_path / "collabd.sqlite3"
    store.write_text("notes, not a database\n" * 100)
    done = collabd("serve", "--port", str(free_port()), "--data-dir", str(tmp_path))
    one_line_error(done, str(store), "not a usable SQLite database")
    assert store.read_text() == "notes, not a database\n" * 100  # left as it was
