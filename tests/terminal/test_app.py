"""collab-term under Textual's Pilot against a real server, with an SDK client on the other
side: typing, remote edits and cursors, chat, ending, feedback, reveal and unmask."""

from __future__ import annotations

from typing import Any

from client.helpers import GOOD_INTERVIEWEE_FORM, GOOD_INTERVIEWER_FORM, create_session
from pycrdt import Text
from textual.widgets import Input, Static

from collab_client.positions import utf16_len
from collab_protocol import Signal
from collab_term.app import (
    CONFIRM_END_TEXT,
    ChatLog,
    CodeArea,
    CollabTerm,
    format_left,
    textual_language,
)
from support.net import wait_until

SIZE = (140, 45)


def editor(app: CollabTerm) -> CodeArea:
    return app.query_one("#editor", CodeArea)


async def started(app: CollabTerm) -> None:
    await wait_until(lambda: app.binding is not None, timeout=15, what="the app to join")


async def click(pilot: Any, app: CollabTerm, selector: str) -> None:
    """Click a widget in the review pane (once it is mounted), scrolling it into view first."""
    await wait_until(lambda: bool(app.query(selector)), what=f"{selector} to be mounted")
    app.query_one(selector).scroll_visible(animate=False)
    await pilot.pause()
    assert await pilot.click(selector), f"the click on {selector} missed"


def static_text(app: CollabTerm, selector: str) -> str:
    return str(app.query_one(selector, Static).render())


def log_text(app: CollabTerm) -> str:
    return app.query_one("#chat-log", ChatLog).text()


async def test_typing_in_the_tui_reaches_the_other_side_and_back(server, clients):
    created = await create_session(server)
    other = await clients(created.interviewee["join_url"])
    await other.wait_for(lambda c: c.synced)
    other.meta["language"] = "python"
    other.insert(0, "x = 1\n")
    app = CollabTerm(created.interviewer["join_url"])
    async with app.run_test(size=SIZE) as pilot:
        await started(app)
        area = editor(app)
        await wait_until(lambda: area.text == "x = 1\n", what="the partner's text")
        await wait_until(lambda: area.language == "python", what="python highlighting")
        assert area.has_focus and not area.read_only
        area.move_cursor(area.document.end)
        for key in ("p", "r", "i", "n", "t", "(", "'", "é", "🌍", "'", ")"):
            await pilot.press(key) if len(key) == 1 and key.isascii() else area.insert(key)
        await other.wait_for(lambda c: c.code.startswith("x = 1\nprint('é🌍"))
        # a remote edit before the caret moves it; one after it does not
        caret_before = area.cursor_location
        other.insert(0, "# 漢字\n")
        await wait_until(lambda: area.text.startswith("# 漢字\n"), what="remote edit")
        assert area.cursor_location == (caret_before[0] + 1, caret_before[1])
        caret = area.cursor_location
        other.insert(utf16_len(other.code), "\n# tail")
        await wait_until(lambda: area.text.endswith("# tail"), what="remote edit after")
        assert area.cursor_location == caret
        assert area.text == other.code
        # the other side's cursor is shown with its pseudonym and colour
        other.set_cursor(2, 2)  # inside the comment line, after "# "
        name = other.you["name"]  # type: ignore[index]
        await wait_until(lambda: name in static_text(app, "#cursors"), what="remote cursor")
        assert area.remote_marks == [(0, 2, other.you["color"], name)]  # type: ignore[index]
        await pilot.pause()
        # and ours reaches the other side, as a Yjs relative position
        await wait_until(
            lambda: any(
                c["head"]
                == utf16_len(
                    area.text[: area.document.get_index_from_location(area.cursor_location)]
                )
                for c in other.remote_cursors()
            ),
            what="our cursor",
        )


