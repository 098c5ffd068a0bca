"""Awareness update payloads: varUint(n) { varUint(clientID) varUint(clock) varString(json) }*n."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collab_protocol import (
    AwarenessEntry,
    AwarenessMessage,
    DecodeError,
    decode_awareness,
    decode_frame,
    encode,
    encode_awareness,
)
from collab_protocol.awareness import MAX_ENTRIES
from collab_protocol.lib0 import MAX_SAFE_INTEGER

entries_st = st.lists(
    st.builds(
        AwarenessEntry,
        st.integers(0, MAX_SAFE_INTEGER),
        st.integers(0, MAX_SAFE_INTEGER),
        st.text(st.characters(codec="utf-8")),
    ),
    max_size=20,
)


def test_hand_computed_single_entry() -> None:
    data = encode_awareness([AwarenessEntry(1, 2, '{"a":1}')])
    assert data.hex() == "010102" + "07" + b'{"a":1}'.hex()
    assert decode_awareness(data) == [AwarenessEntry(1, 2, '{"a":1}')]


def test_hand_computed_non_ascii_state_and_big_ids() -> None:
    state = json.dumps({"n": "é"}, separators=(",", ":"), ensure_ascii=False)  # {"n":"é"}
    data = encode_awareness([AwarenessEntry(300, 128, state), AwarenessEntry(0, 0, "null")])
    expected = (
        "02" + "ac02" + "8001" + "0a" + state.encode().hex() + "00" + "00" + "04" + "6e756c6c"
    )
    assert data.hex() == expected


def test_keepalive_frame_is_01_01_00() -> None:
    # The empty awareness update the server sends to idle connections (SPEC.md, Keepalive).
    update = encode_awareness([])
    assert update == b"\x00"
    frame = encode(AwarenessMessage(update))
    assert frame == bytes.fromhex("010100")
    assert decode_frame(frame) == [AwarenessMessage(b"\x00")]
    assert decode_awareness(b"\x00") == []


@settings(deadline=None)  # timing varies on a shared machine
@given(entries_st)
def test_round_trip(entries: list[AwarenessEntry]) -> None:
    assert decode_awareness(encode_awareness(entries)) == entries


@settings(deadline=None)
@given(entries_st)
def test_round_trip_inside_a_frame(entries: list[AwarenessEntry]) -> None:
    (msg,) = decode_frame(encode(AwarenessMessage(encode_awareness(entries))))
    assert isinstance(msg, AwarenessMessage)
    assert decode_awareness(msg.update) == entries


def test_entry_count_cap() -> None:
    at_cap = [AwarenessEntry(i, 1, "null") for i in range(MAX_ENTRIES)]
    assert len(decode_awareness(encode_awareness(at_cap))) == MAX_ENTRIES
    over = encode_awareness(at_cap + [AwarenessEntry(MAX_ENTRIES, 1, "null")])
    with pytest.raises(DecodeError):
        decode_awareness(over)


def test_count_is_checked_before_reading_entries() -> None:
    # A huge count with no entries behind it fails at once, without trying to read them.
    with pytest.raises(DecodeError, match="too many"):
        decode_awareness(bytes.fromhex("ffffffff0f"))


@pytest.mark.parametrize(
    "hex_",
    [
        "",  # no count
        "01",  # one entry announced, none there
        "010102",  # entry cut after the clock
        "0101020561",  # state shorter than its length
        "01010201ff",  # state is not UTF-8
        "00" + "00",  # trailing byte after an empty update
        "0101020000",  # trailing byte after one entry
    ],
)
def test_malformed_updates_raise_decode_error(hex_: str) -> None:
    with pytest.raises(DecodeError):
        decode_awareness(bytes.fromhex(hex_))


@settings(deadline=None)
@given(st.binary(max_size=64))
def test_arbitrary_bytes_decode_or_raise_decode_error(data: bytes) -> None:
    try:
        entries = decode_awareness(data)
    except DecodeError:
        return
    # Re-encoding gives the canonical form (minimal varUints): same entries, never longer.
    canonical = encode_awareness(entries)
    assert decode_awareness(canonical) == entries
    assert len(canonical) <= len(data)
