"""The OpenAPI document: generated from the payload types, valid, with valid examples, and in
agreement with what the server enforces and answers (issue 16 item 2)."""

from __future__ import annotations

from typing import Any

import aiohttp
import msgspec
import pytest
from jsonschema import Draft202012Validator

from collabd.api import payloads
from collabd.api.openapi import CREATE_EXAMPLE, OPENAPI
from support.openapi_check import check, validator
from support.session import ALICE, BOB, api, create


def media_entries() -> list[tuple[str, dict[str, Any]]]:
    """(where, media object) for every request body and answer of the document."""
    out = []
    for path, ops in OPENAPI["paths"].items():
        for method, op in ops.items():
            body = op.get("requestBody", {}).get("content", {})
            out += [(f"{method} {path} request", m) for m in body.values()]
            for status, resp in op["responses"].items():
                out += [(f"{method} {path} {status}", m)
                        for m in resp.get("content", {}).values()]
    return out


def test_every_schema_is_a_valid_json_schema() -> None:
    for schema in OPENAPI["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    for _, media in media_entries():
        Draft202012Validator.check_schema(media["schema"])


def test_every_documented_example_matches_its_schema() -> None:
    examples = [(where, m) for where, m in media_entries() if "example" in m]
    assert len(examples) >= 10  # each path's main answer and its errors
    for where, media in examples:
        errors = list(validator(media["schema"]).iter_errors(media["example"]))
        assert not errors, (where, errors[0].message)
    # and the request example is what the server decodes
    body = payloads.create_session(msgspec.json.encode(CREATE_EXAMPLE))
    assert body.options is not None and body.options.relay_only


def test_schema_states_the_limits_the_server_enforces() -> None:
    options = OPENAPI["components"]["schemas"]["Options"]["properties"]
    assert options["interview_seconds"]["maximum"] == 86400
    assert options["feedback_seconds"]["maximum"] == options["unmask_seconds"]["maximum"] == (
        90 * 86400)
    assert "/healthz" in OPENAPI["paths"]
    for path, status in (("/api/sessions", "201"), ("/api/sessions/{sid}/end", "200")):
        op = OPENAPI["paths"][path]["post"]["responses"][status]
        ref = op["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        schema = OPENAPI["components"]["schemas"][ref]
        status_schema = (OPENAPI["components"]["schemas"]["SessionStatus"]
                         if ref == "Created" else schema)
        assert "simulated" in status_schema["required"], path
    offset = next(q for q in OPENAPI["paths"]["/api/sessions"]["get"]["parameters"]
                  if q["name"] == "offset")
    assert offset["schema"]["maximum"] == 2**63 - 1


@pytest.mark.parametrize(("field", "good", "bad"), [
    ("interview_seconds", 86400, 86400.5),
    ("feedback_seconds", 90 * 86400, 90 * 86400 + 1),
    ("unmask_seconds", 0.1, 0.05),
    ("grace_seconds", 0, -1),
])
async def test_server_and_schema_agree_at_the_bounds(server, field, good, bad) -> None:
    props = OPENAPI["components"]["schemas"]["Options"]
    schema_ok = Draft202012Validator(props).is_valid
    for value, expect in ((good, 201), (bad, 400)):
        body = {"interviewer": ALICE, "interviewee": BOB, "options": {field: value}}
        status, answer = await api(server, "POST", "/api/sessions", body)
        assert status == expect, answer
        assert schema_ok({field: value}) is (expect == 201)
    assert field in answer["error"]["message"]


async def test_every_endpoint_answers_what_the_schema_says(server) -> None:
    """Each call goes through support.session.api, which validates the answer (status and
    body) against the document; the asserts here check the calls did what they should."""
    s = await create(server, webhook_url="http://127.0.0.1:9/hook")
    sid = s["session_id"]
    assert s["status"]["simulated"] is False
    status, body = await api(server, "GET", f"/api/sessions/{sid}")
    assert status == 200 and body["phase"] == "lobby"
    status, body = await api(server, "GET", "/api/sessions?limit=5&offset=0")
    assert status == 200 and [b["session_id"] for b in body["sessions"]] == [sid]
    status, body = await api(server, "GET", f"/api/sessions/{sid}/chat")
    assert status == 200 and body["messages"] == []
    status, body = await api(server, "POST", f"/api/sessions/{sid}/end")
    assert status == 200 and body["phase"] == "sealed" and body["simulated"] is False
    status, body = await api(server, "POST", f"/api/sessions/{sid}/cancel")
    assert (status, body["error"]["code"]) == (409, "wrong_phase")
    other = await create(server)
    status, body = await api(server, "POST", f"/api/sessions/{other['session_id']}/cancel")
    assert status == 200 and body["close_reason"] == "cancelled"
    status, body = await api(server, "GET", "/api/sessions/s-nope")
    assert (status, body["error"]["code"]) == (404, "not_found")
    status, body = await api(server, "GET", "/api/sessions", key="wrong")
    assert status == 401
    status, body = await api(server, "POST", "/api/practice", key="")
    assert status == 201 and set(body["links"]) == {"interviewer", "interviewee"}
    status, body = await api(server, "GET", "/healthz", key="")
    assert (status, body) == (200, {"ok": True})
    status, body = await api(server, "GET", "/api/openapi.json", key="")
    assert status == 200 and body == msgspec.json.decode(msgspec.json.encode(OPENAPI))


async def test_the_checker_catches_an_undocumented_answer() -> None:
    with pytest.raises(AssertionError, match="not documented"):
        check("GET", "/api/sessions/x", 418, {})
    with pytest.raises(AssertionError, match="simulated"):
        status = dict(msgspec.json.decode(msgspec.json.encode(OPENAPI["paths"][
            "/api/sessions/{sid}"]["get"]["responses"]["200"]["content"]["application/json"][
            "example"])))
        del status["simulated"]
        check("GET", "/api/sessions/x", 200, status)


async def test_answers_are_json_with_the_error_format(server) -> None:
    async with aiohttp.ClientSession() as http, http.post(
            server.http + "/api/sessions", data=b"not json",
            headers={"Authorization": f"Bearer {server.hub.extensions.webhook_key.decode()}"},
    ) as r:
        assert r.status == 400 and r.content_type == "application/json"
        body = await r.json()
    check("POST", "/api/sessions", 400, body)
    assert body["error"]["code"] == "invalid_payload"


async def test_the_server_serves_exactly_the_documented_endpoints(server) -> None:
    """Routes are registered from the table the document's paths come from."""
    served = set()
    for resource in server.app.router.resources():
        info = resource.get_info()
        path = info.get("path") or info.get("formatter", "")
        if path.startswith("/api/") or path in ("/healthz", "/metrics"):
            served |= {(route.method, path) for route in resource if route.method != "HEAD"}
    documented = {(method.upper(), path) for path, ops in OPENAPI["paths"].items()
                  for method in ops}
    assert served == documented
