"""Every payload of the session API as one typed definition (msgspec Structs): the requests
and session answers here, the replay timeline's in timeline_payloads.py, the analytics answers
in calibration_payloads.py, field types they share in fields.py.

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
from .calibration_payloads import PersonCalibration
from .fields import SQLITE_INT_MAX, VISIBLE, Kind, Ms, Sender
from .recording_payloads import RecordingDeleted, RecordingPage
from .timeline_payloads import Timeline


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
    recording: Annotated[Literal["consent", "off"], Meta(
        description="recording of the call for the replay (SPEC 14.4): consent (recorded "
                    "only while both participants consent; the default) or off (never "
                    "recorded, nobody is asked)")] = "consent"
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
            grace_ms=int(self.grace_seconds * 1000), policy=self.unmask_policy,
            recording=self.recording != "off")
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


class RecordingSummary(Struct, forbid_unknown_fields=True):
    allowed: Annotated[bool, Meta(description="the session may record its call (options."
                                              "recording is not off)")]
    on: Annotated[bool, Meta(description="the call is being recorded now: both consented "
                                         "and the interview is live")]
    consented: Annotated[list[Role], Meta(description="the roles whose consent stands now")]


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
    recording: RecordingSummary
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


class ChatLine(Struct, forbid_unknown_fields=True):
    id: int
    ts: Ms
    sender: Sender = msgspec.field(name="from")
    text: str


class ChatLog(Struct, forbid_unknown_fields=True):
    session_id: str
    messages: list[ChatLine]


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


# every named schema of the OpenAPI document
COMPONENTS: tuple[Any, ...] = (CreateSession, IdentityIn, Options, SessionStatus, Created,
                               SessionList, ChatLog, PracticeCreated, Health, ErrorAnswer,
                               PersonCalibration, Timeline, SkippedRows, RecordingPage,
                               RecordingDeleted)


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

