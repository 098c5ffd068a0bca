"""The recorded call over real sockets and HTTP, on SQLite and on PostgreSQL (SPEC 8.11, 14.4):
consent, chunks stored only while both consent, charged to their sender, never relayed,
served only once the session ended, deleted by the embedder, kept by a backup."""

from __future__ import annotations

import asyncio
import base64
import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from collab_protocol import (
    Ack,
    EndInterview,
    Error,
    FeedbackReveal,
    FeedbackSubmit,
    RecordingChunk,
    RecordingChunks,
    RecordingConsent,
    RecordingGet,
    RecordingState,
    SessionState,
)
from collabd.backup import backup, restore
from support.net import wait_until
from support.server import Running, in_process
from support.session import ALICE, BOB, HIRE, WORK, Participant, api, phase_is


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest) -> str:
    return "" if request.param == "sqlite" else str(request.getfixturevalue("pg_url"))


@asynccontextmanager
async def serving(tmp_path: Path, database: str = "", **limits: Any,
                  ) -> AsyncIterator[Running]:
    async with in_process(tmp_path / "d", {"database": database} if database else None,
                          **limits) as server:
        yield server


async def live_pair(server: Running, **options: Any,
                    ) -> tuple[dict[str, Any], Participant, Participant]:
    status, s = await api(server, "POST", "/api/sessions",
                          {"interviewer": ALICE, "interviewee": BOB, "options": options})
    assert status == 201, s
    a = await Participant.join(server, s["session_id"], s["interviewer"]["token"])
    b = await Participant.join(server, s["session_id"], s["interviewee"]["token"])
    await a.until(phase_is("live"))
    await b.until(phase_is("live"))
    return s, a, b


def state(**expect: Any) -> Any:
    return lambda m: isinstance(m, RecordingState) and all(
        getattr(m, k) == v for k, v in expect.items())


def error(code: str, ref: str) -> Any:
    return lambda m: isinstance(m, Error) and m.code == code and m.ref == ref


def acked(ref: str) -> Any:
    return lambda m: isinstance(m, Ack) and m.ref == ref


def chunk(run: int, seq: int, data: bytes, nonce: str, ms: int = 1000) -> RecordingChunk:
    return RecordingChunk(run=run, seq=seq, ms=ms, data=base64.b64encode(data).decode(),
                          nonce=nonce)


def stored(server: Running, sid: str) -> list[tuple[Any, ...]]:
    return server.hub.store.recording_after(sid, 0, 1 << 30)[0]


async def reveal(a: Participant, b: Participant) -> None:
    await a.send(EndInterview())
    await a.send(FeedbackSubmit(HIRE))
    await b.send(FeedbackSubmit(WORK))
    await a.until(lambda m: isinstance(m, FeedbackReveal))
    await b.until(lambda m: isinstance(m, FeedbackReveal))


