"""--file mode: the shared code mirrored into a local file, with concurrent edits from a file
writer (an editor saving) and a remote client, against a real server."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from client.helpers import create_session

from collab_term.filemirror import FileMirror
from support.net import wait_until


async def live_pair(server, clients):  # type: ignore[no-untyped-def]
    created = await create_session(server)
    a = await clients(created.interviewer["join_url"])
    b = await clients(created.interviewee["join_url"])
    await a.wait_for(lambda c: c.synced and c.phase == "live")
    await b.wait_for(lambda c: c.synced and c.phase == "live")
    return a, b


async def test_file_and_remote_edits_converge(server, clients, tmp_path: Path):
    a, b = await live_pair(server, clients)
    a.insert(0, "def solve():\n    return 42\n")
    await b.wait_for(lambda c: c.code == a.code)
    path = tmp_path / "solution.py"
    mirror = FileMirror(a, path, poll=0.02)
    mirror.start()
    try:
        await wait_until(lambda: path.exists() and path.read_text() == a.code, what="first write")
        # a remote edit rewrites the file atomically (a new inode, never a half-written file)
        inode = path.stat().st_ino
        b.insert(0, "# é🌍 header\n")
        await wait_until(lambda: path.read_text().startswith("# é🌍 header\n"), what="remote")
        assert path.stat().st_ino != inode
        # saving the file sends a minimal edit: the other side sees one small insert
        deltas: list[Any] = []
        sub = b.text.observe(lambda e: deltas.append(e.delta))
        path.write_text(path.read_text() + "print(solve())\n")
        await b.wait_for(lambda c: c.code.endswith("print(solve())\n"))
        b.text.unobserve(sub)
        inserted = [op["insert"] for d in deltas for op in d if "insert" in op]
        assert inserted == ["print(solve())\n"]
        assert not any("delete" in op for d in deltas for op in d)
        # concurrent: each round the writer saves a new line (based on what the file holds at
        # that moment) while a remote insert is still on its way
        for i in range(12):
            content = path.read_text()
            b.insert(0, f"remote {i} 漢\n")
            path.write_text(content + f"file {i} é\n")
            if i % 3 == 0:
                await a.wait_for(lambda c, i=i: f"remote {i} 漢" in c.code)
        want_lines = {f"remote {i} 漢" for i in range(12)} | {f"file {i} é" for i in range(12)}

        def converged() -> bool:
            text = path.read_text()
            return text == a.code == b.code and want_lines <= set(text.splitlines())

        await wait_until(converged, timeout=20, what="file, a and b to converge")
        lines = path.read_text().splitlines()
        assert all(lines.count(line) == 1 for line in want_lines)
        # the file writer's lines stay in the order they were saved
        file_lines = [line for line in lines if line.startswith("file ")]
        assert file_lines == [f"file {i} é" for i in range(12)]
        assert mirror.pushes >= 2 and mirror.writes >= 2  # saves between polls coalesce
    finally:
        await mirror.stop()


async def test_an_existing_file_seeds_an_empty_room(server, clients, tmp_path: Path):
    a, b = await live_pair(server, clients)
    path = tmp_path / "seed.py"
    path.write_text("x = '漢字'\n")
    mirror = FileMirror(a, path, poll=0.02)
    mirror.start()
    try:
        await b.wait_for(lambda c: c.code == "x = '漢字'\n")
        path.unlink()  # deleting the file brings it back
        await wait_until(
            lambda: path.exists() and path.read_text() == "x = '漢字'\n",
            what="the file to come back",
        )
    finally:
        await mirror.stop()
    assert not any(p.name.endswith(".collab") for p in tmp_path.iterdir())  # noqa: ASYNC240


async def test_saving_a_new_file_fills_an_empty_room(server, clients, tmp_path: Path):
    a, b = await live_pair(server, clients)
    path = tmp_path / "off.py"
    mirror = FileMirror(a, path, poll=0.02)
    mirror.start()
    try:
        await wait_until(lambda: path.exists(), what="first write")
        await asyncio.gather(*(c.wait_synced() for c in (a, b)))
        path.write_text("saved 🌍\n")
        await b.wait_for(lambda c: c.code == "saved 🌍\n")
    finally:
        await mirror.stop()
