"""The storage port's contract (collabd.ports.Store), run against every adapter: the embedded
SQLite store and the PostgreSQL store (a real server started by the fixtures)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest
from pycrdt import Doc, Text

from collabd.ports import SessionRow, Store, StoreConflict, StoreError

ROOM = "room-1"
REFUSED = StoreConflict  # what a constraint raises, whichever the driver


def edits(n: int) -> tuple[Doc, list[bytes]]:
    """A real Yjs document and the n incremental updates that made it."""
    doc = Doc()
    text = doc.get("code", type=Text)
    out = []
    for i in range(n):
        state = doc.get_state()
        text += f"line {i} é🌍\n"
        out.append(doc.get_update(state))
    return doc, out


def text_of(updates: list[bytes]) -> str:
    doc = Doc()
    for u in updates:
        doc.apply_update(u)
    return str(doc.get("code", type=Text))


def session_record(sid: str, phase: str, presence: dict[str, str] | None = None) -> dict[str, Any]:
    return {"session_id": sid, "phase": phase,
            "presence": {pid: {"status": status, "connections": 0, "left_at": None}
                         for pid, status in (presence or {}).items()},
            "feedback": {"interviewer": {"would_hire": True, "technical": 3}}}


def test_adapters_implement_the_port(store: Any) -> None:
    assert isinstance(store, Store)
    for name, member in inspect.getmembers(Store, inspect.isfunction):
        if name.startswith("_"):
            continue
        impl = getattr(type(store), name)
        assert getattr(impl, "writes", False) == getattr(member, "writes", False), name
        assert list(inspect.signature(impl).parameters) == list(
            inspect.signature(member).parameters), name
    assert isinstance(store.writes_inline, bool)


# -- documents


def test_append_and_load_in_order_with_owners(store: Any) -> None:
    doc, ups = edits(5)
    store.append_updates([(ROOM, 1, ups[0]), (ROOM, 2, ups[1])], [(ROOM, 101, "p1")])
    store.append_updates([(ROOM, 3, ups[2])])
    store.append_updates([(ROOM, 4, ups[3]), ("other", 1, b"x")],
                         [(ROOM, 101, "intruder"), (ROOM, 2**53 - 1, "p2")])
    store.append_updates([(ROOM, 5, ups[4])])
    for load in (store.load_doc, store.load_doc_now):
        updates, last, owners = load(ROOM)
        assert updates == ups and last == 5
        assert owners == {101: "p1", 2**53 - 1: "p2"}  # the first owner of a client id stays
    assert text_of(store.load_doc(ROOM)[0]) == str(doc.get("code", type=Text))
    assert store.load_doc("other") == ([b"x"], 1, {})
    assert store.load_doc("nobody") == ([], 0, {})
    assert store.count_updates(ROOM) == 5 and store.count_updates("nobody") == 0


def test_a_batch_is_atomic(store: Any) -> None:
    _, ups = edits(4)
    store.append_updates([(ROOM, 1, ups[0])], [(ROOM, 7, "p1")])
    with pytest.raises(REFUSED):  # seq 1 exists: the whole batch is refused
        store.append_updates([(ROOM, 2, ups[1]), ("b", 1, b"y"), (ROOM, 1, ups[2])],
                             [(ROOM, 8, "p2"), ("b", 9, "p3")])
    with pytest.raises(REFUSED):  # a duplicate inside the batch
        store.append_updates([(ROOM, 2, ups[1]), (ROOM, 2, ups[2])], [(ROOM, 8, "p2")])
    assert store.load_doc(ROOM) == ([ups[0]], 1, {7: "p1"})
    assert store.load_doc("b") == ([], 0, {})
    store.append_updates([(ROOM, 2, ups[1])], [(ROOM, 8, "p2")])  # still usable
    assert store.load_doc_now(ROOM) == ([ups[0], ups[1]], 2, {7: "p1", 8: "p2"})


def test_compaction_replaces_the_rows_it_covers(store: Any) -> None:
    doc, ups = edits(10)
    store.append_updates([(ROOM, i + 1, u) for i, u in enumerate(ups[:6])], [(ROOM, 1, "p")])
    snap = Doc()
    for u in ups[:6]:
        snap.apply_update(u)
    store.compact(ROOM, snap.get_update(), 6)
    store.append_updates([(ROOM, i + 7, u) for i, u in enumerate(ups[6:])])
    updates, last, owners = store.load_doc(ROOM)
    assert updates[0] == snap.get_update() and updates[1:] == ups[6:] and last == 10
    assert owners == {1: "p"} and store.count_updates(ROOM) == 4
    assert text_of(updates) == str(doc.get("code", type=Text))
    # a second compaction replaces the snapshot
    store.compact(ROOM, doc.get_update(), 10)
    assert store.load_doc(ROOM) == ([doc.get_update()], 10, {1: "p"})
    assert store.count_updates(ROOM) == 0


def test_a_failed_compaction_deletes_nothing(store: Any) -> None:
    _, ups = edits(3)
    store.append_updates([(ROOM, i + 1, u) for i, u in enumerate(ups)])
    store.compact(ROOM, ups[0], 1)
    before = store.load_doc(ROOM)
    with pytest.raises(REFUSED):  # the snapshot cannot be written (NULL): rows stay
        store.compact(ROOM, None, 3)
    assert store.load_doc(ROOM) == before and store.count_updates(ROOM) == 2


# -- sessions


def test_sessions(store: Any) -> None:
    store.save_session("s1", session_record("s1", "lobby"), 1000, kind="real",
                       extra={"webhook_url": "http://127.0.0.1:1/h"}, keys=("ki", "ke"))
    store.save_session("s2", session_record("s2", "live"), 2000, simulated=True)
    store.save_session("s3", session_record("s3", "lobby", {"a": "away"}), 3000,
                       extra={"practice": True}, kind="practice", keys=(None, "ke"))
    # an update changes the record only: kind, extra and keys stay as inserted
    store.save_session("s1", session_record("s1", "feedback"), 4000, kind="practice",
                       extra={"other": 1}, keys=("x", "y"))
    row = store.load_session("s1")
    assert isinstance(row, SessionRow)
    assert (row.record, row.kind, row.extra, row.interviewer_key, row.interviewee_key) == (
        session_record("s1", "feedback"), "real", {"webhook_url": "http://127.0.0.1:1/h"},
        "ki", "ke")
    record, simulated, extra = store.load_session("s2")
    assert record["phase"] == "live" and simulated and store.load_session("s2").kind == "simulated"
    assert store.load_session("missing") is None

    def ids(rows: list[SessionRow]) -> list[str]:
        return [r.record["session_id"] for r in rows]

    assert ids(store.list_sessions(10)) == ["s3", "s2", "s1"]
    assert ids(store.list_sessions(1, 1)) == ["s2"]
    assert ids(store.list_sessions(10, kind="practice")) == ["s3"]
    assert ids(store.list_sessions(10, kind="real")) == ["s1"]
    assert ids(store.all_sessions()) == ["s1", "s2", "s3"]
    assert ids(store.candidate_sessions("ke")) == ["s1", "s3"]
    assert ids(store.candidate_sessions("nobody")) == []
    assert store.stale_practice_lobbies(3001, 10) == ["s3"]
    assert store.stale_practice_lobbies(3000, 10) == []


def test_an_unknown_kind_is_refused_and_nothing_written(store: Any) -> None:
    with pytest.raises(ValueError):
        store.save_session("s1", session_record("s1", "lobby"), 1, kind="bogus")
    assert store.load_session("s1") is None and store.all_sessions() == []


def test_timed_sessions(store: Any) -> None:
    cases = {
        "live": ("live", None), "feedback": ("feedback", None), "revealed": ("revealed", None),
        "unmasked": ("unmasked", None), "closed": ("closed", None),
        "lobby-empty": ("lobby", {"a": "absent", "b": "absent"}),
        "lobby-connected": ("lobby", {"a": "connected", "b": "absent"}),
        "lobby-reconnecting": ("lobby", {"a": "absent", "b": "reconnecting"}),
    }
    for i, (sid, (phase, presence)) in enumerate(cases.items()):
        store.save_session(sid, session_record(sid, phase, presence), 100 + i)
    timed = [r.record["session_id"] for r in store.timed_sessions()]
    assert timed == ["live", "feedback", "revealed", "lobby-connected", "lobby-reconnecting"]
    assert all(r.kind == "real" for r in store.timed_sessions())


# -- chat, events, webhooks


def test_chat(store: Any) -> None:
    sender = {"id": "p1", "name": "Quiet Otter", "color": "#123456"}
    ids = [store.append_chat(ROOM, 10 + i, sender, f"message {i} ✓🌍") for i in range(5)]
    other = store.append_chat("other", 99, sender, "elsewhere")
    assert ids == sorted(ids) and len(set(ids)) == 5 and other > ids[-1]
    got = store.chat_after(ROOM, 0, 100)
    assert got == [{"id": i, "ts": 10 + n, "from": sender, "text": f"message {n} ✓🌍"}
                   for n, i in enumerate(ids)]
    assert store.chat_after(ROOM, ids[1], 2) == got[2:4]
    assert store.chat_after(ROOM, ids[-1], 10) == []


def test_events(store: Any) -> None:
    store.log_event(ROOM, 5, "phase", {"to": "live"})
    store.log_event("other", 6, "phase", {"to": "lobby"})
    store.log_event(ROOM, 4, "feedback_submitted", {"role": "interviewer", "n": [1, 2]})
    assert store.events(ROOM) == [(5, "phase", {"to": "live"}),
                                  (4, "feedback_submitted", {"role": "interviewer", "n": [1, 2]})]
    assert store.events("nobody") == []


def test_webhook_outbox(store: Any) -> None:
    assert store.webhook_counts() == {"pending": 0, "failed_attempts": 0, "given_up": 0}
    store.queue_webhook("http://127.0.0.1:1/a", '{"n": 1}', 100)
    store.queue_webhook("http://127.0.0.1:1/b", '{"n": 2}', 200)
    store.queue_webhook("http://127.0.0.1:1/c", '{"n": 3}', 300)
    due = store.due_webhooks(250)
    assert [(u, b, a) for _, u, b, a in due] == [("http://127.0.0.1:1/a", '{"n": 1}', 0),
                                                 ("http://127.0.0.1:1/b", '{"n": 2}', 0)]
    (a, *_), (b, *_) = due
    assert store.due_webhooks(250, limit=1) == due[:1]
    store.webhook_result(a, False, 1000, False)  # failed: retried later
    store.webhook_result(b, True, 0, False)  # delivered
    assert [w[0] for w in store.due_webhooks(999)] == [store.due_webhooks(300)[0][0]]
    retry = store.due_webhooks(1000)
    assert [(w[0], w[3]) for w in retry][0] == (a, 1)
    store.webhook_result(a, False, 5000, True)  # given up
    assert store.webhook_counts() == {"pending": 1, "failed_attempts": 2, "given_up": 1}
    assert [w[1] for w in store.due_webhooks(10**9)] == ["http://127.0.0.1:1/c"]


# -- migrations and reopening


def test_a_new_store_is_at_the_latest_version_and_reopens_intact(
        open_store: Callable[[], Any]) -> None:
    first = open_store()
    version = first.schema_version()
    assert version >= 1
    first.append_updates([(ROOM, 1, b"\x00\x01")], [(ROOM, 5, "p")])
    first.save_session("s", session_record("s", "live"), 1)
    first.append_chat(ROOM, 1, {"id": "p"}, "hi")
    again = open_store()  # opening runs the migrations again: nothing to do, nothing lost
    assert again.schema_version() == version
    assert again.load_doc(ROOM) == ([b"\x00\x01"], 1, {5: "p"})
    assert again.load_session("s").record == session_record("s", "live")
    assert [m["text"] for m in again.chat_after(ROOM, 0, 10)] == ["hi"]


def test_a_store_newer_than_the_code_is_refused(open_store: Callable[[], Any]) -> None:
    first = open_store()
    newer = first.schema_version() + 1
    if hasattr(first, "connection"):
        first.connection().execute("UPDATE schema_version SET version = %s", (newer,))
    else:
        first.db.execute("UPDATE schema_version SET version = ?", (newer,))
    with pytest.raises(StoreError, match="newer"):
        open_store()


# -- replay history, runs, the question, private notes (SPEC 8.7-8.9, 18)


def test_appended_updates_carry_their_commit_time(store: Any) -> None:
    import time

    _, ups = edits(3)
    before = int(time.time() * 1000)
    store.append_updates([(ROOM, 1, ups[0]), (ROOM, 2, ups[1])])
    store.append_updates([(ROOM, 3, ups[2])], [(ROOM, 7, "p1")])
    after = int(time.time() * 1000)
    base, upto, rows = store.history(ROOM)
    assert base is None and upto == 0
    assert [(s, d) for s, _, d in rows] == [(1, ups[0]), (2, ups[1]), (3, ups[2])]
    assert all(before <= ts <= after for _, ts, _ in rows)
    assert rows[0][1] == rows[1][1]  # one batch, one commit time
    assert store.history("nobody") == (None, 0, [])


def test_compaction_keeping_history_deletes_no_row(store: Any) -> None:
    doc, ups = edits(8)
    store.append_updates([(ROOM, i + 1, u) for i, u in enumerate(ups[:5])])
    mid = Doc()
    for u in ups[:5]:
        mid.apply_update(u)
    store.compact(ROOM, mid.get_update(), 5, keep_history=True)
    store.append_updates([(ROOM, i + 6, u) for i, u in enumerate(ups[5:])])
    store.compact(ROOM, doc.get_update(), 8, keep_history=True)
    loaded, last, _ = store.load_doc(ROOM)
    assert last == 8 and len(loaded) == 1  # loading still takes the snapshot alone
    assert text_of(loaded) == str(doc.get("code", type=Text))
    base, upto, rows = store.history(ROOM)
    assert base is None and upto == 0 and [d for _, _, d in rows] == ups
    assert store.count_updates(ROOM) == 8
    # retention over: the next compaction folds the history into the snapshot
    store.compact(ROOM, doc.get_update(), 8)
    assert store.count_updates(ROOM) == 0
    base, upto, rows = store.history(ROOM)
    assert upto == 8 and rows == [] and base is not None and text_of([base]) == text_of(ups)


def test_history_of_a_room_compacted_before_history_was_kept(store: Any) -> None:
    """Rows deleted by an old-style compaction: the snapshot is the history's base, and stays
    its base when a later compaction that keeps history moves the load snapshot on."""
    doc, ups = edits(6)
    store.append_updates([(ROOM, i + 1, u) for i, u in enumerate(ups[:3])])
    old = Doc()
    for u in ups[:3]:
        old.apply_update(u)
    store.compact(ROOM, old.get_update(), 3)  # deletes rows 1..3
    store.append_updates([(ROOM, i + 4, u) for i, u in enumerate(ups[3:])])
    store.compact(ROOM, doc.get_update(), 6, keep_history=True)
    base, upto, rows = store.history(ROOM)
    assert upto == 3 and base is not None and text_of([base]) == text_of(ups[:3])
    assert [s for s, _, _ in rows] == [4, 5, 6]
    assert text_of([base] + [d for _, _, d in rows]) == str(doc.get("code", type=Text))
    assert text_of(store.load_doc(ROOM)[0]) == str(doc.get("code", type=Text))


def test_runs(store: Any) -> None:
    who = {"id": "p1", "name": "Tidy Lynx", "color": "#123456"}
    run = {"language": "python", "stdout": "héllo 🌍\n", "stderr": "warn\n", "exit": 0,
           "duration_ms": 12, "truncated": [],
           "order": [["stdout", 6], ["stderr", 5], ["stdout", 2]]}  # the print order
    first = store.append_run(ROOM, 1000, who, run)
    second = store.append_run(ROOM, 1001, who, {"language": "javascript", "timed_out": True})
    store.append_run("other", 1002, who, run)
    assert second > first
    assert store.runs_after(ROOM, 0, 10) == [
        {"id": first, "ts": 1000, "from": who, **run},
        {"id": second, "ts": 1001, "from": who, "language": "javascript", "timed_out": True}]
    assert [r["id"] for r in store.runs_after(ROOM, first, 10)] == [second]
    assert len(store.runs_after(ROOM, 0, 1)) == 1 and store.runs_after("nobody", 0, 5) == []


def test_questions(store: Any) -> None:
    who = {"id": "p1", "name": "Teal Heron", "color": "#1abc9c"}
    assert store.questions(ROOM) == []
    store.append_question(ROOM, 5, None, "# Two sum ✨")
    store.append_question(ROOM, 9, who, "")
    assert store.questions(ROOM) == [{"ts": 5, "text": "# Two sum ✨"},
                                     {"ts": 9, "text": "", "from": who}]
    assert store.questions("other") == []


def test_notes_last_save_wins_per_participant(store: Any) -> None:
    assert store.load_notes(ROOM, "p1") is None
    store.save_notes(ROOM, "p1", 10, "first")
    store.save_notes(ROOM, "p2", 11, "theirs")
    store.save_notes(ROOM, "p1", 12, "second — 好")
    assert store.load_notes(ROOM, "p1") == ("second — 好", 12)
    assert store.load_notes(ROOM, "p2") == ("theirs", 11)
    assert store.load_notes("other", "p1") is None
