"""The study's input: one record per interview session, and how a record becomes a data point.

Stdlib (and the forms' bounds) only, so the storage layer can build records without the
`analytics` extra installed.

`from_session_record(row.record, row.kind)` turns a stored session (a row of
`SqliteStore.all_sessions()`) into an `InterviewRecord`. Forms are the dicts the feedback forms
(collab_protocol.forms) were stored as; SCHEMA.md's table of them is generated (gen_doc.py).

Only the fields the study uses (STUDY_FIELDS) are checked; extra fields are ignored, so the
forms can grow without breaking the study. A score must be an int within the forms' score
bounds (a bool is not a score).

Every session has a `kind`:

    real       created through the session API by an embedder: the study's data
    practice   the start page's "Start a practice interview" (POST /api/practice)
    simulated  created by `collabd simulate` (bots)

The study counts only real sessions unless asked to include the others, and says how many of
each kind it left out.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from collab_protocol.forms import SCORE_MAX, SCORE_MIN

SCORES = tuple(range(SCORE_MIN, SCORE_MAX + 1))
# The form fields the study reads, by role (a test holds them to the forms' schema).
STUDY_FIELDS = {
    "interviewer": {"would_hire": "bool", "technical": "score"},
    "interviewee": {"would_work_with": "bool", "question_quality": "score",
                    "helpfulness": "score", "self_assessment": "score"},
}

REAL = "real"
PRACTICE = "practice"
SIMULATED = "simulated"
KINDS = (REAL, PRACTICE, SIMULATED)

# Why a record is not a data point. Each excluded session is counted once, under the first
# reason that applies, in this order. A kind left out is its own reason ("practice", "simulated").
NOT_ENDED = "not_ended"
INTERVIEWER_FORM_MISSING = "interviewer_form_missing"
INTERVIEWEE_FORM_MISSING = "interviewee_form_missing"
INTERVIEWER_FORM_INVALID = "interviewer_form_invalid"
INTERVIEWEE_FORM_INVALID = "interviewee_form_invalid"
EXCLUSION_REASONS = (
    PRACTICE,
    SIMULATED,
    NOT_ENDED,
    INTERVIEWER_FORM_MISSING,
    INTERVIEWEE_FORM_MISSING,
    INTERVIEWER_FORM_INVALID,
    INTERVIEWEE_FORM_INVALID,
)


def _invalid_meaning(role: str) -> str:
    scores = [f"`{n}`" for n, k in STUDY_FIELDS[role].items() if k == "score"]
    bools = [f"`{n}`" for n, k in STUDY_FIELDS[role].items() if k == "bool"]
    score_text = (", ".join(scores[:-1]) + " or " if len(scores) > 1 else "") + scores[-1]
    return (f"{score_text} not an int {SCORE_MIN}..{SCORE_MAX}, or {' or '.join(bools)} not "
            "a bool")


# What each reason means (SCHEMA.md's table is generated from this: gen_doc.py).
EXCLUSION_MEANINGS = {
    PRACTICE: "a practice session, and practice sessions are not included",
    SIMULATED: "made by `collabd simulate`, and simulated ones are not included",
    NOT_ENDED: "`ended_at` is null",
    INTERVIEWER_FORM_MISSING: "the interviewer did not submit",
    INTERVIEWEE_FORM_MISSING: "the interviewee did not submit",
    INTERVIEWER_FORM_INVALID: _invalid_meaning("interviewer"),
    INTERVIEWEE_FORM_INVALID: _invalid_meaning("interviewee"),
}


@dataclass(frozen=True, slots=True)
class InterviewRecord:
    """One interview session as stored. `ended_at` is ms since the epoch, None if not ended."""

    session_id: str
    ended_at: int | None
    interviewer_pid: str
    interviewee_pid: str
    kind: str  # one of KINDS
    interviewer_form: Mapping[str, Any] | None
    interviewee_form: Mapping[str, Any] | None

    @property
    def simulated(self) -> bool:
        return self.kind == SIMULATED


@dataclass(frozen=True, slots=True)
class Observation:
    """A complete session reduced to the numbers the study uses."""

    session_id: str
    ended_at: int
    interviewee_pid: str
    kind: str
    actual: int  # interviewer's technical score
    perceived: int  # interviewee's self-assessment
    interviewer_rating: float  # mean of question_quality and helpfulness
    would_work_with: bool
    would_hire: bool

    @property
    def error(self) -> int:
        """Signed self-assessment error: perceived - actual (positive = over-rating)."""
        return self.perceived - self.actual


def _is_score(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value in SCORES


def _form_ok(role: str, form: Mapping[str, Any]) -> bool:
    return all(_is_score(form.get(name)) if kind == "score" else isinstance(form.get(name), bool)
               for name, kind in STUDY_FIELDS[role].items())


def classify(record: InterviewRecord, *, include: Collection[str] = ()) -> Observation | str:
    """Return the record's Observation, or the reason (one of EXCLUSION_REASONS) it is left out.

    Real sessions always count; `include` names the other kinds that count too (none by default).
    """
    if record.kind != REAL and record.kind not in include:
        return record.kind
    if record.ended_at is None:
        return NOT_ENDED
    er, ee = record.interviewer_form, record.interviewee_form
    if er is None:
        return INTERVIEWER_FORM_MISSING
    if ee is None:
        return INTERVIEWEE_FORM_MISSING
    if not isinstance(er, Mapping) or not _form_ok("interviewer", er):
        return INTERVIEWER_FORM_INVALID
    if not isinstance(ee, Mapping) or not _form_ok("interviewee", ee):
        return INTERVIEWEE_FORM_INVALID
    return Observation(
        session_id=record.session_id,
        ended_at=record.ended_at,
        interviewee_pid=record.interviewee_pid,
        kind=record.kind,
        actual=er["technical"],
        perceived=ee["self_assessment"],
        interviewer_rating=(ee["question_quality"] + ee["helpfulness"]) / 2,
        would_work_with=ee["would_work_with"],
        would_hire=er["would_hire"],
    )


def record_to_dict(record: InterviewRecord) -> dict[str, Any]:
    """A JSON-able dict (for fixtures, exports and the simulator's output)."""
    return {
        "session_id": record.session_id,
        "ended_at": record.ended_at,
        "interviewer_pid": record.interviewer_pid,
        "interviewee_pid": record.interviewee_pid,
        "kind": record.kind,
        "interviewer_form": _plain(record.interviewer_form),
        "interviewee_form": _plain(record.interviewee_form),
    }


def record_from_dict(data: Mapping[str, Any]) -> InterviewRecord:
    """Inverse of record_to_dict. Raises ValueError on a missing or mistyped top-level field."""
    try:
        session_id = data["session_id"]
        ended_at = data["ended_at"]
        interviewer_pid = data["interviewer_pid"]
        interviewee_pid = data["interviewee_pid"]
        # exports written before sessions had a kind carry "simulated": bool instead
        kind = data.get("kind", SIMULATED if data.get("simulated") is True else REAL)
        er = data.get("interviewer_form")
        ee = data.get("interviewee_form")
    except KeyError as exc:
        raise ValueError(f"interview record lacks field {exc.args[0]!r}") from None
    if not isinstance(session_id, str):
        raise ValueError("session_id must be a string")
    if ended_at is not None and (not isinstance(ended_at, int) or isinstance(ended_at, bool)):
        raise ValueError("ended_at must be an int (ms since epoch) or null")
    if not isinstance(interviewer_pid, str) or not isinstance(interviewee_pid, str):
        raise ValueError("participant ids must be strings")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    for name, form in (("interviewer_form", er), ("interviewee_form", ee)):
        if form is not None and not isinstance(form, Mapping):
            raise ValueError(f"{name} must be an object or null")
    return InterviewRecord(
        session_id=session_id,
        ended_at=ended_at,
        interviewer_pid=interviewer_pid,
        interviewee_pid=interviewee_pid,
        kind=kind,
        interviewer_form=_plain(er),
        interviewee_form=_plain(ee),
    )


def _plain(form: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if form is None else dict(form)


def from_session_record(record: Mapping[str, Any], kind: str) -> InterviewRecord:
    """The study's view of a stored session (collabd.core.session.Session.to_record()).

    A feedback entry that is there but holds no form object (a damaged row) yields an empty form,
    which classify() counts as invalid rather than stopping the whole study. A record the study
    cannot read at all (no participants, an ended_at that is not a time, an unknown kind, ...)
    raises ValueError saying why; `from_session_rows` reports those rows and goes on.
    """
    if not isinstance(record, Mapping):
        raise ValueError("the record is not an object")
    parts = record.get("participants")
    if not isinstance(parts, list):
        raise ValueError("the record has no participants")
    pids = {p.get("role"): p.get("id") for p in parts if isinstance(p, Mapping)}
    for role in ("interviewer", "interviewee"):
        if not isinstance(pids.get(role), str):
            raise ValueError(f"no {role} among the participants")
    feedback = record.get("feedback") or {}
    if not isinstance(feedback, Mapping):
        raise ValueError("feedback is not an object")

    def form(role: str) -> Mapping[str, Any] | None:
        entry = feedback.get(role)
        if entry is None:
            return None
        found = entry.get("form") if isinstance(entry, Mapping) else None
        return found if isinstance(found, Mapping) else {}

    return record_from_dict({
        "session_id": record.get("session_id"),
        "ended_at": record.get("ended_at"),
        "interviewer_pid": pids["interviewer"],
        "interviewee_pid": pids["interviewee"],
        "kind": kind,
        "interviewer_form": form("interviewer"),
        "interviewee_form": form("interviewee"),
    })


def from_session_rows(rows: Iterable[Any]) -> tuple[list[InterviewRecord], list[dict[str, str]]]:
    """The records of stored sessions (ports.SessionRow), and the rows that cannot be read as
    one, as {session_id, reason}: one damaged row is reported, not a reason to stop."""
    records: list[InterviewRecord] = []
    skipped: list[dict[str, str]] = []
    for row in rows:
        reason = row.problem
        if reason is None:
            try:
                records.append(from_session_record(row.record, row.kind))
                continue
            except (ValueError, TypeError) as exc:  # TypeError: e.g. a list where a name goes
                reason = str(exc)
        skipped.append({"session_id": row.sid, "reason": reason})
    return records, skipped


def counted_kinds(include: Collection[str] = ()) -> list[str]:
    """Real sessions always, plus the kinds asked for (in KINDS order)."""
    return [k for k in KINDS if k == REAL or k in include]


def observations(records: Iterable[InterviewRecord], include: Collection[str] = (),
                 ) -> tuple[list[Observation], dict[str, int]]:
    """The usable interviews of `records` (real ones, plus the kinds in `include`) in the order
    they ended (the id breaks ties, so the output is stable), and how many were left out, by
    reason."""
    kinds = counted_kinds(include)
    excluded = dict.fromkeys(EXCLUSION_REASONS, 0)
    obs: list[Observation] = []
    for record in records:
        outcome = classify(record, include=kinds)
        if isinstance(outcome, str):
            excluded[outcome] += 1
        else:
            obs.append(outcome)
    obs.sort(key=lambda o: (o.ended_at, o.session_id))
    return obs, excluded
