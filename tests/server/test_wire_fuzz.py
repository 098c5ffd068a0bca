"""A bounded wire fuzzer: mutated frames from several connections while two honest clients type.

Afterwards the server is alive, a fresh client syncs, and the stored document, the room's
document and both honest clients' documents are the same.
"""

from __future__ import annotations

import asyncio
import random

import aiohttp
from pycrdt import Doc, Text

from collab_protocol import (
    AwarenessEntry,
    AwarenessMessage,
    ChatPost,
    Hello,
    SyncStep1,
    SyncStep2,
    SyncUpdate,
    decode_frame,
    encode,
    encode_awareness,
)
from support.server import in_process
from support.wsclient import RawClient

FRAMES = 2500
SECONDS = 25.0


class Honest:
    """A client that types and applies everything relayed to it."""

    def __init__(self, client: RawClient, client_id: int) -> None:
        self.client = client
        self.doc: Doc = Doc(client_id=client_id)
        self.text = self.doc.get("code", type=Text)

    async def type(self, s: str) -> bytes:
        sv = self.doc.get_state()
        self.text += s
        update = self.doc.get_update(sv)
        await self.client.send(SyncUpdate(update))
        return update

    async def settle(self) -> None:
        """Take in everything relayed so far (the sync reply comes after it)."""
        await self.client.send(SyncStep1(self.doc.get_state()))
        while True:
            for m in await self.client.recv():
                if isinstance(m, SyncUpdate | SyncStep2):
                    self.doc.apply_update(m.update)
                    if isinstance(m, SyncStep2):
                        return


def corpus(rng: random.Random) -> list[bytes]:
    d = Doc(client_id=99)
    t = d.get("code", type=Text)
    frames = []
    for s in ("a", "bé", "🌍", "xyz"):
        sv = d.get_state()
        t.insert(0, s)
        frames.append(encode(SyncUpdate(d.get_update(sv))))
    sv = d.get_state()
    del t[0:1]
    frames.append(encode(SyncUpdate(d.get_update(sv))))
    frames += [
        encode(SyncStep1(d.get_state())),
        encode(SyncStep2(d.get_update())),
        encode(AwarenessMessage(encode_awareness([AwarenessEntry(5, 1, '{"cursor":null}')]))),
        encode(Hello(v=1, client="fuzz")),
        encode(ChatPost(text="hi", nonce="n1")),
        b"\x03",
    ]
    return frames


def mutate(rng: random.Random, frame: bytes) -> bytes:
    b = bytearray(frame)
    for _ in range(rng.randint(1, 4)):
        op = rng.random()
        if op < 0.4 and b:
            b[rng.randrange(len(b))] = rng.randrange(256)
        elif op < 0.6 and b:
            del b[rng.randrange(len(b)):]
        elif op < 0.8:
            b.insert(rng.randint(0, len(b)), rng.randrange(256))
        elif b:
            i = rng.randrange(len(b))
            b[i:i] = b[i:i + rng.randint(1, 8)]  # repeat a slice
    return bytes(b)


def pick(rng: random.Random, frames: list[bytes]) -> bytes:
    """A frame as it is, mutated whole, or with only its payload mutated (so that it passes the
    framing and reaches the update gate or the awareness and collab parsers)."""
    frame = rng.choice(frames)
    roll = rng.random()
    if roll < 0.1:
        return frame
    if roll < 0.4:
        return mutate(rng, frame)
    msg = decode_frame(frame)[0]
    if isinstance(msg, SyncUpdate | SyncStep2):
        return encode(type(msg)(mutate(rng, msg.update)))
    if isinstance(msg, AwarenessMessage):
        return encode(AwarenessMessage(mutate(rng, msg.update)))
    return mutate(rng, frame)


async def fuzzer(server, rng: random.Random, frames: list[bytes], budget: list[int],
                 deadline: float) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    n = 0
    while budget[0] > 0 and loop.time() < deadline:
        c = await RawClient.connect(server.url("fz", pid=f"fuzz{n}"))
        n += 1
        try:
            while budget[0] > 0 and loop.time() < deadline:
                budget[0] -= 1
                await c.send(pick(rng, frames))
                if rng.random() < 0.2:  # let the server answer (or close) before going on
                    await c.recv(timeout=2.0)
        except Exception:  # closed by the server: a new connection
            pass
        await c.close()


async def test_mutated_frames_break_nothing(tmp_path):
    async with in_process(tmp_path, conn_attempts_per_minute=100_000, update_rate=10_000,
                          update_burst=10_000, sync_rate=1000, sync_burst=1000) as server:
        rng = random.Random(1234)
        a = Honest(await RawClient.connect(server.url("fz", pid="alice")), 1)
        b = Honest(await RawClient.connect(server.url("fz", pid="bob")), 2)
        for h in (a, b):
            await h.settle()
        frames = corpus(rng)
        budget = [FRAMES]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SECONDS
        tasks = [asyncio.create_task(fuzzer(server, random.Random(i), frames, budget, deadline))
                 for i in range(3)]
        for i in range(40):
            await (a if i % 2 else b).type(f"{i};")
            await asyncio.sleep(0.01)
        await asyncio.gather(*tasks)
        for h in (a, b):
            await h.settle()

        async with aiohttp.ClientSession() as http, http.get(f"{server.http}/healthz") as r:
            assert r.status == 200
        fresh = Doc()
        c = await RawClient.connect(server.url("fz", pid="late"))
        await c.send(SyncStep1(b"\x00"))
        fresh.apply_update((await c.recv_until(lambda m: isinstance(m, SyncStep2))).update)
        stored = Doc()
        for u in server.hub.store.load_doc("fz")[0]:
            stored.apply_update(u)
        room = server.hub.rooms["fz"].doc.doc
        texts = {str(d.get("code", type=Text)) for d in (a.doc, b.doc, fresh, stored, room)}
        assert len(texts) == 1, texts
        text = texts.pop()
        for i in range(40):
            assert f"{i};" in text  # every honest keystroke is there
        assert budget[0] <= 0 or loop.time() >= deadline
