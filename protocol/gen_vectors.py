"""Write the golden vectors in protocol/vectors/ with the real codec (see SPEC.md, "Vectors").

    python protocol/gen_vectors.py           # rewrite every vector file
    python protocol/gen_vectors.py --check   # exit 1 if a file differs from what would be written

The hex of every case comes from `collab_protocol.encode`; the Yjs updates come from pycrdt docs
with fixed client ids. The decoded form is plain JSON so the JS tests can read the same files.
This script is a development tool: the codec does not import it and needs no pycrdt.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sys
from pathlib import Path
from typing import Any

from pycrdt import Doc, Map, Text

import collab_protocol as cp
from collab_protocol import messages as m
from collab_protocol.lib0 import write_var_string, write_var_uint, write_var_uint8_array

VECTORS = Path(__file__).resolve().parent / "vectors"

Case = tuple[str, m.Message]


# ---------------------------------------------------------------- decoded (JSON) form


def to_json(msg: m.Message) -> dict[str, Any]:
    """The language-neutral decoded form of one message (SPEC.md, "Vectors")."""
    if isinstance(msg, m.SyncStep1):
        return {"type": "sync_step1", "state_vector": msg.state_vector.hex()}
    if isinstance(msg, m.SyncStep2):
        return {"type": "sync_step2", "update": msg.update.hex()}
    if isinstance(msg, m.SyncUpdate):
        return {"type": "sync_update", "update": msg.update.hex()}
    if isinstance(msg, m.AwarenessMessage):
        entries = [
            {"client_id": e.client_id, "clock": e.clock, "state": json.loads(e.state_json)}
            for e in cp.decode_awareness(msg.update)
        ]
        return {"type": "awareness", "entries": entries}
    if isinstance(msg, m.AuthDenied):
        return {"type": "auth_denied", "reason": msg.reason}
    if isinstance(msg, m.QueryAwareness):
        return {"type": "query_awareness"}
    return {"type": "collab", "payload": cp.to_map(msg)}


def state_json(state: Any) -> str:
    """Awareness state text as JSON.stringify writes it: no spaces, non-ASCII kept as is."""
    return json.dumps(state, separators=(",", ":"), ensure_ascii=False)


def awareness(*entries: tuple[int, int, Any]) -> m.AwarenessMessage:
    update = cp.encode_awareness([cp.AwarenessEntry(c, k, state_json(s)) for c, k, s in entries])
    return m.AwarenessMessage(update)


# ---------------------------------------------------------------- Yjs content (pycrdt)


class Recorder:
    """A pycrdt Doc with a fixed client id that records each transaction's update."""

    def __init__(self, client_id: int) -> None:
        self.doc: Doc[Any] = Doc(client_id=client_id)
        self.updates: list[bytes] = []
        self.doc.observe(lambda event: self.updates.append(event.update))
        self.code = self.doc.get("code", type=Text)
        self.meta = self.doc.get("meta", type=Map)
        self.board = self.doc.get("board", type=Map)


def yjs_docs() -> dict[str, Any]:
    a = Recorder(1001)
    a.code += "def add(a, b):\n    return a + b\n"  # updates[0]
    a.meta["language"] = "python"  # updates[1]
    sv_before_emoji = a.doc.get_state()
    a.code.insert(0, "# héllo 🌍 世界\n")  # updates[2]
    a.board["el-1"] = Map(  # updates[3]
        {
            "type": "pen",
            "x": 10,
            "y": 20,
            "points": [0, 0, 3.5, 4, 8, 9],
            "color": "#1abc9c",
            "width": 2,
            "z": 1,
        }
    )
    a.board["el-2"] = Map(  # updates[4]
        {
            "type": "text",
            "x": 40,
            "y": 60,
            "w": 120,
            "h": 24,
            "text": "Ça — 好 👍",
            "color": "#e67e22",
            "width": 1,
            "z": 2,
        }
    )
    del a.code[0:4]  # updates[5]: a deletion
    two = Doc(client_id=3003)
    for u in a.updates[:2]:
        two.apply_update(u)
    empty: Doc[Any] = Doc(client_id=2002)
    return {
        "a": a,
        "empty_sv": empty.get_state(),
        "empty_update": empty.get_update(),
        "sv_before_emoji": sv_before_emoji,
        "snapshot_2": two.get_update(),  # the document after updates[0] and updates[1]
    }


