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

compute() is synchronous and CPU-bound (about a second per 10^5 sessions on one core): call it
from a thread (e.g. `loop.run_in_executor`) in an async handler.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from collabd.analytics.extra import MissingExtraError
from collabd.analytics.records import (
    KINDS,
    SCORES,
    InterviewRecord,
    Observation,
    counted_kinds,
    observations,
)

try:
    import numpy as np
except ImportError as exc:
    raise MissingExtraError("numpy") from exc
try:
    from scipy import stats  # type: ignore[import-untyped, unused-ignore]
except ImportError as exc:
    raise MissingExtraError("scipy") from exc

SCHEMA = "collabd.analytics.study"
SCHEMA_VERSION = 2

HIRABLE_MIN = 3
DID_WELL_MIN = 3
WORST_ACTUAL = 1
POLY_DEGREES = (2, 3)
MIN_N_CORRELATION = 3  # with two points any correlation is +-1: not informative
STABLE_MIN_N = 30  # the "max R² as data grew" ignores the tiny, noisy first prefixes

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
        "r2_over_time": _r2_over_time(obs, r2_points_max),
        "interviewer_rating_vs_error": _rating_vs_error(obs),
        "did_well_vs_would_work_with": _willingness(obs),
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


class _Sums:
    """Integer sums for least squares on integer scores: the variance checks are exact."""

    def __init__(self) -> None:
        self.n = self.sx = self.sy = self.sxx = self.syy = self.sxy = 0

    def add(self, x: int, y: int) -> None:
        self.n += 1
        self.sx += x
        self.sy += y
        self.sxx += x * x
        self.syy += y * y
        self.sxy += x * y

    def fit(self) -> dict[str, Any]:
        n = self.n
        # n² times the variances and covariance; exact integers.
        dxx = n * self.sxx - self.sx * self.sx
        dyy = n * self.syy - self.sy * self.sy
        dxy = n * self.sxy - self.sx * self.sy
        out: dict[str, Any] = {"n": n, "slope": None, "intercept": None, "r2": None}
        if n == 0:
            return {**out, "reason": "no complete sessions"}
        if n == 1:
            return {**out, "reason": "one session: a line needs at least two"}
        if dxx == 0:
            reason = f"all actual scores are equal ({self.sx // n}): slope and R² undefined"
            return {**out, "reason": reason}
        slope = dxy / dxx
        out["slope"] = slope
        out["intercept"] = (self.sy - slope * self.sx) / n
        if dyy == 0:
            reason = f"all perceived scores are equal ({self.sy // n}): zero variance, R² undefined"
            return {**out, "reason": reason}
        out["r2"] = dxy * dxy / (dxx * dyy)
        return {**out, "reason": None}


def linear_fit(actual: Sequence[int], perceived: Sequence[int]) -> dict[str, Any]:
    """OLS of perceived on actual: {n, slope, intercept, r2, reason}."""
    sums = _Sums()
    for a, p in zip(actual, perceived, strict=True):
        sums.add(a, p)
    return sums.fit()


def polynomial_fit(actual: Sequence[int], perceived: Sequence[int], degree: int) -> dict[str, Any]:
    """Least-squares polynomial of perceived on actual.

    coefficients[k] multiplies actual**k (increasing powers). With four score levels a cubic
    passes through each level's mean, so its R² is the most any curve in actual can reach.
    """
    out: dict[str, Any] = {"degree": degree, "n": len(actual), "coefficients": None, "r2": None}
    levels = len(set(actual))
    if not actual:
        return {**out, "reason": "no complete sessions"}
    if levels < degree + 1:
        reason = f"degree {degree} needs {degree + 1} distinct actual scores, found {levels}"
        return {**out, "reason": reason}
    x = np.asarray(actual, dtype=float)
    y = np.asarray(perceived, dtype=float)
    coefs = np.polynomial.polynomial.polyfit(x, y, degree)
    out["coefficients"] = [float(c) for c in coefs]
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    if len(set(perceived)) == 1:
        reason = f"all perceived scores are equal ({perceived[0]}): zero variance, R² undefined"
        return {**out, "reason": reason}
    residuals = y - np.polynomial.polynomial.polyval(x, coefs)
    r2 = 1.0 - float(np.sum(residuals**2)) / ss_tot
    out["r2"] = min(1.0, max(0.0, r2))  # clip rounding noise; exact fits land on 1
    return {**out, "reason": None}


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


