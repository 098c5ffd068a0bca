"""docs/embedding.md's snippets (and README's, the same ones) and the three examples, run
against a real `collabd serve`.

Each snippet is taken from the page (the fenced block after `<!-- snippet: NAME -->`) and run
as it is written: the shell and Python ones with the environment the page names, the Node ones
beside the npm packages they import, the host page served from another origin in Chromium.
examples/host-app/host.py and examples/editor-page are started as an embedder would start them
and their pages used in Chromium; examples/node-interview is installed with npm and run.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from e2e.test_web_embed import HostSite, room_frame
from e2e.web_helpers import REPO, TIMEOUT_MS, WebServer
from playwright.sync_api import Browser, expect

from collab_client import Client
from support.net import free_port

API_KEY = "embedding-docs-api-key"
DOC = REPO / "docs" / "embedding.md"
NODE_EXAMPLE = REPO / "examples" / "node-interview"
EDITOR_EXAMPLE = REPO / "examples" / "editor-page"
INTEROP = REPO / "tests" / "interop"
SNIPPET = re.compile(r"<!-- snippet: ([a-z-]+) -->\n```[a-z]+\n(.*?)```", re.S)


def snippets(path: Path = DOC) -> dict[str, str]:
    return dict(SNIPPET.findall(path.read_text()))


@pytest.fixture(scope="module")
def host() -> Iterator[HostSite]:
    site = HostSite()
    yield site
    site.stop()


@pytest.fixture(scope="module")
def example_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def editor_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, host: HostSite,
           example_port: int, editor_port: int) -> Iterator[WebServer]:
    args = ["--frame-ancestor", host.origin,
            "--frame-ancestor", f"http://127.0.0.1:{example_port}",
            "--allow-origin", f"http://127.0.0.1:{editor_port}"]
    srv = WebServer(Path(tmp_path_factory.mktemp("collabd-docs")), args,
                    {"COLLABD_API_KEY": API_KEY}).start()
    yield srv
    srv.stop()


def participant_env(server: WebServer, role: str = "interviewer") -> dict[str, str]:
    people = {"interviewer": {"name": "Ada Example", "email": "ada@acme.example"},
              "interviewee": {"name": "Bo Example", "email": "bo@mail.example"}}
    s = server.api("POST", "/api/sessions", people, key=API_KEY)
    return {**os.environ, "COLLABD_URL": server.base, "COLLABD_API_KEY": API_KEY,
            "JOIN_URL": s[role]["join_url"], "TOKEN": s[role]["token"],
            "ROOM": s["session_id"],
            "OTHER_JOIN_URL": s["interviewee" if role == "interviewer" else "interviewer"][
                "join_url"]}


def run(cmd: list[str], env: dict[str, str], cwd: Path | None = None,
        timeout: float = 60) -> str:
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, f"{cmd} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def node_snippet(code: str, modules: Path, tmp_path: Path, env: dict[str, str]) -> str:
    """Run an ES module as if it sat in a project whose node_modules is `modules`."""
    (tmp_path / "node_modules").symlink_to(modules)
    (tmp_path / "package.json").write_text('{"type": "module"}')
    (tmp_path / "snippet.mjs").write_text(code)
    return run(["node", "snippet.mjs"], env, cwd=tmp_path)


def npm_install(example: Path) -> Path:
    """An example installed with npm, as its README line does."""
    run(["npm", "install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"],
        dict(os.environ), cwd=example, timeout=300)
    return example / "node_modules"


@pytest.fixture(scope="module")
def node_example() -> Path:
    return npm_install(NODE_EXAMPLE)


def test_the_page_has_every_snippet_this_test_runs() -> None:
    assert set(snippets()) == {"create-session", "stock-yjs", "js-client", "python-sdk",
                               "framed-room"}


def test_the_readme_snippets_are_the_pages() -> None:
    readme = snippets(REPO / "README.md")
    assert set(readme) == {"create-session", "js-client"}
    assert readme == {name: snippets()[name] for name in readme}


def test_create_session_snippet(server: WebServer) -> None:
    env = {**os.environ, "COLLABD_URL": server.base, "COLLABD_API_KEY": API_KEY}
    out = json.loads(run(["sh", "-c", snippets()["create-session"]], env))
    assert out["interviewer"]["join_url"].startswith(f"{server.base}/join#token=")
    status = server.api("GET", f"/api/sessions/{out['session_id']}", key=API_KEY)
    assert status["phase"] == "lobby"


def test_stock_yjs_snippet(server: WebServer, tmp_path: Path) -> None:
    env = participant_env(server)
    out = node_snippet(snippets()["stock-yjs"], INTEROP / "node_modules", tmp_path, env)
    assert 'synced: "// typed by a stock Yjs client\\n"' in out

    async def code_seen_by_the_other() -> str:  # the edit reached the server before the close
        other = await Client.connect(env["OTHER_JOIN_URL"])
        try:
            await other.wait_for(lambda c: "stock Yjs" in c.code, timeout=10)
            return other.code
        finally:
            await other.close()

    assert asyncio.run(code_seen_by_the_other()) == "// typed by a stock Yjs client\n"


def test_js_client_snippet(server: WebServer, tmp_path: Path, node_example: Path) -> None:
    out = node_snippet(snippets()["js-client"], node_example, tmp_path,
                       participant_env(server))
    assert "as interviewer in phase lobby" in out and "hello from Node" in out


def test_python_sdk_snippet(server: WebServer, tmp_path: Path) -> None:
    script = tmp_path / "snippet.py"
    script.write_text(snippets()["python-sdk"])
    out = run([sys.executable, str(script)], participant_env(server, "interviewee"))
    assert "as interviewee in phase lobby" in out and "hello from Python" in out


def test_framed_room_snippet(browser: Browser, server: WebServer, host: HostSite) -> None:
    env = participant_env(server)
    page_html = snippets()["framed-room"]
    page_html = page_html.replace("http://127.0.0.1:8080/join#token=PASTE-A-JOIN-TOKEN",
                                  env["JOIN_URL"])
    page_html = page_html.replace("'http://127.0.0.1:8080'", repr(server.base))
    assert env["JOIN_URL"] in page_html and repr(server.base) in page_html
    host.pages["/snippet"] = page_html
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto(f"{host.origin}/snippet")
        expect(page.locator("#status")).to_have_text(re.compile(r"phase: lobby|joined as"))
        page.get_by_role("button", name="Dark").click()
        room_frame(page, "room").wait_for_function(
            "() => document.documentElement.dataset.theme === 'dark'")
        page.get_by_role("button", name="Leave").click()
        expect(page.frame_locator("#room").get_by_role(
            "heading", name="You left the interview room.")).to_be_visible()
    finally:
        context.close()


@contextmanager
def started(cmd: list[str], cwd: Path | None = None) -> Iterator[str]:
    """A long-running example; yields the first line it prints (once it serves)."""
    proc = subprocess.Popen(cmd, cwd=cwd, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


def test_editor_page_example(browser: Browser, server: WebServer, editor_port: int) -> None:
    npm_install(EDITOR_EXAMPLE)
    with started(["node", "server.mjs", server.base, API_KEY, str(editor_port)],
                 cwd=EDITOR_EXAMPLE) as line:
        assert f"open http://127.0.0.1:{editor_port}/" in line, line
        context = browser.new_context()
        context.set_default_timeout(TIMEOUT_MS)
        try:
            er, ee = context.new_page(), context.new_page()
            er.goto(f"http://127.0.0.1:{editor_port}/")
            ee.goto(f"http://127.0.0.1:{editor_port}/candidate")
            expect(er.locator("#status")).to_contain_text("(interviewer), phase live")
            expect(ee.locator("#status")).to_contain_text("(interviewee), phase live")
            er.locator("#code").click()
            er.keyboard.type("def f():\n    return 1\n")
            expect(ee.locator("#code")).to_have_value("def f():\n    return 1\n")
            # the candidate edits in the middle; the interviewer's caret stays at the end
            ee.locator("#code").evaluate("(a) => a.setSelectionRange(4, 4)")
            ee.locator("#code").press("g")
            expect(er.locator("#code")).to_have_value("def gf():\n    return 1\n")
            er.keyboard.type("# end")
            expect(ee.locator("#code")).to_have_value("def gf():\n    return 1\n# end")
        finally:
            context.close()


def test_host_app_example(browser: Browser, server: WebServer, example_port: int) -> None:
    with started([sys.executable, str(REPO / "examples" / "host-app" / "host.py"),
                  "--server", server.base, "--api-key", API_KEY,
                  "--port", str(example_port)]) as line:
        assert f"open http://127.0.0.1:{example_port}/" in line, line
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        try:
            er = context.new_page()
            er.goto(f"http://127.0.0.1:{example_port}/")
            ee = context.new_page()
            ee.goto(f"http://127.0.0.1:{example_port}/candidate")
            for page in (er, ee):
                expect(page.locator("#log li[data-type=joined]")).to_have_count(1)
                expect(page.locator("#status")).to_have_text("Phase: live")
            er.get_by_role("button", name="Dark").click()
            room_frame(er, "room").wait_for_function(
                "() => document.documentElement.dataset.theme === 'dark'")
            ee.get_by_role("button", name="Leave").click()
            expect(ee.locator("#status")).to_have_text("You left")
        finally:
            context.close()


def test_node_interview_example(server: WebServer, node_example: Path) -> None:
    out = run(["node", "interview.mjs", server.base, API_KEY], dict(os.environ),
              cwd=NODE_EXAMPLE, timeout=120)
    assert "unmasked: true the interviewer is Ada Example" in out, out
    assert re.search(r"session \S+ phase unmasked", out), out

