"""Helpers for the terminal client's tests: real servers and real interview sessions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from collabd.api.auth import load_api_key
from support.server import Running
from support.session import api

INTERVIEWER_ID = {"name": "Ada Lovelace", "email": "ada@example.com"}
INTERVIEWEE_ID = {"name": "Grace Hopper", "email": "grace@example.com"}

GOOD_INTERVIEWER_FORM = {
    "would_hire": True,
    "technical": 3,
    "problem_solving": 4,
    "communication": 3,
    "notes": "solid",
}
GOOD_INTERVIEWEE_FORM = {
    "would_work_with": True,
    "question_quality": 4,
    "helpfulness": 3,
    "self_assessment": 2,
    "notes": "fun",
}


@dataclass
class Created:
    session_id: str
    interviewer: dict[str, Any]
    interviewee: dict[str, Any]


async def create_session(server: Running, **options: Any) -> Created:
    """POST /api/sessions with the data directory's API key."""
    key = load_api_key(server.data_dir)
    body = {
        "interviewer": INTERVIEWER_ID,
        "interviewee": INTERVIEWEE_ID,
        "options": options,
        "simulated": True,
    }
    status, data = await api(server, "POST", "/api/sessions", body, key=key)
    assert status == 201, data
    return Created(data["session_id"], data["interviewer"], data["interviewee"])
