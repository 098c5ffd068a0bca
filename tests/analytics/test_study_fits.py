"""Regression fits, checked by hand and against scipy/numpy calls written here."""

from fractions import Fraction

import numpy as np
import pytest
from scipy import stats

from collabd.analytics.study import compute

from .helpers import HAND_PAIRS, hand_records, record


def test_linear_fit_by_hand():
    # pairs (a, p): (1,1) (1,2) (2,2) (3,2) (3,3) (3,4) (4,3) (4,4), n = 8
    # sum a = 21, sum p = 21, sum a² = 65, sum p² = 63, sum ap = 62
    # Saa = 65 - 21²/8 = 79/8 ; Spp = 63 - 441/8 = 63/8 ; Sap = 62 - 441/8 = 55/8
    # slope = Sap/Saa = 55/79 ; intercept = 21/8 - 55/79 * 21/8 = 63/79
    # R² = Sap² / (Saa Spp) = 3025 / (79 * 63) = 3025/4977
    fit = compute(hand_records())["fits"]["linear"]
    assert fit["n"] == 8
    assert fit["slope"] == pytest.approx(55 / 79, rel=1e-12)
    assert fit["intercept"] == pytest.approx(63 / 79, rel=1e-12)
    assert fit["r2"] == pytest.approx(3025 / 4977, rel=1e-12)
    assert fit["reason"] is None


def test_linear_fit_without_worst_by_hand():
    # without actual == 1: (2,2) (3,2) (3,3) (3,4) (4,3) (4,4), n = 6
    # Saa = 63 - 19²/6 = 17/6 ; Spp = 58 - 18²/6 = 4 ; Sap = 59 - 19*18/6 = 2
    # slope = 2 / (17/6) = 12/17 ; intercept = 3 - 12/17 * 19/6 = 13/17 ; R² = 4/(17/6 * 4) = 6/17
    fit = compute(hand_records())["fits"]["linear_without_worst"]
    assert fit["n"] == 6
    assert fit["removed"] == "actual == 1"
    assert fit["removed_count"] == 2
    assert fit["slope"] == pytest.approx(12 / 17, rel=1e-12)
    assert fit["intercept"] == pytest.approx(13 / 17, rel=1e-12)
    assert fit["r2"] == pytest.approx(6 / 17, rel=1e-12)


def test_linear_fit_against_linregress():
    pairs = [(1, 2), (2, 1), (2, 3), (3, 3), (3, 4), (4, 2), (4, 4), (1, 1), (3, 1), (2, 2)]
    result = compute([record(i, a, p) for i, (a, p) in enumerate(pairs)])
    a, p = np.array(pairs).T
    ref = stats.linregress(a, p)
    fit = result["fits"]["linear"]
    assert fit["slope"] == pytest.approx(ref.slope, rel=1e-12)
    assert fit["intercept"] == pytest.approx(ref.intercept, rel=1e-12)
    assert fit["r2"] == pytest.approx(ref.rvalue**2, rel=1e-12)

    keep = a != 1
    ref2 = stats.linregress(a[keep], p[keep])
    fit2 = result["fits"]["linear_without_worst"]
    assert fit2["n"] == int(keep.sum())
    assert fit2["slope"] == pytest.approx(ref2.slope, rel=1e-12)
    assert fit2["r2"] == pytest.approx(ref2.rvalue**2, rel=1e-12)


def r2_of(poly_coefs_high_first, a, p):
    resid = p - np.polyval(poly_coefs_high_first, a)
    return 1 - np.sum(resid**2) / np.sum((p - p.mean()) ** 2)


@pytest.mark.parametrize("degree", [2, 3])
def test_polynomial_fits_against_numpy_polyfit(degree):
    result = compute(hand_records())
    poly = {f["degree"]: f for f in result["fits"]["polynomial"]}[degree]
    a, p = np.array(HAND_PAIRS, dtype=float).T
    ref = np.polyfit(a, p, degree)  # highest power first
    assert poly["n"] == 8
    assert poly["coefficients"] == pytest.approx(ref[::-1], abs=1e-9)
    assert poly["r2"] == pytest.approx(r2_of(ref, a, p), rel=1e-9)


def test_cubic_goes_through_the_level_means_by_hand():
    # level means: a=1 -> 1.5, a=2 -> 2, a=3 -> 3, a=4 -> 3.5
    # within-level squares: 2*0.5² + 0 + (1+0+1) + 2*0.5² = 3 ; total = Spp = 63/8
    # R² = 1 - 3 / (63/8) = 13/21
    cubic = compute(hand_records())["fits"]["polynomial"][1]
    assert cubic["degree"] == 3
    assert cubic["r2"] == pytest.approx(13 / 21, rel=1e-9)
    means = {1: 1.5, 2: 2.0, 3: 3.0, 4: 3.5}
    for level, mean in means.items():
        value = sum(c * level**k for k, c in enumerate(cubic["coefficients"]))
        assert value == pytest.approx(mean, abs=1e-9)


def test_quadratic_r2_lies_between_linear_and_cubic():
    fits = compute(hand_records())["fits"]
    linear = Fraction(3025, 4977)
    assert float(linear) <= fits["polynomial"][0]["r2"] + 1e-12
    assert fits["polynomial"][0]["r2"] <= fits["polynomial"][1]["r2"] + 1e-12
