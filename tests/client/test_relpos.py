"""Relative cursor positions computed on pycrdt agree with the real Yjs (npm `yjs`, run by
node from tests/interop/node_modules) in both directions, on documents written by several
clients with emoji, accents and CJK."""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path

import pytest
from pycrdt import Doc, Text

from collab_client import relpos
from collab_client.positions import bytes_from_cp, cp_from_utf16, utf16_from_cp

HERE = Path(__file__).resolve().parent
INTEROP = HERE.parent / "interop"
PIECES = ["a", "b", " ", "\n", "é", "e\u0301", "漢", "字", "🌍", "👩‍💻", "ß"]


def build(seed: int) -> tuple[Doc, Text]:
    """Three clients edit concurrently and merge, so the text is made of many items."""
    rng = random.Random(seed)
    docs = [Doc() for _ in range(3)]
    for _ in range(30):
        doc = rng.choice(docs)
        text = doc.get("code", type=Text)
        s = str(text)
        at = rng.randint(0, len(s))
        if s and rng.random() < 0.3:
            end = min(len(s), at + rng.randint(1, 3))
            del text[bytes_from_cp(s, at) : bytes_from_cp(s, end)]
        else:
            text.insert(bytes_from_cp(s, at), "".join(rng.choices(PIECES, k=rng.randint(1, 4))))
        if rng.random() < 0.4:  # merge everything now and then
            merged = [d.get_update() for d in docs]
            for d in docs:
                for u in merged:
                    d.apply_update(u)
    final = docs[0]
    for d in docs[1:]:
        final.apply_update(d.get_update())
    return final, final.get("code", type=Text)


def run_yjs(update: bytes, positions: list[object]) -> dict:  # type: ignore[type-arg]
    out = subprocess.run(
        ["node", str(HERE / "relpos_check.cjs"), str(INTEROP)],
        input=json.dumps({"update": update.hex(), "positions": positions}),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(out.stdout)  # type: ignore[no-any-return]


@pytest.mark.parametrize("seed", range(6))
def test_relative_positions_match_yjs(seed):
    doc, text = build(seed)
    s = str(text)
    ours = [relpos.encode(text, bytes_from_cp(s, cp), s) for cp in range(len(s) + 1)]
    result = run_yjs(doc.get_update(), ours)
    assert result["text"] == s
    # ours, resolved by Yjs, land where we meant them (UTF-16 indexes)
    assert result["fromPython"] == [utf16_from_cp(s, cp) for cp in range(len(s) + 1)]
    # Yjs's own, resolved by us
    state = relpos.state_vector(doc.get_state())
    for index16, rel in enumerate(result["fromYjs"]):
        try:
            cp = cp_from_utf16(s, index16)
        except ValueError:
            continue  # inside a surrogate pair: no editor can put a caret there
        assert relpos.decode(text, rel, state, s) == bytes_from_cp(s, cp), (index16, rel)


def test_unknown_or_malformed_positions_are_refused_without_panicking():
    doc, text = build(99)
    state = relpos.state_vector(doc.get_state())
    assert relpos.decode(text, {"item": {"client": 12345, "clock": 0}, "assoc": 0}, state) is None
    assert relpos.decode(text, {"item": {"client": "x", "clock": 0}}, state) is None
    assert relpos.decode(text, "nope", state) is None
    n = len(str(text).encode())
    assert relpos.decode(text, {"tname": "code", "assoc": 0}, state) == n
    assert relpos.decode(text, {"tname": "code", "assoc": -1}, state) == 0