# ---------------------------------------------------------------- shared sample data

INTERVIEWER = {"id": "p-7Kx2", "name": "Teal Heron", "color": "#1abc9c"}
INTERVIEWEE = {"id": "p-Q9m4", "name": "Amber Lynx", "color": "#e67e22"}
T0 = 1767225600000  # 2026-01-01T00:00:00Z in ms

LIMITS = {  # the settings SPEC.md marks "announced"
    "max_frame_bytes": 1048576,
    "max_doc_bytes": 8388608,
    "update_rate": 200,
    "chat_max_chars": 2000,
    "chat_rate": 5,
    "signal_rate": 20,
    "max_sdp_bytes": 32768,
    "max_candidate_bytes": 1024,
    "run_output_chars": 65536,
    "run_stdin_chars": 16384,
    "run_order_pieces": 2048,
    "run_rate": 1,
    "question_max_chars": 20000,
    "notes_max_chars": 20000,
}

SDP_OFFER = (
    "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    "a=group:BUNDLE 0\r\na=msid-semantic: WMS\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:Xq3d\r\na=ice-pwd:9b2Hq7LxYk3Zr1aW0pT5mN8c\r\na=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 4F:2A:9C:11:6B:D0:3E:77:A5:88:C2:19:E4:5D:0B:F6:"
    "31:CC:72:8E:1D:94:A0:6F:2B:E8:53:C7:09:BD:44:1A\r\n"
    "a=setup:actpass\r\na=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
)
SDP_ANSWER = SDP_OFFER.replace("a=setup:actpass", "a=setup:active").replace("Xq3d", "Lm8p")
RELAY_CANDIDATE = (
    "candidate:3145312487 1 udp 41885439 127.0.0.1 50202 typ relay raddr 0.0.0.0 rport 0"
)

INTERVIEWER_FORM = {
    "would_hire": True,
    "technical": 3,
    "problem_solving": 4,
    "communication": 3,
    "notes": "Clear reasoning; tested edge cases before being asked.",
}
INTERVIEWEE_FORM = {
    "would_work_with": True,
    "question_quality": 4,
    "helpfulness": 3,
    "self_assessment": 2,
    "notes": "Très bonne question — 谢谢! 🙏",
}
INTERVIEWEE_FORM_SEEN_BY_INTERVIEWER = {
    k: v for k, v in INTERVIEWEE_FORM.items() if k != "self_assessment"
}

TURN_SECRET = "turn-shared-secret-for-vectors"
TURN_USERNAME = "1767229200:p-Q9m4"


def turn_credential(secret: str, username: str) -> str:
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


# ---------------------------------------------------------------- cases per file