async def test_chat_and_typing_indicator(server, clients):
    created = await create_session(server)
    other = await clients(created.interviewee["join_url"])
    app = CollabTerm(created.interviewer["join_url"])
    async with app.run_test(size=SIZE) as pilot:
        await started(app)
        await other.post_chat("hello from the SDK 👋")
        await wait_until(lambda: "hello from the SDK 👋" in log_text(app), what="chat in")
        await pilot.press("ctrl+t")
        assert app.query_one("#chat-input", Input).has_focus
        await pilot.press(*"hi there")
        await other.wait_for(lambda c: any(c.typing.values()))
        await pilot.press("enter")
        await other.wait_for(lambda c: [m.text for m in c.chat][-1:] == ["hi there"])
        await wait_until(lambda: "hi there" in log_text(app), what="own echo")
        assert log_text(app).count("hi there") == 1
        assert app.query_one("#chat-input", Input).value == ""


async def test_end_feedback_reveal_and_unmask_in_the_terminal(server, clients):
    created = await create_session(server)
    other = await clients(created.interviewee["join_url"])
    app = CollabTerm(created.interviewer["join_url"])
    async with app.run_test(size=SIZE) as pilot:
        await started(app)
        await wait_until(lambda: app.client.phase == "live", what="live")  # type: ignore[union-attr]
        await pilot.press("f4")
        await wait_until(lambda: bool(app.screen.query("#confirm-end")), what="confirm dialog")
        await pilot.click("#confirm-end")
        await other.wait_for(lambda c: c.phase == "feedback")
        await wait_until(lambda: bool(app.query("#fb-submit")), what="the feedback form")
        assert editor(app).read_only
        # a missing answer is reported in the form, nothing is sent
        await click(pilot, app, "#fb-submit")
        await wait_until(lambda: "please answer" in static_text(app, "#fb-error"), what="error")
        for button in (
            "#fb-would_hire-yes",
            "#fb-technical-3",
            "#fb-problem_solving-4",
            "#fb-communication-3",
        ):
            await click(pilot, app, button)
        app.query_one("#fb-notes", Input).value = "solid"
        await click(pilot, app, "#fb-submit")
        await other.wait_for(
            lambda c: c.feedback_status is not None and c.feedback_status.theirs == "submitted"
        )
        await wait_until(
            lambda: (
                bool(app.query("#review-info")) and "submitted" in static_text(app, "#review-info")
            ),
            what="waiting note",
        )
        await other.submit_feedback(GOOD_INTERVIEWEE_FORM)
        await wait_until(lambda: bool(app.query("#reveal")), what="the reveal")
        reveal = static_text(app, "#reveal")
        assert "Would want" not in reveal and "How well do you think" not in reveal
        assert "Quality of the question: 4/4" in reveal
        assert other.reveal is not None and other.reveal.theirs == {
            **GOOD_INTERVIEWER_FORM,
            "notes": "solid",
        }
        await wait_until(lambda: bool(app.query("#unmask-yes")), what="the unmask prompt")
        await click(pilot, app, "#unmask-yes")
        await wait_until(lambda: bool(app.query("#unmask-withdraw")), what="withdraw offered")
        await other.answer_unmask("yes")
        await wait_until(lambda: bool(app.query("#unmask-result")), what="the unmask result")
        assert "Grace Hopper <grace@example.com>" in static_text(app, "#unmask-result")


