"""Row mapping shared by the SQLite and PostgreSQL adapters: the stored columns are the same,
so what a row becomes (a SessionRow, a chat message, a run, a question) is defined once."""

from __future__ import annotations

import json
import time
from typing import Any

from ..ports import KINDS, REAL, SIMULATED, SessionRow, session_row

SESSION_COLUMNS = "id, record, kind, extra, interviewer_key, interviewee_key"


def now_ms() -> int:
    return int(time.time() * 1000)


def session_kind(kind: str | None, simulated: bool) -> str:
    """save_session's kind: the one given, else simulated or real; refused if unknown."""
    kind = kind or (SIMULATED if simulated else REAL)
    if kind not in KINDS:
        raise ValueError(f"session kind must be one of {', '.join(KINDS)}")
    return kind


def session(row: tuple[Any, ...]) -> SessionRow:
    """From the SESSION_COLUMNS; a damaged row has `problem` set (ports.session_row)."""
    return session_row(*row)


def chat_message(mid: int, ts: int, sender: str, text: str) -> dict[str, Any]:
    """A chat row (id, ts, sender JSON, text) as chat_after returns it."""
    return {"id": mid, "ts": ts, "from": json.loads(sender), "text": text}


def run(rid: int, ts: int, sender: str, data: str) -> dict[str, Any]:
    """A runs row (id, ts, sender JSON, fields JSON) as runs_after returns it."""
    return {"id": rid, "ts": ts, "from": json.loads(sender), **json.loads(data)}


def question(ts: int, sender: str | None, text: str) -> dict[str, Any]:
    """A questions row as questions() returns it: {ts, text, from?}."""
    out: dict[str, Any] = {"ts": ts, "text": text}
    if sender is not None:
        out["from"] = json.loads(sender)
    return out


def webhook_state(delivered: bool, give_up: bool) -> int:
    """webhooks.done: 0 pending, 1 delivered, 2 given up."""
    return 1 if delivered else (2 if give_up else 0)
