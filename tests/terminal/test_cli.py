"""The `collab-term` command itself, run as a subprocess: the hint when the `terminal` extra is
missing (issue 16), and the practice link printed in full (issue 13)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from collab_client.links import parse_join

from .commands import collab_term_command

HINT = "pip install 'collabd[terminal]'"


def without_textual(tmp_path: Path) -> dict[str, str]:
    """An environment where `import textual` fails as it does when the extra is not installed:
    a stand-in package first on PYTHONPATH that raises ModuleNotFoundError."""
    shim = tmp_path / "shim" / "textual"
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'textual'\", name='textual')\n"
    )
    return {**os.environ, "PYTHONPATH": str(tmp_path / "shim")}


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        collab_term_command() + args, env=env, capture_output=True, text=True, timeout=60
    )


def test_help_without_the_terminal_extra_shows_the_install_hint(tmp_path):
    out = run(["--help"], without_textual(tmp_path))
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stdout + out.stderr
    assert "usage: collab-term" in out.stdout and HINT in out.stdout


def test_a_run_without_the_terminal_extra_says_what_to_install(tmp_path):
    env = without_textual(tmp_path)
    # the shim really hides textual in this environment
    probe = subprocess.run(
        [sys.executable, "-c", "import textual"], env=env, capture_output=True, text=True
    )
    assert probe.returncode != 0 and "textual" in probe.stderr
    out = run(["http://127.0.0.1:9/join#token=v1.e30.sig"], env)
    assert out.returncode == 3
    assert "Traceback" not in out.stderr
    assert HINT in out.stderr and "textual" in out.stderr


async def test_practice_prints_the_partner_link_in_full(server, tmp_path):
    base = f"http://{server.host}:{server.port}"
    proc = await asyncio.create_subprocess_exec(
        *collab_term_command(),
        "--practice",
        "--headless",
        "--file",
        str(tmp_path / "code.py"),
        base,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONFAULTHANDLER": "1"},
    )
    assert proc.stdout is not None
    lines: list[str] = []
    try:
        async with asyncio.timeout(30):
            while not any(line.startswith("mirroring") for line in lines):
                raw = await proc.stdout.readline()
                assert raw, f"collab-term exited: {lines} {await proc.stderr.read()!r}"
                lines.append(raw.decode().strip())
    finally:
        proc.send_signal(signal.SIGINT)
        try:  # a hang detector, not a speed check: generous for a loaded machine
            async with asyncio.timeout(30):
                await proc.wait()
        except TimeoutError:
            proc.send_signal(signal.SIGABRT)  # faulthandler prints every thread's stack
            _, err = await proc.communicate()
            stacks = err.decode(errors="replace")[-6000:]
            pytest.fail(f"collab-term --headless did not stop on Ctrl-C (SIGINT):\n{stacks}")
    links = [line for line in lines if line.startswith("http")]
    assert len(links) == 1, lines
    info = parse_join(links[0])  # the whole link, usable as is
    assert info.role == "interviewee" and info.server == base