async def test_the_interviewee_sees_a_no_without_attribution(server, clients):
    created = await create_session(server)
    interviewer = await clients(created.interviewer["join_url"])
    app = CollabTerm(created.interviewee["join_url"])
    async with app.run_test(size=SIZE) as pilot:
        await started(app)
        await wait_until(lambda: app.client.phase == "live", what="live")  # type: ignore[union-attr]
        assert "hidden" in app.query_one("#end").classes  # not the interviewer's to end
        await pilot.press("f4")
        await pilot.pause()
        assert app.client.phase == "live"  # type: ignore[union-attr]
        await interviewer.end_interview()
        await wait_until(lambda: bool(app.query("#fb-submit")), what="the feedback form")
        form = app.query_one("#feedback-form")
        assert "private" in "\n".join(str(w.render()) for w in form.query("Label"))
        for button in (
            "#fb-would_work_with-yes",
            "#fb-question_quality-4",
            "#fb-helpfulness-3",
            "#fb-self_assessment-2",
        ):
            await click(pilot, app, button)
        await click(pilot, app, "#fb-submit")
        await interviewer.submit_feedback(GOOD_INTERVIEWER_FORM)
        await wait_until(lambda: bool(app.query("#reveal")), what="the reveal")
        assert "Calibration: you rated yourself 2/4" in static_text(app, "#reveal")
        await wait_until(lambda: bool(app.query("#unmask-no")), what="the unmask prompt")
        await interviewer.answer_unmask("no")
        await wait_until(lambda: bool(app.query("#unmask-result")), what="the result")
        assert "No mutual unmask" in static_text(app, "#unmask-result")
        assert "Ada" not in static_text(app, "#unmask-result")


async def test_a_refused_link_is_reported(server):
    created = await create_session(server)
    bad = created.interviewee["join_url"][:-3] + "AAA"
    app = CollabTerm(bad)
    async with app.run_test(size=SIZE):
        await wait_until(lambda: app.error is not None, what="the error")
        assert "bad_token" in app.error  # type: ignore[operator]
        assert "bad_token" in static_text(app, "#status")


def test_language_and_time_helpers():
    available = {"python", "javascript"}
    assert textual_language("python", available) == "python"
    assert textual_language("typescript", available) == "javascript"
    assert textual_language("plaintext", available) is None
    assert textual_language("rust", available) is None  # not installed: plain text
    assert format_left(None) == ""
    assert format_left(125_000, now=0) == "02:05"
    assert format_left(3_725_000, now=0) == "1:02:05"
    assert format_left(1_000, now=5) == "00:00"


# ---------------------------------------------------------------- issue 13


def visible_lines(app: CollabTerm, selector: str) -> list[str]:
    """What the terminal actually shows inside a widget: the screen's rendered rows, cropped to
    the widget's region (anything cut off or scrolled out of view is not in here)."""
    widget = app.screen.query_one(selector)
    region = widget.region
    strips = app.screen._compositor.render_strips()
    return [strips[y].crop(region.x, region.right).text for y in range(region.y, region.bottom)]


def squeezed(lines: list[str]) -> str:
    return "".join("".join(lines).split())


async def test_long_chat_messages_wrap_in_full(server, clients):
    created = await create_session(server)
    other = await clients(created.interviewee["join_url"])
    app = CollabTerm(created.interviewer["join_url"])
    long = " ".join(f"word{i:02d}" for i in range(40)) + " https://example.com/" + "x" * 70
    async with app.run_test(size=SIZE) as pilot:
        await started(app)
        await other.post_chat(long)
        await wait_until(lambda: long in log_text(app), what="the message")
        await pilot.pause()
        shown = visible_lines(app, "#chat-log")
        assert squeezed(long) in squeezed(shown), shown
        width = app.query_one("#chat-log").region.width
        assert all(len(line) <= width for line in shown)


async def test_practice_invite_link_is_shown_in_full_and_copied(server):
    created = await create_session(server)
    invite = created.interviewee["join_url"]
    assert len(invite) > 150  # longer than any side panel
    app = CollabTerm(created.interviewer["join_url"], invite=invite)
    async with app.run_test(size=SIZE) as pilot:
        await started(app)
        await pilot.pause()
        assert invite in squeezed(visible_lines(app, "#invite"))
        await pilot.press("f9")
        assert app.clipboard == invite
        assert "f9" in {b.binding.key for b in app.screen.active_bindings.values()}


