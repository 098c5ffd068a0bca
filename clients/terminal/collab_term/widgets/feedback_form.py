"""The feedback form, built per role from the schema (collab_protocol.forms.FORMS): a field
added there shows up here with its label, kind, range and privacy."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, get_args

import msgspec
from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static

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


def score_label(score: int) -> str:
    """"3" or, on the SPEC's 1..4 scale, "3 Good"."""
    if SCORE_MIN <= score <= SCORE_MAX and len(SCORE_LABELS) == SCORE_MAX - SCORE_MIN + 1:
        return f"{score} {SCORE_LABELS[score - SCORE_MIN]}"
    return str(score)


class FeedbackForm(Vertical):
    """The role's form, a widget per field; Submit checks that every choice is made, then
    posts Submitted with the answers (the review pane sends them)."""

    class Submitted(Message):
        def __init__(self, form: FeedbackForm, values: dict[str, Any]) -> None:
            super().__init__()
            self.form = form
            self.values = values

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

    @on(Button.Pressed, "#fb-submit")
    def submit(self, event: Button.Pressed) -> None:
        event.stop()
        try:
            values = self.values()
        except ValueError as exc:
            self.show_error(str(exc))
            return
        self.query_one("#fb-error", Static).update("sending…")
        self.post_message(self.Submitted(self, values))

    def show_error(self, error: str) -> None:
        self.query_one("#fb-error", Static).update(f"[red]{escape(error)}[/]")
