"""The study's relations: the interviewer's rating against the self-assessment error, and
thinking you did well against wanting to work with the interviewer (the 2x2 and its tests)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from collabd.analytics.extra import MissingExtraError
from collabd.analytics.records import Observation

try:
    from scipy import stats  # type: ignore[import-untyped, unused-ignore]
except ImportError as exc:
    raise MissingExtraError("scipy") from exc

DID_WELL_MIN = 3
MIN_N_CORRELATION = 3  # with two points any correlation is +-1: not informative


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


def rating_vs_error(obs: Sequence[Observation]) -> dict[str, Any]:
    rating = [o.interviewer_rating for o in obs]
    signed = [float(o.error) for o in obs]
    absolute = [abs(e) for e in signed]
    return {
        "n": len(obs),
        "x": "interviewer_rating",
        "signed_error": _correlation(rating, signed, "interviewer rating", "signed error"),
        "absolute_error": _correlation(rating, absolute, "interviewer rating", "absolute error"),
    }


def willingness(obs: Sequence[Observation]) -> dict[str, Any]:
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
        chi2["min_expected"] = float(res.expected_freq.min())
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
