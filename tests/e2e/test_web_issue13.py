"""Issue 13 in two real browsers against a real `collabd serve`: deadlines, closed states, the
time-up moment, drafts, presence while offline, calls that cannot work, the shared language,
a second tab, dark mode, a phone-sized window and an axe-core accessibility check.

Screenshots go to artifacts/web/issue13-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e.web_helpers import REPO, Participant, WebServer, fill_feedback, participants
from playwright.sync_api import Browser, Page, expect

API_KEY = "web-issue13-api-key"
ER_ID = {"name": "Ingrid Østergaard", "email": "ingrid@example.org"}
EE_ID = {"name": "Kenji Watanabe", "email": "kenji@example.com"}
AXE = REPO / "clients" / "web" / "node_modules" / "axe-core" / "axe.min.js"
HIRE = {"would_hire": True, "technical": 3, "problem_solving": 3, "communication": 4}
WORK = {"would_work_with": True, "question_quality": 4, "helpfulness": 3, "self_assessment": 2}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    # relay-only with no TURN server: a call cannot work here, and the client must say so
    srv = WebServer(
        Path(tmp_path_factory.mktemp("collabd-i13")), ["--relay-only"], {"COLLABD_API_KEY": API_KEY}
    ).start()
    yield srv
    srv.stop()


def create(server: WebServer, **options: Any) -> dict[str, Any]:
    body = {"interviewer": ER_ID, "interviewee": EE_ID, "options": options}
    return dict(server.api("POST", "/api/sessions", body, key=API_KEY))


def urls(s: dict[str, Any]) -> tuple[tuple[str, str], tuple[str, str]]:
    return ("interviewer", s["interviewer"]["join_url"]), (
        "interviewee",
        s["interviewee"]["join_url"],
    )


def wait_phase(p: Participant, label: str) -> None:
    expect(p.page.locator(".phase")).to_have_text(label)


def toasts(p: Participant) -> list[str]:
    return list(p.page.evaluate("() => window.collabdRoom.state.toasts.map((t) => t.text)"))


def wait_synced(p: Participant) -> None:
    p.page.wait_for_function("() => window.collabdRoom.conn.synced === true")


def closed_text(p: Participant) -> str:
    return p.page.locator(".after-pane").inner_text()


def axe_serious(page: Page) -> list[str]:
    """axe-core (npm) in the page: violations of impact serious or critical."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'best-practice']}))"
        ".violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')"
        ".map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}`)"
    )
    return list(result)


def test_time_up_deadline_draft_and_expired_feedback(browser: Browser, server: WebServer) -> None:
    s = create(server, interview_seconds=63, feedback_seconds=14)
    with participants(browser, *urls(s)) as (er, ee):
        wait_phase(er, "Interview in progress")
        wait_phase(ee, "Interview in progress")
        # the one-minute warning, then the time-up moment: no form under the fingers
        expect(ee.page.locator(".notice[data-key=timer]")).to_contain_text(
            "1 minute left", timeout=15_000
        )
        ee.type_code("def f():\n    return 1\n")
        expect(ee.page.locator(".notice[data-key=ended]")).to_contain_text(
            "Time is up", timeout=70_000
        )
        expect(ee.page.get_by_role("tab", name="Code")).to_have_attribute("aria-selected", "true")
        ee.shot("issue13-time-up")
        ee.page.locator(".notice[data-key=ended]").get_by_role(
            "button", name="Go to feedback"
        ).click()
        # the feedback deadline is shown (SPEC 8.2: ends_at is the feedback deadline)
        expect(ee.page.locator(".timer")).to_contain_text("to submit feedback")
        expect(ee.page.locator(".after-pane .deadline")).to_contain_text("left to submit")

        # a half-filled form survives a reload; the read-only room raises no toast on load
        form = ee.page.locator("form.feedback-form")
        form.locator("fieldset[data-name=question_quality] input[value='4']").check()
        form.locator("textarea[name=notes]").fill("half a thought")
        ee.page.reload()
        wait_synced(ee)
        form = ee.page.locator("form.feedback-form")
        expect(form.locator("textarea[name=notes]")).to_have_value("half a thought")
        expect(
            form.locator("fieldset[data-name=question_quality] input[value='4']")
        ).to_be_checked()
        assert toasts(ee) == []
        expect(ee.page.locator(".toast")).to_have_count(0)
        fill_feedback(ee, WORK)
        expect(ee.page.locator(".after-pane .waiting")).to_be_visible()
        expect(ee.page.locator(".after-pane .deadline")).to_contain_text("to submit")

        # only the candidate submitted: after the deadline each side gets its own explanation
        er_name = ee.page.locator(".person.other .person-name").inner_text()
        expect(ee.page.locator(".closed-reason")).to_have_attribute(
            "data-reason", "feedback_expired", timeout=25_000
        )
        text = closed_text(ee)
        assert f"before {er_name} submitted theirs" in text
        assert "on its way" not in text
        er.tab("Feedback")
        expect(er.page.locator(".closed-reason")).to_contain_text("before you submitted yours")
        ee.shot("issue13-closed-feedback-expired")
        er.shot("issue13-closed-feedback-expired-interviewer")
        assert ee.errors() == [] and er.errors() == []


