"""Session plans: deterministic per (seed, index), and what the server is expected to do."""

from __future__ import annotations

import dataclasses

import pytest

from collabd.simulate.bots import utf16_len
from collabd.simulate.distribution import FeedbackDistribution
from collabd.simulate.plan import PROBLEMS, plan_session
from collabd.simulate.runner import percentile

DIST = FeedbackDistribution()


def test_plan_depends_only_on_seed_and_index() -> None:
    a = [plan_session(i, seed=5, distribution=DIST) for i in range(10)]
    b = [plan_session(i, seed=5, distribution=DIST) for i in reversed(range(10))][::-1]
    assert a == b
    c = [plan_session(i, seed=6, distribution=DIST) for i in range(10)]
    assert [p.interviewer_form for p in a] != [p.interviewer_form for p in c]


def test_identities_are_distinct_per_session_and_run() -> None:
    p = plan_session(3, seed=0, distribution=DIST, run_tag="abc")
    q = plan_session(4, seed=0, distribution=DIST, run_tag="abc")
    r = plan_session(3, seed=0, distribution=DIST, run_tag="xyz")
    assert (
        len(
            {
                p.interviewer["email"],
                p.interviewee["email"],
                q.interviewer["email"],
                r.interviewer["email"],
            }
        )
        == 4
    )
    assert p.interviewer["email"].endswith("@simulate.invalid")


@pytest.mark.parametrize(
    ("policy", "hire", "work", "answers", "offered", "phase"),
    [
        ("mutual_positive", True, True, ("yes", "yes"), True, "unmasked"),
        ("mutual_positive", True, True, ("yes", "no"), True, "sealed"),
        ("mutual_positive", True, True, ("no", "yes"), True, "sealed"),
        ("mutual_positive", True, False, ("yes", "yes"), False, "sealed"),
        ("mutual_positive", False, True, ("yes", "yes"), False, "sealed"),
        ("always", False, False, ("yes", "yes"), True, "unmasked"),
        ("never", True, True, ("yes", "yes"), False, "sealed"),
    ],
)
def test_expected_unmask_outcome(
    policy: str, hire: bool, work: bool, answers: tuple[str, str], offered: bool, phase: str
) -> None:
    p = plan_session(0, seed=0, distribution=DIST, policy=policy)
    p = dataclasses.replace(
        p,
        interviewer_form={**p.interviewer_form, "would_hire": hire},
        interviewee_form={**p.interviewee_form, "would_work_with": work},
        unmask_interviewer=answers[0],
        unmask_interviewee=answers[1],
    )
    assert p.unmask_offered is offered
    assert p.expect_phase == phase


@pytest.mark.parametrize("mode", ["yes", "no"])
def test_fixed_unmask_modes(mode: str) -> None:
    plans = [plan_session(i, seed=1, distribution=DIST, unmask=mode) for i in range(20)]  # type: ignore[arg-type]
    assert {(p.unmask_interviewer, p.unmask_interviewee) for p in plans} == {(mode, mode)}


def test_random_unmask_mode_uses_both_answers() -> None:
    plans = [plan_session(i, seed=1, distribution=DIST) for i in range(200)]
    pairs = {(p.unmask_interviewer, p.unmask_interviewee) for p in plans}
    assert pairs == {("yes", "yes"), ("yes", "no"), ("no", "yes"), ("no", "no")}


def test_problems_exercise_utf16_positions() -> None:
    text = "".join(a + b for a, b in PROBLEMS)
    assert utf16_len(text) != len(text.encode()), "some text must be non-ASCII"
    assert utf16_len("a🌍b") == 4
    assert utf16_len("é") == 1


def test_percentile_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile([3.0], 99) == 3.0
    assert percentile([5.0, 1.0], 50) == 1.0
