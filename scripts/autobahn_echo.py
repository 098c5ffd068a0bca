#!/usr/bin/env python3
"""An echo server over collabd's WebSocket framing (adapters/websocket.py), for the Autobahn
TestSuite's fuzzingclient (`wstest -m fuzzingclient`). Test use only: it serves nothing else.

    python scripts/autobahn_echo.py [PORT]      listens on 127.0.0.1:PORT (9001)

Every message comes back with its opcode; a text message that is not UTF-8 fails the
connection with 1007 (the rooms refuse text messages outright, with 4400). The TestSuite is
Python 2 only; with a Python 2.7 (pyenv has one: export PYENV_VERSION=2.7.18 first) it runs
from a directory of its own:

    python2.7 -m pip install --target /tmp/ab autobahntestsuite
    touch /tmp/ab/zope/__init__.py                 # --target skips namespace .pth files
    echo '{"outdir": "reports", "servers": [{"agent": "collabd", "url": "ws://127.0.0.1:9001"}],
           "cases": ["*"], "exclude-cases": ["12.*", "13.*"]}' > fuzzingclient.json
    PYTHONPATH=/tmp/ab python2.7 /tmp/ab/bin/wstest -m fuzzingclient -s fuzzingclient.json

The result is quoted in docs/security.md ("Cost model: frames and connections").
"""

from __future__ import annotations

import asyncio
import sys
from typing import cast

from collabd.adapters.websocket import (
    OP_BINARY,
    OP_TEXT,
    FrameProtocol,
    PartialBudget,
    handshake_response,
    ws_frame,
)
from collabd.config import Limits


class Handshake(asyncio.Protocol):
    def __init__(self) -> None:
        self.head = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.head += data
        if b"\r\n\r\n" not in self.head:
            return
        transport = self.transport
        assert transport is not None
        head, _, rest = self.head.partition(b"\r\n\r\n")
        key = ""
        for line in head.decode("latin-1").split("\r\n")[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "sec-websocket-key":
                key = value.strip()
        transport.write(handshake_response(key))
        limits = Limits()

        def echo(payload: bytes, binary: bool) -> None:
            if not binary:
                try:
                    payload.decode()
                except UnicodeDecodeError:
                    sock.close(1007, "text is not UTF-8")
                    return
            sock.send(ws_frame(payload, OP_BINARY if binary else OP_TEXT))

        sock = FrameProtocol(transport, 16 << 20, echo, lambda code: None,
                             PartialBudget(limits.partial_message_bytes))
        transport.set_protocol(sock)
        if rest:
            sock.data_received(rest)


async def main(port: int) -> None:
    server = await asyncio.get_running_loop().create_server(Handshake, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 9001))
