"""Awareness policy: who owns which client id, and the server-stamped `user` field.

A connection owns the client ids it first announced. Entries for ids owned by another connection
are dropped; every state relayed has its "user" replaced by the owner's pseudonym, so a client
cannot pose as someone else or leak anything through that field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from collab_protocol.awareness import AwarenessEntry


@dataclass(slots=True)
class _State:
    owner: object
    clock: int
    state_json: str


class AwarenessTable:
    def __init__(self, max_state_bytes: int, max_ids_per_owner: int = 8) -> None:
        self.max_state_bytes = max_state_bytes
        self.max_ids_per_owner = max_ids_per_owner
        self._states: dict[int, _State] = {}
        self._owned: dict[object, set[int]] = {}

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
            if cur is None and len(owned) >= self.max_ids_per_owner:
                continue
            if e.state_json == "null":
                if cur is not None:
                    del self._states[e.client_id]
                    owned.discard(e.client_id)
                    out.append(e)
                continue
            stamped = self._stamp(e.state_json, user)
            if stamped is None:
                continue
            self._states[e.client_id] = _State(owner, e.clock, stamped)
            owned.add(e.client_id)
            out.append(AwarenessEntry(e.client_id, e.clock, stamped))
        return out

    def _stamp(self, state_json: str, user: dict[str, Any]) -> str | None:
        if len(state_json) > self.max_state_bytes:
            return None
        try:
            state = json.loads(state_json)
        except ValueError:
            return None
        if not isinstance(state, dict):
            return None
        state["user"] = user
        return json.dumps(state, separators=(",", ":"), ensure_ascii=False)

    def remove_owner(self, owner: object) -> list[AwarenessEntry]:
        """Forget the owner's states; return the removals to send to the others."""
        out = []
        for client_id in sorted(self._owned.pop(owner, ())):
            cur = self._states.pop(client_id, None)
            if cur is not None:
                out.append(AwarenessEntry(client_id, cur.clock + 1, "null"))
        return out

    def snapshot(self) -> list[AwarenessEntry]:
        return [AwarenessEntry(cid, s.clock, s.state_json) for cid, s in self._states.items()]
