"""The replay timeline's payloads (SPEC 18): events on one time axis, tagged by "k", and the
page of them GET /api/sessions/{sid}/timeline answers."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

from ..core.lifecycle import Phase, Role
from .fields import Ms, Sender


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
