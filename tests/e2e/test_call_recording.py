"""The call in the replay, end to end (SPEC 14.4): two pages of Debian's Chromium, with a fake
microphone fed from an espeak-ng WAV, hold a practice interview through the project's TURN
server (relay-only, 127.0.0.1). Both allow the recording; each page records its own outgoing
audio and uploads it. The stored chunks are checked against the session's timeline, and the
replay page loads both tracks and keeps them at the replay clock."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from e2e.web_helpers import CHROMIUM, CHROMIUM_ARGS, ensure_web_build
from playwright.async_api import async_playwright

from collab_protocol import FeedbackReveal, FeedbackSubmit
from support.net import wait_until
from support.server import in_process
from support.session import HIRE, WORK, Participant, api
from support.turn import TurnServer

pytestmark = pytest.mark.usefixtures("close_raw_clients")

TEXT = "We could solve this with a hash map and two pointers, in linear time."
CHUNKS_EACH = 3  # chunks (about a second each) both sides upload before the interview ends


@pytest.fixture
def turn(tmp_path: Path):  # type: ignore[no-untyped-def]
    server = TurnServer(tmp_path / "turn").start()
    yield server
    server.stop()


def speech(tmp_path: Path) -> Path:
    espeak = shutil.which("espeak-ng")
    assert espeak, "espeak-ng is needed (scripts/setup.sh installs it)"
    path = tmp_path / "voice.wav"
    subprocess.run([espeak, "-v", "en-us", "-s", "150", "-w", str(path), TEXT], check=True)
    return path


def token_of(link: str) -> str:
    return link.split("#token=", 1)[1]


async def test_a_recorded_practice_interview_replays_both_voices_in_time(tmp_path, turn):
    ensure_web_build()
    settings = {"turn_urls": (turn.url,), "turn_secret": turn.secret, "relay_only": True}
    wav = speech(tmp_path)
    async with in_process(tmp_path / "d", settings=settings) as server, \
            async_playwright() as pw:
        status, created = await api(server, "POST", "/api/practice", key="")
        assert status == 201
        sid, links = created["session_id"], created["links"]
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=[*CHROMIUM_ARGS, f"--use-file-for-fake-audio-capture={wav}",
                  "--autoplay-policy=no-user-gesture-required"])
        try:
            pages = {}
            for role in ("interviewer", "interviewee"):
                context = await browser.new_context()
                pages[role] = await context.new_page()
                await pages[role].goto(links[role])
            er, ee = pages["interviewer"], pages["interviewee"]

            # consent before the call; the indicator once both agreed
            for page in (er, ee):
                await page.locator(".recording-yes").click()
            for page in (er, ee):
                await page.locator(".recording[data-on='true'] .recording-badge").wait_for()

            # the call, through TURN
            await er.wait_for_function(
                "() => { const b = document.querySelector('.call-start'); "
                "return b && !b.disabled }")
            await er.locator(".call-start").click()
            await ee.locator(".call-start", has_text="Join call").click()
            for page in (er, ee):
                await page.locator(".call[data-call-state='connected']").wait_for(timeout=30000)

            session = (await api(server, "GET", f"/api/sessions/{sid}"))[1]
            pids = {p["role"]: p["id"] for p in session["participants"]}
            store = server.hub.store

            def chunks() -> list[tuple[Any, ...]]:
                return store.recording_after(sid, 0, 1 << 30)[0]

            await wait_until(lambda: all(sum(r[1] == pid for r in chunks()) >= CHUNKS_EACH
                                         for pid in pids.values()),
                             timeout=60, what="both sides' recorded chunks")
            status, ended = await api(server, "POST", f"/api/sessions/{sid}/end")
            assert status == 200
            for page in (er, ee):  # the call ends with the interview, and so does recording
                await page.locator(".recording-badge").wait_for(state="hidden")

            # the stored chunks against the session's timeline
            status, body = await api(server, "GET", f"/api/sessions/{sid}/timeline")
            events = body["events"]
            call_start = min(e["ts"] for e in events if e["k"] == "call" and e["what"] == "start")
            feedback_at = next(e["ts"] for e in events if e["k"] == "phase"
                               and e["phase"] == "feedback")
            rows = chunks()
            runs: dict[tuple[str, int], list[tuple[Any, ...]]] = {}
            for r in rows:
                runs.setdefault((r[1], r[2]), []).append(r)
            assert {pid for pid, _ in runs} == set(pids.values())
            for parts in runs.values():
                assert [p[3] for p in parts] == list(range(len(parts)))  # no gaps
                ts = [p[4] for p in parts]
                assert ts == sorted(ts)
                # after the call started (the recorder starts once it connects), before the end
                assert call_start <= ts[0] and ts[-1] <= feedback_at, (call_start, ts,
                                                                       feedback_at)
                assert session["started_at"] <= ts[0] and ts[-1] <= ended["ended_at"]
                assert all(0 <= p[5] <= 10_000 for p in parts)
                assert bytes(parts[0][6])[:4] == b"\x1a\x45\xdf\xa3"  # a WebM file starts here
            print("runs:", {f"{pid[:6]}/{run}": [(p[4] - call_start, p[5], len(p[6]))
                                                 for p in parts][:4]
                            for (pid, run), parts in runs.items()})

            # the reveal (forms sent on second connections of the same participants)
            for role, form in (("interviewer", HIRE), ("interviewee", WORK)):
                p = await Participant.join(server, sid, token_of(links[role]))
                await p.send(FeedbackSubmit(form))
            await p.until(lambda m: isinstance(m, FeedbackReveal))

            # the replay: both voices, at the replay clock
            await ee.get_by_role("tab", name="Replay").click()
            pane = ee.locator(".replay-pane")
            await pane.locator(".replay-scrubber:not([disabled])").wait_for()
            await ee.wait_for_function(
                "(n) => Number(document.querySelector('.replay-pane').dataset.audioTracks) === n",
                arg=len(runs))
            voices = ee.locator("audio.replay-voice")
            assert sorted(set(await voices.evaluate_all(
                "(els) => els.map((e) => e.dataset.by)"))) == sorted(pids.values())
            start = await ee.evaluate("() => window.collabdRoom.replay.timeline.start")
            first = min(parts[0][4] for parts in runs.values())
            at = first + 1500  # 1.5 s into the earliest track
            await ee.get_by_label("Replay position").fill(str(at - start))
            placed = """(t) => [...document.querySelectorAll('audio.replay-voice')].every((e) => {
                const want = Math.max(0, (t - Number(e.dataset.start)) / 1000)
                return Math.abs(e.currentTime - want) < 0.05 && e.paused })"""
            await ee.wait_for_function(placed, arg=at)
            # playing at 1x plays the tracks the clock is inside; pausing pauses them
            await ee.locator(".replay-speed").select_option("1")
            await ee.locator(".replay-play").click()
            await ee.wait_for_function(
                """(t0) => [...document.querySelectorAll('audio.replay-voice')].some(
                    (e) => !e.paused && e.currentTime > (t0 - Number(e.dataset.start)) / 1000)""",
                arg=at)
            await ee.locator(".replay-play").click()
            await ee.wait_for_function(
                "() => [...document.querySelectorAll('audio.replay-voice')].every((e) => e.paused)")
        finally:
            await browser.close()
