"""Every payload of the session API as one typed definition (msgspec Structs).

Each request body and query is *decoded* through its Struct (msgspec validates while it parses:
types, bounds, patterns, unknown fields), each answer is *built* through its Struct, and the
OpenAPI document (openapi.py) is generated from the same Structs. So the schema cannot say one
thing while the server enforces another.

Why msgspec rather than pydantic: it parses and validates JSON in one pass from the raw bytes
(a 100k-deep body is refused at its first unexpected byte, there is no intermediate dict and no
recursion through Python's json module), it is several times faster than pydantic v2 on small
payloads, it is one small C extension with no dependencies (pydantic brings pydantic-core,
annotated-types and typing-extensions), and its JSON Schema output is plain 2020-12, which is
what OpenAPI 3.1 embeds. What pydantic has and we do not need: custom validator functions; the
few rules here (non-blank names, an "@" in emails, http(s) URLs) are regular expressions that the
schema can state too.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from ..core.lifecycle import Phase, Role
from ..core.session import CloseReason, EndedBy, Identity, SessionOptions, Status
from ..core.text import shown
from ..core.unmask import UnmaskPolicy

SQLITE_INT_MAX = 2**63 - 1
# One character that is neither white space nor a control character. Spelled out, because `\S`
# means one thing to Python's re (which validates) and another to ECMA-262 regexes (which
# JSON Schema tools use): "\x85" and "\x1f" are white space to Python only, "\ufeff" to
# ECMA-262 only. Written this way both engines read the same set.
VISIBLE = (r"[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
           r"\ufeff]")
Ms = Annotated[int, Meta(description="ms since the epoch")]


class InvalidPayload(ValueError):
    code = "invalid_payload"


def _seconds(low: float, high: float, what: str) -> Meta:
    return Meta(ge=low, le=high, description=f"{what}, in seconds")


# -- requests


class IdentityIn(Struct, forbid_unknown_fields=True):
    """A participant's real identity, kept in escrow until a mutual unmask."""

    name: Annotated[str, Meta(max_length=200, pattern=VISIBLE, description=(
        "not blank: at least one character that is neither white space nor a control "
        "character"))]
    email: Annotated[str, Meta(max_length=320, pattern="@")]
    profile: Annotated[str, Meta(max_length=2000)] = ""
    external_id: UnsetType | Annotated[str, Meta(
        min_length=1, max_length=200,
        description="the embedder's stable, opaque id of this person, so their calibration "
                    "history can span interviews (GET /api/people/{external_id}/calibration). "
                    "Never sent to the other participant, not even on unmask; stored only as "
                    "HMAC-SHA256 keyed with the server secret")] = UNSET

    def external(self) -> str | None:
        return self.external_id if isinstance(self.external_id, str) else None

    def to_core(self) -> Identity:
        # shown to the other participant on unmask
        return Identity(shown(self.name), shown(self.email), shown(self.profile))


InterviewSeconds = Annotated[float, _seconds(0.1, 24 * 3600, "length of the interview")]
FeedbackSeconds = Annotated[float, _seconds(0.1, 90 * 86400, "time to give feedback after the end")]
UnmaskSeconds = Annotated[float, _seconds(0.1, 90 * 86400, "time to answer the unmask question")]
GraceSeconds = Annotated[float, _seconds(
    0, 3600, "how long a dropped participant shows as reconnecting")]


