"""Small builders for hand-made interview records."""

from __future__ import annotations

from typing import Any

from collabd.analytics.records import InterviewRecord

T0 = 1_700_000_000_000  # ms since epoch; sessions below end one minute apart


def interviewer_form(technical: int, *, would_hire: bool | None = None) -> dict[str, Any]:
    return {
        "would_hire": technical >= 3 if would_hire is None else would_hire,
        "technical": technical,
        "problem_solving": 2,
        "communication": 3,
        "notes": "",
    }


def interviewee_form(
    self_assessment: int,
    *,
    would_work_with: bool = True,
    question_quality: int = 3,
    helpfulness: int = 3,
) -> dict[str, Any]:
    return {
        "would_work_with": would_work_with,
        "question_quality": question_quality,
        "helpfulness": helpfulness,
        "notes": "",
        "self_assessment": self_assessment,
    }


def record(
    i: int,
    actual: int,
    perceived: int,
    *,
    would_work_with: bool = True,
    rating: tuple[int, int] = (3, 3),
    kind: str = "real",
    interviewee: str | None = None,
    interviewer: str = "pid-er",
    ended_at: int | None = -1,
) -> InterviewRecord:
    """A complete session number i; ended_at=-1 means 'T0 + i minutes'."""
    return InterviewRecord(
        session_id=f"s{i:04d}",
        ended_at=T0 + 60_000 * i if ended_at == -1 else ended_at,
        interviewer_pid=interviewer,
        interviewee_pid=interviewee or f"pid-ee-{i}",
        kind=kind,
        interviewer_form=interviewer_form(actual),
        interviewee_form=interviewee_form(
            perceived,
            would_work_with=would_work_with,
            question_quality=rating[0],
            helpfulness=rating[1],
        ),
    )


# (actual, perceived) pairs whose statistics are worked out by hand in test_study_fits.py.
HAND_PAIRS = [(1, 1), (1, 2), (2, 2), (3, 2), (3, 3), (3, 4), (4, 3), (4, 4)]


def hand_records() -> list[InterviewRecord]:
    return [record(i, a, p) for i, (a, p) in enumerate(HAND_PAIRS)]


def stored_record(
    sid: str, actual: int, guess: int, *, pids: tuple[str, str] = ("p-er", "p-ee"), t: int = 0
) -> dict[str, Any]:
    """A session record as the server stores it (core Session.to_record), both forms in,
    ended at t + 3 ms."""
    from collabd.core.session import Identity, Session, SessionOptions

    s = Session.create(
        sid, Identity("A", "a@x.invalid"), Identity("B", "b@x.invalid"), SessionOptions(), t,
        b"seed", pids,
    )  # fmt: skip
    s.join(pids[0], t + 1)
    s.join(pids[1], t + 2)
    s.end(pids[0], t + 3)
    s.submit_feedback(pids[0], interviewer_form(actual), t + 4)
    s.submit_feedback(pids[1], interviewee_form(guess), t + 5)
    return s.to_record()
