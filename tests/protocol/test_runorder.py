"""A run's print order (SPEC 8.7 `order`): made from printed chunks, checked, rebuilt."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from collab_protocol import RunMsg
from collab_protocol.runorder import order_of, order_problem, printed

chunks = st.lists(st.tuples(st.sampled_from(["stdout", "stderr"]),
                            st.text(alphabet=st.sampled_from("ab\né🌍\t"), max_size=6)),
                  max_size=30)


def run_of(parts: list[tuple[str, str]], order: list[list[object]] | None) -> RunMsg:
    return RunMsg(id=1, ts=0, from_={}, language="python",
                  stdout="".join(t for s, t in parts if s == "stdout"),
                  stderr="".join(t for s, t in parts if s == "stderr"), order=order)


@given(chunks)
def test_the_order_of_printed_chunks_rebuilds_them(parts):
    order = order_of(parts)
    run = run_of(parts, order)
    assert order_problem(order, len(run.stdout), len(run.stderr)) is None
    rebuilt = printed(run)
    assert "".join(t for _, t in rebuilt) == "".join(t for _, t in parts)
    # neighbouring pieces are of different streams, none empty
    assert all(a[0] != b[0] for a, b in itertools.pairwise(order))
    assert all(t for _, t in rebuilt)


@given(chunks, st.integers(min_value=2, max_value=6))
def test_past_the_piece_limit_the_tail_comes_as_two_blocks(parts, most):
    order = order_of(parts, most)
    assert order is not None and len(order) <= most
    run = run_of(parts, order)
    assert order_problem(order, len(run.stdout), len(run.stderr)) is None
    full = order_of(parts)
    assert full is not None
    if len(full) > most:  # the first pieces are exact (the last kept one takes in its tail)
        exact = max(0, most - 3)
        assert order[:exact] == full[:exact]
        assert [s for s, _ in order[:most - 2]] == [s for s, _ in full[:most - 2]]


def test_lengths_count_code_points():
    parts = [("stdout", "a🌍\n"), ("stderr", "é\n"), ("stdout", "b")]
    assert order_of(parts) == [["stdout", 3], ["stderr", 2], ["stdout", 1]]
    assert printed(run_of(parts, order_of(parts))) == parts


def test_no_room_for_an_order_gives_none():
    assert order_of([("stdout", "a"), ("stderr", "b")], 1) is None
    assert order_of([("stdout", "a")], 1) == [["stdout", 1]]


def test_orders_that_do_not_fit_the_texts_are_named():
    assert order_problem([["stdout", 2]], 2, 0) is None
    for bad in ([["stdout", 1]], [["stdout", 3]], [["stdout", 2], ["stderr", 1]]):
        assert "add up" in (order_problem(bad, 2, 0) or "")
    for bad in ([["stdin", 2]], [["stdout", 0], ["stdout", 2]], [["stdout", True, 1]],
                [["stdout", 2.0]], [["stdout", True], ["stdout", 1]], [("stdout", 2)], ["x"]):
        assert "pieces are" in (order_problem(bad, 2, 0) or ""), bad


def test_a_run_without_a_usable_order_shows_stdout_then_stderr():
    parts = [("stdout", "one\n"), ("stderr", "two\n"), ("stdout", "three\n")]
    apart = [("stdout", "one\nthree\n"), ("stderr", "two\n")]
    assert printed(run_of(parts, None)) == apart
    assert printed(run_of(parts, [["stdout", 10], ["stderr", 3]])) == apart  # does not add up
    assert printed(run_of([("stderr", "e")], None)) == [("stderr", "e")]
    assert printed(run_of([], None)) == []
