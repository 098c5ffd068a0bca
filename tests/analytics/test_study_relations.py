"""Under/over-rating shares, rating-vs-error correlations, and the did-well 2x2 table."""

import math

import numpy as np
import pytest
from scipy import stats

from collabd.analytics.study import compute

from .helpers import hand_records, record


def test_rating_shares_by_hand():
    shares = compute(hand_records())["rating_shares"]
    # under (a > p): (3,2) (4,3); over (a < p): (1,2) (3,4); exact: the other four
    overall = shares["overall"]
    assert overall["n"] == 8
    assert overall["counts"] == {"under": 2, "over": 2, "exact": 4}
    assert overall["shares"] == {"under": 0.25, "over": 0.25, "exact": 0.5}
    # errors p - a: 0, +1, 0, -1, 0, +1, -1, 0
    assert overall["mean_error"] == 0
    assert overall["mean_abs_error"] == 0.5
    # hirable (a >= 3): (3,2) (3,3) (3,4) (4,3) (4,4)
    hirable = shares["hirable"]
    assert hirable["n"] == 5
    assert hirable["counts"] == {"under": 2, "over": 1, "exact": 2}
    assert hirable["shares"]["under"] == pytest.approx(0.4)
    assert hirable["mean_error"] == pytest.approx(-1 / 5)
    # not hirable: (1,1) (1,2) (2,2)
    assert shares["not_hirable"]["counts"] == {"under": 0, "over": 1, "exact": 2}


# interviewer rating = mean(question_quality, helpfulness); chosen so that ranks have ties
RATING_ROWS = [
    # actual, perceived, question_quality, helpfulness
    (3, 2, 4, 4),
    (2, 2, 3, 4),
    (4, 3, 2, 3),
    (1, 3, 1, 2),
    (3, 3, 4, 3),
    (2, 4, 2, 2),
    (4, 4, 3, 3),
    (3, 1, 1, 1),
    (1, 1, 4, 2),
    (2, 3, 3, 3),
]


def rating_result():
    records = [record(i, a, p, rating=(q, h)) for i, (a, p, q, h) in enumerate(RATING_ROWS)]
    return compute(records)["interviewer_rating_vs_error"]


def pearson_by_hand(x, y):
    x, y = np.asarray(x, float), np.asarray(y, float)
    dx, dy = x - x.mean(), y - y.mean()
    r = np.sum(dx * dy) / math.sqrt(np.sum(dx**2) * np.sum(dy**2))
    n = len(x)
    t = r * math.sqrt((n - 2) / (1 - r**2))
    return r, 2 * stats.t.sf(abs(t), n - 2)


@pytest.mark.parametrize("kind", ["signed_error", "absolute_error"])
def test_rating_vs_error_correlations(kind):
    rating = [(q + h) / 2 for _, _, q, h in RATING_ROWS]
    signed = [p - a for a, p, _, _ in RATING_ROWS]
    target = signed if kind == "signed_error" else [abs(e) for e in signed]
    got = rating_result()[kind]
    assert got["reason"] is None

    r, p = pearson_by_hand(rating, target)
    assert got["pearson"]["r"] == pytest.approx(r, rel=1e-9)
    assert got["pearson"]["p"] == pytest.approx(p, rel=1e-7)

    # Spearman: Pearson on mid-ranks, p from the t approximation with n - 2 dof
    rho, p_rho = pearson_by_hand(stats.rankdata(rating), stats.rankdata(target))
    assert got["spearman"]["rho"] == pytest.approx(rho, rel=1e-9)
    assert got["spearman"]["p"] == pytest.approx(p_rho, rel=1e-7)


def test_rating_vs_error_header():
    result = rating_result()
    assert result["n"] == len(RATING_ROWS)
    assert result["x"] == "interviewer_rating"


def willingness_records(a, b, c, d):
    """a: did well + would work with, b: did well + would not, c/d: the same for did poorly."""
    rows = [(3, True)] * a + [(4, False)] * b + [(2, True)] * c + [(1, False)] * d
    return [record(i, 3, p, would_work_with=w) for i, (p, w) in enumerate(rows)]


def fisher_two_sided_by_hand(a, b, c, d):
    """Sum the hypergeometric probabilities of tables no more likely than the observed one."""
    row1, col1, n = a + b, a + c, a + b + c + d

    def prob(x):
        return math.comb(col1, x) * math.comb(n - col1, row1 - x) / math.comb(n, row1)

    observed = prob(a)
    lo, hi = max(0, row1 + col1 - n), min(row1, col1)
    return sum(prob(x) for x in range(lo, hi + 1) if prob(x) <= observed * (1 + 1e-7))


def yates_chi2_by_hand(a, b, c, d):
    n = a + b + c + d
    observed = [[a, b], [c, d]]
    rows, cols = [a + b, c + d], [a + c, b + d]
    total = 0.0
    for i in range(2):
        for j in range(2):
            expected = rows[i] * cols[j] / n
            total += (abs(observed[i][j] - expected) - 0.5) ** 2 / expected
    return total, stats.chi2.sf(total, 1)


def test_did_well_vs_would_work_with():
    a, b, c, d = 12, 4, 3, 9
    w = compute(willingness_records(a, b, c, d))["did_well_vs_would_work_with"]
    assert w["n"] == 28
    assert w["rows"] == ["did_well", "did_poorly"]
    assert w["columns"] == ["would_work_with", "would_not"]
    assert w["counts"] == [[12, 4], [3, 9]]
    assert w["rate_did_well"] == 12 / 16
    assert w["rate_did_poorly"] == 3 / 12
    assert w["willingness_ratio"] == pytest.approx(3.0)  # "3 times less likely"
    assert w["willingness_ratio_reason"] is None

    fisher_p = fisher_two_sided_by_hand(a, b, c, d)
    assert w["fisher_exact"]["p"] == pytest.approx(fisher_p, rel=1e-9)
    assert w["fisher_exact"]["p"] == pytest.approx(
        stats.fisher_exact([[a, b], [c, d]]).pvalue, rel=1e-9
    )
    assert w["fisher_exact"]["reason"] is None

    statistic, chi_p = yates_chi2_by_hand(a, b, c, d)
    chi = w["chi_square"]
    assert chi["statistic"] == pytest.approx(statistic, rel=1e-9)
    assert chi["p"] == pytest.approx(chi_p, rel=1e-9)
    assert chi["dof"] == 1 and chi["yates_correction"] is True
    # expected counts: rows 16/12, columns 15/13 -> smallest 12*13/28
    assert chi["min_expected"] == pytest.approx(12 * 13 / 28)
    assert chi["note"] is None


def test_chi_square_warns_on_small_expected_counts():
    a, b, c, d = 3, 1, 1, 2
    w = compute(willingness_records(a, b, c, d))["did_well_vs_would_work_with"]
    ref = stats.chi2_contingency([[a, b], [c, d]], correction=True)
    assert w["chi_square"]["p"] == pytest.approx(ref.pvalue, rel=1e-9)
    assert w["chi_square"]["min_expected"] == pytest.approx(3 * 3 / 7)
    assert "below 5" in w["chi_square"]["note"]
    assert w["fisher_exact"]["p"] == pytest.approx(fisher_two_sided_by_hand(a, b, c, d))
