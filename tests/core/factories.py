"""Shared builders for the session tests: a session, valid forms, and driving it forward."""

from __future__ import annotations

from typing import Any

from collabd.core.session import Identity, Session, SessionOptions
from collabd.core.unmask import UnmaskPolicy

ER = "pid-er"  # interviewer
EE = "pid-ee"  # interviewee
T0 = 1_000_000

ER_IDENTITY = Identity("Zelda Quackenbush", "zelda.q@corp.example", "https://example.org/zq")
EE_IDENTITY = Identity("Yorick Vandersloot", "yorick.v@mail.example", "")

OPTIONS = SessionOptions(
    interview_ms=45_000, feedback_ms=100_000, unmask_ms=200_000, grace_ms=5_000
)


def interviewer_form(**changes: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "would_hire": True,
        "technical": 3,
        "problem_solving": 4,
        "communication": 2,
        "notes": "solid on graphs",
    }
    form.update(changes)
    return form


def interviewee_form(**changes: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "would_work_with": True,
        "question_quality": 4,
        "helpfulness": 3,
        "notes": "fair question",
        "self_assessment": 2,
    }
    form.update(changes)
    return form


def new_session(policy: UnmaskPolicy = UnmaskPolicy.MUTUAL_POSITIVE) -> Session:
    options = SessionOptions(
        interview_ms=OPTIONS.interview_ms,
        feedback_ms=OPTIONS.feedback_ms,
        unmask_ms=OPTIONS.unmask_ms,
        grace_ms=OPTIONS.grace_ms,
        policy=policy,
    )
    return Session.create("sess-1", ER_IDENTITY, EE_IDENTITY, options, T0, "seed-1", (ER, EE))


def live_session(policy: UnmaskPolicy = UnmaskPolicy.MUTUAL_POSITIVE) -> Session:
    session = new_session(policy)
    session.join(ER, T0 + 10)
    session.join(EE, T0 + 20)
    return session


def feedback_session(policy: UnmaskPolicy = UnmaskPolicy.MUTUAL_POSITIVE) -> Session:
    session = live_session(policy)
    session.end(ER, T0 + 1_000)
    return session


def revealed_session(policy: UnmaskPolicy = UnmaskPolicy.MUTUAL_POSITIVE) -> Session:
    session = feedback_session(policy)
    session.submit_feedback(ER, interviewer_form(), T0 + 2_000)
    session.submit_feedback(EE, interviewee_form(), T0 + 3_000)
    return session
