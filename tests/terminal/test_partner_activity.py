"""collab-term shows what the other participant does in a browser as it happens: a run in
progress with its output in print order, their mute state in a voice call, and whiteboard
clears and restores; under Textual's Pilot against a real server, the other side an SDK client
setting the same awareness fields and document keys the web client does."""

from __future__ import annotations

from client.helpers import create_session
from pycrdt import Map
from textual.widgets import Static

from collab_term.app import ChatLog, CollabTerm
from support.net import wait_until

from .test_app import SIZE, squeezed, started, visible_lines


def shown(app: CollabTerm) -> str:
    return str(app.query_one("#activity", Static).render())


async def test_the_partners_run_in_progress_and_mute_state_are_shown_live(server, clients):
    created = await create_session(server)
    other = await clients(created.interviewee["join_url"])
    app = CollabTerm(created.interviewer["join_url"])
    async with app.run_test(size=SIZE) as pilot:
        await started(app)
        await other.wait_for(lambda c: c.phase == "live")
        activity = app.query_one("#activity")
        assert "hidden" in activity.classes  # nobody runs anything, nobody is in a call
        name = other.you["name"]  # type: ignore[index]

        other.set_awareness_field("run", {"language": "python", "phase": "loading", "out": []})
        await wait_until(lambda: f"{name} is loading python…" in shown(app), what="loading")
        other.set_awareness_field("run", {"language": "python", "phase": "running", "out": [
            ["stdout", "one\n"], ["stderr", "warn\x1b[2J\n"], ["stdout", "two\n"]]})
        await wait_until(lambda: f"{name} is running the python code…" in shown(app),
                         what="the live run")
        # print order kept across the two streams (the server drops control characters)
        assert shown(app).split("\n")[1:] == ["one", "warn[2J", "two"], shown(app)
        await pilot.pause()
        assert "runningthepythoncode…" in squeezed(visible_lines(app, "#activity"))

        other.set_awareness_field("run", None)
        await wait_until(lambda: "hidden" in activity.classes, what="the run to end")

        other.set_awareness_field("call", {"muted": False})
        await wait_until(lambda: f"{name} is in a voice call" in shown(app), what="the call")
        assert "muted" not in shown(app)
        other.set_awareness_field("call", {"muted": True})
        await wait_until(lambda: f"{name} is in a voice call and is muted" in shown(app),
                         what="muted")
        other.set_awareness_field("call", None)
        await wait_until(lambda: "hidden" in activity.classes, what="the call to end")


async def test_whiteboard_clears_and_restores_are_said_in_the_log(server, clients):
    created = await create_session(server)
    other = await clients(created.interviewee["join_url"])
    await other.wait_synced()
    board = other.doc.get("board", type=Map)
    meta = other.doc.get("boardMeta", type=Map)
    board["e1"] = Map({"type": "rect", "x": 1, "y": 2})
    board["e2"] = Map({"type": "line", "x": 3, "y": 4})
    app = CollabTerm(created.interviewer["join_url"])
    async with app.run_test(size=SIZE) as pilot:
        await started(app)
        log = app.query_one("#chat-log", ChatLog)
        side = app.query_one("#board")
        await wait_until(lambda: "Whiteboard: 2 shapes" in str(side.render()), what="the board")
        name = other.you["name"]  # type: ignore[index]

        # what the web client's Clear does (board-model.js clearBoard), in one transaction
        with other.doc.transaction():
            items = [[key, dict(value.to_py())] for key, value in board.items()]
            for key in list(board.keys()):
                del board[key]
            meta["cleared"] = {"by": name, "at": 1, "items": items}
        await wait_until(lambda: f"{name} cleared the whiteboard (2 elements)" in log.text(),
                         what="the clear")
        await wait_until(lambda: "Whiteboard cleared (2 elements)" in str(side.render()),
                         what="the side bar")
        assert "hidden" not in side.classes and "restore" in str(side.render())

        with other.doc.transaction():
            for key, fields in items:
                board[key] = Map(fields)
            del meta["cleared"]
            meta["restored"] = {"by": name, "at": 2}
        await wait_until(lambda: f"{name} restored the whiteboard." in log.text(),
                         what="the restore")
        await wait_until(lambda: "Whiteboard: 2 shapes" in str(side.render()), what="back")
        await pilot.pause()
        assert log.text().count("There is a whiteboard in this room") == 1
