"""One person's calibration over time: how their guess compared with the interviewer's score.

Stdlib only: the server computes the candidate's history for their reveal view without the
`analytics` extra.

People are recognised across sessions by the `external_id` an embedder may pass for each
participant. The store never holds that id in plain text, only `person_key(secret, id)`: an
HMAC-SHA256 keyed with the server secret, so a leaked database alone does not give the ids away
(and the key changes if the secret does: histories start over after a secret rotation).

`history(records)` takes the sessions in which the person was the interviewee (the caller selects
them by key) and returns a JSON-able object, schema "collabd.analytics.person":

    schema, version  "collabd.analytics.person", 1
    options          {include: [kinds], last: int | null}
    n                interviews counted (after `last`)
    excluded         {reason: count}, as in the study (kind left out, not ended, form missing...)
    sessions         [{session_id, ended_at, kind, guess, actual, gap}] by end time;
                     guess = self-assessment, actual = interviewer's technical score,
                     gap = guess - actual (positive: rated themselves higher)
    mean_gap         mean signed gap;  mean_abs_gap  mean |gap|
    counts, shares   {under, over, exact}: under = guess < actual, over = guess > actual
    trend            {gap_per_interview, abs_gap_per_interview, reason}: least-squares slope of
                     the gap (and of |gap|) against the interview's position 1..n; a negative
                     abs slope means the guesses are getting closer
    tendency         one plain sentence for the person, or null when n = 0
    reason           why numbers are null (no interviews), else null
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from collabd.analytics.records import (
    InterviewRecord,
    counted_kinds,
    observations,
)

SCHEMA = "collabd.analytics.person"
SCHEMA_VERSION = 1
MIN_N_TREND = 3  # a slope through two points says nothing about a tendency
STEADY = 0.1  # |slope of |gap|| below this (points per interview) reads as "steady"
KEY_CONTEXT = b"collabd person key v1\x00"  # keeps these MACs apart from anything else keyed


def person_key(secret: bytes, external_id: str) -> str:
    """The stored stand-in for an embedder's external id: hex HMAC-SHA256(secret, id)."""
    return hmac.new(secret, KEY_CONTEXT + external_id.encode(), hashlib.sha256).hexdigest()


def history(
    records: Iterable[InterviewRecord],
    *,
    include: Collection[str] = (),
    last: int | None = None,
) -> dict[str, Any]:
    """The calibration history of the interviewee of `records` (see the module docstring).

    include: kinds counted besides real sessions. last: keep only the latest `last` interviews.
    """
    if last is not None and last < 1:
        raise ValueError("last must be at least 1")
    obs, excluded = observations(records, include)
    if last is not None:
        obs = obs[-last:]
    n = len(obs)
    gaps = [o.error for o in obs]
    counts = {
        "under": sum(g < 0 for g in gaps),
        "over": sum(g > 0 for g in gaps),
        "exact": sum(g == 0 for g in gaps),
    }
    out: dict[str, Any] = {
        "schema": SCHEMA,
        "version": SCHEMA_VERSION,
        "options": {"include": counted_kinds(include), "last": last},
        "n": n,
        "excluded": excluded,
        "sessions": [
            {
                "session_id": o.session_id,
                "ended_at": o.ended_at,
                "kind": o.kind,
                "guess": o.perceived,
                "actual": o.actual,
                "gap": o.error,
            }
            for o in obs
        ],
        "mean_gap": sum(gaps) / n if n else None,
        "mean_abs_gap": sum(abs(g) for g in gaps) / n if n else None,
        "counts": counts,
        "shares": {k: v / n if n else None for k, v in counts.items()},
        "trend": _trend(gaps),
        "reason": None if n else "no complete interviews as a candidate",
    }
    out["tendency"] = tendency(out)
    return out


def _slope(ys: Sequence[int]) -> float:
    """Least-squares slope of ys against 1..len(ys) (len >= 2)."""
    n = len(ys)
    mean_x = (n + 1) / 2
    mean_y = sum(ys) / n
    sxy = sum((i + 1 - mean_x) * (y - mean_y) for i, y in enumerate(ys))
    sxx = sum((i + 1 - mean_x) ** 2 for i in range(n))
    return sxy / sxx


def _trend(gaps: Sequence[int]) -> dict[str, Any]:
    if len(gaps) < MIN_N_TREND:
        return {
            "gap_per_interview": None,
            "abs_gap_per_interview": None,
            "reason": f"{len(gaps)} interview(s): a trend needs {MIN_N_TREND}",
        }
    return {
        "gap_per_interview": _slope(gaps),
        "abs_gap_per_interview": _slope([abs(g) for g in gaps]),
        "reason": None,
    }


def _times(k: int) -> str:
    return {1: "once", 2: "twice"}.get(k, f"{k} times")


def _points(value: float) -> str:
    text = f"{abs(value):.1f}"
    return f"{text} point" if text == "1.0" else f"{text} points"


def tendency(h: dict[str, Any]) -> str | None:
    """One sentence addressed to the person, from a history() result."""
    n = h["n"]
    if n == 0:
        return None
    c = h["counts"]
    # (count, how the comparison reads first, how it reads after the first)
    ways = [
        (c["under"], "lower than the interviewer", "lower"),
        (c["over"], "higher than the interviewer", "higher"),
        (c["exact"], "the same as the interviewer", "the same"),
    ]
    ways = [w for w in ways if w[0]]
    if n == 1:
        sentence = f"In your interview you rated yourself {ways[0][1]}"
    elif len(ways) == 1:
        sentence = f"In your last {n} interviews you rated yourself {ways[0][1]} every time"
    else:
        said = [f"{ways[0][1]} {_times(ways[0][0])}"]
        said += [f"{w[2]} {_times(w[0])}" for w in ways[1:]]
        listed = ", ".join(said[:-1]) + " and " + said[-1]
        sentence = f"In your last {n} interviews you rated yourself {listed}"
    mean = h["mean_gap"]
    if mean != 0:
        side = "below" if mean < 0 else "above"
        average = "" if n == 1 else "on average "
        sentence += f", {average}{_points(mean)} {side} their score"
    slope = h["trend"]["abs_gap_per_interview"]
    if slope is not None:
        if slope <= -STEADY:
            sentence += "; your guesses have been getting closer"
        elif slope >= STEADY:
            sentence += "; your guesses have been drifting further off"
    return sentence + "."
