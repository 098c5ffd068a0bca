"""The JavaScript client package (clients/js): its Node tests, a whole interview between two
package clients against a real server, and `npm pack` installed in a fresh directory."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

from support.server import Running
from support.session import ALICE, BOB, HIRE, WORK, api, create

PKG = Path(__file__).resolve().parents[2] / "clients" / "js"


async def node(*args: str, cwd: Path = PKG, timeout: float = 120) -> str:
    """Run node (or npm) without blocking the loop the in-process server runs on."""
    proc = await asyncio.create_subprocess_exec(
        *args, cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "NO_COLOR": "1"})
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    text = out.decode(errors="replace")
    assert proc.returncode == 0, f"{' '.join(args)} failed:\n{text[-6000:]}"
    return text


async def test_package_unit_tests_and_golden_vectors_pass() -> None:
    files = sorted(str(f.relative_to(PKG)) for f in (PKG / "test").glob("*.test.js"))
    assert len(files) >= 2
    out = await node("node", "--test", *files)
    assert "# fail 0" in out and "# pass " in out


async def test_two_package_clients_run_a_whole_interview_without_leaks(
        server: Running, tmp_path: Path) -> None:
    s = await create(server)
    config = {"interviewer": s["interviewer"]["join_url"],
              "interviewee": s["interviewee"]["join_url"],
              "identities": {"interviewer": ALICE, "interviewee": BOB},
              "hire": HIRE, "work": WORK}
    path = tmp_path / "interview.json"
    path.write_text(json.dumps(config))
    out = await node("node", "test/interview.mjs", str(path))
    report = json.loads(out.strip().splitlines()[-1])
    assert report["ok"]
    for side in ("a", "b"):
        phases = [e for e in report["events"][side] if e.startswith("phase:")]
        assert phases[-3:] == ["phase:feedback", "phase:revealed", "phase:unmasked"], phases
    assert {"chat", "run", "question", "notes", "feedback", "reveal", "unmask",
            "unmaskResult"} <= set(report["events"]["b"])
    status, body = await api(server, "GET", f"/api/sessions/{s['session_id']}")
    assert status == 200 and body["phase"] == "unmasked"


async def test_package_types_accept_use_and_refuse_mistakes() -> None:
    # test/types-check.ts: each @ts-expect-error line must be an error, the rest must compile
    await node(str(PKG / "node_modules" / ".bin" / "tsc"), "-p", "test/tsconfig.json")


SCRIPT = """
import WebSocket from 'ws'
import { CollabClient, SdkError } from '@collabd/client'
const [server, token] = process.argv.slice(2)
const a = await CollabClient.connect(token, { server, WebSocket })
const b = await CollabClient.connect(`${server}/join#token=${token}`, { WebSocket })
a.code.insert(0, 'from the tarball ✓')
await b.waitFor((c) => c.code.toString() === 'from the tarball ✓')
const refused = await CollabClient.connect(token + 'x', { server, WebSocket }).catch((e) => e)
const code = refused instanceof SdkError && refused.code
console.log(JSON.stringify({ you: a.you.role, refused: code }))
a.close()
b.close()
"""


async def test_npm_pack_tarball_installs_and_runs_in_a_fresh_directory(
        server: Running, tmp_path: Path) -> None:
    out = await node("npm", "pack", "--pack-destination", str(tmp_path), "--loglevel=error")
    tarball = tmp_path / out.strip().splitlines()[-1]
    assert tarball.is_file(), out
    listing = await node("tar", "tzf", str(tarball))
    assert "package/src/index.d.ts" in listing and "package/src/schema.generated.js" in listing
    assert "package/test/" not in listing
    app = tmp_path / "app"
    app.mkdir()
    (app / "package.json").write_text(json.dumps({"name": "app", "private": True,
                                                  "type": "module"}))
    await node("npm", "install", "--no-audit", "--no-fund", "--prefer-offline",
               "--loglevel=error", str(tarball), "ws@^8", cwd=app, timeout=300)
    (app / "main.mjs").write_text(SCRIPT)
    token = server.token("packed", pid="p1")
    out = await node("node", "main.mjs", server.http, token, cwd=app)
    assert json.loads(out.strip().splitlines()[-1]) == {"you": "guest", "refused": "bad_token"}
