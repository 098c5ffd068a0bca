"""Invariants over arbitrary record sets, including broken and degenerate ones."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collabd.analytics.records import InterviewRecord
from collabd.analytics.study import compute, is_finite_json

score = st.integers(1, 4)
bad_score = st.sampled_from([0, 5, 2.5, True, None, "3"])

interviewer_forms = st.one_of(
    st.none(),
    st.fixed_dictionaries({"would_hire": st.booleans(), "technical": score}),
    st.fixed_dictionaries({"would_hire": st.booleans(), "technical": bad_score}),
)
interviewee_forms = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {
            "would_work_with": st.booleans(),
            "question_quality": score,
            "helpfulness": score,
            "self_assessment": score,
        }
    ),
    st.fixed_dictionaries(
        {
            "would_work_with": st.booleans(),
            "question_quality": score,
            "helpfulness": score,
            "self_assessment": bad_score,
        }
    ),
)


@st.composite
def record_lists(draw):
    n = draw(st.integers(0, 40))
    return [
        InterviewRecord(
            session_id=f"s{i}",
            ended_at=draw(st.one_of(st.none(), st.integers(0, 10))),  # many ties
            interviewer_pid="er",
            interviewee_pid=draw(st.sampled_from(["p1", "p2", "p3"])),
            kind=draw(st.sampled_from(["real", "practice", "simulated"])),
            interviewer_form=draw(interviewer_forms),
            interviewee_form=draw(interviewee_forms),
        )
        for i in range(n)
    ]


def numbers_with_reasons(obj):
    """Every dict holding a null statistic must carry a reason."""
    if isinstance(obj, dict):
        keys = ("slope", "r2", "coefficients", "mean_error", "willingness_ratio")
        stats_null = any(obj.get(k, 0) is None for k in keys)
        if "pearson" in obj:
            stats_null = stats_null or obj["pearson"]["r"] is None
        if "fisher_exact" in obj:
            assert (obj["fisher_exact"]["p"] is None) == bool(obj["fisher_exact"]["reason"])
            assert (obj["chi_square"]["p"] is None) == bool(obj["chi_square"]["reason"])
        if obj.get("willingness_ratio", 0) is None:
            assert obj["willingness_ratio_reason"], obj
        elif stats_null:
            assert obj["reason"], obj
        for v in obj.values():
            numbers_with_reasons(v)
    elif isinstance(obj, list):
        for v in obj:
            numbers_with_reasons(v)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    record_lists(), st.sampled_from([[], ["practice"], ["simulated"], ["simulated", "practice"]])
)
def test_invariants(records, include):
    result = compute(records, include=include)
    assert is_finite_json(result)
    json.dumps(result, allow_nan=False)

    counts = result["counts"]
    assert counts["total"] == len(records)
    assert counts["included"] + counts["excluded_total"] == len(records)
    assert sum(counts["excluded"].values()) == counts["excluded_total"]
    for kind in ("practice", "simulated"):
        if kind not in include:
            assert counts["included_by_kind"][kind] == 0
            assert counts["excluded"][kind] == sum(r.kind == kind for r in records)
        else:
            assert counts["excluded"][kind] == 0
    assert sum(counts["included_by_kind"].values()) == counts["included"]

    n = counts["included"]
    table = result["table"]["counts"]
    assert sum(map(sum, table)) == n
    assert [sum(row) for row in table] == result["distributions"]["perceived"]
    assert sum(map(sum, result["did_well_vs_would_work_with"]["counts"])) == n

    overall = result["rating_shares"]["overall"]
    assert sum(overall["counts"].values()) == n
    hirable, low = result["rating_shares"]["hirable"], result["rating_shares"]["not_hirable"]
    assert hirable["n"] + low["n"] == n

    lin = result["fits"]["linear"]
    points = result["r2_over_time"]["points"]
    assert len(points) == n
    assert [p["ended_at"] for p in points] == sorted(p["ended_at"] for p in points)
    if points:
        assert points[-1]["r2"] == lin["r2"]
    for r2 in [lin["r2"], *(p["r2"] for p in points)]:
        assert r2 is None or 0 <= r2 <= 1 + 1e-12
    numbers_with_reasons(result)

    # input order does not matter (integer sums make the main numbers exact)
    again = compute(records[::-1], include=include)
    for key in ("counts", "distributions", "table", "rating_shares", "r2_over_time"):
        assert again[key] == result[key]
    assert again["fits"]["linear"] == lin