def test_ended_in_the_lobby_and_a_late_candidate(browser: Browser, server: WebServer) -> None:
    s = create(server)
    (er_spec, ee_spec) = urls(s)
    with participants(browser, er_spec) as (er,):
        wait_phase(er, "Waiting for the other participant")
        er.page.get_by_role("button", name="End interview").click()
        er.page.get_by_role("dialog").get_by_role("button", name="End interview").click()
        expect(
            er.page.get_by_role("heading", name="This interview ended before it started")
        ).to_be_visible()
        assert "feedback window" not in closed_text(er).lower()
        er.shot("issue13-closed-ended-in-lobby")
    with participants(browser, ee_spec) as (ee,):
        expect(
            ee.page.get_by_role("heading", name="This interview ended before it started")
        ).to_be_visible()
        wait_synced(ee)
        ee.open_chat()
        expect(ee.page.locator(".chat-empty")).to_have_text(
            "No messages were sent in this interview."
        )
        expect(ee.page.locator("body")).not_to_contain_text("Say hello")
        assert toasts(ee) == []
        ee.shot("issue13-closed-ended-in-lobby-late-candidate")
        assert ee.errors() == []


def test_cancelled_session_says_so(browser: Browser, server: WebServer) -> None:
    s = create(server)
    with participants(browser, *urls(s)) as (er, ee):
        wait_phase(ee, "Interview in progress")
        server.api("POST", f"/api/sessions/{s['session_id']}/cancel", {}, key=API_KEY)
        ee.page.locator(".notice[data-key=ended] button", has_text="Go to feedback").click()
        expect(ee.page.get_by_role("heading", name="This interview was cancelled")).to_be_visible()
        ee.shot("issue13-closed-cancelled")
        assert ee.errors() == [] and er.errors() == []


