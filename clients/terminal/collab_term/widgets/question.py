"""The interview question at the top of the side bar, set by the interviewer with f6.

It is rendered as Markdown by Rich, in one widget: Textual's Markdown widget makes a widget per
block and took seconds per hundred list items, a way for a hostile question to freeze the
screen. Control characters are shown as symbols first, so nothing in it can act on the
terminal; links are shown, never opened; a question over QUESTION_MARKDOWN_LINES lines is shown
as written (text.question_renderable)."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widgets import Static

from collab_client import SdkError
from collab_protocol import Question

from ..room_events import RoomView
from ..roomstate import can_set_question
from ..screens import open_dialog
from ..screens.text_dialog import TextDialog
from ..text import question_renderable


class QuestionText(Static):
    """The question, rendered as Markdown (redrawn only when its text changes)."""

    text: reactive[str] = reactive("")

    def watch_text(self, text: str) -> None:
        self.update(question_renderable(text))


class QuestionPanel(RoomView, VerticalScroll):
    """The title and the question; edit() is f6."""

    DEFAULT_CSS = """
    QuestionPanel { height: auto; max-height: 12; padding: 0 1;
                    border-bottom: solid $primary-darken-2; }
    QuestionPanel #question-text { height: auto; }
    QuestionPanel #question-title { height: 1; text-style: bold; }
    """
    WATCHES = (Question,)

    def compose(self) -> ComposeResult:
        yield Static("Question", id="question-title")
        yield QuestionText(id="question-text")

    def show(self) -> None:
        question = self.client.question if self.client is not None else None
        self.query_one(QuestionText).text = question.text if question is not None else ""

    def edit(self) -> None:
        client = self.client
        if client is None:
            return
        if not can_set_question(client):
            self.notify("only the interviewer can set the question, until the interview ends",
                        severity="warning")
            return
        current = client.question.text if client.question is not None else ""

        def done(text: str | None) -> None:
            if text is not None:
                self.save(text)

        open_dialog(self.app, TextDialog("The question (Markdown)", current, "question-dialog"),
                    done)

    @work(group="requests")
    async def save(self, text: str) -> None:
        assert self.client is not None
        try:
            await self.client.set_question(text)
        except (SdkError, TimeoutError) as exc:
            self.notify(f"question not saved: {exc}", severity="error")
