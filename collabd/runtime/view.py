"""The messages that carry one participant's view of a session (SPEC 8.2, 8.5, 8.6)."""

from __future__ import annotations

from typing import Any

from collab_protocol import (
    CollabMessage,
    FeedbackReveal,
    FeedbackStatus,
    RecordingState,
    SessionState,
    UnmaskResult,
    UnmaskStatus,
)

from ..analytics.person import history as person_history


def view_messages(view: dict[str, Any]) -> list[CollabMessage]:
    """The protocol messages that carry one participant's view of the session."""
    participants = [{"id": p["id"], "name": p["name"], "color": p["color"], "role": p["role"],
                     "status": p["status"]} for p in view["participants"]]
    for p in participants:  # the receiver's own entry: what it may do now (SPEC 8.2)
        if p["id"] == view["you"]:
            p["actions"] = view["actions"]
    out: list[CollabMessage] = [SessionState(
        view["phase"], participants, view["ends_at"], view["read_only"],
        view["unmask"]["offered"], view["close_reason"],
    )]
    rec = view["recording"]
    out.append(RecordingState(rec["allowed"], rec["on"], rec["mine"], rec["theirs"]))
    if view["phase"] not in ("lobby", "live"):
        fb = view["feedback"]
        out.append(FeedbackStatus(fb["mine"], fb["theirs"]))
    if view["reveal"] is not None:
        r = view["reveal"]
        out.append(FeedbackReveal(r["mine"], r["theirs"], r.get("calibration")))
    if view["unmask"]["offered"] and view["phase"] == "revealed":
        out.append(UnmaskStatus(view["unmask"]["mine"], view["unmask"]["deadline"]))
    if view["unmask_result"] is not None:
        res = view["unmask_result"]
        out.append(UnmaskResult(res["unmasked"], res["identity"]))
    return out


HISTORY_SHOWN = 10  # the candidate sees their last interviews, at most this many


def candidate_history(records: list[Any]) -> dict[str, Any]:
    """What a candidate sees of their own history in the reveal: guess and actual per interview
    (no session ids, nothing about anyone else) and one sentence; {} under two interviews."""
    h = person_history(records, last=HISTORY_SHOWN)
    if h["n"] < 2:
        return {}
    points = [{"ended_at": x["ended_at"], "guess": x["guess"], "actual": x["actual"]}
              for x in h["sessions"]]
    return {"points": points, "tendency": h["tendency"]}

