"""After both forms are in: the reveal (both sides' answers under their own form's labels,
and the interviewee's calibration), then the unmask question and its buttons."""

from __future__ import annotations

from typing import Any

import msgspec
from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Static

from collab_protocol import FeedbackReveal
from collab_protocol.forms import FORMS, SCORE_MAX, field_meta


def field_labels(role: str) -> dict[str, str]:
    """The labels (Meta titles) of the role's form fields, for showing its answers."""
    form = FORMS.get(role)
    fields = msgspec.structs.fields(form) if form is not None else ()
    return {f.name: field_meta(f.type).title or f.name for f in fields}


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


def reveal_text(reveal: FeedbackReveal, role: str) -> str:
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


UNMASK_PROMPT = (
    "You both gave positive feedback. Reveal your identities to each other? Names are shared "
    "only if you both say yes. Otherwise nobody's name is shared, and the result does not say "
    "who said no (though if you said yes, you can tell that the other did not)."
)


class UnmaskPrompt(Vertical):
    """The question and our answer so far; a button posts Answered ("yes", "no", "withdraw")."""

    DEFAULT_CSS = """
    UnmaskPrompt { height: auto; }
    UnmaskPrompt #unmask-buttons { height: auto; }
    """

    class Answered(Message):
        def __init__(self, answer: str) -> None:
            super().__init__()
            self.answer = answer

    def __init__(self, mine: str) -> None:
        super().__init__(id="unmask")
        self.mine = mine

    def compose(self) -> ComposeResult:
        yield Static(f"{UNMASK_PROMPT}\nYour answer: [b]{escape(self.mine)}[/b]",
                     id="unmask-prompt")
        with Horizontal(id="unmask-buttons"):
            if self.mine == "yes":
                yield Button("Withdraw my yes", id="unmask-withdraw")
            else:
                yield Button("Yes, unmask", id="unmask-yes", variant="success")
            yield Button("No", id="unmask-no", variant="error")

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        event.stop()
        assert event.button.id is not None
        self.post_message(self.Answered(event.button.id.split("-", 1)[1]))
