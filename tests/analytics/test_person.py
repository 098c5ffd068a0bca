"""One person's calibration history (collabd.analytics.person), numbers worked out here."""

import dataclasses
import json
import statistics

import pytest

from collabd.analytics.person import SCHEMA, history, person_key, tendency

from .helpers import record

# (session number -> end order, guess, actual), given out of order on purpose
ALICE = [(5, 3, 3), (1, 4, 2), (3, 3, 4), (2, 1, 3), (4, 2, 3)]


def alice_records():
    real = [record(i, actual, guess, interviewee="alice") for i, guess, actual in ALICE]
    return [
        *real,
        record(6, 1, 4, interviewee="alice", kind="practice"),
        dataclasses.replace(record(7, 3, 3, interviewee="alice"), interviewee_form=None),
    ]


def test_history_by_end_time_with_gaps_means_and_counts():
    h = history(alice_records())
    assert h["schema"] == SCHEMA and h["options"] == {"include": ["real"], "last": None}
    ordered = sorted(ALICE)
    assert [s["session_id"] for s in h["sessions"]] == [f"s{i:04d}" for i, _, _ in ordered]
    assert [(s["guess"], s["actual"]) for s in h["sessions"]] == [(g, a) for _, g, a in ordered]
    gaps = [g - a for _, g, a in ordered]
    assert gaps == [2, -2, -1, -1, 0]
    assert [s["gap"] for s in h["sessions"]] == gaps
    assert h["n"] == 5
    assert h["excluded"]["practice"] == 1
    assert h["excluded"]["interviewee_form_missing"] == 1
    assert h["mean_gap"] == pytest.approx(statistics.fmean(gaps)) == pytest.approx(-0.4)
    assert h["mean_abs_gap"] == pytest.approx(statistics.fmean(map(abs, gaps)))
    assert h["counts"] == {"under": 3, "over": 1, "exact": 1}
    assert h["shares"] == {"under": 0.6, "over": 0.2, "exact": 0.2}
    assert h["reason"] is None
    json.dumps(h, allow_nan=False)


def test_trend_is_the_least_squares_slope_over_the_interviews():
    h = history(alice_records())
    gaps = [s["gap"] for s in h["sessions"]]
    x = list(range(1, len(gaps) + 1))
    signed = statistics.linear_regression(x, gaps).slope
    absolute = statistics.linear_regression(x, [abs(g) for g in gaps]).slope
    assert h["trend"]["gap_per_interview"] == pytest.approx(signed)
    assert h["trend"]["abs_gap_per_interview"] == pytest.approx(absolute) == pytest.approx(-0.5)
    assert h["trend"]["reason"] is None


def test_tendency_sentence():
    assert history(alice_records())["tendency"] == (
        "In your last 5 interviews you rated yourself lower than the interviewer 3 times, "
        "higher once and the same once, on average 0.4 points below their score; your "
        "guesses have been getting closer."
    )
    over = [record(i, 2, 3 + (i > 1), interviewee="bob") for i in range(4)]
    assert history(over)["tendency"] == (
        "In your last 4 interviews you rated yourself higher than the interviewer every time, "
        "on average 1.5 points above their score; your guesses have been drifting further off."
    )
    steady = [record(i, 3, 3 if i in (1, 2) else 2) for i in range(4)]  # gaps -1 0 0 -1
    assert history(steady)["tendency"] == (
        "In your last 4 interviews you rated yourself lower than the interviewer twice and the "
        "same twice, on average 0.5 points below their score."
    )
    one = history([record(0, 3, 3)])
    assert one["tendency"] == "In your interview you rated yourself the same as the interviewer."
    assert history([record(0, 3, 2)])["tendency"] == (
        "In your interview you rated yourself lower than the interviewer, 1.0 point below "
        "their score."
    )
    assert one["trend"]["gap_per_interview"] is None
    assert one["trend"]["reason"] == "1 interview(s): a trend needs 3"


def test_last_keeps_the_latest_interviews():
    h = history(alice_records(), last=3)
    assert [s["gap"] for s in h["sessions"]] == [-1, -1, 0]
    assert h["n"] == 3 and h["options"]["last"] == 3
    assert h["mean_gap"] == pytest.approx(-2 / 3)
    with pytest.raises(ValueError):
        history([], last=0)


def test_other_kinds_on_request():
    h = history(alice_records(), include=["practice"])
    assert h["n"] == 6 and h["sessions"][-1]["kind"] == "practice"


def test_no_interviews():
    h = history([])
    assert h["n"] == 0 and h["sessions"] == []
    assert h["mean_gap"] is None and h["shares"]["under"] is None
    assert h["tendency"] is None and tendency(h) is None
    assert h["reason"] == "no complete interviews as a candidate"


def test_person_key_is_keyed_and_hides_the_id():
    key = person_key(b"secret-1", "user-42")
    assert len(key) == 64 and int(key, 16) >= 0
    assert "user-42" not in key
    assert person_key(b"secret-1", "user-42") == key
    assert person_key(b"secret-2", "user-42") != key
    assert person_key(b"secret-1", "user-43") != key