def yjs_cases() -> dict[str, list[Case]]:
    y = yjs_docs()
    a: Recorder = y["a"]
    return {
        "sync_step1": [
            ("state vector of an empty document", m.SyncStep1(y["empty_sv"])),
            (
                "state vector of a document with content from one client",
                m.SyncStep1(a.doc.get_state()),
            ),
        ],
        "sync_step2": [
            (
                "the whole document (answer to an empty state vector)",
                m.SyncStep2(a.doc.get_update()),
            ),
            (
                "only what the peer lacks (answer to a non-empty state vector)",
                m.SyncStep2(a.doc.get_update(y["sv_before_emoji"])),
            ),
            ("an empty document: no structs, empty delete set", m.SyncStep2(y["empty_update"])),
        ],
        "sync_update": [
            ("insert ASCII text into `code`", m.SyncUpdate(a.updates[0])),
            ("set `meta`.language", m.SyncUpdate(a.updates[1])),
            ("insert accented, emoji and CJK text into `code`", m.SyncUpdate(a.updates[2])),
            ("add a pen element to `board`", m.SyncUpdate(a.updates[3])),
            ("add a text element with non-ASCII text to `board`", m.SyncUpdate(a.updates[4])),
            ("delete a range of `code`", m.SyncUpdate(a.updates[5])),
        ],
        "awareness": [
            ("keepalive: an update with no entries (frame 01 01 00)", awareness()),
            (
                "one state as the server relays it (user stamped by the server)",
                awareness(
                    (
                        3141592653,
                        4,
                        {
                            "user": {
                                "name": "Amber Lynx",
                                "color": "#e67e22",
                                "colorLight": "#e67e2233",
                            },
                            "cursor": {"anchor": 12, "head": 17},
                        },
                    )
                ),
            ),
            ("removal: state null (the client left)", awareness((3141592653, 5, None))),
            (
                "several entries, non-ASCII text, large client id and clock",
                awareness(
                    (
                        1,
                        1,
                        {
                            "user": {
                                "name": "Zoë 🦊 狐狸",
                                "color": "#1abc9c",
                                "colorLight": "#1abc9c33",
                            }
                        },
                    ),
                    (4294967295, 300, {"typing": True, "note": "ünïcødé ✓"}),
                    (2**53 - 1, 2**32, None),
                ),
            ),
        ],
        "auth_denied": [
            ("ASCII reason", m.AuthDenied("removed from the session")),
            ("non-ASCII reason", m.AuthDenied("accès refusé 🚫 拒绝")),
            ("empty reason", m.AuthDenied("")),
        ],
        "query_awareness": [("query awareness: no payload", m.QueryAwareness())],
    }