class Options(Struct, forbid_unknown_fields=True):
    """Timers and policies of one session (all optional)."""

    interview_seconds: InterviewSeconds = 2700.0
    feedback_seconds: FeedbackSeconds = 86400.0
    unmask_seconds: UnmaskSeconds = 86400.0
    grace_seconds: GraceSeconds = 60.0
    unmask_policy: UnmaskPolicy = UnmaskPolicy.MUTUAL_POSITIVE
    relay_only: Annotated[bool, Meta(
        description="calls only through TURN: no IP address reaches the peer")] = False
    voice_mask: Annotated[Literal["optional", "default", "required"], Meta(
        description="masking of the participants' voices in the call (SPEC 14.3): optional "
                    "(each chooses, off to start with), default (on to start with, each may "
                    "turn it off) or required (on, cannot be turned off)")] = "optional"
    webhook_url: UnsetType | Annotated[str, Meta(
        pattern="^https?://", max_length=2000,
        description="POSTed on every phase change, signed with "
                    "X-Collabd-Signature: sha256=HMAC(api key, body)")] = UNSET

    def to_core(self) -> tuple[SessionOptions, dict[str, Any]]:
        """SessionOptions, and the extras the runtime keeps beside the session."""
        opts = SessionOptions(
            interview_ms=int(self.interview_seconds * 1000),
            feedback_ms=int(self.feedback_seconds * 1000),
            unmask_ms=int(self.unmask_seconds * 1000),
            grace_ms=int(self.grace_seconds * 1000), policy=self.unmask_policy)
        extra: dict[str, Any] = {"relay_only": self.relay_only} if self.relay_only else {}
        if self.voice_mask != "optional":
            extra["voice_mask"] = self.voice_mask
        if self.webhook_url is not UNSET:
            extra["webhook_url"] = self.webhook_url
        return opts, extra


class CreateSession(Struct, forbid_unknown_fields=True):
    """POST /api/sessions."""

    interviewer: IdentityIn
    interviewee: IdentityIn
    options: Options | None = None
    simulated: Annotated[bool, Meta(
        description="made by `collabd simulate`: the analytics can leave it out")] = False
    question: Annotated[str, Meta(
        description="the interview question, Markdown, shown to both participants (SPEC 8.8); "
                    "at most question_max_chars (default 20000) characters. The interviewer "
                    "may change it until the interview ends")] = ""


Kind = Annotated[Literal["real", "practice", "simulated"], Meta(
    description="real: created through this API; practice: the start page's practice "
                "interviews (POST /api/practice); simulated: created with simulated=true "
                "(`collabd simulate`)")]


class ListQuery(Struct):
    """GET /api/sessions query parameters."""

    limit: Annotated[int, Meta(ge=1, le=500)] = 100
    offset: Annotated[int, Meta(ge=0, le=SQLITE_INT_MAX)] = 0
    kind: UnsetType | Kind = UNSET


class AnalyticsQuery(Struct):
    """GET /api/analytics and GET /api/people/{external_id}/calibration query parameters:
    only real sessions count unless the others are included."""

    include_practice: bool = False
    include_simulated: bool = False

    def include(self) -> list[str]:
        return [k for k, on in (("practice", self.include_practice),
                                ("simulated", self.include_simulated)) if on]


# -- answers


class ParticipantStatus(Struct, forbid_unknown_fields=True):
    id: str
    role: Role
    pseudonym: str
    status: Status
    joined_at: Ms | None
    feedback_submitted: bool


class UnmaskSummary(Struct, forbid_unknown_fields=True):
    offered: Annotated[bool | None, Meta(description="null until the feedback is revealed")]
    unmasked: Annotated[bool | None, Meta(description="null until the session is over")]


class SessionStatus(Struct, forbid_unknown_fields=True):
    """Phases, presence, times and flags: never form contents or identities."""

    session_id: str
    phase: Phase
    read_only: bool
    created_at: Ms
    started_at: Ms | None
    ends_at: Ms | None
    ended_at: Ms | None
    ended_by: EndedBy | None
    feedback_deadline: Ms | None
    revealed_at: Ms | None
    unmask_deadline: Ms | None
    closed_at: Ms | None
    close_reason: CloseReason | None
    next_deadline: Ms | None
    participants: list[ParticipantStatus]
    unmask: UnmaskSummary
    simulated: bool
    kind: Kind


class Join(Struct, forbid_unknown_fields=True):
    pid: str
    token: str
    join_url: str


class Created(Struct, forbid_unknown_fields=True):
    session_id: str
    status: SessionStatus
    interviewer: Join
    interviewee: Join


class Skipped(Struct, forbid_unknown_fields=True):
    """A stored session that cannot be read (a damaged row): left out of the answer, named."""

    session_id: str
    reason: Annotated[str, Meta(description="why, e.g. `record is not JSON`")]


class SkippedRows(Struct, forbid_unknown_fields=True):
    count: int
    sessions: list[Skipped]


class SessionList(Struct, forbid_unknown_fields=True):
    sessions: list[SessionStatus]
    limit: int
    offset: int
    skipped: Annotated[list[Skipped], Meta(
        description="rows of this page that could not be read (damaged); `sessions` holds "
                    "the others")] = []