def test_unmask_deadline_and_a_yes_that_was_not_matched(
    browser: Browser, server: WebServer
) -> None:
    s = create(server)
    with participants(browser, *urls(s)) as (er, ee):
        wait_phase(ee, "Interview in progress")
        ee.draw("Rectangle", (60, 60), (200, 140))
        er.wait_board_count(1)
        ee.tab("Code")
        er.page.get_by_role("button", name="End interview").click()
        er.page.get_by_role("dialog").get_by_role("button", name="End interview").click()
        ee.page.locator(".notice[data-key=ended]").get_by_role(
            "button", name="Go to feedback"
        ).click()
        fill_feedback(er, HIRE)
        fill_feedback(ee, WORK)
        for p in (er, ee):
            expect(p.page.locator(".unmask .deadline")).to_contain_text("left to answer")
            expect(p.page.locator(".timer")).to_contain_text("to decide on unmasking")
        ee.page.get_by_role("button", name="Yes, reveal my identity").click()
        expect(ee.page.locator(".unmask")).to_contain_text("You said yes")
        er.page.get_by_role("button", name="No, stay anonymous").click()
        expect(ee.page.locator(".unmask-result.sealed")).to_contain_text("You said yes, but")
        expect(er.page.locator(".unmask-result.sealed")).to_contain_text(
            "You chose to stay anonymous"
        )
        for p in (er, ee):
            text = p.page.locator("body").inner_text()
            assert "who chose what" not in text
            assert "Kenji" not in text and "Ingrid" not in text
        ee.shot("issue13-closed-no-mutual-unmask-yes-side")
        er.shot("issue13-closed-no-mutual-unmask-no-side")
        # after the interview: keep a copy of the code
        expect(ee.page.get_by_role("button", name="Download the code")).to_be_visible()
        with ee.page.expect_download() as dl:
            ee.page.get_by_role("button", name="Download the code").click()
        assert dl.value.suggested_filename == "interview-code.py"
        with ee.page.expect_download() as dl:
            ee.page.get_by_role("button", name="Download the whiteboard (PNG)").click()
        assert dl.value.suggested_filename == "interview-whiteboard.png"
        assert Path(dl.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert ee.errors() == [] and er.errors() == []


def test_presence_language_calls_tabs_theme_and_accessibility(
    browser: Browser, server: WebServer
) -> None:
    s = create(server)
    with participants(browser, *urls(s)) as (er, ee):
        wait_phase(er, "Interview in progress")
        wait_phase(ee, "Interview in progress")
        wait_synced(er)
        wait_synced(ee)
        # the default language is written into the shared meta, so every client agrees
        for p in (er, ee):
            p.page.wait_for_function(
                "() => window.collabdRoom.doc.getMap('meta').get('language') === 'python'"
            )
        # a language switch by the other side is announced
        ee.page.get_by_label("Language").select_option("go")
        expect(er.page.locator(".notice[data-key=language]")).to_contain_text(
            "switched the editor language to Go"
        )
        expect(ee.page.locator(".notice[data-key=language]")).to_have_count(0)

        # a call cannot work on a relay-only server without TURN: said at once
        er.page.get_by_role("button", name="Start call").click()
        expect(er.page.locator(".call-state")).to_contain_text("no relay (TURN) server")

        # while your own connection is down the other side is not shown as online
        expect(er.page.locator(".person.other")).to_contain_text("online")
        er.context.set_offline(True)
        expect(er.page.locator(".person.other")).to_contain_text("status unknown")
        # (the server side of a silent drop is tested over a stalling TCP relay in
        # tests/server/test_presence.py: Chromium's offline emulation keeps answering pings)
        er.context.set_offline(False)
        expect(er.page.locator(".person.other")).to_contain_text("online")
        expect(ee.page.locator(".person.other")).to_contain_text("online")

        # accessibility in both themes; screenshots of both
        er.type_code("print('hello')\n")
        er.send_chat("Can you hear me?")
        ee.wait_chat("Can you hear me?")
        assert axe_serious(ee.page) == []
        ee.shot("issue13-room-light")
        ee.page.get_by_role("button", name="Dark mode").click()
        expect(ee.page.locator("html")).to_have_attribute("data-theme", "dark")
        assert axe_serious(ee.page) == []
        ee.shot("issue13-room-dark")

        # a second tab on the same link is told the room is open elsewhere
        second = ee.context.new_page()
        second.goto(s["interviewee"]["join_url"])
        expect(second.locator(".notice[data-key=tab]")).to_contain_text("also open in another tab")
        expect(ee.page.locator(".notice[data-key=tab]")).to_contain_text("also open in another tab")
        second.close()
        assert er.errors(allow_offline=True) == [] and ee.errors() == []


def test_phone_sized_header(browser: Browser, server: WebServer) -> None:
    s = create(server)
    with participants(browser, *urls(s), width=390, height=844) as (er, ee):
        expect(ee.page.locator(".timer")).to_contain_text("left")
        header = ee.page.locator(".room-header").bounding_box()
        row = ee.page.locator(".person.you").bounding_box()
        assert header is not None and row is not None
        assert header["height"] <= 2 * row["height"] + 40, header  # one or two rows
        assert ee.page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        ee.shot("issue13-phone-header")
