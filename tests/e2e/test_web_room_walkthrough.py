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
from e2e.web_helpers import REPO, Participant, WebServer, fill_feedback, participants
from playwright.sync_api import Browser, Page, expect

API_KEY = "web-walk-api-key"
ER_ID = {"name": "Ingrid Østergaard", "email": "ingrid@example.org"}
EE_ID = {"name": "Kenji Watanabe", "email": "kenji@example.com"}
HIRE = {"would_hire": True, "technical": 3, "problem_solving": 3, "communication": 4}
WORK = {"would_work_with": True, "question_quality": 4, "helpfulness": 3, "self_assessment": 2}
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
    p.page.wait_for_function("() => window.collabdRoom.conn.synced === true")


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


def test_copy_calls_question_notice_and_real_names_after_unmask(
    browser: Browser, server: WebServer
) -> None:
    s = create(server)
    (er_spec, ee_spec) = (
        ("interviewer", s["interviewer"]["join_url"]),
        ("interviewee", s["interviewee"]["join_url"]),
    )
    with participants(browser, er_spec) as (er,):
        # alone in the lobby: not asked to wait for yourself
        wait_phase(er, "Waiting for the other participant")
        expect(er.page.locator(".notes-panel")).to_contain_text("Only you can see these notes.")
        placeholder = er.page.get_by_role("textbox", name="Private notes").get_attribute(
            "placeholder"
        )
        assert placeholder is not None and "only you" not in placeholder.lower()
        with participants(browser, ee_spec) as (ee,):
            wait_phase(ee, "Interview in progress")
            wait_synced(ee)
            # the question changes under the candidate: they are told, and can jump to it
            er.page.get_by_role("button", name="Edit").click()
            er.page.get_by_label("Question (Markdown)").fill("Reverse a list.")
            er.page.get_by_role("button", name="Save").click()
            er_name = er.page.locator(".person.you .person-name").inner_text()
            notice = ee.page.locator(".notice[data-key=question]")
            expect(notice).to_have_text(f"{er_name} set the question.Show the question×")
            expect(er.page.locator(".notice[data-key=question]")).to_have_count(0)
            er.page.get_by_role("button", name="Edit").click()
            er.page.get_by_label("Question (Markdown)").fill("Reverse a linked list.")
            er.page.get_by_role("button", name="Save").click()
            expect(notice).to_contain_text(f"{er_name} changed the question.")
            ee.page.reload()
            wait_synced(ee)
            expect(ee.page.locator(".notice[data-key=question]")).to_have_count(0)

            # an unanswered call: the callee reads "missed call", not "cancelled"
            er.page.get_by_role("button", name="Start call").click()
            expect(ee.page.locator(".notice[data-key=call]")).to_contain_text("is calling you")
            er.page.get_by_role("button", name="Hang up").click()
            expect(ee.page.locator(".call-state")).to_have_text(
                "Missed call: The other participant hung up before you answered."
            )
            # a call, and the partner's mute state
            er.page.get_by_role("button", name="Start call").click()
            call_notice = ee.page.locator(".notice[data-key=call]")
            call_notice.get_by_role("button", name="Join call").click()
            expect(er.page.locator(".call-state")).to_contain_text("Call connected")
            expect(ee.page.locator(".call-state")).to_contain_text("Call connected")
            ee.page.get_by_role("button", name="Mute").click()
            ee_name = ee.page.locator(".person.you .person-name").inner_text()
            expect(er.page.locator(".call-state")).to_have_text(
                f"Call connected · {ee_name} is muted"
            )
            er.shot("walk-partner-muted")
            ee.page.get_by_role("button", name="Unmute").click()
            expect(er.page.locator(".call-state")).to_have_text("Call connected")

            # the end: the call's last words do not stay in the header
            end_interview(er, ee)
            for p in (er, ee):
                expect(p.page.locator(".call")).to_be_hidden()
            fill_feedback(er, HIRE)
            fill_feedback(ee, WORK)
            help_text = ee.page.locator(".unmask-prompt .help").first
            expect(help_text).to_contain_text("A no is not announced")
            expect(ee.page.locator(".unmask .deadline")).to_contain_text("(until ")
            ee.page.get_by_role("button", name="Yes, reveal my identity").click()
            er.page.get_by_role("button", name="Yes, reveal my identity").click()
            # both headers show the real name of the other, and what was shared
            expect(er.page.locator(".person.other .person-name")).to_have_text(EE_ID["name"])
            expect(ee.page.locator(".person.other .person-name")).to_have_text(ER_ID["name"])
            expect(er.page.locator(".person.other")).to_contain_text("shared name, email")
            expect(ee.page.locator(".person.you")).to_contain_text("your identity was shared")
            ee.shot("walk-unmasked-header")
            assert er.errors() == [] and ee.errors() == []



