"""The room framed by another site (docs/embedding.md), in Debian's Chromium.

A host page on another origin (another port of 127.0.0.1) frames both participants' rooms of a
session created with the API key and records every message the rooms post to it. The server
lets that origin frame its pages (`--frame-ancestor`); a page on an origin it does not list is
refused the frame. Through a short interview (end, both forms, the reveal, a declined unmask)
each room tells its parent what happened, to the parent's origin only, with no real identity
and no token; the parent's `theme` and `leave` commands are obeyed, and the same commands from
a window of another origin, or in another version of the format, are ignored.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from e2e.web_helpers import TIMEOUT_MS, WebServer, fill_feedback
from playwright.sync_api import Browser, Frame, Page, expect

from support.net import free_port

API_KEY = "web-embed-api-key"
ER_ID = {"name": "Ingrid Østergaard", "email": "ingrid@example.org"}
EE_ID = {"name": "Kenji Watanabe", "email": "kenji@example.com"}
REAL = ("Ingrid", "Østergaard", "ingrid@example.org", "Kenji", "Watanabe", "kenji@example.com")


class HostSite:
    """A stand-in for the embedder's site: pages by path, served on 127.0.0.1 from a thread."""

    def __init__(self) -> None:
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                body = pages.get(self.path.split("?")[0])
                if body is None:
                    self.send_error(404)
                    return
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def host_page(frames: dict[str, str], room_origin: str) -> str:
    """Frames by id; every message with a `collabd` field lands in window.events, tagged with
    the frame it came from and its origin; command(id, msg) posts to the room's origin."""
    iframes = "\n".join(
        f'<iframe id="{fid}" name="{fid}" src="{src}" width="1000" height="720"></iframe>'
        for fid, src in frames.items()
    )
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>host</title></head>
<body>
<script>
window.events = []
window.addEventListener('message', (e) => {{
  if (!e.data || typeof e.data !== 'object' || !('collabd' in e.data)) return
  const frame = [...document.querySelectorAll('iframe')].find((f) => f.contentWindow === e.source)
  window.events.push({{ from: frame ? frame.id : '?', origin: e.origin, data: e.data }})
}})
window.command = (id, msg) =>
  document.getElementById(id).contentWindow.postMessage(msg, {json.dumps(room_origin)})
