"""Presence follows the connection (issue 13, item 11), over real sockets.

A participant whose network drops silently (no FIN, no RST: a laptop lid, a dead Wi-Fi) must
be shown to the other side as no longer connected within a few seconds, not after ~30 s. The
silent drop is a TCP relay between the client and the server that stops forwarding bytes in
both directions while keeping both sockets open.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import quote

from collab_protocol import Hello, SessionState, SyncStep1
from support.net import free_port
from support.server import in_process
from support.session import Participant, create
from support.wsclient import RawClient


class StallingRelay:
    """A TCP relay to `port` that can stop moving bytes (both ways) without closing anything."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.listen_port = free_port()
        self.flowing = asyncio.Event()
        self.flowing.set()
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def start(self) -> StallingRelay:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.listen_port)
        return self

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.port)
        self._writers += [writer, up_writer]
        await asyncio.gather(self._pump(reader, up_writer), self._pump(up_reader, writer),
                             return_exceptions=True)

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            await self.flowing.wait()  # stalled: hold the bytes, like a dead network
            writer.write(data)
            await writer.drain()

    async def stop(self) -> None:
        for w in self._writers:
            w.transport.abort()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


def status_of(msg: object, pid: str) -> str | None:
    if not isinstance(msg, SessionState):
        return None
    return next((p["status"] for p in msg.participants if p["id"] == pid), None)


async def test_a_silently_dropped_peer_is_shown_gone_within_seconds(tmp_path: Path) -> None:
    async with in_process(tmp_path) as server:  # default limits: what a real server does
        created = await create(server)
        room = created["session_id"]
        tokens = {role: created[role]["token"] for role in ("interviewer", "interviewee")}
        er_pid = created["interviewer"]["pid"]
        relay = await StallingRelay(server.port).start()
        try:
            url = f"ws://127.0.0.1:{relay.listen_port}/rooms/{room}"
            er_client = await RawClient.connect(  # it answers pings itself, like a browser
                f"{url}?token={quote(tokens['interviewer'])}", ping_interval=None)
            await er_client.recv_until(lambda m: isinstance(m, SyncStep1))
            await er_client.send(SyncStep1(b"\x00"))
            await er_client.send(Hello(v=1, client="test"))
            await er_client.recv_until(lambda m: isinstance(m, SessionState))
            ee = await Participant.join(server, room, tokens["interviewee"])
            await ee.until(lambda m: status_of(m, er_pid) == "connected")

            relay.flowing.clear()
            # the keepalive notices within seconds; the wait gives up well before the 60 s
            # reconnect grace that would otherwise end the 'connected' status
            await ee.next(lambda m: status_of(m, er_pid) not in (None, "connected"), timeout=30)
        finally:
            await relay.stop()
