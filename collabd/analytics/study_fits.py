"""The study's least-squares fits of perceived on actual: linear (exact integer sums),
polynomial, and the linear fit's R² as sessions accumulated."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from collabd.analytics.extra import MissingExtraError
from collabd.analytics.records import Observation

try:
    import numpy as np
except ImportError as exc:
    raise MissingExtraError("numpy") from exc

STABLE_MIN_N = 30  # the "max R² as data grew" ignores the tiny, noisy first prefixes


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

def r2_over_time(obs: Sequence[Observation], max_points: int) -> dict[str, Any]:
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
