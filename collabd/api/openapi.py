"""The OpenAPI 3.1 document of the session API (served at GET /api/openapi.json).

Generated from the payload Structs of payloads.py, the same types that decode requests and build
answers; only the prose (summaries, error meanings) and the examples are written here, and a
test checks every example against the generated schemas.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from . import payloads as p
from .calibration_payloads import PersonCalibration
from .recording_payloads import RecordingDeleted, RecordingPage, RecordingQuery
from .timeline_payloads import Timeline, TimelineQuery

REF = "#/components/schemas/{name}"


def _ref(kind: type) -> dict[str, str]:
    return {"$ref": REF.format(name=kind.__name__)}


def _json(kind: type, description: str, example: Any = None) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": _ref(kind)}
    if example is not None:
        media["example"] = example
    return {"description": description, "content": {"application/json": media}}


def _error(code: str, meaning: str, message: str) -> dict[str, Any]:
    return _json(p.ErrorAnswer, f"`{code}`: {meaning}",
                 {"error": {"code": code, "message": message}})


def _query_parameters(kind: type) -> list[dict[str, Any]]:
    _, components = msgspec.json.schema_components([kind], ref_template=REF)
    props = components[kind.__name__]["properties"]
    return [{"name": name, "in": "query", "required": False, "schema": prop}
            for name, prop in props.items()]


BAD = {"400": _error("invalid_payload", "the body or a parameter is not valid (the message "
                     "names the field)", "Expected `float` <= 86400.0 - at "
                     "`$.options.interview_seconds`")}
AUTH = {"401": _error("unauthorized", "missing or wrong API key",
                      "a valid API key is required (Bearer)")}
NOT_FOUND = {"404": _error("not_found", "no such session", "no such session")}
WRONG_PHASE = {"409": _error("wrong_phase", "not possible in the current phase",
                             "end is not possible in phase sealed")}
UNAVAILABLE = {"503": _error("store_unavailable", "the store cannot be reached now (for "
                             "instance PostgreSQL is down); retry later",
                             "the store cannot be reached now, retry later")}
DAMAGED = {"500": _error("damaged_session", "the stored session cannot be read (a damaged "
                         "row; the server log says why)", "session s-Yk2xQm9uZXlCYWRn cannot "
                         "be read: record is not JSON")}
SID = [{"name": "sid", "in": "path", "required": True, "schema": {"type": "string"}}]
EXTERNAL_ID = {"name": "external_id", "in": "path", "required": True,
               "schema": {"type": "string", "minLength": 1, "maxLength": 200}}

# -- examples (checked against the schemas by tests/api/test_openapi.py)

ALICE = {"name": "Alice Example", "email": "alice@example.org",
         "profile": "https://example.org/alice"}
BOB = {"name": "Bob Example", "email": "bob@example.net"}
CREATE_EXAMPLE = {"interviewer": ALICE, "interviewee": BOB,
                  "options": {"interview_seconds": 3600, "relay_only": True,
                              "webhook_url": "https://hooks.example.org/collabd"}}
STATUS_EXAMPLE: dict[str, Any] = {
    "session_id": "s-3kq9TzB0aW1xYm5v", "phase": "live", "read_only": False,
    "created_at": 1767225600000, "started_at": 1767225660000, "ends_at": 1767229260000,
    "ended_at": None, "ended_by": None, "feedback_deadline": None, "revealed_at": None,
    "unmask_deadline": None, "closed_at": None, "close_reason": None,
    "next_deadline": 1767229260000,
    "participants": [
        {"id": "p-Qm9uZXlCYWRn", "role": "interviewer", "pseudonym": "Teal Heron",
         "status": "connected", "joined_at": 1767225630000, "feedback_submitted": False},
        {"id": "p-V2hpdGVPd2xz", "role": "interviewee", "pseudonym": "Amber Lynx",
         "status": "connected", "joined_at": 1767225660000, "feedback_submitted": False}],
    "unmask": {"offered": False, "unmasked": None},
    "recording": {"allowed": True, "on": True, "consented": ["interviewer", "interviewee"]},
    "simulated": False,
    "kind": "real",
}
SEALED_EXAMPLE = {**STATUS_EXAMPLE, "phase": "sealed", "read_only": True, "started_at": None,
                  "ends_at": None, "ended_at": 1767225700000, "ended_by": "embedder",
                  "closed_at": 1767225700000, "close_reason": "ended_in_lobby",
                  "next_deadline": None, "unmask": {"offered": False, "unmasked": False}}
JOIN_URL = "https://interviews.example.org/join#token=eyJyIjoi..."
CREATED_EXAMPLE = {
    "session_id": STATUS_EXAMPLE["session_id"],
    "status": {**STATUS_EXAMPLE, "phase": "lobby", "started_at": None, "ends_at": None,
               "next_deadline": None,
               "participants": [{**q, "status": "waiting", "joined_at": None}
                                for q in STATUS_EXAMPLE["participants"]]},
    "interviewer": {"pid": "p-Qm9uZXlCYWRn", "token": "eyJyIjoi...", "join_url": JOIN_URL},
    "interviewee": {"pid": "p-V2hpdGVPd2xz", "token": "eyJyIjoi...", "join_url": JOIN_URL},
}
LIST_EXAMPLE = {"sessions": [STATUS_EXAMPLE], "limit": 100, "offset": 0, "skipped": [
    {"session_id": "s-Yk2xQm9uZXlCYWRn", "reason": "record is not JSON"}]}
CHAT_EXAMPLE = {"session_id": STATUS_EXAMPLE["session_id"], "messages": [
    {"id": 1, "ts": 1767225700000, "from": {"id": "p-Qm9uZXlCYWRn", "name": "Teal Heron",
                                            "color": "#0f766e"}, "text": "Hello!"}]}
TL_PEOPLE = [{"id": "p-Qm9uZXlCYWRn", "name": "Teal Heron", "color": "#0f766e"},
             {"id": "p-V2hpdGVPd2xz", "name": "Amber Lynx", "color": "#b45309"}]
TIMELINE_EXAMPLE = {
    "info": {"session": STATUS_EXAMPLE["session_id"], "room": STATUS_EXAMPLE["session_id"],
             "phase": "revealed", "created_at": 1767225600000, "started_at": 1767225660000,
             "ended_at": 1767228360000,
             "participants": [{**TL_PEOPLE[0], "role": "interviewer"},
                              {**TL_PEOPLE[1], "role": "interviewee"}],
             "complete": True},
    "events": [
        {"k": "phase", "ts": 1767225600000, "phase": "lobby"},
        {"k": "question", "ts": 1767225600000, "text": "# Two sum\n\nReturn the indexes..."},
        {"k": "phase", "ts": 1767225660000, "phase": "live"},
        {"k": "update", "ts": 1767225671250, "n": 1,
         "u": "AQHpBwAEAQRjb2RlCWRlZiBmKCk6CgA="},  # 'def f():\n' typed into `code`
        {"k": "snapshot", "ts": 1767225671250, "n": 1,
         "u": "AQHpBwAEAQRjb2RlCWRlZiBmKCk6CgA="},
        {"k": "call", "ts": 1767225680000, "what": "start", "by": TL_PEOPLE[0]},
        {"k": "chat", "ts": 1767225700000, "id": 1, "from": TL_PEOPLE[0], "text": "Hello!"},
        {"k": "run", "ts": 1767225900000, "id": 1, "from": TL_PEOPLE[1],
         "language": "python", "stdin": "", "stdout": "7\n", "stderr": "", "exit": 0,
         "duration_ms": 38, "timed_out": False, "truncated": []},
        {"k": "phase", "ts": 1767228360000, "phase": "feedback"},
        {"k": "phase", "ts": 1767228900000, "phase": "revealed"}]}
RECORDING_EXAMPLE = {"session_id": STATUS_EXAMPLE["session_id"], "chunks": [
    {"id": 1, "by": "p-Qm9uZXlCYWRn", "run": 0, "seq": 0, "ts": 1767225680000, "ms": 1000,
     "data": "GkXfo59ChoEBQveBAULygQRC84EIQoKEd2VibUKHgQRChYECGFOAZwH/////////"}],
    "next": 1}
ENDED_FIRST = {"409": _error("wrong_phase", "the session has not ended yet: a recording is "
                             "never served before", "the recording is served once the "
                             "session has ended")}
PRACTICE_EXAMPLE = {"session_id": STATUS_EXAMPLE["session_id"],
                    "links": {"interviewer": JOIN_URL, "interviewee": JOIN_URL}}


CALIBRATION_EXAMPLE = {
    "schema": "collabd.analytics.person", "version": 1,
    "options": {"include": ["real"], "last": None}, "n": 3,
    "excluded": {"practice": 0, "simulated": 0, "not_ended": 0, "interviewer_form_missing": 0,
                 "interviewee_form_missing": 1, "interviewer_form_invalid": 0,
                 "interviewee_form_invalid": 0},
    "sessions": [
        {"session_id": "s-3kq9TzB0aW1xYm5v", "ended_at": 1767229260000, "kind": "real",
         "guess": 2, "actual": 3, "gap": -1},
        {"session_id": "s-Yk2xQm9uZXlCYWRn", "ended_at": 1767315660000, "kind": "real",
         "guess": 2, "actual": 4, "gap": -2},
        {"session_id": "s-V2hpdGVPd2xzAbCd", "ended_at": 1767402060000, "kind": "real",
         "guess": 3, "actual": 3, "gap": 0}],
    "mean_gap": -1.0, "mean_abs_gap": 1.0, "counts": {"under": 2, "over": 0, "exact": 1},
    "shares": {"under": 2 / 3, "over": 0.0, "exact": 1 / 3},
    "trend": {"gap_per_interview": 0.5, "abs_gap_per_interview": -0.5, "reason": None},
    "tendency": "In your last 3 interviews you rated yourself lower than the interviewer twice "
                "and the same once, on average 1.0 point below their score; your guesses have "
                "been getting closer.",
    "reason": None,
}


@dataclass(frozen=True)
class Route:
    """One endpoint: routes.SessionApi registers it (guarded by the API key when `auth`) and
    build() documents it, so the two cannot drift apart."""

    method: str
    path: str
    handler: str | None  # the SessionApi method; None: served by the app itself (/healthz)
    auth: bool
    operation: dict[str, Any]


def _op(summary: str, responses: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"summary": summary, **more, "responses": responses}


ROUTES: tuple[Route, ...] = (
    Route("POST", "/api/sessions", "create", True, _op(
        "Create a session; returns a join link per participant",
        {"201": _json(p.Created, "created", CREATED_EXAMPLE), **BAD, **AUTH, **UNAVAILABLE},
        requestBody={"required": True, "content": {"application/json": {
            "schema": _ref(p.CreateSession), "example": CREATE_EXAMPLE}}})),
    Route("GET", "/api/sessions", "list_sessions", True, _op(
        "List sessions, newest first (a damaged row is left out and named under `skipped`)",
        {"200": _json(p.SessionList, "sessions", LIST_EXAMPLE), **BAD, **AUTH, **UNAVAILABLE},
        parameters=_query_parameters(p.ListQuery))),
    Route("GET", "/api/sessions/{sid}", "get", True, _op(
        "Status of a session",
        {"200": _json(p.SessionStatus, "status", STATUS_EXAMPLE), **AUTH, **UNAVAILABLE,
         **NOT_FOUND, **DAMAGED},
        parameters=SID)),
    Route("POST", "/api/sessions/{sid}/end", "end", True, _op(
        "End the interview (live -> feedback; lobby -> sealed)",
        {"200": _json(p.SessionStatus, "ended", SEALED_EXAMPLE), **AUTH, **UNAVAILABLE,
         **NOT_FOUND, **WRONG_PHASE},
        parameters=SID)),
    Route("POST", "/api/sessions/{sid}/cancel", "cancel", True, _op(
        "Cancel: sealed at once, nothing revealed",
        {"200": _json(p.SessionStatus, "cancelled"), **AUTH, **NOT_FOUND, **WRONG_PHASE,
         **UNAVAILABLE},
        parameters=SID)),
    Route("GET", "/api/sessions/{sid}/chat", "chat", True, _op(
        "The session's chat log, in order (pseudonymous senders)",
        {"200": _json(p.ChatLog, "chat log", CHAT_EXAMPLE), **AUTH, **NOT_FOUND, **UNAVAILABLE},
        parameters=SID)),
    Route("GET", "/api/sessions/{sid}/timeline", "timeline", True, _op(
        "Replay: document updates with their server times (and snapshots to jump to), chat, "
        "runs, question changes, phase changes and call start/stop on one time axis (SPEC 18). "
        "Pseudonyms only unless the two unmasked; private notes are never included. In pages of "
        "at most timeline_page_bytes: ask again with ?after=<next> until next is absent",
        {"200": _json(Timeline, "timeline", TIMELINE_EXAMPLE), **BAD, **AUTH, **NOT_FOUND,
         **UNAVAILABLE},
        parameters=SID + _query_parameters(TimelineQuery))),
    Route("GET", "/api/sessions/{sid}/recording", "recording", True, _op(
        "The recorded call (SPEC 14.4), once the session has ended: both participants' audio "
        "chunks, each placed on the timeline (ts). The chunks of one participant's run, in seq "
        "order, concatenated, are one audio file (WebM/Opus from the web client). In pages of "
        "at most timeline_page_bytes of base64: ask again with ?after=<next> until next is "
        "absent",
        {"200": _json(RecordingPage, "recording", RECORDING_EXAMPLE), **BAD, **AUTH,
         **NOT_FOUND, **ENDED_FIRST, **UNAVAILABLE},
        parameters=SID + _query_parameters(RecordingQuery))),
    Route("DELETE", "/api/sessions/{sid}/recording", "delete_recording", True, _op(
        "Delete the session's recorded call, at any phase (chunks uploaded later, while both "
        "still consent, are stored again)",
        {"200": _json(RecordingDeleted, "deleted",
                      {"session_id": STATUS_EXAMPLE["session_id"], "deleted": 5400}),
         **AUTH, **NOT_FOUND, **UNAVAILABLE},
        parameters=SID)),
    Route("GET", "/api/analytics", "analytics", True, _op(
        "The perceived-vs-actual study over stored feedback (admin)",
        {"200": {"description": "collabd.analytics.study v2 (collabd/analytics/SCHEMA.md); real "
                                "sessions only unless the other kinds are included. Stored "
                                "sessions that cannot be read (damaged rows) are left out and "
                                "named under `skipped`",
                 "content": {"application/json": {"schema": {
                     "type": "object", "required": ["skipped"],
                     "properties": {"skipped": _ref(p.SkippedRows)}}}}},
         **BAD, **AUTH, **UNAVAILABLE,
         "503": _error("analytics_unavailable", "the analytics extra is not installed",
                       "pip install 'collabd[analytics]'")},
        parameters=_query_parameters(p.AnalyticsQuery))),
    Route("GET", "/api/people/{external_id}/calibration", "calibration", True, _op(
        "One person's calibration as a candidate across interviews: their self-assessment "
        "beside the interviewer's score, the gap, its trend (admin; the person is the "
        "external_id given at session creation)",
        {"200": _json(PersonCalibration, "calibration history", CALIBRATION_EXAMPLE), **BAD,
         **AUTH, **UNAVAILABLE},
        parameters=[EXTERNAL_ID, *_query_parameters(p.AnalyticsQuery)])),
    Route("POST", "/api/practice", "practice", False, _op(
        "Start a practice session (servers run on their own; no key). Limited per client "
        "address (limit practice_per_minute).",
        {"201": _json(p.PracticeCreated, "created", PRACTICE_EXAMPLE),
         "404": _error("not_found", "practice sessions are disabled (--no-practice)",
                       "practice sessions are disabled on this server"),
         "429": _error("rate_limited", "too many practice sessions from this address",
                       "too many practice sessions; try again in a minute")})),
    Route("GET", "/healthz", None, False, _op(
        "Liveness: 200 while the server accepts requests and its store keeps up",
        {"200": _json(p.Health, "alive", {"ok": True}),
         "503": _json(p.Health, "degraded: the store's checkpoints (the hot log's drain into "
                      "SQLite) keep failing", {"ok": False, "store": "checkpoints failing for "
                                               "12 s: StoreUnavailable: OperationalError: "
                                               "database or disk is full"})})),
    Route("GET", "/metrics", "metrics", True, _op(
        "Prometheus metrics (text exposition format); needs the API key",
        {"200": {"description": "metrics",
                 "content": {"text/plain": {"schema": {"type": "string"}}}},
         **AUTH, **UNAVAILABLE})),
    Route("GET", "/api/openapi.json", "openapi", False, _op(
        "This document",
        {"200": {"description": "OpenAPI 3.1",
                 "content": {"application/json": {"schema": {"type": "object"}}}}})),
)


def _paths() -> dict[str, dict[str, Any]]:
    paths: dict[str, dict[str, Any]] = {}
    for route in ROUTES:
        op = dict(route.operation)
        if not route.auth:
            op = {"summary": op.pop("summary"), "security": [], **op}
        paths.setdefault(route.path, {})[route.method.lower()] = op
    return paths


def build() -> dict[str, Any]:
    _, schemas = msgspec.json.schema_components(p.COMPONENTS, ref_template=REF)
    return {
        "openapi": "3.1.0",
        "info": {"title": "collabd session API", "version": "1",
                 "description": "Create and follow anonymous interview sessions. Times are ms "
                                "since the epoch. Authenticate with `Authorization: Bearer "
                                "<api key>` (COLLABD_API_KEY, or `collabd api-key`). Errors are "
                                "`{\"error\": {\"code\", \"message\"}}` with a stable code."},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                       "schemas": schemas},
        "security": [{"bearer": []}],
        "paths": _paths(),
    }


OPENAPI: dict[str, Any] = build()
OPENAPI_JSON: bytes = msgspec.json.encode(OPENAPI)
