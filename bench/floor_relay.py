"""The floor for the collabd benchmark: a bare aiohttp WebSocket relay.

It keeps no document and understands nothing of the protocol: every binary frame a
connection in ``/rooms/{room}`` sends is forwarded to the other connections of that room.
It answers nothing else (no SyncStep2, no awareness, no keepalive), ignores the query
string (the join token) and stores nothing. It runs on the same stack as collabd:
aiohttp on uvloop when uvloop is importable. Whatever collabd spends above this is the
price of decoding, applying, checking and storing updates.

    python bench/floor_relay.py --host 127.0.0.1 --port 8765
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from aiohttp import WSMsgType, web

ROOMS: web.AppKey[dict[str, set[web.WebSocketResponse]]] = web.AppKey("rooms", dict)


async def room_socket(request: web.Request) -> web.StreamResponse:
    room = request.match_info["room"]
    # Compression off: the stock `ws` client offers permessage-deflate and aiohttp would
    # accept it; the reference server (ws.Server) does not. Keep the floor a floor.
    ws = web.WebSocketResponse(compress=False, max_msg_size=8 * 1024 * 1024)
    await ws.prepare(request)
    rooms = request.app[ROOMS]
    peers = rooms.setdefault(room, set())
    peers.add(ws)
    try:
        async for msg in ws:
            if msg.type is not WSMsgType.BINARY:
                continue
            data = msg.data
            for peer in tuple(peers):
                if peer is not ws and not peer.closed:
                    with contextlib.suppress(ConnectionError):
                        await peer.send_bytes(data)
    finally:
        peers.discard(ws)
        if not peers and rooms.get(room) is peers:
            del rooms[room]
    return ws


async def on_shutdown(app: web.Application) -> None:
    for peers in list(app[ROOMS].values()):
        for ws in list(peers):
            await ws.close(code=1001, message=b"server shutdown")


def make_app() -> web.Application:
    app = web.Application()
    app[ROOMS] = {}
    app.router.add_get("/rooms/{room}", room_socket)
    app.on_shutdown.append(on_shutdown)
    return app


async def serve(host: str, port: int) -> None:
    runner = web.AppRunner(make_app(), handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"floor relay listening on {host}:{port} (loop: {type(loop).__module__})", flush=True)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--no-uvloop", action="store_true", help="use the stock asyncio loop")
    args = parser.parse_args()
    loop_factory = None
    if not args.no_uvloop:
        try:
            import uvloop

            loop_factory = uvloop.new_event_loop
        except ImportError:
            pass
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(serve(args.host, args.port))


if __name__ == "__main__":
    sys.exit(main())
