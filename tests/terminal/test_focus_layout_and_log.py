"""collab-term's focus after dialogs, the keys it offers per role and phase, its layout on a
narrow terminal, the order of its log, and what it does with a link it cannot join; under
Textual's Pilot against a real server with an SDK client on the other side."""

from __future__ import annotations

from client.helpers import create_session
from rich.text import Text as RichText
from textual.widgets import TextArea

from collab_term.app import ChatLog, CodeArea, CollabTerm
from support.net import wait_until

from .test_app import SIZE, started


def editor(app: CollabTerm) -> CodeArea:
    return app.query_one("#editor", CodeArea)


def keys(app: CollabTerm) -> set[str]:
    """The app's own keys in force (the editor binds f6 too: select the line)."""
    return {b.binding.key for b in app.screen.active_bindings.values() if b.node is app}


async def live(app: CollabTerm) -> None:
    await started(app)
    await wait_until(lambda: app.client is not None and app.client.phase == "live", what="live")


async def test_after_a_dialog_typing_goes_back_to_the_editor(server, clients):
    created = await create_session(server)
    other = await clients(created.interviewee["join_url"])
    app = CollabTerm(created.interviewer["join_url"])
    async with app.run_test(size=SIZE) as pilot:
        await live(app)
        for key, leave in (("f6", "escape"), ("f6", "ctrl+s"), ("f7", "escape"),
                           ("f7", "ctrl+s")):
            await pilot.press(key)
            await wait_until(lambda: bool(app.screen.query("#dialog-text")), what="the dialog")
            if leave == "ctrl+s":
                app.screen.query_one("#dialog-text", TextArea).text = f"saved with {key}"
            await pilot.press(leave)
            await wait_until(lambda: not app.screen.query("#dialog-text"), what="closed")
            await pilot.pause()
            assert app.screen.focused is editor(app), (key, leave, app.screen.focused)
        # typing lands in the code, and Enter is a new line, not the end dialog
        await pilot.press("x", "enter", "y")
        await other.wait_for(lambda c: c.code.endswith("x\ny"))
        assert not app.screen.query("#confirm-end")
        assert app.client.phase == "live"  # type: ignore[union-attr]


async def test_f4_and_f6_are_offered_only_while_they_do_something(server, clients):
    created = await create_session(server)
    other = await clients(created.interviewee["join_url"])
    app = CollabTerm(created.interviewer["join_url"])
    async with app.run_test(size=SIZE) as pilot:
        await live(app)
        await pilot.pause()
        assert {"f4", "f6"} <= keys(app)
        await pilot.press(*"typed")
        await other.wait_for(lambda c: c.code == "typed")
        await pilot.press("f4")
        await wait_until(lambda: bool(app.screen.query("#confirm-end")), what="confirm dialog")
        await pilot.click("#confirm-end")
        await wait_until(lambda: app.client.phase == "feedback", what="feedback")  # type: ignore[union-attr]
        await wait_until(lambda: "f4" not in keys(app), what="f4 withdrawn")
        assert "f6" not in keys(app)
        await pilot.press("f4")
        await pilot.pause()
        assert not app.screen.query("#confirm-end")
        # the code is read-only now: undo does not try to change it
        app.screen.set_focus(editor(app))
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert editor(app).text == "typed"
        # the log says the interview ended, and who ended it
        log = app.query_one("#chat-log", ChatLog).text()
        assert "You ended the interview" in log
        await other.wait_for(lambda c: c.phase == "feedback")


async def test_the_candidate_is_not_offered_the_question_and_hears_of_the_end(server, clients):
    created = await create_session(server)
    interviewer = await clients(created.interviewer["join_url"])
    app = CollabTerm(created.interviewee["join_url"])
    async with app.run_test(size=SIZE) as pilot:
        await live(app)
        await pilot.pause()
        assert "f6" not in keys(app) and "f4" not in keys(app) and "f7" in keys(app)
        await interviewer.end_interview()
        log = app.query_one("#chat-log", ChatLog)
        await wait_until(lambda: "The interview has ended (not by you)" in log.text(),
                         what="the end in the log")
        assert "f2 shows the form" in log.text()


def check_layout(app: CollabTerm, width: int) -> None:
    area, side = editor(app).region, app.query_one("#side").region
    if width < 100:  # the side bar goes under the editor
        assert area.width >= width - 2 and side.y >= area.bottom, (width, area, side)
        assert side.height >= 8  # the chat still has room
    else:  # beside it, the editor keeping most of the width
        assert side.x >= area.right and area.width >= 70, (width, area, side)
    chat = app.query_one("#chat-input").region
    assert chat.width > 0 and chat.height > 0


async def test_a_narrow_terminal_keeps_the_editor_wide(server, clients):
    created = await create_session(server)
    await clients(created.interviewee["join_url"])
    for width in (50, 120):
        app = CollabTerm(created.interviewer["join_url"])
        async with app.run_test(size=(width, 40)) as pilot:
            await live(app)
            await pilot.pause()
            check_layout(app, width)
    # and when the window is resized while it runs
    app = CollabTerm(created.interviewer["join_url"])
    async with app.run_test(size=(120, 40)) as pilot:
        await live(app)
        for width in (50, 120):
            await pilot.resize_terminal(width, 40)
            await wait_until(lambda w=width: app.size.width == w, what="the resize")  # type: ignore[misc]
            await pilot.pause()
            await pilot.pause()
            check_layout(app, width)


async def test_the_log_is_in_time_order_whatever_order_lines_arrive_in(server, clients):
    created = await create_session(server)
    other = await clients(created.interviewee["join_url"])
    app = CollabTerm(created.interviewer["join_url"])
    async with app.run_test(size=SIZE) as pilot:
        await live(app)
        await other.post_chat("first, live")
        log = app.query_one("#chat-log", ChatLog)
        await wait_until(lambda: "first, live" in log.text(), what="the chat")
        # what a rejoin fetches (older than lines already shown) goes to its place
        newest = max(w.ts for w in log.query(".chat-line"))  # type: ignore[attr-defined]
        log.add(RichText("missed while away"), ts=newest - 60_000)
        log.add(RichText("latest"))
        await pilot.pause()
        text = log.text()
        assert text.index("missed while away") < text.index("first, live") < text.index("latest")


async def test_a_link_that_cannot_join_exits_at_once(server):
    created = await create_session(server)
    bad = created.interviewee["join_url"][:-3] + "AAA"
    app = CollabTerm(bad)
    async with app.run_test(size=SIZE):
        await wait_until(lambda: app.return_code is not None, what="the app to exit")
    assert app.return_code == 2
    assert app.error is not None and "bad_token" in app.error
