"""A run's output in the order it was printed (SPEC 8.7 `order`).

`run.result` carries stdout and stderr as two strings; `order` says how they interleaved, as
[stream, length] pieces in code points. `order_problem` is the check the server makes;
`order_of` makes an order from what a runner printed; `printed` rebuilds the interleaving from
a run, or gives the two streams apart when the run has no usable order (runs reported before
`order` existed).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

STREAMS = ("stdout", "stderr")
BAD_PIECE = 'order pieces are ["stdout" or "stderr", length >= 1]'
MAX_PIECES = 2048  # SPEC run_order_pieces default; a server may say another in welcome.limits


def order_of(chunks: Iterable[tuple[str, str]],
             max_pieces: int = MAX_PIECES) -> list[list[Any]] | None:
    """`order` for output printed as (stream, text) chunks, in print order. Past `max_pieces`
    the rest of each stream becomes one piece (the tail shows the streams apart); None when
    `max_pieces` is under 2 and too small."""
    pieces: list[list[Any]] = []
    for stream, text in chunks:
        if stream not in STREAMS or not text:
            continue
        if pieces and pieces[-1][0] == stream:
            pieces[-1][1] += len(text)
        else:
            pieces.append([stream, len(text)])
    if len(pieces) <= max_pieces:
        return pieces
    if max_pieces < 2:  # no room for even the two streams apart
        return None
    kept, tail = pieces[:max_pieces - 2], pieces[max_pieces - 2:]
    for stream in STREAMS:
        rest = sum(n for s, n in tail if s == stream)
        if not rest:
            continue
        if kept and kept[-1][0] == stream:
            kept[-1][1] += rest
        else:
            kept.append([stream, rest])
    return kept


def printed(run: Any) -> list[tuple[str, str]]:
    """The output of `run` (a RunMsg or run.result) as (stream, text) pieces in print order;
    without a usable `order`, stdout then stderr. Empty streams are left out."""
    texts = {"stdout": run.stdout, "stderr": run.stderr}
    order = getattr(run, "order", None)
    if isinstance(order, list) and order_problem(order, len(run.stdout),
                                                 len(run.stderr)) is None:
        at = {"stdout": 0, "stderr": 0}
        out = []
        for stream, n in order:
            out.append((stream, texts[stream][at[stream]:at[stream] + n]))
            at[stream] += n
        return out
    return [(s, texts[s]) for s in STREAMS if texts[s]]


def order_problem(order: list[Any], out_chars: int, err_chars: int) -> str | None:
    """None when `order` covers `out_chars` of stdout and `err_chars` of stderr exactly, else
    what is wrong with it. One pass over the pieces (`type(n) is int` also refuses bools)."""
    out = err = 0
    for piece in order:
        if type(piece) is not list or len(piece) != 2:
            return BAD_PIECE
        stream, n = piece
        if type(n) is not int or n < 1:
            return BAD_PIECE
        if stream == "stdout":
            out += n
        elif stream == "stderr":
            err += n
        else:
            return BAD_PIECE
    if out != out_chars or err != err_chars:
        return "order lengths must add up to the lengths of stdout and stderr (code points)"
    return None
