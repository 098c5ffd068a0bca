"""Smoke test: the real `collab-term` command in tmux (send-keys, capture-pane) against a real
server process, with an SDK client as the other participant."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest
from client.helpers import create_session

from support.net import wait_until
from support.server import ServerProcess

from .commands import collab_term_command

pytestmark = pytest.mark.slow


class Tmux:
    def __init__(self, tmp: Path) -> None:
        self.socket = f"collab-term-test-{os.getpid()}-{id(self)}"
        self.env = {**os.environ, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "xterm-256color"}

    async def run(self, *args: str) -> str:
        proc = await asyncio.create_subprocess_exec(
            "tmux",
            "-L",
            self.socket,
            *args,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"tmux {args[0]} failed: {err.decode(errors='replace')}")
        return out.decode("utf-8", errors="replace")

    async def screen(self) -> str:
        return await self.run("capture-pane", "-p", "-t", "term")

    async def alive(self) -> bool:
        try:
            await self.run("has-session", "-t", "term")
        except RuntimeError:
            return False
        return True

    async def wait_screen(self, needle: str, timeout: float = 20.0) -> str:
        last = ""

        async def check() -> bool:
            nonlocal last
            last = await self.screen()
            return needle in last

        try:
            await wait_until(check, timeout=timeout, what=repr(needle))
        except AssertionError as exc:
            raise AssertionError(f"{exc}; the screen was:\n{last}") from None
        return last

    async def wait_gone(self, needle: str, timeout: float = 20.0) -> None:
        last = ""

        async def check() -> bool:
            nonlocal last
            last = await self.screen()
            return needle not in last

        try:
            await wait_until(check, timeout=timeout, what=f"{needle!r} to go")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; the screen was:\n{last}") from None


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux (apt-get install tmux)")
async def test_collab_term_in_tmux(tmp_path: Path, clients):
    proc = ServerProcess(tmp_path / "data")
    running = await proc.start()
    tmux = Tmux(tmp_path)
    try:
        created = await create_session(running)
        other = await clients(created.interviewee["join_url"])
        await other.wait_synced()
        other.insert(0, "def greet():\n")
        command = " ".join(collab_term_command() + [f"'{created.interviewer['join_url']}'"])
        await tmux.run("new-session", "-d", "-s", "term", "-x", "150", "-y", "40", command)
        await tmux.wait_screen("connected")
        await tmux.wait_screen("def greet():")  # the synced text may be drawn a frame later
        assert other.you is not None
        await tmux.wait_screen(other.you["name"])  # the participants list
        # type into the editor: it reaches the other participant
        # (the caret starts at the end of the text: nobody else has a cursor in it)
        await tmux.run("send-keys", "-t", "term", "-l", "# hé from tmux")
        await tmux.run("send-keys", "-t", "term", "Enter")
        want = "def greet():\n# hé from tmux\n"
        try:
            await other.wait_for(lambda c: c.code == want, timeout=20)
        except TimeoutError:
            raise AssertionError(
                f"code is {other.code!r}; screen:\n{await tmux.screen()}"
            ) from None
        # the other side's edit shows up on the screen
        other.insert(0, "# pairing 漢字\n")
        await tmux.wait_screen("# pairing 漢字")
        # chat both ways
        await tmux.run("send-keys", "-t", "term", "C-t")
        await tmux.run("send-keys", "-t", "term", "-l", "hello from tmux")
        await tmux.run("send-keys", "-t", "term", "Enter")
        try:
            await other.wait_for(lambda c: any(m.text == "hello from tmux" for m in c.chat))
        except TimeoutError:
            raise AssertionError(
                f"chat {[m.text for m in other.chat]} code {other.code!r}; "
                f"screen:\n{await tmux.screen()}"
            ) from None
        await other.post_chat("hi back")
        await tmux.wait_screen("hi back")
        # a long message is shown in full, wrapped in the chat column (it was cut at 39 columns)
        words = [f"w{i:02d}x" for i in range(45)]
        await other.post_chat(" ".join(words))
        screen = await tmux.wait_screen(words[-1])
        assert all(w in screen for w in words), screen
        # quit cleanly: the pane's program exits and the other side sees us go
        await tmux.run("send-keys", "-t", "term", "C-q")

        async def gone() -> bool:
            return not await tmux.alive()

        await wait_until(gone, timeout=20, what="collab-term to exit")
    finally:
        if await tmux.alive():
            await tmux.run("kill-server")
        proc.kill()
