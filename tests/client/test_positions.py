"""Pure tests of position conversions and minimal diffs (code points, UTF-16, UTF-8)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collab_client.positions import (
    Edit,
    bytes_from_cp,
    bytes_from_utf16,
    cp_from_bytes,
    cp_from_utf16,
    diff,
    transform_caret,
    utf16_from_cp,
    utf16_len,
)

# Text with ASCII, accents (precomposed and combining), CJK, emoji (astral, ZWJ sequences).
ALPHABET = st.sampled_from(list("ab \n\té") + ["e\u0301", "漢", "字", "🌍", "👩‍💻", "Ω", "ß"])
TEXT = st.lists(ALPHABET, max_size=12).map("".join)


def test_the_three_units_disagree_as_documented():
    s = "a🌍b"
    assert (len(s), utf16_len(s), len(s.encode())) == (3, 4, 6)
    assert cp_from_utf16(s, 3) == 2 and bytes_from_utf16(s, 3) == 5
    assert cp_from_bytes("é漢", 2) == 1 and bytes_from_cp("é漢", 2) == 5
    with pytest.raises(ValueError):
        cp_from_utf16(s, 2)  # inside the surrogate pair
    with pytest.raises(ValueError):
        cp_from_bytes(s, 2)  # inside the emoji's UTF-8 sequence
    with pytest.raises(ValueError):
        cp_from_utf16(s, 5)


@given(TEXT, st.data())
def test_conversions_round_trip(s, data):
    cp = data.draw(st.integers(0, len(s)))
    u16 = utf16_from_cp(s, cp)
    assert cp_from_utf16(s, u16) == cp
    assert u16 == len(s[:cp].encode("utf-16-le")) // 2
    b = bytes_from_cp(s, cp)
    assert cp_from_bytes(s, b) == cp
    assert bytes_from_utf16(s, u16) == b


@given(TEXT, TEXT)
def test_diff_is_one_minimal_replacement(old, new):
    edit = diff(old, new)
    if old == new:
        assert edit is None
        return
    assert edit is not None and edit.apply(old) == new
    kept = len(old) - (edit.end - edit.start)
    # nothing shorter exists: the kept characters are exactly a common prefix + suffix
    prefix = next(
        (i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b),
        min(len(old), len(new)),
    )
    assert kept <= min(len(old), len(new))
    assert edit.start <= prefix
    assert old[: edit.start] == new[: edit.start]
    assert old[edit.end :] == new[len(new) - (len(old) - edit.end) :]


@given(TEXT, st.data())
def test_diff_puts_an_ambiguous_insert_at_the_caret(old, data):
    at = data.draw(st.integers(0, len(old)))
    ins = data.draw(TEXT.filter(bool))
    new = old[:at] + ins + old[at:]
    edit = diff(old, new, cursor=at + len(ins))
    assert edit == Edit(at, at, ins)


def test_transform_caret_rule():
    assert transform_caret(5, 2, 0, 3) == 8  # insert before: moves
    assert transform_caret(5, 5, 0, 3) == 5  # insert at the caret: stays
    assert transform_caret(5, 7, 2, 0) == 5  # after: stays
    assert transform_caret(5, 1, 2, 0) == 3  # delete before
    assert transform_caret(5, 4, 3, 1) == 4  # deletion spanning the caret: to its start
