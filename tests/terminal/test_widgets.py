"""collab-term's widgets one at a time under Textual's Pilot, each in a small host app: the
status line's indicators, the chat pane, the feedback form and the unmask buttons. Where a
widget reads the room, it reads a real SDK client joined to a real server."""

from __future__ import annotations

from typing import Any

from client.helpers import create_session
from textual.app import App, ComposeResult
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Static

from collab_client import Client
from collab_protocol import ChatMsg, ChatTyping, Welcome
from collab_term.app import CollabTerm
from collab_term.widgets.chat_pane import ChatPane, TypingLine
from collab_term.widgets.feedback_form import FeedbackForm, questions
from collab_term.widgets.reveal import UnmaskPrompt
from collab_term.widgets.status import StatusBar
from support.net import wait_until

from .test_app import SIZE, click, started
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


# ---------------------------------------------------------------- no server needed


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


# ---------------------------------------------------------------- with a real room


async def test_the_status_line_shows_the_phase_and_the_voice_masking_of_the_room(server, clients):
    created = await create_session(server, voice_mask="required")
    await clients(created.interviewee["join_url"])
    client: Client = await clients(created.interviewer["join_url"])
    await client.wait_for(lambda c: c.phase == "live" and c.ice is not None)
    bar = StatusBar()
    app = Host(bar)
    async with app.run_test(size=SIZE) as pilot:
        bar.attach(client, app.say)
        await pilot.pause()
        text = shown(bar)
        name = client.you["name"]  # type: ignore[index]
        assert f"{name} (interviewer)" in text
        assert "phase: live" in text and "interview ends in" in text
        assert "calls: voice masked (required)" in text and "● connected" in text
        await client.end_interview()
        bar.room_message(WELCOME)  # what the app does for a session message
        await pilot.pause()
        assert "phase: feedback" in shown(bar)
        assert "time left to submit feedback" in shown(bar)


async def test_the_chat_pane_shows_the_room_and_posts(server, clients):
    created = await create_session(server)
    other = await clients(created.interviewee["join_url"])
    client: Client = await clients(created.interviewer["join_url"])
    pane = ChatPane()
    app = Host(pane)
    async with app.run_test(size=SIZE) as pilot:
        pane.attach(client, app.say)
        client.on_message(lambda m: pane.room_message(m) if isinstance(m, pane.WATCHES) else None)
        await other.post_chat("hello from the other side")
        await wait_until(lambda: "hello from the other side" in pane.chat_log.text(),
                         what="the message in the log")
        await other.set_typing(True)
        typing = app.query_one(TypingLine)
        other_name = other.you["name"]  # type: ignore[index]
        await wait_until(lambda: shown(typing) == f"{other_name} typing…", what="typing")
        app.screen.set_focus(app.query_one("#chat-input", Input))
        await pilot.press(*"and hello back", "enter")
        await other.wait_for(lambda c: [m.text for m in c.chat][-1:] == ["and hello back"])
        await wait_until(lambda: "and hello back" in pane.chat_log.text(), what="own echo")
        assert app.query_one("#chat-input", Input).value == ""


async def test_each_message_goes_only_to_the_widgets_that_show_it(server, clients):
    created = await create_session(server)
    await clients(created.interviewee["join_url"])
    app = CollabTerm(created.interviewer["join_url"])
    async with app.run_test(size=SIZE):
        await started(app)

        def watchers(msg: Any) -> set[str]:
            return {type(v).__name__ for v in app.views if isinstance(msg, v.WATCHES)}

        chat = ChatMsg(id=1, ts=0, text="hi", from_={})
        assert watchers(chat) == {"ChatPane"}
        assert watchers(ChatTyping(on=True)) == {"ChatPane"}
        session = watchers(WELCOME)
        assert "ChatPane" not in session and "QuestionPanel" not in session
        assert {"StatusBar", "PeopleList", "ReviewPane", "EndButton", "EditorPane"} <= session
