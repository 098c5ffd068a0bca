"""A room's surroundings in memory, in the spirit of h11's ConnectionPair: a socket that keeps
what is written to it, a store of dicts, a persistence that commits on the next loop turn.
With them a room, the hub and the services run in milliseconds with nothing else started."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from collab_protocol import CollabMessage, decode_frame
from collabd.config import Settings
from collabd.core.tokens import Claims
from collabd.runtime.connection import Conn
from collabd.runtime.deps import Committed
from collabd.runtime.hub import Hub
from collabd.runtime.services import Services

T = TypeVar("T")


class FakeTransport:
    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.closing = False

    def get_write_buffer_size(self) -> int:
        return 0

    def is_closing(self) -> bool:
        return self.closing

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def abort(self) -> None:
        self.closing = True


class FakeSocket:
    def __init__(self) -> None:
        self.transport = FakeTransport()
        self.received = 0.0
        self.closed_with: tuple[int, str] | None = None

    def close(self, code: int, reason: str = "") -> None:
        self.closed_with = (code, reason)
        self.transport.closing = True

    def ping(self, then: bytes = b"") -> None:
        pass

    def messages(self) -> list[Any]:
        """Every protocol message written so far (server frames: unmasked, final)."""
        out: list[Any] = []
        for frame in self.transport.written:
            n, at = frame[1] & 0x7F, 2
            if n == 126:
                at = 4
            elif n == 127:
                at = 10
            out.extend(decode_frame(frame[at:]))
        return out

    def collab(self, kind: type[CollabMessage] | None = None) -> list[Any]:
        return [m for m in self.messages() if isinstance(m, kind or CollabMessage)]


class FakeStore:
    """The store methods rooms and handlers call, on dicts; `fail_compact` names rooms whose
    compaction raises."""

    def __init__(self) -> None:
        self.updates: dict[str, list[bytes]] = {}
        self.compacted: list[str] = []
        self.fail_compact: set[str] = set()
        self.chat: dict[str, list[dict[str, Any]]] = {}
        self.runs: dict[str, list[dict[str, Any]]] = {}
        self.asked: dict[str, list[dict[str, Any]]] = {}
        self.notes: dict[tuple[str, str], tuple[str, int]] = {}
        self.log: list[tuple[str, str]] = []
        self.saved_sessions: list[str] = []
        self._ids = itertools.count(1)

    def load_doc(self, room: str) -> tuple[list[bytes], int, dict[int, str]]:
        updates = list(self.updates.get(room, []))
        return updates, len(updates), {}

    load_doc_now = load_doc

    def checkpoint(self) -> None:
        pass

    def count_updates(self, room: str) -> int:
        return len(self.updates.get(room, []))

    def compact(self, room: str, snapshot: bytes, upto: int, keep: bool = False) -> None:
        if room in self.fail_compact:
            raise OSError(f"disk gone under {room}")
        self.updates[room] = [snapshot]
        self.compacted.append(room)

    def append_chat(self, room: str, ts: int, sender: dict[str, Any], text: str) -> int:
        cid = next(self._ids)
        self.chat.setdefault(room, []).append({"id": cid, "ts": ts, "from": sender, "text": text})
        return cid

    def chat_after(self, room: str, after: int, limit: int) -> list[dict[str, Any]]:
        return [r for r in self.chat.get(room, []) if r["id"] > after][:limit]

    def append_run(self, room: str, ts: int, sender: dict[str, Any], run: dict[str, Any]) -> int:
        rid = next(self._ids)
        self.runs.setdefault(room, []).append({"id": rid, "ts": ts, "from": sender, **run})
        return rid

    def runs_after(self, room: str, after: int, limit: int) -> list[dict[str, Any]]:
        return [r for r in self.runs.get(room, []) if r["id"] > after][:limit]

    def append_question(self, room: str, ts: int, sender: Any, text: str) -> None:
        self.asked.setdefault(room, []).append({"ts": ts, "from": sender, "text": text})

    def questions(self, room: str) -> list[dict[str, Any]]:
        return list(self.asked.get(room, []))

    def save_notes(self, room: str, pid: str, ts: int, text: str) -> None:
        self.notes[(room, pid)] = (text, ts)

    def load_notes(self, room: str, pid: str) -> tuple[str, int] | None:
        return self.notes.get((room, pid))

    def log_event(self, room: str, ts: int, kind: str, data: dict[str, Any]) -> None:
        self.log.append((room, kind))

    def load_session(self, sid: str) -> None:
        return None  # sessions are put in Services.live directly

    def save_session(self, sid: str, *args: Any, **kwargs: Any) -> None:
        self.saved_sessions.append(sid)


class FakePersistence:
    """Reads and writes call the store at once; appends commit on the next loop turn."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store
        self.closed = False

    async def read(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return fn(*args, **kwargs)

    async def write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return fn(*args, **kwargs)

    def append(self, room: str, seq: int, data: bytes, committed: Committed,
               owners: list[tuple[str, int, str]] | None = None) -> None:
        self.store.updates.setdefault(room, []).append(data)
        asyncio.get_running_loop().call_soon(committed, None)

    def flush_now(self) -> None:
        pass

    async def close(self) -> None:
        self.closed = True


def fake_hub(tmp: Path, services: Any = None) -> tuple[Hub, FakeStore, Services]:
    store = FakeStore()
    services = services or Services()
    hub = Hub(Settings(data_dir=tmp), store, services,
              persistence=FakePersistence(store))  # type: ignore[arg-type]
    services.bind(hub, b"k" * 32)
    return hub, store, services


def fake_conn(hub: Hub, room: str, pid: str, role: str = "guest") -> tuple[Conn, FakeSocket]:
    """A connection that said hello, on a fake socket."""
    claims = Claims(room, pid, role, 2**31)
    services = hub.extensions
    conn = Conn(claims, services.pseudonym(claims), hub.settings.limits)
    sock = FakeSocket()
    conn.attach(sock)  # type: ignore[arg-type]
    conn.hello = True
    return conn, sock