def test_whiteboard_clear_is_confirmed_announced_restorable_and_replayed(
    browser: Browser, server: WebServer
) -> None:
    s = create(server)
    with pair(browser, s) as (er, ee):
        wait_phase(ee, "Interview in progress")
        ee.draw("Rectangle", (60, 60), (200, 140))
        ee.draw("Ellipse", (240, 60), (340, 160))
        er.wait_board_count(2)
        er.tab("Whiteboard")
        # Clear asks first; "Keep it" keeps it
        er.page.get_by_role("button", name="Clear", exact=True).click()
        dialog = er.page.get_by_role("dialog", name="Clear the whiteboard?")
        expect(dialog).to_contain_text("Either of you can restore it")
        dialog.get_by_role("button", name="Keep it").click()
        assert len(er.board_items()) == 2
        er.page.get_by_role("button", name="Clear", exact=True).click()
        dialog.get_by_role("button", name="Clear the whiteboard").click()
        ee.wait_board_count(0)
        er.wait_board_count(0)
        # the other side is told, and may restore it
        er_name = er.page.locator(".person.you .person-name").inner_text()
        notice = ee.page.locator(".notice[data-key=board]")
        expect(notice).to_contain_text(f"{er_name} cleared the whiteboard.")
        expect(ee.page.locator(".board-cleared")).to_contain_text(
            f"{er_name} cleared the whiteboard (2 elements)."
        )
        ee.shot("walk-board-cleared-other-side")
        notice.get_by_role("button", name="Restore it").click()
        er.wait_board_count(2)
        ee.wait_board_count(2)
        ee_name = ee.page.locator(".person.you .person-name").inner_text()
        expect(er.page.locator(".notice[data-key=board]")).to_contain_text(
            f"{ee_name} restored the whiteboard."
        )
        expect(er.page.locator(".board-cleared")).to_be_hidden()
        # a language switch, for the replay
        er.page.get_by_role("tab", name="Code").click()
        er.page.get_by_label("Language", exact=True).select_option("go")
        # an unanswered call, for the replay
        er.page.get_by_role("button", name="Start call").click()
        expect(ee.page.locator(".notice[data-key=call]")).to_contain_text("is calling you")
        er.page.get_by_role("button", name="Hang up").click()
        expect(ee.page.locator(".call")).to_have_attribute("data-call-state", "missed")
        # a reload: the page says goodbye and comes back, for the replay
        ee.page.reload()
        wait_synced(ee)
        expect(er.page.locator(".person.other")).to_have_attribute("data-status", "connected")

        end_interview(er, ee)
        fill_feedback(er, HIRE)
        fill_feedback(ee, WORK)
        ee.page.get_by_role("button", name="No, stay anonymous").click()
        ee.tab("Replay")
        expect(ee.page.locator(".replay-scrubber")).to_be_enabled()
        # the document's own marks (clears, language) are added once the replay has opened
        expect(ee.page.locator(".replay-events")).to_contain_text("cleared the whiteboard")
        texts = ee.page.locator(".replay-events .ev-text").all_inner_texts()
        assert f"{er_name} cleared the whiteboard" in texts, texts
        assert f"{ee_name} restored the whiteboard" in texts, texts
        assert "The editor language became Go" in texts, texts
        assert f"{er_name} hung up before the call was answered" in texts, texts
        assert not any("ended the call" in t for t in texts), texts
        assert f"You ({ee_name}) left" in texts, texts
        assert f"You ({ee_name}) came back" in texts, texts
        ee.shot("walk-replay-events")
        assert er.errors() == [] and ee.errors() == []