class Sender(Struct, forbid_unknown_fields=True):
    id: str
    name: str
    color: str


class ChatLine(Struct, forbid_unknown_fields=True):
    id: int
    ts: Ms
    sender: Sender = msgspec.field(name="from")
    text: str


class ChatLog(Struct, forbid_unknown_fields=True):
    session_id: str
    messages: list[ChatLine]


# -- the replay timeline (SPEC 18): events on one time axis, tagged by "k"


class RunException(Struct, forbid_unknown_fields=True):
    type: str
    message: str
    line: Annotated[int | None, Meta(description="1-based line of the run code")]


class TimelineUpdate(Struct, tag_field="k", tag="update", forbid_unknown_fields=True):
    """A document update as stored: Yjs v1 update, standard base64."""

    ts: Ms
    n: Annotated[int, Meta(description="1, 2, 3 ... in this timeline")]
    u: str


class TimelineSnapshot(Struct, tag_field="k", tag="snapshot", forbid_unknown_fields=True):
    """The whole document after updates 1..n (n = 0: before the first update), base64."""

    ts: Ms
    n: int
    u: str


class TimelineChat(Struct, tag_field="k", tag="chat", forbid_unknown_fields=True):
    ts: Ms
    id: int
    sender: Sender = msgspec.field(name="from")
    text: str


class TimelineRun(Struct, tag_field="k", tag="run", forbid_unknown_fields=True,
                  omit_defaults=True):
    """A run a participant did on their own machine, stamped by the server (SPEC 8.7)."""

    ts: Ms
    id: int
    sender: Sender = msgspec.field(name="from")
    language: str
    stdin: str
    stdout: str
    stderr: str
    duration_ms: int
    timed_out: bool
    truncated: list[Literal["stdin", "stdout", "stderr"]]
    exception: RunException | None = None
    exit: Annotated[int | None, Meta(description="absent when the run was stopped")] = None
    order: Annotated[list[tuple[Literal["stdout", "stderr"], int]] | None, Meta(
        description="the print order: [stream, code points] pieces that rebuild the "
                    "interleaving of stdout and stderr; absent when unknown")] = None


class TimelineQuestion(Struct, tag_field="k", tag="question", forbid_unknown_fields=True,
                       omit_defaults=True):
    ts: Ms
    text: str
    sender: Sender | None = msgspec.field(name="from", default=None)


class TimelinePhase(Struct, tag_field="k", tag="phase", forbid_unknown_fields=True):
    ts: Ms
    phase: Phase


class TimelineCall(Struct, tag_field="k", tag="call", forbid_unknown_fields=True,
                   omit_defaults=True):
    ts: Ms
    what: Literal["start", "end"]
    by: Sender
    answered: bool = True  # false on an end: hung up before anyone answered


class TimelinePresence(Struct, tag_field="k", tag="presence", forbid_unknown_fields=True):
    ts: Ms
    who: Sender
    status: Literal["connected", "reconnecting", "left"]


TimelineEvent = (TimelineUpdate | TimelineSnapshot | TimelineChat | TimelineRun
                 | TimelineQuestion | TimelinePhase | TimelineCall | TimelinePresence)


