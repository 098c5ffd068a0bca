"""lib0 primitives: varUint, varInt, varUint8Array, varString (byte-length-prefixed UTF-8)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collab_protocol import DecodeError
from collab_protocol.lib0 import (
    MAX_SAFE_INTEGER,
    Reader,
    write_var_string,
    write_var_uint,
    write_var_uint8_array,
)

# Strings that can be UTF-8 encoded: everything but lone surrogates.
unicode_text = st.text(st.characters(codec="utf-8"))


def var_uint(n: int) -> bytes:
    out = bytearray()
    write_var_uint(out, n)
    return bytes(out)


def var_string(s: str) -> bytes:
    out = bytearray()
    write_var_string(out, s)
    return bytes(out)


def lib0_var_int(n: int) -> bytes:
    """lib0's writeVarInt, transcribed here so read_var_int is checked against an encoder."""
    negative = n < 0
    n = abs(n)
    out = bytearray([(0x80 if n > 0x3F else 0) | (0x40 if negative else 0) | (n & 0x3F)])
    n >>= 6
    while n > 0:
        out.append((0x80 if n > 0x7F else 0) | (n & 0x7F))
        n >>= 7
    return bytes(out)


@pytest.mark.parametrize(
    ("value", "hex_"),
    [
        (0, "00"),
        (1, "01"),
        (127, "7f"),
        (128, "8001"),
        (300, "ac02"),
        (16384, "808001"),
        (2**32 - 1, "ffffffff0f"),
        (2**53 - 1, "ffffffffffffff0f"),
    ],
)
def test_var_uint_hand_computed(value: int, hex_: str) -> None:
    assert var_uint(value).hex() == hex_
    r = Reader(bytes.fromhex(hex_))
    assert r.read_var_uint() == value
    assert not r.has_content()


@pytest.mark.parametrize("value", [-1, 2**53, 2**64])
def test_write_var_uint_refuses_out_of_range(value: int) -> None:
    with pytest.raises(ValueError):
        write_var_uint(bytearray(), value)


@pytest.mark.parametrize(
    "hex_",
    [
        "",  # nothing to read
        "80",  # continuation bit set, no next byte
        "ffffffffffffffff7f",  # nine bytes
        "ffffffffffffff10",  # 2**53: one past JS's safe range
        "ffffffffffffff7f",  # 2**56 - 1
    ],
)
def test_read_var_uint_rejects(hex_: str) -> None:
    with pytest.raises(DecodeError):
        Reader(bytes.fromhex(hex_)).read_var_uint()


@settings(deadline=None)  # timing varies on a shared machine
@given(st.integers(0, MAX_SAFE_INTEGER))
def test_var_uint_round_trip(value: int) -> None:
    data = var_uint(value)
    assert len(data) == max(1, -(-value.bit_length() // 7))
    assert all(b & 0x80 for b in data[:-1]) and data[-1] < 0x80
    r = Reader(data + b"\x99")
    assert r.read_var_uint() == value
    assert r.pos == len(data)


@pytest.mark.parametrize(
    ("value", "hex_"),
    [(0, "00"), (1, "01"), (-1, "41"), (63, "3f"), (-63, "7f"), (64, "8001"), (-64, "c001")],
)
def test_var_int_hand_computed(value: int, hex_: str) -> None:
    assert lib0_var_int(value).hex() == hex_
    assert Reader(bytes.fromhex(hex_)).read_var_int() == value


@settings(deadline=None)
@given(st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER))
def test_var_int_round_trip(value: int) -> None:
    r = Reader(lib0_var_int(value))
    assert r.read_var_int() == value
    assert not r.has_content()


@pytest.mark.parametrize("hex_", ["", "c0", "ffffffffffffffff7f", "bfffffffffffff7f"])
def test_read_var_int_rejects(hex_: str) -> None:
    with pytest.raises(DecodeError):
        Reader(bytes.fromhex(hex_)).read_var_int()


@pytest.mark.parametrize(
    ("text", "hex_"),
    [
        ("", "00"),
        ("hi", "026869"),
        ("é", "02c3a9"),  # one character, two UTF-8 bytes
        ("a🌍b", "0661f09f8c8d62"),  # 3 code points, 4 UTF-16 units, 6 bytes: the prefix is 6
        ("世界", "06e4b896e7958c"),
    ],
)
def test_var_string_is_byte_length_prefixed_utf8(text: str, hex_: str) -> None:
    assert var_string(text).hex() == hex_
    assert Reader(bytes.fromhex(hex_)).read_var_string() == text


def test_var_string_long_prefix_is_multi_byte() -> None:
    data = var_string("é" * 200)  # 400 bytes: the prefix needs two varUint bytes
    assert data[:2].hex() == "9003"
    assert len(data) == 402


@settings(deadline=None)
@given(unicode_text)
def test_var_string_round_trip(text: str) -> None:
    data = var_string(text)
    encoded = text.encode("utf-8")
    assert data == var_uint(len(encoded)) + encoded
    r = Reader(data)
    assert r.read_var_string() == text
    assert not r.has_content()


def test_var_string_refuses_lone_surrogate() -> None:
    with pytest.raises(UnicodeEncodeError):
        write_var_string(bytearray(), "\ud800")


@pytest.mark.parametrize("hex_", ["01ff", "02c328", "03eda080", "05616263"])
def test_read_var_string_rejects(hex_: str) -> None:
    # invalid UTF-8, a UTF-8-encoded surrogate, a length past the end
    with pytest.raises(DecodeError):
        Reader(bytes.fromhex(hex_)).read_var_string()


@settings(deadline=None)
@given(st.binary())
def test_var_uint8_array_round_trip(data: bytes) -> None:
    out = bytearray()
    write_var_uint8_array(out, data)
    r = Reader(bytes(out))
    assert r.read_var_uint8_array() == data
    assert not r.has_content()


@settings(deadline=None)
@given(st.lists(st.one_of(st.integers(0, MAX_SAFE_INTEGER), unicode_text, st.binary())))
def test_sequences_read_back_in_order(values: list[int | str | bytes]) -> None:
    out = bytearray()
    for v in values:
        if isinstance(v, int):
            write_var_uint(out, v)
        elif isinstance(v, str):
            write_var_string(out, v)
        else:
            write_var_uint8_array(out, v)
    r = Reader(bytes(out))
    got: list[int | str | bytes] = []
    for v in values:
        if isinstance(v, int):
            got.append(r.read_var_uint())
        elif isinstance(v, str):
            got.append(r.read_var_string())
        else:
            got.append(r.read_var_uint8_array())
    assert got == values
    assert not r.has_content()


@settings(deadline=None)
@given(st.binary())
def test_reader_fails_only_with_decode_error(data: bytes) -> None:
    r = Reader(data)
    try:
        while r.has_content():
            r.read_var_string()
    except DecodeError:
        pass
    assert r.pos <= len(data)


def test_read_bytes_and_rest() -> None:
    r = Reader(b"abcdef", 1)
    assert r.read_bytes(2) == b"bc"
    with pytest.raises(DecodeError):
        r.read_bytes(4)
    with pytest.raises(DecodeError):
        r.read_bytes(-1)
    assert r.rest() == b"def"
    assert not r.has_content()
    with pytest.raises(DecodeError):
        r.read_uint8()
