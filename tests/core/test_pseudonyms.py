import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collabd.core.pseudonyms import (
    ADJECTIVES,
    ANIMALS,
    MAX_DISTINCT,
    PALETTE,
    lighten,
    pseudonym,
    pseudonyms,
)

HEX = re.compile(r"^#[0-9a-f]{6}$")
SEEDS = st.one_of(st.text(max_size=40), st.binary(max_size=40))


def test_deterministic() -> None:
    assert pseudonym("abc", 0) == pseudonym("abc", 0)
    assert pseudonym("abc", 1) == pseudonym(b"abc", 1)
    assert pseudonyms("abc", 2) == [pseudonym("abc", 0), pseudonym("abc", 1)]


@given(SEEDS)
def test_distinct_names_and_colours_within_a_session(seed: str | bytes) -> None:
    names = pseudonyms(seed, MAX_DISTINCT)
    adjectives = {p.name.split()[0] for p in names}
    animals = {p.name.split()[1] for p in names}
    assert len({p.name for p in names}) == MAX_DISTINCT
    assert len(adjectives) == len(animals) == MAX_DISTINCT  # they differ in both words
    assert len({p.color for p in names}) == MAX_DISTINCT
    assert len({p.color_light for p in names}) == MAX_DISTINCT


@given(SEEDS, st.integers(min_value=0, max_value=1000))
def test_shape(seed: str | bytes, index: int) -> None:
    p = pseudonym(seed, index)
    adjective, animal = p.name.split(" ")
    assert adjective in ADJECTIVES and animal in ANIMALS
    assert p.color in PALETTE
    assert HEX.match(p.color) and HEX.match(p.color_light)
    assert p.color_light == lighten(p.color)
    assert p.to_dict() == {"name": p.name, "color": p.color, "color_light": p.color_light}


def test_seeds_spread_over_the_lists() -> None:
    firsts = {pseudonym(f"session-{i}", 0) for i in range(200)}
    assert len({p.name for p in firsts}) > 100
    assert {p.color for p in firsts} == set(PALETTE)


def test_lists_have_no_duplicates_and_palette_is_valid() -> None:
    assert len(set(ADJECTIVES)) == len(ADJECTIVES)
    assert len(set(ANIMALS)) == len(ANIMALS)
    assert len(set(PALETTE)) == len(PALETTE)
    assert all(HEX.match(c) for c in PALETTE)


def test_lighten() -> None:
    assert lighten("#204060", 0) == "#204060"
    assert lighten("#204060", 1) == "#ffffff"
    assert lighten("#000000", 0.5) == "#808080"
    for color in PALETTE:
        light = lighten(color)
        channels = [(int(color[i : i + 2], 16), int(light[i : i + 2], 16)) for i in (1, 3, 5)]
        assert all(dark <= bright for dark, bright in channels)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        pseudonym("x", -1)
    with pytest.raises(ValueError):
        pseudonyms("x", MAX_DISTINCT + 1)
