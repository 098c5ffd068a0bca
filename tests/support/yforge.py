"""Hand-made Yjs v1 updates: string items with any origins, for attacking the update gate.

Only what the tests need: items of string content under the root text `code`, with an origin,
a right origin, or neither (then the parent is written out: a root name, or an id), a delete
set, and the ability to point anything anywhere (self, later clocks, cycles).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from collab_protocol.lib0 import write_var_string, write_var_uint

Id = tuple[int, int]


@dataclass
class Item:
    text: str
    origin: Id | None = None
    right: Id | None = None
    parent_id: Id | None = None  # only when no origins: an id instead of the root "code"


@dataclass
class Forged:
    clients: dict[int, tuple[int, list[Item]]] = field(default_factory=dict)  # client -> start
    deletes: list[tuple[int, int, int]] = field(default_factory=list)  # client, clock, length

    def right_origins(self) -> bool:
        return any(it.right for _, items in self.clients.values() for it in items)

    def self_forward_refs(self) -> bool:
        """Does an item point at itself or at a later clock of its own client?"""
        for client, (clock, items) in self.clients.items():
            for it in items:
                for ref in (it.origin, it.right, it.parent_id):
                    if ref and ref[0] == client and ref[1] >= clock:
                        return True
                clock += len(it.text.encode("utf-16-le")) // 2
        return False

    def inner_refs(self, state: dict[int, int]) -> bool:
        """Does an item point at an id the doc does not have yet (inside this update)?"""
        return any(ref and ref[1] >= state.get(ref[0], 0)
                   for _, items in self.clients.values() for it in items
                   for ref in (it.origin, it.right, it.parent_id))

    def overlaps(self, state: dict[int, int]) -> bool:
        """Does a struct reuse ids the doc already has?"""
        return any(clock < state.get(client, 0) for client, (clock, _) in self.clients.items())

    def encode(self) -> bytes:
        out = bytearray()
        write_var_uint(out, len(self.clients))
        for client, (clock, items) in self.clients.items():
            write_var_uint(out, len(items))
            write_var_uint(out, client)
            write_var_uint(out, clock)
            for it in items:
                info = 4 | (0x80 if it.origin else 0) | (0x40 if it.right else 0)
                out.append(info)
                for ref in (it.origin, it.right):
                    if ref:
                        write_var_uint(out, ref[0])
                        write_var_uint(out, ref[1])
                if not it.origin and not it.right:
                    if it.parent_id is None:
                        write_var_uint(out, 1)
                        write_var_string(out, "code")
                    else:
                        write_var_uint(out, 0)
                        write_var_uint(out, it.parent_id[0])
                        write_var_uint(out, it.parent_id[1])
                write_var_string(out, it.text)
        by_client: dict[int, list[tuple[int, int]]] = {}
        for client, clock, length in self.deletes:
            by_client.setdefault(client, []).append((clock, length))
        write_var_uint(out, len(by_client))
        for client, ranges in by_client.items():
            write_var_uint(out, client)
            write_var_uint(out, len(ranges))
            for clock, length in ranges:
                write_var_uint(out, clock)
                write_var_uint(out, length)
        return bytes(out)


def random_update(rng: random.Random, state: dict[int, int], clients: list[int]) -> Forged:
    """An update whose ids point at random places: known ids, ids inside the update (earlier,
    later, itself), ids nobody has. Clocks start at, before or after what the doc knows."""
    f = Forged()
    planned: list[Id] = []
    layout: list[tuple[int, int, list[int]]] = []
    for client in rng.sample(clients, rng.randint(1, min(3, len(clients)))):
        known = state.get(client, 0)
        start = max(0, known + rng.choice((0, 0, 0, -1, 1, 2)))
        lengths = [rng.randint(1, 3) for _ in range(rng.randint(1, 4))]
        layout.append((client, start, lengths))
        clock = start
        for n in lengths:
            planned.extend((client, clock + k) for k in range(n))
            clock += n
    known_ids = [(c, k) for c, n in state.items() for k in range(n)]

    def pick() -> Id | None:
        roll = rng.random()
        if roll < 0.3:
            return None
        if roll < 0.6 and known_ids:
            return rng.choice(known_ids)
        if roll < 0.9 and planned:
            return rng.choice(planned)
        return (rng.choice(clients), state.get(rng.choice(clients), 0) + rng.randint(0, 9))

    for client, start, lengths in layout:
        items = []
        for n in lengths:
            # n UTF-16 code units: ASCII, accents, or one emoji (a surrogate pair) for n == 2
            text = rng.choice(("x" * n, "é" * n, "🌍" if n == 2 else "ab"[:1] * n))
            items.append(Item(text, pick(), pick() if rng.random() < 0.4 else None,
                              rng.choice(known_ids) if known_ids and rng.random() < 0.1 else None))
        f.clients[client] = (start, items)
    for _ in range(rng.choice((0, 0, 1, 2))):
        client = rng.choice(clients)
        top = max(state.get(client, 0), 1)
        clock = rng.randint(0, top + 2)
        f.deletes.append((client, clock, rng.randint(1, 3)))
    return f
