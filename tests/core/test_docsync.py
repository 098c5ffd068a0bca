import pytest
from pycrdt import Doc, Text

from collabd.core.docsync import ApplyResult, DocTooLarge, InvalidUpdate, RoomDoc


def edits(n: int, text: str = "x") -> list[bytes]:
    d = Doc()
    t = d.get("code", type=Text)
    out = []
    for _ in range(n):
        sv = d.get_state()
        t += text
        out.append(d.get_update(sv))
    return out


def text_of(room: RoomDoc) -> str:
    return str(room.doc.get("code", type=Text))


def test_apply_in_order_noop_on_duplicates_pending_on_gaps():
    room = RoomDoc(1 << 20)
    ups = edits(3)
    assert room.apply(ups[0]) is ApplyResult.APPLY
    assert room.apply(ups[0]) is ApplyResult.NOOP
    assert room.apply(ups[2]) is ApplyResult.PENDING
    assert text_of(room) == "x"  # the pending update never reached yrs
    assert room.apply(ups[1]) is ApplyResult.APPLY
    assert room.apply(ups[2]) is ApplyResult.APPLY
    assert text_of(room) == "xxx"


def test_deletions_apply_even_though_the_state_vector_does_not_move():
    src = Doc()
    t = src.get("code", type=Text)
    t += "abc"
    room = RoomDoc(1 << 20)
    room.apply(src.get_update())
    sv = src.get_state()
    del t[0:1]
    assert room.apply(src.get_update(sv)) is ApplyResult.APPLY
    assert text_of(room) == "bc"


def test_size_cap_and_invalid_bytes():
    room = RoomDoc(100)
    with pytest.raises(DocTooLarge):
        room.apply(edits(1, "y" * 200)[0])
    assert text_of(room) == ""
    with pytest.raises(InvalidUpdate):
        room.apply(b"\x05nonsense")
    with pytest.raises(InvalidUpdate):
        room.diff(b"\xff\xff")


def test_diff_and_snapshot_reload():
    room = RoomDoc(1 << 20)
    for u in edits(5, "é🌍"):
        room.apply(u)
    peer = Doc()
    peer.apply_update(room.diff(b"\x00"))
    assert str(peer.get("code", type=Text)) == "é🌍" * 5
    again = RoomDoc(1 << 20)
    again.load([room.snapshot()])
    assert text_of(again) == text_of(room) and again.state == room.state
