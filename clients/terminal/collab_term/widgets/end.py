"""Ending the interview: the button (and F4) for whoever may end it, the question before, and
the line in the log when the interview ends, saying how."""

from __future__ import annotations

import time
from typing import Any

from textual import work
from textual.widgets import Button

from collab_client import SdkError
from collab_protocol import INTERVIEW_PHASES, Phase

from ..room_events import SESSION_VIEW, RoomView
from ..roomstate import can_end
from ..screens import open_dialog
from ..screens.confirm_end import ConfirmEnd

ICON = "■"
TIME_UP_SLACK_MS = 1500  # an end this close to the deadline is the timer's


class EndButton(RoomView, Button):
    """Shown only while we may end the interview."""

    WATCHES = SESSION_VIEW

    def __init__(self, **kw: Any) -> None:
        super().__init__("End interview", variant="error", classes="hidden", **kw)
        self.phase: str | None = None  # the last phase seen, to tell the log what changed
        self.ending = False  # we asked to end the interview
        self.live_ends_at: int | None = None  # the interview's end, while it runs

    def show(self) -> None:
        client = self.client
        if client is None:
            return
        self.set_class(not can_end(client), "hidden")
        phase = client.session.phase if client.session is not None else None
        if client.session is not None and phase in INTERVIEW_PHASES:
            self.live_ends_at = client.session.ends_at
        before, self.phase = self.phase, phase
        if before in INTERVIEW_PHASES and phase is not None and phase not in INTERVIEW_PHASES:
            self.say(ICON, self.end_notice(before, phase))

    def end_notice(self, before: str, phase: str) -> str:
        """Say in the log that the interview ended (and whether we ended it)."""
        if self.ending:
            text = "You ended the interview."
        elif phase == Phase.SEALED and before == Phase.LOBBY:
            text = "The interview was ended before you both joined."
        elif self.live_ends_at is not None and time.time() * 1000 >= (
                self.live_ends_at - TIME_UP_SLACK_MS):
            text = "Time is up: the interview has ended."
        else:
            text = "The interview has ended (not by you): the code is read-only now."
        if phase == Phase.FEEDBACK:
            text += " Feedback is open: f2 shows the form."
        return text

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.ask()

    def ask(self) -> None:
        """F4 or the button: the confirm dialog, then the end (only for whoever may)."""
        if not can_end(self.client):
            self.notify("only the interviewer can end the interview, while it runs",
                        severity="warning")
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.end()

        open_dialog(self.app, ConfirmEnd(), confirmed)

    @work(group="requests")
    async def end(self) -> None:
        assert self.client is not None
        self.ending = True
        try:
            await self.client.end_interview()
        except (SdkError, TimeoutError) as exc:
            self.ending = False
            self.notify(f"cannot end: {exc}", severity="error")
