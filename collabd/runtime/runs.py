"""Checks on a reported run (SPEC 8.7). Pure: the server stores only what passes.

Nothing runs on the server: a client runs the code on its own machine and reports the result.
The server decides only who ran it and when; every value here comes from a stranger.
"""

from __future__ import annotations

import re
from typing import Any

from collab_protocol import RunResult
from collab_protocol.runorder import order_problem

from ..config import Limits
from ..core.text import shown

LANGUAGE = re.compile(r"[a-z0-9+#_-]{1,32}")
TRUNCATABLE = ("stdin", "stdout", "stderr")
MAX_EXC_TYPE = 200  # fixed by SPEC 16.4
MAX_EXC_MESSAGE = 4000
MAX_DURATION_MS = 2**31


def check_run(msg: RunResult, limits: Limits) -> tuple[str, str] | None:
    """None when the run may be stored, else (error code, message)."""
    if not LANGUAGE.fullmatch(msg.language):
        return ("bad_message", "language must be 1-32 characters from a-z 0-9 + # _ -")
    if len(msg.stdin) > limits.run_stdin_chars:
        return ("too_large", f"stdin over {limits.run_stdin_chars} characters")
    for name in ("stdout", "stderr"):
        if len(getattr(msg, name)) > limits.run_output_chars:
            return ("too_large", f"{name} over {limits.run_output_chars} characters: "
                                 "cut it and name it in truncated")
    if msg.exception is not None:
        problem = check_exception(msg.exception)
        if problem is not None:
            return ("bad_message", problem)
    if msg.exit is not None and not 0 <= msg.exit <= 255:
        return ("bad_message", "exit must be 0..255")
    if msg.exit is not None and msg.timed_out:
        return ("bad_message", "a stopped run (timed_out) has no exit status")
    if not 0 <= msg.duration_ms <= MAX_DURATION_MS:
        return ("bad_message", "duration_ms out of range")
    if (any(t not in TRUNCATABLE for t in msg.truncated)
            or len(set(msg.truncated)) != len(msg.truncated)):
        return ("bad_message", "truncated may name stdin, stdout and stderr, once each")
    if msg.order is not None:
        if len(msg.order) > limits.run_order_pieces:
            return ("too_large", f"order over {limits.run_order_pieces} pieces")
        problem = order_problem(msg.order, len(msg.stdout), len(msg.stderr))
        if problem is not None:
            return ("bad_message", problem)
    return None


def shown_order(order: list[Any], stdout: str, stderr: str) -> list[list[Any]]:
    """`order` (checked) for the texts after shown(): a piece loses what shown() removes from
    its part of the stream; emptied pieces go and neighbours of one stream merge."""
    raw = {"stdout": stdout, "stderr": stderr}
    unchanged = shown(stdout) is stdout and shown(stderr) is stderr  # the common case
    at = {"stdout": 0, "stderr": 0}
    out: list[list[Any]] = []
    for stream, n in order:
        length = n
        if not unchanged:
            length = len(shown(raw[stream][at[stream]:at[stream] + n]))
            at[stream] += n
        if not length:
            continue
        if out and out[-1][0] == stream:
            out[-1][1] += length
        else:
            out.append([stream, length])
    return out


def check_exception(exc: dict[str, Any]) -> str | None:
    kind, message, line = exc.get("type"), exc.get("message"), exc.get("line")
    if not isinstance(kind, str) or not isinstance(message, str):
        return "exception needs type and message (strings)"
    if len(kind) > MAX_EXC_TYPE or len(message) > MAX_EXC_MESSAGE:
        return f"exception type over {MAX_EXC_TYPE} or message over {MAX_EXC_MESSAGE} characters"
    if line is not None and (isinstance(line, bool) or not isinstance(line, int)
                             or not 1 <= line < 2**31):
        return "exception.line must be a positive integer or nil"
    if set(exc) - {"type", "message", "line"}:
        return "exception has only type, message and line"
    return None


def stored(msg: RunResult) -> dict[str, Any]:
    """The run's fields as stored and relayed (the wire names of run.msg, without id/ts/from).
    The exception is rebuilt from the checked keys, so nothing else a client sent survives;
    texts lose bidi overrides and control characters (core/text.py)."""
    out: dict[str, Any] = {"language": msg.language, "stdin": shown(msg.stdin),
                           "stdout": shown(msg.stdout), "stderr": shown(msg.stderr)}
    if msg.exception is not None:
        out["exception"] = {"type": shown(msg.exception["type"]),
                            "message": shown(msg.exception["message"]),
                            "line": msg.exception.get("line")}
    if msg.exit is not None:
        out["exit"] = msg.exit
    out.update(duration_ms=msg.duration_ms, timed_out=msg.timed_out,
               truncated=list(msg.truncated))
    if msg.order is not None:
        out["order"] = shown_order(msg.order, msg.stdout, msg.stderr)
    return out
