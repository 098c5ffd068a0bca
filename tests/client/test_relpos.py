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

from collab_client import Client, JoinInfo, relpos
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
    assert result["fromPythonRaw"] == result["fromPython"]
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


def typed(content: str) -> Doc:
    """A document whose text was typed by one client (the issue's case: browser typed it)."""
    doc: Doc = Doc()
    doc.get("code", type=Text).insert(0, content)
    return doc


CURSOR_DOCS = {
    "empty": lambda: typed(""),
    "one letter": lambda: typed("x"),
    "the issue's function": lambda: typed("def f():\n    pass\n"),
    "accents": lambda: typed("café e\u0301"),
    "cjk": lambda: typed("漢字\n字"),
    "emoji at the end": lambda: typed("a🌍"),
    "zwj emoji": lambda: typed("👩‍💻 ok 🌍"),
    "three clients": lambda: build(7)[0],
}


@pytest.mark.parametrize("name", sorted(CURSOR_DOCS))
def test_every_published_cursor_is_read_by_yjs_as_y_codemirror_reads_it(name):
    """Every cursor the terminal can publish (Client.set_cursor, called by the app with the
    caret and selection ends): start, middle, end, empty document, after emoji/accents/CJK,
    collapsed and ranges both ways. Yjs must resolve the awareness JSON as y-codemirror.next
    does (the plain object, no createRelativePositionFromJSON) to the same UTF-16 indexes;
    an end-of-text position without `item: null` crashed it (issue 13, bug 1)."""
    doc = CURSOR_DOCS[name]()
    client = Client(JoinInfo("http://127.0.0.1:9", "t", "room", "p", "interviewer", 0))
    client.doc.apply_update(doc.get_update())
    s = client.code
    ends = [utf16_from_cp(s, cp) for cp in range(len(s) + 1)]
    rng = random.Random(len(s))
    pairs = [(i, i) for i in ends]  # collapsed carets everywhere
    pairs += [(ends[0], ends[-1]), (ends[-1], ends[0])]  # select all, both directions
    pairs += [(rng.choice(ends), rng.choice(ends)) for _ in range(20)]  # ranges
    published = []
    for anchor, head in pairs:
        client.set_cursor(anchor, head)
        assert client.local_state is not None
        # exactly what goes on the wire: the awareness state as JSON
        published.append(json.loads(json.dumps(client.local_state["cursor"])))
    flat = [pos for cursor in published for pos in (cursor["anchor"], cursor["head"])]
    result = run_yjs(client.doc.get_update(), flat)
    assert result["text"] == s
    want = [end for pair in pairs for end in pair]
    assert result["fromPythonRaw"] == want
    assert result["fromPython"] == want
    for pos in flat:  # the full RelativePosition shape y-codemirror.next itself publishes
        assert set(pos) == {"type", "tname", "item", "assoc"}, pos
