"""A whole interview in two real browsers against a real `collabd serve`, as the outside
walk-through ran it: reloading a room in another language, the whiteboard's Clear, a deliberate
leave, copy that must not mislead, the partner's run and mute state, and an axe-core check of
every screen in both themes.

Screenshots go to artifacts/web/walk-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e.web_helpers import REPO, Participant, WebServer, participants
from playwright.sync_api import Browser, expect

API_KEY = "web-walk-api-key"
ER_ID = {"name": "Ingrid Østergaard", "email": "ingrid@example.org"}
EE_ID = {"name": "Kenji Watanabe", "email": "kenji@example.com"}
AXE = REPO / "clients" / "web" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    srv = WebServer(
        Path(tmp_path_factory.mktemp("collabd-walk")), [], {"COLLABD_API_KEY": API_KEY}
    ).start()
    yield srv
    srv.stop()


def create(server: WebServer, **options: Any) -> dict[str, Any]:
    body = {"interviewer": ER_ID, "interviewee": EE_ID, "options": options}
    return dict(server.api("POST", "/api/sessions", body, key=API_KEY))


def pair(browser: Browser, s: dict[str, Any], **kw: Any) -> Any:
    return participants(
        browser,
        ("interviewer", s["interviewer"]["join_url"]),
        ("interviewee", s["interviewee"]["join_url"]),
        **kw,
    )


def wait_phase(p: Participant, label: str) -> None:
    expect(p.page.locator(".phase")).to_have_text(label)


def wait_synced(p: Participant) -> None:
    p.page.wait_for_function("() => window.collabdRoom.conn.provider.synced === true")


def end_interview(er: Participant, ee: Participant) -> None:
    er.page.get_by_role("button", name="End interview").click()
    er.page.get_by_role("dialog").get_by_role("button", name="End interview").click()
    ee.page.locator(".notice[data-key=ended]").get_by_role("button", name="Go to feedback").click()


def test_reloading_a_go_room_keeps_remote_cursors_and_announces_nothing(
    browser: Browser, server: WebServer
) -> None:
    s = create(server)
    with pair(browser, s) as (er, ee):
        wait_phase(ee, "Interview in progress")
        ee.page.get_by_label("Language", exact=True).select_option("go")
        expect(er.page.locator(".notice[data-key=language]")).to_contain_text(
            "switched the editor language to Go"
        )
        body = "".join(f"// line {i} of a longer Go program\n" for i in range(12))
        ee.type_code("package main\n" + body)
        er.wait_code_contains("line 11 of a longer")
        # the interviewer's cursor at the end of the text, where the reloaded view must map it
        er.page.locator(".cm-content").click()
        er.page.keyboard.press("Control+End")
        expect(ee.page.locator(".cm-ySelectionCaret")).to_have_count(1)
        for _ in range(2):
            ee.page.reload()
            wait_synced(ee)
            expect(ee.page.get_by_label("Language", exact=True)).to_have_value("go")
            # the other side's cursor is drawn again (the plugin did not crash on load) ...
            er.page.keyboard.type("x")
            expect(ee.page.locator(".cm-ySelectionCaret")).to_have_count(1)
            # ... and the language chosen before the load is not news
            expect(ee.page.locator(".notice[data-key=language]")).to_have_count(0)
        er.page.reload()
        wait_synced(er)
        ee.page.locator(".cm-content").click()
        ee.page.keyboard.press("Control+End")
        ee.page.keyboard.type("y")
        expect(er.page.locator(".cm-ySelectionCaret")).to_have_count(1)
        expect(er.page.locator(".notice[data-key=language]")).to_have_count(0)
        assert er.errors() == [] and ee.errors() == []


def test_closing_the_tab_is_left_and_a_dropped_page_is_reconnecting(
    browser: Browser, server: WebServer
) -> None:
    s = create(server, grace_seconds=600)
    with pair(browser, s) as (er, ee):
        wait_phase(ee, "Interview in progress")
        other = er.page.locator(".person.other")
        expect(other).to_have_attribute("data-status", "connected")
        ee.page.close()  # the tab is closed: the page says goodbye
        expect(other).to_have_attribute("data-status", "left")
        expect(other).to_contain_text("left")
        er.shot("walk-partner-left")
        # back on a new tab, then the renderer dies (no goodbye): that is a drop
        page = ee.context.new_page()
        page.goto(s["interviewee"]["join_url"])
        expect(other).to_have_attribute("data-status", "connected")
        try:  # Chromium's crash page kills the renderer: its socket ends without a goodbye
            page.goto("chrome://crash", timeout=5_000)
        except Exception:
            pass
        expect(other).to_have_attribute("data-status", "reconnecting")
        assert er.errors() == []
