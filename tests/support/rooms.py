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


class Writer:
    """One participant's Y.Doc, typing into the shared text at its end. Its updates are what
    a Yjs client sends (the transaction's own, as Y.Doc's "update" event gives them): a diff
    against an older state vector would carry the document's whole delete set."""

    def __init__(self, client_id: int) -> None:
        self.doc = Doc(client_id=client_id)
        self.text = self.doc.get("code", type=Text)

    def typed(self, s: str) -> bytes:
        got: list[bytes] = []
        sub = self.doc.observe(lambda event: got.append(event.update))
        try:
            self.text.insert(len(self.text), s)
        finally:
            self.doc.unobserve(sub)
        [update] = got
        return update

    def deleted_all(self) -> bytes:
        sv = self.doc.get_state()
        del self.text[0:len(self.text)]
        return self.doc.get_update(sv)


def stored_text(server, room: str) -> str:  # type: ignore[no-untyped-def]
    d = Doc()
    for u in server.hub.store.load_doc(room)[0]:
        d.apply_update(u)
    return str(d.get("code", type=Text))


async def synced_text(server, room: str, pid: str) -> str:  # type: ignore[no-untyped-def]
    """What `pid` gets when it (re)connects with an empty document."""
    c = await RawClient.connect(server.url(room, pid=pid))
    await c.send(SyncStep1(b"\x00"))
    reply = await c.recv_until(lambda m: isinstance(m, SyncStep2))
    await c.close()
    d = Doc()
    d.apply_update(reply.update)
    return str(d.get("code", type=Text))


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