class IdentityOut(Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: str
    email: str
    profile: str = ""


class TimelineParticipant(Struct, forbid_unknown_fields=True, omit_defaults=True):
    id: str
    name: str
    color: str
    role: Role
    identity: Annotated[IdentityOut | None, Meta(
        description="only once both unmasked")] = None


class TimelineInfo(Struct, forbid_unknown_fields=True):
    session: str
    room: str
    phase: Phase
    created_at: Ms
    started_at: Ms | None
    ended_at: Ms | None
    participants: list[TimelineParticipant]
    complete: Annotated[bool, Meta(
        description="false when older document history was folded into the first snapshot")]


class Timeline(Struct, forbid_unknown_fields=True, omit_defaults=True):
    """One page of everything that happened in the session room, sorted by time (SPEC 18).
    To show the document at time t: the last snapshot with ts <= t, then the updates after it
    up to t. Ask again with `?after=<next>` until `next` is absent."""

    info: TimelineInfo
    events: list[TimelineEvent]
    next: Annotated[int | None, Meta(
        description="index of the first event of the next page (?after=); absent on the "
                    "last page")] = None


class TimelineQuery(Struct):
    """GET /api/sessions/{sid}/timeline query parameters."""

    after: Annotated[int, Meta(ge=0, description="index of the first event wanted: 0, then "
                                                 "the previous page's next")] = 0


class PracticeLinks(Struct, forbid_unknown_fields=True):
    interviewer: str
    interviewee: str


class PracticeCreated(Struct, forbid_unknown_fields=True):
    session_id: str
    links: PracticeLinks


class Health(Struct, forbid_unknown_fields=True, omit_defaults=True):
    ok: bool
    # why not (503): e.g. the embedded store's checkpoints have been failing for a while
    store: str | None = None


class ErrorBody(Struct, forbid_unknown_fields=True):
    code: Annotated[str, Meta(description="stable: invalid_payload, unauthorized, not_found, "
                                          "wrong_phase, rate_limited, analytics_unavailable")]
    message: str


class ErrorAnswer(Struct, forbid_unknown_fields=True):
    error: ErrorBody


Analytics = dict[str, Any]  # collabd.analytics.study v2 (collabd/analytics/SCHEMA.md)


class CalibrationEntry(Struct, forbid_unknown_fields=True):
    session_id: str
    ended_at: Ms
    kind: Kind
    guess: Annotated[int, Meta(description="the candidate's self-assessment, 1-4")]
    actual: Annotated[int, Meta(description="the interviewer's technical score, 1-4")]
    gap: Annotated[int, Meta(description="guess - actual (positive: rated themselves higher)")]


class GapCounts(Struct, forbid_unknown_fields=True):
    under: int
    over: int
    exact: int


class GapShares(Struct, forbid_unknown_fields=True):
    under: float | None
    over: float | None
    exact: float | None


class CalibrationTrend(Struct, forbid_unknown_fields=True):
    gap_per_interview: float | None
    abs_gap_per_interview: Annotated[float | None, Meta(
        description="least-squares slope of |gap| per interview: negative = getting closer")]
    reason: str | None


class CalibrationOptions(Struct, forbid_unknown_fields=True):
    include: list[Kind]
    last: int | None


class PersonCalibration(Struct, forbid_unknown_fields=True):
    """One person's calibration as a candidate (collabd.analytics.person v1, SCHEMA.md)."""

    schema: Literal["collabd.analytics.person"]
    version: Literal[1]
    options: CalibrationOptions
    n: int
    excluded: dict[str, int]
    sessions: list[CalibrationEntry]
    mean_gap: float | None
    mean_abs_gap: float | None
    counts: GapCounts
    shares: GapShares
    trend: CalibrationTrend
    tendency: Annotated[str | None, Meta(description="one sentence addressed to the person")]
    reason: str | None

# every named schema of the OpenAPI document
COMPONENTS: tuple[Any, ...] = (CreateSession, IdentityIn, Options, SessionStatus, Created,
                               SessionList, ChatLog, PracticeCreated, Health, ErrorAnswer,
                               PersonCalibration, Timeline, SkippedRows)


# -- decoding


_create = msgspec.json.Decoder(CreateSession)


def _fail(exc: Exception) -> InvalidPayload:
    if isinstance(exc, msgspec.ValidationError):
        return InvalidPayload(str(exc))
    return InvalidPayload(f"the body is not JSON ({exc})")


def create_session(body: bytes) -> CreateSession:
    try:
        return _create.decode(body)
    except (msgspec.DecodeError, RecursionError) as exc:
        raise _fail(exc) from None


Q = TypeVar("Q", bound=Struct)


def query(params: Any, kind: type[Q]) -> Q:
    """Query parameters (strings) converted and checked through `kind`."""
    try:
        return msgspec.convert(dict(params), kind, strict=False)
    except msgspec.ValidationError as exc:
        raise InvalidPayload(str(exc).replace("`$.", "query parameter `")) from None


def answer(value: Any, kind: type[Struct]) -> bytes:
    """JSON bytes of an answer, built through (and so checked by) its Struct."""
    return msgspec.json.encode(msgspec.convert(value, kind, from_attributes=False))