def _r2_over_time(obs: Sequence[Observation], max_points: int) -> dict[str, Any]:
    """R² of the linear fit over the first k sessions by end time.

    Every k is computed (max_r2 sees them all); past max_points the list keeps every step-th
    prefix and the last one, which is plenty for a line chart and keeps the JSON small.
    """
    total = len(obs)
    step = max(1, math.ceil(total / max_points))
    sums = _Sums()
    points = []
    best: float | None = None
    for o in obs:
        sums.add(o.actual, o.perceived)
        fit = sums.fit()
        r2 = fit["r2"]
        if r2 is not None and sums.n >= STABLE_MIN_N and (best is None or r2 > best):
            best = r2
        if sums.n % step == 0 or sums.n == total:
            points.append({"n": sums.n, "ended_at": o.ended_at, "r2": r2, "reason": fit["reason"]})
    if not points:
        reason: str | None = "no complete sessions"
    elif best is None:
        reason = f"R² is not defined for any prefix of at least {STABLE_MIN_N} sessions"
    else:
        reason = None
    return {
        "points": points,
        "points_step": step,
        "final_r2": points[-1]["r2"] if points else None,
        "max_r2": best,
        "max_r2_min_n": STABLE_MIN_N,
        "reason": reason,
    }


def _correlation(
    x: Sequence[float], y: Sequence[float], x_name: str, y_name: str
) -> dict[str, Any]:
    empty: dict[str, Any] = {
        "pearson": {"r": None, "p": None},
        "spearman": {"rho": None, "p": None},
    }
    n = len(x)
    if n < MIN_N_CORRELATION:
        return {**empty, "reason": f"{n} session(s): a correlation needs {MIN_N_CORRELATION}"}
    for name, values in ((x_name, x), (y_name, y)):
        if len(set(values)) == 1:
            return {**empty, "reason": f"all {name} values are equal: correlation undefined"}
    pearson = stats.pearsonr(x, y)
    spearman = stats.spearmanr(x, y)
    return {
        "pearson": {"r": float(pearson.statistic), "p": float(pearson.pvalue)},
        "spearman": {"rho": float(spearman.statistic), "p": float(spearman.pvalue)},
        "reason": None,
    }


def _rating_vs_error(obs: Sequence[Observation]) -> dict[str, Any]:
    rating = [o.interviewer_rating for o in obs]
    signed = [float(o.error) for o in obs]
    absolute = [abs(e) for e in signed]
    return {
        "n": len(obs),
        "x": "interviewer_rating",
        "signed_error": _correlation(rating, signed, "interviewer rating", "signed error"),
        "absolute_error": _correlation(rating, absolute, "interviewer rating", "absolute error"),
    }


def _willingness(obs: Sequence[Observation]) -> dict[str, Any]:
    """Did-well (perceived >= 3) against would-work-with-the-interviewer."""
    well = [o for o in obs if o.perceived >= DID_WELL_MIN]
    poorly = [o for o in obs if o.perceived < DID_WELL_MIN]
    a = sum(o.would_work_with for o in well)
    c = sum(o.would_work_with for o in poorly)
    counts = [[a, len(well) - a], [c, len(poorly) - c]]
    rate_well = a / len(well) if well else None
    rate_poorly = c / len(poorly) if poorly else None

    ratio: float | None = None
    if rate_well is None or rate_poorly is None:
        ratio_reason: str | None = "a rate is missing (empty row)"
    elif rate_poorly == 0:
        ratio_reason = "nobody who thought they did poorly would work with the interviewer"
    else:
        ratio, ratio_reason = rate_well / rate_poorly, None

    fisher: dict[str, Any] = {"p": None}
    chi2: dict[str, Any] = {
        "statistic": None,
        "p": None,
        "dof": 1,
        "yates_correction": True,
        "min_expected": None,
        "note": None,
    }
    empty = _empty_margin(counts)
    if empty is None:
        fisher["p"] = float(stats.fisher_exact(counts).pvalue)
        res = stats.chi2_contingency(counts, correction=True)
        chi2["statistic"] = float(res.statistic)
        chi2["p"] = float(res.pvalue)
        chi2["min_expected"] = float(np.min(res.expected_freq))
        if chi2["min_expected"] < 5:
            chi2["note"] = "an expected count is below 5: the chi-square p is rough, use Fisher's"
    return {
        "n": len(obs),
        "rows": ["did_well", "did_poorly"],
        "columns": ["would_work_with", "would_not"],
        "counts": counts,
        "rate_did_well": rate_well,
        "rate_did_poorly": rate_poorly,
        "willingness_ratio": ratio,
        "willingness_ratio_meaning": "rate_did_well / rate_did_poorly",
        "willingness_ratio_reason": ratio_reason,
        "fisher_exact": {**fisher, "reason": empty},
        "chi_square": {**chi2, "reason": empty},
    }


def _empty_margin(counts: list[list[int]]) -> str | None:
    """Why the 2x2 tests are undefined (a row or column with no sessions), or None."""
    (a, b), (c, d) = counts
    if a + b + c + d == 0:
        return "no complete sessions"
    if a + b == 0:
        return f"empty row: nobody thought they did well (self-assessment >= {DID_WELL_MIN})"
    if c + d == 0:
        return f"empty row: nobody thought they did poorly (self-assessment < {DID_WELL_MIN})"
    if a + c == 0:
        return "empty column: nobody would work with the interviewer"
    if b + d == 0:
        return "empty column: everybody would work with the interviewer"
    return None


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
