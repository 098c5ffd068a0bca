"""Typed, frozen message classes for protocol v1 (see SPEC.md for the byte grammar).

Yjs messages (types 0-3) carry raw bytes. collabd messages (type 100) carry a msgpack map whose
"t" key names the kind; each kind is a dataclass below. Field annotations are the schema: the
codec checks every field's type when it decodes. A field named `from_` travels as "from".
"""

# No `from __future__ import annotations`: the codec reads the annotations as real types.
import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

PROTOCOL_VERSION = 1

# Message types (the first varUint of every message).
MSG_SYNC = 0
MSG_AWARENESS = 1
MSG_AUTH = 2
MSG_QUERY_AWARENESS = 3
MSG_COLLAB = 100  # outside Hocuspocus's 0-10 and anything y-protocols defines

# Sync sub-types.
SYNC_STEP1 = 0
SYNC_STEP2 = 1
SYNC_UPDATE = 2


# ---------------------------------------------------------------- Yjs (types 0-3)


@dataclass(frozen=True, slots=True)
class SyncStep1:
    state_vector: bytes


@dataclass(frozen=True, slots=True)
class SyncStep2:
    update: bytes


@dataclass(frozen=True, slots=True)
class SyncUpdate:
    update: bytes


@dataclass(frozen=True, slots=True)
class AwarenessMessage:
    """An awareness update, kept as bytes; see awareness.decode_awareness for its entries."""

    update: bytes


@dataclass(frozen=True, slots=True)
class AuthDenied:
    reason: str


@dataclass(frozen=True, slots=True)
class QueryAwareness:
    pass


YMessage = SyncStep1 | SyncStep2 | SyncUpdate | AwarenessMessage | AuthDenied | QueryAwareness


# ---------------------------------------------------------------- collabd (type 100)


@dataclass(frozen=True, slots=True)
class CollabMessage:
    KIND: ClassVar[str] = ""


KINDS: dict[str, type[CollabMessage]] = {}


def _kind(name: str) -> Any:
    def register(cls: type[CollabMessage]) -> type[CollabMessage]:
        cls.KIND = name
        KINDS[name] = cls
        return cls

    return register


# -- both directions / handshake


@_kind("hello")
@dataclass(frozen=True, slots=True)
class Hello(CollabMessage):
    """Client -> server, first collabd message. Until it arrives the server sends only types 0-3."""

    v: int
    client: str = ""
    chat_after: int = 0  # highest chat id already seen (reconnect); 0 = send the whole history
    run_after: int | None = None  # highest run id already seen; absent or 0 = every run


@_kind("welcome")
@dataclass(frozen=True, slots=True)
class Welcome(CollabMessage):
    v: int
    room: str
    you: dict[str, Any]  # {id, name, color, role}: the receiver's own pseudonym
    limits: dict[str, Any]


@_kind("error")
@dataclass(frozen=True, slots=True)
class Error(CollabMessage):
    code: str
    message: str
    ref: str = ""  # the nonce of the request it answers, if any


@_kind("ack")
@dataclass(frozen=True, slots=True)
class Ack(CollabMessage):
    ref: str


# -- session


@_kind("session")
@dataclass(frozen=True, slots=True)
class SessionState(CollabMessage):
    phase: str
    participants: list[Any]  # [{id, name, color, role, status}]
    ends_at: int | None = None  # ms since epoch, end of the current phase's timer
    read_only: bool = False
    unmask_offered: bool = False
    close_reason: str | None = None  # why a closed (terminal) session closed; SPEC 8.2


@_kind("session.end")
@dataclass(frozen=True, slots=True)
class EndInterview(CollabMessage):
    pass


# -- chat


@_kind("chat.post")
@dataclass(frozen=True, slots=True)
class ChatPost(CollabMessage):
    text: str
    nonce: str = ""


@_kind("chat.msg")
@dataclass(frozen=True, slots=True)
class ChatMsg(CollabMessage):
    id: int
    ts: int  # server time, ms since epoch
    from_: dict[str, Any]  # {id, name, color}: the sender's pseudonym, stamped by the server
    text: str
    nonce: str = ""  # echoed to the sender only


@_kind("chat.history")
@dataclass(frozen=True, slots=True)
class ChatHistory(CollabMessage):
    messages: list[Any]  # chat.msg maps without "t"


@_kind("chat.typing")
@dataclass(frozen=True, slots=True)
class ChatTyping(CollabMessage):
    on: bool
    from_: dict[str, Any] | None = None  # set by the server when relaying


# -- voice signaling


@_kind("signal")
@dataclass(frozen=True, slots=True)
class Signal(CollabMessage):
    kind: str  # offer | answer | ice | hangup | restart
    data: dict[str, Any]
    to: str = ""  # participant (pseudonym) id; client -> server
    from_: dict[str, Any] | None = None  # set by the server when relaying


