"""collab-term shows runs and the question, keeps a private notes pad, and never runs code
(issue 14), under Textual's Pilot against a real server with an SDK client on the other side."""

from __future__ import annotations

import subprocess

from client.helpers import create_session
from textual.widgets import Static, TextArea

from collab_protocol import RunMsg
from collab_protocol.runorder import order_of
from collab_term.app import ChatLog, CollabTerm, question_markdown, shown_safely
from collab_term.text import run_line
from support.net import wait_until

from .commands import collab_term_command
from .test_app import SIZE, started, visible_lines

HOSTILE = ("# Task\n[bold red]not markup[/] <script>alert(1)</script> ![x](javascript:alert(1))"
           " [evil](javascript:alert(2))")


def question_shown(app: CollabTerm) -> str:
    return "\n".join(visible_lines(app, "#question"))


async def test_runs_and_the_question_are_shown_never_run(server, clients, tmp_path):
    created = await create_session(server)
    other = await clients(created.interviewee["join_url"])
    marker = tmp_path / "pwned"
    app = CollabTerm(created.interviewer["join_url"])
    async with app.run_test(size=SIZE) as pilot:
        await started(app)
        await other.wait_for(lambda c: c.phase == "live")
        await pilot.pause()
        assert "(none yet)" in question_shown(app)
        # the question: set from the terminal with f6, rendered as Markdown, links not opened
        await pilot.press("f6")
        await wait_until(lambda: bool(app.screen.query("#dialog-text")), what="the dialog")
        app.screen.query_one("#dialog-text", TextArea).text = HOSTILE
        await pilot.press("ctrl+s")
        await other.wait_for(lambda c: c.question is not None and c.question.text == HOSTILE)
        await wait_until(lambda: "[bold red]not markup[/]" in question_shown(app),
                         what="the question rendered")
        shown = question_shown(app)
        assert "Task" in shown and "# Task" not in shown  # a heading, not the raw Markdown
        assert "evil" in shown and "evil)" not in shown and "javascript" not in shown

        # a run reported by the other side: shown with its author, output and outcome; the
        # code it names is never executed here (it would create the marker file)
        other.insert(0, f"open({str(marker)!r}, 'w').write('x')\n")
        await other.report_run("python", stdout="hello 🌍\n\x1b[2J\u202eoops\n", exit=0,
                               duration_ms=21)
        await other.report_run("python", stderr="Traceback ...\nZeroDivisionError\n",
                               exception={"type": "ZeroDivisionError",
                                          "message": "division by zero", "line": 3}, exit=1)
        name = other.you["name"]  # type: ignore[index]
        log = app.query_one("#chat-log", ChatLog)
        await wait_until(lambda: "ZeroDivisionError on line 3" in log.text(), what="the runs")
        text = log.text()
        assert f"▶ {name} ran the python code (exit 0, 21 ms)" in text
        assert "hello 🌍" in text
        # control characters from the other side never reach the terminal raw
        assert "\x1b" not in text and "\u202e" not in text and "oops" in text
        await pilot.pause()
        assert not marker.exists()

        # a run with its print order: stdout and stderr interleaved as printed, in the log
        # and in the whole-output view (f3)
        await other.report_run("python", stdout="one\nthree\n", stderr="two\n", exit=0,
                               order=order_of([("stdout", "one\n"), ("stderr", "two\n"),
                                               ("stdout", "three\n")]))
        await wait_until(lambda: "three" in log.text(), what="the ordered run")
        assert "one\ntwo\nthree" in log.text()
        await pilot.press("f3")
        await wait_until(lambda: bool(app.screen.query("#output-text")), what="the output")
        assert app.screen.query_one("#output-text", TextArea).text == "one\ntwo\nthree"
        await pilot.press("escape")


async def test_the_notes_pad_is_private_and_synced(server, clients):
    created = await create_session(server)
    other = await clients(created.interviewer["join_url"])
    same_person = await clients(created.interviewee["join_url"])  # the candidate's 2nd device
    app = CollabTerm(created.interviewee["join_url"])
    async with app.run_test(size=SIZE) as pilot:
        await started(app)
        await pilot.press("f7")
        await wait_until(lambda: bool(app.screen.query("#dialog-text")), what="the notes pad")
        app.screen.query_one("#dialog-text", TextArea).text = "remember: ask about the team ✍️"
        await pilot.press("ctrl+s")
        await same_person.wait_for(
            lambda c: c.notes is not None and c.notes.text.startswith("remember"))
        # reopening the pad shows what was saved (also from the other device)
        await same_person.save_notes("edited elsewhere")
        await wait_until(lambda: app.client is not None and app.client.notes is not None
                         and app.client.notes.text == "edited elsewhere", what="sync")
        await pilot.press("f7")
        await wait_until(lambda: bool(app.screen.query("#dialog-text")), what="the pad again")
        assert app.screen.query_one("#dialog-text", TextArea).text == "edited elsewhere"
        await pilot.press("escape")
        # the interviewee may not set the question: the terminal says so, nothing is sent
        await pilot.press("f6")
        await pilot.pause()
        assert not app.screen.query("#dialog-text")
    assert other.notes is not None and other.notes.text == ""


def run_msg(**fields: object) -> RunMsg:
    return RunMsg(id=1, ts=0, from_={"name": "Tidy Lynx", "color": "#123456"},
                  language="python", exit=0, **fields)  # type: ignore[arg-type]


def test_a_run_line_shows_the_output_in_print_order_with_stderr_in_red():
    run = run_msg(stdout="a\nc\n", stderr="b🌍\n",
                  order=[["stdout", 2], ["stderr", 3], ["stdout", 2]])
    line = run_line(run)
    assert line.plain.endswith("\na\nb🌍\nc")
    red = [line.plain[s.start:s.end] for s in line.spans if str(s.style) == "red"]
    assert red == ["b🌍"]
    # without an order (an older client's run): stdout, then stderr
    assert run_line(run_msg(stdout="a\nc\n", stderr="b\n")).plain.endswith("\na\nc\nb")


def test_help_says_runs_are_never_executed():
    out = subprocess.run([*collab_term_command(), "--help"], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    assert "NEVER executes the other person's code" in out
    assert "f7 your private notes" in out


def test_control_characters_and_odd_links_are_defused():
    assert shown_safely("a\x1b[2Jb\u202ec\td\ne\x85") == "a\\x1b[2Jb\\u202ec\td\ne\\x85"
    md = question_markdown("![x](javascript:alert(1)) [evil](javascript:alert(2)) "
                           "[ok](https://example.com/a_(b)) [t](data:x \"title\")")
    assert md == "x evil [ok](https://example.com/a_(b)) t"


async def test_a_huge_question_is_shown_as_written_and_a_normal_one_rendered(server, clients):
    created = await create_session(server)
    interviewer = await clients(created.interviewer["join_url"])
    app = CollabTerm(created.interviewee["join_url"])
    async with app.run_test(size=SIZE) as pilot:
        await started(app)
        await interviewer.wait_for(lambda c: c.phase == "live")
        # 5000 list items: rendering each as a block froze the screen for minutes
        await interviewer.set_question("- item\n" * 2800)
        await wait_until(lambda: "a long question: shown as written" in str(
            app.query_one("#question-text", Static).render()), what="the long question")
        await pilot.pause()
        assert "- item" in question_shown(app)
        await interviewer.set_question("**Two sum**\n\n- first\n- second")
        await wait_until(lambda: "first" in question_shown(app), what="the short question")
        shown = question_shown(app)
        assert "• first" in shown and "**" not in shown and "- first" not in shown
