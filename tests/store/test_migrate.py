"""`collabd migrate-store` moves a real embedded install into PostgreSQL without losing a byte,
and `serve --database` then serves it: a whole interview (documents with a snapshot and client
id owners, chat, feedback from both sides, events) run on the embedded store first."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import psycopg
from pycrdt import Doc, Text

from collab_protocol import (
    ChatMsg,
    ChatPost,
    EndInterview,
    FeedbackReveal,
    FeedbackSubmit,
    SyncStep2,
    SyncUpdate,
)
from collabd.adapters.postgres_store import PostgresStore
from collabd.adapters.sqlite_store import SqliteStore
from collabd.cli import main
from collabd.migrate import TABLES
from support.server import in_process
from support.session import HIRE, WORK, Participant, api, create, phase_is


def typed(doc: Doc, text: str) -> bytes:
    state = doc.get_state()
    code = doc.get("code", type=Text)
    code += text
    return doc.get_update(state)


async def run_interview(server) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    s = await create(server)
    sid = s["session_id"]
    a = await Participant.join(server, sid, s["interviewer"]["token"])
    b = await Participant.join(server, sid, s["interviewee"]["token"])
    await a.until(phase_is("live"))
    doc = Doc()
    for i in range(12):  # past compact_every_updates: a snapshot and rows after it
        await a.send(SyncUpdate(typed(doc, f"def f{i}(): return '{i} é🌍'\n")))
        await b.next(lambda m: isinstance(m, SyncUpdate))
    for i in range(3):
        await b.send(ChatPost(f"question {i} ✓", nonce=f"c{i}"))
        await a.next(lambda m: isinstance(m, ChatMsg))
    await a.send(EndInterview())
    await b.until(phase_is("feedback"))
    await a.send(FeedbackSubmit(HIRE, nonce="f1"))
    await b.send(FeedbackSubmit(WORK, nonce="f2"))
    await a.next(lambda m: isinstance(m, FeedbackReveal))
    await b.next(lambda m: isinstance(m, FeedbackReveal))
    await server.hub.rooms[sid].flush()
    await a.close()
    await b.close()
    return s


def rows(store: object, sid: str) -> dict[str, object]:
    """Everything the port gives about the install."""
    s = store
    return {
        "doc": s.load_doc(sid),  # type: ignore[attr-defined]
        "sessions": [(r.record, r.kind, r.extra, r.interviewer_key, r.interviewee_key)
                     for r in s.all_sessions()],  # type: ignore[attr-defined]
        "chat": s.chat_after(sid, 0, 1000),  # type: ignore[attr-defined]
        "events": s.events(sid),  # type: ignore[attr-defined]
        "webhooks": s.due_webhooks(10**15),  # type: ignore[attr-defined]
        "webhook_counts": s.webhook_counts(),  # type: ignore[attr-defined]
    }


async def test_migrate_store_then_serve_from_postgres(tmp_path: Path, pg_url: str,
                                                      capsys) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    async with in_process(data, compact_every_updates=5) as server:
        session = await run_interview(server)
        sid = session["session_id"]
        record = (await api(server, "GET", f"/api/sessions/{sid}"))[1]
    embedded = SqliteStore(data / "collabd.sqlite3")
    embedded.queue_webhook("http://127.0.0.1:9/hook", '{"phase": "live"}', 1)
    embedded.queue_webhook("http://127.0.0.1:9/hook", '{"phase": "done"}', 2)
    embedded.webhook_result(1, False, 5000, False)
    embedded.log_event(sid, 5, "call_started", {"by": "p1"})  # (the runtime logs calls only)
    embedded.log_event(sid, 9, "call_ended", {"by": "p2"})
    before = rows(embedded, sid)
    embedded.close()
    doc_updates, last, owners = before["doc"]  # type: ignore[misc]
    assert last == 12 and len(doc_updates) < 12 and owners  # a snapshot, rows, owners
    assert before["sessions"][0][0]["feedback"]  # type: ignore[index]
    assert len(before["chat"]) == 3 and before["events"]  # type: ignore[arg-type]

    assert main(["migrate-store", "--from", str(data), "--to", pg_url]) == 0
    out = capsys.readouterr().out
    assert "copied and checked" in out and "3 chat" in out

    target = PostgresStore(pg_url)
    try:
        assert rows(target, sid) == before
        raw_equal(data / "collabd.sqlite3", target)
        # the id sequences go on after the copied ids
        assert target.append_chat(sid, 1, {"id": "x"}, "next") > before["chat"][-1]["id"]  # type: ignore[index]
    finally:
        target.close()

    # a second run refuses: the target is not empty
    assert main(["migrate-store", "--from", str(data), "--to", pg_url]) == 1
    assert "not empty" in capsys.readouterr().err

    # the server on PostgreSQL, same data dir: the session and the document are there
    async with in_process(data, settings={"database": pg_url}) as server:
        assert server.hub.store.writes_inline is False
        status, again = await api(server, "GET", f"/api/sessions/{sid}")
        assert status == 200 and again == record
        c = await Participant.join(server, sid, session["interviewer"]["token"])
        reply = c.last(SyncStep2)
        got = Doc()
        got.apply_update(reply.update)
        want = Doc()
        for u in doc_updates:
            want.apply_update(u)
        assert str(got.get("code", type=Text)) == str(want.get("code", type=Text))
        assert "def f11(): return '11 é🌍'" in str(got.get("code", type=Text))
        await c.close()


def raw_equal(path: Path, target: PostgresStore) -> None:
    """Every column of every row, byte for byte (simulated: 0/1 against false/true)."""
    src = sqlite3.connect(path)
    conn: psycopg.Connection = target.connection()  # type: ignore[type-arg]
    try:
        for table, (columns, keys) in TABLES.items():
            cols = ", ".join(columns)
            a = [tuple(r) for r in src.execute(f"SELECT {cols} FROM {table} ORDER BY "
                                               f"{', '.join(keys)}")]
            order = ", ".join(f'{k} COLLATE "C"' if k in ("room", "id") and table in (
                "doc_updates", "doc_snapshots", "doc_clients", "sessions") else k for k in keys)
            b = [tuple(r) for r in conn.execute(f"SELECT {cols} FROM {table} ORDER BY {order}")]
            if table == "sessions":
                a = [(*r[:2], bool(r[2]), *r[3:]) for r in a]
            assert a == b, table
    finally:
        src.close()
