"""The replay timeline of a session room (SPEC 18): one time axis from what the store keeps.

Pure: the caller reads the store (`Store.history`, chat, runs, questions, the session log) and
passes the rows in. Building applies the updates to a pycrdt Doc once, writing a snapshot
when at least SNAPSHOT_MIN_UPDATES updates *and* at least as many bytes of updates as the last
snapshot's size came since it, and after the last update. So all snapshots but the last add
up to at most the bytes of the updates: a big document edited in small steps gets few
snapshots (the old fixed "every 500 updates" kept a 3 MB document 120 times for 60,000
updates). Document events are kept as compact tuples holding the stored bytes; base64 and the
event maps are made only for the page being sent. It runs off the event loop (the caller's
worker thread), and the caller runs one build per session at a time.
"""

from __future__ import annotations

import base64
from typing import Any

import msgpack  # type: ignore[import-untyped]  # ships no type hints
from pycrdt import Doc

from ..core.session import Session

SNAPSHOT_MIN_UPDATES = 500  # fixed by SPEC 18.2
MAX_B64 = 1_000_000  # a longer `u` is split in `timeline` messages (msgpack strings <= 1 MiB)
# order of kinds recorded at the same millisecond: phase first, then what happened in it
_KIND_ORDER = {"phase": 0, "question": 1, "call": 2, "presence": 2, "update": 3, "snapshot": 3,
               "chat": 4, "run": 5}

History = tuple[bytes | None, int, list[tuple[int, int | None, bytes]]]
# ("update" | "snapshot", ts, n, the Yjs bytes): made into a map only when sent
DocEvent = tuple[str, int, int, bytes]

def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def info(session: Session, complete: bool) -> dict[str, Any]:
    """The timeline's header. Identities only once both unmasked (SPEC 18.1)."""
    unmasked = session.phase.value == "unmasked"
    people = []
    for p in session.participants:
        entry: dict[str, Any] = {"id": p.id, "name": p.pseudonym.name,
                                 "color": p.pseudonym.color, "role": p.role}
        if unmasked:
            entry["identity"] = {k: v for k, v in p.identity.to_dict().items()
                                 if v or k != "profile"}  # no profile given: absent
        people.append(entry)
    return {"session": session.id, "room": session.id, "phase": session.phase.value,
            "created_at": session.created_at, "started_at": session.started_at,
            "ended_at": session.ended_at, "participants": people, "complete": complete}


def phase_events(session: Session) -> list[dict[str, Any]]:
    marks = [("lobby", session.created_at), ("live", session.started_at),
             ("feedback", session.ended_at), ("revealed", session.revealed_at)]
    if session.is_terminal():
        marks.append((session.phase.value, session.closed_at))
    return [{"k": "phase", "ts": ts, "phase": phase} for phase, ts in marks if ts is not None]


def doc_events(history: History, start: int) -> tuple[list[DocEvent], bool]:
    """Update and snapshot events, and whether the history is complete. Rows stored before
    times were kept (ts None) are folded into the first snapshot, with the base."""
    base, _, rows = history
    doc: Doc[Any] = Doc()
    complete = base is None
    if base is not None:
        doc.apply_update(base)
    timed = [(ts, data) for _, ts, data in rows if ts is not None]
    for _, ts, data in rows:
        if ts is None:
            doc.apply_update(data)
            complete = False
    out: list[DocEvent] = []
    last_size = 0
    if not complete:
        snap = doc.get_update()
        out.append(("snapshot", timed[0][0] if timed else start, 0, snap))
        last_size = len(snap)
    since, since_bytes = 0, 0
    for n, (ts, data) in enumerate(timed, 1):
        doc.apply_update(data)
        out.append(("update", ts, n, data))
        since += 1
        since_bytes += len(data)
        if n == len(timed) or (since >= SNAPSHOT_MIN_UPDATES and since_bytes >= last_size):
            snap = doc.get_update()
            out.append(("snapshot", ts, n, snap))
            last_size, since, since_bytes = len(snap), 0, 0
    return out, complete


def event(e: Any) -> dict[str, Any]:
    """The SPEC 18.2 map of a built event."""
    if isinstance(e, tuple):
        return {"k": e[0], "ts": e[1], "n": e[2], "u": b64(e[3])}
    return e  # type: ignore[no-any-return]


def _sort_key(e: Any) -> tuple[int, int]:
    if isinstance(e, tuple):
        return e[1], 3
    return e["ts"], _KIND_ORDER[e["k"]]


def build(session: Session, history: History, chat: list[dict[str, Any]],
          runs: list[dict[str, Any]], questions: list[dict[str, Any]],
          log: list[tuple[int, str, dict[str, Any]]]) -> tuple[dict[str, Any], list[Any]]:
    """(info, events) of SPEC 18, events sorted by time (stable)."""
    names = {p.id: {"id": p.id, "name": p.pseudonym.name, "color": p.pseudonym.color}
             for p in session.participants}
    docs, complete = doc_events(history, session.created_at)
    events: list[Any] = phase_events(session)  # dicts, and docs' tuples
    events += [{"k": "question", **q} for q in questions]
    for ts, kind, data in log:
        if kind in ("call_started", "call_ended"):
            who = names.get(str(data.get("by")), {"id": "", "name": "", "color": ""})
            event = {"k": "call", "ts": ts, "what": "start" if kind == "call_started" else "end",
                     "by": who}
            if data.get("answered") is False:
                event["answered"] = False  # hung up before anyone picked up
            events.append(event)
        elif kind == "presence" and data.get("status") in ("connected", "reconnecting", "left"):
            who = names.get(str(data.get("by")), {"id": "", "name": "", "color": ""})
            events.append({"k": "presence", "ts": ts, "who": who, "status": data["status"]})
    events += docs
    events += [{"k": "chat", **c} for c in chat]
    events += [{"k": "run", **r} for r in runs]
    # snapshots keep their place right after their update: they share its ts and kind order
    events.sort(key=_sort_key)
    return info(session, complete), events


def page(events: list[Any], after: int, budget: int,
         split: bool = True) -> tuple[list[Any], int | None]:
    """events[after:next] as maps whose MessagePack size stays within `budget` (at least
    one), with long base64 texts split as SPEC 18.2 says; next is None on the last page."""
    out: list[Any] = []
    used = 0
    i = after
    while i < len(events):
        item = event(events[i])
        if split:  # timeline messages only; the REST answer keeps `u` a string
            item = split_long(item)
        size = len(msgpack.packb(item, use_bin_type=True))
        if out and used + size > budget:
            break
        out.append(item)
        used += size
        i += 1
    return out, (i if i < len(events) else None)


def split_long(e: dict[str, Any]) -> dict[str, Any]:
    u = e.get("u")
    if not isinstance(u, str) or len(u) <= MAX_B64:
        return e
    step = MAX_B64 - MAX_B64 % 4
    return {**e, "u": [u[i:i + step] for i in range(0, len(u), step)]}
