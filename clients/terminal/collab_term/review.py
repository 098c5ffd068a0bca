"""The review pane's pieces: the feedback form per role and the revealed answers."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
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
