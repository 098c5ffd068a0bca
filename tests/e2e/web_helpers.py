"""Helpers for the browser end-to-end tests (tests/e2e/test_web*.py).

- `WebServer`: `python -m collabd serve` as a subprocess on a free loopback port, serving the
  built web client (collabd/web, built from clients/web by `npm run build`).
- `launch_browser`: Debian's Chromium (/usr/bin/chromium) through Playwright, headless, with a
  fresh temporary profile and a fake microphone. Never a downloaded browser.
- `Participant`: one browser context on one join link, with the actions and reads the tests use.
  It records console errors and page errors so tests can assert there were none.

Waiting is always on a condition (Playwright's wait_for_* / expect with a timeout), never a sleep.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Playwright

from support.server import ServerProcess

REPO = Path(__file__).resolve().parents[2]
WEB_SRC = REPO / "clients" / "web"
WEB_OUT = REPO / "collabd" / "web"
ARTIFACTS = REPO / "artifacts" / "web"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]
TIMEOUT_MS = 15_000


def ensure_web_build() -> None:
    """Build the client if collabd/web is missing or older than its sources (its own and the
    client package's)."""
    out = WEB_OUT / "app.js"
    sources = [
        *WEB_SRC.glob("src/*.js"),
        *(WEB_SRC.parent / "js").glob("src/*.js"),  # the client package, bundled from source
        WEB_SRC / "index.html",
        WEB_SRC / "style.css",
        WEB_SRC / "build.mjs",
        WEB_SRC / "package-lock.json",
    ]
    newest = max(p.stat().st_mtime for p in sources)
    if out.exists() and (WEB_OUT / "index.html").exists() and out.stat().st_mtime >= newest:
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed to build the web client (scripts/setup.sh installs it)")
    if not (WEB_SRC / "node_modules").is_dir():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=WEB_SRC, check=True)
    subprocess.run([npm, "run", "build", "--silent"], cwd=WEB_SRC, check=True)


class WebServer(ServerProcess):
    """`python -m collabd serve` on 127.0.0.1 in a child process (tests/support/server.py),
    started synchronously for the sync Playwright tests."""

    def __init__(
        self, data_dir: Path, args: list[str] | None = None, env: dict[str, str] | None = None
    ) -> None:
        super().__init__(data_dir, env=env, args=args)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> WebServer:  # type: ignore[override]
        self.start_blocking(timeout)
        return self

    def token(self, room: str, role: str = "guest", pid: str | None = None) -> str:
        cmd = [
            sys.executable,
            "-m",
            "collabd",
            "token",
            room,
            "--role",
            role,
            "--data-dir",
            str(self.data_dir),
        ]
        if pid:
            cmd += ["--pid", pid]
        return subprocess.check_output(cmd, text=True, env={**os.environ, **self.env}).strip()

    def join_url(self, token: str) -> str:
        return f"{self.base}/join#token={token}"

    def api(self, method: str, path: str, body: Any = None, key: str | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"{self.base}{path}", method=method, data=data)
        req.add_header("Content-Type", "application/json")
        if key:
            req.add_header("Authorization", f"Bearer {key}")
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())


def launch_browser(pw: Playwright) -> Browser:
    # launch() gives every browser a fresh temporary profile (user-data-dir) that Playwright
    # deletes on close; each test context on top of it is isolated (own storage, no shared state).
    return pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


# Console messages that are not errors of the page: a browser going offline in the reconnect
# test logs its failed WebSocket attempts.
EXPECTED_OFFLINE = ("WebSocket connection to", "net::ERR_INTERNET_DISCONNECTED")


