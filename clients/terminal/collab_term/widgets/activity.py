"""What the other participant does that collab-term cannot do itself, shown as it happens: a
run in progress ("X is running the code…" with its output so far, in print order), their voice
call's mute state, and their call to us, which is declined (voice needs a browser). Whiteboard
clears and restores are in board.py.

The run and the call come from the awareness fields `run` and `call` (SPEC 11), which the
server relays in exactly those shapes with run output already cleaned; the text is still shown
through shown_safely, like everything else from the other side.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from rich.style import Style
from rich.text import Text as RichText
from textual.reactive import reactive
from textual.widgets import Static

from collab_protocol import CollabMessage, Signal

from ..room_events import RoomView
from ..roomstate import my_name
from ..text import shown_safely

CALL_DECLINED = "unsupported"  # hangup reason: this client cannot take voice calls
LIVE_RUN_LINES = 8  # output lines shown of a run in progress (the tail, as a terminal shows)


@dataclass(frozen=True, slots=True)
class LiveRun:
    name: str
    color: str
    language: str
    loading: bool
    out: tuple[tuple[str, str], ...]  # (stream, text) in print order


@dataclass(frozen=True, slots=True)
class InCall:
    name: str
    color: str
    muted: bool


@dataclass(frozen=True, slots=True)
class Activity:
    runs: tuple[LiveRun, ...] = ()
    calls: tuple[InCall, ...] = ()


def activity_of(states: dict[int, dict[str, Any]], my_name: str) -> Activity:
    """The other participant's runs in progress and call state, from the awareness states of
    the other clients (`my_name`'s own other windows left out)."""
    runs: list[LiveRun] = []
    calls: list[InCall] = []
    for _client_id, st in sorted(states.items()):
        raw = st.get("user")
        user: dict[str, Any] = raw if isinstance(raw, dict) else {}
        name = str(user.get("name") or "The other participant")
        if name == my_name:
            continue
        color = str(user.get("color") or "#888888")
        run = st.get("run")
        if isinstance(run, dict):
            out = tuple((str(c[0]), str(c[1])) for c in run.get("out") or ()
                        if isinstance(c, list) and len(c) == 2 and c[0] in ("stdout", "stderr"))
            runs.append(LiveRun(name, color, str(run.get("language") or ""),
                                run.get("phase") == "loading", out))
        call = st.get("call")
        if isinstance(call, dict) and isinstance(call.get("muted"), bool):
            calls.append(InCall(name, color, call["muted"]))
    return Activity(tuple(runs), tuple(calls))


def _who(name: str, color: str) -> RichText:
    try:
        style = Style(color=color, bold=True)
    except Exception:
        style = Style(bold=True)
    return RichText(shown_safely(name), style=style)


def _tail(out: tuple[tuple[str, str], ...], lines: int) -> RichText:
    """The last `lines` lines of the output, stderr in red, in print order."""
    text = RichText()
    for stream, chunk in out:
        text.append(shown_safely(chunk), style="red" if stream == "stderr" else "")
    parts = list(text.split("\n", allow_blank=True))
    if parts and not parts[-1].plain:
        parts = parts[:-1]
    return RichText("\n").join(parts[-lines:])


def render_activity(activity: Activity) -> RichText:
    text = RichText()
    for run in activity.runs:
        if text:
            text.append("\n")
        text.append("▶ ")
        text.append_text(_who(run.name, run.color))
        language = shown_safely(run.language)
        text.append(f" is loading {language}…" if run.loading
                    else f" is running the {language} code…", style="italic")
        tail = _tail(run.out, LIVE_RUN_LINES)
        if tail.plain:
            text.append("\n")
            text.append_text(tail)
    for call in activity.calls:
        if text:
            text.append("\n")
        text.append("📞 ")
        text.append_text(_who(call.name, call.color))
        text.append(" is in a voice call" + (" and is muted" if call.muted else ""),
                    style="italic")
    return text


class PartnerActivity(RoomView, Static):
    """The other participant's run in progress and call state; hidden when there is none."""

    DEFAULT_CSS = "PartnerActivity { height: auto; max-height: 12; padding: 0 1; }"
    STATUS = frozenset({"awareness"})
    WATCHES = (Signal,)  # an incoming call

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.calls_declined: list[str] = []  # who tried to call us (pseudonyms)

    activity: reactive[Activity] = reactive(Activity, always_update=False)

    def watch_activity(self, activity: Activity) -> None:
        self.set_class(not (activity.runs or activity.calls), "hidden")
        self.update(render_activity(activity))

    def show(self) -> None:
        if self.client is not None:
            self.activity = activity_of(self.client.awareness, my_name(self.client))

    def room_message(self, msg: CollabMessage) -> None:
        if isinstance(msg, Signal):
            self.decline_call(msg)

    def decline_call(self, msg: Signal) -> None:
        """Voice calls need a browser: decline an incoming call at once with a `hangup` whose
        reason says why (the caller's client stops ringing), and tell the user who called."""
        caller = msg.from_ or {}
        if msg.kind != "offer" or self.client is None:
            return
        with contextlib.suppress(Exception):  # not connected: the caller times out instead
            self.client.send_signal(
                "hangup", {"reason": CALL_DECLINED}, to=str(caller.get("id", ""))
            )
        name = str(caller.get("name", "The other participant"))
        self.calls_declined.append(name)
        masked = " (voice masked)" if msg.masked else ""
        note = (
            f"{name} is calling you{masked}. collab-term cannot take voice calls, so the call "
            "was declined; open the join link in a browser to talk."
        )
        self.notify(note, title="Incoming call", severity="warning", timeout=15)
        self.app.bell()
        self.say("📞", note)
