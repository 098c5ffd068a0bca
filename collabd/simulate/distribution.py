"""The feedback the simulator's bots submit: a seeded, configurable generative model.

Stdlib only (`random.Random`), so `collabd simulate` runs without the analytics extra.

The default is shaped like the blog post behind issue 7:

* each interview has a latent skill ``s ~ N(0, 1)``;
* the interviewer's technical score is ``s`` plus a little noise, cut into 1..4 at
  ``technical_cuts`` (about half the interviewees score 3 or more);
* the interviewee's self-assessment follows ``s`` only weakly: ``self_weight * s`` plus a lot
  of noise, cut at ``self_cuts`` (a little lower than the technical cuts' counterpart, so there
  is some impostor syndrome). Over many interviews the R² of the self-assessment regressed on
  the technical score comes out around 0.2;
* ``would_hire`` mostly follows ``technical >= hirable_min`` (with a small chance either way);
* ``would_work_with`` is much more likely when the interviewee thinks they did well
  (``self_assessment >= did_well_min``) than when not (about 3x with the defaults);
* the interviewee's rating of the interviewer (question quality, helpfulness) comes from a
  separate latent "interviewer quality", so it is unrelated to the self-assessment error;
* problem solving and communication follow the skill with more noise.

A distribution file (``--distribution FILE.json``) is a JSON object holding any subset of the
fields of `FeedbackDistribution`; the others keep their defaults. Unknown fields and values out
of range are errors that name the field.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import msgspec

from collab_protocol.forms import Form, IntervieweeForm, InterviewerForm

SCORES = (1, 2, 3, 4)


class DistributionError(ValueError):
    """A distribution file or field that cannot be used; the message names the field."""


@dataclass(frozen=True)
class FeedbackDistribution:
    # interviewer's technical score: skill + N(0, technical_noise), cut into 1..4
    technical_noise: float = 0.5
    technical_cuts: tuple[float, float, float] = (-1.5, -0.15, 1.1)
    # interviewee's self-assessment: self_weight * skill + N(0, self_noise), cut into 1..4
    self_weight: float = 0.55
    self_noise: float = 0.75
    self_cuts: tuple[float, float, float] = (-1.0, -0.1, 1.0)
    # the interviewer's other scores
    problem_solving_noise: float = 0.7
    communication_weight: float = 0.6
    communication_noise: float = 0.8
    # the interviewee's rating of the interviewer: quality + N(0, noise), cut into 1..4
    interviewer_noise: float = 0.6
    interviewer_cuts: tuple[float, float, float] = (-1.8, -0.7, 0.5)
    # yes/no answers
    hirable_min: int = 3
    hire_prob_hirable: float = 0.85
    hire_prob_not_hirable: float = 0.04
    did_well_min: int = 3
    work_with_prob_did_well: float = 0.8
    work_with_prob_did_poorly: float = 0.27
    # `--unmask random`: each side says yes with this probability
    unmask_yes_prob: float = 0.75

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name.endswith("_cuts"):
                _check_cuts(f.name, value)
            elif f.name.endswith("_min"):
                if isinstance(value, bool) or not isinstance(value, int) or value not in SCORES:
                    raise DistributionError(f"{f.name} must be an integer from 1 to 4")
            elif f.name.endswith("_prob") or "_prob_" in f.name:
                if not _is_number(value) or not 0.0 <= value <= 1.0:
                    raise DistributionError(f"{f.name} must be a probability (0 to 1)")
            elif f.name.endswith("_noise"):
                if not _is_number(value) or not 0.0 <= value <= 100.0:
                    raise DistributionError(f"{f.name} must be a number from 0 to 100")
            elif f.name.endswith("_weight"):
                if not _is_number(value) or not -100.0 <= value <= 100.0:
                    raise DistributionError(f"{f.name} must be a number from -100 to 100")

    # -- loading

    @classmethod
    def from_mapping(cls, data: Any) -> FeedbackDistribution:
        """The defaults overridden by `data` (a JSON object's fields)."""
        if not isinstance(data, Mapping):
            raise DistributionError("a distribution must be a JSON object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise DistributionError(
                f"unknown distribution fields: {', '.join(unknown)} "
                f"(known: {', '.join(sorted(known))})"
            )
        values: dict[str, Any] = {}
        for name, value in data.items():
            if name.endswith("_cuts"):
                if not isinstance(value, list | tuple):
                    raise DistributionError(f"{name} must be a list of three increasing numbers")
                value = tuple(value)
            values[name] = value
        return cls(**values)

    @classmethod
    def load(cls, path: Path) -> FeedbackDistribution:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise DistributionError(f"cannot read {path}: {exc.strerror or exc}") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DistributionError(f"{path} is not JSON: {exc}") from None
        return cls.from_mapping(data)

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    # -- sampling

    def sample(self, rng: random.Random) -> Draw:
        """One interview's pair of forms. Deterministic given the state of `rng`."""
        skill = rng.gauss(0.0, 1.0)
        technical = _cut(skill + rng.gauss(0.0, self.technical_noise), self.technical_cuts)
        problem_solving = _cut(
            skill + rng.gauss(0.0, self.problem_solving_noise), self.technical_cuts
        )
        communication = _cut(
            self.communication_weight * skill + rng.gauss(0.0, self.communication_noise),
            self.technical_cuts,
        )
        would_hire = rng.random() < (
            self.hire_prob_hirable if technical >= self.hirable_min else self.hire_prob_not_hirable
        )

        self_assessment = _cut(
            self.self_weight * skill + rng.gauss(0.0, self.self_noise), self.self_cuts
        )
        quality = rng.gauss(0.0, 1.0)  # the interviewer's, independent of the interviewee
        question_quality = _cut(
            quality + rng.gauss(0.0, self.interviewer_noise), self.interviewer_cuts
        )
        helpfulness = _cut(quality + rng.gauss(0.0, self.interviewer_noise), self.interviewer_cuts)
        would_work_with = rng.random() < (
            self.work_with_prob_did_well
            if self_assessment >= self.did_well_min
            else self.work_with_prob_did_poorly
        )

        # Built as the forms' Structs, so a draw the server would refuse fails here instead.
        interviewer_form = InterviewerForm(
            would_hire=would_hire,
            technical=technical,
            problem_solving=problem_solving,
            communication=communication,
            notes=_notes(rng, INTERVIEWER_NOTES[technical]),
        )
        interviewee_form = IntervieweeForm(
            would_work_with=would_work_with,
            question_quality=question_quality,
            helpfulness=helpfulness,
            notes=_notes(rng, INTERVIEWEE_NOTES[helpfulness]),
            self_assessment=self_assessment,
        )
        return Draw(
            skill=skill,
            interviewer_form=_checked(interviewer_form),
            interviewee_form=_checked(interviewee_form),
        )

    def unmask_answer(self, rng: random.Random) -> str:
        """A `--unmask random` answer."""
        return "yes" if rng.random() < self.unmask_yes_prob else "no"


@dataclass(frozen=True)
class Draw:
    skill: float
    interviewer_form: dict[str, Any]
    interviewee_form: dict[str, Any]


def _checked(form: Form) -> dict[str, Any]:
    """The form as a dict, after checking its bounds (a Struct's constructor does not)."""
    return msgspec.convert(form.to_dict(), type(form)).to_dict()


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_cuts(name: str, cuts: object) -> None:
    if (
        not isinstance(cuts, tuple)
        or len(cuts) != 3
        or not all(_is_number(c) for c in cuts)
        or not all(a < b for a, b in zip(cuts, cuts[1:], strict=False))
    ):
        raise DistributionError(f"{name} must be a list of three increasing numbers")


def _cut(latent: float, cuts: Sequence[float]) -> int:
    """1 + the number of cut points at or below `latent`: a score 1..4."""
    return 1 + sum(1 for c in cuts if latent >= c)


def _notes(rng: random.Random, choices: Sequence[str]) -> str:
    # Sometimes people leave the notes empty.
    return "" if rng.random() < 0.2 else rng.choice(choices)


INTERVIEWER_NOTES = {
    1: ("Struggled to get a working approach.", "Needed a lot of hints; no running code."),
    2: ("Got there with hints; edge cases missed.", "Brute force only, some bugs left."),
    3: ("Solid solution, talked through trade-offs.", "Clean code, found the edge cases."),
    4: ("Excellent: optimal solution and clear reasoning.", "Fast, careful, tested it."),
}
INTERVIEWEE_NOTES = {
    1: ("Hard to follow the question.", "Interviewer seemed distracted."),
    2: ("OK question, hints were vague.", "Fine, a bit rushed."),
    3: ("Good question, helpful nudges.", "Friendly and clear."),
    4: ("Great interviewer, really enjoyed it.", "Very clear question and good hints."),
}
