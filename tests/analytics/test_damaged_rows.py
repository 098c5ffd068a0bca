"""One damaged session row is named and skipped: it never takes down `collabd analytics`,
GET /api/analytics or GET /api/sessions; a file that is not a collabd store is one line."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from collabd import cli as collabd_cli
from collabd.adapters.sqlite_store import SqliteStore
from collabd.analytics import cli
from support.server import in_process
from support.session import api

from .helpers import stored_record

GOOD = ("s-good-0", "s-good-1", "s-good-2")


def _record(sid: str, **change: object) -> str:
    rec = stored_record(sid, 3, 2)
    rec.update(change)
    return json.dumps(rec)


def _damage() -> dict[str, tuple[str, object]]:
    """session id -> (column, value written over the good row)."""
    return {
        "s-not-json": ("record", '{"session_id": "s-not-json", "phase": '),
        "s-null": ("record", "null"),
        "s-list": ("record", "[1, 2]"),
        "s-no-participants": ("record", _record("s-no-participants", participants=None)),
        "s-one-participant": ("record", _record("s-one-participant", participants=[
            {"role": "interviewer", "id": "p-er"}])),
        "s-role-list": ("record", _record("s-role-list", participants=[{"role": [], "id": 1}])),
        "s-unknown-kind": ("kind", "bogus"),
        "s-string-ended": ("record", _record("s-string-ended", ended_at="yesterday")),
        "s-feedback-list": ("record", _record("s-feedback-list", feedback=[1])),
        "s-extra-not-json": ("extra", "{oops"),
        "s-other-id": ("record", _record("s-someone-else")),
    }


def damaged_store(data_dir: Path) -> list[str]:
    """A store with three good ended sessions and one row per kind of damage; returns the
    damaged ids."""
    store = SqliteStore(data_dir / "collabd.sqlite3")
    damage = _damage()
    try:
        for i, sid in enumerate((*GOOD, *damage)):
            store.save_session(sid, stored_record(sid, 3, 2, t=1000 * i), i)
    finally:
        store.close()
    db = sqlite3.connect(data_dir / "collabd.sqlite3")
    with db:
        for sid, (column, value) in damage.items():
            db.execute(f"UPDATE sessions SET {column} = ? WHERE id = ?", (value, sid))
    db.close()
    return list(damage)


def test_the_study_skips_and_names_each_damaged_row(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("COLLABD_SECRET", raising=False)
    bad = damaged_store(tmp_path)
    assert collabd_cli.main(["analytics", "--data-dir", str(tmp_path)]) == cli.EXIT_OK
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["counts"]["included"] == len(GOOD)
    skipped = {row["session_id"]: row["reason"] for row in result["skipped"]["sessions"]}
    assert sorted(skipped) == sorted(bad) and result["skipped"]["count"] == len(bad)
    assert all(skipped.values())
    assert skipped["s-not-json"] == "record is not JSON"
    assert "kind" in skipped["s-unknown-kind"] and "ended_at" in skipped["s-string-ended"]
    for sid in bad:  # a warning line per damaged row, naming it
        assert f"skipped session {sid}: " in captured.err
    assert "Traceback" not in captured.err and "locked" not in captured.err


def test_a_file_that_is_not_a_collabd_store_is_one_line(tmp_path, capsys):
    cases = {"not-sqlite": b"this is a text file, not a database\n" * 100}
    for name, data in cases.items():
        d = tmp_path / name
        d.mkdir()
        (d / "collabd.sqlite3").write_bytes(data)
    other = tmp_path / "no-sessions"
    other.mkdir()
    db = sqlite3.connect(other / "collabd.sqlite3")
    db.execute("CREATE TABLE notes (x)")
    db.close()
    for d, why in ((tmp_path / "not-sqlite", "not a database"), (other, "no sessions table")):
        before = (d / "collabd.sqlite3").read_bytes()
        assert collabd_cli.main(["analytics", "--data-dir", str(d)]) == cli.EXIT_NO_STORE
        captured = capsys.readouterr()
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1 and "is not a collabd store" in lines[0] and why in lines[0]
        assert captured.out == ""
        assert (d / "collabd.sqlite3").read_bytes() == before  # not migrated into one


async def test_the_api_serves_the_good_rows_and_names_the_damaged_ones(tmp_path):
    bad = damaged_store(tmp_path)
    async with in_process(tmp_path) as server:
        status, body = await api(server, "GET", "/api/sessions?limit=100")
        assert status == 200, body
        assert sorted(s["session_id"] for s in body["sessions"]) == sorted(GOOD)
        assert sorted(s["session_id"] for s in body["skipped"]) == sorted(bad)
        status, body = await api(server, "GET", "/api/analytics")
        assert status == 200, body
        assert body["counts"]["included"] == len(GOOD)
        assert sorted(s["session_id"] for s in body["skipped"]["sessions"]) == sorted(bad)
        status, body = await api(server, "GET", "/api/sessions/s-not-json")
        assert status == 500 and body["error"]["code"] == "damaged_session"
