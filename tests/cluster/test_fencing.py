"""Fencing: a node that still believes it owns a room while another node writes it can neither
store nor relay anything (docs/cluster.md). The other node is played by a second store
connection writing the same PostgreSQL; the owner runs in this process, with real Redis."""

from __future__ import annotations

from pathlib import Path

from cluster.conftest import RedisServer
from pycrdt import Doc, Text

from collab_protocol import EndInterview, SessionState, SyncUpdate
from collabd.adapters.postgres_store import PostgresStore
from support.server import in_process
from support.session import Participant, create, phase_is


def edit(doc: Doc, text: str) -> bytes:
    before = doc.get_state()
    doc.get("code", type=Text).insert(0, text)
    return doc.get_update(before)


def cluster_settings(pg_url: str, redis: RedisServer) -> dict[str, object]:
    return {"database": pg_url, "redis": redis.url, "node_url": "http://127.0.0.1:1",
            "lease_seconds": 2.0}


async def test_a_second_writer_of_the_log_makes_the_first_fail(
        tmp_path: Path, pg_url: str, redis_server: RedisServer, close_raw_clients: None) -> None:
    async with in_process(tmp_path / "d", cluster_settings(pg_url, redis_server),
                          conn_attempts_per_minute=1000) as server:
        a = await Participant.join(server, "f", server.token("f", pid="a"))
        b = await Participant.join(server, "f", server.token("f", pid="b"))
        doc = Doc()
        await a.send(SyncUpdate(edit(doc, "one ")))
        await b.until(lambda m: isinstance(m, SyncUpdate))
        room = server.hub.rooms["f"]
        await room.flush()
        # another node appends the next seq (it took the room while this one was cut off)
        other = PostgresStore(pg_url)
        try:
            other.append_updates([("f", room._seq + 1, edit(Doc(), "theirs "))])
        finally:
            other.close()
        before = len(b.received)
        await a.send(SyncUpdate(edit(doc, "two ")))
        assert await a.c.expect_close() == 1013  # the commit collided: the room is dropped
        assert await b.c.expect_close() == 1013
        relayed = [m for m in b.received[before:] if isinstance(m, SyncUpdate)]
        assert relayed == []  # nothing of the failed commit reached anyone
        assert "f" not in server.hub.rooms


async def test_a_stale_session_save_is_refused_and_the_room_dropped(
        tmp_path: Path, pg_url: str, redis_server: RedisServer, close_raw_clients: None) -> None:
    async with in_process(tmp_path / "d", cluster_settings(pg_url, redis_server),
                          conn_attempts_per_minute=1000) as server:
        s = await create(server)
        sid = s["session_id"]
        a = await Participant.join(server, sid, s["interviewer"]["token"])
        b = await Participant.join(server, sid, s["interviewee"]["token"])
        await b.until(phase_is("live"))
        # another node saved the session meanwhile (its version moved on)
        other = PostgresStore(pg_url)
        try:
            row, version = other.load_session_versioned(sid)
            assert other.save_session_if(sid, row.record, 1, version)
        finally:
            other.close()
        await a.send(EndInterview())
        assert await a.c.expect_close() == 1013  # try again: it lands on the real owner
        assert await b.c.expect_close() == 1013
        assert not any(isinstance(m, SessionState) and m.phase == "feedback"
                       for p in (a, b) for m in p.received)
        check = PostgresStore(pg_url)
        try:
            assert check.load_session(sid).record["phase"] == "live"  # nothing written
        finally:
            check.close()
