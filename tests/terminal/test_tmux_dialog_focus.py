"""In a real terminal (the installed `collab-term` in tmux: send-keys, capture-pane) against a
real server process, for both roles: after saving or cancelling the question (f6) or the notes
(f7), what is typed next lands in the code, and Enter is a new line, not the end dialog (also
with the narrow layout, where the side bar and its End button sit under the editor)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from client.helpers import create_session

from support.server import ServerProcess

from .commands import collab_term_command
from .test_tmux_smoke import Tmux

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux (apt-get install tmux)"),
]

TITLES = {"F6": "The question (Markdown)", "F7": "My private notes"}


@pytest.mark.parametrize(("role", "width"), [("interviewer", 150), ("interviewer", 80),
                                             ("interviewee", 150)])
async def test_after_f6_or_f7_typing_goes_to_the_code(tmp_path: Path, clients, role: str,
                                                      width: int):
    proc = ServerProcess(tmp_path / "data")
    running = await proc.start()
    tmux = Tmux(tmp_path)
    try:
        created = await create_session(running)
        other_role = "interviewee" if role == "interviewer" else "interviewer"
        other = await clients(getattr(created, other_role)["join_url"])
        await other.wait_synced()
        other.insert(0, "start\n")
        command = " ".join(collab_term_command() + [f"'{getattr(created, role)['join_url']}'"])
        await tmux.run("new-session", "-d", "-s", "term", "-x", str(width), "-y", "40",
                       command)
        await tmux.wait_screen("connected")
        await tmux.wait_screen("start")
        keys = ["F6", "F7"] if role == "interviewer" else ["F7"]
        typed = "start\n"
        for n, (key, leave) in enumerate((k, leave) for k in keys for leave in ("Escape", "C-s")):
            await tmux.run("send-keys", "-t", "term", key)
            await tmux.wait_screen(TITLES[key])
            if leave == "C-s":
                await tmux.run("send-keys", "-t", "term", "-l", f"saved {n}")
            await tmux.run("send-keys", "-t", "term", leave)
            await tmux.wait_gone(TITLES[key])
            # straight on typing, as a person does: it must land in the code
            await tmux.run("send-keys", "-t", "term", "-l", f"x{n}")
            await tmux.run("send-keys", "-t", "term", "Enter")
            typed += f"x{n}\n"
            try:
                await other.wait_for(lambda c, want=typed: c.code == want, timeout=20)
            except TimeoutError:
                raise AssertionError(
                    f"after {key} then {leave}: code {other.code!r}; screen:\n"
                    f"{await tmux.screen()}") from None
            assert "End the interview for both" not in await tmux.screen()
        assert other.phase == "live"
        await tmux.run("send-keys", "-t", "term", "C-q")
    finally:
        if await tmux.alive():
            await tmux.run("kill-server")
        proc.kill()
