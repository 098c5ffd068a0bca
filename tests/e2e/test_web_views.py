"""The browser client's session views in a real Chromium, driven by a scripted room.

Playwright's WebSocket routing stands in for the server's room socket: the test speaks the wire
protocol through the Python reference codec (collab_protocol), so every frame the browser sends
is decoded by the other implementation, and the test can put the client in any state, including
ones the real server makes hard to reach (a reveal that carries a field it must not show). The
full journey against the real server is in test_web_session.py.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from e2e.web_helpers import ARTIFACTS
from playwright.sync_api import Browser, Page, WebSocketRoute, expect

from collab_protocol import (
    Ack,
    ChatHistory,
    ChatMsg,
    ChatPost,
    ChatTyping,
    CollabMessage,
    EndInterview,
    Error,
    FeedbackReveal,
    FeedbackStatus,
    FeedbackSubmit,
    Hello,
    IceServers,
    SessionState,
    Signal,
    SyncStep1,
    SyncStep2,
    UnmaskAnswer,
    UnmaskResult,
    UnmaskStatus,
    Welcome,
    decode_frame,
    encode,
)

ORIGIN = "http://collabd.test"  # never resolved: every request is answered by the test
ER = {"id": "p-er", "name": "Teal Heron", "color": "#1abc9c", "role": "interviewer"}
EE = {"id": "p-ee", "name": "Amber Lynx", "color": "#e67e22", "role": "interviewee"}
LIMITS = {"chat_max_chars": 2000}


def fake_token(role: str, pid: str, room: str = "room-v") -> str:
    body = json.dumps({"room": room, "pid": pid, "role": role, "exp": int(time.time()) + 3600})
    b64 = base64.urlsafe_b64encode(body.encode()).rstrip(b"=").decode()
    return f"v1.{b64}.c2lnbmF0dXJl"  # the client reads the payload; only a server checks the MAC


def participants(phase_status: str = "connected") -> list[dict[str, Any]]:
    return [{**ER, "status": phase_status}, {**EE, "status": phase_status}]


def session(phase: str, **kw: Any) -> SessionState:
    return SessionState(phase=phase, participants=participants(), **kw)


class ScriptedRoom:
    """Answers the browser's room socket: sync with an empty document, then welcome and state."""

    def __init__(self, page: Page, you: dict[str, Any], phase: str = "live") -> None:
        self.page = page
        self.you = you
        self.phase = phase
        self.ws: WebSocketRoute | None = None
        self.received: list[CollabMessage] = []
        self.connections = 0
        page.route_web_socket(re.compile(r".*/rooms/.*"), self._connect)

    def _connect(self, ws: WebSocketRoute) -> None:
        self.ws = ws
        self.connections += 1
        ws.on_message(self._message)

    def _message(self, data: str | bytes) -> None:
        assert isinstance(data, bytes), "the client sends binary frames only"
        for msg in decode_frame(data):  # the Python codec must accept every frame
            if isinstance(msg, SyncStep1):
                self.send(SyncStep2(b"\x00\x00"))
            elif isinstance(msg, Hello):
                self.received.append(msg)
                self.send(Welcome(v=1, room="room-v", you=self.you, limits=LIMITS))
                self.send(session(self.phase, ends_at=int(time.time() * 1000) + 45 * 60_000))
                self.send(IceServers(servers=[], relay_only=True))
                self.send(ChatHistory(messages=[]))
            elif isinstance(msg, CollabMessage):
                self.received.append(msg)

    def send(self, msg: Any) -> None:
        assert self.ws is not None
        self.ws.send(encode(msg))

    def all(self, cls: type[CollabMessage]) -> list[Any]:
        return [m for m in self.received if isinstance(m, cls)]

    def wait_until(self, check: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}: {self.received}")
            # a round trip to the page lets Playwright dispatch the socket events meanwhile
            self.page.evaluate("() => new Promise((r) => requestAnimationFrame(() => r()))")

    def wait_received(self, cls: type[CollabMessage], count: int = 1) -> Any:
        """The count-th message of this class the browser sent, waiting (bounded) for it."""
        self.wait_until(lambda: len(self.all(cls)) >= count, f"{count} x {cls.__name__}")
        return self.all(cls)[count - 1]


