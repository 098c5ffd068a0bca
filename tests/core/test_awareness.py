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
    assert json.loads(out.state_json) == {"user": ALICE}  # "c" is no field of SPEC 11
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


# -- issue 10: states every stock peer can read; issue 10 item 6: the largest clock


def test_a_removal_at_the_largest_clock_still_encodes():
    from collab_protocol import encode_awareness

    t = AwarenessTable(max_state_bytes=1000)
    a = object()
    top = 2**53 - 1
    t.apply(a, [AwarenessEntry(1, top, "{}")], ALICE)
    removal = t.remove_owner(a)
    # a peer applies a null state at an equal clock, so the removal needs no clock + 1
    assert removal == [AwarenessEntry(1, top, "null")]
    assert encode_awareness(removal)


def test_strict_json_only():
    t = AwarenessTable(max_state_bytes=1000)
    a = object()
    bad = ['{"x": NaN}', '{"x": Infinity}', '{"x": -Infinity}', '{"x": 1e999}',
           '{"x": -1e400}', '{"x": ' + "9" * 400 + "}"]
    # lone surrogates, in a field that is relayed (others are dropped unread)
    bad += [json.dumps({"cursor": {"anchor": {"tname": "@"}, "head": {"tname": "a"}}})
            .replace("@", s) for s in ("\\ud800", "a\\ud83c", "\\udfff")]
    out = t.apply(a, [AwarenessEntry(i, 1, s) for i, s in enumerate(bad)], ALICE)
    assert out == []
    anchor = '{"tname": "\\ud83c\\udf0d"}'
    fine = t.apply(a, [AwarenessEntry(50, 1, '{"pointer": {"x": 1e300, "y": 12}, "cursor": '
                                      f'{{"anchor": {anchor}, "head": {anchor}}}}}')], ALICE)
    state = json.loads(fine[0].state_json)
    assert state["cursor"]["anchor"]["tname"] == "🌍" and state["pointer"]["x"] == 1e300


def test_deep_nesting_is_dropped_without_raising():
    t = AwarenessTable(max_state_bytes=100_000, max_depth=16)
    a = object()
    deep = '{"x": ' + "[" * 4000 + "]" * 4000 + "}"
    deep_obj = '{"x": ' + '{"y": ' * 4000 + "1" + "}" * 4000 + "}"
    ok = '{"x": ' + "[" * 15 + "]" * 15 + "}"  # 16 levels with the outer object
    too_deep = '{"x": ' + "[" * 16 + "]" * 16 + "}"
    out = t.apply(a, [AwarenessEntry(1, 1, deep), AwarenessEntry(2, 1, deep_obj),
                      AwarenessEntry(3, 1, ok), AwarenessEntry(4, 1, too_deep)], ALICE)
    assert [e.client_id for e in out] == [3]


def test_size_limit_counts_utf8_bytes():
    t = AwarenessTable(max_state_bytes=100)
    a = object()
    emoji = json.dumps({"x": "🌍" * 30}, ensure_ascii=False)  # 40 characters, 130 bytes
    assert len(emoji) <= 100 < len(emoji.encode())
    assert t.apply(a, [AwarenessEntry(1, 1, emoji)], ALICE) == []
    fits = json.dumps({"x": "é" * 40}, ensure_ascii=False)  # 49 characters, 89 bytes
    assert len(t.apply(a, [AwarenessEntry(2, 1, fits)], ALICE)) == 1


def test_a_departed_id_is_kept_for_its_participant_only():
    t = AwarenessTable(max_state_bytes=1000, tombstones=2, owner_key=lambda o: o[0])
    a1, a2, b = ("alice", 1), ("alice", 2), ("bob", 1)
    t.apply(a1, [AwarenessEntry(7, 3, "{}")], ALICE)
    assert t.remove_owner(a1) == [AwarenessEntry(7, 4, "null")]
    assert t.apply(b, [AwarenessEntry(7, 9, "{}")], BOB) == []  # bob may not take it
    assert len(t.apply(a2, [AwarenessEntry(7, 5, "{}")], ALICE)) == 1  # alice reconnecting may
    # a voluntary leave (null state) leaves a tombstone too
    assert t.apply(a2, [AwarenessEntry(7, 6, "null")], ALICE) == [AwarenessEntry(7, 6, "null")]
    assert t.apply(b, [AwarenessEntry(7, 9, "{}")], BOB) == []
    # bounded: the oldest tombstones are forgotten
    for cid in (8, 9):
        t.apply(a1, [AwarenessEntry(cid, 1, "{}")], ALICE)
    t.remove_owner(a1)
    assert len(t._reserved_by["alice"]) == 2
    assert len(t.apply(b, [AwarenessEntry(7, 9, "{}")], BOB)) == 1


def test_nobody_can_flush_another_participants_reserved_ids():
    """Creating and dropping many ids evicts only the churner's own reservations."""
    t = AwarenessTable(max_state_bytes=1000, tombstones=16, owner_key=lambda o: o[0])
    alice, bob = ("alice", 1), ("bob", 1)
    t.apply(alice, [AwarenessEntry(7, 3, "{}")], ALICE)
    t.remove_owner(alice)  # a network blip
    for cid in range(1000, 2500):
        t.apply(bob, [AwarenessEntry(cid, 1, "{}")], BOB)
        t.apply(bob, [AwarenessEntry(cid, 2, "null")], BOB)
    assert t.holder(7) == "alice"
    assert t.apply(bob, [AwarenessEntry(7, 9, "{}")], BOB) == []
    assert len(t._reserved_by["bob"]) == 16 and len(t._reserved) == 17


