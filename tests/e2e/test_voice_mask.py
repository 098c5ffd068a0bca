"""The masked voice, end to end: Debian's Chromium speaks a WAV made by espeak-ng (a low and a
high voice) into a call through the project's TURN server (relay-only, 127.0.0.1); an aiortc peer
receives it, and Praat (parselmouth) measures the received pitch. Unmasked, the two voices keep
their real difference; masked, both land in the neutral band (docs/voice.md), with their speech
energy and duration kept."""

from __future__ import annotations

import asyncio
import contextlib
import math
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import parselmouth
import pytest
from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription
from aiortc.sdp import candidate_from_sdp
from e2e.web_helpers import CHROMIUM, CHROMIUM_ARGS, ensure_web_build
from playwright.async_api import async_playwright

from collab_protocol import Error, IceServers, Signal
from support.server import in_process
from support.session import Participant, create, phase_is
from support.turn import TurnServer

pytestmark = pytest.mark.usefixtures("close_raw_clients")

TEXT = ("The quick brown fox jumps over the lazy dog. We could solve this problem with a hash "
        "map and two pointers, in linear time.")
VOICES = {"low": ["-v", "en-us", "-p", "40"], "high": ["-v", "en-us+f3", "-p", "60"]}
TARGET_HZ = 160.0  # voice-mask.js TARGET_HZ
SETTLE_S = 3.0  # received audio skipped: the mask learns the speaker's F0 meanwhile
ANALYSE_S = 6.0  # then this much is measured


def semitones(a: float, b: float) -> float:
    return 12 * math.log2(a / b)


@dataclass
class Voice:
    f0: float  # median F0 of the voiced frames, Hz
    rms_db: float  # level of the voiced frames
    voiced_s: float  # voiced time


def measure(samples: np.ndarray, rate: int) -> Voice:
    snd = parselmouth.Sound(samples.astype(np.float64), sampling_frequency=rate)
    pitch = snd.to_pitch(time_step=0.01, pitch_floor=60, pitch_ceiling=500)
    f0 = pitch.selected_array["frequency"]
    voiced = f0 > 0
    times = pitch.xs()
    idx = np.clip((times * rate).astype(int), 0, len(samples) - 1)
    half = int(0.01 * rate)
    energy = [float(np.mean(samples[max(0, i - half):i + half] ** 2)) for i in idx[voiced]]
    return Voice(float(np.median(f0[voiced])), 10 * math.log10(float(np.mean(energy))),
                 float(voiced.sum()) * 0.01)