@pytest.fixture
def open_room(browser: Browser) -> Iterator[Callable[..., tuple[Page, ScriptedRoom, list[str]]]]:
    contexts = []

    def open_(
        you: dict[str, Any], phase: str = "live", width: int = 1280, height: int = 800
    ) -> tuple[Page, ScriptedRoom, list[str]]:
        ctx = browser.new_context(viewport={"width": width, "height": height})
        ctx.set_default_timeout(10_000)
        contexts.append(ctx)
        page = ctx.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.route(f"{ORIGIN}/**", _serve_web)  # the built client, as the server serves it
        room = ScriptedRoom(page, you, phase)
        page.goto(f"{ORIGIN}/join#token={fake_token(you['role'], you['id'])}")
        expect(page.locator(".conn")).to_have_attribute("data-state", "connected")
        room.wait_received(Hello)
        return page, room, errors

    yield open_
    for ctx in contexts:
        ctx.close()


def _serve_web(route: Any) -> None:
    from e2e.web_helpers import WEB_OUT

    path = route.request.url.split(ORIGIN, 1)[1].split("#")[0].split("?")[0]
    name = {"/": "index.html", "/join": "index.html"}.get(path, path.lstrip("/"))
    file = WEB_OUT / name
    if not file.is_file():
        route.fulfill(status=404, body="not found")
        return
    types = {
        ".js": "text/javascript",
        ".css": "text/css",
        ".html": "text/html",
        ".map": "application/json",
    }
    route.fulfill(
        status=200,
        body=file.read_bytes(),
        content_type=types.get(file.suffix, "application/octet-stream"),
    )


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


# ------------------------------------------------------------------------------------------


def test_hello_then_header_shows_both_pseudonyms_phase_and_time(open_room: Any) -> None:
    page, room, errors = open_room(EE)
    hello = room.wait_received(Hello)
    assert (hello.v, hello.client, hello.chat_after) == (1, "web", 0)
    expect(page.locator(".person.you")).to_contain_text("Amber Lynx")
    expect(page.locator(".person.other")).to_contain_text("Teal Heron")
    expect(page.locator(".person.other")).to_contain_text("Interviewer")
    expect(page.locator(".phase")).to_have_text("Interview in progress")
    expect(page.locator(".timer")).to_contain_text(re.compile(r"^4[45]:\d\d left$"))
    expect(page.get_by_role("button", name="End interview")).to_be_hidden()  # interviewee
    room.send(
        SessionState(
            phase="live",
            participants=[{**ER, "status": "reconnecting"}, {**EE, "status": "connected"}],
        )
    )
    expect(page.locator(".person.other")).to_contain_text("reconnecting")
    assert errors == []


def test_chat_history_unread_typing_and_failed_post(open_room: Any) -> None:
    page, room, errors = open_room(ER, width=700)  # narrow: the chat starts closed
    toggle = page.locator(".chat-toggle")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    room.send(
        ChatHistory(
            messages=[
                {
                    "id": 1,
                    "ts": 1767225661000,
                    "from": {k: EE[k] for k in ("id", "name", "color")},
                    "text": "hi 👋",
                },
            ]
        )
    )
    room.send(
        ChatMsg(
            id=2,
            ts=1767225662000,
            from_={k: EE[k] for k in ("id", "name", "color")},
            text="can you hear me?",
        )
    )
    expect(page.locator(".chat-toggle .badge")).to_have_text("2")
    expect(toggle).to_have_accessible_name("Chat 2 unread")
    shot(page, "views-narrow-unread")
    toggle.click()
    expect(page.locator(".chat-toggle .badge")).to_be_hidden()
    expect(page.locator(".chat-log li[data-id]")).to_have_count(2)

    room.send(ChatTyping(on=True, from_={k: EE[k] for k in ("id", "name", "color")}))
    expect(page.locator(".chat-typing")).to_have_text("Amber Lynx is typing…")

    box = page.get_by_label("Chat message", exact=True)
    box.fill("yes, loud and clear")
    box.press("Enter")
    post = room.wait_received(ChatPost)
    assert post.text == "yes, loud and clear" and post.nonce
    expect(page.locator(".chat-msg.pending")).to_contain_text("sending")
    room.send(Error(code="rate_limited", message="chat rate exceeded", ref=post.nonce))
    expect(page.locator(".chat-msg.failed")).to_contain_text("Not delivered: chat rate exceeded")
    page.get_by_role("button", name="Retry").click()
    retry = room.wait_received(ChatPost, count=2)
    assert retry.text == "yes, loud and clear" and retry.nonce != post.nonce
    room.send(
        ChatMsg(
            id=3,
            ts=1767225663000,
            from_={k: ER[k] for k in ("id", "name", "color")},
            text="yes, loud and clear",
            nonce=retry.nonce,
        )
    )
    expect(page.locator(".chat-msg.pending")).to_have_count(0)
    expect(page.locator(".chat-log li[data-id='3']")).to_contain_text("You")
    shot(page, "views-narrow-chat")
    # nothing overflows sideways on a narrow window
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert errors == []


