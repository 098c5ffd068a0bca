"""The analytics answers: the study (a plain dict, collabd/analytics/SCHEMA.md) and one
person's calibration as a candidate."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from msgspec import Meta, Struct

from .fields import Kind, Ms

Analytics = dict[str, Any]  # collabd.analytics.study v2 (collabd/analytics/SCHEMA.md)


class CalibrationEntry(Struct, forbid_unknown_fields=True):
    session_id: str
    ended_at: Ms
    kind: Kind
    guess: Annotated[int, Meta(description="the candidate's self-assessment, 1-4")]
    actual: Annotated[int, Meta(description="the interviewer's technical score, 1-4")]
    gap: Annotated[int, Meta(description="guess - actual (positive: rated themselves higher)")]


class GapCounts(Struct, forbid_unknown_fields=True):
    under: int
    over: int
    exact: int


class GapShares(Struct, forbid_unknown_fields=True):
    under: float | None
    over: float | None
    exact: float | None


class CalibrationTrend(Struct, forbid_unknown_fields=True):
    gap_per_interview: float | None
    abs_gap_per_interview: Annotated[float | None, Meta(
        description="least-squares slope of |gap| per interview: negative = getting closer")]
    reason: str | None


class CalibrationOptions(Struct, forbid_unknown_fields=True):
    include: list[Kind]
    last: int | None


class PersonCalibration(Struct, forbid_unknown_fields=True):
    """One person's calibration as a candidate (collabd.analytics.person v1, SCHEMA.md)."""

    schema: Literal["collabd.analytics.person"]
    version: Literal[1]
    options: CalibrationOptions
    n: int
    excluded: dict[str, int]
    sessions: list[CalibrationEntry]
    mean_gap: float | None
    mean_abs_gap: float | None
    counts: GapCounts
    shares: GapShares
    trend: CalibrationTrend
    tendency: Annotated[str | None, Meta(description="one sentence addressed to the person")]
    reason: str | None
