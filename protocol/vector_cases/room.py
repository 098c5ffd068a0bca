"""Vectors of runs, the question, private notes and replay (SPEC 8.7-8.10)."""

from __future__ import annotations

import base64
from typing import Any

from collab_protocol import messages as m

from .common import INTERVIEWEE, INTERVIEWER, T0, Case, Recorder, yjs_docs


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


PY_RUN: dict[str, Any] = {
    "language": "python",
    "stdin": "3 4\n",
    "stdout": "7\nhé 🌍\n",
    "stderr": "",
    "exit": 0,
    "duration_ms": 38,
}
JS_EXCEPTION_RUN: dict[str, Any] = {
    "language": "javascript",
    "stdout": "start\n",
    "stderr": "TypeError: add is not a function\n    at <run>:3:1\n",
    "exception": {"type": "TypeError", "message": "add is not a function", "line": 3},
    "exit": 1,
    "duration_ms": 5,
}
LOOP_RUN: dict[str, Any] = {  # stopped at the time limit: no exit status, output cut at the cap
    "language": "python",
    "stdout": "tick\n" * 4,
    "duration_ms": 10_000,
    "timed_out": True,
    "truncated": ["stdout"],
}
# stdout and stderr interleaved; `order` counts code points (🌍 is one)
MIXED_RUN: dict[str, Any] = {
    "language": "python",
    "stdout": "a é\nc 🌍\n",
    "stderr": "warn b\n",
    "exit": 0,
    "duration_ms": 12,
    "order": [["stdout", 4], ["stderr", 7], ["stdout", 4]],
}
QUESTION = (
    "# Two sum\n\nGiven `nums` and a `target`, return the indexes of the two numbers that"
    " add up to `target`.\n\n* Exactly one answer exists — 答えは一つ 🎯\n"
)


def timeline_sample() -> tuple[dict[str, Any], list[Any]]:
    """A small replay: the first page of a revealed session's timeline (SPEC 8.10)."""
    y = yjs_docs()
    a: Recorder = y["a"]
    info = {
        "session": "s-8c2Lq0xWm4aZ",
        "room": "s-8c2Lq0xWm4aZ",
        "phase": "revealed",
        "created_at": T0,
        "started_at": T0 + 30_000,
        "ended_at": T0 + 45 * 60_000,
        "participants": [
            dict(INTERVIEWER, role="interviewer"),
            dict(INTERVIEWEE, role="interviewee"),
        ],
        "complete": True,
    }
    events: list[Any] = [
        {"k": "phase", "ts": T0, "phase": "lobby"},
        {"k": "question", "ts": T0, "text": QUESTION},
        {"k": "phase", "ts": T0 + 30_000, "phase": "live"},
        {"k": "update", "ts": T0 + 31_250, "n": 1, "u": b64(a.updates[0])},
        {"k": "update", "ts": T0 + 31_400, "n": 2, "u": b64(a.updates[1])},
        {"k": "snapshot", "ts": T0 + 31_400, "n": 2, "u": b64(y["snapshot_2"])},
        {"k": "call", "ts": T0 + 40_000, "what": "start", "by": INTERVIEWER},
        {"k": "chat", "ts": T0 + 61_000, "id": 1, "from": INTERVIEWER, "text": "Bonjour 👋"},
        {"k": "run", "ts": T0 + 90_000, "id": 1, "from": INTERVIEWEE, **PY_RUN},
        {"k": "update", "ts": T0 + 95_000, "n": 3, "u": b64(a.updates[2])},
    ]
    return info, events


