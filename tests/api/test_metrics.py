"""GET /metrics after a short session over real sockets (issue 16 item 3)."""

from __future__ import annotations

import asyncio
import contextlib

import aiohttp
from prometheus_client.parser import text_string_to_metric_families
from pycrdt import Doc, Text

from collab_protocol import ChatMsg, ChatPost, SyncUpdate
from collabd.api.auth import load_api_key
from support.server import Running, in_process
from support.session import Participant, create, phase_is


async def scrape(server: Running, key: str | None = None) -> tuple[int, str]:
    key = load_api_key(server.data_dir) if key is None else key
    async with aiohttp.ClientSession() as http, http.get(
            server.http + "/metrics", headers={"Authorization": f"Bearer {key}"}) as r:
        return r.status, await r.text()


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(found: dict, name: str, **labels: str) -> float:
    return float(found[(name, tuple(sorted(labels.items())))])


async def test_a_scrape_after_a_short_session_counts_it(server) -> None:
    s = await create(server)
    sid = s["session_id"]
    a = await Participant.join(server, sid, s["interviewer"]["token"])
    b = await Participant.join(server, sid, s["interviewee"]["token"])
    await a.until(phase_is("live"))
    doc = Doc()
    text = doc.get("code", type=Text)
    for word in ("def ", "f(x):", " return x"):
        sv = doc.get_state()
        text += word
        await a.send(SyncUpdate(doc.get_update(sv)))
        await b.next(lambda m: isinstance(m, SyncUpdate))
    await a.send(ChatPost("hello", nonce="n"))
    await b.until(lambda m: isinstance(m, ChatMsg))

    status, body = await scrape(server)
    assert status == 200
    found = samples(body)
    assert value(found, "collabd_updates_applied_total") >= 3
    assert value(found, "collabd_deliveries_total") >= 3
    assert value(found, "collabd_connections") == 2
    assert value(found, "collabd_rooms_loaded") == 1
    assert value(found, "collabd_sessions_loaded", phase="live") == 1
    assert value(found, "collabd_commit_batches_total") >= 1
    assert value(found, "collabd_commit_batch_size_count") >= 1
    assert value(found, "collabd_commit_seconds_bucket", le="+Inf") >= 1
    assert value(found, "collabd_chat_messages_total") == 1
    assert value(found, "collabd_webhooks_pending") == 0
    assert value(found, "collabd_delivery_queue_bytes") >= 0

    await b.close()
    await a.close()


async def test_metrics_need_the_api_key(server) -> None:
    status, body = await scrape(server, key="wrong")
    assert status == 401 and "unauthorized" in body


Stream = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def trickle(server: Running, source: str) -> Stream:
    """A connection that sends part of its request headers and then nothing."""
    reader, writer = await asyncio.open_connection(server.host, server.port,
                                                   local_addr=(source, 0))
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    await writer.drain()
    return reader, writer


async def cut(stream: Stream) -> None:
    """The server closes it without a response."""
    with contextlib.suppress(ConnectionError):
        assert await asyncio.wait_for(stream[0].read(), 10) == b""
    stream[1].close()


async def test_admission_refusals_are_counted_by_their_limit(tmp_path) -> None:
    async with in_process(tmp_path, handshakes_per_address=2, handshakes_max=2,
                          header_timeout_seconds=1.0, conn_attempts_per_minute=2,
                          practice_per_minute=1) as server:
        first = [await trickle(server, "127.0.0.2") for _ in range(3)]
        await cut(first[2])  # a third unfinished one from the same address: refused
        later = await trickle(server, "127.0.0.3")  # a third unfinished in all: the oldest goes
        await cut(first[0])
        await cut(first[1])  # what is left of them takes too long over its headers
        await cut(later)
        async with aiohttp.ClientSession() as http:
            upgrades = []
            for _ in range(3):
                async with http.get(server.http + "/rooms/r") as r:
                    upgrades.append(r.status)
            practice = []
            for _ in range(2):
                async with http.post(server.http + "/api/practice") as r:
                    practice.append(r.status)
        assert upgrades == [401, 401, 429] and practice == [201, 429]

        found = samples((await scrape(server))[1])

        def refused(limit: str) -> float:
            return value(found, "collabd_admission_refused_total", limit=limit)

        assert refused("handshakes_per_address") == 1
        assert refused("handshakes_max") == 1
        assert refused("header_timeout_seconds") >= 1
        assert refused("conn_attempts_per_minute") == 1
        assert refused("practice_per_minute") == 1
        assert refused("fd_reserve") == 0