def test_interviewee_feedback_reveal_calibration_and_unmask(open_room: Any) -> None:
    page, room, errors = open_room(EE)
    room.send(session("feedback", read_only=True, ends_at=int(time.time() * 1000) + 600_000))
    room.send(FeedbackStatus(mine="pending", theirs="pending"))
    # the end is announced; the form does not replace the editor by itself (issue 13)
    notice = page.locator(".notice[data-key=ended]")
    expect(notice).to_contain_text("The interviewer ended the interview")
    expect(page.get_by_role("tab", name="Code")).to_have_attribute("aria-selected", "true")
    notice.get_by_role("button", name="Go to feedback").click()
    expect(page.get_by_role("tab", name="Feedback")).to_have_attribute("aria-selected", "true")
    form = page.locator("form.feedback-form")
    expect(form.locator("fieldset.private legend")).to_contain_text("Private")
    expect(form.locator("fieldset.private")).to_contain_text("Never shown to the interviewer")
    shot(page, "views-feedback-form-interviewee")

    form.get_by_role("button", name="Submit feedback").click()
    expect(form.locator(".field-error:not(:empty)")).to_have_count(4)
    form.locator("fieldset.yesno").get_by_label("Yes").check()
    form.locator("fieldset[data-name=question_quality]").get_by_label("4 · Excellent").check()
    form.locator("fieldset[data-name=helpfulness]").get_by_label("3 · Good").check()
    form.locator("fieldset[data-name=self_assessment]").get_by_label("2 · Mixed").check()
    form.get_by_label("Notes for the interviewer (optional)").fill("Très bonne question 🙏")
    form.get_by_role("button", name="Submit feedback").click()
    sub = room.wait_received(FeedbackSubmit)
    assert sub.form == {
        "would_work_with": True,
        "question_quality": 4,
        "helpfulness": 3,
        "self_assessment": 2,
        "notes": "Très bonne question 🙏",
    }
    room.send(Ack(ref=sub.nonce))
    room.send(FeedbackStatus(mine="submitted", theirs="pending"))
    expect(page.locator(".waiting")).to_contain_text("Waiting for Teal Heron")
    shot(page, "views-waiting")

    room.send(session("revealed", read_only=True, unmask_offered=True))
    room.send(
        FeedbackReveal(
            mine=sub.form,
            theirs={
                "would_hire": True,
                "technical": 3,
                "problem_solving": 4,
                "communication": 3,
                "notes": "Clear reasoning; tested edge cases.",
            },
            calibration={"self": 2, "actual": 3},
        )
    )
    room.send(UnmaskStatus(mine="pending", deadline=int(time.time() * 1000) + 3_600_000))
    expect(page.locator(".card.theirs")).to_contain_text("Would you hire this candidate?")
    expect(page.locator(".card.theirs dd[data-name=technical]")).to_have_text("3 / 4 (Good)")
    cal = page.locator(".card.calibration")
    expect(cal.locator("[data-name=self]")).to_have_text("2/4")
    expect(cal.locator("[data-name=actual]")).to_have_text("3/4")
    expect(cal).to_contain_text("You did better than you thought.")
    expect(cal).to_contain_text("3 or more is roughly hirable")
    expect(page.locator(".card.mine dd[data-name=self_assessment]")).to_have_text("2 / 4 (Mixed)")
    expect(page.locator(".unmask-prompt")).to_contain_text("only if you both say yes")
    shot(page, "views-reveal-interviewee")

    page.get_by_role("button", name="Yes, reveal my identity").click()
    assert room.wait_received(UnmaskAnswer).answer == "yes"
    room.send(UnmaskStatus(mine="yes", deadline=int(time.time() * 1000) + 3_600_000))
    expect(page.get_by_role("button", name="Withdraw my yes")).to_be_visible()
    room.send(session("unmasked", read_only=True))
    room.send(
        UnmaskResult(
            unmasked=True,
            identity={
                "name": "Søren Nakamura 中村",
                "email": "soren@example.com",
                "profile": "https://example.com/in/soren",
            },
        )
    )
    result = page.locator(".unmask-result.unmasked")
    expect(result.locator(".identity-name")).to_have_text("Søren Nakamura 中村")
    expect(result.get_by_role("link", name="soren@example.com")).to_have_attribute(
        "href", "mailto:soren@example.com"
    )
    expect(result.get_by_role("link", name="https://example.com/in/soren")).to_be_visible()
    shot(page, "views-unmasked-interviewee")
    assert errors == []


