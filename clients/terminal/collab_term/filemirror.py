"""`--file PATH`: mirror the shared `code` text into a local file, both ways.

* A remote edit rewrites the file atomically (a temporary file in the same directory, then
  `os.replace`), so an editor watching it never reads half a file.
* A change to the file (you saved it in your own editor) is sent as one minimal edit.
* Both at once converge. The file's change is computed against the text the file was last
  written with (the *base*), and applied to a fork of the document as it was at that moment, by
  a client id of its own. The fork's update is then merged into the live document, where Yjs
  integrates it with every remote edit made in the meantime, exactly as if a second editor had
  typed it while offline. The merged text is written back to the file if it differs.

The file is polled (read every `poll` seconds and compared: code files are small, and mtime alone
misses two saves within one timestamp tick); no extra dependency.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import tempfile
from pathlib import Path
from typing import Any

from pycrdt import Doc, Text

from collab_client import Client, apply_edit
from collab_client.positions import diff

log = logging.getLogger("collab_term.file")


class FileMirror:
    def __init__(self, client: Client, path: Path | str, poll: float = 0.1) -> None:
        self.client = client
        self.path = Path(path)
        self.poll = poll
        self.fork_id = random.getrandbits(32)
        self.base: str | None = None
        self.base_update = b""
        self.writes = 0  # files written (remote changes landed)
        self.pushes = 0  # file changes sent
        self._dirty = asyncio.Event()
        self._sub = client.text.observe(lambda _e: self._dirty.set())
        self._task: asyncio.Task[None] | None = None

    def start(self) -> asyncio.Task[None]:
        self._task = asyncio.get_running_loop().create_task(self.run(), name="file-mirror")
        return self._task

    async def stop(self) -> None:
        with contextlib.suppress(ValueError, KeyError):
            self.client.text.unobserve(self._sub)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def run(self) -> None:
        await self.client.wait_for(lambda c: c.synced, timeout=60)
        self._initial()
        while True:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancel that
            # lands as its timeout fires, and this loop would then never stop (a hung Ctrl-C)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll):
                    await self._dirty.wait()
            self._dirty.clear()
            try:
                self.sync_once()
            except OSError as exc:
                log.warning("cannot mirror %s: %s", self.path, exc)

    def _initial(self) -> None:
        shared = str(self.client.text)
        existing = self._read()
        if not shared and existing:
            # an empty room and a file with content: share the file
            self.base = ""
            self.base_update = self.client.doc.get_update()
            self._push(existing)
        self._write(str(self.client.text))

    def _read(self) -> str | None:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            log.warning("%s is not UTF-8; ignoring its change", self.path)
            return self.base

    def sync_once(self) -> None:
        """One round: send the file's change if any, then write the merged text if it differs."""
        content = self._read()
        if content is None:  # deleted: write it again
            self._write(str(self.client.text))
            return
        if content != self.base:
            self._push(content)
        shared = str(self.client.text)
        if shared != self.base:
            if self._read() != self.base:
                return  # saved again meanwhile: push that first, next round
            self._write(shared)

    def _push(self, content: str) -> None:
        assert self.base is not None
        edit = diff(self.base, content)
        if edit is None:
            return
        fork: Doc[Any] = Doc(client_id=self.fork_id)
        fork.apply_update(self.base_update)
        text = fork.get("code", type=Text)
        assert str(text) == self.base
        before = fork.get_state()
        apply_edit(fork, text, self.base, edit)
        self.client.apply_update(fork.get_update(before))
        self.pushes += 1
        self.base = content  # what the file holds; the merged text may differ (written next)
        self.base_update = fork.get_update()

    def _write(self, text: str) -> None:
        directory = self.path.parent
        mode = None
        with contextlib.suppress(FileNotFoundError):
            mode = self.path.stat().st_mode & 0o7777
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".collab", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            if mode is not None:
                os.chmod(tmp, mode)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        self.base = text
        self.base_update = self.client.doc.get_update()
        self.writes += 1
