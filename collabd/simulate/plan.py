"""What one simulated interview will do, decided up front from the seed: a `SessionPlan`.

Pure and deterministic: the plan of session `index` depends only on (seed, index, distribution,
unmask mode, policy), not on timing or concurrency, so a run can be reproduced and a test can
recompute what the simulator was going to submit.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Literal

from .distribution import FeedbackDistribution

UnmaskMode = Literal["yes", "no", "random"]
UNMASK_MODES: tuple[UnmaskMode, ...] = ("yes", "no", "random")
POLICIES = ("mutual_positive", "always", "never")


@dataclass(frozen=True)
class SessionPlan:
    index: int
    interviewer: dict[str, str]  # real identities given to the server (escrowed)
    interviewee: dict[str, str]
    interviewer_form: dict[str, Any]
    interviewee_form: dict[str, Any]
    unmask_interviewer: str  # "yes" | "no": the answer each side gives if the question is open
    unmask_interviewee: str
    policy: str
    prompt: str  # typed into `code` by the interviewer
    solution: str  # appended to `code` by the interviewee
    chat: tuple[tuple[str, str], ...]  # (role, text), in order

    @property
    def unmask_offered(self) -> bool:
        """Whether the server should offer the unmask question under the session's policy."""
        if self.policy == "always":
            return True
        if self.policy == "never":
            return False
        return bool(
            self.interviewer_form["would_hire"] and self.interviewee_form["would_work_with"]
        )

    @property
    def expect_unmasked(self) -> bool:
        return (
            self.unmask_offered
            and self.unmask_interviewer == "yes"
            and self.unmask_interviewee == "yes"
        )

    @property
    def expect_phase(self) -> str:
        return "unmasked" if self.expect_unmasked else "sealed"

    @property
    def code(self) -> str:
        """The `code` text both sides must end with."""
        return self.prompt + self.solution


def session_rng(seed: int, index: int) -> random.Random:
    # Seeding with a str is deterministic across processes (it is hashed with SHA-512).
    return random.Random(f"collabd-simulate:{seed}:{index}")


def plan_session(
    index: int,
    *,
    seed: int,
    distribution: FeedbackDistribution,
    unmask: UnmaskMode = "random",
    policy: str = "mutual_positive",
    run_tag: str = "run",
) -> SessionPlan:
    rng = session_rng(seed, index)
    draw = distribution.sample(rng)
    if unmask == "random":
        answers = (distribution.unmask_answer(rng), distribution.unmask_answer(rng))
    else:
        answers = (unmask, unmask)
    problem = rng.choice(PROBLEMS)
    greeting, reply = rng.choice(OPENINGS)
    closing, thanks = rng.choice(CLOSINGS)
    tag = f"{run_tag}-{index:05d}"
    return SessionPlan(
        index=index,
        interviewer={
            "name": f"Simulated Interviewer {index}",
            "email": f"interviewer-{tag}@simulate.invalid",
        },
        interviewee={
            "name": f"Simulated Candidate {index}",
            "email": f"candidate-{tag}@simulate.invalid",
        },
        interviewer_form=draw.interviewer_form,
        interviewee_form=draw.interviewee_form,
        unmask_interviewer=answers[0],
        unmask_interviewee=answers[1],
        policy=policy,
        prompt=problem[0],
        solution=problem[1],
        chat=(
            ("interviewer", greeting),
            ("interviewee", reply),
            ("interviewer", closing),
            ("interviewee", thanks),
        ),
    )


# Small problems: (prompt the interviewer types, solution the interviewee appends). Non-ASCII
# characters on purpose: editor positions are UTF-16 code units, pycrdt counts UTF-8 bytes.
PROBLEMS: tuple[tuple[str, str], ...] = (
    (
        "# Two sum — return the indices of two numbers adding up to target.\n",
        "def two_sum(nums, target):\n"
        "    seen = {}\n"
        "    for i, n in enumerate(nums):\n"
        "        if target - n in seen:\n"
        "            return seen[target - n], i\n"
        "        seen[n] = i\n",
    ),
    (
        "# Is the string a palindrome? Ignore case and non-letters (é counts).\n",
        "def is_palindrome(s):\n"
        "    t = [c.lower() for c in s if c.isalpha()]\n"
        "    return t == t[::-1]\n",
    ),
    (
        "# Merge two sorted lists into one sorted list → O(n + m).\n",
        "def merge(a, b):\n"
        "    out, i, j = [], 0, 0\n"
        "    while i < len(a) and j < len(b):\n"
        "        if a[i] <= b[j]:\n"
        "            out.append(a[i]); i += 1\n"
        "        else:\n"
        "            out.append(b[j]); j += 1\n"
        "    return out + a[i:] + b[j:]\n",
    ),
    (
        "# Count the words in a text; the 🌍 emoji is not a word.\n",
        "from collections import Counter\n\n"
        "def word_counts(text):\n"
        "    return Counter(w for w in text.lower().split() if w.isalpha())\n",
    ),
)

OPENINGS: tuple[tuple[str, str], ...] = (
    ("Hi! Ready when you are.", "Hi, ready. Let me read the question."),
    ("Hello 👋 shall we start?", "Sure, starting now."),
    ("Welcome! Take a minute to read the prompt.", "Thanks, reading it — okay."),
)
CLOSINGS: tuple[tuple[str, str], ...] = (
    ("Looks good. What is the complexity?", "Linear time, linear extra space."),
    ("Nice. Any edge cases?", "Empty input, and duplicates."),
    ("Thanks, that's time. Any questions for me?", "No, thank you — that was fun."),
)
