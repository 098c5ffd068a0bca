"""The update gate against yrs and Yjs themselves, on random hand-made updates.

"The gate says APPLY" must mean yrs integrates the whole update (nothing pending, the state
vector the gate predicted, a fresh client gets the same document) or fails outright (the room
then rebuilds its document from the store); PENDING must mean yrs and Yjs would leave something
pending; NOOP must mean nothing changes. Yjs exposes its pending structs and pending deletes, so
the same cases also go through the npm `yjs` package in one node process.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from pycrdt import Doc, Snapshot, Text, merge_updates

from collabd.core import yupdate
from collabd.core.deletesets import DeleteSet, read_snapshot_deletes
from collabd.core.docsync import ApplyResult, DocBroken, RoomDoc
from support.yforge import Forged, random_update

CASES = int(os.environ.get("GATE_CASES", "2000"))
INTEROP = Path(__file__).parents[1] / "interop"

YJS_SCRIPT = r"""
import * as Y from 'yjs'
import { readFileSync } from 'fs'
const cases = JSON.parse(readFileSync(0, 'utf8'))
const out = cases.map(([base, update]) => {
  const d = new Y.Doc()
  Y.applyUpdate(d, Buffer.from(base, 'hex'))
  try {
    Y.applyUpdate(d, Buffer.from(update, 'hex'))
  } catch (e) {
    return { error: String(e) }
  }
  return { pending: d.store.pendingStructs !== null, pendingDs: d.store.pendingDs !== null }
})
process.stdout.write(JSON.stringify(out))
"""


def honest_base(rng: random.Random) -> bytes:
    docs = [Doc(client_id=c) for c in (1, 2, 3)]
    for _ in range(rng.randint(0, 6)):
        d = rng.choice(docs)
        for other in docs:
            if other is not d:
                d.apply_update(other.get_update(d.get_state()))
        t = d.get("code", type=Text)
        n = len(str(t))
        if n and rng.random() < 0.3:
            start = rng.randrange(n)
            del t[start:start + 1]
        else:
            # ASCII only: pycrdt counts bytes
            t.insert(rng.randint(0, n), rng.choice(("a", "bc", "xyz")))
    merged = Doc()
    for d in docs:
        merged.apply_update(d.get_update())
    return merged.get_update()


def deleted(d: Doc) -> dict[int, list[tuple[int, int]]]:
    """The doc's delete set, ranges merged (encodings may split them differently)."""
    ds = DeleteSet()
    for client, start, end in read_snapshot_deletes(Snapshot.from_doc(d).encode()):
        ds.add(client, start, end)
    return {c: list(zip(ds._starts[c], ds._ends[c], strict=True)) for c in ds._starts}


def text_of(d: Doc) -> str:
    return str(d.get("code", type=Text))


def run_case(rng: random.Random) -> tuple[bytes, bytes, ApplyResult, bool]:
    """One random case checked against yrs; returns it and whether yrs threw."""
    base = honest_base(rng)
    room = RoomDoc(1 << 20)
    room.load([base])
    state = dict(room.state)
    forged = random_update(rng, state, [1, 2, 3, 4])
    update = forged.encode()
    if rng.random() < 0.05:  # a replay of what the room already has
        forged = Forged()
        update = base
    checked = room.check(update)

    d = Doc()
    d.apply_update(base)
    before = (d.get_state(), Snapshot.from_doc(d).encode(), text_of(d))
    raised = False
    try:
        d.apply_update(update)
    except BaseException as exc:  # pyo3 panics are BaseExceptions
        if isinstance(exc, KeyboardInterrupt):
            raise
        raised = True
    sv = yupdate.decode_state_vector(d.get_state())
    info = checked.info
    full = dict(state)
    for client, end in info.ends.items():
        full[client] = max(full.get(client, 0), end)

    if checked.result is ApplyResult.APPLY:
        if raised or (checked.straddles and sv != checked.after):
            # yrs failed, or a forged split struct did not go in whole: the room must see it
            with pytest.raises(DocBroken):
                room.integrate(update, checked)
            raised = True
        else:
            assert sv == checked.after == full, (update.hex(), sv, checked.after)
            fresh = Doc()
            fresh.apply_update(d.get_update())
            if not (forged.right_origins() or forged.inner_refs(state)
                    or forged.overlaps(state)):
                # Forged structure that contradicts the document (a right origin left of its
                # origin, items of one update pointing at each other out of causal order, ids
                # the doc has reused for other content) can make YATA itself disagree with a
                # fresh replica; nothing pycrdt exposes lets the gate see item order or
                # content. A known limit: see docs/security.md.
                assert text_of(fresh) == text_of(d), update.hex()
                assert deleted(fresh) == deleted(d), update.hex()
            room.integrate(update, checked)
            assert text_of(room.doc) == text_of(d) and room.state == sv
    elif checked.result is ApplyResult.PENDING:
        assert room.state == state  # refused: nothing changed
    else:
        assert not raised
        after = (d.get_state(), Snapshot.from_doc(d).encode(), text_of(d))
        assert after == before, update.hex()
    return base, update, checked.result, raised


