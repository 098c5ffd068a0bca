"""The side bar's widgets, each holding its own reactive state: the participants, the question
and who is typing. The app sets the state from what the room sends; the widget draws it."""

from __future__ import annotations

from textual.reactive import reactive
from textual.widgets import Static

from .text import question_renderable


class PeopleList(Static):
    """One line per participant (Rich markup, built by the app from the session)."""

    people: reactive[tuple[str, ...]] = reactive(tuple)

    def watch_people(self, people: tuple[str, ...]) -> None:
        self.update("\n".join(people) or "nobody here yet")


class QuestionText(Static):
    """The question, rendered as Markdown (redrawn only when its text changes)."""

    text: reactive[str] = reactive("")

    def watch_text(self, text: str) -> None:
        self.update(question_renderable(text))


class TypingLine(Static):
    """ "X typing…" while the other side types in the chat."""

    names: reactive[tuple[str, ...]] = reactive(tuple)

    def watch_names(self, names: tuple[str, ...]) -> None:
        self.update(", ".join(names) + " typing…" if names else "")
