"""Replaying a session's timeline (SPEC 18) into a pycrdt Doc: the document as it was at a time.

    info, events = await client.fetch_timeline()
    doc = doc_at(events, ts)          # the shared document at server time ts (ms)
"""

from __future__ import annotations

import base64
from typing import Any

from pycrdt import Doc


def _bytes(u: Any) -> bytes:
    return base64.b64decode("".join(u) if isinstance(u, list) else u)


def doc_at(events: list[dict[str, Any]], ts: int | None = None) -> Doc[Any]:
    """The document after every update stored at or before ts (None: the end), rebuilt as
    SPEC 18.2 says: the last snapshot at or before ts, then the updates after it."""
    updates = [e for e in events if e.get("k") == "update" and (ts is None or e["ts"] <= ts)]
    upto = updates[-1]["n"] if updates else 0
    snaps = [e for e in events if e.get("k") == "snapshot" and e["n"] <= upto
             and (ts is None or e["ts"] <= ts or e["n"] == 0)]
    doc: Doc[Any] = Doc()
    start = 0
    if snaps:
        best = max(snaps, key=lambda e: e["n"])
        doc.apply_update(_bytes(best["u"]))
        start = best["n"]
    for e in updates:
        if e["n"] > start:
            doc.apply_update(_bytes(e["u"]))
    return doc