async def test_deadlines_for_feedback_and_unmask_are_shown(server, clients):
    created = await create_session(server, feedback_seconds=600, unmask_seconds=300)
    other = await clients(created.interviewee["join_url"])
    app = CollabTerm(created.interviewer["join_url"])
    async with app.run_test(size=SIZE) as pilot:
        await started(app)
        await wait_until(lambda: app.client.phase == "live", what="live")  # type: ignore[union-attr]
        await app.client.end_interview()  # type: ignore[union-attr]
        await wait_until(lambda: bool(app.query("#fb-submit")), what="the feedback form")
        await wait_until(
            lambda: (
                "Time left to submit feedback: 09:" in static_text(app, "#review-deadline")
                or "Time left to submit feedback: 10:00" in static_text(app, "#review-deadline")
            ),
            what="the feedback deadline",
        )
        assert "time left to submit feedback" in static_text(app, "#status")
        await pilot.pause()
        assert "Time left to submit feedback" in "\n".join(visible_lines(app, "#review-pane"))
        await app.client.submit_feedback(GOOD_INTERVIEWER_FORM)  # type: ignore[union-attr]
        await other.submit_feedback(GOOD_INTERVIEWEE_FORM)
        await wait_until(lambda: bool(app.query("#unmask-yes")), what="the unmask prompt")
        await wait_until(
            lambda: (
                "Time left to answer the unmask question: 0" in static_text(app, "#review-deadline")
            ),
            what="the unmask deadline",
        )
        await other.answer_unmask("no")
        await wait_until(lambda: bool(app.query("#unmask-result")), what="the result")
        await wait_until(lambda: static_text(app, "#review-deadline") == "", what="no deadline")


async def test_an_incoming_call_is_shown_and_declined_with_a_reason(server, clients):
    created = await create_session(server)
    other = await clients(created.interviewee["join_url"])
    got: list[Signal] = []
    other.on_message(lambda m: got.append(m) if isinstance(m, Signal) else None)
    app = CollabTerm(created.interviewer["join_url"])
    async with app.run_test(size=SIZE):
        await started(app)
        await wait_until(lambda: app.client.phase == "live", what="live")  # type: ignore[union-attr]
        me = app.client.you["id"]  # type: ignore[union-attr,index]
        other.send_signal("offer", {"sdp": "v=0\r\n", "type": "offer"}, to=me)
        await other.wait_for(lambda c: bool(got), timeout=10)
        assert got[0].kind == "hangup" and got[0].data == {"reason": "unsupported"}
        caller = other.you["name"]  # type: ignore[index]
        assert app.calls_declined == [caller]
        assert f"{caller} is calling you" in log_text(app)
        assert "cannot take voice calls" in log_text(app)
        assert "voice masked" not in log_text(app)


async def test_a_masked_call_and_the_sessions_mask_policy_are_shown(server, clients):
    created = await create_session(server, voice_mask="required")
    other = await clients(created.interviewee["join_url"])
    got: list[Signal] = []
    other.on_message(lambda m: got.append(m) if isinstance(m, Signal) else None)
    app = CollabTerm(created.interviewer["join_url"])
    async with app.run_test(size=SIZE):
        await started(app)
        await wait_until(lambda: app.client.phase == "live", what="live")  # type: ignore[union-attr]
        await wait_until(lambda: "calls: voice masked (required)" in static_text(app, "#status"),
                         what="the masking policy in the status line")
        me = app.client.you["id"]  # type: ignore[union-attr,index]
        other.send_signal("offer", {"sdp": "v=0\r\n", "type": "offer"}, to=me, masked=True)
        await other.wait_for(lambda c: bool(got), timeout=10)
        caller = other.you["name"]  # type: ignore[index]
        assert f"{caller} is calling you (voice masked)" in log_text(app)


