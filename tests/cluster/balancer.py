"""A TCP load balancer on 127.0.0.1 for the cluster tests, standing for the one an operator puts
in front of the nodes: each new connection goes to the first node of its list that accepts it (a
dead node is skipped), bytes are copied both ways, and nothing is sticky. A stock y-websocket
client reconnects to the URL it was given, so pointing it at a balancer is how it can move to
another node after its node died."""

from __future__ import annotations

import asyncio
import contextlib

from support.server import Running


class Balancer:
    def __init__(self, backends: list[Running]) -> None:
        self.backends = backends
        self.port = 0
        self.server: asyncio.Server | None = None
        self.links: set[asyncio.StreamWriter] = set()
        self.chosen: list[int] = []  # the backend port of each connection, in order

    async def start(self) -> Balancer:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    @property
    def ws_base(self) -> str:
        return f"ws://127.0.0.1:{self.port}/rooms"

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for node in self.backends:
            try:
                up_reader, up_writer = await asyncio.open_connection("127.0.0.1", node.port)
            except OSError:
                continue  # down: the next one
            self.chosen.append(node.port)
            break
        else:
            writer.transport.abort()
            return
        self.links |= {writer, up_writer}
        await asyncio.gather(self._pump(reader, up_writer), self._pump(up_reader, writer))
        self.links -= {writer, up_writer}

    @staticmethod
    async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except OSError:  # reset: the node died, or the client went away
            pass
        finally:
            writer.close()  # what one side ends, the other sees end too

    async def close(self) -> None:
        for w in list(self.links):
            w.transport.abort()
        if self.server is not None:
            self.server.close()
            with contextlib.suppress(Exception):
                await self.server.wait_closed()
