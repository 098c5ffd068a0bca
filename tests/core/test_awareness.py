import json

from collab_protocol import AwarenessEntry
from collabd.core.awareness import AwarenessTable

ALICE = {"name": "Amber Otter", "color": "#112233", "colorLight": "#11223333"}
BOB = {"name": "Blue Heron", "color": "#445566", "colorLight": "#44556633"}


def test_user_is_stamped_and_ids_are_owned():
    t = AwarenessTable(max_state_bytes=1000)
    a, b = object(), object()
    [out] = t.apply(a, [AwarenessEntry(1, 1, json.dumps({"user": {"name": "Real"}, "c": 1}))],
                    ALICE)
    assert json.loads(out.state_json) == {"user": ALICE, "c": 1}
    assert t.apply(b, [AwarenessEntry(1, 9, '{"c": 2}')], BOB) == []  # not b's id
    assert t.apply(a, [AwarenessEntry(1, 0, '{"c": 3}')], ALICE) == []  # stale clock
    assert [e.client_id for e in t.snapshot()] == [1]
    assert t.remove_owner(a) == [AwarenessEntry(1, 2, "null")]
    assert t.snapshot() == []


def test_bad_states_are_dropped_and_ids_per_owner_are_bounded():
    t = AwarenessTable(max_state_bytes=50, max_ids_per_owner=2)
    a = object()
    entries = [AwarenessEntry(1, 1, "not json"), AwarenessEntry(2, 1, "[1]"),
               AwarenessEntry(3, 1, json.dumps({"x": "y" * 100})),
               AwarenessEntry(4, 1, "{}"), AwarenessEntry(5, 1, "{}"), AwarenessEntry(6, 1, "{}")]
    out = t.apply(a, entries, ALICE)
    assert [e.client_id for e in out] == [4, 5]


def test_null_state_removes():
    t = AwarenessTable(max_state_bytes=1000)
    a = object()
    t.apply(a, [AwarenessEntry(7, 1, "{}")], ALICE)
    assert t.apply(a, [AwarenessEntry(7, 2, "null")], ALICE) == [AwarenessEntry(7, 2, "null")]
    assert t.snapshot() == []
