"""One room's failure on unload or close never stops the others; a failed room drops itself
through its keeper's callback. On fakes: no socket, no database."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pycrdt

from collabd.runtime.connection import CLOSE_TRY_AGAIN
from collabd.runtime.deps import RoomDeps
from collabd.runtime.hub import Hub
from collabd.runtime.room import Room, RoomState
from collabd.runtime.services import Services

from .fakes import FakePersistence, FakeStore, fake_conn, fake_hub


def edits(n: int) -> list[bytes]:
    """`n` real Yjs updates, each one typed character."""
    doc: pycrdt.Doc = pycrdt.Doc()
    text = doc.get("code", type=pycrdt.Text)
    out: list[bytes] = []
    for i in range(n):
        before = doc.get_state()
        text += str(i)
        out.append(doc.get_update(before))
    return out


async def room_with_edits(hub: Hub, name: str) -> Room:
    conn, _ = fake_conn(hub, name, f"p-{name}")
    room = await hub.join(name, conn)
    for update in edits(3):
        room.on_update(conn, update)
    await room.flush()
    hub.leave(room, conn)
    room.cancel_unload()  # the test unloads it itself
    return room


async def test_close_flushes_every_room_when_one_fails(tmp_path: Path) -> None:
    hub, store, services = fake_hub(tmp_path)
    rooms = [await room_with_edits(hub, name) for name in ("a", "b", "c")]
    store.fail_compact = {"a"}  # the first room hub.close meets
    await hub.close()
    assert store.compacted == ["b", "c"]
    assert hub.rooms == {}
    assert all(r.state is RoomState.UNLOADED for r in rooms)
    assert hub.persistence.closed  # type: ignore[attr-defined]


async def test_a_failed_unload_still_forgets_the_room(tmp_path: Path) -> None:
    unloaded: list[str] = []

    class Failing(Services):
        def on_unload(self, room: Room) -> None:
            super().on_unload(room)
            unloaded.append(room.name)
            raise RuntimeError("session layer bug")

    hub, store, _ = fake_hub(tmp_path, Failing())
    a = await room_with_edits(hub, "a")
    b = await room_with_edits(hub, "b")
    store.fail_compact = {"a"}
    await hub.unload(a)  # compaction fails, then the hook does: neither escapes
    await hub.unload(b)
    assert list(hub.rooms) == [] and unloaded == ["a", "b"]
    assert store.compacted == ["b"]
    assert len(store.updates["a"]) == 3  # nothing lost: the updates were stored already
    await hub.close()


async def test_a_room_alone_drops_itself_through_its_keeper(tmp_path: Path) -> None:
    store = FakeStore()
    dropped: list[Room] = []
    idle: list[Room] = []

    class Hooks:
        def refuse_update(self, room: Room, conn: object) -> None:
            pass

    async def on_idle(room: Room) -> None:
        idle.append(room)

    hub, _, _ = fake_hub(tmp_path)  # only for a connection's pseudonym
    deps = RoomDeps(hub.settings.limits, store, FakePersistence(store), hub.stats, Hooks(),
                    on_idle, dropped.append)
    room = Room("solo", deps)
    await room.load()
    conn, sock = fake_conn(hub, "solo", "p-1")
    room.conns.add(conn)
    updates = edits(2)
    for update in updates:
        room.on_update(conn, update)
    await room.flush()
    assert store.updates["solo"] == updates
    room.fail()
    assert dropped == [room] and sock.closed_with == (CLOSE_TRY_AGAIN, "storage failure")
    assert room.state is RoomState.UNLOADED
    await hub.close()


async def test_an_empty_room_asks_its_keeper_to_unload_it(tmp_path: Path) -> None:
    store = FakeStore()
    asked = asyncio.Event()

    class Hooks:
        def refuse_update(self, room: Room, conn: object) -> None:
            pass

    async def on_idle(room: Room) -> None:
        asked.set()

    hub, _, _ = fake_hub(tmp_path)
    limits = hub.settings.limits
    object.__setattr__(limits, "unload_grace_seconds", 0.0)
    deps = RoomDeps(limits, store, FakePersistence(store), hub.stats, Hooks(), on_idle,
                    lambda room: None)
    room = Room("idle", deps)
    await room.load()
    room.schedule_unload()
    await asyncio.wait_for(asked.wait(), 5)
    await hub.close()