async def test_f4_asks_clearly_and_enter_keeps_the_interview(server, clients):
    created = await create_session(server)
    other = await clients(created.interviewee["join_url"])
    app = CollabTerm(created.interviewer["join_url"])
    async with app.run_test(size=(100, 30)) as pilot:
        await started(app)
        await wait_until(lambda: app.client.phase == "live", what="live")  # type: ignore[union-attr]
        assert "f4" in {b.binding.key for b in app.screen.active_bindings.values()}
        await pilot.press("f4")
        await wait_until(lambda: bool(app.screen.query("#confirm-end")), what="confirm dialog")
        await pilot.pause()
        assert squeezed(CONFIRM_END_TEXT.split()) in squeezed(visible_lines(app, "#confirm-text"))
        assert app.screen.focused is not None and app.screen.focused.id == "confirm-cancel"
        await pilot.press("enter")
        await wait_until(lambda: not app.screen.query("#confirm-end"), what="dialog closed")
        await other.post_chat("still live?")  # a round trip: an end would have arrived first
        await wait_until(lambda: "still live?" in log_text(app), what="chat round trip")
        assert app.client.phase == "live" and other.phase == "live"  # type: ignore[union-attr]


async def test_f4_is_not_advertised_to_the_candidate(server, clients):
    created = await create_session(server)
    await clients(created.interviewer["join_url"])
    app = CollabTerm(created.interviewee["join_url"])
    async with app.run_test(size=SIZE) as pilot:
        await started(app)
        await wait_until(lambda: app.client.phase == "live", what="live")  # type: ignore[union-attr]
        await pilot.pause()
        keys = {b.binding.key for b in app.screen.active_bindings.values()}
        assert "f4" not in keys and "ctrl+t" in keys
        assert "End interview" not in "".join(visible_lines(app, "Footer"))


async def test_the_default_language_is_written_into_the_shared_state(server, clients):
    created = await create_session(server)
    other = await clients(created.interviewee["join_url"])
    await other.wait_synced()
    assert other.meta.get("language") is None
    app = CollabTerm(created.interviewer["join_url"])
    async with app.run_test(size=SIZE):
        await started(app)
        await other.wait_for(lambda c: c.meta.get("language") == "python")
        await wait_until(lambda: editor(app).language == "python", what="python highlighting")
        # a language someone chose is never overwritten, and switching keeps our caret
        editor(app).move_cursor((0, 0))
        other.insert(0, "x = 1\ny = 2\n")
        await wait_until(lambda: editor(app).text == "x = 1\ny = 2\n", what="the text")
        editor(app).move_cursor((1, 3))
        other.meta["language"] = "javascript"
        await wait_until(lambda: editor(app).language == "javascript", what="javascript")
        assert editor(app).cursor_location == (1, 3)
        assert app.client.meta.get("language") == "javascript"  # type: ignore[union-attr]


async def test_the_caret_starts_at_the_partner_or_at_the_end_and_f8_goes_to_the_end(
    server, clients
):
    created = await create_session(server)
    other = await clients(created.interviewee["join_url"])
    await other.wait_synced()
    other.insert(0, "def f():\n    pass\n\n# 漢字 tail")
    await wait_until(  # the server has it (the app's caret is placed when it first syncs)
        lambda: "tail" in str(server.hub.rooms[created.session_id].doc.doc.get("code", type=Text)),
        what="the partner's text on the server")
    app = CollabTerm(created.interviewer["join_url"])
    async with app.run_test(size=SIZE) as pilot:
        await started(app)
        area = editor(app)
        assert area.cursor_location == area.document.end  # nobody is typing: the end
        area.move_cursor((0, 0))
        await pilot.press("f8")
        assert area.cursor_location == area.document.end
    other.set_cursor(utf16_len("def f():\n    pa"))
    name = other.you["name"]  # type: ignore[index]
    app = CollabTerm(created.interviewer["join_url"])
    async with app.run_test(size=SIZE):
        await wait_until(
            lambda: app.client is not None and bool(app.client.remote_cursors()),
            what="the partner's cursor",
        )
        await started(app)
        assert editor(app).cursor_location == (1, 6), name  # where the partner is typing
