"""Room-endpoint helpers shared by the server tests: edits, a joined raw client, and the
check that a room is intact after an attack."""

from __future__ import annotations

from pycrdt import Doc, Text

from collab_protocol import Hello, SyncStep1, SyncStep2, SyncUpdate, Welcome

from .wsclient import RawClient


def edits(n: int, text: str = "x") -> list[bytes]:
    """n incremental updates of one author, each depending on the one before."""
    doc = Doc()
    t = doc.get("code", type=Text)
    out = []
    for _ in range(n):
        sv = doc.get_state()
        t += text
        out.append(doc.get_update(sv))
    return out


async def joined(server, room: str, pid: str, hello: bool = False) -> RawClient:  # type: ignore[no-untyped-def]
    c = await RawClient.connect(server.url(room, pid=pid))
    await c.recv_until(lambda m: isinstance(m, SyncStep1))
    await c.send(SyncStep1(b"\x00"))
    await c.recv_until(lambda m: isinstance(m, SyncStep2))
    if hello:
        await c.send(Hello(v=1, client="test"))
        await c.recv_until(lambda m: isinstance(m, Welcome))
    return c


async def assert_room_intact(server, room: str, watcher: RawClient, stored: int) -> None:  # type: ignore[no-untyped-def]
    assert server.hub.store.count_updates(room) == stored
    assert not [m for m in watcher.received if isinstance(m, SyncUpdate)]
    c = await joined(server, room, "late")
    [u] = edits(1, "ok")
    await c.send(SyncUpdate(u))
    assert await watcher.recv_until(lambda m: isinstance(m, SyncUpdate)) == SyncUpdate(u)
    await c.close()
