"""`collabd backup` and `collabd restore`: a consistent copy of a running server's store.

A backup is one SQLite file. It is taken with SQLite's online backup API in a single step, so
the copy is one read transaction: in WAL mode that is a snapshot of every committed
transaction at that moment, taken while the server goes on writing (readers never block the
writer). Document updates the server has in its hot log and not yet in its tables (at most
about a second's worth, adapters/update_log.py) are read from the log first and added. Since
the server relays an update only after it is durable, the backup holds every update any client
had seen at that moment, and nothing half-written.

The data directory's token secret and API key ride along in a `collabd_backup` table of the
copy, so join links and the embedder's key keep working after a restore. A backup therefore
holds real identities and secrets: it is written with mode 0600; keep it as safe as the data
directory.

Restore into a stopped server's data directory: the current files are moved aside (never
deleted), the copy is written beside them, checked (`PRAGMA integrity_check`), and renamed into
place. A restore refuses (StoreInUse) while another process holds the store's hot-log lock: a
running server would go on writing into the files moved aside. It holds that lock itself until
the copy is in place, so a server started meanwhile runs without the hot log rather than beside
the swap, and the restored files are 0600 like everything in the data directory.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from pathlib import Path

from .adapters import update_log
from .config import private_dir, private_file

DB_NAME = "collabd.sqlite3"
SIDE_FILES = ("secret", "api_key")  # small files of the data directory that the backup carries
META = "collabd_backup"
FORMAT = 1


class BackupError(Exception):
    pass


class StoreInUse(BackupError):
    """Another process (a running server) holds the store."""


def backup(data_dir: Path, out: Path) -> dict[str, int]:
    """Copy the store of `data_dir` (running or not) into the new file `out`."""
    src_path = data_dir / DB_NAME
    if not src_path.is_file():
        raise BackupError(f"no store at {src_path}")
    if out.exists():
        raise BackupError(f"{out} exists; choose a new file name")
    tmp = out.with_name(out.name + ".partial")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    # read-only: the backup never writes to the live store (a WAL reader needs the -shm file,
    # which the running server keeps; without a server SQLite recovers the WAL itself)
    # the log before the tables: a segment is deleted only once its rows are in them
    logged, logged_owners = update_log.read_all(src_path)
    src = sqlite3.connect(f"file:{src_path}?mode=ro", uri=True)
    dst = sqlite3.connect(tmp)
    try:
        src.backup(dst, pages=-1)  # one step: one read transaction, one snapshot
        if logged or logged_owners:
            _add_logged(dst, logged, logged_owners)
        dst.execute(f"CREATE TABLE {META} (name TEXT PRIMARY KEY, data BLOB NOT NULL)")
        rows = [("format", str(FORMAT).encode()), ("taken_at", str(int(time.time())).encode())]
        rows += [(name, (data_dir / name).read_bytes()) for name in SIDE_FILES
                 if (data_dir / name).is_file()]
        with dst:
            dst.executemany(f"INSERT INTO {META} (name, data) VALUES (?, ?)", rows)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        counts = _counts(dst)
    finally:
        dst.close()
        src.close()
    os.replace(tmp, out)
    return counts


def restore(backup_file: Path, data_dir: Path, force: bool = False) -> dict[str, int]:
    """Put a backup in place as the store of `data_dir` (the server must be stopped)."""
    if not backup_file.is_file():
        raise BackupError(f"no backup at {backup_file}")
    src = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    try:
        meta = dict(src.execute(f"SELECT name, data FROM {META}").fetchall())
    except sqlite3.DatabaseError as exc:
        src.close()
        raise BackupError(f"{backup_file} is not a collabd backup ({exc})") from None
    if int(meta.get("format", b"0")) != FORMAT:
        src.close()
        raise BackupError(f"unsupported backup format {meta.get('format')!r}")
    private_dir(data_dir)
    target = data_dir / DB_NAME
    try:
        lock = _hold(target)
    except BaseException:
        src.close()
        raise
    try:
        return _replace(src, meta, target, force)
    finally:
        os.close(lock)  # releases the lock


def _hold(target: Path) -> int:
    """Take the lock a server's hot log holds while it runs (adapters/update_log.py), or
    raise StoreInUse."""
    fd = os.open(f"{target}.log-lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise StoreInUse(f"a running server (or another collabd command) holds {target}: "
                         "stop it first") from None
    return fd


def _replace(src: sqlite3.Connection, meta: dict[str, bytes], target: Path,
             force: bool) -> dict[str, int]:
    data_dir = target.parent
    if target.exists() and not force:
        src.close()
        raise BackupError(f"{target} exists; stop the server and pass --force to replace it "
                          "(the current files are kept beside it)")
    tmp = data_dir / (DB_NAME + ".restoring")
    for stale in (tmp, Path(f"{tmp}-journal")):
        stale.unlink(missing_ok=True)
    private_file(tmp)  # SQLite gives its journal and WAL files the database file's mode
    dst = sqlite3.connect(tmp)
    try:
        src.backup(dst, pages=-1)
        dst.execute(f"DROP TABLE {META}")
        ok = dst.execute("PRAGMA integrity_check").fetchone()[0]
        if ok != "ok":
            raise BackupError(f"the restored copy fails its integrity check: {ok}")
        dst.execute("PRAGMA journal_mode=WAL")
        counts = _counts(dst)
    finally:
        dst.close()
        src.close()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    # the hot log's segments belong to the store being replaced: never replayed into the copy
    segments = [p.name for p in update_log.segments(target)]
    for name in (DB_NAME, DB_NAME + "-wal", DB_NAME + "-shm", *segments, *SIDE_FILES):
        path = data_dir / name
        if path.exists() and (name in meta or name.startswith(DB_NAME)):
            path.rename(data_dir / f"{name}.before-restore-{stamp}")
    os.replace(tmp, target)
    for name in SIDE_FILES:
        if name in meta:
            fd = os.open(data_dir / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(meta[name])
    return counts


def _add_logged(dst: sqlite3.Connection, rows: update_log.Rows, owners: update_log.Owners,
                ) -> None:
    """The replay at open does the same: rows a compaction covered since are not wanted."""
    update_log.insert_logged(dst, rows, owners)


def _counts(db: sqlite3.Connection) -> dict[str, int]:
    """Rows per table, for the command's report."""
    tables = [r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
        f"AND name != '{META}' ORDER BY name")]
    return {t: int(db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]) for t in tables}
