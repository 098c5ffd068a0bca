"""Field types the session API's payloads share (payloads.py, timeline_payloads.py,
calibration_payloads.py)."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta, Struct

SQLITE_INT_MAX = 2**63 - 1
# One character that is neither white space nor a control character. Spelled out, because `\S`
# means one thing to Python's re (which validates) and another to ECMA-262 regexes (which
# JSON Schema tools use): "\x85" and "\x1f" are white space to Python only, "\ufeff" to
# ECMA-262 only. Written this way both engines read the same set.
VISIBLE = (r"[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
           r"\ufeff]")
Ms = Annotated[int, Meta(description="ms since the epoch")]



Kind = Annotated[Literal["real", "practice", "simulated"], Meta(
    description="real: created through this API; practice: the start page's practice "
                "interviews (POST /api/practice); simulated: created with simulated=true "
                "(`collabd simulate`)")]



class Sender(Struct, forbid_unknown_fields=True):
    id: str
    name: str
    color: str