def room_feature_cases() -> dict[str, list[Case]]:
    """Runs, the question, private notes and replay (SPEC 8.7-8.10)."""
    info, events = timeline_sample()
    unmasked = dict(info, phase="unmasked", participants=[
        dict(INTERVIEWER, role="interviewer"),
        dict(INTERVIEWEE, role="interviewee",
             identity={"name": "Ana Müller", "email": "ana@example.org"}),
    ])
    return {
        "run.result": [
            ("a Python run with stdin, non-ASCII output", m.RunResult(**PY_RUN, nonce="r-1")),
            ("an uncaught JavaScript exception on line 3", m.RunResult(**JS_EXCEPTION_RUN)),
            ("an infinite loop stopped at the time limit", m.RunResult(**LOOP_RUN, nonce="r-2")),
            ("stdout and stderr with the order they were printed in",
             m.RunResult(**MIXED_RUN, nonce="r-3")),
            (
                "an exception with no line number (syntax error before the first line ran)",
                m.RunResult(
                    language="typescript",
                    exception={"type": "SyntaxError", "message": "Unexpected token", "line": None},
                    exit=1,
                    duration_ms=2,
                ),
            ),
        ],
        "run.msg": [
            (
                "echo to the runner (nonce kept)",
                m.RunMsg(id=1, ts=T0 + 90_000, from_=INTERVIEWEE, **PY_RUN, nonce="r-1"),
            ),
            (
                "the same run as the other side sees it",
                m.RunMsg(id=1, ts=T0 + 90_000, from_=INTERVIEWEE, **PY_RUN),
            ),
            (
                "a stopped run, as relayed",
                m.RunMsg(id=2, ts=T0 + 120_000, from_=INTERVIEWER, **LOOP_RUN),
            ),
            (
                "interleaved output with its print order, as relayed",
                m.RunMsg(id=3, ts=T0 + 150_000, from_=INTERVIEWEE, **MIXED_RUN),
            ),
        ],
        "run.history": [
            ("no runs yet", m.RunHistory(runs=[])),
            (
                "two runs in id order",
                m.RunHistory(runs=[
                    {"id": 1, "ts": T0 + 90_000, "from": INTERVIEWEE, **PY_RUN},
                    {"id": 2, "ts": T0 + 95_000, "from": INTERVIEWEE, **JS_EXCEPTION_RUN},
                ]),
            ),
        ],
        "question.set": [
            ("the interviewer sets a Markdown question", m.QuestionSet(text=QUESTION, nonce="q-1")),
            ("clear the question", m.QuestionSet(text="")),
        ],
        "question": [
            ("no question set", m.Question(text="")),
            ("set by the embedder at creation", m.Question(text=QUESTION, ts=T0)),
            (
                "set by the interviewer: echo to them",
                m.Question(text=QUESTION, ts=T0 + 5_000, from_=INTERVIEWER, nonce="q-1"),
            ),
        ],
        "notes.save": [
            ("save the pad", m.NotesSave(text="- asked about edge cases ✔\n- 好", nonce="n-4")),
            ("empty the pad", m.NotesSave(text="")),
        ],
        "notes": [
            ("never saved", m.Notes(text="")),
            (
                "the saving connection's copy",
                m.Notes(text="- asked about edge cases ✔\n- 好", ts=T0 + 600_000, nonce="n-4"),
            ),
            (
                "the owner's other device",
                m.Notes(text="- asked about edge cases ✔\n- 好", ts=T0 + 600_000),
            ),
        ],
        "timeline.get": [
            ("first page", m.TimelineGet(nonce="tl-1")),
            ("next page", m.TimelineGet(after=10, nonce="tl-2")),
        ],
        "timeline": [
            ("a first page with more to come", m.Timeline(info, events, next=10, nonce="tl-1")),
            ("the last page, after a mutual unmask", m.Timeline(unmasked, [
                {"k": "phase", "ts": T0 + 45 * 60_000, "phase": "feedback"},
                {"k": "call", "ts": T0 + 45 * 60_000, "what": "end", "by": INTERVIEWEE},
            ], nonce="tl-2")),
        ],
        **recording_cases(),
    }


WEBM_HEAD = bytes.fromhex("1a45dfa39f4286810142f7810142f2810442f381084282847765626d")


def recording_cases() -> dict[str, list[Case]]:
    """The recorded call (SPEC 8.11, 14.4)."""
    chunk = b64(WEBM_HEAD)
    return {
        "recording.consent": [
            ("yes", m.RecordingConsent(yes=True)),
            ("no, or a withdrawn yes", m.RecordingConsent(yes=False)),
        ],
        "recording": [
            ("nobody answered yet", m.RecordingState(allowed=True, on=False)),
            ("the receiver said yes, the other has not answered",
             m.RecordingState(allowed=True, on=False, mine=True)),
            ("both said yes, live: recording",
             m.RecordingState(allowed=True, on=True, mine=True, theirs=True)),
            ("a session that never records", m.RecordingState(allowed=False, on=False)),
        ],
        "recording.chunk": [
            ("the first chunk of a run, acknowledged",
             m.RecordingChunk(run=0, seq=0, ms=1000, data=chunk, nonce="rc-1")),
            ("the next chunk, no ack wanted",
             m.RecordingChunk(run=0, seq=1, ms=1000, data=chunk)),
        ],
        "recording.get": [
            ("first page", m.RecordingGet(nonce="rg-1")),
            ("next page", m.RecordingGet(after=7, nonce="rg-2")),
        ],
        "recording.chunks": [
            ("a page with more to come", m.RecordingChunks(chunks=[
                {"id": 7, "by": INTERVIEWER["id"], "run": 0, "seq": 0, "ts": T0 + 60_000,
                 "ms": 1000, "data": chunk}], next=7, nonce="rg-1")),
            ("an empty recording", m.RecordingChunks(chunks=[], nonce="rg-2")),
        ],
    }
