"""The vectors' decoded (JSON) form, their pycrdt documents and shared sample data."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from pycrdt import Doc, Map, Text

import collab_protocol as cp
from collab_protocol import messages as m

Case = tuple[str, m.Message]




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
    two: Doc[Any] = Doc(client_id=3003)
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
    "recording_chunk_bytes": 131072,
    "recording_chunk_ms": 10000,
    "recording_rate": 16384,
    "recording_max_bytes": 33554432,
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
