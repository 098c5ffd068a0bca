"""Exclusion counts, session kinds, distributions and the 4x4 table."""

import dataclasses
import json

from collabd.analytics.study import SCHEMA, SCHEMA_VERSION, compute, is_finite_json

from .helpers import HAND_PAIRS, hand_records, record


def mixed_records():
    complete = hand_records()
    extra = [
        dataclasses.replace(record(20, 3, 3), ended_at=None),
        dataclasses.replace(record(21, 3, 3), ended_at=None),
        dataclasses.replace(record(22, 3, 3), interviewer_form=None),
        dataclasses.replace(record(23, 3, 3), interviewee_form=None),
        dataclasses.replace(record(24, 3, 3), interviewee_form=None),
        dataclasses.replace(record(25, 3, 3), interviewee_form=None),
        dataclasses.replace(record(26, 3, 3), interviewer_form=None, interviewee_form=None),
        dataclasses.replace(record(27, 3, 3), interviewer_form={"technical": "3"}),
        record(30, 4, 1, kind="simulated"),
        record(31, 2, 4, kind="simulated"),
        dataclasses.replace(record(32, 2, 2, kind="simulated"), ended_at=None),
        record(33, 1, 4, kind="practice"),
    ]
    return complete + extra


def test_header_and_json():
    result = compute(hand_records())
    assert result["schema"] == SCHEMA
    assert result["version"] == SCHEMA_VERSION == 2
    assert result["options"] == {"include": ["real"]}
    assert "question_quality" in result["definitions"]["interviewer_rating"]
    assert is_finite_json(result)
    assert json.loads(json.dumps(result, allow_nan=False)) == result


def test_only_real_sessions_count_by_default_and_the_others_are_counted():
    result = compute(mixed_records())
    counts = result["counts"]
    assert counts["included"] == 8
    assert counts["included_by_kind"] == {"real": 8, "practice": 0, "simulated": 0}
    assert counts["excluded"]["practice"] == 1
    assert counts["excluded"]["simulated"] == 3  # its kind wins over "not ended"
    assert counts["excluded"]["not_ended"] == 2
    assert counts["excluded_total"] == 12
    # the other kinds reach no statistic
    assert result["distributions"]["n"] == 8
    assert result["table"]["counts"][0][3] == 0  # the simulated (actual 4, perceived 1)
    assert result["table"]["counts"][3][0] == 0  # the practice one (actual 1, perceived 4)


def test_practice_sessions_included_on_request():
    result = compute(mixed_records(), include=["practice"])
    assert result["options"] == {"include": ["real", "practice"]}
    counts = result["counts"]
    assert counts["included_by_kind"] == {"real": 8, "practice": 1, "simulated": 0}
    assert counts["excluded"]["practice"] == 0 and counts["excluded"]["simulated"] == 3
    assert result["table"]["counts"][3][0] == 1


def test_unknown_kind_is_refused():
    import pytest

    with pytest.raises(ValueError, match="unknown session kinds: bots"):
        compute([], include=["bots"])


def test_exclusion_counts_with_every_kind_included():
    counts = compute(mixed_records(), include=["practice", "simulated"])["counts"]
    assert counts == {
        "total": 20,
        "included": 8 + 2 + 1,
        "included_by_kind": {"real": 8, "practice": 1, "simulated": 2},
        "excluded_total": 9,
        "excluded": {
            "practice": 0,
            "simulated": 0,
            "not_ended": 3,  # two real, one simulated
            "interviewer_form_missing": 2,  # one of them lacks both forms
            "interviewee_form_missing": 3,
            "interviewer_form_invalid": 1,
            "interviewee_form_invalid": 0,
        },
    }


def test_distributions_and_table_counted_by_hand():
    result = compute(mixed_records())
    dist = result["distributions"]
    # actual: 1,1,2,3,3,3,4,4 ; perceived: 1,2,2,2,3,4,3,4
    assert dist["scores"] == [1, 2, 3, 4]
    assert dist["actual"] == [2, 1, 3, 2]
    assert dist["perceived"] == [1, 3, 2, 2]
    assert dist["actual_mean"] == 21 / 8
    assert dist["perceived_mean"] == 21 / 8
    table = result["table"]
    assert (table["rows"], table["columns"]) == ("perceived", "actual")
    # counts[perceived - 1][actual - 1]
    assert table["counts"] == [
        [1, 0, 0, 0],
        [1, 1, 1, 0],
        [0, 0, 1, 1],
        [0, 0, 1, 1],
    ]


def test_table_marginals_match_distributions():
    result = compute(mixed_records(), include=["simulated"])
    counts = result["table"]["counts"]
    dist = result["distributions"]
    assert [sum(row) for row in counts] == dist["perceived"]
    assert [sum(col) for col in zip(*counts, strict=True)] == dist["actual"]
    assert sum(map(sum, counts)) == result["counts"]["included"] == 10


def test_period_spans_included_sessions_only():
    result = compute(mixed_records())
    first = hand_records()[0].ended_at
    last = hand_records()[len(HAND_PAIRS) - 1].ended_at
    assert result["period"] == {"first_ended_at": first, "last_ended_at": last}


def test_input_order_does_not_matter():
    records = mixed_records()
    assert compute(records[::-1]) == compute(records)


def test_accepts_any_iterable():
    assert compute(iter(hand_records())) == compute(hand_records())
