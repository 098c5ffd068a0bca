"""GET /metrics after a short session over real sockets (issue 16 item 3)."""

from __future__ import annotations

import aiohttp
from prometheus_client.parser import text_string_to_metric_families
from pycrdt import Doc, Text

from collab_protocol import ChatMsg, ChatPost, SyncUpdate
from collabd.api.auth import load_api_key
from support.server import Running
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
