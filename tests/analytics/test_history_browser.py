"""The candidate's calibration history in the real browser client, after the reveal."""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e.web_helpers import CHROMIUM, CHROMIUM_ARGS, ensure_web_build
from playwright.async_api import async_playwright

from collab_protocol import EndInterview, FeedbackReveal, FeedbackSubmit
from support.session import HIRE, WORK, Participant, api, phase_is

from .test_people_api import create, interview, person

pytestmark = pytest.mark.usefixtures("close_raw_clients")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


async def test_candidate_sees_their_own_history_after_the_reveal(server):
    ensure_web_build()
    scores = [(3, 2), (2, 3), (4, 3)]  # (actual, guess), then the last one below: (3, 3)
    for i, (actual, guess) in enumerate(scores):
        await interview(
            server, person(f"Ivy{i}", f"int-{i}"), person("Cara", "cand-42"), actual, guess
        )
    s = await create(server, person("Ivy9", "int-9"), person("Cara", "cand-42"))
    a = await Participant.join(server, s["session_id"], s["interviewer"]["token"])
    b = await Participant.join(server, s["session_id"], s["interviewee"]["token"])
    await a.until(phase_is("live"))
    await a.send(EndInterview())
    await b.until(phase_is("feedback"))
    await a.send(FeedbackSubmit({**HIRE, "technical": 3}, nonce="1"))
    await b.send(FeedbackSubmit({**WORK, "self_assessment": 3}, nonce="2"))
    await b.until(lambda m: isinstance(m, FeedbackReveal))

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            # the candidate opens their link again (a second tab): the reveal comes with history
            page = await browser.new_page(viewport={"width": 1200, "height": 1000})
            await page.goto(s["interviewee"]["join_url"])
            card = page.locator("section.history")
            await card.wait_for(timeout=15_000)
            assert await card.get_attribute("data-points") == "4"
            text = await card.inner_text()
            assert "Your last 4 interviews" in text
            _, h = await api(server, "GET", "/api/people/cand-42/calibration")
            assert h["tendency"].startswith("In your last 4 interviews you rated yourself lower")
            assert h["tendency"] in text  # the server's sentence, shown as it is
            assert await card.locator("svg .series.guess rect").count() == 4
            assert await card.locator("svg .series.actual circle").count() == 4
            ARTIFACTS.mkdir(exist_ok=True)
            await page.locator("section.calibration").screenshot(
                path=str(ARTIFACTS / "candidate-history.png")
            )
            # the interviewer's reveal has no history card
            other = await browser.new_page()
            await other.goto(s["interviewer"]["join_url"])
            await other.locator("h2#after-title", has_text="Feedback revealed").wait_for(
                timeout=15_000
            )
            assert await other.locator("section.history").count() == 0
        finally:
            await browser.close()
