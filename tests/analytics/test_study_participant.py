"""One interviewee's calibration history."""

import dataclasses

from collabd.analytics.study import compute

from .helpers import record


def participant_records():
    return [
        record(5, 3, 2, interviewee="alice"),
        record(1, 2, 4, interviewee="alice"),
        record(3, 4, 4, interviewee="alice", simulated=True),
        record(2, 1, 1, interviewee="bob"),
        record(4, 3, 3, interviewee="bob", interviewer="alice"),  # alice interviews: not hers
        dataclasses.replace(record(6, 3, 3, interviewee="alice"), interviewee_form=None),
    ]


def test_history_in_end_time_order():
    part = compute(participant_records(), participant="alice")["participant"]
    assert part["pid"] == "alice"
    assert part["n"] == 3
    assert part["excluded"] == 1  # the session she did not submit feedback for
    assert [s["session_id"] for s in part["sessions"]] == ["s0001", "s0003", "s0005"]
    assert [(s["self"], s["actual"], s["error"]) for s in part["sessions"]] == [
        (4, 2, 2),
        (4, 4, 0),
        (2, 3, -1),
    ]
    assert [s["simulated"] for s in part["sessions"]] == [False, True, False]
    assert part["sessions"][0]["ended_at"] == record(1, 2, 4).ended_at
    assert part["mean_error"] == 1 / 3
    assert part["mean_abs_error"] == 1.0
    assert part["exact_share"] == 1 / 3
    assert part["reason"] is None


def test_history_respects_the_simulated_option():
    part = compute(participant_records(), participant="alice", include_simulated=False)[
        "participant"
    ]
    assert [s["session_id"] for s in part["sessions"]] == ["s0001", "s0005"]
    assert part["excluded"] == 2


def test_participant_does_not_filter_the_study():
    everyone = compute(participant_records())
    alice = compute(participant_records(), participant="alice")
    assert everyone["participant"] is None
    assert alice["options"]["participant"] == "alice"
    assert {k: v for k, v in alice.items() if k not in ("participant", "options")} == {
        k: v for k, v in everyone.items() if k not in ("participant", "options")
    }


def test_unknown_participant():
    part = compute(participant_records(), participant="carol")["participant"]
    assert part["n"] == 0 and part["sessions"] == [] and part["excluded"] == 0
    assert part["mean_error"] is None
    assert part["reason"] == "no complete sessions with this participant as interviewee"
