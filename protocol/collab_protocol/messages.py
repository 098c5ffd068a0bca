"""Typed, frozen message classes for protocol v1 (see SPEC.md for the byte grammar).

Yjs messages (types 0-3) carry raw bytes. collabd messages (type 100) carry a msgpack map whose
"t" key names the kind; each kind is a msgspec Struct below, tagged with its kind, and the
Structs are the schema: the codec decodes straight into them (in C), SPEC.md's tables and the
web client's schema module are generated from them (protocol/gen_schema.py). Unknown fields are
refused. A field named `from_` travels as "from".
"""

# No `from __future__ import annotations`: msgspec reads the annotations as real types.
import types
import typing
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

import msgspec
from msgspec import Meta, field

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

# Section 7's bounds on what a field may hold.
MAX_SAFE = 2**53 - 1  # integers JavaScript holds exactly
MAX_STR_LEN = 1 << 20
MAX_ARRAY_LEN = 10_000
MAX_MAP_LEN = 1_000
MAX_DEPTH = 8  # maps and arrays nested inside one field


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


# ---------------------------------------------------------------- field types

Int = Annotated[int, Meta(ge=-MAX_SAFE, le=MAX_SAFE)]
_Str = Annotated[str, Meta(max_length=MAX_STR_LEN)]


def nested_value(depth: int) -> Any:
    """A value inside a field: scalars, and lists and string-keyed maps `depth` levels deep."""
    value: Any = None | bool | int | float | _Str
    for _ in range(depth):
        value = (None | bool | int | float | _Str
                 | Annotated[list[value], Meta(max_length=MAX_ARRAY_LEN)]
                 | Annotated[dict[str, value], Meta(max_length=MAX_MAP_LEN)])
    return value


# A field holding maps or arrays. What may be inside (section 7: string keys, no binaries or
# extension types, MAX_DEPTH levels) is checked by the codec with one shared nested_value()
# decoder: spelled out in each Struct, that type tree would cost msgspec ~30 ms per kind to build.
Map = dict[str, Any]
List = list[Any]


def holds_containers(tp: Any) -> bool:
    """True for a field type that holds maps or arrays (Map, List, or either | None)."""
    if typing.get_origin(tp) is Annotated:
        tp = typing.get_args(tp)[0]
    if typing.get_origin(tp) in (types.UnionType, typing.Union):
        return any(holds_containers(arg) for arg in typing.get_args(tp))
    return tp in (dict, list, Any) or typing.get_origin(tp) in (dict, list)


# ---------------------------------------------------------------- collabd (type 100)


class CollabMessage(msgspec.Struct, frozen=True, tag_field="t", forbid_unknown_fields=True):
    KIND: ClassVar[str] = ""


KINDS: dict[str, type[CollabMessage]] = {}


def _kind(cls: Any) -> Any:
    tag = cls.__struct_config__.tag
    cls.KIND = tag
    KINDS[tag] = cls
    return cls
# -- both directions / handshake


@_kind
class Hello(CollabMessage, frozen=True, tag="hello"):
    """Client -> server, first collabd message. Until it arrives the server sends only types 0-3."""

    v: Int
    client: str = ""
    chat_after: Int = 0  # highest chat id already seen (reconnect); 0 = send the whole history
    run_after: Int | None = None  # highest run id already seen; absent or 0 = every run


@_kind
class Welcome(CollabMessage, frozen=True, tag="welcome"):
    v: Int
    room: str
    you: Map  # {id, name, color, role}: the receiver's own pseudonym
    limits: Map


@_kind
class Error(CollabMessage, frozen=True, tag="error"):
    code: str
    message: str
    ref: str = ""  # the nonce of the request it answers, if any


@_kind
class Ack(CollabMessage, frozen=True, tag="ack"):
    ref: str


# -- session


@_kind
class SessionState(CollabMessage, frozen=True, tag="session"):
    phase: str
    participants: List  # [{id, name, color, role, status}]
    ends_at: Int | None = None  # ms since epoch, end of the current phase's timer
    read_only: bool = False
    unmask_offered: bool = False
    close_reason: str | None = None  # why a closed (terminal) session closed; SPEC 8.2


@_kind
class EndInterview(CollabMessage, frozen=True, tag="session.end"):
    pass


# -- chat


@_kind
class ChatPost(CollabMessage, frozen=True, tag="chat.post"):
    text: str
    nonce: str = ""


@_kind
class ChatMsg(CollabMessage, frozen=True, tag="chat.msg"):
    id: Int
    ts: Int  # server time, ms since epoch
    # {id, name, color}: the sender's pseudonym, stamped by the server
    from_: Map = field(name="from")
    text: str
    nonce: str = ""  # echoed to the sender only


@_kind
class ChatHistory(CollabMessage, frozen=True, tag="chat.history"):
    messages: List  # chat.msg maps without "t"


@_kind
class ChatTyping(CollabMessage, frozen=True, tag="chat.typing"):
    on: bool
    from_: Map | None = field(default=None, name="from")  # set by the server when relaying


# -- voice signaling


@_kind
class Signal(CollabMessage, frozen=True, tag="signal"):
    kind: str  # offer | answer | ice | hangup | restart | voice
    data: Map
    to: str = ""  # participant (pseudonym) id; client -> server
    from_: Map | None = field(default=None, name="from")  # set by the server when relaying
    masked: bool = False  # offer | answer | voice: the sender's outgoing voice is masked


@_kind
class IceServers(CollabMessage, frozen=True, tag="ice.servers"):
    servers: List  # RTCIceServer dicts: {urls, username?, credential?}
    relay_only: bool = False
    voice_mask: str = "optional"  # optional | default | required (SPEC 14.3)