def collab_cases() -> dict[str, list[Case]]:
    you = dict(INTERVIEWEE, role="interviewee")
    connected = dict(INTERVIEWER, role="interviewer", status="connected")
    return {
        **room_feature_cases(),
        "hello": [
            ("the smallest hello (defaults written out)", m.Hello(v=1)),
            ("first connection of the web client", m.Hello(v=1, client="collab-web/0.1.0")),
            (
                "reconnect: chat ids up to 42 already seen",
                m.Hello(v=1, client="collab-term/0.1.0 (Python 3.11)", chat_after=42),
            ),
            (
                "reconnect: chat ids up to 42 and run ids up to 7 already seen",
                m.Hello(v=1, client="collab-web/0.2.0", chat_after=42, run_after=7),
            ),
            (
                "a version this server does not speak (answered by unsupported_version)",
                m.Hello(v=2, client="from-the-future/9"),
            ),
        ],
        "welcome": [
            (
                "welcome to the interviewee",
                m.Welcome(v=1, room="room-7f3a", you=you, limits=LIMITS),
            ),
            (
                "welcome to a guest with a non-ASCII pseudonym, no limits announced",
                m.Welcome(
                    v=1,
                    room="pair_2026.01-a~b",
                    you={
                        "id": "g-1",
                        "name": "Grey Finch 灰雀",
                        "color": "#95a5a6",
                        "role": "guest",
                    },
                    limits={},
                ),
            ),
        ],
        "error": [
            (
                "answer to a request with a nonce",
                m.Error(code="rate_limited", message="chat rate exceeded", ref="c-17"),
            ),
            (
                "unknown kind, no nonce to refer to",
                m.Error(code="unknown_kind", message="unknown message kind 'teleport'"),
            ),
            (
                "unsupported version (sent just before close 4400)",
                m.Error(
                    code="unsupported_version", message="this server speaks protocol version 1"
                ),
            ),
            (
                "non-ASCII message",
                m.Error(code="too_large", message="message trop long (2001 > 2000) ✂", ref="c-18"),
            ),
        ],
        "ack": [("acknowledges a durable feedback submission", m.Ack(ref="fb-1"))],
        "session": [
            (
                "lobby: the interviewer waits, no timer",
                m.SessionState(
                    phase="lobby",
                    participants=[
                        connected,
                        dict(INTERVIEWEE, role="interviewee", status="waiting"),
                    ],
                ),
            ),
            (
                "live with the interview timer; interviewee reconnecting",
                m.SessionState(
                    phase="live",
                    ends_at=T0 + 45 * 60_000,
                    participants=[
                        connected,
                        dict(INTERVIEWEE, role="interviewee", status="reconnecting"),
                    ],
                ),
            ),
            (
                "revealed, document read-only, unmask offered until the deadline",
                m.SessionState(
                    phase="revealed",
                    ends_at=T0 + 26 * 3_600_000,
                    read_only=True,
                    unmask_offered=True,
                    participants=[
                        connected,
                        dict(INTERVIEWEE, role="interviewee", status="connected"),
                    ],
                ),
            ),
            (
                "sealed: terminal, no timer",
                m.SessionState(
                    phase="sealed",
                    read_only=True,
                    participants=[
                        dict(INTERVIEWER, role="interviewer", status="away"),
                        dict(INTERVIEWEE, role="interviewee", status="away"),
                    ],
                ),
            ),
            (
                "feedback: ends_at is the feedback deadline",
                m.SessionState(
                    phase="feedback",
                    ends_at=T0 + 24 * 3_600_000,
                    read_only=True,
                    participants=[
                        connected,
                        dict(INTERVIEWEE, role="interviewee", status="connected"),
                    ],
                ),
            ),
            (
                "sealed with its close reason: a form was missing at the feedback deadline",
                m.SessionState(
                    phase="sealed",
                    read_only=True,
                    close_reason="feedback_expired",
                    participants=[
                        connected,
                        dict(INTERVIEWEE, role="interviewee", status="away"),
                    ],
                ),
            ),
        ],
        "session.end": [("the interviewer ends the interview", m.EndInterview())],
        "chat.post": [
            ("post with a nonce", m.ChatPost(text="Can you hear me? 🎧", nonce="c-1")),
            ("accents and CJK, no nonce", m.ChatPost(text="Ça marche — 好的, ありがとう")),
            ("multi-line text", m.ChatPost(text="line 1\nline 2\ttabbed", nonce="c-2")),
        ],
        "chat.msg": [
            (
                "echo to the sender (nonce kept)",
                m.ChatMsg(
                    id=1,
                    ts=T0 + 61_000,
                    from_=INTERVIEWER,
                    text="Hi! Shall we start with the warm-up? 👋",
                    nonce="c-1",
                ),
            ),
            (
                "the same message as the other side sees it (empty nonce)",
                m.ChatMsg(
                    id=1,
                    ts=T0 + 61_000,
                    from_=INTERVIEWER,
                    text="Hi! Shall we start with the warm-up? 👋",
                ),
            ),
            (
                "emoji with ZWJ and skin tone, CJK",
                m.ChatMsg(
                    id=2,
                    ts=T0 + 75_500,
                    from_=INTERVIEWEE,
                    text="👩🏽‍💻 ready — 准备好了",
                    nonce="c-9",
                ),
            ),
        ],
        "chat.history": [
            ("nothing missed", m.ChatHistory(messages=[])),
            (
                "two messages after chat_after, in id order",
                m.ChatHistory(
                    messages=[
                        {
                            "id": 1,
                            "ts": T0 + 61_000,
                            "from": INTERVIEWER,
                            "text": "Hi! Shall we start with the warm-up? 👋",
                        },
                        {
                            "id": 2,
                            "ts": T0 + 75_500,
                            "from": INTERVIEWEE,
                            "text": "👩🏽‍💻 ready — 准备好了",
                        },
                    ]
                ),
            ),
        ],
        "chat.typing": [
            ("client to server", m.ChatTyping(on=True)),
            (
                "server to the other member (from stamped)",
                m.ChatTyping(on=False, from_=INTERVIEWEE),
            ),
        ],
        "signal": [
            (
                "offer, client to server",
                m.Signal(kind="offer", data={"sdp": SDP_OFFER}, to=INTERVIEWEE["id"]),
            ),
            (
                "answer, server to the offerer (from stamped)",
                m.Signal(
                    kind="answer", data={"sdp": SDP_ANSWER}, to=INTERVIEWER["id"], from_=INTERVIEWEE
                ),
            ),
            (
                "relay ICE candidate",
                m.Signal(
                    kind="ice",
                    data={"candidate": RELAY_CANDIDATE, "sdpMid": "0", "sdpMLineIndex": 0},
                    to=INTERVIEWEE["id"],
                ),
            ),
            (
                "end of candidates",
                m.Signal(
                    kind="ice",
                    data={"candidate": "", "sdpMid": "0", "sdpMLineIndex": 0},
                    to=INTERVIEWEE["id"],
                ),
            ),
            ("hang up", m.Signal(kind="hangup", data={}, to=INTERVIEWER["id"], from_=INTERVIEWEE)),
            (
                "ask the peer for an ICE restart",
                m.Signal(kind="restart", data={}, to=INTERVIEWEE["id"]),
            ),
            (
                "offer with a masked voice",
                m.Signal(kind="offer", data={"sdp": SDP_OFFER}, to=INTERVIEWEE["id"], masked=True),
            ),
            (
                "masking turned off during the call, relayed (from stamped)",
                m.Signal(kind="voice", data={}, to=INTERVIEWER["id"], from_=INTERVIEWEE),
            ),
        ],
        "ice.servers": [
            (
                "STUN and TURN with TURN REST credentials",
                m.IceServers(
                    servers=[
                        {"urls": ["stun:127.0.0.1:3478"]},
                        {
                            "urls": [
                                "turn:127.0.0.1:3478?transport=udp",
                                "turn:127.0.0.1:3478?transport=tcp",
                            ],
                            "username": TURN_USERNAME,
                            "credential": turn_credential(TURN_SECRET, TURN_USERNAME),
                        },
                    ]
                ),
            ),
            (
                "relay-only call",
                m.IceServers(
                    servers=[
                        {
                            "urls": ["turn:127.0.0.1:3478?transport=udp"],
                            "username": TURN_USERNAME,
                            "credential": turn_credential(TURN_SECRET, TURN_USERNAME),
                        },
                    ],
                    relay_only=True,
                ),
            ),
            ("no ICE servers configured", m.IceServers(servers=[])),
            (
                "a session that requires masked voices",
                m.IceServers(servers=[], voice_mask="required"),
            ),
        ],
        "feedback.submit": [
            ("interviewer's form", m.FeedbackSubmit(form=INTERVIEWER_FORM, nonce="fb-1")),
            (
                "interviewee's form (non-ASCII notes)",
                m.FeedbackSubmit(form=INTERVIEWEE_FORM, nonce="fb-1"),
            ),
        ],
        "feedback.status": [
            ("nobody has submitted", m.FeedbackStatus(mine="pending", theirs="pending")),
            ("I have, they have not", m.FeedbackStatus(mine="submitted", theirs="pending")),
            ("they have, I have not", m.FeedbackStatus(mine="pending", theirs="submitted")),
        ],
        "feedback.reveal": [
            (
                "to the interviewer: no self_assessment, no calibration",
                m.FeedbackReveal(
                    mine=INTERVIEWER_FORM, theirs=INTERVIEWEE_FORM_SEEN_BY_INTERVIEWER
                ),
            ),
            (
                "to the interviewee, with calibration",
                m.FeedbackReveal(
                    mine=INTERVIEWEE_FORM,
                    theirs=INTERVIEWER_FORM,
                    calibration={"self": 2, "actual": 3},
                ),
            ),
        ],
        "unmask.answer": [
            ("yes", m.UnmaskAnswer(answer="yes")),
            ("no", m.UnmaskAnswer(answer="no")),
            ("withdraw an earlier yes", m.UnmaskAnswer(answer="withdraw")),
        ],
        "unmask.status": [
            (
                "offered, not answered yet",
                m.UnmaskStatus(mine="pending", deadline=T0 + 26 * 3_600_000),
            ),
            ("I said yes", m.UnmaskStatus(mine="yes", deadline=T0 + 26 * 3_600_000)),
            ("no deadline", m.UnmaskStatus(mine="pending")),
        ],
        "unmask.result": [
            ("no mutual unmask (attributed to nobody)", m.UnmaskResult(unmasked=False)),
            (
                "mutual unmask: the other side's identity",
                m.UnmaskResult(
                    unmasked=True,
                    identity={
                        "name": "Søren Nakamura 中村",
                        "email": "soren@example.com",
                        "profile": "https://example.com/in/soren",
                    },
                ),
            ),
            (
                "mutual unmask, no profile link",
                m.UnmaskResult(
                    unmasked=True, identity={"name": "Ana Müller", "email": "ana@example.org"}
                ),
            ),
        ],
    }


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