def test_the_other_side_sees_a_run_live_with_output_in_print_order(
    browser: Browser, server: WebServer
) -> None:
    s = create(server)
    with pair(browser, s) as (er, ee):
        wait_phase(ee, "Interview in progress")
        ee.page.get_by_label("Language", exact=True).select_option("javascript")
        # prints on both streams, then keeps running until stopped
        ee.type_code(
            'console.log("one")\nconsole.error("two")\nconsole.log("three")\n'
            "setInterval(() => {}, 1000)\n"
        )
        ee.page.get_by_role("button", name="Run ▶").click()
        ee_name = ee.page.locator(".person.you .person-name").inner_text()
        live = er.page.locator(".run-item.run-live.remote")
        expect(live.locator(".run-who")).to_have_text(f"{ee_name} is running the code")
        expect(live.locator(".run-out")).to_have_count(3)
        outs = live.locator(".run-out")
        assert outs.all_inner_texts() == ["one\n", "two\n", "three\n"]
        assert [outs.nth(i).get_attribute("class") for i in range(3)] == [
            "run-out stdout",
            "run-out stderr",
            "run-out stdout",
        ]
        er.shot("walk-partner-running")
        ee.page.get_by_role("button", name="Stop").click()
        expect(live).to_have_count(0)
        er.page.wait_for_function(
            "() => document.querySelectorAll('.runs-list li.run-item[data-id]').length === 1"
        )
        expect(er.page.locator(".runs-list .run-status")).to_contain_text(
            "stopped by the person who ran it"
        )
        assert er.errors() == [] and ee.errors() == []


SHOTS = Path("/tmp/web-room-shots")


def axe_serious(page: Page) -> list[str]:
    """axe-core (npm) in the page: violations of impact serious or critical."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a',"
        " 'wcag21aa', 'best-practice'], rules: {'label-content-name-mismatch': {enabled: true}}}))"
        ".violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')"
        ".map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}`)"
    )
    return list(result)


def check_screen(p: Participant, name: str, found: dict[str, list[str]]) -> None:
    """axe in the light and the dark theme, with a screenshot of each (the theme is left light)."""
    for theme in ("light", "dark"):
        if p.page.get_attribute("html", "data-theme") != theme:
            p.page.get_by_role("button", name="Dark mode").click()
            expect(p.page.locator("html")).to_have_attribute("data-theme", theme)
        found[f"{name}-{theme}"] = axe_serious(p.page)
        shot = SHOTS / f"{name}-{theme}.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        p.page.screenshot(path=str(shot))
    p.page.get_by_role("button", name="Dark mode").click()
    expect(p.page.locator("html")).to_have_attribute("data-theme", "light")


def test_axe_finds_nothing_serious_on_any_screen_light_or_dark(
    browser: Browser, server: WebServer
) -> None:
    found: dict[str, list[str]] = {}
    s = create(server)
    er = Participant.open(browser, "interviewer", s["interviewer"]["join_url"])
    phone: Participant | None = None
    try:
        wait_phase(er, "Waiting for the other participant")
        check_screen(er, "lobby", found)
        with participants(browser, ("interviewee", s["interviewee"]["join_url"])) as (ee,):
            wait_phase(ee, "Interview in progress")
            phone = Participant.open(
                browser, "phone", s["interviewee"]["join_url"], width=390, height=844
            )
            ee.page.get_by_label("Language", exact=True).select_option("javascript")
            ee.type_code('console.log("out")\nconsole.error("err")\nconsole.log("more")\n')
            ee.page.get_by_role("button", name="Run ▶").click()
            ee.page.wait_for_function(
                "() => document.querySelectorAll('.runs-list li.run-item[data-id]').length >= 1"
            )
            er.send_chat("Hello there")
            ee.wait_chat("Hello there")
            check_screen(ee, "room-code", found)
            ee.draw("Rectangle", (60, 60), (200, 140))
            check_screen(ee, "room-whiteboard", found)
            ee.tab("Code")
            check_screen(phone, "phone-room", found)
            er.page.get_by_role("button", name="Start call").click()
            ee.page.locator(".notice[data-key=call]").get_by_role(
                "button", name="Join call"
            ).click()
            expect(er.page.locator(".call-state")).to_contain_text("Call connected")
            check_screen(er, "call", found)
            end_interview(er, ee)
            check_screen(ee, "feedback-form", found)
            fill_feedback(er, HIRE)
            check_screen(er, "feedback-waiting", found)
            fill_feedback(ee, WORK)
            expect(ee.page.locator(".unmask")).to_contain_text("Would you like to reveal")
            check_screen(ee, "reveal", found)
            check_screen(phone, "phone-reveal", found)
            ee.page.get_by_role("button", name="No, stay anonymous").click()
            expect(ee.page.locator(".unmask-result.sealed")).to_be_visible()
            check_screen(ee, "sealed", found)
            ee.tab("Replay")
            expect(ee.page.locator(".replay-scrubber")).to_be_enabled()
            check_screen(ee, "replay", found)
            assert ee.errors() == []
    finally:
        er.close()
        if phone is not None:
            phone.close()
    bad = {k: v for k, v in found.items() if v}
    assert not bad, "\n".join(f"{k}: {v}" for k, v in bad.items())