@pytest.fixture(scope="module")
def voices(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    espeak = shutil.which("espeak-ng")
    assert espeak, "espeak-ng is needed (scripts/setup.sh installs it)"
    out = tmp_path_factory.mktemp("voices")
    made = {}
    for name, args in VOICES.items():
        path = out / f"{name}.wav"
        subprocess.run([espeak, *args, "-s", "150", "-w", str(path), TEXT], check=True)
        made[name] = path
    return made


@pytest.fixture
def turn(tmp_path: Path):  # type: ignore[no-untyped-def]
    server = TurnServer(tmp_path / "turn").start()
    yield server
    server.stop()


async def receive_call(page: Any, server: Any, turn: TurnServer, policy: str) -> np.ndarray:
    """The page (interviewer) calls; an aiortc interviewee answers and records what it hears.
    Returns mono float samples at 48 kHz, from the first sound on."""
    s = await create(server, relay_only=True, voice_mask=policy)
    b = await Participant.join(server, s["session_id"], s["interviewee"]["token"])
    ice: IceServers = await b.until(lambda m: isinstance(m, IceServers))
    assert ice.voice_mask == policy
    await page.goto(f"{server.http}/join#token={s['interviewer']['token']}")
    await b.until(phase_is("live"))
    masked = policy == "required"
    await page.wait_for_function(
        "(m) => { const c = document.querySelector('.call'); const b = c && c.querySelector"
        "('.call-start'); return b && !b.disabled && c.dataset.masked === m }",
        arg=str(masked).lower())
    if masked:  # required: the choice is locked on, and the preview plays the masked voice
        assert await page.is_disabled(".call-mask")
        await page.click(".call-preview")
        info = page.locator(".call-mask-info")
        await info.filter(has_text="sent at").wait_for()
        sent = float((await info.text_content() or "").split("sent at ~")[1].split(" ")[0])
        assert abs(semitones(sent, TARGET_HZ)) < 3, await info.text_content()
        await page.click(".call-preview")
        await page.locator(".call-preview[aria-pressed='false']").wait_for()
    await page.click(".call-start")

    offer = await b.until(lambda m: isinstance(m, Signal) and m.kind == "offer", timeout=30)
    assert offer.masked is masked  # the other side is told whether the voice it hears is masked
    after_offer = len(b.received)  # candidates trickled after the offer are read from here
    servers = [RTCIceServer(urls=x["urls"], username=x.get("username"),
                            credential=x.get("credential")) for x in ice.servers]
    pc = RTCPeerConnection(RTCConfiguration(iceServers=servers))
    tracks: asyncio.Queue[Any] = asyncio.Queue()
    pc.on("track", tracks.put_nowait)
    to = s["interviewer"]["pid"]
    try:
        await pc.setRemoteDescription(RTCSessionDescription(offer.data["sdp"], "offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        # a required session refuses an unmasked answer: this peer says it is masked there
        await b.send(Signal("answer", {"sdp": pc.localDescription.sdp, "type": "answer"}, to=to,
                            masked=masked))

        async def trickle() -> None:  # the browser's candidates, as they come
            for m in b.received[after_offer:]:
                await take(m)
            while True:
                for m in await b.c.recv(60):
                    await take(m)

        async def take(m: Any) -> None:
            if isinstance(m, Error):
                raise AssertionError(f"server refused a signal: {m}")
            if isinstance(m, Signal) and m.kind == "ice" and m.data.get("candidate"):
                c = candidate_from_sdp(m.data["candidate"].split(":", 1)[1])
                c.sdpMid, c.sdpMLineIndex = m.data.get("sdpMid"), m.data.get("sdpMLineIndex")
                await pc.addIceCandidate(c)

        trickling = asyncio.create_task(trickle())
        try:
            track = await asyncio.wait_for(tracks.get(), 30)
            if masked:  # the caller's page shows the answerer's claim
                await page.wait_for_function(
                    "() => document.querySelector('.call').dataset.peerMasked === 'true'")
            need = int((SETTLE_S + ANALYSE_S) * 48000)
            chunks: list[np.ndarray] = []
            got = 0
            while got < need:
                if trickling.done():
                    trickling.result()  # raises what went wrong there
                frame = await asyncio.wait_for(track.recv(), 15)
                assert frame.sample_rate == 48000
                pcm = frame.to_ndarray().reshape(-1, len(frame.layout.channels))[:, 0]
                x = pcm.astype(np.float32) / 32768.0
                if not chunks and float(np.max(np.abs(x))) < 0.01:
                    continue  # silence before the first sound does not count
                chunks.append(x)
                got += len(x)
            return np.concatenate(chunks)[:need]
        finally:
            trickling.cancel()
    finally:
        with contextlib.suppress(Exception):
            await b.send(Signal("hangup", {}, to=to))
        await pc.close()


async def test_masked_voices_land_in_one_band_unmasked_keep_their_difference(tmp_path, turn,
                                                                             voices):
    ensure_web_build()
    settings = {"turn_urls": (turn.url,), "turn_secret": turn.secret, "relay_only": True}
    results: dict[tuple[str, str], Voice] = {}
    sources = {name: measure(*wav_samples(path)) for name, path in voices.items()}
    async with in_process(tmp_path / "d", settings=settings) as server, \
            async_playwright() as pw:
        for name, wav in voices.items():
            browser = await pw.chromium.launch(
                executable_path=CHROMIUM, headless=True,
                args=[*CHROMIUM_ARGS, f"--use-file-for-fake-audio-capture={wav}",
                      "--autoplay-policy=no-user-gesture-required"])
            try:
                for policy in ("optional", "required"):
                    context = await browser.new_context()
                    page = await context.new_page()
                    try:
                        audio = await receive_call(page, server, turn, policy)
                    finally:
                        await context.close()
                    start = int(SETTLE_S * 48000)
                    results[(name, policy)] = measure(audio[start:], 48000)
            finally:
                await browser.close()

    for name, v in sources.items():
        print(f"source {name}: F0 {v.f0:.1f} Hz, voiced {v.voiced_s:.2f} s")
    for (name, policy), v in results.items():
        label = "masked" if policy == "required" else "plain"
        print(f"received {name} {label}: F0 {v.f0:.1f} Hz, level {v.rms_db:.1f} dB, "
              f"voiced {v.voiced_s:.2f} s of {ANALYSE_S:.0f} s")
    real = semitones(sources["high"].f0, sources["low"].f0)
    plain = semitones(results[("high", "optional")].f0, results[("low", "optional")].f0)
    masked = semitones(results[("high", "required")].f0, results[("low", "required")].f0)
    print(f"difference high-low: source {real:.1f}, plain {plain:.1f}, masked {masked:.1f} "
          f"semitones")
    assert real > 9  # the two voices really are a low and a high one
    assert abs(plain - real) < 1.5  # unmasked: the call keeps the real difference
    assert abs(masked) < 3  # masked: within a few semitones of each other
    for name in voices:
        m, p = results[(name, "required")], results[(name, "optional")]
        assert abs(semitones(m.f0, TARGET_HZ)) < 3, (name, m.f0)  # in the neutral band
        assert abs(m.rms_db - p.rms_db) < 6, (name, m.rms_db, p.rms_db)  # energy kept
        assert 0.75 < m.voiced_s / p.voiced_s < 1.33, (name, m.voiced_s, p.voiced_s)


def wav_samples(path: Path) -> tuple[np.ndarray, int]:
    snd = parselmouth.Sound(str(path))
    return snd.values[0].astype(np.float32), int(snd.sampling_frequency)