PY_RUN = {
    "language": "python",
    "stdin": "3 4\n",
    "stdout": "7\nhé 🌍\n",
    "stderr": "",
    "exit": 0,
    "duration_ms": 38,
}
JS_EXCEPTION_RUN = {
    "language": "javascript",
    "stdout": "start\n",
    "stderr": "TypeError: add is not a function\n    at <run>:3:1\n",
    "exception": {"type": "TypeError", "message": "add is not a function", "line": 3},
    "exit": 1,
    "duration_ms": 5,
}
LOOP_RUN = {  # stopped at the time limit: no exit status, output cut at the cap
    "language": "python",
    "stdout": "tick\n" * 4,
    "duration_ms": 10_000,
    "timed_out": True,
    "truncated": ["stdout"],
}
MIXED_RUN = {  # stdout and stderr interleaved; `order` counts code points (🌍 is one)
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
    }


def frame_cases() -> list[tuple[str, list[m.Message]]]:
    y = yjs_docs()
    a: Recorder = y["a"]
    user = {"name": "Teal Heron", "color": "#1abc9c", "colorLight": "#1abc9c33"}
    return [
        (
            "server greeting: SyncStep1 then every awareness state",
            [m.SyncStep1(a.doc.get_state()), awareness((77, 3, {"user": user}))],
        ),
        (
            "SyncStep2 followed by an update",
            [m.SyncStep2(a.doc.get_update(y["sv_before_emoji"])), m.SyncUpdate(a.updates[5])],
        ),
        ("three keepalives", [awareness(), awareness(), awareness()]),
        (
            "collabd message between Yjs messages",
            [m.QueryAwareness(), m.ChatPost(text="hé 👋", nonce="c-3"), awareness((77, 4, None))],
        ),
    ]


