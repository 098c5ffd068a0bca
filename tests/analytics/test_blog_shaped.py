"""End to end on a blog-shaped dataset, against computations written independently here."""

import argparse
import io
import json

import numpy as np
import pytest
from scipy import stats

from collabd.analytics import cli
from collabd.analytics.person import history
from collabd.analytics.records import Observation, classify
from collabd.analytics.report import render_html
from collabd.analytics.study import STABLE_MIN_N, compute

from . import blog_data


@pytest.fixture(scope="module")
def records():
    return blog_data.blog_records()


@pytest.fixture(scope="module")
def result(records):
    return compute(records)


@pytest.fixture(scope="module")
def columns(records):
    """The complete, real sessions as numpy columns, sorted by end time."""
    rows = [r for r in records if not r.simulated and r.ended_at is not None]
    rows = [r for r in rows if r.interviewer_form is not None and r.interviewee_form is not None]
    rows.sort(key=lambda r: r.ended_at)
    er = [r.interviewer_form for r in rows]
    ee = [r.interviewee_form for r in rows]
    return {
        "ended": np.array([r.ended_at for r in rows]),
        "pid": np.array([r.interviewee_pid for r in rows]),
        "a": np.array([f["technical"] for f in er]),
        "p": np.array([f["self_assessment"] for f in ee]),
        "rating": np.array([(f["question_quality"] + f["helpfulness"]) / 2 for f in ee]),
        "www": np.array([f["would_work_with"] for f in ee]),
    }


def test_counts(result, records):
    counts = result["counts"]
    assert counts["total"] == len(records) == 361
    assert counts["included"] == blog_data.COMPLETE == 254
    assert counts["excluded"] == {
        "practice": 0,
        "simulated": blog_data.SIMULATED,
        "not_ended": blog_data.NOT_ENDED,
        "interviewer_form_missing": blog_data.INTERVIEWER_MISSING,
        "interviewee_form_missing": blog_data.INTERVIEWEE_MISSING,
        "interviewer_form_invalid": 0,
        "interviewee_form_invalid": 0,
    }
    with_sim = compute(records, include=["simulated"])["counts"]
    assert with_sim["included"] == 254 + blog_data.SIMULATED
    assert with_sim["included_by_kind"]["simulated"] == blog_data.SIMULATED


def test_distributions_and_table(result, columns):
    a, p = columns["a"], columns["p"]
    assert result["distributions"]["actual"] == np.bincount(a, minlength=5)[1:].tolist()
    assert result["distributions"]["perceived"] == np.bincount(p, minlength=5)[1:].tolist()
    table = np.zeros((4, 4), dtype=int)
    np.add.at(table, (p - 1, a - 1), 1)
    assert result["table"]["counts"] == table.tolist()


def test_fits(result, columns):
    a, p = columns["a"], columns["p"]
    ref = stats.linregress(a, p)
    lin = result["fits"]["linear"]
    assert lin["n"] == 254
    assert lin["slope"] == pytest.approx(ref.slope, rel=1e-10)
    assert lin["intercept"] == pytest.approx(ref.intercept, rel=1e-10)
    assert lin["r2"] == pytest.approx(ref.rvalue**2, rel=1e-10)

    keep = a != 1
    ref_low = stats.linregress(a[keep], p[keep])
    low = result["fits"]["linear_without_worst"]
    assert low["removed_count"] == int((~keep).sum())
    assert low["r2"] == pytest.approx(ref_low.rvalue**2, rel=1e-10)

    for poly in result["fits"]["polynomial"]:
        coefs = np.polyfit(a, p, poly["degree"])
        resid = p - np.polyval(coefs, a)
        r2 = 1 - np.sum(resid**2) / np.sum((p - p.mean()) ** 2)
        assert poly["coefficients"] == pytest.approx(coefs[::-1], abs=1e-8)
        assert poly["r2"] == pytest.approx(r2, rel=1e-9)

    # the blog's shape: a weak link, weaker still without the worst interviews, and no curve
    # doing much better than the line
    assert 0.1 < lin["r2"] < 0.4
    assert low["r2"] < lin["r2"]
    assert result["fits"]["polynomial"][1]["r2"] - lin["r2"] < 0.05


def test_shares(result, columns):
    a, p = columns["a"], columns["p"]
    for name, mask in (("overall", a > 0), ("hirable", a >= 3), ("not_hirable", a < 3)):
        got = result["rating_shares"][name]
        assert got["n"] == int(mask.sum())
        assert got["counts"]["under"] == int((a[mask] > p[mask]).sum())
        assert got["counts"]["over"] == int((a[mask] < p[mask]).sum())
        assert got["shares"]["exact"] == pytest.approx(np.mean(a[mask] == p[mask]))
        assert got["mean_error"] == pytest.approx(np.mean(p[mask] - a[mask]))


