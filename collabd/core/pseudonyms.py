"""Deterministic pseudonyms: a readable name and a colour per participant.

A pseudonym depends only on a seed and an index, never on who the person is, so it cannot
carry real identity. The runtime passes a random per-session seed. Within one seed, indexes
``0 .. MAX_DISTINCT - 1`` get pairwise distinct adjectives, animals and colours (each list is
walked from a seed-derived offset), so the two participants never look alike.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass

ADJECTIVES = (
    "Amber", "Azure", "Bold", "Breezy", "Calm", "Clever", "Coral", "Cosmic",
    "Dapper", "Eager", "Gentle", "Golden", "Hazel", "Jade", "Jolly", "Keen",
    "Lively", "Lucky", "Mellow", "Misty", "Nimble", "Quiet", "Rapid", "Silver",
    "Sunny", "Swift", "Tidy", "Witty",
)  # fmt: skip

ANIMALS = (
    "Badger", "Beaver", "Crane", "Dolphin", "Falcon", "Ferret", "Gecko", "Heron",
    "Ibis", "Koala", "Lemur", "Lynx", "Marten", "Narwhal", "Ocelot", "Otter",
    "Owl", "Panda", "Puffin", "Quokka", "Raven", "Robin", "Seal", "Stoat",
    "Tapir", "Walrus", "Wombat", "Yak",
)  # fmt: skip

# Saturated enough to read as a cursor on white, distinct from one another.
PALETTE = (
    "#d1495b", "#00798c", "#edae49", "#30638e", "#6a4c93", "#2a9d8f",
    "#e76f51", "#1982c4", "#8ac926", "#c9184a", "#ff7f11", "#3d5a80",
)  # fmt: skip

MAX_DISTINCT = min(len(ADJECTIVES), len(ANIMALS), len(PALETTE))

# How far the light variant moves towards white (for selection backgrounds).
LIGHT_MIX = 0.7


@dataclass(frozen=True)
class Pseudonym:
    name: str
    color: str
    color_light: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def lighten(color: str, mix: float = LIGHT_MIX) -> str:
    """Blend a ``#rrggbb`` colour towards white by ``mix`` (0 keeps it, 1 gives white)."""
    channels = [int(color[i : i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(c + (255 - c) * mix) for c in channels]
    return "#" + "".join(f"{c:02x}" for c in mixed)


def _offsets(seed: str | bytes) -> tuple[int, int, int]:
    raw = seed.encode() if isinstance(seed, str) else seed
    digest = hashlib.sha256(b"collabd-pseudonym\0" + raw).digest()
    return (
        int.from_bytes(digest[0:8], "big"),
        int.from_bytes(digest[8:16], "big"),
        int.from_bytes(digest[16:24], "big"),
    )


def pseudonym(seed: str | bytes, index: int) -> Pseudonym:
    """The pseudonym of participant ``index`` in the session seeded with ``seed``."""
    if index < 0:
        raise ValueError("index must not be negative")
    a, b, c = _offsets(seed)
    color = PALETTE[(c + index) % len(PALETTE)]
    return Pseudonym(
        name=f"{ADJECTIVES[(a + index) % len(ADJECTIVES)]} {ANIMALS[(b + index) % len(ANIMALS)]}",
        color=color,
        color_light=lighten(color),
    )


def pseudonyms(seed: str | bytes, count: int) -> list[Pseudonym]:
    """``count`` pairwise distinct pseudonyms for one seed."""
    if count > MAX_DISTINCT:
        raise ValueError(f"at most {MAX_DISTINCT} distinct pseudonyms per seed")
    return [pseudonym(seed, i) for i in range(count)]
