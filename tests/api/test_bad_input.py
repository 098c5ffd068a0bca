"""Hostile REST input gets a clear 4xx in the documented error format, never a 500
(issue 10 item 13, REST parts)."""

from __future__ import annotations

import asyncio
import json

import aiohttp

from collabd.api.auth import load_api_key
from support.openapi_check import check
from support.session import api, create


async def post_raw(server, path: str, data: bytes) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {load_api_key(server.data_dir)}",
               "Content-Type": "application/json"}
    async with aiohttp.ClientSession() as http, http.post(
            server.http + path, data=data, headers=headers) as r:
        return r.status, await r.json()


async def test_a_100k_deep_json_body_is_a_400(server) -> None:
    for body in (b"[" * 100_000 + b"]" * 100_000,
                 b'{"interviewer": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
                 b'{"interviewer": ' + b'{"a":' * 50_000 + b"1" + b"}" * 50_001):
        status, answer = await post_raw(server, "/api/sessions", body)
        assert (status, answer["error"]["code"]) == (400, "invalid_payload"), answer
        check("POST", "/api/sessions", status, answer)
    status, _ = await api(server, "GET", "/healthz", key="")
    assert status == 200


async def test_bodies_that_are_not_json_or_not_utf8_are_400(server) -> None:
    for body in (b"", b"{", b"\xff\xfe{}", b'{"interviewer": NaN}', b"1e999"):
        status, answer = await post_raw(server, "/api/sessions", body)
        assert (status, answer["error"]["code"]) == (400, "invalid_payload"), body


async def test_an_offset_beyond_sqlites_integers_is_a_400(server) -> None:
    await create(server)
    for query in (f"offset={2**63}", "offset=99999999999999999999999", "offset=-1",
                  "limit=0", "limit=501", "limit=ten", "offset=1.5"):
        status, answer = await api(server, "GET", f"/api/sessions?{query}")
        assert (status, answer["error"]["code"]) == (400, "invalid_payload"), query
        name = query.split("=")[0]
        assert name in answer["error"]["message"]
    status, answer = await api(server, "GET", f"/api/sessions?offset={2**63 - 1}")
    assert status == 200 and answer["sessions"] == []


async def raw_request(server, head: bytes) -> tuple[int, str, bytes]:  # type: ignore[no-untyped-def]
    reader, writer = await asyncio.open_connection(server.host, server.port)
    try:
        writer.write(head)
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), timeout=10)
    finally:
        writer.close()
    status_line, _, rest = answer.partition(b"\r\n")
    headers, _, body = rest.partition(b"\r\n\r\n")
    return int(status_line.split()[1]), headers.decode("latin-1").lower(), body


async def test_an_over_long_url_or_header_gets_the_json_error(server) -> None:
    token = "v1.secretish-token-bytes"
    for head in (b"GET /api/sessions?token=" + token.encode() + b"&q=" + b"a" * 9000
                 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
                 b"GET /rooms/r1 HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n"):
        status, headers, body = await raw_request(server, head)
        assert status == 400 and "content-type: application/json" in headers, (status, body)
        answer = json.loads(body)
        assert answer["error"]["code"] == "request_too_long", answer
        check("POST", "/api/sessions", status, answer)  # the documented error shape
        assert token.encode() not in body and b"aaaa" not in body
    status, headers, body = await raw_request(server, b"BLAH / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert (status, json.loads(body)["error"]["code"]) == (400, "bad_request")
