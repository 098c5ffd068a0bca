"""The whiteboard, which collab-term cannot draw: the side bar says that there is one (or that
it was cleared and can be restored) and how to see it, and the log when either side clears or
restores it in a browser."""

from __future__ import annotations

import contextlib
from typing import Any

from pycrdt import Map
from textual.css.query import NoMatches
from textual.widgets import Static

from collab_client import Client

from ..room_events import RoomView, Say
from ..roomstate import my_name

ICON = "🖌"


def board_notice(key: str, change: dict[str, Any], my_name: str) -> str | None:
    """The log line for a change of the shared `boardMeta` map (a clear or a restore made by
    either side in a browser), or None."""
    value = change.get("newValue") if change.get("action") in ("add", "update") else None
    if not isinstance(value, dict):
        return None
    by = str(value.get("by") or "")
    who = "You (in the browser)" if by and by == my_name else (by or "The other participant")
    if key == "cleared":
        items = value.get("items")
        count = len(items) if isinstance(items, list) else 0
        return (f"{who} cleared the whiteboard ({count} element{'' if count == 1 else 's'}). "
                "Either of you can restore it from a browser.")
    if key == "restored":
        return f"{who} restored the whiteboard."
    return None


class BoardStatus(RoomView, Static):
    """Hidden while the room has no whiteboard; watches the shared board maps itself."""

    DEFAULT_CSS = "BoardStatus { height: auto; padding: 0 1; color: $text-muted; }"

    def __init__(self, **kw: Any) -> None:
        super().__init__("", **kw)
        self.board: Map[Any] | None = None  # the elements (shown only as a count)
        self.board_meta: Map[Any] | None = None  # the last clear (restorable) and restore
        self._subscriptions: list[Any] = []  # kept: an observer lives with its subscription
        self._announced = False

    def attach(self, client: Client, say: Say) -> None:
        self.board = client.doc.get("board", type=Map)
        self.board_meta = client.doc.get("boardMeta", type=Map)
        self._subscriptions = [
            self.board.observe(self._board_changed),
            self.board_meta.observe(self._meta_changed),
        ]
        super().attach(client, say)

    def _board_changed(self, _event: object) -> None:
        self.call_later(self.show)

    def _meta_changed(self, event: Any) -> None:
        """A clear or restore: runs inside the document's transaction, so it only reads the
        event and leaves the rest for later."""
        name = my_name(self.client)
        notices = [board_notice(key, change, name) for key, change in event.keys.items()]

        def later() -> None:
            for notice in notices:
                if notice:
                    self.say(ICON, notice)
            self.show()

        self.call_later(later)

    def show(self) -> None:
        if self.board is None:
            return
        with contextlib.suppress(NoMatches):  # the app may be shutting down
            count = len(self.board)
            cleared = self.board_meta.get("cleared") if self.board_meta is not None else None
            items = cleared.get("items") if isinstance(cleared, dict) else None
            restorable = len(items) if isinstance(items, list) else 0
            self.set_class(count == 0 and not restorable, "hidden")
            if count or not restorable:
                self.update(
                    f"{ICON} Whiteboard: {count} shape{'' if count == 1 else 's'}. collab-term "
                    "cannot draw it: open your join link in a browser to see it."
                )
            else:
                self.update(
                    f"{ICON} Whiteboard cleared ({restorable} element"
                    f"{'' if restorable == 1 else 's'}): open your join link in a browser to "
                    "restore it."
                )
            if count and not self._announced:
                self._announced = True
                self.say(ICON, "There is a whiteboard in this room (open your join link in a "
                               "browser to see it).")
