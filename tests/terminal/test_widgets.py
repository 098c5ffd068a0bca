"""collab-term's widgets one at a time under Textual's Pilot, each in a small host app, with no
server: the status line's indicators, the feedback form and the unmask buttons (the widgets
that read a real room: test_room_widgets.py)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from collab_protocol import Welcome
from collab_term.widgets.feedback_form import FeedbackForm, questions
from collab_term.widgets.reveal import UnmaskPrompt
from collab_term.widgets.status import StatusBar
from support.net import wait_until

from .test_app import SIZE, click
from .test_feedback_form import fill_in


class Host(App[None]):
    """One widget alone; keeps the messages it posts up to the app."""

    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget
        self.posted: list[Message] = []
        self.said: list[tuple[str, str]] = []

    def compose(self) -> ComposeResult:
        yield self.widget

    def on_feedback_form_submitted(self, event: FeedbackForm.Submitted) -> None:
        self.posted.append(event)

    def on_unmask_prompt_answered(self, event: UnmaskPrompt.Answered) -> None:
        self.posted.append(event)

    def say(self, icon: str, text: str) -> None:
        self.said.append((icon, text))


WELCOME = Welcome(v=1, room="r", you={}, limits={})  # stands for any session message


def shown(widget: Widget) -> str:
    return str(widget.render())


async def test_the_status_line_shows_its_indicators_in_order_and_hides_empty_ones():
    bar = StatusBar("solution.py")
    app = Host(bar)
    async with app.run_test(size=SIZE) as pilot:
        assert shown(bar) == "connecting…"  # nothing joined yet
        bar.connection = "● connected"  # joined: the fields are shown
        bar.phase = "phase: live"
        bar.voice = "calls: voice masked"
        await pilot.pause()
        assert shown(bar) == ("phase: live  ·  file: solution.py  ·  calls: voice masked  ·  "
                              "● connected")
        bar.voice = ""
        await pilot.pause()
        assert "voice" not in shown(bar)
        bar.error = "cannot join: [bad_token]"  # markup-like text is shown as written
        await pilot.pause()
        assert shown(bar) == "cannot join: [bad_token]"


async def test_the_feedback_form_submits_only_when_every_choice_is_made():
    form = FeedbackForm("interviewee")
    app = Host(form)
    async with app.run_test(size=SIZE) as pilot:
        await click(pilot, app, "#fb-submit")
        await wait_until(lambda: "please answer" in shown(app.query_one("#fb-error", Static)),
                         what="the missing answer")
        assert app.posted == []
        answers = await fill_in(pilot, app, "interviewee")
        assert set(answers) == {q.name for q in questions("interviewee")}
        await click(pilot, app, "#fb-submit")
        await wait_until(lambda: bool(app.posted), what="the form submitted")
        submitted = app.posted[0]
        assert isinstance(submitted, FeedbackForm.Submitted)
        assert submitted.values == answers and submitted.form is form
        assert shown(app.query_one("#fb-error", Static)) == "sending…"


async def test_the_unmask_buttons_post_the_answer():
    for mine, button, answer in (("pending", "#unmask-yes", "yes"),
                                 ("yes", "#unmask-withdraw", "withdraw"),
                                 ("pending", "#unmask-no", "no")):
        app = Host(UnmaskPrompt(mine))
        async with app.run_test(size=SIZE) as pilot:
            assert f"Your answer: {mine}" in shown(app.query_one("#unmask-prompt", Static))
            await click(pilot, app, button)
            await wait_until(lambda a=app: bool(a.posted), what=f"the answer {answer}")  # type: ignore[misc]
            assert [e.answer for e in app.posted] == [answer]  # type: ignore[attr-defined]
