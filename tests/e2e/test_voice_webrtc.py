"""Two real WebRTC peers (aiortc) call each other through collabd's signaling relay, relay-only
through a real TURN server (Debian's coturn) on 127.0.0.1 (issue 4)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from aioice.stun import TransactionFailed
from aioice.turn import create_turn_endpoint
from aiortc import (
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
)

from collab_protocol import IceServers, Signal
from collabd.core.signaling import turn_credential
from support.server import in_process
from support.session import Participant, create, phase_is
from support.turn import TurnServer

pytestmark = pytest.mark.usefixtures("close_raw_clients")


@pytest.fixture
def turn(tmp_path: Path):  # type: ignore[no-untyped-def]
    server = TurnServer(tmp_path / "turn").start()
    yield server
    server.stop()


def peer(ice: IceServers) -> RTCPeerConnection:
    servers = [RTCIceServer(urls=s["urls"], username=s.get("username"),
                            credential=s.get("credential")) for s in ice.servers]
    return RTCPeerConnection(RTCConfiguration(iceServers=servers))


async def test_call_through_the_relay_and_turn(tmp_path, turn):
    settings = {"turn_urls": (turn.url,), "turn_secret": turn.secret, "relay_only": True}
    async with in_process(tmp_path / "d", settings=settings) as server:
        s = await create(server)
        a = await Participant.join(server, s["session_id"], s["interviewer"]["token"])
        b = await Participant.join(server, s["session_id"], s["interviewee"]["token"])
        await a.until(phase_is("live"))
        ice_a = await a.until(lambda m: isinstance(m, IceServers))
        ice_b = await b.until(lambda m: isinstance(m, IceServers))
        assert ice_a.relay_only and ice_a.servers[0]["urls"] == [turn.url]

        caller, callee = peer(ice_a), peer(ice_b)
        got: asyncio.Queue[bytes] = asyncio.Queue()
        opened = asyncio.Event()
        channel = caller.createDataChannel("probe")
        channel.on("open", opened.set)

        @callee.on("datachannel")
        def on_channel(ch) -> None:  # type: ignore[no-untyped-def]
            ch.on("message", lambda data: got.put_nowait(data if isinstance(data, bytes)
                                                         else data.encode()))
        try:
            await caller.setLocalDescription(await caller.createOffer())
            await a.send(Signal("offer", {"sdp": caller.localDescription.sdp, "type": "offer"},
                                to=s["interviewee"]["pid"]))
            offer = await b.next(lambda m: isinstance(m, Signal) and m.kind == "offer")
            assert offer.from_["id"] == s["interviewer"]["pid"]
            assert "typ host" not in offer.data["sdp"] and "typ srflx" not in offer.data["sdp"]
            assert "typ relay" in offer.data["sdp"]  # only TURN addresses reach the peer

            await callee.setRemoteDescription(RTCSessionDescription(offer.data["sdp"], "offer"))
            await callee.setLocalDescription(await callee.createAnswer())
            await b.send(Signal("answer", {"sdp": callee.localDescription.sdp, "type": "answer"},
                                to=s["interviewer"]["pid"]))
            answer = await a.next(lambda m: isinstance(m, Signal) and m.kind == "answer")
            assert "typ host" not in answer.data["sdp"]
            await caller.setRemoteDescription(RTCSessionDescription(answer.data["sdp"],
                                                                    "answer"))

            await asyncio.wait_for(opened.wait(), 30)
            channel.send(b"ping over TURN \xf0\x9f\x8c\x8d")
            assert await asyncio.wait_for(got.get(), 15) == b"ping over TURN \xf0\x9f\x8c\x8d"

            await a.send(Signal("hangup", {}, to=s["interviewee"]["pid"]))
            await b.next(lambda m: isinstance(m, Signal) and m.kind == "hangup")
            await a.send(Signal("hangup", {}, to=s["interviewee"]["pid"]))  # flushes the log
            await b.next(lambda m: isinstance(m, Signal) and m.kind == "hangup")
            kinds = [k for _, k, _ in server.hub.store.events(s["session_id"])]
            assert kinds[:2] == ["call_started", "call_ended"]
        finally:
            await caller.close()
            await callee.close()


class _Sink(asyncio.DatagramProtocol):
    pass


async def test_turn_credentials_verify_with_the_shared_secret_and_expire(turn):
    now = int(time.time())
    user, cred = turn_credential(turn.secret.encode(), "p-1", now, 600)
    transport, _ = await create_turn_endpoint(_Sink, ("127.0.0.1", turn.port), user, cred)
    transport.close()
    for username, password in (
        turn_credential(turn.secret.encode(), "p-1", now - 600, 60),  # expired
        turn_credential(b"not the secret", "p-1", now, 600),  # forged
    ):
        with pytest.raises(TransactionFailed):
            await create_turn_endpoint(_Sink, ("127.0.0.1", turn.port), username, password)