async def test_both_consents_record_and_the_replay_serves_it_after_the_end(tmp_path, database):
    async with serving(tmp_path, database) as server:
        s, a, b = await live_pair(server)
        sid = s["session_id"]
        await a.until(state(allowed=True, on=False, mine=None, theirs=None))
        audio_a = [os.urandom(700) + b"A%d" % i for i in range(3)]
        audio_b = os.urandom(900) + b"B-voice"

        # nobody consented: refused, nothing stored
        await a.send(chunk(0, 0, audio_a[0], "none"))
        await a.next(error("not_recording", "none"))
        # one consent only: still refused
        await a.send(RecordingConsent(yes=True))
        await a.until(state(on=False, mine=True, theirs=None))
        await b.until(state(on=False, mine=None, theirs=True))
        await a.send(chunk(0, 0, audio_a[0], "one"))
        await a.next(error("not_recording", "one"))
        await b.send(chunk(0, 0, audio_b, "b-alone"))
        await b.next(error("not_recording", "b-alone"))
        assert stored(server, sid) == []

        # both: recorded, and both are told
        await b.send(RecordingConsent(yes=True))
        await a.until(state(on=True, mine=True, theirs=True))
        await b.until(state(on=True, mine=True, theirs=True))
        for seq, data in enumerate(audio_a[:2]):
            await a.send(chunk(0, seq, data, f"a{seq}"))
            await a.next(acked(f"a{seq}"))
        await b.send(chunk(0, 0, audio_b, "b0"))
        await b.next(acked("b0"))
        status, body = await api(server, "GET", f"/api/sessions/{sid}")
        assert body["recording"] == {"allowed": True, "on": True,
                                     "consented": ["interviewer", "interviewee"]}

        # b withdraws: nothing more is stored, from either side
        await b.send(RecordingConsent(yes=False))
        await a.until(state(on=False, mine=True, theirs=False))
        await a.send(chunk(0, 2, audio_a[2], "after"))
        await a.next(error("not_recording", "after"))
        assert len(stored(server, sid)) == 3

        # the other side never got a's audio over the room socket, nor a's refused chunks: a
        # relay of them would have reached b before its own withdrawal's answer (one room, one
        # order); and the same the other way round
        await b.until(state(on=False, mine=False))
        await a.send(RecordingConsent(yes=True))  # a no-op: nothing changes, nothing is sent
        for raw in audio_a:
            assert raw not in b.all_bytes()
            assert base64.b64encode(raw) not in b.all_bytes()
        assert audio_b not in a.all_bytes()
        assert base64.b64encode(audio_b) not in a.all_bytes()
        assert not any(isinstance(m, Error) and m.ref in ("none", "one", "after")
                       for m in b.received)

        # never served before the end
        status, body = await api(server, "GET", f"/api/sessions/{sid}/recording")
        assert status == 409 and body["error"]["code"] == "wrong_phase"
        await a.send(RecordingGet(nonce="early"))
        await a.next(error("wrong_phase", "early"))

        await reveal(a, b)
        session = (await api(server, "GET", f"/api/sessions/{sid}"))[1]
        await b.send(RecordingGet(nonce="g"))
        page = await b.next(lambda m: isinstance(m, RecordingChunks) and m.nonce == "g")
        assert page.next is None
        got = [(c["by"], c["run"], c["seq"], base64.b64decode(c["data"])) for c in page.chunks]
        a_pid, b_pid = s["interviewer"]["pid"], s["interviewee"]["pid"]
        assert got == [(a_pid, 0, 0, audio_a[0]), (a_pid, 0, 1, audio_a[1]),
                       (b_pid, 0, 0, audio_b)]
        # placed on the session's timeline: within the interview, in order per speaker
        ts = [c["ts"] for c in page.chunks]
        assert all(session["started_at"] <= t <= session["ended_at"] for t in ts)
        assert ts[0] <= ts[1]

        # the embedder gets the same chunks (answers checked against OpenAPI)
        status, body = await api(server, "GET", f"/api/sessions/{sid}/recording")
        assert status == 200 and body["chunks"] == page.chunks


        # the embedder deletes it
        status, body = await api(server, "DELETE", f"/api/sessions/{sid}/recording")
        assert status == 200 and body == {"session_id": sid, "deleted": 3}
        status, body = await api(server, "GET", f"/api/sessions/{sid}/recording")
        assert status == 200 and body["chunks"] == [] and "next" not in body
        assert stored(server, sid) == []
        status, _ = await api(server, "DELETE", "/api/sessions/s-nothing/recording")
        assert status == 404
        status, _ = await api(server, "DELETE", f"/api/sessions/{sid}/recording", key="wrong")
        assert status == 401


async def test_a_withdrawal_while_a_chunk_waits_on_the_store_stores_nothing(tmp_path):
    """The first chunk of a room load reads where its sender was (a store read, off the loop);
    the other side withdrawing meanwhile must refuse it. The read is held up on purpose."""
    async with serving(tmp_path) as server:
        s, a, b = await live_pair(server)
        sid = s["session_id"]
        for p in (a, b):
            await p.send(RecordingConsent(yes=True))
        await a.until(state(on=True, mine=True, theirs=True))
        store = server.hub.store
        real, reading, go = store.recording_tail, threading.Event(), threading.Event()

        def slow_tail(*args: Any) -> Any:
            reading.set()
            go.wait(10)
            return real(*args)

        store.recording_tail = slow_tail
        await a.send(chunk(0, 0, b"voice", "slow"))
        await asyncio.to_thread(reading.wait, 10)
        await b.send(RecordingConsent(yes=False))
        await a.until(state(on=False, theirs=False))
        go.set()
        await a.next(error("not_recording", "slow"))
        assert stored(server, sid) == []


