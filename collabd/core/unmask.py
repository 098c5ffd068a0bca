"""The mutual unmask: a double opt-in offered only when a policy holds.

After the reveal each side may answer ``yes`` or ``no``; a ``yes`` may be withdrawn (back to
pending) as long as the handshake is open, which is exactly "until the other has answered":
the other's yes closes it as agreed and the other's no closes it as declined. Identities are
exchanged only on two yeses. Any no closes it as declined, and nothing records or shows which
side said it: a side sees only its own answer, never the other's.

A no closes the handshake at once, so what is left after it is exactly what a lapsed deadline
leaves. Only the moment differs: a side that has not answered and sees the handshake close
before the deadline can infer the other said no. With two parties that is inherent unless
every outcome but "unmasked" waited for the deadline; we chose the prompt answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Literal

from .feedback import IntervieweeForm, InterviewerForm
from .lifecycle import ROLES, Role, SessionError

AnswerState = Literal["pending", "yes", "no"]


class UnmaskPolicy(StrEnum):
    """When unmasking is offered at all, judged on the two revealed forms."""

    MUTUAL_POSITIVE = "mutual_positive"  # would hire and would work with
    ALWAYS = "always"
    NEVER = "never"

    def holds(self, interviewer: InterviewerForm, interviewee: IntervieweeForm) -> bool:
        if self is UnmaskPolicy.ALWAYS:
            return True
        if self is UnmaskPolicy.NEVER:
            return False
        return interviewer.would_hire and interviewee.would_work_with


class Answer(StrEnum):
    YES = "yes"
    NO = "no"
    WITHDRAW = "withdraw"


class Outcome(StrEnum):
    OPEN = "open"
    AGREED = "agreed"
    DECLINED = "declined"


class InvalidAnswer(SessionError):
    code = "invalid_answer"


class AlreadyAnswered(SessionError):
    code = "already_answered"


class NothingToWithdraw(SessionError):
    code = "nothing_to_withdraw"


class UnmaskHandshake:
    def __init__(self) -> None:
        self.answers: dict[Role, AnswerState] = {"interviewer": "pending", "interviewee": "pending"}

    @property
    def outcome(self) -> Outcome:
        values = set(self.answers.values())
        if "no" in values:
            return Outcome.DECLINED
        if values == {"yes"}:
            return Outcome.AGREED
        return Outcome.OPEN

    def answer(self, role: Role, answer: object) -> Outcome:
        """Record ``role``'s answer and return the outcome; if illegal, raise, change nothing."""
        if not isinstance(answer, str) or answer not in Answer.__members__.values():
            raise InvalidAnswer("the answer must be 'yes', 'no' or 'withdraw'")
        parsed = Answer(answer)
        if self.outcome is not Outcome.OPEN:
            raise AlreadyAnswered("the unmask question is already settled")
        mine = self.answers[role]
        if parsed is Answer.WITHDRAW:
            if mine != "yes":
                raise NothingToWithdraw("there is no yes to withdraw")
            self.answers[role] = "pending"
        elif parsed is Answer.YES:
            if mine == "yes":
                raise AlreadyAnswered("you already said yes")
            self.answers[role] = "yes"
        else:
            # a no after one's own yes is allowed: it is a withdrawal that also declines
            self.answers[role] = "no"
        return self.outcome

    def to_record(self) -> dict[str, Any]:
        return {role: self.answers[role] for role in ROLES}

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> UnmaskHandshake:
        handshake = cls()
        for role in ROLES:
            value = record[role]
            if value not in ("pending", "yes", "no"):
                raise ValueError(f"bad unmask answer {value!r}")
            handshake.answers[role] = value
        return handshake