# -- feedback and unmask


@_kind
class FeedbackSubmit(CollabMessage, frozen=True, tag="feedback.submit"):
    form: Map
    nonce: str = ""


@_kind
class FeedbackStatus(CollabMessage, frozen=True, tag="feedback.status"):
    mine: str  # pending | submitted
    theirs: str  # pending | submitted


@_kind
class FeedbackReveal(CollabMessage, frozen=True, tag="feedback.reveal"):
    mine: Map
    theirs: Map
    calibration: Map | None = None  # interviewee only: {self, actual}


@_kind
class UnmaskAnswer(CollabMessage, frozen=True, tag="unmask.answer"):
    answer: str  # yes | no | withdraw


@_kind
class UnmaskStatus(CollabMessage, frozen=True, tag="unmask.status"):
    mine: str  # pending | yes | no
    deadline: Int | None = None


@_kind
class UnmaskResult(CollabMessage, frozen=True, tag="unmask.result"):
    unmasked: bool
    identity: Map | None = None  # the other side's {name, email, profile}


# -- runs (SPEC 8.7): a client runs the code itself and reports the result


@_kind
class RunResult(CollabMessage, frozen=True, tag="run.result"):
    """Client -> server: the result of a run this client did. Who and when: the server."""

    language: str
    stdin: str = ""
    stdout: str = ""
    stderr: str = ""
    exception: Map | None = None  # {type, message, line (int | nil)}
    exit: Int | None = None  # absent when the run was stopped (timed_out)
    duration_ms: Int = 0
    timed_out: bool = False
    truncated: List = field(default_factory=list)  # names of cut fields
    order: List | None = None  # [[stream, code points], ...]: the print order of the output
    nonce: str = ""


@_kind
class RunMsg(CollabMessage, frozen=True, tag="run.msg"):
    """Server -> both participants: a stored run, stamped with its runner and time."""

    id: Int
    ts: Int
    from_: Map = field(name="from")  # the runner's pseudonym, stamped by the server
    language: str
    stdin: str = ""
    stdout: str = ""
    stderr: str = ""
    exception: Map | None = None
    exit: Int | None = None
    duration_ms: Int = 0
    timed_out: bool = False
    truncated: List = field(default_factory=list)
    order: List | None = None
    nonce: str = ""  # echoed to the runner's connection only


@_kind
class RunHistory(CollabMessage, frozen=True, tag="run.history"):
    runs: List  # run.msg maps without "t" and "nonce", in id order


# -- the question (SPEC 8.8)


@_kind
class QuestionSet(CollabMessage, frozen=True, tag="question.set"):
    text: str  # Markdown; interviewer only
    nonce: str = ""


@_kind
class Question(CollabMessage, frozen=True, tag="question"):
    text: str  # "" when no question was set
    ts: Int | None = None  # when it was last set
    # the setter's pseudonym; absent when the embedder set it
    from_: Map | None = field(default=None, name="from")
    nonce: str = ""


# -- private notes (SPEC 8.9): only ever sent to their owner


@_kind
class NotesSave(CollabMessage, frozen=True, tag="notes.save"):
    text: str  # the whole pad; the last save wins
    nonce: str = ""


@_kind
class Notes(CollabMessage, frozen=True, tag="notes"):
    text: str
    ts: Int | None = None  # when it was last saved; absent when never
    nonce: str = ""


# -- replay (SPEC 8.10)


@_kind
class TimelineGet(CollabMessage, frozen=True, tag="timeline.get"):
    after: Int = 0  # index of the first event wanted (a previous page's `next`)
    nonce: str = ""


@_kind
class Timeline(CollabMessage, frozen=True, tag="timeline"):
    info: Map  # session, room, phase, times, participants, complete
    events: List  # events[after:after+k] of the one time axis
    next: Int | None = None  # pass back as `after` for the next page; absent on the last
    nonce: str = ""



# -- the call in the replay (SPEC 8.11): recorded only with both participants' consent


@_kind
class RecordingConsent(CollabMessage, frozen=True, tag="recording.consent"):
    yes: bool  # the sender agrees (true) or does not / no longer (false)


@_kind
class RecordingState(CollabMessage, frozen=True, tag="recording"):
    allowed: bool  # the session may record calls at all
    on: bool  # both consented and the interview is live: chunks are stored
    mine: bool | None = None  # the receiver's answer; absent before it answered
    theirs: bool | None = None  # the other participant's answer; absent before it answered


@_kind
class RecordingChunk(CollabMessage, frozen=True, tag="recording.chunk"):
    """Client -> server: a piece of the sender's own outgoing audio (never relayed)."""

    run: Int  # the recorder run (a new MediaRecorder start: a new run)
    seq: Int  # 0, 1, 2 ... within the run
    ms: Int  # milliseconds of audio in the chunk, by the sender's recorder
    data: str  # the bytes, standard base64 (binaries go in no field, section 7)
    nonce: str = ""


@_kind
class RecordingGet(CollabMessage, frozen=True, tag="recording.get"):
    after: Int = 0  # the id of the last chunk already held
    nonce: str = ""


@_kind
class RecordingChunks(CollabMessage, frozen=True, tag="recording.chunks"):
    chunks: List  # [{id, by, run, seq, ts, ms, data}] in id order
    next: Int | None = None  # pass back as `after`; absent on the last page
    nonce: str = ""

Message = YMessage | CollabMessage


def union() -> Any:
    """The tagged union of every collabd kind (for msgspec.json.schema and msgspec.convert)."""
    out: Any = None
    for cls in KINDS.values():
        out = cls if out is None else out | cls
    return out
