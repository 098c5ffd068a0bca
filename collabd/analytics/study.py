"""The perceived-vs-actual study: `compute(records) -> dict`, a JSON-able result.

Definitions (also written into every result under "definitions"):
  actual              the interviewer's technical score, 1..4
  perceived           the interviewee's self-assessment, 1..4
  error               perceived - actual (positive: over-rated themselves)
  interviewer rating  how the interviewee rated the interviewer overall: the mean of the
                      interviewee's question_quality and helpfulness scores (1..4, halves)
  hirable             actual >= 3
  did well            perceived >= 3 (the interviewee thinks they did well)
  worst interviews    actual == 1 (left out of the "linear_without_worst" fit)

The result's schema is documented field by field in collabd/analytics/SCHEMA.md. Its "version"
changes whenever a field is renamed, removed or changes meaning; adding a field does not.

A number that cannot be computed is null, and the object holding it carries a "reason" string
saying why (no sessions, one session, zero variance, an empty row, ...). When every number in
an object is present its "reason" is null. The result never holds NaN or infinity.

The fits live in `study_fits`, the correlations and the 2x2 in `study_relations`.

compute() is synchronous and CPU-bound (about a second per 10^5 sessions on one core): call it
from a thread (e.g. `loop.run_in_executor`) in an async handler.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from collabd.analytics.records import (
    KINDS,
    SCORES,
    InterviewRecord,
    Observation,
    counted_kinds,
    observations,
)
from collabd.analytics.study_fits import STABLE_MIN_N, linear_fit, polynomial_fit, r2_over_time
from collabd.analytics.study_relations import DID_WELL_MIN, rating_vs_error, willingness

__all__ = [  # STABLE_MIN_N, the fits and DID_WELL_MIN are read from here too
    "DEFINITIONS",
    "DID_WELL_MIN",
    "SCHEMA",
    "SCHEMA_VERSION",
    "STABLE_MIN_N",
    "compute",
    "is_finite_json",
    "linear_fit",
    "polynomial_fit",
]

SCHEMA = "collabd.analytics.study"
SCHEMA_VERSION = 2

HIRABLE_MIN = 3
WORST_ACTUAL = 1
POLY_DEGREES = (2, 3)

DEFINITIONS = {
    "actual": "interviewer's technical score (1-4)",
    "perceived": "interviewee's self-assessment (1-4)",
    "error": "perceived - actual (positive: the interviewee over-rated themselves)",
    "interviewer_rating": "mean of the interviewee's question_quality and helpfulness scores",
    "hirable": f"actual >= {HIRABLE_MIN}",
    "did_well": f"perceived >= {DID_WELL_MIN}",
    "worst": f"actual == {WORST_ACTUAL} (removed in fits.linear_without_worst)",
    "under_rating": "actual > perceived",
    "over_rating": "actual < perceived",
}


def compute(
    records: Iterable[InterviewRecord],
    *,
    include: Collection[str] = (),
    r2_points_max: int = 1000,
    skipped: Sequence[Mapping[str, str]] = (),
) -> dict[str, Any]:
    """Run the whole study over `records`; see the module docstring and SCHEMA.md.

    include: the kinds of session counted besides real ones ("practice", "simulated"); the
        others are left out and counted under their kind in counts.excluded.
    r2_points_max: cap on r2_over_time.points (every prefix is still used for max_r2).
    skipped: the stored sessions that could not be read ({session_id, reason}, from
        records.from_session_rows), reported under `skipped`.
    """
    if r2_points_max < 1:
        raise ValueError("r2_points_max must be at least 1")
    unknown = set(include) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown session kinds: {', '.join(sorted(unknown))}")
    records = list(records)
    obs, excluded = observations(records, include)  # in the order they ended

    actual = [o.actual for o in obs]
    perceived = [o.perceived for o in obs]
    kept = [o for o in obs if o.actual != WORST_ACTUAL]
    return {
        "schema": SCHEMA,
        "version": SCHEMA_VERSION,
        "definitions": dict(DEFINITIONS),
        "options": {"include": counted_kinds(include)},
        "counts": {
            "total": len(records),
            "included": len(obs),
            "included_by_kind": {k: sum(o.kind == k for o in obs) for k in KINDS},
            "excluded_total": len(records) - len(obs),
            "excluded": excluded,
        },
        "skipped": {"count": len(skipped), "sessions": [dict(row) for row in skipped]},
        "period": {
            "first_ended_at": obs[0].ended_at if obs else None,
            "last_ended_at": obs[-1].ended_at if obs else None,
        },
        "distributions": _distributions(actual, perceived),
        "table": {
            "rows": "perceived",
            "columns": "actual",
            "scores": list(SCORES),
            "counts": _table(actual, perceived),
        },
        "fits": {
            "linear": linear_fit(actual, perceived),
            "linear_without_worst": {
                **linear_fit([o.actual for o in kept], [o.perceived for o in kept]),
                "removed": f"actual == {WORST_ACTUAL}",
                "removed_count": len(obs) - len(kept),
            },
            "polynomial": [polynomial_fit(actual, perceived, d) for d in POLY_DEGREES],
        },
        "rating_shares": {
            "overall": _shares(obs),
            "hirable": _shares([o for o in obs if o.actual >= HIRABLE_MIN]),
            "not_hirable": _shares([o for o in obs if o.actual < HIRABLE_MIN]),
        },
        "r2_over_time": r2_over_time(obs, r2_points_max),
        "interviewer_rating_vs_error": rating_vs_error(obs),
        "did_well_vs_would_work_with": willingness(obs),
    }


def _distributions(actual: Sequence[int], perceived: Sequence[int]) -> dict[str, Any]:
    n = len(actual)
    return {
        "n": n,
        "scores": list(SCORES),
        "actual": [actual.count(s) for s in SCORES],
        "perceived": [perceived.count(s) for s in SCORES],
        "actual_mean": sum(actual) / n if n else None,
        "perceived_mean": sum(perceived) / n if n else None,
        "reason": None if n else "no complete sessions",
    }


def _table(actual: Sequence[int], perceived: Sequence[int]) -> list[list[int]]:
    """counts[p - 1][a - 1] = sessions with perceived p and actual a."""
    counts = [[0] * len(SCORES) for _ in SCORES]
    for a, p in zip(actual, perceived, strict=True):
        counts[p - 1][a - 1] += 1
    return counts
def _shares(group: Sequence[Observation]) -> dict[str, Any]:
    n = len(group)
    counts = {
        "under": sum(o.actual > o.perceived for o in group),
        "over": sum(o.actual < o.perceived for o in group),
        "exact": sum(o.actual == o.perceived for o in group),
    }
    if n == 0:
        return {
            "n": 0,
            "counts": counts,
            "shares": dict.fromkeys(counts),
            "mean_error": None,
            "mean_abs_error": None,
            "reason": "no sessions in this group",
        }
    return {
        "n": n,
        "counts": counts,
        "shares": {k: v / n for k, v in counts.items()},
        "mean_error": sum(o.error for o in group) / n,
        "mean_abs_error": sum(abs(o.error) for o in group) / n,
        "reason": None,
    }

def is_finite_json(value: Any) -> bool:
    """True if `value` holds only JSON types and finite floats (used by tests and callers)."""
    if isinstance(value, float):
        return math.isfinite(value)
    if value is None or isinstance(value, bool | int | str):
        return True
    if isinstance(value, list):
        return all(is_finite_json(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and is_finite_json(v) for k, v in value.items())
    return False