def test_r2_over_time(result, columns):
    a, p, ended = columns["a"], columns["p"], columns["ended"]
    points = result["r2_over_time"]["points"]
    assert [pt["ended_at"] for pt in points] == ended.tolist()
    expected = []
    for k in range(1, len(a) + 1):
        defined = k >= 2 and len(set(a[:k])) > 1 and len(set(p[:k])) > 1
        expected.append(stats.linregress(a[:k], p[:k]).rvalue ** 2 if defined else None)
    got = [pt["r2"] for pt in points]
    assert [g is None for g in got] == [e is None for e in expected]
    assert [g for g in got if g is not None] == pytest.approx(
        [e for e in expected if e is not None], rel=1e-9
    )
    stable = [e for e in expected[STABLE_MIN_N - 1 :] if e is not None]
    assert result["r2_over_time"]["max_r2"] == pytest.approx(max(stable), rel=1e-9)
    assert result["r2_over_time"]["final_r2"] == pytest.approx(expected[-1], rel=1e-9)


def test_rating_vs_error(result, columns):
    error = columns["p"] - columns["a"]
    for kind, y in (("signed_error", error), ("absolute_error", np.abs(error))):
        got = result["interviewer_rating_vs_error"][kind]
        pearson = stats.pearsonr(columns["rating"], y)
        spearman = stats.spearmanr(columns["rating"], y)
        assert got["pearson"]["r"] == pytest.approx(pearson.statistic, rel=1e-9)
        assert got["pearson"]["p"] == pytest.approx(pearson.pvalue, rel=1e-7)
        assert got["spearman"]["rho"] == pytest.approx(spearman.statistic, rel=1e-9)
        assert got["spearman"]["p"] == pytest.approx(spearman.pvalue, rel=1e-7)
        assert got["pearson"]["p"] > 0.01  # the generator makes them unrelated


def test_did_well_vs_would_work_with(result, columns):
    well = columns["p"] >= 3
    www = columns["www"]
    table = [
        [int((well & www).sum()), int((well & ~www).sum())],
        [int((~well & www).sum()), int((~well & ~www).sum())],
    ]
    w = result["did_well_vs_would_work_with"]
    assert w["counts"] == table
    ratio = www[well].mean() / www[~well].mean()
    assert w["willingness_ratio"] == pytest.approx(ratio, rel=1e-12)
    assert w["fisher_exact"]["p"] == pytest.approx(stats.fisher_exact(table).pvalue, rel=1e-9)
    chi = stats.chi2_contingency(table)
    assert w["chi_square"]["statistic"] == pytest.approx(chi.statistic, rel=1e-9)
    assert w["chi_square"]["p"] == pytest.approx(chi.pvalue, rel=1e-9)
    assert 2 < w["willingness_ratio"] < 4.5
    assert w["fisher_exact"]["p"] < 1e-6


def test_person_history(records, columns):
    mine = columns["pid"] == "pid-7"
    part = history([r for r in records if r.interviewee_pid == "pid-7"])
    assert part["n"] == int(mine.sum()) > 2
    assert [s["ended_at"] for s in part["sessions"]] == columns["ended"][mine].tolist()
    gaps = (columns["p"] - columns["a"])[mine]
    assert [s["gap"] for s in part["sessions"]] == gaps.tolist()
    assert part["mean_gap"] == pytest.approx(gaps.mean())
    assert part["mean_abs_gap"] == pytest.approx(np.abs(gaps).mean())
    x = np.arange(1, len(gaps) + 1)
    assert part["trend"]["gap_per_interview"] == pytest.approx(np.polyfit(x, gaps, 1)[0])
    assert part["trend"]["abs_gap_per_interview"] == pytest.approx(
        np.polyfit(x, np.abs(gaps), 1)[0]
    )


def test_classify_agrees_with_the_fixture(records, columns):
    obs = [o for r in records if isinstance(o := classify(r), Observation)]
    assert len(obs) == len(columns["a"])


def test_cli_and_report_end_to_end(records, result, tmp_path):
    out = io.StringIO()
    args = argparse_args()
    assert cli.run(args, records, stdout=out, stderr=io.StringIO()) == 0
    assert json.loads(out.getvalue()) == result
    page = render_html(result)
    assert "<strong>n = 254</strong>" in page
    assert page.count('src="data:image/png;base64,') == 4


def argparse_args(**overrides):
    parser = argparse.ArgumentParser()
    cli.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["analytics"])
    for key, value in overrides.items():
        setattr(args, key, value)
    return args