# ---------------------------------------------------------------- invalid frames


def frame(*parts: bytes) -> bytes:
    return b"".join(parts)


def vu(n: int) -> bytes:
    out = bytearray()
    write_var_uint(out, n)
    return bytes(out)


def arr(data: bytes) -> bytes:
    out = bytearray()
    write_var_uint8_array(out, data)
    return bytes(out)


def vs(text: str) -> bytes:
    out = bytearray()
    write_var_string(out, text)
    return bytes(out)


def collab(payload: bytes) -> bytes:
    return vu(m.MSG_COLLAB) + arr(payload)


def packb(obj: Any) -> bytes:
    import msgpack  # type: ignore[import-untyped]

    return bytes(msgpack.packb(obj, use_bin_type=True))


def invalid_cases() -> list[tuple[str, bytes, type[cp.ProtocolError]]]:
    D, P, I, U = cp.DecodeError, cp.BadPayload, cp.InvalidMessage, cp.UnknownKind  # noqa: E741
    return [
        ("empty frame", b"", D),
        ("unknown message type 4", vu(4), D),
        ("unknown message type 101", vu(101) + arr(b"x"), D),
        ("sync without a sub-type", vu(0), D),
        ("unknown sync sub-type 3", vu(0) + vu(3) + arr(b"\x00"), D),
        ("SyncStep1 whose length runs past the frame", vu(0) + vu(0) + vu(5) + b"\xaa", D),
        ("varUint with 9 bytes", b"\xff" * 8 + b"\x7f", D),
        ("varUint above 2^53-1 (8 bytes)", b"\xff" * 7 + b"\x10", D),
        ("truncated varUint", b"\x80", D),
        ("awareness without its payload", vu(1), D),
        ("auth with sub-type 1", vu(2) + vu(1) + vs("no"), D),
        ("auth reason that is not UTF-8", vu(2) + vu(0) + arr(b"\xc3\x28"), D),
        ("a valid message followed by a truncated one", vu(3) + vu(0) + vu(0), D),
        ("too many messages in one frame (101 query-awareness)", vu(3) * 101, D),
        ("collabd payload that is not msgpack (0xc1)", collab(b"\xc1"), P),
        ("collabd payload with trailing bytes", collab(packb({"t": "session.end"}) + b"\xc0"), P),
        ("collabd payload with an integer map key", collab(packb({1: "x"})), P),
        ("collabd payload with a binary map key", collab(packb({b"t": "session.end"})), P),
        (
            "signal data with a binary map key (nested maps too)",
            collab(packb({"t": "signal", "kind": "hangup", "data": {b"k": 1}, "to": "p"})),
            P,
        ),
        (
            "collabd payload holding a msgpack extension type",
            collab(packb({"t": "hello", "v": 1})[:-1] + b"\xd4\x01\x00"),
            P,
        ),
        ("collabd payload that is a list", collab(packb(["hello", 1])), I),
        ("collabd map without 't'", collab(packb({"v": 1})), I),
        ("collabd 't' that is not a string", collab(packb({"t": 7})), I),
        ("unknown kind", collab(packb({"t": "teleport", "to": "mars"})), U),
        ("hello without v", collab(packb({"t": "hello"})), I),
        ("hello with a string v", collab(packb({"t": "hello", "v": "1"})), I),
        (
            "hello with v = true (booleans are not integers)",
            collab(packb({"t": "hello", "v": True})),
            I,
        ),
        (
            "hello with a field the kind does not have (unknown fields are refused)",
            collab(packb({"t": "hello", "v": 1, "feature": "x"})),
            I,
        ),
        (
            "chat.msg id above 2^53-1",
            collab(packb({"t": "chat.msg", "id": 2**53, "ts": 1, "from": {}, "text": "x"})),
            I,
        ),
        ("chat.post text as binary", collab(packb({"t": "chat.post", "text": b"hi"})), I),
        (
            "signal data that is a list",
            collab(packb({"t": "signal", "kind": "ice", "data": []})),
            I,
        ),
        (
            "a valid message then an unknown kind: the whole frame is rejected",
            vu(3) + collab(packb({"t": "nope"})),
            U,
        ),
    ]