def test_interviewer_ends_and_never_sees_a_self_assessment(open_room: Any) -> None:
    page, room, errors = open_room(ER)
    page.get_by_role("button", name="End interview").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("End the interview?")
    shot(page, "views-end-dialog")
    dialog.get_by_role("button", name="End interview").click()
    room.wait_received(EndInterview)

    room.send(session("feedback", read_only=True))
    form = page.locator("form.feedback-form")
    expect(form).to_have_attribute("data-role", "interviewer")
    expect(form.locator("fieldset.private")).to_have_count(0)
    # the whole form by keyboard: Tab into each group, arrows pick, Space checks
    form.locator("fieldset.yesno input").first.focus()
    page.keyboard.press("Space")
    for _ in range(3):
        page.keyboard.press("Tab")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Tab")
    page.keyboard.type("Good communication")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    sub = room.wait_received(FeedbackSubmit)
    assert sub.form == {
        "would_hire": True,
        "technical": 3,
        "problem_solving": 3,
        "communication": 3,
        "notes": "Good communication",
    }
    room.send(Error(code="wrong_phase", message="feedback is closed", ref=sub.nonce))
    expect(form.locator(".form-status")).to_have_text("feedback is closed")

    room.send(session("revealed", read_only=True, unmask_offered=False))
    room.send(
        FeedbackReveal(
            mine=sub.form,
            # a server bug or a tampered relay: the private answer must still never be shown
            theirs={
                "would_work_with": False,
                "question_quality": 2,
                "helpfulness": 2,
                "self_assessment": 1,
                "notes": "rushed",
            },
        )
    )
    theirs = page.locator(".card.theirs")
    expect(theirs).to_contain_text("Would you want to work with this interviewer?")
    expect(theirs.locator("dd[data-name=self_assessment]")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text("How well do you think you did")
    expect(page.locator(".card.calibration")).to_have_count(0)
    room.send(session("sealed", read_only=True, close_reason="not_offered"))
    room.send(UnmaskResult(unmasked=False))
    # the candidate would not work with them: unmasking was never offered, and nothing says
    # that anyone "chose" anything (issue 13, item 9)
    sealed = page.locator(".unmask-result.sealed")
    expect(sealed).to_contain_text("Unmasking was not offered")
    expect(sealed).not_to_contain_text("who chose what")
    expect(page.get_by_label("Chat message", exact=True)).to_be_disabled()
    shot(page, "views-sealed-interviewer")
    assert errors == []


def test_incoming_call_rings_and_can_be_declined(open_room: Any) -> None:
    page, room, errors = open_room(EE)
    room.send(
        Signal(
            kind="offer",
            data={"sdp": "v=0\r\n"},
            to=EE["id"],
            from_={k: ER[k] for k in ("id", "name", "color")},
        )
    )
    call = page.locator(".call")
    expect(call).to_have_attribute("data-call-state", "incoming")
    expect(call.get_by_role("button", name="Join call")).to_be_visible()
    # announced where it cannot be missed (issue 13, item 7): a notice with the answer buttons
    # and the tab title; a ring plays when the browser allows sound
    notice = page.locator(".notice[data-key=call]")
    expect(notice).to_contain_text(f"{ER['name']} is calling you.")
    expect(notice.get_by_role("button", name="Join call")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Incoming call"))
    shot(page, "views-incoming-call")
    notice.get_by_role("button", name="Decline").click()
    hangup = room.wait_received(Signal)  # nothing else was sent: the call was never accepted
    assert (hangup.kind, hangup.to) == ("hangup", ER["id"])
    expect(call).to_have_attribute("data-call-state", "idle")
    expect(notice).to_have_count(0)
    expect(page).not_to_have_title(re.compile(r"Incoming call"))
    assert errors == []


def test_start_page_creates_a_practice_session_and_shows_both_links(browser: Browser) -> None:
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = ctx.new_page()
        page.route(f"{ORIGIN}/**", _serve_web)
        calls: list[str] = []

        def practice(route: Any) -> None:
            calls.append(route.request.method)
            route.fulfill(
                status=201,
                content_type="application/json",
                body=json.dumps(
                    {
                        "session_id": "s-1",
                        "links": {
                            "interviewer": "/join#token=v1.aaa.bbb",
                            "interviewee": f"{ORIGIN}/join#token=v1.ccc.ddd",
                        },
                    }
                ),
            )

        page.route(f"{ORIGIN}/api/practice", practice)
        page.goto(f"{ORIGIN}/")
        expect(page.get_by_role("heading", name="collabd")).to_be_visible()
        page.get_by_role("button", name="Start a practice interview").click()
        interviewer = page.get_by_label("Interviewer link")
        expect(interviewer).to_have_value(
            f"{ORIGIN}/join#token=v1.aaa.bbb"
        )  # relative made absolute
        expect(page.get_by_label("Candidate link")).to_have_value(f"{ORIGIN}/join#token=v1.ccc.ddd")
        expect(page.get_by_role("link", name="Open as interviewer")).to_have_attribute(
            "href", f"{ORIGIN}/join#token=v1.aaa.bbb"
        )
        assert calls == ["POST"]
        shot(page, "views-start-links")

        page.unroute(f"{ORIGIN}/api/practice")
        page.route(f"{ORIGIN}/api/practice", lambda r: r.fulfill(status=404, body="{}"))
        page.get_by_role("button", name="Start a practice interview").click()
        expect(page.locator(".start-status")).to_contain_text("does not offer practice sessions")
    finally:
        ctx.close()


def test_a_broken_join_link_shows_one_clear_page(browser: Browser) -> None:
    """Issue 13, item 8: what is wrong and what to do, no raw parser message, nothing editable."""
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        page.route(f"{ORIGIN}/**", _serve_web)
        page.goto(f"{ORIGIN}/join#token=not-a-token")
        expect(page.get_by_role("heading", level=1)).to_have_text("This join link is damaged")
        expect(page.locator("main")).to_contain_text("What to do:")
        expect(page.locator("body")).not_to_contain_text("v1")
        assert page.locator("input, textarea, select, button, [contenteditable]").count() == 0
        expired = fake_token("interviewee", "p-x").split(".")
        body = json.dumps({"room": "r", "pid": "p", "role": "interviewee", "exp": 1})
        expired[1] = base64.urlsafe_b64encode(body.encode()).rstrip(b"=").decode()
        page.goto(f"{ORIGIN}/join#token={'.'.join(expired)}")  # a new hash: the page starts over
        expect(page.get_by_role("heading", level=1)).to_have_text("This join link has expired")
    finally:
        ctx.close()


def test_call_ended_clears_when_the_other_participant_returns(open_room: Any) -> None:
    """Issue 13, item 11: "Call ended: ... left" is old news once they are back."""
    page, room, errors = open_room(EE)
    from_er = {k: ER[k] for k in ("id", "name", "color")}
    room.send(Signal(kind="offer", data={"sdp": "v=0\r\n"}, to=EE["id"], from_=from_er))
    call = page.locator(".call")
    expect(call).to_have_attribute("data-call-state", "incoming")
    room.send(Signal(kind="hangup", data={}, to=EE["id"], from_=from_er))
    # the callee of a call hung up before it was answered: a missed call
    expect(call).to_have_attribute("data-call-state", "missed")
    expect(call.locator(".call-state")).to_have_text(
        "Missed call: The other participant hung up before you answered."
    )

    def with_er(status: str) -> SessionState:
        return SessionState(
            phase="live",
            participants=[{**ER, "status": status}, {**EE, "status": "connected"}],
            ends_at=int(time.time() * 1000) + 600_000,
        )

    room.send(with_er("reconnecting"))
    expect(page.locator(".person.other")).to_contain_text("reconnecting")
    expect(call.locator(".call-state")).to_contain_text("Missed call")
    room.send(with_er("connected"))
    expect(page.locator(".person.other")).to_contain_text("online")
    expect(call.locator(".call-state")).to_have_text("No call")
    assert errors == []
