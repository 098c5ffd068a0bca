"""The review pane (f2): the running deadline, then what the phase calls for: the feedback
form, the wait for the other side, the reveal, the unmask question and its result. It sends
the form and the unmask answers."""

from __future__ import annotations

import asyncio
from typing import Any

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static

from collab_client import Client, SdkError
from collab_protocol import Phase

from ..room_events import SESSION_VIEW, RoomView
from ..roomstate import deadline_ms
from ..text import deadline_text
from .feedback_form import FeedbackForm
from .reveal import UnmaskPrompt, reveal_text

Plan = tuple[tuple[str, str], ...]  # (kind, value) per part: what the pane shows, as data


def review_plan(client: Client | None) -> Plan:
    """What the review pane shows, as data: it is rebuilt only when this changes, so a
    half-filled form survives unrelated messages."""
    if client is None or client.session is None:
        return ()
    phase = client.session.phase
    fs = client.feedback_status
    role = str((client.you or {}).get("role", "guest"))
    plan: list[tuple[str, str]] = []
    if phase == Phase.LOBBY:
        plan.append(("info", "Waiting for the other participant to join. Feedback opens "
                             "when the interview ends."))
    elif phase == Phase.LIVE:
        plan.append(("info", "The interview is on. Feedback opens when it ends."))
    elif (
        phase == Phase.FEEDBACK
        and role in ("interviewer", "interviewee")
        and (fs is None or fs.mine != "submitted")
    ):
        plan.append(("form", role))
    elif phase == Phase.FEEDBACK:
        theirs = fs.theirs if fs else "pending"
        plan.append(
            (
                "info",
                f"Feedback submitted. The other side: {theirs}. Both forms "
                "are revealed once both are in.",
            )
        )
    if client.reveal is not None:
        plan.append(("reveal", reveal_text(client.reveal, role)))
    if client.unmask_result is not None:
        res = client.unmask_result
        if res.unmasked and res.identity:
            who = escape(f"{res.identity.get('name')} <{res.identity.get('email')}>")
            plan.append(("result", f"[b]Unmasked.[/b] You were talking with {who}."))
        else:
            plan.append(("result", "No mutual unmask: identities stay private."))
    elif client.unmask_status is not None and client.session.unmask_offered:
        plan.append(("unmask", client.unmask_status.mine))
    elif phase == Phase.SEALED and client.reveal is None:
        plan.append(("info", "The session is sealed."))
    return tuple(plan)


class ReviewPane(RoomView, VerticalScroll):
    """Rebuilt only when the plan changes (one rebuild at a time, the latest plan wins), so a
    half-filled form survives unrelated messages; each rebuild posts Rebuilt."""

    DEFAULT_CSS = """
    ReviewPane { padding: 1 2; }
    ReviewPane #review { height: auto; }
    ReviewPane #review-deadline { height: auto; text-style: bold; color: $warning; }
    ReviewPane .question { margin-top: 1; }
    ReviewPane RadioSet { layout: horizontal; height: auto; }
    """
    WATCHES = SESSION_VIEW

    deadline: reactive[str] = reactive("")  # the feedback or unmask timer, ticking

    class Rebuilt(Message):
        """The pane shows a new plan."""

        def __init__(self, pane: ReviewPane) -> None:
            super().__init__()
            self.pane = pane

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self._shown: Plan | None = None
        self._wanted: Plan = ()
        self._scheduled = False
        self._lock = asyncio.Lock()

    def compose(self) -> ComposeResult:
        yield Static("", id="review-deadline")
        yield Vertical(id="review")

    def on_mount(self) -> None:
        self.set_interval(1.0, self.tick)

    def watch_deadline(self, deadline: str) -> None:
        self.query_one("#review-deadline", Static).update(deadline)

    def tick(self) -> None:
        client = self.client
        if client is None or client.session is None:
            return
        shown = ""
        if client.phase == Phase.FEEDBACK or (
                client.phase == Phase.REVEALED and client.unmask_result is None):
            shown = deadline_text(client.session.phase, deadline_ms(client))
        self.deadline = shown.capitalize()

    def show(self) -> None:
        self.tick()
        self._wanted = review_plan(self.client)
        if not self._scheduled:
            self._scheduled = True
            self.call_later(self._rebuild)

    async def _rebuild(self) -> None:
        self._scheduled = False
        async with self._lock:
            plan = self._wanted
            if not plan or plan == self._shown:
                return
            self._shown = plan
            review = self.query_one("#review", Vertical)
            await review.remove_children()
            widgets: list[Widget] = []
            for kind, value in plan:
                if kind == "info":
                    widgets.append(Static(value, id="review-info"))
                elif kind == "form":
                    widgets.append(FeedbackForm(value))
                elif kind == "reveal":
                    widgets.append(Static(value, id="reveal"))
                elif kind == "result":
                    widgets.append(Static(value, id="unmask-result"))
                elif kind == "unmask":
                    widgets.append(UnmaskPrompt(value))
            await review.mount_all(widgets)
        self.post_message(self.Rebuilt(self))

    @on(FeedbackForm.Submitted)
    def feedback_submitted(self, event: FeedbackForm.Submitted) -> None:
        self.send_feedback(event.form, event.values)

    @work(group="requests")
    async def send_feedback(self, form: FeedbackForm, values: dict[str, Any]) -> None:
        assert self.client is not None
        try:
            await self.client.submit_feedback(values)
        except (SdkError, TimeoutError) as exc:
            if form.is_attached:
                form.show_error(str(exc))

    @on(UnmaskPrompt.Answered)
    def unmask_answered(self, event: UnmaskPrompt.Answered) -> None:
        self.answer_unmask(event.answer)

    @work(group="requests")
    async def answer_unmask(self, answer: str) -> None:
        assert self.client is not None
        try:
            await self.client.answer_unmask(answer)
        except (SdkError, TimeoutError) as exc:
            self.notify(f"unmask: {exc}", severity="error")