# ---------------------------------------------------------------- join token and TURN


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def join_token(secret: bytes, payload: dict[str, Any]) -> str:
    body = "v1." + b64url(json.dumps(payload, separators=(",", ":")).encode())
    return body + "." + b64url(hmac.new(secret, body.encode(), hashlib.sha256).digest())


def token_file() -> dict[str, Any]:
    secret = bytes(range(32))
    other = b"another-secret"
    ok = {"room": "room-7f3a", "pid": "p-Q9m4", "role": "interviewee", "exp": 1767229200}
    good = join_token(secret, ok)
    head, payload, sig = good.split(".")
    tampered_payload = b64url(
        json.dumps(dict(ok, role="interviewer"), separators=(",", ":")).encode()
    )
    cases = [
        ("valid token", good, "room-7f3a", 1767225600, None),
        (
            "valid guest token, room name with every allowed punctuation",
            join_token(secret, dict(ok, room="pair_2026.01-a~b", pid="g-1", role="guest")),
            "pair_2026.01-a~b",
            1767225600,
            None,
        ),
        ("expired (now >= exp)", good, "room-7f3a", 1767229200, "expired_token"),
        ("token for another room", good, "room-0000", 1767225600, "wrong_room"),
        ("signed with another secret", join_token(other, ok), "room-7f3a", 1767225600, "bad_token"),
        (
            "payload changed after signing",
            f"{head}.{tampered_payload}.{sig}",
            "room-7f3a",
            1767225600,
            "bad_token",
        ),
        ("unknown version prefix", "v2" + good[2:], "room-7f3a", 1767225600, "bad_token"),
        ("padding is not allowed", f"{good}=", "room-7f3a", 1767225600, "bad_token"),
        ("not a token", "hello", "room-7f3a", 1767225600, "bad_token"),
    ]
    return {
        "name": "join_token",
        "secret_hex": secret.hex(),
        "cases": [
            {
                "description": d,
                "token": t,
                "room": r,
                "now": now,
                "error": e,
                **({"payload": _payload_of(t)} if e is None else {}),
            }
            for d, t, r, now, e in cases
        ],
    }


