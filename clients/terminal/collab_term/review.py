"""The review pane's pieces: the feedback form per role and the revealed answers."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, get_args

import msgspec
from rich.markup import escape
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static

from collab_protocol import Phase
from collab_protocol.forms import (
    FORMS,
    SCORE_LABELS,
    SCORE_MAX,
    SCORE_MIN,
    Form,
    field_meta,
    private_fields,
)


@dataclass(frozen=True)
class Question:
    """One field of a feedback form as the terminal shows it, read from the form's Struct."""

    name: str
    kind: str  # "bool" (yes/no), "score" (a radio per value from low to high) or "text"
    label: str
    low: int = 0
    high: int = 0
    max_length: int | None = None
    help: str = ""  # shown under the label (the private field says who sees it)


def questions(role: str) -> tuple[Question, ...]:
    """The role's form, field by field, from collab_protocol.forms.FORMS: a field added there
    shows up here with its label, kind, range and privacy."""
    return _questions(FORMS[role])


@lru_cache(maxsize=8)
def _questions(form: type[Form]) -> tuple[Question, ...]:
    private = private_fields(form)
    out = []
    for field in msgspec.structs.fields(form):
        meta = field_meta(field.type)
        base = get_args(field.type)[0]
        label = meta.title or field.name
        extra = meta.extra or {}
        help_text = str(extra.get("help", ""))
        privacy = " (private: never shown to the interviewer)" if field.name in private else ""
        if base is bool:
            out.append(Question(field.name, "bool", label + privacy, help=help_text))
        elif base is int:
            low = int(meta.ge if meta.ge is not None else SCORE_MIN)
            high = int(meta.le if meta.le is not None else SCORE_MAX)
            out.append(Question(field.name, "score", f"{label} ({low}-{high}){privacy}", low,
                                high, help=help_text))
        else:
            out.append(Question(field.name, "text", label + privacy, max_length=meta.max_length,
                                help=help_text))
    return tuple(out)


def field_labels(role: str) -> dict[str, str]:
    """The labels (Meta titles) of the role's form fields, for showing its answers."""
    form = FORMS.get(role)
    fields = msgspec.structs.fields(form) if form is not None else ()
    return {f.name: field_meta(f.type).title or f.name for f in fields}


class FeedbackForm(Vertical):
    def __init__(self, role: str) -> None:
        super().__init__(id="feedback-form")
        self.role = role
        self.fields = questions(role)

    def compose(self) -> ComposeResult:
        yield Label(f"[b]{escape(FORMS[self.role].TITLE)}[/b] — as the {self.role}. Both forms "
                    "stay sealed until both are in.")
        for q in self.fields:
            yield Label(escape(q.label), classes="question")
            if q.help:
                yield Static(escape(q.help), classes="help")
            if q.kind == "bool":
                yield RadioSet(
                    RadioButton("Yes", id=f"fb-{q.name}-yes"),
                    RadioButton("No", id=f"fb-{q.name}-no"),
                    id=f"fb-{q.name}",
                )
            elif q.kind == "score":
                yield RadioSet(
                    *(RadioButton(score_label(i), id=f"fb-{q.name}-{i}")
                      for i in range(q.low, q.high + 1)),
                    id=f"fb-{q.name}",
                    classes="scores",
                )
            else:
                yield Input(placeholder=q.name, id=f"fb-{q.name}", max_length=q.max_length or 0)
        yield Button("Submit feedback", id="fb-submit", variant="primary")
        yield Static("", id="fb-error")

    def values(self) -> dict[str, Any]:
        form: dict[str, Any] = {}
        for q in self.fields:
            if q.kind == "text":
                form[q.name] = self.query_one(f"#fb-{q.name}", Input).value
                continue
            pressed = self.query_one(f"#fb-{q.name}", RadioSet).pressed_button
            if pressed is None or pressed.id is None:
                raise ValueError(f"please answer: {q.label}")
            value = pressed.id.rsplit("-", 1)[1]
            form[q.name] = value == "yes" if q.kind == "bool" else int(value)
        return form


def score_label(score: int) -> str:
    """"3" or, on the SPEC's 1..4 scale, "3 Good"."""
    if SCORE_MIN <= score <= SCORE_MAX and len(SCORE_LABELS) == SCORE_MAX - SCORE_MIN + 1:
        return f"{score} {SCORE_LABELS[score - SCORE_MIN]}"
    return str(score)


def describe_form(form: dict[str, Any], author: str) -> str:
    """`form`'s answers under the labels of `author`'s form (a role), text answers last."""
    labels = field_labels(author)
    lines, texts = [], []
    for key, value in form.items():
        label = escape(labels.get(key, key))
        if isinstance(value, bool):
            lines.append(f"  {label}: {'yes' if value else 'no'}")
        elif isinstance(value, int):
            lines.append(f"  {label}: {value}/{SCORE_MAX}")
        elif value:
            texts.append(f"  {label}: {escape(str(value))}")
    return "\n".join(lines + texts)


def reveal_text(reveal: Any, role: str) -> str:
    other = next((r for r in FORMS if r != role), role)
    parts = [
        "[b]Feedback revealed[/b]",
        "",
        "Your answers:",
        describe_form(reveal.mine, role),
        "",
        "Their answers:",
        describe_form(reveal.theirs, other),
    ]
    if reveal.calibration:
        parts += [
            "",
            f"Calibration: you rated yourself {reveal.calibration.get('self')}/{SCORE_MAX}; the "
            f"interviewer scored your technical ability "
            f"{reveal.calibration.get('actual')}/{SCORE_MAX}.",
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
            who = f"{res.identity.get('name')} <{res.identity.get('email')}>"
            plan.append(("result", f"[b]Unmasked.[/b] You were talking with {who}."))
        else:
            plan.append(("result", "No mutual unmask: identities stay private."))
    elif client.unmask_status is not None and client.session.unmask_offered:
        plan.append(("unmask", client.unmask_status.mine))
    elif phase == Phase.SEALED and client.reveal is None:
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
