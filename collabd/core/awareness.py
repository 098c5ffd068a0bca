"""Awareness policy: who owns which client id, what a state may hold, the stamped `user` field.

A connection owns the client ids it first announced. Entries for ids owned by another connection
are dropped; every state relayed has its "user" replaced by the owner's pseudonym, so a client
cannot pose as someone else or leak anything through that field.

States are relayed only when every stock peer can read them (SPEC section 11): strict JSON that
JavaScript's `JSON.parse` accepts (no NaN/Infinity, no number that overflows a double), no lone
surrogate, bounded nesting, bounded UTF-8 size; and an editor `cursor` in the shape Yjs bindings
pass straight to `Y.createAbsolutePositionFromRelativePosition` (anything else would make that
call throw in the other participant's browser).
"""

from __future__ import annotations

import json
import math
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from collab_protocol.awareness import AwarenessEntry

from .text import shown

MAX_SAFE_INTEGER = 2**53 - 1


@dataclass(slots=True)
class _State:
    owner: object
    clock: int
    state_json: str


class BadState(ValueError):
    """A state no stock awareness peer could read safely."""


def _no_constant(name: str) -> Any:
    raise BadState(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999: JSON.parse gives Infinity, JSON.stringify then null
        raise BadState("number out of range")
    return value


def _bounded_int(text: str) -> int:
    if len(text) > 309:  # beyond a double's range (and Python's int-parsing digit limit)
        raise BadState("number out of range")
    return int(text)


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of a parsed JSON value, stopping early past `limit`."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict | list):
            if d > limit:
                return d
            deepest = max(deepest, d)
            stack.extend((x, d + 1) for x in (v.values() if isinstance(v, dict) else v))
    return deepest


def parse_state(state_json: str, max_depth: int) -> Any:
    """The JSON value of a state, or BadState for anything a strict JSON parser would refuse."""
    try:
        value = json.loads(state_json, parse_constant=_no_constant, parse_float=_finite_float,
                           parse_int=_bounded_int)
    except RecursionError as exc:  # thousands of nested brackets
        raise BadState("nested too deeply") from exc
    except ValueError as exc:  # includes BadState and json.JSONDecodeError
        raise BadState(str(exc)) from exc
    if _depth(value, max_depth) > max_depth:
        raise BadState("nested too deeply")
    return value


def _id(value: Any) -> dict[str, int]:
    """A Yjs ID {client, clock}: both integers in 0..2^53-1."""
    if not isinstance(value, dict):
        raise BadState("ID is not an object")
    out = {}
    for key in ("client", "clock"):
        n = value.get(key)
        if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= MAX_SAFE_INTEGER:
            raise BadState("ID client/clock must be non-negative integers")
        out[key] = n
    return out


def relative_position(value: Any) -> dict[str, Any]:
    """A Y.RelativePosition JSON in the stock shape {type, tname, item, assoc}, every key present.

    Missing or null `type`/`tname`/`item` become null and a missing `assoc` 0, which is how
    `Y.createRelativePositionFromJSON` reads them; but y-codemirror.next (and y-monaco) hand the
    raw JSON to `createAbsolutePositionFromRelativePosition`, which throws on a missing `item`, a
    non-object ID, a negative clock or when all three are null (checked against npm yjs 13.6).
    """
    if not isinstance(value, dict):
        raise BadState("relative position is not an object")
    item = value.get("item")
    typ = value.get("type")
    tname = value.get("tname")
    assoc = value.get("assoc", 0)
    if tname is not None and not isinstance(tname, str):
        raise BadState("tname must be a string")
    if assoc is None:
        assoc = 0
    if not isinstance(assoc, int) or isinstance(assoc, bool) or abs(assoc) > MAX_SAFE_INTEGER:
        raise BadState("assoc must be an integer")
    out = {"type": None if typ is None else _id(typ), "tname": tname,
           "item": None if item is None else _id(item), "assoc": assoc}
    if out["item"] is None and out["type"] is None and tname is None:
        raise BadState("relative position names nothing")
    return out


def normalise_cursor(cursor: Any) -> dict[str, Any] | None:
    """`cursor` as {anchor, head} in the stock shape, or None when it is not a readable one."""
    if not isinstance(cursor, dict):
        return None
    try:
        return {"anchor": relative_position(cursor.get("anchor")),
                "head": relative_position(cursor.get("head"))}
    except BadState:
        return None


def normalise_pointer(pointer: Any) -> dict[str, float] | None:
    """A whiteboard `pointer` as {x, y} (finite numbers), or None."""
    if not isinstance(pointer, dict):
        return None
    out: dict[str, float] = {}
    for key in ("x", "y"):
        v = pointer.get(key)
        if not isinstance(v, int | float) or isinstance(v, bool) or not math.isfinite(v):
            return None
        out[key] = v
    return out


RUN_LANGUAGE_CHARS = 32
RUN_TAIL_CHARS = 2000  # the web client shares the last 2000 characters of a run in progress
RUN_PHASES = ("loading", "running")
RUN_STREAMS = ("stdout", "stderr")


def normalise_call(call: Any) -> dict[str, bool] | None:
    """`call` as {muted: bool} while the sender is in a call, or None."""
    if not isinstance(call, dict) or not isinstance(call.get("muted"), bool):
        return None
    return {"muted": call["muted"]}


def normalise_run(run: Any) -> dict[str, Any] | None:
    """A run in progress as {language, phase, out: [[stream, text], ...]}, or None.

    The output is shown to the other participant as it prints, so its text is cleaned as run
    output is (core/text.py) and bounded to the tail the clients share."""
    if not isinstance(run, dict):
        return None
    language, phase, out = run.get("language"), run.get("phase"), run.get("out")
    if (not isinstance(language, str) or len(language) > RUN_LANGUAGE_CHARS
            or phase not in RUN_PHASES or not isinstance(out, list)):
        return None
    chunks: list[list[str]] = []
    left = RUN_TAIL_CHARS
    for chunk in out:
        if (not isinstance(chunk, list) or len(chunk) != 2 or chunk[0] not in RUN_STREAMS
                or not isinstance(chunk[1], str) or len(chunk[1]) > left):
            return None
        left -= len(chunk[1])
        chunks.append([chunk[0], shown(chunk[1])])
    return {"language": shown(language), "phase": phase, "out": chunks}


class AwarenessTable:
    """The room's awareness states.

    `owner` is whatever the caller uses for a connection; `owner_key(owner)` names the participant
    behind it. When a connection goes, its client ids stay reserved for its participant: only
    the same participant (reconnecting, same Yjs client id) may claim them again, so nobody
    else can take over a departed peer's cursor and name. Each participant keeps at most
    `tombstones` reserved ids, its own oldest forgotten first: churning through ids evicts
    only the churner's.
    """

    def __init__(self, max_state_bytes: int, max_ids_per_owner: int = 8, max_depth: int = 16,
                 tombstones: int = 1024,
                 owner_key: Callable[[object], object] | None = None) -> None:
        self.max_state_bytes = max_state_bytes
        self.max_ids_per_owner = max_ids_per_owner
        self.max_depth = max_depth
        self.max_tombstones = tombstones
        self.owner_key = owner_key or (lambda owner: owner)
        self._states: dict[int, _State] = {}
        self._owned: dict[object, set[int]] = {}
        self._reserved: dict[int, object] = {}  # departed client id -> its participant
        self._reserved_by: dict[object, OrderedDict[int, None]] = {}  # participant -> ids

    @classmethod
    def for_room(cls, limits: Any, owner_key: Callable[[object], object]) -> AwarenessTable:
        """A table with the awareness settings of `limits` (a config.Limits)."""
        return cls(limits.awareness_state_bytes, max_depth=limits.awareness_max_depth,
                   tombstones=limits.awareness_tombstones, owner_key=owner_key)

    def apply(
        self, owner: object, entries: list[AwarenessEntry], user: dict[str, Any]
    ) -> list[AwarenessEntry]:
        """Record the owner's entries; return the (stamped) entries to relay to the others."""
        out: list[AwarenessEntry] = []
        owned = self._owned.setdefault(owner, set())
        for e in entries:
            cur = self._states.get(e.client_id)
            if cur is not None and (cur.owner is not owner or e.clock < cur.clock):
                continue
            if cur is None:
                if len(owned) >= self.max_ids_per_owner and e.client_id not in owned:
                    continue
                gone = self._reserved.get(e.client_id)
                if gone is not None and gone != self.owner_key(owner):
                    continue  # a departed participant's id
            if e.state_json == "null":
                if cur is not None:
                    self._forget(e.client_id, cur)
                    owned.discard(e.client_id)
                    out.append(e)
                continue
            stamped = self._stamp(e.state_json, user)
            if stamped is None:
                continue
            self._unreserve(e.client_id)
            self._states[e.client_id] = _State(owner, e.clock, stamped)
            owned.add(e.client_id)
            out.append(AwarenessEntry(e.client_id, e.clock, stamped))
        return out

    def _stamp(self, state_json: str, user: dict[str, Any]) -> str | None:
        # chars <= UTF-8 bytes: the cheap test first, then the real one
        if len(state_json) > self.max_state_bytes or (
                len(state_json.encode("utf-8", "surrogatepass")) > self.max_state_bytes):
            return None
        try:
            state = parse_state(state_json, self.max_depth)
        except BadState:
            return None
        if not isinstance(state, dict):
            return None
        # only the fields SPEC 11 defines: anything else (a "name", say) could be shown by some
        # client as who the sender is
        kept: dict[str, Any] = {}
        for key, value in state.items():
            if key == "user":
                kept[key] = user
            elif key == "cursor":
                kept[key] = None if value is None else normalise_cursor(value)
            elif key == "pointer":
                kept[key] = normalise_pointer(value)
            elif key == "call":
                kept[key] = normalise_call(value)
            elif key == "run":
                kept[key] = normalise_run(value)
        kept.setdefault("user", user)
        out = json.dumps(kept, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        try:
            out.encode("utf-8")  # fails on a lone surrogate (from a \ud800 escape)
        except UnicodeEncodeError:
            return None
        return out

    def _forget(self, client_id: int, cur: _State) -> None:
        del self._states[client_id]
        key = self.owner_key(cur.owner)
        self._reserved[client_id] = key
        mine = self._reserved_by.setdefault(key, OrderedDict())
        mine[client_id] = None
        mine.move_to_end(client_id)
        while len(mine) > self.max_tombstones:
            old, _ = mine.popitem(last=False)
            del self._reserved[old]

    def _unreserve(self, client_id: int) -> None:
        key = self._reserved.pop(client_id, None)
        if key is not None:
            self._reserved_by[key].pop(client_id, None)

    def holder(self, client_id: int) -> object | None:
        """The participant (owner_key) holding this client id, live or reserved, if any."""
        cur = self._states.get(client_id)
        if cur is not None:
            return self.owner_key(cur.owner)
        return self._reserved.get(client_id)

    def remove_owner(self, owner: object) -> list[AwarenessEntry]:
        """Forget the owner's states; return the removals to send to the others.

        The removal's clock is the state's clock + 1, or the same clock when that is already
        2^53-1 (a peer also applies a `null` state at an equal clock), so any clock a client
        managed to send still yields a removal that encodes.
        """
        out = []
        for client_id in sorted(self._owned.pop(owner, ())):
            cur = self._states.get(client_id)
            if cur is not None:
                self._forget(client_id, cur)
                out.append(AwarenessEntry(client_id, min(cur.clock + 1, MAX_SAFE_INTEGER), "null"))
        return out

    def owner_of(self, client_id: int) -> object | None:
        """The owner currently holding a state for this client id, if any."""
        cur = self._states.get(client_id)
        return None if cur is None else cur.owner

    def snapshot(self) -> list[AwarenessEntry]:
        return [AwarenessEntry(cid, s.clock, s.state_json) for cid, s in self._states.items()]
