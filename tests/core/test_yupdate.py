"""The Yjs v1 update reader: agrees with yrs on real updates, never crashes on others."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pycrdt import Array, Doc, Map, Text, XmlElement, XmlFragment, XmlText

from collabd.core import yupdate
from collabd.core.yupdate import InvalidUpdate
from support.yforge import Forged, Item


def rich_doc() -> Doc:
    d = Doc()
    t = d.get("code", type=Text)
    t += "héllo 🌍 中文"
    t.insert(0, "bold ", {"bold": True})
    t.format(0, 3, {"italic": True})
    del t[0:2]
    m = d.get("meta", type=Map)
    m["language"] = "python"
    m["n"] = 1.5
    m["flag"] = True
    m["nested"] = Map({"x": [1, 2, {"y": None}], "b": b"\x00\x01"})
    a = d.get("board", type=Array)
    a.append(Array([1, "two", b"bin"]))
    a.append(Text("inner"))
    f = d.get("xml", type=XmlFragment)
    f.children.append(XmlElement("p", {"a": "b"}, [XmlText("hi")]))
    return d


def test_a_full_update_ends_at_the_docs_state_vector():
    d = rich_doc()
    info = yupdate.parse(d.get_update())
    assert info.ends == yupdate.decode_state_vector(d.get_state())
    assert len(info.deletes) >= 1
    assert yupdate.applicable(info, {}) is not None


def test_incremental_updates_need_their_predecessors():
    d = Doc()
    t = d.get("code", type=Text)
    ups = []
    for ch in "abc":
        sv = d.get_state()
        t += ch
        ups.append(d.get_update(sv))
    first, second = (yupdate.parse(u) for u in ups[:2])
    assert yupdate.applicable(first, {}) is not None
    assert yupdate.applicable(second, {}) is None  # a clock gap: pending in yrs
    assert yupdate.applicable(second, first.ends) is not None
    assert yupdate.advances(second, first.ends)
    assert not yupdate.advances(first, first.ends)  # a duplicate


def test_a_missing_origin_from_another_client_is_detected():
    a = Doc()
    ta = a.get("code", type=Text)
    ta += "from a"
    b = Doc()
    b.apply_update(a.get_update())
    sv = b.get_state()
    b.get("code", type=Text).insert(6, "!")  # its origin is a's last character
    info = yupdate.parse(b.get_update(sv))
    assert yupdate.applicable(info, {}) is None
    assert yupdate.applicable(info, yupdate.decode_state_vector(a.get_state())) is not None


def test_string_lengths_count_utf16_units_like_yjs():
    d = Doc()
    d.get("code", type=Text).insert(0, "a🌍é")
    info = yupdate.parse(d.get_update())
    assert list(info.ends.values()) == [4]  # a=1, 🌍=2, é=1


@pytest.mark.parametrize("data", [b"", b"\x01", b"\x01\x01\x05\x00\x3f", b"\x00\x00\x00"])
def test_bad_updates_raise_invalid_update(data):
    with pytest.raises(InvalidUpdate):
        yupdate.parse(data)


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_parse_or_raise_invalid_update(data):
    try:
        yupdate.parse(data)
    except InvalidUpdate:
        pass


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0), st.integers(min_value=0, max_value=255))
def test_mutated_real_updates_parse_or_raise_invalid_update(pos, byte):
    update = bytearray(rich_doc().get_update())
    update[pos % len(update)] = byte
    try:
        yupdate.parse(bytes(update))
    except InvalidUpdate:
        pass


def test_structs_unblocking_each_other_one_per_round_are_bounded() -> None:
    """A chain across many clients, each waiting for the next one, in the order that lets only
    one go in per round: quadratic to replay, so past the bound it counts as pending."""
    def chain(n: int) -> yupdate.UpdateInfo:
        f = Forged()
        for i in range(n):
            origin = None if i == n - 1 else (1000 + i + 1, 0)
            f.clients[1000 + i] = (0, [Item("a", origin=origin)])
        return yupdate.parse(f.encode())

    assert yupdate.applicable(chain(40), {}, max_visits=4096) is not None  # honest sizes
    assert yupdate.applicable(chain(2000), {}, max_visits=4096) is None


def test_work_counts_structs_ranges_and_values_and_is_capped_before_reading() -> None:
    doc = Doc()
    board = doc.get("board", type=Map)
    board["stroke"] = list(range(5000))  # one struct holding 5000 values
    update = doc.get_update()
    assert yupdate.parse(update).work >= 5000
    with pytest.raises(yupdate.TooMuchWork):
        yupdate.parse(update, max_work=1000)
    many = Forged(deletes=[(7, 2 * i, 1) for i in range(3000)]).encode()
    assert yupdate.parse(many).work >= 3000
    with pytest.raises(yupdate.TooMuchWork):
        yupdate.parse(many, max_work=1000)
