"""collab-term's widgets reading a real room: an SDK client joined to a real server, the widget
alone in a host app (test_widgets.py), or the whole app handing out the room's messages."""

from __future__ import annotations

from typing import Any

from client.helpers import create_session
from textual.widgets import Input

from collab_client import Client
from collab_protocol import ChatMsg, ChatTyping
from collab_term.app import CollabTerm
from collab_term.widgets.chat_pane import ChatPane, TypingLine
from collab_term.widgets.status import StatusBar
from support.net import wait_until

from .test_app import SIZE, started
from .test_widgets import WELCOME, Host, shown


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


async def test_the_status_line_says_when_the_call_is_recorded(server, clients):
    """collab-term has no audio: it only says so while both participants' consent stands."""
    created = await create_session(server)
    other = await clients(created.interviewee["join_url"])
    client: Client = await clients(created.interviewer["join_url"])
    await client.wait_for(lambda c: c.phase == "live" and c.recording is not None)
    bar = StatusBar()
    app = Host(bar)
    async with app.run_test(size=SIZE) as pilot:
        bar.attach(client, app.say)
        client.on_message(lambda m: bar.room_message(m) if isinstance(m, bar.WATCHES) else None)
        await pilot.pause()
        assert "recorded" not in shown(bar)
        await client.consent_recording(True)
        await other.consent_recording(True)
        await wait_until(lambda: "● call recorded" in shown(bar), what="the indicator")
        await other.consent_recording(False)  # withdrawn: not recorded from now on
        await wait_until(lambda: "recorded" not in shown(bar), what="the indicator gone")


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
