"""collab-term's editing (auto-indent, an undo history of your own that survives the partner's
typing), the whole output of long runs, and what it tells about things it cannot show (the
whiteboard, the lobby); under Textual's Pilot against a real server and an SDK client."""

from __future__ import annotations

from client.helpers import create_session
from pycrdt import Map
from textual.widgets import Static, TextArea

from collab_term.app import ChatLog, CodeArea, CollabTerm
from support.net import wait_until

from .test_app import SIZE, started


def editor(app: CollabTerm) -> CodeArea:
    return app.query_one("#editor", CodeArea)


async def test_enter_keeps_the_indentation_and_indents_after_a_block_opener(server, clients):
    created = await create_session(server)
    other = await clients(created.interviewee["join_url"])
    app = CollabTerm(created.interviewer["join_url"])
    async with app.run_test(size=SIZE) as pilot:
        await started(app)
        await wait_until(lambda: editor(app).language == "python", what="python")
        await pilot.press(*"def f(x):", "enter", *"y = 1", "enter", *"z = [", "enter", "2")
        expected = "def f(x):\n    y = 1\n    z = [\n        2"
        await wait_until(lambda: editor(app).text == expected, what=repr(editor(app).text))
        await other.wait_for(lambda c: c.code == expected)


async def test_undo_takes_back_only_your_typing_even_after_the_partner_typed(server, clients):
    created = await create_session(server)
    other = await clients(created.interviewee["join_url"])
    await other.wait_synced()
    other.insert(0, "# shared\n")
    app = CollabTerm(created.interviewer["join_url"])
    async with app.run_test(size=SIZE) as pilot:
        await started(app)
        area = editor(app)
        await wait_until(lambda: area.text == "# shared\n", what="the partner's text")
        area.move_cursor(area.document.end)
        await pilot.press(*"mine = 1")
        await other.wait_for(lambda c: c.code == "# shared\nmine = 1")
        other.insert(0, "# partner again\n")  # the partner types after us
        await wait_until(lambda: area.text.startswith("# partner again\n"), what="remote edit")
        manager = app.undo_manager
        assert manager is not None
        # our typing goes (in one or a few steps: a burst of keys is grouped), theirs stays
        for _ in range(10):
            if not manager.can_undo():
                break
            await pilot.press("ctrl+z")
            await pilot.pause()
            assert area.text.startswith("# partner again\n# shared\n"), area.text
        assert area.text == "# partner again\n# shared\n"
        await other.wait_for(lambda c: c.code == "# partner again\n# shared\n")
        await pilot.press("ctrl+z")  # nothing of ours left: the partner's text is not undone
        await pilot.pause()
        assert area.text == "# partner again\n# shared\n"
        for _ in range(10):
            if not manager.can_redo():
                break
            await pilot.press("ctrl+y")
            await pilot.pause()
        await wait_until(lambda: area.text == "# partner again\n# shared\nmine = 1",
                         what="redone")
        await other.wait_for(lambda c: c.code == "# partner again\n# shared\nmine = 1")


async def test_a_long_run_output_is_shown_whole_with_f3(server, clients):
    created = await create_session(server)
    other = await clients(created.interviewee["join_url"])
    app = CollabTerm(created.interviewer["join_url"])
    async with app.run_test(size=SIZE) as pilot:
        await started(app)
        await wait_until(lambda: app.client.phase == "live", what="live")  # type: ignore[union-attr]
        out = "".join(f"line {i}\n" for i in range(1, 41))
        await other.report_run("python", stdout=out, exit=0, duration_ms=5)
        log = app.query_one("#chat-log", ChatLog)
        await wait_until(lambda: "line 12" in log.text(), what="the run")
        assert "line 13" not in log.text()
        assert "28 more lines: f3 shows the whole output" in log.text()
        await pilot.press("f3")
        await wait_until(lambda: bool(app.screen.query("#output-text")), what="the output")
        shown = app.screen.query_one("#output-text", TextArea).text
        assert shown == out.rstrip("\n")
        await pilot.press("escape")
        await wait_until(lambda: not app.screen.query("#output-text"), what="closed")
        assert app.screen.focused is editor(app)


async def test_the_side_bar_says_there_is_a_whiteboard(server, clients):
    created = await create_session(server)
    other = await clients(created.interviewee["join_url"])
    app = CollabTerm(created.interviewer["join_url"])
    async with app.run_test(size=SIZE):
        await started(app)
        board = app.query_one("#board", Static)
        assert "hidden" in board.classes  # nothing drawn: nothing said
        other.doc.get("board", type=Map)["e1"] = Map({
            "type": "rect", "x": 10.0, "y": 20.0, "w": 30.0, "h": 40.0, "color": "#000000",
            "width": 2.0, "z": 1.0})
        await wait_until(lambda: "hidden" not in board.classes, what="the board notice")
        assert "Whiteboard: 1 shape" in str(board.render())
        assert "browser" in str(board.render())
        log = app.query_one("#chat-log", ChatLog)
        assert "There is a whiteboard in this room" in log.text()


async def test_the_lobby_says_who_it_is_waiting_for(server):
    created = await create_session(server)
    app = CollabTerm(created.interviewer["join_url"])
    async with app.run_test(size=SIZE) as pilot:
        await started(app)
        await wait_until(lambda: bool(app.query("#review-info")), what="the review pane")
        await pilot.press("f2")
        await pilot.pause()
        text = str(app.query_one("#review-info", Static).render())
        assert "Waiting for the other participant to join" in text
