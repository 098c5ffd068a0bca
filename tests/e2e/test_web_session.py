"""A whole anonymous interview in two real browsers against a real `collabd serve` (issue 5).

The interviewer and the interviewee join in two isolated Chromium contexts; text, shapes and
chat travel both ways; the voice call connects relay-only through coturn on 127.0.0.1; the
interviewer ends; both submit feedback; both see the reveal; both unmask and see each other's
real name. A second run where one side declines shows no names. Screenshots of the main views go
to artifacts/web/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e.web_helpers import (
    Participant,
    WebServer,
    fill_feedback,
    participants,
)
from playwright.sync_api import Browser, expect

from support.turn import TurnServer

API_KEY = "web-e2e-api-key"
ER_ID = {"name": "Ingrid Østergaard", "email": "ingrid@example.org",
         "profile": "https://example.org/in/ingrid"}  # fmt: skip
EE_ID = {"name": "Kenji Watanabe 渡辺", "email": "kenji@example.com"}
REAL = ("Ingrid", "Østergaard", "ingrid@example.org", "Kenji", "Watanabe", "kenji@example.com")


@pytest.fixture(scope="module")
def turn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TurnServer]:
    server = TurnServer(Path(tmp_path_factory.mktemp("turn"))).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, turn: TurnServer) -> Iterator[WebServer]:
    args = ["--turn", turn.url, "--turn-secret", turn.secret, "--relay-only"]
    env = {"COLLABD_API_KEY": API_KEY}
    srv = WebServer(Path(tmp_path_factory.mktemp("collabd-session")), args, env).start()
    yield srv
    srv.stop()


def create_session(server: WebServer) -> dict[str, Any]:
    body = {"interviewer": ER_ID, "interviewee": EE_ID}
    return dict(server.api("POST", "/api/sessions", body, key=API_KEY))


def page_text(p: Participant) -> str:
    return str(p.page.evaluate("() => document.body.innerText"))


def assert_anonymous(*ps: Participant) -> None:
    """No real identity anywhere on either page (before a mutual unmask)."""
    for p in ps:
        text = page_text(p)
        leaked = [r for r in REAL if r in text]
        assert leaked == [], f"{p.name} shows {leaked}"


def wait_phase(p: Participant, label: str) -> None:
    expect(p.page.locator(".phase")).to_have_text(label)


def test_practice_button_opens_a_live_interview(browser: Browser, server: WebServer) -> None:
    ctx = browser.new_context()
    try:
        start = ctx.new_page()
        start.goto(server.base + "/")
        start.get_by_role("button", name="Start a practice interview").click()
        er_url = start.get_by_label("Interviewer link").input_value()
        ee_url = start.get_by_label("Candidate link").input_value()
        assert er_url.startswith(f"{server.base}/join#token=v1.")
        assert ee_url.startswith(f"{server.base}/join#token=v1.")
    finally:
        ctx.close()
    with participants(browser, ("interviewer", er_url), ("interviewee", ee_url)) as (er, ee):
        wait_phase(er, "Interview in progress")
        wait_phase(ee, "Interview in progress")
        expect(er.page.get_by_role("button", name="End interview")).to_be_visible()
        expect(ee.page.get_by_role("button", name="End interview")).to_be_hidden()
        for p in (er, ee):
            assert "Practice" not in page_text(p)  # the practice identities stay in escrow
        assert er.errors() == [] and ee.errors() == []


def test_whole_interview_with_call_feedback_and_mutual_unmask(
    browser: Browser, server: WebServer
) -> None:
    s = create_session(server)
    with participants(
        browser,
        ("interviewer", s["interviewer"]["join_url"]),
        ("interviewee", s["interviewee"]["join_url"]),
    ) as (er, ee):
        wait_phase(er, "Interview in progress")
        wait_phase(ee, "Interview in progress")
        er_name = er.page.locator(".person.you .person-name").inner_text()
        ee_name = ee.page.locator(".person.you .person-name").inner_text()
        expect(er.page.locator(".person.other .person-name")).to_have_text(ee_name)
        expect(ee.page.locator(".person.other .person-name")).to_have_text(er_name)
        expect(er.page.locator(".timer")).to_contain_text("left")

        # ------------------------------------------------------------ code both ways
        er.type_code("def two_sum(nums, target):\n")
        ee.wait_code_contains("def two_sum(nums, target):")
        ee.type_code("seen = {}  # naïve → 🌍")
        er.wait_code_contains("seen = {}  # naïve → 🌍")
        assert er.code_text() == ee.code_text()

        # ------------------------------------------------------------ whiteboard
        ee.draw("Rectangle", (150, 120), (330, 230))
        ee.draw("Arrow", (330, 175), (480, 175))
        er.tab("Whiteboard")
        er.wait_board_count(2)
        assert sorted(er.board_types()) == ["arrow", "rect"]

        # ------------------------------------------------------------ chat both ways
        er.send_chat("Hi! Can you walk me through your approach?")
        ee.wait_chat("Hi! Can you walk me through your approach?")
        ee.open_chat()
        ee.page.get_by_label("Chat message", exact=True).press_sequentially("Sure")
        expect(er.page.locator(".chat-typing")).to_have_text(f"{ee_name} is typing…")
        ee.send_chat("Sure — a hash map from value to index.")
        expect(er.page.locator(".chat-typing")).to_have_text("")
        er.wait_chat("Sure — a hash map from value to index.")
        expect(ee.page.locator(".chat-log li[data-id]").first).to_contain_text(er_name)

        # ------------------------------------------------------------ voice call, relay only
        er.page.locator(".call").get_by_role("button", name="Start call").click()
        ee_call = ee.page.locator(".call")
        expect(ee_call).to_have_attribute("data-call-state", "incoming")
        ee_call.get_by_role("button", name="Join call").click()
        expect(er.page.locator(".call")).to_have_attribute("data-call-state", "connected")
        expect(ee_call).to_have_attribute("data-call-state", "connected")
        for p in (er, ee):
            pair = p.page.evaluate(
                """async () => {
                  const stats = await window.collabdRoom.call.pc.getStats()
                  let pair = null
                  stats.forEach((r) => {
                    if (r.type === 'transport') pair = r.selectedCandidatePairId
                  })
                  const sel = stats.get(pair)
                  return { local: stats.get(sel.localCandidateId).candidateType,
                           remote: stats.get(sel.remoteCandidateId).candidateType }
                }"""
            )
            assert pair == {"local": "relay", "remote": "relay"}, pair
        er.page.locator(".call").get_by_role("button", name="Mute").click()
        expect(er.page.locator(".call").get_by_role("button", name="Unmute")).to_be_visible()

        er.tab("Code")
        er.shot("session-live-interviewer")
        ee.shot("session-live-interviewee")
        assert_anonymous(er, ee)

        # ------------------------------------------------------------ the interviewer ends
        er.page.get_by_role("button", name="End interview").click()
        er.page.get_by_role("dialog").get_by_role("button", name="End interview").click()
        # the candidate is told the interview ended and moves on when ready (issue 13)
        wait_phase(ee, "Feedback")
        ee.page.locator(".notice[data-key=ended]").get_by_role(
            "button", name="Go to feedback"
        ).click()
        for p in (er, ee):
            wait_phase(p, "Feedback")
            expect(p.page.get_by_role("tab", name="Feedback")).to_have_attribute(
                "aria-selected", "true"
            )
            # the call ended with the interview; its last words are not left in the header
            expect(p.page.locator(".call")).to_have_attribute("data-call-state", "idle")
            expect(p.page.locator(".call")).to_be_hidden()
        expect(ee.page.locator("fieldset.private")).to_contain_text("Private")
        ee.shot("session-feedback-form-interviewee")

        # ------------------------------------------------------------ both submit
        fill_feedback(ee, {"would_work_with": True, "question_quality": 4, "helpfulness": 3,
                           "self_assessment": 2, "notes": "Kind and clear 🙏"})  # fmt: skip
        expect(ee.page.locator(".waiting")).to_contain_text(f"Waiting for {er_name}")
        ee.shot("session-waiting-interviewee")
        fill_feedback(er, {"would_hire": True, "technical": 3, "problem_solving": 4,
                           "communication": 3, "notes": "Tested the edge cases."})  # fmt: skip

        # ------------------------------------------------------------ the reveal
        for p in (er, ee):
            wait_phase(p, "Feedback revealed")
        expect(er.page.locator(".card.theirs dd[data-name=question_quality]")).to_have_text(
            "4 / 4 (Excellent)"
        )
        expect(er.page.locator(".card.theirs")).to_contain_text("Kind and clear")
        assert "How well do you think you did" not in page_text(er)
        expect(ee.page.locator(".card.theirs dd[data-name=technical]")).to_have_text("3 / 4 (Good)")
        cal = ee.page.locator(".card.calibration")
        expect(cal.locator("[data-name=self]")).to_have_text("2/4")
        expect(cal.locator("[data-name=actual]")).to_have_text("3/4")
        expect(cal).to_contain_text("You did better than you thought.")
        er.shot("session-reveal-interviewer")
        ee.shot("session-reveal-interviewee")
        assert_anonymous(er, ee)

        # ------------------------------------------------------------ mutual unmask
        ee.page.get_by_role("button", name="Yes, reveal my identity").click()
        expect(ee.page.get_by_role("button", name="Withdraw my yes")).to_be_visible()
        assert_anonymous(er, ee)  # one yes reveals nothing
        er.page.get_by_role("button", name="Yes, reveal my identity").click()
        expect(er.page.locator(".identity-name")).to_have_text(EE_ID["name"])
        expect(ee.page.locator(".identity-name")).to_have_text(ER_ID["name"])
        expect(ee.page.get_by_role("link", name=ER_ID["profile"])).to_be_visible()
        expect(er.page.get_by_role("link", name=EE_ID["email"])).to_have_attribute(
            "href", f"mailto:{EE_ID['email']}"
        )
        wait_phase(er, "Unmasked")
        er.shot("session-unmasked-interviewer")
        ee.shot("session-unmasked-interviewee")
        assert er.errors() == []
        assert ee.errors() == []


def test_a_declined_unmask_shows_no_names(browser: Browser, server: WebServer) -> None:
    s = create_session(server)
    with participants(
        browser,
        ("interviewer", s["interviewer"]["join_url"]),
        ("interviewee", s["interviewee"]["join_url"]),
    ) as (er, ee):
        wait_phase(er, "Interview in progress")
        wait_phase(ee, "Interview in progress")
        er.page.get_by_role("button", name="End interview").click()
        er.page.get_by_role("dialog").get_by_role("button", name="End interview").click()
        wait_phase(ee, "Feedback")
        ee.page.locator(".notice[data-key=ended]").get_by_role(
            "button", name="Go to feedback"
        ).click()
        fill_feedback(er, {"would_hire": True, "technical": 2, "problem_solving": 3,
                           "communication": 4})  # fmt: skip
        fill_feedback(ee, {"would_work_with": True, "question_quality": 3, "helpfulness": 4,
                           "self_assessment": 3})  # fmt: skip
        for p in (er, ee):
            expect(p.page.get_by_role("button", name="Yes, reveal my identity")).to_be_visible()
        cal = ee.page.locator(".card.calibration")
        expect(cal).to_contain_text("Your interviewer scored you a little below your own guess")
        er.page.get_by_role("button", name="Yes, reveal my identity").click()
        ee.page.get_by_role("button", name="No, stay anonymous").click()
        for p in (er, ee):
            expect(p.page.locator(".unmask-result.sealed")).to_contain_text("No mutual unmask.")
            wait_phase(p, "Closed")
            expect(p.page.get_by_label("Chat message", exact=True)).to_be_disabled()
        assert_anonymous(er, ee)
        er.shot("session-declined-interviewer")
        ee.shot("session-declined-interviewee")
        # the same view in a phone-sized window: nothing overflows sideways
        ee.page.set_viewport_size({"width": 390, "height": 800})
        expect(ee.page.locator(".chat-toggle")).to_have_attribute("aria-expanded", "false")
        assert ee.page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")
        ee.shot("session-declined-interviewee-narrow")
        assert er.errors() == []
        assert ee.errors() == []


def test_offline_edits_converge_and_a_closed_tab_shows_as_left(
    browser: Browser, server: WebServer
) -> None:
    s = create_session(server)
    ee_url = s["interviewee"]["join_url"]
    with participants(
        browser, ("interviewer", s["interviewer"]["join_url"]), ("interviewee", ee_url)
    ) as (er, ee):
        wait_phase(er, "Interview in progress")
        wait_phase(ee, "Interview in progress")
        ee.context.set_offline(True)
        expect(ee.page.locator(".conn")).to_have_attribute("data-state", "offline")
        ee.type_code("written offline\n")
        er.type_code("written meanwhile\n")
        expect(ee.page.locator(".conn-text")).to_contain_text("local changes kept")
        ee.context.set_offline(False)
        er.wait_code_contains("written offline")
        ee.wait_code_contains("written meanwhile")
        assert er.code_text() == ee.code_text()
        assert ee.errors(allow_offline=True) == []

        ee.close()  # the tab goes away and says goodbye: "left", not reconnecting
        expect(er.page.locator(".person.other")).to_have_attribute("data-status", "left")
        er.shot("session-other-left")
        with participants(browser, ("interviewee again", ee_url)) as (back,):
            expect(er.page.locator(".person.other")).to_contain_text("online")
            back.wait_code_contains("written meanwhile")
            assert back.code_text() == er.code_text()
            wait_phase(back, "Interview in progress")
            assert back.errors() == []
        assert er.errors() == []