@dataclass
class Participant:
    name: str
    context: BrowserContext
    page: Page
    console_errors: list[str] = field(default_factory=list)

    # ---------------------------------------------------------------- setup
    @classmethod
    def open(
        cls, browser: Browser, name: str, url: str, *, width: int = 1366, height: int = 820
    ) -> Participant:
        context = browser.new_context(viewport={"width": width, "height": height})
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        p = cls(name, context, page)

        def on_console(msg: ConsoleMessage) -> None:
            if msg.type == "error":
                p.console_errors.append(f"{msg.text} @ {msg.location}")

        page.on("console", on_console)
        page.on("pageerror", lambda exc: p.console_errors.append(f"pageerror: {exc}"))
        page.goto(url)
        return p

    def close(self) -> None:
        self.context.close()

    def errors(self, allow_offline: bool = False) -> list[str]:
        if not allow_offline:
            return list(self.console_errors)
        return [e for e in self.console_errors if not any(x in e for x in EXPECTED_OFFLINE)]

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path

    # ---------------------------------------------------------------- connection
    def wait_connected(self) -> None:
        self.page.wait_for_selector(".conn[data-state=connected]")

    def conn_state(self) -> str:
        return self.page.get_attribute(".conn", "data-state") or ""

    # ---------------------------------------------------------------- tabs
    def tab(self, name: str) -> None:
        self.page.get_by_role("tab", name=name).click()

    # ---------------------------------------------------------------- code editor
    def type_code(self, text: str) -> None:
        """Type at the end of the editor, as a person would (keyboard events)."""
        self.tab("Code")
        self.page.locator(".cm-content").click()
        self.page.keyboard.press("Control+End")
        self.page.keyboard.type(text)

    def code_text(self) -> str:
        return str(self.page.evaluate("() => window.collabdRoom.editor.view.state.doc.toString()"))

    def wait_code_contains(self, text: str) -> None:
        self.page.wait_for_function(
            "(t) => window.collabdRoom.editor.view.state.doc.toString().includes(t)", arg=text
        )

    # ---------------------------------------------------------------- whiteboard
    def board_items(self) -> list[str]:
        """The whiteboard's accessible content list (one description per element)."""
        return [t for t in self.page.locator(".board-list li[data-type]").all_inner_texts()]

    def board_types(self) -> list[str]:
        return [
            self.page.locator(".board-list li[data-type]").nth(i).get_attribute("data-type") or ""
            for i in range(self.page.locator(".board-list li[data-type]").count())
        ]

    def draw(self, tool: str, start: tuple[float, float], end: tuple[float, float]) -> None:
        """Drag on the canvas with a tool ("Rectangle", "Ellipse", "Line", "Arrow", "Pen")."""
        self.tab("Whiteboard")
        self.page.get_by_role("button", name=tool, exact=True).click()
        box = self.page.locator(".board-canvas").bounding_box()
        assert box is not None
        x0, y0 = box["x"] + start[0], box["y"] + start[1]
        x1, y1 = box["x"] + end[0], box["y"] + end[1]
        self.page.mouse.move(x0, y0)
        self.page.mouse.down()
        for i in range(1, 9):
            self.page.mouse.move(x0 + (x1 - x0) * i / 8, y0 + (y1 - y0) * i / 8)
        self.page.mouse.up()

    def wait_board_count(self, n: int) -> None:
        self.page.wait_for_function(
            "(n) => document.querySelectorAll('.board-list li[data-type]').length === n", arg=n
        )

    # ---------------------------------------------------------------- chat
    def open_chat(self) -> None:
        if self.page.get_attribute(".chat-toggle", "aria-expanded") != "true":
            self.page.locator(".chat-toggle").click()

    def send_chat(self, text: str) -> None:
        self.open_chat()
        box = self.page.get_by_label("Chat message", exact=True)
        box.fill(text)
        box.press("Enter")

    def chat_texts(self) -> list[str]:
        return self.page.locator(".chat-log li[data-id] .chat-text").all_inner_texts()

    def wait_chat(self, text: str) -> None:
        self.page.wait_for_function(
            "(t) => [...document.querySelectorAll('.chat-log li[data-id] .chat-text')]"
            ".some((e) => e.textContent === t)",
            arg=text,
        )


@contextmanager
def participants(
    browser: Browser, *specs: tuple[str, str], **kw: Any
) -> Iterator[list[Participant]]:
    """Open one isolated context per (name, url); close them all afterwards."""
    opened: list[Participant] = []
    try:
        for name, url in specs:
            opened.append(Participant.open(browser, name, url, **kw))
        yield opened
    finally:
        for p in opened:
            p.close()


def fill_feedback(p: Participant, answers: dict[str, Any]) -> None:
    """Fill the role's feedback form as a person would and submit it.

    answers: {"would_hire": True, "technical": 3, ..., "notes": "..."}; yes/no fields are bools.
    """
    form = p.page.locator("form.feedback-form")
    for name, value in answers.items():
        if name == "notes":
            form.locator("textarea[name=notes]").fill(value)
        elif isinstance(value, bool):
            choice = "Yes" if value else "No"
            form.locator("fieldset.yesno").get_by_label(choice, exact=True).check()
        else:
            form.locator(f"fieldset[data-name={name}] input[value='{value}']").check()
    form.get_by_role("button", name="Submit feedback").click()