</script>
{iframes}
</body></html>"""


# A page of another origin, framed by the host page beside the rooms, that posts commands to
# the interviewee's room (the host page's second frame) as if it were its parent.
FOREIGN = """<!doctype html><html><body><script>
window.attack = (msg) => parent.frames[1].postMessage(msg, '*')
</script></body></html>"""


@pytest.fixture(scope="module")
def hosts() -> Iterator[tuple[HostSite, HostSite]]:
    listed, other = HostSite(), HostSite()
    yield listed, other
    listed.stop()
    other.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory,
           hosts: tuple[HostSite, HostSite]) -> Iterator[WebServer]:
    args = ["--frame-ancestor", hosts[0].origin]
    env = {"COLLABD_API_KEY": API_KEY}
    srv = WebServer(Path(tmp_path_factory.mktemp("collabd-embed")), args, env).start()
    yield srv
    srv.stop()


def events(page: Page, frame: str) -> list[dict[str, Any]]:
    got = page.evaluate("(id) => window.events.filter((e) => e.from === id)", frame)
    return list(got)


def wait_event(page: Page, frame: str, type_: str, **fields: Any) -> None:
    page.wait_for_function(
        """([id, type, fields]) => window.events.some((e) => e.from === id &&
             e.data.type === type && Object.entries(fields).every(([k, v]) => e.data[k] === v))""",
        arg=[frame, type_, fields],
    )


def room_frame(page: Page, name: str) -> Frame:
    frame = page.frame(name=name)
    assert frame is not None
    return frame


def test_a_listed_origin_frames_both_rooms_and_hears_the_interview(
    browser: Browser, server: WebServer, hosts: tuple[HostSite, HostSite]
) -> None:
    listed, other = hosts
    s = server.api("POST", "/api/sessions", {"interviewer": ER_ID, "interviewee": EE_ID},
                   key=API_KEY)
    links = {"interviewer": s["interviewer"]["join_url"],
             "interviewee": s["interviewee"]["join_url"]}
    listed.pages["/interview"] = host_page(
        {**links, "foreign": f"{other.origin}/foreign"}, server.base)
    other.pages["/foreign"] = FOREIGN
    context = browser.new_context(viewport={"width": 2100, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{listed.origin}/interview")
        er, ee = (SimpleNamespace(page=page.frame_locator(f"#{r}")) for r in links)
        for role in links:
            wait_event(page, role, "joined", role=role)
            wait_event(page, role, "phase", phase="live")

        # ------------------------------------------------ commands: the parent's, and others'
        ee_frame = room_frame(page, "interviewee")
        page.evaluate("() => command('interviewee', {collabd: 1, command: 'theme', theme: 'dark'})")
        ee_frame.wait_for_function("() => document.documentElement.dataset.theme === 'dark'")
        ignored = ee_frame.evaluate("() => window.collabdRoom.embed.ignored")
        foreign = room_frame(page, "foreign")
        foreign.evaluate("() => attack({collabd: 1, command: 'theme', theme: 'light'})")
        foreign.evaluate("() => attack({collabd: 1, command: 'leave'})")
        page.evaluate("() => command('interviewee', {collabd: 2, command: 'leave'})")
        page.evaluate("() => command('interviewee', {collabd: 1, command: 'eval', code: '1'})")
        ee_frame.wait_for_function("(n) => window.collabdRoom.embed.ignored >= n + 4", arg=ignored)
        assert ee_frame.evaluate("() => document.documentElement.dataset.theme") == "dark"
        assert ee_frame.evaluate("() => window.collabdRoom.embed.left") is False
        expect(ee.page.locator(".conn[data-state=connected]")).to_be_visible()

        # ------------------------------------------------ a short interview
        er.page.get_by_role("button", name="End interview").click()
        er.page.get_by_role("dialog").get_by_role("button", name="End interview").click()
        for role in links:
            wait_event(page, role, "phase", phase="feedback", previous="live")
        ee.page.get_by_role("tab", name="Feedback").click()
        fill_feedback(er, {"would_hire": True, "technical": 3, "problem_solving": 3,
                           "communication": 4})  # fmt: skip
        wait_event(page, "interviewer", "feedback.submitted")
        assert not any(e["data"]["type"] == "reveal" for e in page.evaluate("window.events"))
        fill_feedback(ee, {"would_work_with": True, "question_quality": 3,
                           "helpfulness": 4, "self_assessment": 3})  # fmt: skip
        for role in links:
            wait_event(page, role, "reveal", unmask_offered=True)
        er.page.get_by_role("button", name="Yes, reveal my identity").click()
        ee.page.get_by_role("button", name="No, stay anonymous").click()
        for role in links:
            wait_event(page, role, "closed", reason="no_mutual_unmask")
            wait_event(page, role, "unmask", unmasked=False)

        for role in links:
            got = events(page, role)
            assert {e["origin"] for e in got} == {server.base}
            seq = [e["data"] for e in got]
            assert all(d["collabd"] == 1 for d in seq)
            names = [d["type"] + (":" + d["phase"] if d["type"] == "phase" else "") for d in seq]
            if "phase:lobby" in names:  # the first to arrive waited in the lobby
                names.remove("phase:lobby")
            assert names[0] == "joined", names
            assert sorted(names) == sorted([
                "joined", "phase:live", "phase:feedback", "feedback.submitted", "reveal",
                "phase:revealed", "unmask", "phase:sealed", "closed"]), names
            order = ["joined", "phase:live", "phase:feedback", "feedback.submitted", "reveal",
                     "unmask"]
            assert [n for n in names if n in order] == order, names
            assert names.index("phase:sealed") + 1 == names.index("closed"), names
            text = json.dumps(seq)
            assert [r for r in REAL if r in text] == [], text
            assert "token" not in text and s[role]["join_url"].split("token=")[1] not in text

        # ------------------------------------------------ leave
        page.evaluate("() => command('interviewee', {collabd: 1, command: 'leave'})")
        wait_event(page, "interviewee", "left")
        expect(ee.page.get_by_role("heading", name="You left the interview room.")).to_be_visible()
        ee_frame.wait_for_function(
            "() => window.collabdRoom.conn.client.status === 'closed'"
            " && !window.collabdRoom.conn.connected")
        assert [e for e in events(page, "foreign")] == []
        assert errors == []
    finally:
        context.close()


def test_an_origin_not_listed_is_refused_the_frame_and_bad_links_are_told(
    browser: Browser, server: WebServer, hosts: tuple[HostSite, HostSite]
) -> None:
    listed, other = hosts
    link = server.join_url(server.token("embed-refused", "guest"))
    other.pages["/room"] = host_page({"room": link}, server.base)
    token = link.split("token=")[1]
    forged = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")  # a signature that fails
    listed.pages["/room"] = host_page({"room": link,
                                       "damaged": f"{server.base}/join#token=not-a-token",
                                       "forged": server.join_url(forged)}, server.base)
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    try:
        refused = context.new_page()
        with refused.expect_console_message(
            lambda m: "frame-ancestors" in m.text and "blocked" in m.text
        ):
            refused.goto(f"{other.origin}/room")
        # the browser's error page stands in for the room
        frame = room_frame(refused, "room")
        frame.wait_for_url("chrome-error://**")
        assert frame.evaluate("() => typeof window.collabdRoom") == "undefined"
        assert refused.evaluate("() => window.events") == []
        # the same link framed by the listed origin opens the room; links that cannot open
        # one say so to the parent, whether the page or the server finds the fault
        allowed = context.new_page()
        allowed.goto(f"{listed.origin}/room")
        wait_event(allowed, "room", "joined", role="guest")
        wait_event(allowed, "damaged", "refused", code="malformed")
        wait_event(allowed, "forged", "refused", code="bad_token")
    finally:
        context.close()
