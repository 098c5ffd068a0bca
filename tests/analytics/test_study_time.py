"""R² as data accumulated, by session end time."""

import dataclasses
import random

import numpy as np
import pytest
from scipy import stats

from collabd.analytics.study import STABLE_MIN_N, compute

from .helpers import T0, record

PAIRS = [(2, 2), (2, 3), (4, 3), (1, 2), (3, 3), (3, 1), (4, 4), (1, 1), (2, 4), (3, 2), (4, 2)]


def test_points_follow_end_time_not_input_order():
    records = [record(i, a, p) for i, (a, p) in enumerate(PAIRS)]
    shuffled = records[:]
    random.Random(7).shuffle(shuffled)
    over = compute(shuffled)["r2_over_time"]
    points = over["points"]
    assert [pt["n"] for pt in points] == list(range(1, len(PAIRS) + 1))
    assert [pt["ended_at"] for pt in points] == [T0 + 60_000 * i for i in range(len(PAIRS))]

    a, p = np.array(PAIRS).T
    for pt in points:
        k = pt["n"]
        if k == 1:
            assert pt["r2"] is None
        elif len(set(a[:k])) == 1 or len(set(p[:k])) == 1:
            assert pt["r2"] is None and "equal" in pt["reason"]
        else:
            ref = stats.linregress(a[:k], p[:k]).rvalue ** 2
            assert pt["r2"] == pytest.approx(ref, rel=1e-12), k
            assert pt["reason"] is None
    # the first point has one session; the second has two equal actual scores (2, 2)
    assert "one session" in points[0]["reason"]
    assert "actual scores are equal" in points[1]["reason"]
    assert over["final_r2"] == pytest.approx(stats.linregress(a, p).rvalue ** 2, rel=1e-12)
    # fewer than STABLE_MIN_N sessions: no "max as data grew" yet
    assert over["max_r2"] is None
    assert str(STABLE_MIN_N) in over["reason"]


def test_ties_in_end_time_are_broken_by_session_id():
    records = [dataclasses.replace(record(i, a, p), ended_at=T0) for i, (a, p) in enumerate(PAIRS)]
    forward = compute(records)["r2_over_time"]["points"]
    backward = compute(records[::-1])["r2_over_time"]["points"]
    assert forward == backward
    # session ids s0000, s0001, ... sort like the indices, so prefix k holds PAIRS[:k]
    a, p = np.array(PAIRS).T
    assert forward[4]["r2"] == pytest.approx(stats.linregress(a[:5], p[:5]).rvalue ** 2)


def test_max_r2_ignores_short_prefixes():
    # 40 sessions: the first three lie on a line (R² = 1), then noise
    rng = np.random.default_rng(3)
    pairs = [(1, 1), (2, 2), (3, 3)] + [
        (int(a), int(p)) for a, p in rng.integers(1, 5, size=(37, 2))
    ]
    over = compute([record(i, a, p) for i, (a, p) in enumerate(pairs)])["r2_over_time"]
    a, p = np.array(pairs).T
    assert over["points"][2]["r2"] == pytest.approx(1.0)
    expected = max(
        stats.linregress(a[:k], p[:k]).rvalue ** 2 for k in range(STABLE_MIN_N, len(pairs) + 1)
    )
    assert over["max_r2"] == pytest.approx(expected, rel=1e-12)
    assert over["max_r2_min_n"] == STABLE_MIN_N
    assert over["reason"] is None


def test_long_histories_are_thinned_but_max_sees_every_prefix():
    rng = np.random.default_rng(11)
    pairs = [(int(a), int(p)) for a, p in rng.integers(1, 5, size=(47, 2))]
    records = [record(i, a, p) for i, (a, p) in enumerate(pairs)]
    over = compute(records, r2_points_max=10)["r2_over_time"]
    assert over["points_step"] == 5  # ceil(47 / 10)
    assert [pt["n"] for pt in over["points"]] == [5, 10, 15, 20, 25, 30, 35, 40, 45, 47]
    a, p = np.array(pairs).T
    for pt in over["points"]:
        k = pt["n"]
        assert pt["r2"] == pytest.approx(stats.linregress(a[:k], p[:k]).rvalue ** 2, rel=1e-12)
    every = [stats.linregress(a[:k], p[:k]).rvalue ** 2 for k in range(STABLE_MIN_N, 48)]
    assert over["max_r2"] == pytest.approx(max(every), rel=1e-12)
    assert compute(records)["r2_over_time"]["points_step"] == 1


def test_r2_points_max_must_be_positive():
    with pytest.raises(ValueError, match="r2_points_max"):
        compute([], r2_points_max=0)
