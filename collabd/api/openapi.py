"""The OpenAPI 3.1 document of the session API (served at GET /api/openapi.json)."""

from __future__ import annotations

from typing import Any


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "400": _json(_ref("Error"), "invalid_payload: the body is not valid (the message names the "
                                "field)"),
    "401": _json(_ref("Error"), "unauthorized: missing or wrong API key"),
}
NOT_FOUND = {"404": _json(_ref("Error"), "not_found: no such session")}
WRONG_PHASE = {"409": _json(_ref("Error"), "wrong_phase: not possible in the current phase")}
SID = [{"name": "sid", "in": "path", "required": True, "schema": {"type": "string"}}]

IDENTITY = {
    "type": "object", "required": ["name", "email"], "additionalProperties": False,
    "properties": {"name": {"type": "string", "maxLength": 200},
                   "email": {"type": "string", "maxLength": 320},
                   "profile": {"type": "string", "maxLength": 2000}},
}
OPTIONS = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "interview_seconds": {"type": "number", "minimum": 0.1, "default": 2700},
        "feedback_seconds": {"type": "number", "minimum": 0.1, "default": 86400},
        "unmask_seconds": {"type": "number", "minimum": 0.1, "default": 86400},
        "grace_seconds": {"type": "number", "minimum": 0, "default": 60,
                          "description": "how long a dropped participant shows as reconnecting"},
        "unmask_policy": {"enum": ["mutual_positive", "always", "never"],
                          "default": "mutual_positive"},
        "relay_only": {"type": "boolean", "default": False,
                       "description": "calls only through TURN: no IP address reaches the peer"},
        "webhook_url": {"type": "string", "format": "uri",
                        "description": "POSTed on every phase change, signed with "
                                       "X-Collabd-Signature: sha256=HMAC(api key, body)"},
    },
}
STATUS = {
    "type": "object",
    "description": "Phases, presence, times and flags: never form contents or identities.",
    "properties": {
        "session_id": {"type": "string"},
        "phase": {"enum": ["lobby", "live", "feedback", "revealed", "unmasked", "sealed"]},
        "read_only": {"type": "boolean"},
        "created_at": {"type": "integer"}, "started_at": {"type": ["integer", "null"]},
        "ends_at": {"type": ["integer", "null"]}, "ended_at": {"type": ["integer", "null"]},
        "ended_by": {"type": ["string", "null"]},
        "feedback_deadline": {"type": ["integer", "null"]},
        "revealed_at": {"type": ["integer", "null"]},
        "unmask_deadline": {"type": ["integer", "null"]},
        "closed_at": {"type": ["integer", "null"]}, "close_reason": {"type": ["string", "null"]},
        "next_deadline": {"type": ["integer", "null"]},
        "participants": {"type": "array", "items": {"type": "object"}},
        "unmask": {"type": "object"},
        "simulated": {"type": "boolean"},
    },
}
JOIN = {"type": "object", "properties": {"pid": {"type": "string"}, "token": {"type": "string"},
                                         "join_url": {"type": "string"}}}

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "collabd session API", "version": "1",
             "description": "Create and follow anonymous interview sessions. Times are ms since "
                            "the epoch. Authenticate with `Authorization: Bearer <api key>` "
                            "(COLLABD_API_KEY, or `collabd api-key`)."},
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                "type": "object", "required": ["code", "message"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}},
            "Identity": IDENTITY, "Options": OPTIONS, "Status": STATUS, "Join": JOIN,
        },
    },
    "security": [{"bearer": []}],
    "paths": {
        "/api/sessions": {
            "post": {
                "summary": "Create a session; returns a join link per participant",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["interviewer", "interviewee"],
                    "additionalProperties": False,
                    "properties": {"interviewer": _ref("Identity"),
                                   "interviewee": _ref("Identity"),
                                   "options": _ref("Options"),
                                   "simulated": {"type": "boolean", "default": False}}}}}},
                "responses": {"201": _json({"type": "object", "properties": {
                    "session_id": {"type": "string"}, "status": _ref("Status"),
                    "interviewer": _ref("Join"), "interviewee": _ref("Join")}}, "created"),
                    **ERRORS},
            },
            "get": {
                "summary": "List sessions, newest first",
                "parameters": [
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "default": 100,
                                                                "maximum": 500}},
                    {"name": "offset", "in": "query", "schema": {"type": "integer",
                                                                 "default": 0}}],
                "responses": {"200": _json({"type": "object", "properties": {
                    "sessions": {"type": "array", "items": _ref("Status")}}}, "sessions"),
                    **ERRORS},
            },
        },
        "/api/sessions/{sid}": {"get": {
            "summary": "Status of a session", "parameters": SID,
            "responses": {"200": _json(_ref("Status"), "status"), **ERRORS, **NOT_FOUND}}},
        "/api/sessions/{sid}/end": {"post": {
            "summary": "End the interview (live -> feedback; lobby -> sealed)", "parameters": SID,
            "responses": {"200": _json(_ref("Status"), "ended"), **ERRORS, **NOT_FOUND,
                          **WRONG_PHASE}}},
        "/api/sessions/{sid}/cancel": {"post": {
            "summary": "Cancel: sealed at once, nothing revealed", "parameters": SID,
            "responses": {"200": _json(_ref("Status"), "cancelled"), **ERRORS, **NOT_FOUND,
                          **WRONG_PHASE}}},
        "/api/sessions/{sid}/chat": {"get": {
            "summary": "The session's chat log, in order (pseudonymous senders)",
            "parameters": SID,
            "responses": {"200": _json({"type": "object"}, "chat log"), **ERRORS, **NOT_FOUND}}},
        "/api/analytics": {"get": {
            "summary": "The perceived-vs-actual study over stored feedback (admin)",
            "parameters": [
                {"name": "include_simulated", "in": "query", "schema": {"type": "boolean"}},
                {"name": "participant", "in": "query", "schema": {"type": "string"}}],
            "responses": {"200": _json({"type": "object"}, "collabd.analytics.study v1"),
                          **ERRORS,
                          "503": _json(_ref("Error"), "analytics extra not installed")}}},
        "/api/practice": {"post": {
            "summary": "Start a practice session (servers run on their own; no key)",
            "security": [],
            "responses": {"201": _json({"type": "object", "properties": {
                "session_id": {"type": "string"}, "links": {"type": "object"}}}, "created"),
                "404": _json(_ref("Error"), "practice disabled")}}},
        "/api/openapi.json": {"get": {"summary": "This document", "security": [],
                                      "responses": {"200": {"description": "OpenAPI"}}}},
    },
}