def test_the_gate_agrees_with_yrs_and_yjs() -> None:
    results = [run_case(random.Random(seed)) for seed in range(CASES)]
    counts = {r: sum(1 for *_, res, _ in results if res is r) for r in ApplyResult}
    # the generator must exercise every verdict, or this test proves little
    assert all(n >= 20 for n in counts.values()), counts

    node = shutil.which("node")
    assert node, "node is needed (scripts/setup.sh installs it)"
    cases = [[b.hex(), u.hex()] for b, u, *_ in results]
    proc = subprocess.run([node, "--input-type=module", "-e", YJS_SCRIPT],
                          input=json.dumps(cases), capture_output=True, text=True,
                          cwd=INTEROP, timeout=120, check=True)
    yjs = json.loads(proc.stdout)
    for (_, update, result, yrs_left), y in zip(results, yjs, strict=True):
        yjs_left = "error" in y or y["pending"] or y["pendingDs"]
        if result is ApplyResult.APPLY:
            assert yrs_left or not yjs_left, (update.hex(), y)  # yrs_left: it threw
        # PENDING on forged input may be stricter than both libraries (refusing is always
        # safe); that honest traffic is never refused is shown by the test below.


def honest_updates(rng: random.Random) -> list[bytes]:
    """Updates real replicas send: edits by three clients who sync now and then, each edit's
    update, some merged (as a reconnecting client sends them), in random order, repeated."""
    docs = [Doc(client_id=c) for c in (11, 12, 13)]
    out: list[bytes] = []
    for _ in range(rng.randint(1, 12)):
        d = rng.choice(docs)
        if rng.random() < 0.3:
            other = rng.choice(docs)
            d.apply_update(other.get_update(d.get_state()))
        sv = d.get_state()
        t = d.get("code", type=Text)
        n = len(str(t))
        if n and rng.random() < 0.3:
            start = rng.randrange(n)
            del t[start:start + 1]
        else:
            t.insert(rng.randint(0, n), rng.choice(("a", "bc", "xyz")))
        out.append(d.get_update(sv))
    if len(out) > 2 and rng.random() < 0.5:
        i = rng.randrange(len(out) - 1)
        out.append(merge_updates(*out[i:i + 2]))
    rng.shuffle(out)
    return out + rng.sample(out, min(2, len(out)))


def test_honest_updates_in_any_order_get_exactly_yrs_verdict() -> None:
    """No false refusals: for updates real replicas send, delivered in any order, the gate says
    PENDING exactly when yrs would leave something pending, NOOP exactly when nothing changes."""
    verdicts = {r: 0 for r in ApplyResult}
    for seed in range(300):
        rng = random.Random(seed)
        room = RoomDoc(1 << 20)
        for update in honest_updates(rng):
            probe = Doc()
            probe.apply_update(room.doc.get_update())
            before = (probe.get_state(), deleted(probe))
            probe.apply_update(update)
            after_sv = yupdate.decode_state_vector(probe.get_state())
            checked = room.check(update)
            verdicts[checked.result] += 1
            expected = dict(room.state)
            for client, end in checked.info.ends.items():
                expected[client] = max(expected.get(client, 0), end)
            left = after_sv != expected or any(
                end > expected.get(c, 0) for c, _, end in checked.info.deletes)
            assert (checked.result is ApplyResult.PENDING) == left, (seed, update.hex())
            if checked.result is ApplyResult.NOOP:
                assert (probe.get_state(), deleted(probe)) == before
            if checked.result is ApplyResult.APPLY:
                room.integrate(update, checked)
                assert room.state == after_sv
    assert all(n >= 20 for n in verdicts.values()), verdicts