@_kind("ice.servers")
@dataclass(frozen=True, slots=True)
class IceServers(CollabMessage):
    servers: list[Any]  # RTCIceServer dicts: {urls, username?, credential?}
    relay_only: bool = False


# -- feedback and unmask


@_kind("feedback.submit")
@dataclass(frozen=True, slots=True)
class FeedbackSubmit(CollabMessage):
    form: dict[str, Any]
    nonce: str = ""


@_kind("feedback.status")
@dataclass(frozen=True, slots=True)
class FeedbackStatus(CollabMessage):
    mine: str  # pending | submitted
    theirs: str  # pending | submitted


@_kind("feedback.reveal")
@dataclass(frozen=True, slots=True)
class FeedbackReveal(CollabMessage):
    mine: dict[str, Any]
    theirs: dict[str, Any]
    calibration: dict[str, Any] | None = None  # interviewee only: {self, actual}


@_kind("unmask.answer")
@dataclass(frozen=True, slots=True)
class UnmaskAnswer(CollabMessage):
    answer: str  # yes | no | withdraw


@_kind("unmask.status")
@dataclass(frozen=True, slots=True)
class UnmaskStatus(CollabMessage):
    mine: str  # pending | yes | no
    deadline: int | None = None


@_kind("unmask.result")
@dataclass(frozen=True, slots=True)
class UnmaskResult(CollabMessage):
    unmasked: bool
    identity: dict[str, Any] | None = None  # the other side's {name, email, profile}


# -- runs (SPEC 8.7): a client runs the code itself and reports the result


@_kind("run.result")
@dataclass(frozen=True, slots=True)
class RunResult(CollabMessage):
    """Client -> server: the result of a run this client did. Who and when: the server."""

    language: str
    stdin: str = ""
    stdout: str = ""
    stderr: str = ""
    exception: dict[str, Any] | None = None  # {type, message, line (int | nil)}
    exit: int | None = None  # absent when the run was stopped (timed_out)
    duration_ms: int = 0
    timed_out: bool = False
    truncated: list[Any] = dataclasses.field(default_factory=list)  # names of cut fields
    nonce: str = ""


@_kind("run.msg")
@dataclass(frozen=True, slots=True)
class RunMsg(CollabMessage):
    """Server -> both participants: a stored run, stamped with its runner and time."""

    id: int
    ts: int
    from_: dict[str, Any]  # the runner's pseudonym, stamped by the server
    language: str
    stdin: str = ""
    stdout: str = ""
    stderr: str = ""
    exception: dict[str, Any] | None = None
    exit: int | None = None
    duration_ms: int = 0
    timed_out: bool = False
    truncated: list[Any] = dataclasses.field(default_factory=list)
    nonce: str = ""  # echoed to the runner's connection only


@_kind("run.history")
@dataclass(frozen=True, slots=True)
class RunHistory(CollabMessage):
    runs: list[Any]  # run.msg maps without "t" and "nonce", in id order


# -- the question (SPEC 8.8)


@_kind("question.set")
@dataclass(frozen=True, slots=True)
class QuestionSet(CollabMessage):
    text: str  # Markdown; interviewer only
    nonce: str = ""


@_kind("question")
@dataclass(frozen=True, slots=True)
class Question(CollabMessage):
    text: str  # "" when no question was set
    ts: int | None = None  # when it was last set
    from_: dict[str, Any] | None = None  # the setter's pseudonym; absent when the embedder set it
    nonce: str = ""


# -- private notes (SPEC 8.9): only ever sent to their owner


@_kind("notes.save")
@dataclass(frozen=True, slots=True)
class NotesSave(CollabMessage):
    text: str  # the whole pad; the last save wins
    nonce: str = ""


@_kind("notes")
@dataclass(frozen=True, slots=True)
class Notes(CollabMessage):
    text: str
    ts: int | None = None  # when it was last saved; absent when never
    nonce: str = ""


# -- replay (SPEC 8.10)


@_kind("timeline.get")
@dataclass(frozen=True, slots=True)
class TimelineGet(CollabMessage):
    after: int = 0  # index of the first event wanted (a previous page's `next`)
    nonce: str = ""


@_kind("timeline")
@dataclass(frozen=True, slots=True)
class Timeline(CollabMessage):
    info: dict[str, Any]  # session, room, phase, times, participants, complete
    events: list[Any]  # events[after:after+k] of the one time axis
    next: int | None = None  # pass back as `after` for the next page; absent on the last
    nonce: str = ""


Message = YMessage | CollabMessage


def wire_name(field: dataclasses.Field[Any]) -> str:
    return field.name[:-1] if field.name.endswith("_") else field.name
