"""The review pane's pieces: the feedback form per role and the revealed answers."""

from __future__ import annotations

import asyncio
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static

INTERVIEWER_FORM = [
    ("would_hire", "bool", "Would you hire them?"),
    ("technical", "score", "Technical ability (1-4)"),
    ("problem_solving", "score", "Problem solving (1-4)"),
    ("communication", "score", "Communication (1-4)"),
]
INTERVIEWEE_FORM = [
    ("would_work_with", "bool", "Would you want to work with them?"),
    ("question_quality", "score", "Quality of the question (1-4)"),
    ("helpfulness", "score", "Helpfulness of the interviewer (1-4)"),
    (
        "self_assessment",
        "score",
        "How well do you think you did? (1-4, private: never shown to the interviewer)",
    ),
]
FORM_LABELS = {name: label for name, _, label in INTERVIEWER_FORM + INTERVIEWEE_FORM}


class FeedbackForm(Vertical):
    def __init__(self, role: str) -> None:
        super().__init__(id="feedback-form")
        self.role = role
        self.fields = INTERVIEWER_FORM if role == "interviewer" else INTERVIEWEE_FORM

    def compose(self) -> ComposeResult:
        yield Label(
            f"[b]Feedback[/b] — as the {self.role}. Both forms stay sealed until both are in."
        )
        for name, kind, label in self.fields:
            yield Label(label, classes="question")
            if kind == "bool":
                yield RadioSet(
                    RadioButton("Yes", id=f"fb-{name}-yes"),
                    RadioButton("No", id=f"fb-{name}-no"),
                    id=f"fb-{name}",
                )
            else:
                yield RadioSet(
                    *(RadioButton(str(i), id=f"fb-{name}-{i}") for i in range(1, 5)),
                    id=f"fb-{name}",
                    classes="scores",
                )
        yield Label("Notes (optional)", classes="question")
        yield Input(placeholder="notes", id="fb-notes", max_length=5000)
        yield Button("Submit feedback", id="fb-submit", variant="primary")
        yield Static("", id="fb-error")

    def values(self) -> dict[str, Any]:
        form: dict[str, Any] = {}
        for name, kind, label in self.fields:
            pressed = self.query_one(f"#fb-{name}", RadioSet).pressed_button
            if pressed is None or pressed.id is None:
                raise ValueError(f"please answer: {label}")
            value = pressed.id.rsplit("-", 1)[1]
            form[name] = value == "yes" if kind == "bool" else int(value)
        form["notes"] = self.query_one("#fb-notes", Input).value
        return form


def describe_form(form: dict[str, Any]) -> str:
    lines = []
    for key, value in form.items():
        if key == "notes":
            continue
        shown = ("yes" if value else "no") if isinstance(value, bool) else f"{value}/4"
        lines.append(f"  {FORM_LABELS.get(key, key)}: {shown}")
    if form.get("notes"):
        lines.append(f"  Notes: {form['notes']}")
    return "\n".join(lines)


def reveal_text(reveal: Any, role: str) -> str:
    parts = [
        "[b]Feedback revealed[/b]",
        "",
        "Your answers:",
        describe_form(reveal.mine),
        "",
        "Their answers:",
        describe_form(reveal.theirs),
    ]
    if reveal.calibration:
        parts += [
            "",
            f"Calibration: you rated yourself {reveal.calibration.get('self')}/4; the "
            f"interviewer scored your technical ability "
            f"{reveal.calibration.get('actual')}/4.",
        ]
    return "\n".join(parts)


def review_plan(client: Any) -> tuple[tuple[str, str], ...]:
    """What the review pane shows, as data: it is rebuilt only when this changes, so a
    half-filled form survives unrelated messages."""
    if client is None or client.session is None:
        return ()
    phase = client.session.phase
    fs = client.feedback_status
    role = str((client.you or {}).get("role", "guest"))
    plan: list[tuple[str, str]] = []
    if phase == "lobby":
        plan.append(("info", "Waiting for the other participant to join. Feedback opens "
                             "when the interview ends."))
    elif phase == "live":
        plan.append(("info", "The interview is on. Feedback opens when it ends."))
    elif (
        phase == "feedback"
        and role in ("interviewer", "interviewee")
        and (fs is None or fs.mine != "submitted")
    ):
        plan.append(("form", role))
    elif phase == "feedback":
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
            who = f"{res.identity.get('name')} <{res.identity.get('email')}>"
            plan.append(("result", f"[b]Unmasked.[/b] You were talking with {who}."))
        else:
            plan.append(("result", "No mutual unmask: identities stay private."))
    elif client.unmask_status is not None and client.session.unmask_offered:
        plan.append(("unmask", client.unmask_status.mine))
    elif phase == "sealed" and client.reveal is None:
        plan.append(("info", "The session is sealed."))
    return tuple(plan)


UNMASK_PROMPT = (
    "You both gave positive feedback. Reveal your identities to each other? Names are shared "
    "only if you both say yes. Otherwise nobody's name is shared, and the result does not say "
    "who said no (though if you said yes, you can tell that the other did not)."
)


class ReviewPane(VerticalScroll):
    """The review pane: the running deadline, then what `review_plan` says. It is rebuilt only
    when the plan changes (one rebuild at a time, the latest plan wins), so a half-filled form
    survives unrelated messages; each rebuild posts Rebuilt."""

    class Rebuilt(Message):
        """The pane shows a new plan."""

        def __init__(self, pane: ReviewPane) -> None:
            super().__init__()
            self.pane = pane

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self._shown: tuple[tuple[str, str], ...] | None = None
        self._wanted: tuple[tuple[str, str], ...] = ()
        self._scheduled = False
        self._lock = asyncio.Lock()

    def compose(self) -> ComposeResult:
        yield Static("", id="review-deadline")
        yield Vertical(id="review")

    def show(self, plan: tuple[tuple[str, str], ...]) -> None:
        self._wanted = plan
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
            widgets: list[Any] = []
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
                    widgets.append(Static(f"{UNMASK_PROMPT}\nYour answer: [b]{value}[/b]",
                                          id="unmask-prompt"))
                    first = (
                        Button("Withdraw my yes", id="unmask-withdraw")
                        if value == "yes"
                        else Button("Yes, unmask", id="unmask-yes", variant="success")
                    )
                    no = Button("No", id="unmask-no", variant="error")
                    widgets.append(Horizontal(first, no, id="unmask-buttons"))
            await review.mount_all(widgets)
        self.post_message(self.Rebuilt(self))
