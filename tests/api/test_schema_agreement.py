"""What the OpenAPI document accepts, the server accepts: the regular expressions mean the same
to ECMA-262 (what JSON Schema tools use) as to Python's re (what validates), and bodies
generated from the document itself (schemathesis) are never refused with a 400."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collabd.api.auth import load_api_key
from collabd.api.openapi import OPENAPI
from support.server import Running, ServerProcess

# every code point of the BMP but the surrogates, and a few beyond it
CODE_POINTS = [c for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF] + [
    0x1F30D, 0xE0001, 0x10FFFF]


def patterns(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield value
            else:
                yield from patterns(value)
    elif isinstance(node, list):
        for item in node:
            yield from patterns(item)


def ecmascript_matches(pattern: str) -> str:
    """For each of CODE_POINTS, "1" if node's RegExp (unicode mode) finds the pattern in the
    one-character string, else "0"."""
    node = shutil.which("node")
    assert node, "node is needed (scripts/setup.sh installs it)"
    script = (
        "const [p, cps] = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "const re = new RegExp(p, 'u');"
        "process.stdout.write(cps.map(c => re.test(String.fromCodePoint(c)) ? '1' : '0')"
        ".join(''));")
    done = subprocess.run([node, "-e", script], input=json.dumps([pattern, CODE_POINTS]),
                          capture_output=True, text=True, timeout=60, check=True)
    return done.stdout


def test_every_pattern_means_the_same_to_ecmascript_and_python() -> None:
    found = sorted(set(patterns(OPENAPI)))
    assert found, "the document has patterns"
    for pattern in found:
        compiled = re.compile(pattern)
        python = "".join("1" if compiled.search(chr(c)) else "0" for c in CODE_POINTS)
        ecma = ecmascript_matches(pattern)
        differ = [hex(c) for c, a, b in zip(CODE_POINTS, python, ecma, strict=True) if a != b]
        assert not differ, f"{pattern!r}: Python and ECMA-262 disagree on {differ[:20]}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    proc = ServerProcess(tmp_path_factory.mktemp("schema") / "data")
    running = proc.start_blocking()
    try:
        yield running
    finally:
        proc.terminate()


def post(server: Running, path: str, body: Any) -> tuple[int, Any]:
    request = urllib.request.Request(
        server.http + path, data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Bearer {load_api_key(server.data_dir)}",
                 "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def identity(name: str) -> dict[str, str]:
    return {"name": name, "email": "a@example.org"}


def test_names_are_judged_alike_by_the_document_and_the_server(server: Running) -> None:
    from jsonschema import Draft202012Validator

    schema = OPENAPI["components"]["schemas"]["IdentityIn"]
    for name in ("\u0085", "\u001f", "\ufeff", " \t\u3000", "\u00a0", "", "Ada", "\u0085Ada",
                 "李", "🌍", "\u200b"):
        by_document = Draft202012Validator(schema).is_valid(identity(name))
        status, answer = post(server, "/api/sessions",
                              {"interviewer": identity(name), "interviewee": identity("Bo")})
        assert (status == 201) == by_document and status in (201, 400), (name, status, answer)


def create_session_bodies() -> st.SearchStrategy[Any]:
    """Request bodies of POST /api/sessions that the served document says are valid."""
    # a copy: schemathesis annotates the document it is given (other tests compare it)
    operation = schemathesis.openapi.from_dict(copy.deepcopy(OPENAPI))["/api/sessions"]["POST"]
    return operation.as_strategy().map(lambda case: case.body)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.data_too_large])
@given(body=create_session_bodies())
def test_bodies_the_document_accepts_are_never_refused(server: Running,
                                                       body: dict[str, Any]) -> None:
    options = body.get("options") or {}
    if "webhook_url" in options:  # the server would POST there: keep the traffic local
        options["webhook_url"] = "http://127.0.0.1:9/hook"
    status, answer = post(server, "/api/sessions", body)
    assert status == 201, (status, answer, body)

