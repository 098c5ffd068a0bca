"""The browser client in a real Chromium against a real `collabd serve`: shared editing.

Two isolated browser contexts join the same room; what one types or draws appears in the other;
per-user undo; remote cursors and pointers; the shared language; and convergence after both go
offline, keep editing and come back.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e.web_helpers import WebServer, participants
from playwright.sync_api import Browser, expect


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    srv = WebServer(Path(tmp_path_factory.mktemp("collabd-web"))).start()
    yield srv
    srv.stop()


def test_text_and_shapes_appear_in_the_other_browser(browser: Browser, server: WebServer) -> None:
    room = "web-collab-1"
    a_url = server.join_url(server.token(room, pid="pa"))
    b_url = server.join_url(server.token(room, pid="pb"))
    with participants(browser, ("a", a_url), ("b", b_url)) as (a, b):
        a.wait_connected()
        b.wait_connected()

        a.type_code("def add(a, b):\nreturn a + b")
        b.wait_code_contains("return a + b")
        assert b.code_text() == a.code_text()

        b.type_code("\n# tested by b ✓ 🌍")
        a.wait_code_contains("# tested by b ✓ 🌍")

        # b's cursor is drawn in a's editor with b's pseudonym (stamped by the server)
        b_name = b.page.evaluate("() => window.collabdRoom.state.you.name")
        assert b_name
        caret = a.page.locator(".cm-ySelectionInfo")
        expect(caret).to_have_count(1)
        expect(caret).to_have_text(b_name)

        a.draw("Rectangle", (120, 120), (320, 240))
        b.tab("Whiteboard")
        b.wait_board_count(1)
        assert b.board_types() == ["rect"]
        b.draw("Ellipse", (400, 150), (520, 260))
        a.wait_board_count(2)
        assert sorted(a.board_types()) == ["ellipse", "rect"]

        # a's pointer reaches b's awareness, in board coordinates
        box = a.page.locator(".board-canvas").bounding_box()
        assert box is not None
        a.page.mouse.move(box["x"] + 200, box["y"] + 100)
        b.page.wait_for_function(
            "() => [...window.collabdRoom.conn.awareness.getStates().entries()].some(([id, s]) =>"
            " id !== window.collabdRoom.doc.clientID && s.pointer &&"
            " Math.abs(s.pointer.x - 200) < 2 && Math.abs(s.pointer.y - 100) < 2)"
        )

        a.shot("collab-whiteboard-a")
        b.shot("collab-whiteboard-b")

        # per-user undo: a's undo removes a's rectangle, never b's ellipse
        a.page.get_by_role("button", name="Undo").click()
        b.wait_board_count(1)
        assert b.board_types() == ["ellipse"]
        a.page.get_by_role("button", name="Redo").click()
        b.wait_board_count(2)

        assert a.errors() == []
        assert b.errors() == []


def test_keyboard_drawing_text_and_language(browser: Browser, server: WebServer) -> None:
    room = "web-collab-2"
    with participants(
        browser,
        ("a", server.join_url(server.token(room, pid="ka"))),
        ("b", server.join_url(server.token(room, pid="kb"))),
    ) as (a, b):
        a.wait_connected()
        b.wait_connected()
        a.tab("Whiteboard")
        canvas = a.page.locator(".board-canvas")
        canvas.focus()
        a.page.keyboard.press("r")  # rectangle tool
        expect(a.page.get_by_role("button", name="Rectangle", exact=True)).to_have_attribute(
            "aria-pressed", "true"
        )
        a.page.keyboard.press("Enter")  # draws it in the middle of the view
        a.page.keyboard.press("a")
        a.page.keyboard.press("Enter")
        a.page.keyboard.press("t")
        a.page.keyboard.press("Enter")
        a.page.get_by_label("Text to place on the whiteboard").fill("queue")
        a.page.keyboard.press("Enter")
        b.tab("Whiteboard")
        b.wait_board_count(3)
        assert sorted(b.board_types()) == ["arrow", "rect", "text"]
        assert any('"queue"' in item for item in b.board_items())

        a.page.keyboard.press("Control+z")  # undo the text
        b.wait_board_count(2)

        # eraser: a stroke over the rectangle's left part (above the arrow) removes only it
        box = canvas.bounding_box()
        assert box is not None
        cx, cy = box["width"] / 2, box["height"] / 2
        a.draw("Eraser", (cx - 80, cy - 70), (cx - 80, cy - 20))
        b.wait_board_count(1)
        assert b.board_types() == ["arrow"]

        # the language is shared through meta.language
        a.tab("Code")
        a.page.get_by_label("Language").select_option("javascript")
        b.tab("Code")
        expect(b.page.get_by_label("Language")).to_have_value("javascript")
        b.type_code("const x = 1;")
        a.wait_code_contains("const x = 1;")
        # highlighting follows: "const" is a keyword token in the JavaScript grammar
        expect(a.page.locator(".cm-content span", has_text="const").first).to_be_visible()

        assert a.errors() == []
        assert b.errors() == []


def test_offline_edits_converge_after_reconnect(browser: Browser, server: WebServer) -> None:
    room = "web-collab-3"
    with participants(
        browser,
        ("a", server.join_url(server.token(room, pid="ra"))),
        ("b", server.join_url(server.token(room, pid="rb"))),
    ) as (a, b):
        a.wait_connected()
        b.wait_connected()
        a.type_code("start\n")
        b.wait_code_contains("start")

        a.context.set_offline(True)
        b.context.set_offline(True)
        expect(a.page.locator(".conn")).to_have_attribute("data-state", "offline")
        expect(b.page.locator(".conn")).to_have_attribute("data-state", "offline")

        a.type_code("from a while offline\n")
        b.type_code("from b while offline\n")
        b.draw("Rectangle", (100, 100), (200, 180))
        expect(a.page.locator(".conn-text")).to_contain_text("kept")
        expect(b.page.locator(".conn-text")).to_contain_text("kept")
        a.shot("reconnect-offline-a")
        assert "from b" not in a.code_text()

        a.context.set_offline(False)
        b.context.set_offline(False)
        a.wait_connected()
        b.wait_connected()
        a.wait_code_contains("from b while offline")
        b.wait_code_contains("from a while offline")
        assert a.code_text() == b.code_text()
        a.tab("Whiteboard")
        a.wait_board_count(1)
        assert a.errors(allow_offline=True) == []
        assert b.errors(allow_offline=True) == []


def test_a_refused_token_shows_one_clear_page(browser: Browser, server: WebServer) -> None:
    """Issue 13, item 8: a tampered link shows what is wrong and what to do; nothing editable."""
    token = server.token("web-collab-4", pid="x")
    version, payload, mac = token.split(".")
    forged = f"{version}.{payload}.{'A' * len(mac)}"  # well-formed, wrong signature: 401
    with participants(browser, ("x", server.join_url(forged))) as (x,):
        expect(x.page.get_by_role("heading", level=1)).to_have_text("This join link is not valid")
        expect(x.page.locator("main")).to_contain_text("What to do:")
        assert x.page.locator("input, textarea, select, button, [contenteditable]").count() == 0
        x.shot("collab-refused-token")
        # the only console errors are the browser's reports of the refused upgrade and of the
        # plain GET that asked the server why (a 401)
        expected = ("WebSocket connection to", "status of 401")
        assert x.errors() and all(any(m in e for m in expected) for e in x.errors())
