"""`collabd backup` under write load from real clients, `collabd restore`, and a server on the
restored store shows exactly the state committed at the backup (issue 16 item 4)."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

from pycrdt import Doc, Text

from collab_protocol import ChatPost, SyncStep2, SyncUpdate
from collabd.adapters.sqlite_store import SqliteStore
from collabd.backup import BackupError, backup, restore
from support.net import wait_until
from support.server import Running, ServerProcess, in_process
from support.session import Participant, api, create

ROOMS = ("backup-a", "backup-b")
LOAD = {"update_rate": 1e6, "update_burst": 1e6, "chat_rate": 1e6, "chat_burst": 1e6,
        "compact_every_updates": 10**9}  # no compaction: the log is the history to compare


async def writer(server: Running, room: str, pid: str, stop: asyncio.Event) -> int:
    """A real protocol client typing into `room` (and chatting) until told to stop."""
    p = await Participant.join(server, room, server.token(room, pid=pid))
    doc = Doc()
    text = doc.get("code", type=Text)
    sent = 0
    while not stop.is_set():
        sv = doc.get_state()
        text += f"{pid}{sent} "
        await p.send(SyncUpdate(doc.get_update(sv)))
        if sent % 10 == 0:
            await p.send(ChatPost(f"{pid} says {sent}"))
        sent += 1
        await asyncio.sleep(0)  # let the other writers and the server run
    await p.close()
    return sent


def durable_seq(server: Running, room: str) -> int:
    room_obj = server.hub.rooms.get(room)
    return room_obj._durable_seq if room_obj is not None else 0


def rows(db_path: Path, sql: str, *args: object) -> list[tuple]:
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


async def synced_text(server: Running, room: str) -> str:
    """What a fresh client gets for the room."""
    p = await Participant.join(server, room, server.token(room, pid="reader"))
    doc = Doc()
    for m in p.received:
        if isinstance(m, SyncStep2):
            doc.apply_update(m.update)
    await p.close()
    return str(doc.get("code", type=Text))


async def test_backup_under_load_restores_the_committed_state(tmp_path: Path) -> None:
    data, out, restored = tmp_path / "data", tmp_path / "b.collabd", tmp_path / "restored"
    async with in_process(data, **LOAD) as server:
        session = await create(server)
        stop = asyncio.Event()
        writers = [asyncio.create_task(writer(server, room, pid, stop))
                   for room in ROOMS for pid in ("w1", "w2")]
        await wait_until(lambda: all(durable_seq(server, r) >= 100 for r in ROOMS), 30,
                         "writes before the backup")
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "collabd", "backup", "--data-dir", str(data), str(out),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        output, _ = await proc.communicate()
        assert proc.returncode == 0, output
        at_backup_end = {r: durable_seq(server, r) for r in ROOMS}
        await wait_until(lambda: all(durable_seq(server, r) >= at_backup_end[r] + 100
                                     for r in ROOMS), 30, "writes after the backup")
        stop.set()
        assert min(await asyncio.gather(*writers)) > 0
        await wait_until(lambda: not any(server.hub.rooms[r].conns for r in ROOMS), 10,
                         "writers gone")
        db = data / "collabd.sqlite3"
        log = {r: [u for (u,) in rows(db, "SELECT data FROM doc_updates WHERE room=? "
                                          "ORDER BY seq", r)] for r in ROOMS}
        chat = rows(db, "SELECT id, room, sender, text FROM chat ORDER BY id")

    # what the backup holds is a prefix of the committed history, taken while writing went on
    b = out
    backed_chat = rows(b, "SELECT id, room, sender, text FROM chat ORDER BY id")
    assert 0 < len(backed_chat) < len(chat) and backed_chat == chat[:len(backed_chat)]
    expected = {}
    for r in ROOMS:
        seqs = [s for (s,) in rows(b, "SELECT seq FROM doc_updates WHERE room=? ORDER BY seq",
                                   r)]
        k = len(seqs)
        assert seqs == list(range(1, k + 1))  # no hole: a consistent snapshot
        assert 100 <= k < len(log[r])
        doc = Doc()
        for u in log[r][:k]:
            doc.apply_update(u)
        expected[r] = str(doc.get("code", type=Text))
        assert expected[r]

    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "collabd", "restore", "--data-dir", str(restored), str(out),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await proc.communicate()
    assert proc.returncode == 0, output
    assert (restored / "secret").read_bytes() == (data / "secret").read_bytes()

    server2 = ServerProcess(restored)
    running = await server2.start()
    try:
        for r in ROOMS:
            assert await synced_text(running, r) == expected[r]
        status, body = await api(running, "GET", f"/api/sessions/{session['session_id']}")
        assert status == 200 and body["phase"] == "lobby"  # the API key came along too
    finally:
        server2.stop()


def test_backup_and_restore_refuse_to_overwrite(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    db = sqlite3.connect(data / "collabd.sqlite3")
    db.execute("CREATE TABLE t (x)")
    db.execute("INSERT INTO t VALUES (1)")
    db.commit()
    db.close()
    (data / "secret").write_bytes(b"s" * 32)
    out = tmp_path / "one.backup"
    assert backup(data, out) == {"t": 1}
    for call in (lambda: backup(data, out), lambda: restore(out, data),
                 lambda: restore(tmp_path / "missing", data),
                 lambda: restore(data / "secret", tmp_path / "elsewhere")):
        try:
            call()
        except BackupError:
            continue
        raise AssertionError("no BackupError")
    assert restore(out, data, force=True) == {"t": 1}
    kept = sorted(p.name.split(".before-restore-")[0] for p in data.iterdir()
                  if ".before-restore-" in p.name)
    assert kept == ["collabd.sqlite3", "secret"]  # moved aside, not deleted
    assert out.stat().st_mode & 0o777 == 0o600


def restore_cli(backup_file: Path, data: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "collabd", "restore", "--data-dir", str(data),
                           *flags, str(backup_file)], capture_output=True, text=True, timeout=60)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_restore_refuses_while_a_server_runs_on_the_data_directory(tmp_path: Path) -> None:
    data, out = tmp_path / "data", tmp_path / "b.collabd"
    SqliteStore(data / "collabd.sqlite3").close()
    assert backup(data, out)
    server = ServerProcess(data)
    server.start_blocking()
    try:
        before = sorted(p.name for p in data.iterdir())
        done = restore_cli(out, data, "--force")
        assert done.returncode == 2, done
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "stop it first" in lines[0], done.stderr
        assert sorted(p.name for p in data.iterdir()) == before  # nothing moved aside
    finally:
        server.stop()
    done = restore_cli(out, data, "--force")  # stopped: the restore goes ahead
    assert done.returncode == 0, done
    assert any(".before-restore-" in p.name for p in data.iterdir())


def test_the_store_and_a_restore_are_private_to_their_owner(tmp_path: Path) -> None:
    data, out, restored = tmp_path / "new" / "data", tmp_path / "b.collabd", tmp_path / "r"
    old = os.umask(0o022)  # the usual one: files 0644, directories 0755
    try:
        store = SqliteStore(data / "collabd.sqlite3")
        store.save_session("s-1", {"session_id": "s-1", "participants": []}, 1, False, {})
        files = [p for p in data.iterdir()]
        assert {"collabd.sqlite3", "collabd.sqlite3-wal", "collabd.sqlite3-shm"} <= {
            p.name for p in files}
        assert any(".log." in p.name for p in files)  # a hot-log segment
        assert mode(data) == 0o700
        assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
        store.close()
        from collabd.api.auth import load_api_key
        from collabd.config import load_secret
        load_secret(data)
        load_api_key(data)
        backup(data, out)
        restore(out, restored)
        SqliteStore(restored / "collabd.sqlite3").close()
        assert mode(restored) == 0o700
        assert {p.name: mode(p) for p in restored.iterdir()} == {
            p.name: 0o600 for p in restored.iterdir()}
        assert {"secret", "api_key", "collabd.sqlite3"} <= {p.name for p in restored.iterdir()}
    finally:
        os.umask(old)


def test_an_old_world_readable_store_is_made_private(tmp_path: Path, caplog) -> None:
    data = tmp_path / "data"
    store = SqliteStore(data / "collabd.sqlite3")
    store.close()
    for p in (data, *data.iterdir()):
        p.chmod(0o755 if p.is_dir() else 0o644)
    SqliteStore(data / "collabd.sqlite3").close()
    assert {p.name: mode(p) for p in data.iterdir()} == {p.name: 0o600 for p in data.iterdir()}
    assert mode(data) == 0o755  # an existing directory is the operator's: only a warning
    messages = [r.getMessage() for r in caplog.records]
    assert any("data directory is open to other users" in m for m in messages)
    assert any("made private" in m for m in messages)


def test_a_store_of_another_user_is_read_with_a_warning(tmp_path: Path, caplog,
                                                        monkeypatch) -> None:
    data = tmp_path / "data"
    SqliteStore(data / "collabd.sqlite3").close()
    (data / "collabd.sqlite3").chmod(0o644)

    def refused(fd: int, mode: int) -> None:  # as for a file this user does not own
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr("collabd.config.os.fchmod", refused)
    SqliteStore(data / "collabd.sqlite3").close()
    assert mode(data / "collabd.sqlite3") == 0o644
    assert any("chmod 600 it" in r.getMessage() for r in caplog.records)
