"""Degenerate inputs never crash, and every missing number says why."""

import dataclasses
import json

import pytest

from collabd.analytics.study import compute, is_finite_json

from .helpers import hand_records, record


def assert_clean(result):
    assert is_finite_json(result)
    json.dumps(result, allow_nan=False)


def assert_nothing_computed(result):
    assert result["distributions"]["reason"] == "no complete sessions"
    assert result["distributions"]["actual"] == [0, 0, 0, 0]
    assert result["distributions"]["actual_mean"] is None
    assert result["table"]["counts"] == [[0] * 4 for _ in range(4)]
    for fit in (result["fits"]["linear"], result["fits"]["linear_without_worst"]):
        assert fit["slope"] is None and fit["r2"] is None
        assert fit["reason"] == "no complete sessions"
    for poly in result["fits"]["polynomial"]:
        assert poly["coefficients"] is None and poly["reason"] == "no complete sessions"
    for group in result["rating_shares"].values():
        assert group["n"] == 0
        assert group["shares"] == {"under": None, "over": None, "exact": None}
        assert group["reason"]
    over = result["r2_over_time"]
    assert over["points"] == [] and over["final_r2"] is None and over["max_r2"] is None
    assert over["reason"] == "no complete sessions"
    for kind in ("signed_error", "absolute_error"):
        corr = result["interviewer_rating_vs_error"][kind]
        assert corr["pearson"]["r"] is None and corr["spearman"]["p"] is None
        assert "0 session" in corr["reason"]
    w = result["did_well_vs_would_work_with"]
    assert w["counts"] == [[0, 0], [0, 0]]
    assert w["rate_did_well"] is None and w["willingness_ratio"] is None
    assert w["fisher_exact"]["p"] is None and w["chi_square"]["p"] is None
    assert w["fisher_exact"]["reason"] == "no complete sessions"
    assert result["period"] == {"first_ended_at": None, "last_ended_at": None}


def test_no_records_at_all():
    result = compute([])
    assert result["counts"]["total"] == 0
    assert result["counts"]["included"] == 0
    assert_nothing_computed(result)
    assert_clean(result)


def test_no_complete_sessions():
    records = [
        dataclasses.replace(record(0, 3, 3), ended_at=None),
        dataclasses.replace(record(1, 3, 3), interviewee_form=None),
        record(2, 3, 3, kind="simulated"),
    ]
    result = compute(records)
    assert result["counts"]["total"] == 3
    assert result["counts"]["excluded_total"] == 3
    assert_nothing_computed(result)
    assert_clean(result)


def test_single_session():
    result = compute([record(0, 3, 2, would_work_with=False)])
    assert result["distributions"]["actual"] == [0, 0, 1, 0]
    assert result["table"]["counts"][1][2] == 1
    lin = result["fits"]["linear"]
    assert lin["n"] == 1 and lin["slope"] is None and lin["r2"] is None
    assert "one session" in lin["reason"]
    assert result["rating_shares"]["overall"]["shares"]["under"] == 1.0
    assert result["r2_over_time"]["points"] == [
        {"n": 1, "ended_at": record(0, 3, 2).ended_at, "r2": None, "reason": lin["reason"]}
    ]
    assert "1 session" in result["interviewer_rating_vs_error"]["signed_error"]["reason"]
    w = result["did_well_vs_would_work_with"]
    assert w["counts"] == [[0, 0], [0, 1]]
    assert w["rate_did_poorly"] == 0.0 and w["rate_did_well"] is None
    assert w["fisher_exact"]["p"] is None and "empty row" in w["fisher_exact"]["reason"]
    assert w["willingness_ratio"] is None and w["willingness_ratio_reason"]
    assert_clean(result)


def test_two_sessions_fit_exactly_but_give_no_correlation():
    result = compute([record(0, 1, 2), record(1, 3, 4)])
    lin = result["fits"]["linear"]
    assert (lin["slope"], lin["intercept"], lin["r2"]) == (1.0, 1.0, 1.0)
    corr = result["interviewer_rating_vs_error"]["signed_error"]
    assert corr["pearson"]["r"] is None and "needs 3" in corr["reason"]


