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


def typed_as(client_id: int, parts: list[str]) -> list[bytes]:
    d = Doc(client_id=client_id)
    t = d.get("code", type=Text)
    out = []
    for s in parts:
        sv = d.get_state()
        t.insert(len(t), s)
        out.append(d.get_update(sv))
    return out


def test_each_participant_holds_at_most_its_share():
    owners: dict[int, str] = {1: "a", 2: "b"}
    room = RoomDoc(4000, owners=owners)  # two shares of 2000 bytes
    a = typed_as(1, ["x" * 900] * 3)
    room.apply(a[0], "a")
    room.apply(a[1], "a")
    assert 1800 < room.measure("a") <= 2000
    with pytest.raises(DocTooLarge):
        room.apply(a[2], "a")
    for u in typed_as(2, ["y" * 900, "y" * 900]):  # the other share is whole
        assert room.apply(u, "b") is ApplyResult.APPLY
    assert room.measure("nobody") == 0
    # what the shares hold adds up to the document (the delete set aside)
    assert room.measure("a") + room.measure("b") <= len(room.doc.get_update())


def test_the_estimate_is_measured_before_refusing_and_the_measure_is_charged():
    owners: dict[int, str] = {1: "a"}
    room = RoomDoc(4000, owners=owners)  # a's share: 2000 bytes
    d = Doc(client_id=1)
    t = d.get("code", type=Text)
    charges = []

    def send() -> ApplyResult:
        result = room.apply(d.get_update(sv), "a")
        if room.spent:
            charges.append(room.spent)
            room.spent = 0
        return result

    sv = d.get_state()
    t += "k" * 1500
    send()
    for _ in range(10):  # type and delete: the estimate passes the share, the text does not
        sv = d.get_state()
        t += "z" * 300
        assert send() is ApplyResult.APPLY
        sv = d.get_state()
        del t[1500:1800]
        assert send() is ApplyResult.APPLY
    assert room.size > 2 * room.share
    # measured before refusing, and each measure charged: one unit per 64 bytes it read
    assert charges and all(1500 // 64 <= c <= 2000 // 64 for c in charges)
    assert text_of(room) == "k" * 1500


def test_a_sync_reply_carrying_the_rooms_delete_set_is_checked_on_its_structs():
    from collabd.core.docsync import TooMuchWork

    owners: dict[int, str] = {1: "a"}
    room = RoomDoc(1 << 20, max_work=100, owners=owners)
    d = Doc(client_id=1)
    t = d.get("code", type=Text)
    t += "x" * 1000
    room.apply(d.get_update(), "a")
    got: list[bytes] = []
    sub = d.observe(lambda event: got.append(event.update))  # what a Yjs client sends
    for k in range(3):  # 150 scattered deleted ranges, 50 per update
        with d.transaction():
            for i in range(50):
                del t[100 * k + i:100 * k + i + 1]
        assert room.apply(got.pop(), "a") is ApplyResult.APPLY
    d.unobserve(sub)
    sv = room.state_vector()
    t += "new"
    reply = d.get_update(sv)  # the whole delete set, and the new structs
    with pytest.raises(TooMuchWork):
        room.check(reply, "a")  # as a plain update: over max_work
    checked = room.check(reply, "a", reply=True)
    assert checked.result is ApplyResult.APPLY and checked.stripped is not None
    assert checked.info.deletes == [] and len(checked.stripped) < 50
    room.integrate(checked.stripped, checked, "a")
    assert text_of(room) == str(t)
    sv = room.state_vector()
    with d.transaction():  # 40 scattered deletes made offline, then the reconnect's reply
        for i in range(40):
            del t[400 + i:400 + i + 1]
    reply = d.get_update(sv)
    checked = room.check(reply, "a", reply=True)
    assert checked.result is ApplyResult.APPLY and checked.stripped is not None
    assert len(checked.info.deletes) == 40  # the new ones only, checked like any update
    assert room.spent >= 150 // 4  # the known ranges read were charged
    room.integrate(checked.stripped, checked, "a")
    assert text_of(room) == str(t)
    sv = room.state_vector()
    with d.transaction():  # 120 new scattered deletes: more than max_work of new work
        for i in range(120):
            del t[400 + i:400 + i + 1]
    with pytest.raises(TooMuchWork):
        room.check(d.get_update(sv), "a", reply=True)


def test_deleting_inside_the_other_sides_text_is_charged_to_the_deleter():
    """Deleting every other character of someone's text splits their items: their encoded
    share grows several times over. That growth is the deleter's, never the owner's."""
    owners: dict[int, str] = {1: "a", 2: "b"}
    room = RoomDoc(2 * 60_000, owners=owners)  # a share of 60,000 bytes each
    a = Doc(client_id=1)
    t = a.get("code", type=Text)
    t += "x" * 20_000
    assert room.apply(a.get_update(), "a") is ApplyResult.APPLY
    b = Doc(client_id=2)
    b.apply_update(a.get_update())
    tb = b.get("code", type=Text)
    got: list[bytes] = []
    b.observe(lambda event: got.append(event.update))  # each transaction's own deletes
    refused = 0
    for k in range(4):  # 4 x 500 scattered deletes inside a's text
        with b.transaction():
            for i in range(500):
                del tb[1000 * k + i:1000 * k + i + 1]
        update = got.pop()
        try:
            assert room.apply(update, "b") is ApplyResult.APPLY
            a.apply_update(update)
        except DocTooLarge:
            refused += 1
    assert refused == 2  # 500 x SPLIT_BYTES each: b's share is full after two
    assert room.measure("a") > 20_000 + 1000 * 8  # a's items did split
    sv = a.get_state()
    t += "y" * 38_000  # a's own bytes still fit: it wrote 58,000 of its 60,000
    assert room.apply(a.get_update(sv), "a") is ApplyResult.APPLY
    assert text_of(room) == str(t)