def _payload_of(token: str) -> Any:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def turn_file() -> dict[str, Any]:
    return {
        "name": "turn_credential",
        "cases": [
            {
                "description": "TURN REST credential (coturn use-auth-secret)",
                "secret": TURN_SECRET,
                "username": TURN_USERNAME,
                "credential": turn_credential(TURN_SECRET, TURN_USERNAME),
            },
        ],
    }


# ---------------------------------------------------------------- files


def file_name(kind: str) -> str:
    return "collab_" + kind.replace(".", "_")


def message_file(name: str, cases: list[Case]) -> dict[str, Any]:
    return {
        "name": name,
        "cases": [
            {"description": d, "message": to_json(msg), "hex": cp.encode(msg).hex()}
            for d, msg in cases
        ],
    }


def all_files() -> dict[str, dict[str, Any]]:
    files = {name: message_file(name, cases) for name, cases in yjs_cases().items()}
    for kind, cases in collab_cases().items():
        files[file_name(kind)] = message_file(kind, cases)
    missing = set(m.KINDS) - set(collab_cases())
    if missing:
        raise SystemExit(f"no vectors for kinds: {sorted(missing)}")
    files["frames"] = {
        "name": "frames",
        "cases": [
            {
                "description": d,
                "messages": [to_json(x) for x in msgs],
                "hex": b"".join(cp.encode(x) for x in msgs).hex(),
            }
            for d, msgs in frame_cases()
        ],
    }
    files["invalid"] = {"name": "invalid", "cases": [_invalid_case(*c) for c in invalid_cases()]}
    files["join_token"] = token_file()
    files["turn_credential"] = turn_file()
    _check_round_trips(files)
    return files


def _invalid_case(
    description: str, data: bytes, expected: type[cp.ProtocolError]
) -> dict[str, Any]:
    try:
        cp.decode_frame(data)
    except cp.ProtocolError as exc:
        if type(exc) is not expected:
            raise SystemExit(f"{description}: got {type(exc).__name__}, meant {expected}") from exc
        return {
            "description": description,
            "hex": data.hex(),
            "error": expected.__name__,
            "code": expected.code,
            "in_payload": expected.in_payload,
        }
    raise SystemExit(f"{description}: the codec accepted it")


def _check_round_trips(files: dict[str, dict[str, Any]]) -> None:
    for name, f in files.items():
        for case in f["cases"]:
            if "message" in case:
                (msg,) = cp.decode_frame(bytes.fromhex(case["hex"]))
                if to_json(msg) != case["message"]:
                    raise SystemExit(f"{name}: {case['description']} does not round-trip")


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale: list[str] = []
    VECTORS.mkdir(exist_ok=True)
    for name, data in all_files().items():
        path = VECTORS / f"{name}.json"
        text = render(data)
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path.name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print("stale vectors:", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
