"""The picows floor for the collabd benchmark: a bare WebSocket relay on picows + uvloop.

Same job as floor_relay.py (the aiohttp floor): every binary frame a connection of
``/rooms/{room}`` sends is forwarded to the other connections of that room; nothing is
answered, decoded, checked or stored, and the query string (the join token) is ignored.
picows is a Cython WebSocket implementation for asyncio; it shows what a Python server
could spend on the WebSocket layer alone.

picows is not a collabd dependency: ``pip install picows`` (run.py installs it when it
is missing; see bench/requirements-bench.txt).

    python bench/floor_picows.py --host 127.0.0.1 --port 8766
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from typing import Any

import picows
from picows import WSFrame, WSListener, WSMsgType, WSTransport, WSUpgradeRequest

# room name -> the listeners connected to it
ROOMS: dict[bytes, set[RoomListener]] = {}


class RoomListener(WSListener):
    __slots__ = ("room", "transport")

    def __init__(self, room: bytes) -> None:
        self.room = room
        self.transport: WSTransport | None = None

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport
        ROOMS.setdefault(self.room, set()).add(self)

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        kind = frame.msg_type
        if kind is WSMsgType.BINARY:
            # y-websocket sends one whole message per frame; forward the payload as is
            data = frame.get_payload_as_bytes()
            for peer in ROOMS.get(self.room, ()):
                if peer is not self and peer.transport is not None:
                    peer.transport.send(WSMsgType.BINARY, data)
        elif kind is WSMsgType.CLOSE:
            # echo the peer's code; a close frame without one is answered with 1000
            code = frame.get_close_code()
            if code is picows.WSCloseCode.NO_INFO:
                code = picows.WSCloseCode.OK
            transport.send_close(code)
            transport.disconnect()
        # pings are answered by picows itself (enable_auto_pong); text frames are ignored

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        peers = ROOMS.get(self.room)
        if peers is not None:
            peers.discard(self)
            if not peers:
                del ROOMS[self.room]
        self.transport = None


def route(request: WSUpgradeRequest) -> RoomListener | None:
    path = request.path.split(b"?", 1)[0]
    if not path.startswith(b"/rooms/") or len(path) <= len(b"/rooms/"):
        return None  # picows answers 404
    return RoomListener(path[len(b"/rooms/") :])


async def serve(host: str, port: int) -> None:
    server = await picows.ws_create_server(route, host, port, max_frame_size=8 * 1024 * 1024)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(
        f"picows floor listening on {host}:{port} (picows {getattr(picows, '__version__', '?')}, "
        f"loop: {type(loop).__module__})",
        flush=True,
    )
    try:
        await stop.wait()
    finally:
        server.close()
        for peers in list(ROOMS.values()):
            for listener in list(peers):
                if listener.transport is not None:
                    listener.transport.send_close(picows.WSCloseCode.GOING_AWAY)
                    listener.transport.disconnect()
        await server.wait_closed()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--no-uvloop", action="store_true", help="use the stock asyncio loop")
    args = parser.parse_args()
    loop_factory: Any = None
    if not args.no_uvloop:
        import uvloop

        loop_factory = uvloop.new_event_loop
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
