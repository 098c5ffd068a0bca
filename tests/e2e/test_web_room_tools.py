"""Issue 14 in real browsers against a real `collabd serve`: running code in the browser (Pyodide
served by collabd, JavaScript in a worker) with the result shared with both sides, the time
limit on an infinite loop, hostile Markdown in the question, private notes that never reach the
other side (a scan of every WebSocket frame the other page received), and the replay scrubbed to
a moment compared with what had been typed then. Screenshots go to artifacts/web/.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e.web_helpers import TIMEOUT_MS, Participant, WebServer, fill_feedback, participants
from playwright.sync_api import Browser, ConsoleMessage, Dialog, WebSocket, expect

from collab_client import Client

API_KEY = "web-tools-api-key"
ER_ID = {"name": "Ingrid Østergaard", "email": "ingrid@example.org"}
EE_ID = {"name": "Kenji Watanabe 渡辺", "email": "kenji@example.com"}
RUN_TIMEOUT_MS = 60_000  # the first Python run loads 13 MB of runtime from the server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    srv = WebServer(
        Path(tmp_path_factory.mktemp("collabd-tools")), [], {"COLLABD_API_KEY": API_KEY}
    ).start()
    yield srv
    srv.stop()


def create_session(server: WebServer, **extra: Any) -> dict[str, Any]:
    body = {"interviewer": ER_ID, "interviewee": EE_ID, **extra}
    return dict(server.api("POST", "/api/sessions", body, key=API_KEY))


def live_pair(browser: Browser, s: dict[str, Any]) -> Any:
    return participants(
        browser,
        ("interviewer", s["interviewer"]["join_url"]),
        ("interviewee", s["interviewee"]["join_url"]),
    )


def wait_phase(p: Participant, label: str) -> None:
    expect(p.page.locator(".phase")).to_have_text(label)


def set_language(p: Participant, lang: str) -> None:
    p.tab("Code")
    p.page.get_by_label("Language", exact=True).select_option(lang)


def replace_code(p: Participant, text: str) -> None:
    """Select everything in the editor and type `text` over it, as a person would."""
    p.tab("Code")
    p.page.locator(".cm-content").click()
    p.page.keyboard.press("Control+a")
    p.page.keyboard.press("Delete")
    p.page.keyboard.type(text)


def run_and_wait(p: Participant, count: int) -> None:
    """Press Run and wait until this page lists `count` shared runs (the server's echo)."""
    p.page.get_by_role("button", name="Run ▶").click()
    wait_runs(p, count)


def wait_runs(p: Participant, count: int) -> None:
    p.page.wait_for_function(
        "(n) => document.querySelectorAll('.runs-list li.run-item[data-id]').length >= n",
        arg=count,
        timeout=RUN_TIMEOUT_MS,
    )


def run_items(p: Participant) -> list[dict[str, str]]:
    return list(
        p.page.evaluate(
            """() => [...document.querySelectorAll('.runs-list li.run-item[data-id]')]
              .map((li) => ({
              id: li.dataset.id,
              who: li.querySelector('.run-who').textContent,
              status: li.querySelector('.run-status').textContent,
              stdout: (li.querySelector('.run-out.stdout') || {}).textContent || '',
              stderr: (li.querySelector('.run-out.stderr') || {}).textContent || '',
              kind: li.className,
            }))"""
        )
    )


def test_python_and_javascript_runs_are_seen_on_both_sides(
    browser: Browser, server: WebServer
) -> None:
    s = create_session(server)
    with live_pair(browser, s) as (er, ee):
        wait_phase(er, "Interview in progress")
        wait_phase(ee, "Interview in progress")
        ee_name = ee.page.locator(".person.you .person-name").inner_text()
        er_name = er.page.locator(".person.you .person-name").inner_text()

        # Python, with standard input and an exception with its line; Pyodide comes from collabd
        requests: list[str] = []
        ee.context.on("request", lambda r: requests.append(r.url))
        set_language(ee, "python")
        expect(er.page.get_by_label("Language", exact=True)).to_have_value("python")
        replace_code(ee, 'name = input()\nprint("hello", name, "é🌍")\nprint(10 // 0)\n')
        ee.page.locator(".run-input summary").click()
        ee.page.get_by_label("Standard input for the run").fill("Ada")
        run_and_wait(ee, 1)
        wait_runs(er, 1)
        for p, who in ((ee, "You ran the code"), (er, f"{ee_name} ran the code")):
            [run] = run_items(p)
            assert run["who"] == who
            assert run["stdout"] == "hello Ada é🌍\n"
            assert "ZeroDivisionError" in run["stderr"]
            assert 'File "main.py", line 3' in run["stderr"]
            assert "_collabd_run" not in run["stderr"]  # the harness's frames are cut
            assert run["status"].startswith("exit 1 · line 3 · ")
        ee.shot("tools-run-python-interviewee")
        for name in ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip"):
            assert f"{server.base}/{name}" in requests, (name, requests)
        assert [u for u in requests if not u.startswith((server.base, "data:", "blob:"))] == []

        # JavaScript from the other side: console output, a timer, exit 0
        set_language(er, "javascript")
        expect(ee.page.get_by_label("Language", exact=True)).to_have_value("javascript")
        replace_code(er, 'console.log("sum", [1, 2, 3].reduce((a, b) => a + b))\n'
                         'setTimeout(() => console.log("later", {ok: true}), 20)\n')  # fmt: skip
        run_and_wait(er, 2)
        wait_runs(ee, 2)
        for p, who in ((er, "You ran the code"), (ee, f"{er_name} ran the code")):
            runs = run_items(p)
            assert [r["id"] for r in runs] == sorted((r["id"] for r in runs), key=int)
            assert runs[1]["who"] == who
            assert runs[1]["stdout"] == "sum 6\nlater { ok: true }\n"
            assert runs[1]["status"].startswith("exit 0 · ")

        # TypeScript: types stripped, line numbers kept
        set_language(er, "typescript")
        replace_code(er, "type P = { x: number }\nconst p: P = { x: 2 }\n"
                         "console.log(p.x * 21)\nthrow new RangeError('bad ' + p.x)\n")  # fmt: skip
        run_and_wait(er, 3)
        wait_runs(ee, 3)
        run = run_items(ee)[2]
        assert run["stdout"] == "42\n"
        assert "RangeError: bad 2" in run["stderr"]
        assert run["status"].startswith("exit 1 · line 4 · ")
        er.shot("tools-runs-interviewer")
        ee.shot("tools-runs-interviewee")
        assert er.errors() == [] and ee.errors() == []


def test_an_infinite_loop_stops_at_the_time_limit_and_the_page_stays_responsive(
    browser: Browser, server: WebServer
) -> None:
    s = create_session(server, question="## From the platform\n\nLoop *forever*.")
    with live_pair(browser, s) as (er, ee):
        wait_phase(ee, "Interview in progress")
        for p in (er, ee):  # the embedder's question, rendered
            expect(p.page.locator(".question-body h2")).to_have_text("From the platform")
            expect(p.page.locator(".question-body em")).to_have_text("forever")
        set_language(ee, "python")
        replace_code(ee, 'print("before the loop", flush=True)\nwhile True: pass\n')
        ee.page.get_by_role("button", name="Run ▶").click()
        live = ee.page.locator(".run-item.run-live")
        # the loop started (its first line printed; loading Python does not count)
        expect(live).to_contain_text("before the loop", timeout=RUN_TIMEOUT_MS)
        expect(live).to_contain_text("running…")
        # while the loop spins in its worker the page keeps answering: frames and chat, each
        # checked while the run is still shown as running (no wall-clock bound: the machine
        # may be slow, the order of events is what matters)
        for _ in range(3):
            assert ee.page.evaluate(
                "() => new Promise((r) => requestAnimationFrame("
                "() => r(document.querySelector('.run-item.run-live') !== null)))"
            )
        ee.send_chat("still here while it runs")
        er.wait_chat("still here while it runs")
        wait_runs(ee, 1)
        wait_runs(er, 1)
        for p in (ee, er):
            [run] = run_items(p)
            assert "run-timeout" in run["kind"]
            assert run["status"] == "stopped at the time limit (10 s)"
            assert run["stdout"] == "before the loop\n"  # the output before the stop is kept
        ee.shot("tools-run-timeout")
        # the terminated worker was replaced: the next run works
        replace_code(ee, 'print("after the loop")\n')
        run_and_wait(ee, 2)
        assert run_items(ee)[1]["stdout"] == "after the loop\n"
        assert er.errors() == [] and ee.errors() == []


HOSTILE = """# Reverse a list <script>window.__pwned = 'h1'</script>

Write `reverse(xs)`. **Do not** use `reversed`.

<script>window.__pwned = 'script'</script>
<img src="x" onerror="window.__pwned = 'img'">
<svg onload="window.__pwned = 'svg'"></svg>
<iframe srcdoc="<script>parent.__pwned = 'iframe'</script>"></iframe>
<a href="javascript:window.__pwned = 'a'">raw link</a>

[click me](javascript:window.__pwned='md') and [data](data:text/html,<script>alert(1)</script>)
and [fine](https://example.org/docs) ![tracker](http://127.0.0.1:9/pixel.png)

```python
print("<b>not bold</b>")
```
"""


def test_question_hostile_markdown_renders_inert_and_only_the_interviewer_edits(
    browser: Browser, server: WebServer
) -> None:
    s = create_session(server)
    with live_pair(browser, s) as (er, ee):
        wait_phase(er, "Interview in progress")
        wait_phase(ee, "Interview in progress")
        dialogs: list[str] = []
        requests: list[str] = []

        def on_dialog(d: Dialog) -> None:
            dialogs.append(d.message)
            d.dismiss()

        for p in (er, ee):
            p.page.on("dialog", on_dialog)
            p.page.on("request", lambda r: requests.append(r.url))
        expect(ee.page.get_by_role("button", name="Edit")).to_be_hidden()
        expect(ee.page.locator(".question-body")).to_contain_text("has not set a question")

        er.page.get_by_role("button", name="Edit").click()
        er.page.get_by_label("Question (Markdown)").fill(HOSTILE)
        er.page.get_by_role("button", name="Save question").click()
        for p in (er, ee):
            body = p.page.locator(".question-body")
            expect(body.locator("h1")).to_contain_text("Reverse a list")
            expect(body.locator("strong")).to_have_text("Do not")
            report = p.page.evaluate(
                """() => {
                  const body = document.querySelector('.question-body')
                  const all = [...body.querySelectorAll('*')]
                  return {
                    tags: [...new Set(all.map((e) => e.tagName.toLowerCase()))].sort(),
                    handlers: all.flatMap((e) => [...e.attributes].map((a) => a.name))
                      .filter((n) => n.startsWith('on') || n === 'srcdoc' || n === 'src'),
                    hrefs: [...body.querySelectorAll('a')].map((a) => a.getAttribute('href')),
                    pwned: window.__pwned ?? null,
                    text: body.textContent,
                  }
                }"""
            )
            assert set(report["tags"]) <= {"h1", "p", "code", "strong", "a", "pre"}, report["tags"]
            assert report["handlers"] == []
            assert report["hrefs"] == ["https://example.org/docs"]
            assert report["pwned"] is None
            # the raw HTML is shown as text, not interpreted
            assert '<img src="x" onerror=' in report["text"]
            assert "<script>window.__pwned = 'script'</script>" in report["text"]
            assert 'print("<b>not bold</b>")' in report["text"]
            assert "tracker" in report["text"]
        assert dialogs == []
        assert not [u for u in requests if "pixel.png" in u or u.startswith("data:")]
        er.shot("tools-question-interviewer")
        ee.shot("tools-question-interviewee")

        # the server enforces it: a forged question.set from the interviewee is refused
        forged = "{t: 'question.set', text: '# forged', nonce: 'q-x'}"
        ee.page.evaluate(f"() => window.collabdRoom.conn.send({forged})")
        expect(ee.page.locator(".toast")).to_contain_text("interviewer")
        expect(er.page.locator(".question-body h1")).to_contain_text("Reverse a list")
        expect(ee.page.locator(".question-body h1")).to_contain_text("Reverse a list")
        assert er.errors() == [] and ee.errors() == []


def open_recorded(browser: Browser, name: str, url: str) -> tuple[Participant, list[bytes]]:
    """A participant whose page records every WebSocket frame it receives, from the first one."""
    context = browser.new_context(viewport={"width": 1366, "height": 820})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    p = Participant(name, context, page)
    frames: list[bytes] = []

    def on_ws(ws: WebSocket) -> None:
        ws.on(
            "framereceived",
            lambda payload: frames.append(
                payload if isinstance(payload, bytes) else payload.encode()
            ),
        )

    def on_console(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            p.console_errors.append(msg.text)

    page.on("websocket", on_ws)
    page.on("console", on_console)
    page.on("pageerror", lambda exc: p.console_errors.append(f"pageerror: {exc}"))
    page.goto(url)
    return p, frames


NOTE = "NOTE-SECRET-7f3a would not hire? Ødegaard 😬"
SECOND = " · second device"
REPLAY_CODE = "() => window.collabdRoom.replay.doc.getText('code').toString()"
VISIBLE = "CHAT-VISIBLE-91c2"


def test_notes_are_private_restored_everywhere_and_replay_shows_the_code_of_a_moment(
    browser: Browser, server: WebServer
) -> None:
    s = create_session(server)
    er_url = s["interviewer"]["join_url"]
    ee, ee_frames = open_recorded(browser, "interviewee", s["interviewee"]["join_url"])
    opened = [ee]
    try:
        er = Participant.open(browser, "interviewer", er_url)
        opened.append(er)
        wait_phase(er, "Interview in progress")
        wait_phase(ee, "Interview in progress")

        # ------------------------------------------------------------ private notes
        notes = er.page.get_by_label("Private notes", exact=True)
        notes.fill(NOTE)
        expect(er.page.locator(".notes-status")).to_contain_text("Saved")
        er.send_chat(VISIBLE)
        ee.wait_chat(VISIBLE)
        # reload: restored from the server
        er.page.reload()
        expect(er.page.get_by_label("Private notes", exact=True)).to_have_value(NOTE)
        # another device (a fresh browser context, nothing local) gets them too, and its edit
        # reaches the first one
        other = Participant.open(browser, "interviewer-2", er_url)
        opened.append(other)
        expect(other.page.get_by_label("Private notes", exact=True)).to_have_value(NOTE)
        other.page.get_by_label("Private notes", exact=True).fill(NOTE + SECOND)
        expect(er.page.get_by_label("Private notes", exact=True)).to_have_value(NOTE + SECOND)
        er.shot("tools-notes-interviewer")
        other.close()
        opened.remove(other)

        # ------------------------------------------------------------ a moment to replay
        set_language(ee, "python")
        replace_code(ee, "def part_one():")
        er.wait_code_contains("def part_one():")
        moment_code = ee.code_text()
        er.send_chat("MARK")  # stamped by the server after part one was stored
        ee.wait_chat("MARK")
        ee.type_code(" return 1\nprint(part_one())\n")
        er.wait_code_contains("print(part_one())")
        final_code = ee.code_text()
        assert final_code != moment_code
        er.draw("Rectangle", (120, 120), (300, 220))
        ee.wait_board_count(1)
        run_and_wait(ee, 1)

        # ------------------------------------------------------------ end, feedback, reveal
        er.page.get_by_role("button", name="End interview").click()
        er.page.get_by_role("dialog").get_by_role("button", name="End interview").click()
        wait_phase(ee, "Feedback")
        ee.tab("Feedback")
        er.tab("Feedback")
        fill_feedback(ee, {"would_work_with": True, "question_quality": 4, "helpfulness": 3,
                           "self_assessment": 2, "notes": "Fine."})  # fmt: skip
        fill_feedback(er, {"would_hire": True, "technical": 3, "problem_solving": 3,
                           "communication": 3, "notes": "Good."})  # fmt: skip
        wait_phase(er, "Feedback revealed")
        wait_phase(ee, "Feedback revealed")
        # the notes beside the person's own feedback
        er.tab("Feedback")
        expect(er.page.locator(".my-notes")).to_contain_text(NOTE + SECOND)
        er.page.locator(".my-notes").scroll_into_view_if_needed()
        er.shot("tools-notes-after-interview")

        # ------------------------------------------------------------ the replay
        ee.tab("Replay")
        pane = ee.page.locator(".replay-pane")
        expect(pane).to_have_attribute("data-ready", "true")
        # how long it took is reported, not asserted (timing asserts flake on a busy machine)
        print(f"replay opened in {pane.get_attribute('data-open-ms')} ms")
        assert ee.page.evaluate(REPLAY_CODE) == final_code
        mark_ts, start = ee.page.evaluate(
            """() => {
              const tl = window.collabdRoom.replay.timeline
              return [tl.marks.find((e) => e.k === 'chat' && e.text === 'MARK').ts, tl.start]
            }"""
        )
        # scrub to the middle: the moment of the MARK chat message
        ee.page.get_by_label("Replay position").fill(str(mark_ts - start))
        shown = ee.page.evaluate(REPLAY_CODE)
        assert shown == moment_code
        expect(ee.page.locator(".replay-code .cm-content")).to_have_text(moment_code)
        # events of every kind on the same axis, by pseudonym
        events = ee.page.locator(".replay-events")
        expect(events).to_contain_text("MARK")
        expect(events).to_contain_text("ran the code (python)")
        expect(events).to_contain_text("Phase: Interview in progress")
        ee.shot("tools-replay-middle")
        ee.page.locator(".replay-event.ev-run button").click()
        expect(ee.page.locator(".replay-board .board-list li[data-type]")).to_have_count(1)
        ee.shot("tools-replay-run")
        text = str(ee.page.evaluate("() => document.body.innerText"))
        for real in ("Ingrid", "Østergaard", "Kenji", "Watanabe"):
            assert real not in text

        # ------------------------------------------------------------ the leak scan
        assert ee_frames, "the recorder saw the interviewee's frames"
        assert any(VISIBLE.encode() in f for f in ee_frames), "the scan sees relayed text"
        for needle in (NOTE.encode(), b"NOTE-SECRET-7f3a", b"second device"):
            assert not any(needle in f for f in ee_frames), needle
        assert "NOTE-SECRET" not in text
        assert er.errors() == [] and ee.errors() == []
    finally:
        for p in opened:
            p.close()


def report_run_from_sdk(join_url: str) -> None:
    """The interviewee reports a run from the SDK, as the terminal client does (it runs code on
    its user's machine, never in the browser)."""

    async def main() -> None:
        client = await Client.connect(join_url, client_name="terminal-test")
        try:
            await client.report_run(
                "haskell",
                stdout="<b>ran in my terminal</b>\n",
                stderr="",
                exit=2,
                duration_ms=1234,
            )
        finally:
            await client.close()

    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(main())
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread
            failure.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    assert not thread.is_alive() and failure == [], failure


def test_a_run_reported_by_another_client_is_shown_in_the_browser(
    browser: Browser, server: WebServer
) -> None:
    s = create_session(server)
    with participants(browser, ("interviewer", s["interviewer"]["join_url"])) as [er]:
        er.wait_connected()
        report_run_from_sdk(s["interviewee"]["join_url"])
        wait_runs(er, 1)
        [run] = run_items(er)
        assert run["who"].endswith(" ran the code") and not run["who"].startswith("You")
        assert run["stdout"] == "<b>ran in my terminal</b>\n"  # shown as text
        assert run["status"] == "exit 2 · 1.23 s"
        expect(er.page.locator(".run-item .run-lang")).to_have_text(" · haskell")
        assert er.errors() == []


def test_both_sides_see_a_finished_run_in_print_order(
    browser: Browser, server: WebServer
) -> None:
    s = create_session(server)
    with live_pair(browser, s) as (er, ee):
        wait_phase(er, "Interview in progress")
        set_language(er, "javascript")
        replace_code(er, 'console.log("one")\nconsole.error("two")\nconsole.log("three")\n')
        run_and_wait(er, 1)
        wait_runs(ee, 1)
        # run.msg carries the order (SPEC 8.7 `order`): the other side shows it too, and so
        # does a page loaded afterwards (from run.history)
        printed = [["stdout", "one\n"], ["stderr", "two\n"], ["stdout", "three\n"]]
        assert output_blocks(er) == printed
        assert output_blocks(ee) == printed
        ee.page.reload()
        wait_runs(ee, 1)
        assert output_blocks(ee) == printed
        assert er.errors() == [] and ee.errors() == []


def output_blocks(p: Participant) -> list[list[str]]:
    """The output blocks of the shared runs, in the order shown: [stream, text]."""
    return list(p.page.evaluate(
        """() => [...document.querySelectorAll('.runs-list li.run-item[data-id] .run-out')]
           .map((pre) => [pre.classList.contains('stderr') ? 'stderr' : 'stdout',
                          pre.textContent])"""
    ))