def test_all_scores_equal():
    records = [record(i, 3, 3, would_work_with=i % 2 == 0) for i in range(6)]
    result = compute(records)
    lin = result["fits"]["linear"]
    assert lin["slope"] is None and lin["r2"] is None
    assert lin["reason"] == "all actual scores are equal (3): slope and R² undefined"
    for poly in result["fits"]["polynomial"]:
        assert poly["coefficients"] is None
        assert "found 1" in poly["reason"]
    assert result["rating_shares"]["overall"]["shares"] == {"under": 0, "over": 0, "exact": 1}
    assert all(pt["r2"] is None for pt in result["r2_over_time"]["points"])
    # constant interviewer rating (3, 3) and constant error (0)
    corr = result["interviewer_rating_vs_error"]["signed_error"]
    assert corr["pearson"]["r"] is None and "all interviewer rating values" in corr["reason"]
    w = result["did_well_vs_would_work_with"]
    assert "nobody thought they did poorly" in w["chi_square"]["reason"]
    assert_clean(result)


def test_constant_perceived_has_a_slope_but_no_r2():
    records = [record(i, a, 2) for i, a in enumerate([1, 2, 3, 4, 2])]
    result = compute(records)
    lin = result["fits"]["linear"]
    assert lin["slope"] == 0.0 and lin["intercept"] == 2.0
    assert lin["r2"] is None and "zero variance" in lin["reason"]
    cubic = result["fits"]["polynomial"][1]
    assert cubic["coefficients"] == pytest.approx([2, 0, 0, 0], abs=1e-9)
    assert cubic["r2"] is None and "zero variance" in cubic["reason"]


def test_too_few_levels_for_a_polynomial():
    records = [record(i, a, p) for i, (a, p) in enumerate([(1, 1), (2, 3), (2, 2), (1, 2)])]
    poly = compute(records)["fits"]["polynomial"]
    assert poly[0]["coefficients"] is None
    assert poly[0]["reason"] == "degree 2 needs 3 distinct actual scores, found 2"
    assert poly[1]["reason"] == "degree 3 needs 4 distinct actual scores, found 2"


def test_only_worst_interviews_leave_nothing_without_them():
    records = [record(i, 1, p) for i, p in enumerate([1, 2, 3])]
    low = compute(records)["fits"]["linear_without_worst"]
    assert low["n"] == 0 and low["removed_count"] == 3
    assert low["slope"] is None and low["reason"] == "no complete sessions"


@pytest.mark.parametrize(
    ("rows", "reason"),
    [
        ([(3, True), (4, False)], "nobody thought they did poorly"),
        ([(1, True), (2, False)], "nobody thought they did well"),
        ([(1, True), (4, True)], "everybody would work with"),
        ([(1, False), (4, False)], "nobody would work with"),
    ],
)
def test_empty_row_or_column_of_the_2x2(rows, reason):
    records = [record(i, 3, p, would_work_with=w) for i, (p, w) in enumerate(rows)]
    w = compute(records)["did_well_vs_would_work_with"]
    assert w["fisher_exact"]["p"] is None and reason in w["fisher_exact"]["reason"]
    assert w["chi_square"]["p"] is None and reason in w["chi_square"]["reason"]
    assert w["chi_square"]["statistic"] is None


def test_nobody_who_did_poorly_would_work_with_them():
    rows = [(3, True), (4, True), (4, False), (1, False), (2, False)]
    records = [record(i, 3, p, would_work_with=w) for i, (p, w) in enumerate(rows)]
    w = compute(records)["did_well_vs_would_work_with"]
    assert w["rate_did_well"] == pytest.approx(2 / 3) and w["rate_did_poorly"] == 0
    assert w["willingness_ratio"] is None
    assert "nobody who thought they did poorly" in w["willingness_ratio_reason"]
    assert w["fisher_exact"]["p"] is not None  # the test itself is still defined


def test_hand_dataset_has_no_missing_reasons():
    result = compute(hand_records())
    assert result["fits"]["linear"]["reason"] is None
    assert all(p["reason"] is None for p in result["fits"]["polynomial"])