async def test_refused_chunks_are_charged_to_their_sender_only(tmp_path, database):
    """Too large, over the rate, over the cap, out of order: an error to the sender, nothing
    stored, the other participant's budget and connection untouched."""
    async with serving(tmp_path, database, recording_chunk_bytes=1000, recording_rate=1.0,
                       recording_burst=4000, recording_max_bytes=2500,
                       recording_chunk_ms=5000) as server:
        s, a, b = await live_pair(server)
        sid = s["session_id"]
        for p in (a, b):
            await p.send(RecordingConsent(yes=True))
        await a.until(state(on=True))
        await a.send(chunk(0, 0, b"x" * 1001, "big"))
        await a.next(error("too_large", "big"))
        await a.send(chunk(0, 0, b"x" * 10, "long", ms=5001))
        await a.next(error("bad_message", "long"))
        await a.send(RecordingChunk(run=0, seq=0, ms=10, data="not base64!", nonce="b64"))
        await a.next(error("bad_message", "b64"))
        await a.send(chunk(0, 0, b"a" * 1000, "a0"))
        await a.next(acked("a0"))
        await a.send(chunk(0, 2, b"a" * 10, "gap"))
        await a.next(error("bad_message", "gap"))
        await a.send(chunk(1, 1, b"a" * 10, "no-start"))
        await a.next(error("bad_message", "no-start"))
        await a.send(chunk(0, 1, b"a" * 500, "a1"))
        await a.next(acked("a1"))
        # every chunk so far was charged, refused ones too (3/4 of its base64: ~2550 bytes);
        # 1000 more fit in the 4000 of burst, then a's budget is spent (1 byte/s)
        await a.send(chunk(0, 2, b"a" * 1000, "a2"))
        await a.next(acked("a2"))
        await a.send(chunk(0, 3, b"a" * 1000, "rate"))
        await a.next(error("rate_limited", "rate"))
        # b's budget is its own
        await b.send(chunk(0, 0, b"b" * 1000, "b0"))
        await b.next(acked("b0"))
        await b.send(chunk(0, 1, b"b" * 1000, "b1"))
        await b.next(acked("b1"))
        await b.send(chunk(0, 2, b"b" * 600, "cap"))  # 2600 > 2500 bytes for b
        await b.next(error("recording_full", "cap"))
        sizes = sorted((r[1], r[3], len(r[6])) for r in stored(server, sid))
        a_pid, b_pid = s["interviewer"]["pid"], s["interviewee"]["pid"]
        assert sizes == sorted([(a_pid, 0, 1000), (a_pid, 1, 500), (a_pid, 2, 1000),
                                (b_pid, 0, 1000), (b_pid, 1, 1000)])
        # nobody was closed, and the errors went to their sender alone
        for p, other in ((a, b), (b, a)):
            assert p.c.ws.close_code is None
            mine = {m.ref for m in p.received if isinstance(m, Error)}
            theirs = {m.ref for m in other.received if isinstance(m, Error)}
            assert not mine & theirs
        await b.send(RecordingConsent(yes=False))  # both still served
        await a.until(state(on=False, theirs=False))


async def test_a_session_that_never_records(tmp_path):
    async with serving(tmp_path) as server:
        s, a, b = await live_pair(server, recording="off")
        sid = s["session_id"]
        await a.until(state(allowed=False, on=False))
        me = next(p for p in a.last(SessionState).participants if "actions" in p)
        assert "consent_recording" not in me["actions"] and "record" not in me["actions"]
        await a.send(RecordingConsent(yes=True))
        await a.next(lambda m: isinstance(m, Error) and m.code == "not_allowed")
        await a.send(chunk(0, 0, b"x" * 10, "off"))
        await a.next(error("not_recording", "off"))
        assert stored(server, sid) == []
        status, body = await api(server, "GET", f"/api/sessions/{sid}")
        assert body["recording"] == {"allowed": False, "on": False, "consented": []}


async def test_consent_is_asked_before_the_call_and_ends_with_the_interview(tmp_path):
    async with serving(tmp_path) as server:
        status, s = await api(server, "POST", "/api/sessions",
                              {"interviewer": ALICE, "interviewee": BOB})
        a = await Participant.join(server, s["session_id"], s["interviewer"]["token"])
        await a.until(phase_is("lobby"))
        await a.send(RecordingConsent(yes=True))  # in the lobby, before anyone called
        await a.until(state(on=False, mine=True))
        b = await Participant.join(server, s["session_id"], s["interviewee"]["token"])
        await b.until(state(on=False, mine=None, theirs=True))
        await b.send(RecordingConsent(yes=True))
        await b.until(state(on=True))
        await a.send(EndInterview())
        await a.until(state(on=False, mine=True, theirs=True))
        await a.send(chunk(0, 0, b"late", "late"))
        await a.next(error("not_recording", "late"))
        await a.send(RecordingConsent(yes=False))
        await a.next(lambda m: isinstance(m, Error) and m.code == "wrong_phase")
        assert stored(server, s["session_id"]) == []


async def test_backup_keeps_the_recording_and_retention_deletes_it(tmp_path):
    data = tmp_path / "d"
    async with serving(tmp_path) as server:
        s, a, b = await live_pair(server)
        for p in (a, b):
            await p.send(RecordingConsent(yes=True))
        await a.until(state(on=True))
        await a.send(chunk(0, 0, b"kept voice", "k"))
        await a.next(acked("k"))
    out = tmp_path / "backup.sqlite3"
    backup(data, out)
    restored = tmp_path / "restored"
    restore(out, restored)
    async with in_process(restored, recording_retention_days=1e-9,
                          practice_lobby_seconds=0.2) as server:
        rows = stored(server, s["session_id"])
        assert [(r[1], bytes(r[6])) for r in rows] == [(s["interviewer"]["pid"],
                                                        b"kept voice")]
        # stored long before a retention of a tenth of a microsecond: the sweep deletes it
        await wait_until(lambda: not stored(server, s["session_id"]), timeout=10,
                         what="the retention sweep")
