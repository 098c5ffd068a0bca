"""The built wheel serves the whole web client from a fresh venv with no Node.js; without a
bundle the server says so (issue 16 item 1)."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from support.net import free_port
from support.server import in_process

REPO = Path(__file__).resolve().parents[2]


def copy_sources(dest: Path) -> None:
    """The repository's files as a fresh clone has them (no node_modules, no built bundle)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, listed):
        src = REPO / name.decode()
        if src.is_file():
            (dest / name.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name.decode())


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_healthy(proc: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        try:
            if get(base + "/healthz")[0] == 200:
                return
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.05)  # polling interval of the health check
    raise AssertionError(f"server did not start: {log.read_text()}")


@pytest.mark.slow
def test_the_wheel_serves_the_web_client_without_node(tmp_path: Path) -> None:
    src, dist = tmp_path / "src", tmp_path / "dist"
    copy_sources(src)
    assert not (src / "collabd" / "web").exists()
    # sdist first (the hook builds the client into it), then the wheel from that sdist
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(dist), str(src)],
                   check=True, capture_output=True)
    wheel = next(dist.glob("collabd-*.whl"))
    sdist = next(dist.glob("collabd-*.tar.gz"))
    with zipfile.ZipFile(wheel) as z:
        assert {"collabd/web/index.html", "collabd/web/app.js"} <= set(z.namelist())
    with tarfile.open(sdist) as t:
        assert any(n.endswith("collabd/web/app.js") for n in t.getnames())

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([venv / "bin" / "python", "-m", "pip", "install", "-q", str(wheel)],
                   check=True, capture_output=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PATH"] = str(venv / "bin")  # no node, no npm: only what the wheel installed
    with open(log, "wb") as out:
        proc = subprocess.Popen([venv / "bin" / "collabd", "serve", "--port", str(port),
                                 "--data-dir", str(tmp_path / "data")],
                                cwd=tmp_path, env=env, stdout=out, stderr=out)
    try:
        wait_healthy(proc, base, log)
        status, index = get(base + "/")
        assert status == 200 and b"app.js" in index
        status, app = get(base + "/app.js")
        assert status == 200 and len(app) > 100_000
        status, join = get(base + "/join")
        assert status == 200 and join == index
        assert get(base + "/app.css")[0] == 200
        assert b"web client not built" not in log.read_bytes()
    finally:
        proc.terminate()
        proc.wait(15)


async def test_without_a_bundle_the_server_explains_instead_of_404(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    import aiohttp

    monkeypatch.setattr("collabd.app.WEB_DIR", tmp_path / "no-bundle")
    with caplog.at_level(logging.WARNING, logger="collabd"):
        async with in_process(tmp_path / "d") as server:
            async with aiohttp.ClientSession() as http:
                for path in ("/", "/join"):
                    async with http.get(server.http + path) as r:
                        assert r.status == 503 and r.content_type == "text/html"
                        page = await r.text()
                        assert "npm run build" in page and "not installed" in page
    assert any("web client not built" in r.getMessage() for r in caplog.records)