STOCK = {"type": None, "tname": "code", "item": None, "assoc": 0}
ITEM = {"type": None, "tname": None, "item": {"client": 5, "clock": 2}, "assoc": -1}


def _cursor_out(t: AwarenessTable, cid: int, cursor: object) -> object:
    [out] = t.apply(object(), [AwarenessEntry(cid, 1, json.dumps({"cursor": cursor}))], ALICE)
    return json.loads(out.state_json)["cursor"]


def test_cursors_are_normalised_to_the_stock_shape():
    t = AwarenessTable(max_state_bytes=1000)
    # issue 13: collab-term published this; y-codemirror read the missing item as present
    short = {"tname": "code", "assoc": 0}
    assert _cursor_out(t, 1, {"anchor": short, "head": short}) == {"anchor": STOCK, "head": STOCK}
    to_json = {"item": {"client": 5, "clock": 2}, "assoc": -1}  # Y.relativePositionToJSON
    assert _cursor_out(t, 2, {"anchor": to_json, "head": ITEM}) == {"anchor": ITEM, "head": ITEM}
    assert _cursor_out(t, 3, None) is None


def test_unreadable_cursors_become_null():
    t = AwarenessTable(max_state_bytes=1000)
    bad = [5, "x", [1], {}, {"anchor": STOCK}, {"anchor": STOCK, "head": 3},
           {"anchor": STOCK, "head": {"item": 5}},
           {"anchor": STOCK, "head": {"item": {"client": 1, "clock": -1}}},
           {"anchor": STOCK, "head": {"item": {"client": 1, "clock": 1.5}}},
           {"anchor": STOCK, "head": {"item": {"client": 1}}},
           {"anchor": STOCK, "head": {"type": 3, "item": None}},
           {"anchor": STOCK, "head": {"tname": 5}},
           {"anchor": STOCK, "head": {"type": None, "tname": None, "item": None}},
           {"anchor": STOCK, "head": {"tname": "code", "assoc": "x"}},
           {"anchor": STOCK, "head": {"tname": "code", "assoc": True}}]
    for i, cursor in enumerate(bad):
        assert _cursor_out(t, 10 + i, cursor) is None, cursor


def test_only_the_fields_the_protocol_defines_are_relayed():
    """A "name" beside the stamped user could be shown as the sender's identity by some
    client: only user (stamped), cursor, pointer, call and run travel, in the sender's order."""
    t = AwarenessTable(max_state_bytes=1000)
    state = {"name": "Interviewer", "pointer": {"x": 3, "y": 4.5, "z": 1}, "role": "admin",
             "cursor": None, "user": {"name": "Real"}, "selection": [1, 2]}
    [out] = t.apply(object(), [AwarenessEntry(1, 1, json.dumps(state))], ALICE)
    assert out.state_json == json.dumps(
        {"pointer": {"x": 3, "y": 4.5}, "cursor": None, "user": ALICE}, separators=(",", ":"))
    for cid, bad in enumerate(({"x": "1", "y": 2}, {"x": True, "y": 2}, [1, 2], {"x": 1}), 2):
        [out] = t.apply(object(), [AwarenessEntry(cid, 1, json.dumps({"pointer": bad}))], ALICE)
        assert json.loads(out.state_json)["pointer"] is None


def test_a_call_and_a_run_in_progress_travel_in_their_own_shapes():
    """The web client shows the partner's mute state and run output live from these fields."""
    t = AwarenessTable(max_state_bytes=10_000)
    run = {"language": "python", "phase": "running",
           "out": [["stdout", "one\n"], ["stderr", "\u202eevil\x1b[2J\n"]], "pid": 7}
    state = {"call": {"muted": True, "gain": 3}, "run": run}
    [out] = t.apply(object(), [AwarenessEntry(1, 1, json.dumps(state))], ALICE)
    got = json.loads(out.state_json)
    assert got["call"] == {"muted": True}
    assert got["run"] == {"language": "python", "phase": "running",
                          "out": [["stdout", "one\n"], ["stderr", "evil[2J\n"]]}
    bad_runs = [
        {"language": "python", "phase": "done", "out": []},
        {"language": "x" * 33, "phase": "running", "out": []},
        {"language": "python", "phase": "running", "out": [["stdin", "a"]]},
        {"language": "python", "phase": "running", "out": [["stdout", "a" * 2001]]},
        {"language": "python", "phase": "running", "out": [["stdout", "a" * 1500]] * 2},
        {"language": "python", "phase": "running", "out": "text"},
    ]
    for cid, bad in enumerate(bad_runs, 2):
        [out] = t.apply(object(), [AwarenessEntry(cid, 1, json.dumps({"run": bad}))], ALICE)
        assert json.loads(out.state_json)["run"] is None, bad
    for cid, bad in enumerate(({"muted": "yes"}, {}, [True]), 20):
        [out] = t.apply(object(), [AwarenessEntry(cid, 1, json.dumps({"call": bad}))], ALICE)
        assert json.loads(out.state_json)["call"] is None, bad
