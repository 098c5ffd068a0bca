"""What collab-term shows of the room's text: control characters as symbols, the question
as Markdown, countdowns, and the lines of the chat column (messages and runs)."""

from __future__ import annotations

import re
import time
from typing import Any

from rich.console import RenderableType
from rich.markdown import Markdown as RichMarkdown
from rich.style import Style
from rich.text import Text as RichText

from collab_protocol import ChatMsg, Phase, RunMsg
from collab_protocol.runorder import printed

# meta.language (SPEC 10; the web client offers python, javascript, typescript, plaintext) ->
# Textual's tree-sitter language names.
LANGUAGES = {
    "python": "python",
    "javascript": "javascript",
    "typescript": "javascript",
    "json": "json",
    "go": "go",
    "rust": "rust",
    "java": "java",
    "bash": "bash",
    "sql": "sql",
    "html": "html",
    "css": "css",
    "yaml": "yaml",
    "toml": "toml",
    "markdown": "markdown",
}


# what the running timer (session.ends_at) is counting down to, per phase
DEADLINE_LABELS: dict[str, str] = {
    Phase.LOBBY: "interview ends in",
    Phase.LIVE: "interview ends in",
    Phase.FEEDBACK: "time left to submit feedback:",
    Phase.REVEALED: "time left to answer the unmask question:",
}


# C0 and C1 controls but tab and newline, DEL, and the bidi overrides and isolates: shown as
# symbols, so text from the other person cannot move the cursor, recolour or reorder the screen
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


QUESTION_MARKDOWN_LINES = 200  # longer questions are shown as written (rendering costs ~1 ms/line)
QUESTION_MARKDOWN_CHARS = 8000
# a Markdown link or image whose target is not http(s) (javascript:, data:, file:, ...)
_ODD_LINK = re.compile(r"!?\[([^\]\n]*)\]\(\s*(?!https?://)[^()\s]*(?:\([^()\n]*\)[^()\s]*)*"
                       r"(?:\s+\"[^\"\n]*\")?\s*\)")


def question_markdown(text: str) -> str:
    """The question as Markdown to render: controls as symbols, and a link or image to
    anything but http(s) reduced to its text (the Markdown parser would show it raw)."""
    return _ODD_LINK.sub(lambda m: m.group(1), shown_safely(text))


def question_renderable(text: str) -> RenderableType:
    """The question for the side bar: rendered Markdown, or as written when it is long."""
    shown = question_markdown(text).strip()
    if not shown:
        return RichText("(none yet)", style="dim italic")
    if shown.count("\n") >= QUESTION_MARKDOWN_LINES or len(shown) > QUESTION_MARKDOWN_CHARS:
        plain = RichText(shown)
        plain.append("\n(a long question: shown as written)", style="dim italic")
        return plain
    return RichMarkdown(shown, hyperlinks=False, code_theme="monokai")


def shown_safely(text: str) -> str:
    """`text` with its control characters replaced by visible symbols."""
    return _CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                         else f"\\u{ord(m.group()):04x}", text)


def textual_language(name: Any, available: set[str]) -> str | None:
    lang = LANGUAGES.get(str(name or "").lower())
    return lang if lang in available else None


def deadline_text(phase: str | None, ends_at_ms: int | None, now: float | None = None) -> str:
    """ "time left to submit feedback: 04:59" for the running timer, or "" when none runs."""
    left = format_left(ends_at_ms, now)
    if not left or phase not in DEADLINE_LABELS:
        return ""
    return f"{DEADLINE_LABELS[phase]} {left}"


def format_left(ends_at_ms: int | None, now: float | None = None) -> str:
    if not ends_at_ms:
        return ""
    left = max(0, int(ends_at_ms / 1000 - (time.time() if now is None else now)))
    hours, rest = divmod(left, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes:02d}:{seconds:02d}"


def stamped(ts_ms: int, sender: dict[str, Any] | None, mark: str = "") -> RichText:
    """The start of a chat-column line: the time, then the sender's pseudonym in its colour."""
    sender = sender or {}
    line = RichText()
    line.append(time.strftime("%H:%M ", time.localtime(ts_ms / 1000)), style="dim")
    try:
        style = Style(color=str(sender.get("color", "#888888")), bold=True)
    except Exception:
        style = Style(bold=True)
    line.append(f"{mark}{sender.get('name', '?')}", style=style)
    return line


def chat_line(msg: ChatMsg) -> RichText:
    line = stamped(msg.ts, msg.from_)
    line.append(f": {msg.text}")
    return line


RUN_LINES = 12  # output lines shown per run in the chat column


def run_output(run: RunMsg) -> RichText:
    """The run's output in print order (SPEC 8.7 `order`; stdout then stderr for a run without
    it), stderr in red, without the trailing newlines."""
    text = RichText()
    for stream, chunk in printed(run):
        text.append(shown_safely(chunk), style="red" if stream == "stderr" else "")
    plain = text.plain
    text.right_crop(len(plain) - len(plain.rstrip("\n")))
    return text


def run_line(run: RunMsg) -> RichText:
    """A reported run: who, language, outcome and the start of its output (shown, never run)."""
    line = stamped(run.ts, run.from_, "▶ ")
    if run.timed_out:
        outcome = "stopped at the time limit"
    elif run.exception is not None:
        where = f" on line {run.exception.get('line')}" if run.exception.get("line") else ""
        outcome = f"{run.exception.get('type', 'error')}{where}"
    else:
        outcome = f"exit {run.exit}"
    line.append(f" ran the {run.language} code ({outcome}, {run.duration_ms} ms)")
    output = run_output(run)
    if output.plain:
        lines = output.split("\n", allow_blank=True)
        shown = lines[:RUN_LINES]
        line.append("\n")
        line.append_text(RichText("\n").join(shown))
        more = len(lines) - len(shown)
        if more > 0:
            line.append(f"\n… {more} more line{'' if more == 1 else 's'}: f3 shows the whole "
                        "output of the latest run", style="dim italic")
        elif run.truncated:
            line.append("\n… the server kept only the start of the output", style="dim italic")
    return line
