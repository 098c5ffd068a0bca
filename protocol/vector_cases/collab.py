"""Vectors of the collabd messages (type 100), one list per kind."""

from __future__ import annotations

from collab_protocol import messages as m

from .common import (
    INTERVIEWEE,
    INTERVIEWEE_FORM,
    INTERVIEWEE_FORM_SEEN_BY_INTERVIEWER,
    INTERVIEWER,
    INTERVIEWER_FORM,
    LIMITS,
    RELAY_CANDIDATE,
    SDP_ANSWER,
    SDP_OFFER,
    T0,
    TURN_SECRET,
    TURN_USERNAME,
    Case,
    turn_credential,
)
from .room import room_feature_cases


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
