"""A damaged session record (not JSON, JSON of the wrong shape) is skipped by the store's
start-up queries and named in the log; the other sessions are still served. Both adapters."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from collabd.adapters.sqlite_store import SqliteStore


def record(sid: str, phase: str, present: bool = False) -> dict[str, Any]:
    status = "connected" if present else "absent"
    return {"session_id": sid, "phase": phase,
            "presence": {"a": {"status": status, "connections": 0, "left_at": None}}}


def damage(store: Any, sid: str, text: str) -> None:
    """Write a record as no collabd ever would: beneath the adapter, as a disk or a hand might."""
    if isinstance(store, SqliteStore):
        store.db.execute("UPDATE sessions SET record = ? WHERE id = ?", (text, sid))
    else:
        store.connection().execute("UPDATE sessions SET record = %s WHERE id = %s", (text, sid))


@pytest.mark.parametrize("bad", ["{not json", '"a string"', '{"phase": "lobby", "presence": 3}'])
def test_start_up_queries_skip_a_damaged_record(open_store: Callable[[], Any], bad: str,
                                                caplog: pytest.LogCaptureFixture) -> None:
    store = open_store()
    store.save_session("a-live", record("a-live", "live"), 1)
    store.save_session("b-bad", record("b-bad", "live"), 2)
    store.save_session("c-lobby", record("c-lobby", "lobby", present=True), 3)
    store.save_session("d-practice", record("d-practice", "lobby"), 4, kind="practice",
                       extra={"practice": True})
    damage(store, "b-bad", bad)
    with caplog.at_level(logging.WARNING, logger="collabd.store"):
        assert [r.sid for r in store.timed_sessions()] == ["a-live", "c-lobby"]
        assert store.stale_practice_lobbies(10, 10) == ["d-practice"]
    named = [r for r in caplog.records if getattr(r, "session", None) == "b-bad"]
    if isinstance(store, SqliteStore):  # a record that is not a JSON object is named
        assert bool(named) == (bad != '{"phase": "lobby", "presence": 3}')
        assert all(r.getMessage() == "damaged session skipped" for r in named)
        return
    if bad == '"a string"':
        return  # filtered out in SQL: nothing to name
    # PostgreSQL's query fails on it (the cast, jsonb_each): the rows are read one by one
    named = [r for r in caplog.records if getattr(r, "session", None) == "b-bad"]
    assert named and all(r.getMessage() == "damaged session skipped" for r in named)


def test_a_damaged_record_sends_one_sweep_down_the_slow_path(
        open_store: Callable[[], Any], caplog: pytest.LogCaptureFixture) -> None:
    """The stale-lobby sweep runs every minute: a damaged record must not make every sweep read
    every old session. PostgreSQL's fast query fails on it once; the slow path names it, and
    later sweeps step over it (named once, so the log says the slow path ran once)."""
    store = open_store()
    store.save_session("a-bad", record("a-bad", "live"), 1)
    store.save_session("b-practice", record("b-practice", "lobby"), 2, kind="practice",
                       extra={"practice": True})
    damage(store, "a-bad", "{not json")
    with caplog.at_level(logging.WARNING, logger="collabd.store"):
        for _ in range(3):
            assert store.stale_practice_lobbies(10, 10) == ["b-practice"]
    named = [r for r in caplog.records if getattr(r, "session", None) == "a-bad"]
    assert len(named) == (0 if isinstance(store, SqliteStore) else 1)
