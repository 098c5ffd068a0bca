"""The recorded call's payloads (SPEC 14.4): a page of chunks GET /api/sessions/{sid}/recording
answers, and what DELETE answers."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct

from .fields import SQLITE_INT_MAX, Ms


class RecordingQuery(Struct):
    """GET /api/sessions/{sid}/recording query parameters."""

    after: Annotated[int, Meta(ge=0, le=SQLITE_INT_MAX, description=(
        "the id of the last chunk already held: 0, then the previous page's next"))] = 0


class RecordingChunk(Struct, forbid_unknown_fields=True):
    id: Annotated[int, Meta(description="increasing in the order chunks were stored")]
    by: Annotated[str, Meta(description="the participant id of the speaker")]
    run: Annotated[int, Meta(description="the speaker's recorder run: the chunks of one run, "
                                         "in seq order, concatenated, are one audio file")]
    seq: int
    ts: Annotated[Ms, Meta(description="where the chunk starts on the session's timeline")]
    ms: Annotated[int, Meta(description="milliseconds of audio in it, by the recorder")]
    data: Annotated[str, Meta(description="the audio bytes (WebM/Opus from the web client), "
                                          "base64")]


class RecordingPage(Struct, forbid_unknown_fields=True, omit_defaults=True):
    """One page of a session's recorded call (SPEC 14.4), both participants' chunks."""

    session_id: str
    chunks: list[RecordingChunk]
    next: Annotated[int | None, Meta(
        description="?after= for the next page; absent on the last page")] = None


class RecordingDeleted(Struct, forbid_unknown_fields=True):
    session_id: str
    deleted: Annotated[int, Meta(description="chunks deleted")]
