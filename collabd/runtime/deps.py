"""What a room is given by whoever keeps it (the hub, or a test's fakes): a room reaches
nothing else, so it can be built and driven without a hub, a socket or a database."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from ..config import Limits
from ..ports import Store
from .stats import Stats

if TYPE_CHECKING:
    from .connection import Conn
    from .room import Room

T = TypeVar("T")
Committed = Callable[[BaseException | None], None]


class Writes(Protocol):
    """The store's worker thread and group commit (runtime/persistence.py)."""

    async def read(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T: ...
    async def write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T: ...
    def append(self, room: str, seq: int, data: bytes, committed: Committed,
               owners: list[tuple[str, int, str]] | None = None) -> None: ...
    def flush_now(self) -> None: ...


class RoomHooks(Protocol):
    """What the session layer decides for a room's Yjs traffic."""

    def refuse_update(self, room: Room, conn: Conn) -> None: ...


@dataclass(frozen=True)
class RoomDeps:
    """One per hub, shared by its rooms."""

    limits: Limits
    store: Store  # load_doc, load_doc_now, checkpoint, count_updates, compact
    persistence: Writes
    stats: Stats
    hooks: RoomHooks
    # the room is empty past its grace: unload it (the keeper checks it is still empty)
    on_idle: Callable[[Room], Awaitable[None]]
    # the room failed and dropped itself (unloaded without writing): forget it
    on_dropped: Callable[[Room], None]
